import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import type { CreateDatasetBody, DatasetListQuery, DatasetPreview, DatasetView } from '@potluck/protocol';
import { AuditService } from '../audit/audit.service.js';
import { canAccess, type Principal, type RequestContext } from '../auth/principal.js';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { Prisma } from '../generated/prisma/client.js';
import { ArtifactStore } from '../storage/artifact-store.js';
import { DatasetTooLargeError, storeDatasetUpload } from './dataset-upload.js';
import { readFirstRows } from './preview.js';
import { DATASET_INCLUDE, datasetView, type DatasetWithRelations } from './views.js';

const SHARE_TOLERANCE = 1e-9;
/** Uploads validated at once by one coordinator process, and by one user (memory and disk bandwidth). */
const MAX_UPLOADS_PER_PROCESS = 4;
const MAX_UPLOADS_PER_USER = 2;

/** Datasets: metadata, streamed versions in the artifact store, download, preview, lineage. */
@Injectable()
export class DatasetsService {
  private readonly uploading = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly store: ArtifactStore,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(body: CreateDatasetBody, context: RequestContext): Promise<DatasetView> {
    const contributors = await this.resolveContributors(body, context.principal);
    try {
      const dataset = await this.prisma.client.$transaction(async (tx) => {
        const created = await tx.dataset.create({
          data: {
            ownerId: context.principal.userId,
            name: body.name,
            description: body.description,
            licence: body.licence,
            visibility: body.visibility === 'public' ? 'PUBLIC' : 'PRIVATE',
            contributors: { create: contributors.map((c) => ({ userId: c.userId, share: new Prisma.Decimal(c.share) })) },
          },
          include: DATASET_INCLUDE,
        });
        await this.audit.record(context, { action: 'dataset.create', targetType: 'dataset', targetId: created.id, details: { name: body.name, visibility: body.visibility } }, tx);
        return created;
      });
      return datasetView(dataset);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`You already have a dataset named "${body.name}".`);
      throw error;
    }
  }

  /** Streams a new version in; nothing is kept unless the whole file is valid JSONL. */
  async upload(datasetId: string, body: Readable, declaredLength: number | null, context: RequestContext): Promise<DatasetView> {
    const dataset = await this.findVisible(datasetId, context.principal);
    if (!canAccess(context.principal, dataset.ownerId)) throw new NotFoundError('Dataset');
    if (declaredLength !== null && declaredLength > this.config.POTLUCK_DATASET_MAX_BYTES) throw new DatasetTooLargeError(this.config.POTLUCK_DATASET_MAX_BYTES);
    const userId = context.principal.userId;
    const total = [...this.uploading.values()].reduce((sum, n) => sum + n, 0);
    if (total >= MAX_UPLOADS_PER_PROCESS || (this.uploading.get(userId) ?? 0) >= MAX_UPLOADS_PER_USER) throw new RateLimitedError(10);
    this.uploading.set(userId, (this.uploading.get(userId) ?? 0) + 1);
    let stored;
    try {
      stored = await storeDatasetUpload(body, this.store, this.config.POTLUCK_DATASET_MAX_BYTES);
    } finally {
      const left = (this.uploading.get(userId) ?? 1) - 1;
      if (left <= 0) this.uploading.delete(userId);
      else this.uploading.set(userId, left);
    }
    const updated = await this.prisma.client.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${datasetId}))`;
      const artifact = await tx.artifact.upsert({
        where: { sha256: stored.sha256 },
        create: { sha256: stored.sha256, sizeBytes: BigInt(stored.stats.bytes), mediaType: 'application/jsonl', storageKey: stored.storageKey, createdById: context.principal.userId },
        update: {},
      });
      const latest = await tx.datasetVersion.aggregate({ where: { datasetId }, _max: { version: true } });
      const version = (latest._max.version ?? 0) + 1;
      await tx.datasetVersion.create({
        data: {
          datasetId,
          version,
          artifactId: artifact.id,
          form: stored.stats.form === 'chat' ? 'CHAT' : stored.stats.form === 'instruction' ? 'INSTRUCTION' : 'TEXT',
          rows: stored.stats.rows,
          bytes: BigInt(stored.stats.bytes),
          estimatedTokens: BigInt(stored.stats.estimatedTokens),
          duplicateRate: stored.stats.duplicateRate,
        },
      });
      await this.audit.record(context, { action: 'dataset.upload', targetType: 'dataset', targetId: datasetId, details: { version, sha256: stored.sha256, rows: stored.stats.rows } }, tx);
      return tx.dataset.findUniqueOrThrow({ where: { id: datasetId }, include: DATASET_INCLUDE });
    });
    return datasetView(updated);
  }

  async get(datasetId: string, viewer: Principal | null): Promise<DatasetView> {
    return datasetView(await this.findVisible(datasetId, viewer));
  }

  async list(query: DatasetListQuery, viewer: Principal | null): Promise<DatasetView[]> {
    const where: Prisma.DatasetWhereInput =
      query.mine && viewer ? { ownerId: viewer.userId } : viewer ? { OR: [{ visibility: 'PUBLIC' }, { ownerId: viewer.userId }] } : { visibility: 'PUBLIC' };
    const rows = await this.prisma.client.dataset.findMany({ where, include: DATASET_INCLUDE, orderBy: { createdAt: 'desc' }, take: query.limit, skip: query.offset });
    return rows.map(datasetView);
  }

  async download(datasetId: string, version: number, viewer: Principal | null): Promise<{ stream: Readable; filename: string; bytes: number; sha256: string }> {
    const { dataset, artifact } = await this.version(datasetId, version, viewer);
    return { stream: this.store.open(artifact.storageKey), filename: `${dataset.name}-v${version}.jsonl`, bytes: Number(artifact.sizeBytes), sha256: artifact.sha256 };
  }

  async preview(datasetId: string, version: number, rows: number, viewer: Principal | null): Promise<DatasetPreview> {
    const { artifact } = await this.version(datasetId, version, viewer);
    return { version, rows: await readFirstRows(this.store.open(artifact.storageKey), rows) };
  }

  private async version(datasetId: string, version: number, viewer: Principal | null) {
    const dataset = await this.findVisible(datasetId, viewer);
    const row = dataset.versions.find((v) => v.version === version);
    if (!row) throw new NotFoundError(`Version ${version} of this dataset`);
    return { dataset, artifact: row.artifact };
  }

  /** Private datasets are reported as not found to everyone but their owner and admins. */
  private async findVisible(datasetId: string, viewer: Principal | null): Promise<DatasetWithRelations> {
    const dataset = await this.prisma.client.dataset.findUnique({ where: { id: datasetId }, include: DATASET_INCLUDE });
    if (!dataset) throw new NotFoundError('Dataset');
    if (dataset.visibility === 'PRIVATE' && !(viewer && canAccess(viewer, dataset.ownerId))) throw new NotFoundError('Dataset');
    return dataset;
  }

  private async resolveContributors(body: CreateDatasetBody, principal: Principal): Promise<{ userId: string; share: number }[]> {
    if (!body.contributors) return [{ userId: principal.userId, share: 1 }];
    const total = body.contributors.reduce((sum, c) => sum + c.share, 0);
    if (Math.abs(total - 1) > SHARE_TOLERANCE) throw new ValidationError([{ field: 'body.contributors', message: `shares must add up to 1 (they add up to ${total})` }]);
    const handles = [...new Set(body.contributors.map((c) => c.handle))];
    if (handles.length !== body.contributors.length) throw new ValidationError([{ field: 'body.contributors', message: 'each contributor may appear once' }]);
    const users = await this.prisma.client.user.findMany({ where: { handle: { in: handles }, disabledAt: null }, select: { id: true, handle: true } });
    const missing = handles.filter((handle) => !users.some((user) => user.handle === handle));
    if (missing.length > 0) throw new ValidationError(missing.map((handle) => ({ field: 'body.contributors', message: `no user with handle "${handle}"` })));
    return body.contributors.map((c) => ({ userId: users.find((user) => user.handle === c.handle)?.id ?? '', share: c.share }));
  }
}
