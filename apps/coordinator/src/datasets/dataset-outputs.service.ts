import { Injectable } from '@nestjs/common';
import { DatasetJobSpecSchema, type DatasetResult, type DatasetStats } from '@potluck/protocol';
import { PrismaService } from '../database/prisma.service.js';
import type { Artifact, Job } from '../generated/prisma/client.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { MAX_LINE_BYTES } from './dataset-upload.js';
import { JsonlInspector } from './jsonl-inspector.js';

export type RecordedOutput = { ok: true; datasetId: string; version: number; datasetVersionId: string } | { ok: false; reason: string };

/** The same inspector as uploads, over a file already in the artifact store. */
async function inspectStored(store: ArtifactStore, storageKey: string): Promise<{ ok: true; stats: DatasetStats } | { ok: false; reason: string }> {
  const inspector = new JsonlInspector({ maxErrors: 20, maxLineBytes: MAX_LINE_BYTES, maxTrackedRows: 1_000_000 });
  for await (const chunk of store.open(storageKey)) {
    inspector.push(chunk as Buffer);
    if (inspector.failed) break;
  }
  const result = inspector.end();
  if (result.ok) return result;
  const first = result.errors[0];
  return { ok: false, reason: `line ${first?.line ?? '?'}: ${first?.message ?? 'invalid'}` };
}

/**
 * A dataset job's output becomes a new version of the dataset named in its spec (created
 * for the job's owner when needed, with the input's licence, visibility and contributors,
 * who earn its data credit), with lineage to the input version. Recorded once per job.
 */
@Injectable()
export class DatasetOutputsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly store: ArtifactStore,
  ) {}

  async record(job: Job, result: DatasetResult, artifact: Artifact): Promise<RecordedOutput> {
    const existing = await this.prisma.client.datasetVersion.findFirst({ where: { producedByJobId: job.id } });
    if (existing) return { ok: true, datasetId: existing.datasetId, version: existing.version, datasetVersionId: existing.id };
    const spec = DatasetJobSpecSchema.parse(job.spec);
    const inspection = await inspectStored(this.store, artifact.storageKey);
    if (!inspection.ok) return { ok: false, reason: `the output is not a valid dataset (${inspection.reason})` };
    const { stats } = inspection;
    if (stats.rows !== result.rowsOut) return { ok: false, reason: `the output has ${stats.rows} rows, the agent reported ${result.rowsOut}` };
    const parent = await this.prisma.client.datasetVersion.findUnique({ where: { datasetId_version: spec.input }, include: { dataset: { include: { contributors: true } } } });
    if (!parent) return { ok: false, reason: `the input dataset version no longer exists` };
    const version = await this.prisma.client.$transaction(async (tx) => {
      let dataset = await tx.dataset.findUnique({ where: { ownerId_name: { ownerId: job.ownerId, name: spec.outputName } } });
      dataset ??= await tx.dataset.create({
        data: {
          ownerId: job.ownerId,
          name: spec.outputName,
          description: `${spec.transform.operation} of ${parent.dataset.name} v${parent.version} (job ${job.id})`,
          licence: parent.dataset.licence,
          visibility: parent.dataset.visibility,
          contributors: { create: parent.dataset.contributors.map((c) => ({ userId: c.userId, share: c.share })) },
        },
      });
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${dataset.id}))`;
      const latest = await tx.datasetVersion.aggregate({ where: { datasetId: dataset.id }, _max: { version: true } });
      const created = await tx.datasetVersion.create({
        data: {
          datasetId: dataset.id,
          version: (latest._max.version ?? 0) + 1,
          artifactId: artifact.id,
          form: stats.form === 'chat' ? 'CHAT' : stats.form === 'instruction' ? 'INSTRUCTION' : 'TEXT',
          rows: stats.rows,
          bytes: BigInt(stats.bytes),
          estimatedTokens: BigInt(stats.estimatedTokens),
          duplicateRate: stats.duplicateRate,
          producedByJobId: job.id,
          parents: { create: [{ parentId: parent.id }] },
        },
      });
      return created;
    });
    return { ok: true, datasetId: version.datasetId, version: version.version, datasetVersionId: version.id };
  }
}
