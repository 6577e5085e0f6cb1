import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { CreateJobBody, JobView, StepSpec } from '@potluck/protocol';
import type { RequestContext } from '../auth/principal.js';
import { PgService } from '../database/pg.service.js';
import { KIND_ENUM } from './job-views.js';

/** A standalone job (fine-tune, eval or dataset) to create. */
export type StandaloneJobBody = CreateJobBody & { spec: StepSpec };

/**
 * Creates standalone jobs in one statement: the job rows and their audit rows (`job.create`)
 * commit together, ids are chosen here so nothing is read back, and a job whose idempotency key
 * exists already is left out (ON CONFLICT DO NOTHING). Pipelines (parent and steps) go through
 * JobsService's transaction instead.
 */
@Injectable()
export class JobWriter {
  constructor(private readonly pg: PgService) {}

  /** Inserts the jobs; returns the ids of those created now, in order (null where the key existed). */
  async insert(bodies: readonly StandaloneJobBody[], context: RequestContext, now: Date): Promise<(string | null)[]> {
    const ids = bodies.map(() => randomUUID());
    const rows = await this.pg.query<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY AS i(id, kind, spec, requirements, priority, "idempotencyKey", ord)
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
       SELECT id FROM jobs`,
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
      ],
    );
    const created = new Set(rows.map((row) => row.id));
    return ids.map((id) => (created.has(id) ? id : null));
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
