import { Injectable } from '@nestjs/common';
import { PgService } from '../database/pg.service.js';

/** A waiting job as the dispatcher ranks it. */
export interface Candidate {
  id: string;
  ownerId: string;
  kind: string;
  requirements: unknown;
  priority: number;
  createdAt: Date;
  /** The owner's running jobs when the candidates were read. */
  running: number;
}

/** One job the round chose for one agent. */
export interface Pick {
  jobId: string;
  agentId: string;
  deviceIds: string[];
}

/** A claimed job with its new attempt (and the checkpoint it resumes from). */
export interface Claimed {
  jobId: string;
  agentId: string;
  deviceIds: string[];
  kind: 'FINE_TUNE' | 'EVAL' | 'DATASET';
  spec: unknown;
  requirements: unknown;
  parentJobId: string | null;
  attemptId: string;
  attemptNo: number;
  checkpoint: { id: string; step: number; sha256: string; sizeBytes: string; storageKey: string } | null;
  /** The files of the dataset versions its stored spec names (a pipeline step's placeholders are resolved later). */
  versions: VersionArtifact[] | null;
}

/** An input artifact: a dataset version's file. */
export interface VersionArtifact {
  datasetId: string;
  version: number;
  sha256: string;
  sizeBytes: string;
  storageKey: string;
}

/** An attempt as a completion message needs it. */
export interface AttemptForCompletion {
  id: string;
  agentId: string;
  jobId: string;
  attemptNo: number;
  status: string;
  jobKind: string;
  runtime: string | null;
  parentJobId: string | null;
}

/** A successful attempt to close, with its job's result. */
export interface Success {
  attemptId: string;
  jobId: string;
  tokens: number;
  result: unknown;
}

/**
 * The dispatcher's set-based statements: each serves every agent (or completion) of a batch in
 * one round trip. A statement with data-modifying CTEs commits as a whole, so the claim of a
 * job and its attempt row (or the close of an attempt and its job) never exist one without the other.
 */
@Injectable()
export class DispatchRepository {
  constructor(private readonly pg: PgService) {}

  /** Usable agents (not revoked): trust level and whether an attempt of theirs is open. */
  async agentStates(agentIds: readonly string[]): Promise<Map<string, { trustLevel: number; busy: boolean }>> {
    const rows = await this.pg.query<{ id: string; trustLevel: number; busy: boolean }>(
      `SELECT a.id, a."trustLevel", EXISTS (SELECT 1 FROM "JobAttempt" t WHERE t."agentId" = a.id AND t.status IN ('ASSIGNED', 'RUNNING')) AS busy
       FROM "Agent" a WHERE a.id = ANY($1::uuid[]) AND a."revokedAt" IS NULL`,
      [agentIds],
    );
    return new Map(rows.map((row) => [row.id, { trustLevel: row.trustLevel, busy: row.busy }]));
  }

  /**
   * Waiting jobs in fairness order — builders with fewer running jobs first, then priority, then
   * age: standalone jobs and pipeline steps whose previous step succeeded (pipelines themselves never run).
   * Each builder with waiting jobs is found by a skip scan of `Job_queued_by_owner_idx` and gives
   * at most `limit` of its own in order, so the cost follows builders × limit, not the queue's length.
   */
  async candidates(limit: number): Promise<Candidate[]> {
    return this.pg.query<Candidate>(
      `WITH RECURSIVE owners AS (
         (SELECT "ownerId" FROM "Job" WHERE status = 'QUEUED' AND kind <> 'PIPELINE' ORDER BY "ownerId" LIMIT 1)
         UNION ALL
         SELECT (SELECT n."ownerId" FROM "Job" n WHERE n.status = 'QUEUED' AND n.kind <> 'PIPELINE' AND n."ownerId" > o."ownerId" ORDER BY n."ownerId" LIMIT 1)
         FROM owners o WHERE o."ownerId" IS NOT NULL
       )
       SELECT j.id, j."ownerId", j.kind, j.requirements, j.priority, j."createdAt", r.running
       FROM owners o
       CROSS JOIN LATERAL (SELECT count(*)::int AS running FROM "Job" x WHERE x."ownerId" = o."ownerId" AND x.status = 'RUNNING' AND x.kind <> 'PIPELINE') r
       CROSS JOIN LATERAL (
         SELECT q.id, q."ownerId", q.kind::text AS kind, q.requirements, q.priority, q."createdAt"
         FROM "Job" q
         WHERE q."ownerId" = o."ownerId" AND q.status = 'QUEUED' AND q.kind <> 'PIPELINE'
           AND (q."parentJobId" IS NULL OR q."stepIndex" = 0 OR EXISTS (
             SELECT 1 FROM "Job" p WHERE p."parentJobId" = q."parentJobId" AND p."stepIndex" = q."stepIndex" - 1 AND p.status = 'SUCCEEDED'))
         ORDER BY q.priority DESC, q."createdAt" ASC
         LIMIT $1
       ) j
       WHERE o."ownerId" IS NOT NULL
       ORDER BY r.running ASC, j.priority DESC, j."createdAt" ASC
       LIMIT $1`,
      [limit],
    );
  }

