import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CreateJobBody, DatasetRef, JobView, StepSpec } from '@potluck/protocol';
import { isAdmin, type RequestContext } from '../auth/principal.js';
import { PgService } from '../database/pg.service.js';
import { MAX_VERSION, readableVersionsSql, versionKey } from './dataset-access.js';
import { KIND_ENUM } from './job-views.js';

/** A standalone job (fine-tune, eval or dataset) to create. */
export type StandaloneJobBody = CreateJobBody & { spec: StepSpec };

/**
 * Creates standalone jobs in one statement: the job rows and their audit rows (`job.create`)
 * commit together, ids are chosen here so nothing is read back, and a job whose idempotency key
 * exists already is left out (ON CONFLICT DO NOTHING). The dataset versions the jobs name are
 * checked in the same statement: unless the creator may read every one of them (public, own, or
 * an admin), nothing is inserted. Pipelines (parent and steps) go through JobsService's
 * transaction instead.
 */
@Injectable()
export class JobWriter {
  constructor(private readonly pg: PgService) {}

  /**
   * Inserts the jobs if every version in `refs` is readable by the creator. Returns the ids of
   * those created now, in order (null where the key existed), and whether the insert was refused
   * because a version was not readable (then nothing was inserted).
   */
  async insert(bodies: readonly StandaloneJobBody[], refs: readonly DatasetRef[], context: RequestContext, now: Date): Promise<{ ids: (string | null)[]; refused: boolean }> {
    const ids = bodies.map(() => randomUUID());
    const wanted = [...new Map(refs.map((ref) => [versionKey(ref), ref])).values()];
    if (wanted.some((ref) => ref.version > MAX_VERSION)) return { ids: ids.map(() => null), refused: true }; // names no version
    const rows = await this.pg.query<{ id: string | null; refused: boolean | null }>(
      `WITH wanted AS (
         SELECT * FROM unnest($11::uuid[], $12::int[]) AS w("datasetId", version)
       ), readable AS (
         ${readableVersionsSql('wanted', '$7::uuid', '$13::boolean')}
       ), input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY AS i(id, kind, spec, requirements, priority, "idempotencyKey", ord)
         WHERE (SELECT count(*) FROM readable) = (SELECT count(*) FROM wanted)
       ), jobs AS (
         INSERT INTO "Job" (id, "ownerId", kind, spec, requirements, priority, "idempotencyKey", "createdAt", "updatedAt")
         SELECT i.id, $7::uuid, i.kind::"JobKind", i.spec::jsonb, i.requirements::jsonb, i.priority, i."idempotencyKey", $8, $8 FROM input i ORDER BY i.ord
         ON CONFLICT ("ownerId", "idempotencyKey") DO NOTHING
         RETURNING id
       ), audit AS (
         INSERT INTO "AuditLog" ("actorUserId", action, "targetType", "targetId", details, "requestId", ip, "createdAt")
         SELECT $7::uuid, 'job.create', 'job', jobs.id::text, jsonb_build_object('kind', i.spec::jsonb->>'kind'), $9, $10, $8
         FROM jobs JOIN input i ON i.id = jobs.id
       )
       SELECT id::text AS id, NULL::boolean AS refused FROM jobs
       UNION ALL
       SELECT NULL, (SELECT count(*) FROM readable) < (SELECT count(*) FROM wanted)`,
      [
        ids,
        bodies.map((body) => KIND_ENUM[body.spec.kind]),
        bodies.map((body) => JSON.stringify(body.spec)),
        bodies.map((body) => JSON.stringify(body.requirements)),
        bodies.map((body) => body.priority),
        bodies.map((body) => body.idempotencyKey ?? null),
        context.principal.userId,
        now,
        context.requestId,
        context.ip,
        wanted.map((ref) => ref.datasetId),
        wanted.map((ref) => ref.version),
        isAdmin(context.principal),
      ],
    );
    const created = new Set(rows.flatMap((row) => (row.id ? [row.id] : [])));
    return { ids: ids.map((id) => (created.has(id) ? id : null)), refused: rows.some((row) => row.refused === true) };
  }
}

/** The view of a job just created (what was inserted; nothing read back). */
export function queuedJobView(id: string, body: StandaloneJobBody, ownerHandle: string, createdAt: Date): JobView {
  return {
    id,
    ownerHandle,
    kind: body.spec.kind,
    status: 'queued',
    spec: body.spec,
    requirements: body.requirements,
    priority: body.priority,
    parentJobId: null,
    stepJobIds: [],
    error: null,
    result: null,
    createdAt: createdAt.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}