  /**
   * Claims the picked jobs (QUEUED → RUNNING, conditional: a job another decision or coordinator
   * took is left out, and so is one whose row another claim holds locked now — skipped, never
   * waited for, so claims do not queue behind each other's commits) and creates their attempts
   * with a lease, in one statement; a claimed step marks its pipeline running. A fine-tune's new attempt resumes from the job's latest checkpoint.
   */
  async claim(picks: readonly Pick[], leaseMs: number, now: number): Promise<Claimed[]> {
    if (picks.length === 0) return [];
    const at = new Date(now);
    return this.pg.query<Claimed>(
      `WITH picks AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS p("jobId", "agentId", devices)
       ), free AS (
         SELECT j.id FROM (SELECT DISTINCT id FROM unnest($1::uuid[]) AS w(id)) w JOIN "Job" j ON j.id = w.id WHERE j.status = 'QUEUED' FOR UPDATE OF j SKIP LOCKED
       ), claimed AS (
         UPDATE "Job" j SET status = 'RUNNING', "startedAt" = $4, "updatedAt" = $4
         FROM picks p JOIN free f ON f.id = p."jobId" WHERE j.id = p."jobId" AND j.status = 'QUEUED'
         RETURNING j.id, j.kind::text AS kind, j.spec, j.requirements, j."parentJobId", p."agentId", p.devices
       ), pipelines AS (
         UPDATE "Job" parent SET status = 'RUNNING', "startedAt" = $4, "updatedAt" = $4
         FROM (SELECT DISTINCT "parentJobId" AS id FROM claimed WHERE "parentJobId" IS NOT NULL) s
         WHERE parent.id = s.id AND parent.status = 'QUEUED'
       ), attempts AS (
         INSERT INTO "JobAttempt" (id, "jobId", "attemptNo", "agentId", "deviceIds", status, "leaseExpiresAt", "startedAt", "resumedFromId")
         SELECT gen_random_uuid(), c.id,
                coalesce((SELECT max(x."attemptNo") FROM "JobAttempt" x WHERE x."jobId" = c.id), 0) + 1,
                c."agentId", ARRAY(SELECT jsonb_array_elements_text(c.devices::jsonb)), 'ASSIGNED', $5, $4,
                CASE WHEN c.kind = 'FINE_TUNE' THEN (SELECT cp.id FROM "Checkpoint" cp WHERE cp."jobId" = c.id ORDER BY cp.tokens DESC, cp.step DESC LIMIT 1) END
         FROM claimed c
         RETURNING id, "jobId", "attemptNo", "deviceIds", "resumedFromId"
       )
       SELECT c.id AS "jobId", c."agentId", a."deviceIds", c.kind, c.spec, c.requirements, c."parentJobId", a.id AS "attemptId", a."attemptNo",
              CASE WHEN cp.id IS NULL THEN NULL ELSE json_build_object('id', cp.id, 'step', cp.step, 'sha256', art.sha256, 'sizeBytes', art."sizeBytes"::text, 'storageKey', art."storageKey") END AS checkpoint,
              (SELECT json_agg(json_build_object('datasetId', v."datasetId", 'version', v.version, 'sha256', va.sha256, 'sizeBytes', va."sizeBytes"::text, 'storageKey', va."storageKey"))
               FROM "DatasetVersion" v JOIN "Artifact" va ON va.id = v."artifactId"
               WHERE (v."datasetId", v.version) IN (
                 SELECT (ref->>'datasetId')::uuid, (ref->>'version')::int
                 FROM jsonb_array_elements(CASE c.kind WHEN 'FINE_TUNE' THEN c.spec->'datasets' WHEN 'EVAL' THEN jsonb_build_array(c.spec->'dataset') ELSE jsonb_build_array(c.spec->'input') END) AS ref
                 WHERE ref ? 'datasetId' AND ref ? 'version')) AS versions
       FROM claimed c JOIN attempts a ON a."jobId" = c.id
       LEFT JOIN "Checkpoint" cp ON cp.id = a."resumedFromId" LEFT JOIN "Artifact" art ON art.id = cp."artifactId"`,
      [picks.map((p) => p.jobId), picks.map((p) => p.agentId), picks.map((p) => JSON.stringify(p.deviceIds)), at, new Date(now + leaseMs)],
    );
  }

  /** The files of these dataset versions (missing ones are absent). */
  async versionArtifacts(refs: readonly { datasetId: string; version: number }[]): Promise<VersionArtifact[]> {
    if (refs.length === 0) return [];
    return this.pg.query<VersionArtifact>(
      `SELECT v."datasetId", v.version, a.sha256, a."sizeBytes"::text AS "sizeBytes", a."storageKey"
       FROM "DatasetVersion" v JOIN "Artifact" a ON a.id = v."artifactId"
       WHERE (v."datasetId", v.version) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))`,
      [refs.map((r) => r.datasetId), refs.map((r) => r.version)],
    );
  }

  /** The attempts completion messages name, with what their checks need of the job. */
  async attemptsForCompletion(attemptIds: readonly string[]): Promise<AttemptForCompletion[]> {
    return this.pg.query<AttemptForCompletion>(
      `SELECT a.id, a."agentId", a."jobId", a."attemptNo", a.status::text AS status, j.kind::text AS "jobKind", j.requirements->>'runtime' AS runtime, j."parentJobId"
       FROM (SELECT DISTINCT id FROM unnest($1::uuid[]) AS w(id)) w JOIN "JobAttempt" a ON a.id = w.id JOIN "Job" j ON j.id = a."jobId"`,
      [attemptIds],
    );
  }

  /**
   * Closes successful attempts and their jobs (with the result) in one statement. Only an
   * attempt still open is closed, and only a running job succeeds; returns the attempts closed now.
   */
  async closeSucceeded(successes: readonly Success[], now: number): Promise<Set<string>> {
    if (successes.length === 0) return new Set();
    const rows = await this.pg.query<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::text[]) AS i(id, "jobId", tokens, result)
       ), closed AS (
         UPDATE "JobAttempt" a SET status = 'SUCCEEDED', "endedAt" = $5, "endReason" = 'completed', tokens = i.tokens
         FROM input i WHERE a.id = i.id AND a."jobId" = i."jobId" AND a.status IN ('RUNNING', 'ASSIGNED')
         RETURNING a.id, a."jobId"
       ), jobs AS (
         UPDATE "Job" j SET status = 'SUCCEEDED', "finishedAt" = $5, "updatedAt" = $5, result = i.result::jsonb
         FROM closed c JOIN input i ON i.id = c.id WHERE j.id = c."jobId" AND j.status = 'RUNNING'
       )
       SELECT id FROM closed`,
      [successes.map((s) => s.attemptId), successes.map((s) => s.jobId), successes.map((s) => String(Math.trunc(s.tokens))), successes.map((s) => JSON.stringify(s.result)), new Date(now)],
    );
    return new Set(rows.map((row) => row.id));
  }
}
