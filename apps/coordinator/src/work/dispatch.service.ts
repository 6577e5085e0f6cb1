import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RequirementsSchema, type DatasetRef, type JobAssignment, type TransferInput } from '@potluck/protocol';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Job } from '../generated/prisma/client.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { match } from '../jobs/matcher.js';
import { WhyNoJobService } from '../jobs/why-no-job.service.js';
import { TransferService, type TransferGrant } from '../transfer/transfer.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MAX_ADAPTER_BYTES, MAX_DATASET_OUTPUT_BYTES, MAX_REPORT_BYTES, TRANSFER_TTL_MS } from './dispatch.constants.js';
import { PipelineService } from './pipeline.service.js';
import { WorkService } from './work.service.js';

/** Where an attempt uploads its output, by job kind. */
const OUTPUT = {
  FINE_TUNE: { maxBytes: MAX_ADAPTER_BYTES, mediaType: 'application/vnd.potluck.adapter' },
  EVAL: { maxBytes: MAX_REPORT_BYTES, mediaType: 'application/vnd.potluck.eval-report+json' },
  DATASET: { maxBytes: MAX_DATASET_OUTPUT_BYTES, mediaType: 'application/jsonl' },
} as const;

/** Idle agents are told the same "why no job?" again at most this often (a different answer goes at once). */
const WHY_EVERY_MS = 15_000;

/** Waiting jobs considered per dispatch decision. */
const CANDIDATES = 100;
/** Decisions (for different agents) running at once in one process. */
const PARALLEL_DECISIONS = 8;
/** How often expired leases are reclaimed and idle agents re-examined. */
const SWEEP_EVERY_MS = 5000;

/**
 * Hands waiting jobs to agents. A decision runs in the coordinator process that holds
 * the agent's socket, whenever that agent's state changes (hello, state report, job
 * finished) and on a sweep. Candidates come from PostgreSQL in fairness order — builders
 * with the fewest running jobs first, then priority, then age — and the first one the
 * matcher accepts is claimed with a conditional update (status QUEUED → RUNNING), so two
 * coordinators can never hand out the same job. Expired leases return jobs to the queue.
 */
@Injectable()
export class DispatchService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Dispatch');
  private readonly pending = new Set<string>();
  /** Agents whose decision runs now. */
  private readonly active = new Set<string>();
  /** Local agents known to run an attempt (set when one is assigned, cleared when freed and on every sweep). */
  private readonly busy = new Set<string>();
  /** How often each local agent was freed (a decision that read "busy" before a free must not mark it busy). */
  private readonly freedCount = new Map<string, number>();
  /** Bumped by every new job; a decision that saw an empty queue may drop the pending ones only if none arrived since. */
  private generation = 0;
  private queueEmptyAt = -1;
  private sweepTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly gateway: AgentsGateway,
    private readonly why: WhyNoJobService,
    private readonly transfers: TransferService,
    private readonly work: WorkService,
    private readonly events: FleetEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pipelines: PipelineService,
  ) {}

  /** When each local agent was last told why it has no job. */
  private readonly whySent = new Map<string, { at: number; signature: string }>();

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribeFreed((agentId) => {
      this.busy.delete(agentId);
      this.freedCount.set(agentId, (this.freedCount.get(agentId) ?? 0) + 1);
      this.request(agentId);
    });
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** A new job may fit any idle agent of this process (agents known to be busy here are skipped). */
  requestAll(): void {
    this.generation += 1;
    for (const agentId of this.gateway.localAgentIds()) if (!this.busy.has(agentId)) this.request(agentId);
  }

  /** Asks for a decision for this agent soon (coalesced per agent; a few agents' decisions at a time per process). */
  request(agentId: string): void {
    if (!this.gateway.isLocal(agentId)) return;
    this.pending.add(agentId);
    this.drain();
  }

  /**
   * Runs pending decisions, up to PARALLEL_DECISIONS at once and never two for one agent.
   * The conditional claim keeps parallel decisions from handing out one job twice. A decision
   * that finds the queue empty drops the decisions still pending (unless a job arrived since it began).
   */
  private drain(): void {
    for (const agentId of this.pending) {
      if (this.active.size >= PARALLEL_DECISIONS) return;
      if (this.active.has(agentId)) continue;
      this.pending.delete(agentId);
      this.active.add(agentId);
      const generation = this.generation;
      void this.dispatch(agentId)
        .then(() => {
          if (this.queueEmptyAt === generation && this.generation === generation) this.pending.clear();
        })
        .catch((error: unknown) => this.logger.error({ err: error, agentId }, 'dispatch failed'))
        .finally(() => {
          this.active.delete(agentId);
          this.drain();
        });
    }
  }

  /** Tries to give this agent one job; returns the attempt id when it accepted one. */
  async dispatch(agentId: string, now = Date.now()): Promise<string | null> {
    if (this.busy.has(agentId)) return null;
    const generation = this.generation;
    const freed = this.freedCount.get(agentId) ?? 0;
    // One round trip: is the agent usable, and does it run an attempt already?
    const [agent] = await this.prisma.client.$queryRaw<{ trustLevel: number; busy: boolean }[]>`
      SELECT a."trustLevel", EXISTS (SELECT 1 FROM "JobAttempt" t WHERE t."agentId" = a.id AND t.status IN ('ASSIGNED', 'RUNNING')) AS busy
      FROM "Agent" a WHERE a.id = ${agentId}::uuid AND a."revokedAt" IS NULL`;
    if (!agent) return null;
    if (agent.busy) {
      // Remember it only if it was not freed meanwhile (its attempt may have ended after the read).
      if ((this.freedCount.get(agentId) ?? 0) === freed) this.busy.add(agentId);
      return null;
    }
    const capacity = await this.why.capacity(agentId, agent.trustLevel, now);
    const candidates = await this.candidates();
    if (candidates.length === 0) this.queueEmptyAt = generation;
    const refusals: { jobId: string; kind: string; rule: string; detail: string }[] = [];
    for (const candidate of candidates) {
      const fit = match(RequirementsSchema.parse(candidate.requirements), capacity);
      if (!fit.fits) {
        refusals.push({ jobId: candidate.id, kind: candidate.kind.toLowerCase().replace('_', '-'), rule: fit.rule, detail: fit.detail });
        continue;
      }
      const [job] = await this.prisma.client.$queryRaw<Job[]>`
        UPDATE "Job" SET status = 'RUNNING', "startedAt" = ${new Date(now)}, "updatedAt" = ${new Date(now)}
        WHERE id = ${candidate.id}::uuid AND status = 'QUEUED' RETURNING *`;
      if (!job) continue; // another decision or coordinator took it
      this.whySent.delete(agentId);
      return this.assign(agentId, job, fit.deviceIds, now);
    }
    this.tellWhy(agentId, candidates.length, refusals, now);
    return null;
  }

  /** Pushes "why no job?" to an idle agent while jobs wait that it cannot take (rate-limited per agent). */
  private tellWhy(agentId: string, waiting: number, refusals: { jobId: string; kind: string; rule: string; detail: string }[], now: number): void {
    if (waiting === 0 || refusals.length === 0) return;
    const signature = refusals.slice(0, 10).map((r) => `${r.jobId}:${r.rule}`).join(',');
    const last = this.whySent.get(agentId);
    if (last && last.signature === signature && now - last.at < WHY_EVERY_MS) return; // the same answer, recently sent
    this.whySent.set(agentId, { at: now, signature });
    const rules = [...new Set(refusals.map((r) => r.rule))].join(', ');
    this.gateway.why(agentId, { at: now, summary: `${refusals.length} waiting job(s) do not fit this agent (${rules})`, jobs: refusals.slice(0, 10).map((r) => ({ ...r, detail: r.detail.slice(0, 500) })) });
  }

  /**
   * Builders with fewer running jobs first; then priority; then age. Standalone jobs and
   * pipeline steps whose previous step succeeded (pipelines themselves are never run).
   */
  private async candidates(): Promise<{ id: string; kind: string; requirements: unknown }[]> {
    return this.prisma.client.$queryRaw<{ id: string; kind: string; requirements: unknown }[]>`
      SELECT j.id, j.kind::text AS kind, j.requirements
      FROM "Job" j
      LEFT JOIN (SELECT "ownerId", count(*) AS running FROM "Job" WHERE status = 'RUNNING' AND kind <> 'PIPELINE' GROUP BY "ownerId") r ON r."ownerId" = j."ownerId"
      WHERE j.status = 'QUEUED' AND j.kind <> 'PIPELINE'
        AND (j."parentJobId" IS NULL OR j."stepIndex" = 0 OR EXISTS (
          SELECT 1 FROM "Job" p WHERE p."parentJobId" = j."parentJobId" AND p."stepIndex" = j."stepIndex" - 1 AND p.status = 'SUCCEEDED'))
      ORDER BY coalesce(r.running, 0) ASC, j.priority DESC, j."createdAt" ASC
      LIMIT ${CANDIDATES}`;
  }

  private async assign(agentId: string, job: Job, deviceIds: string[], now: number): Promise<string | null> {
    const jobId = job.id;
    await this.pipelines.stepStarted(job, now);
    const attemptNo = (await this.prisma.client.jobAttempt.count({ where: { jobId } })) + 1; // the claim makes this decision the job's only writer
    const lease = this.config.POTLUCK_ATTEMPT_LEASE_MS;
    const requirements = RequirementsSchema.parse(job.requirements);
    // A lost predecessor's last checkpoint: the new attempt resumes there.
    const checkpoint = job.kind === 'FINE_TUNE' ? await this.prisma.client.checkpoint.findFirst({ where: { jobId }, orderBy: [{ tokens: 'desc' }, { step: 'desc' }], include: { artifact: true } }) : null;
    const attempt = await this.prisma.client.jobAttempt.create({
      data: { jobId, attemptNo, agentId, deviceIds, status: 'ASSIGNED', leaseExpiresAt: new Date(now + lease), resumedFromId: checkpoint?.id ?? null },
    });
    const failNow = async (reason: string): Promise<null> => {
      await this.work.endAttempt(attempt.id, jobId, attemptNo, 'FAILED', reason, false, now);
      this.events.freed(agentId);
      return null;
    };
    const resolved = await this.pipelines.resolve(job);
    if (!resolved.ok) return failNow(`INVALID_SPEC: ${resolved.reason}`);
    const spec = resolved.spec;
    if (job.parentJobId) await this.prisma.client.job.update({ where: { id: jobId }, data: { spec } }); // the step now shows what it runs
    const refs: DatasetRef[] = spec.kind === 'fine-tune' ? spec.datasets : spec.kind === 'eval' ? [spec.dataset] : [spec.input];
    const grants: { grant: TransferGrant; ttlMs: number }[] = [];
    const download = (artifact: { storageKey: string; sizeBytes: bigint; sha256: string }) => grants.push({ grant: { kind: 'download', storageKey: artifact.storageKey, bytes: Number(artifact.sizeBytes), sha256: artifact.sha256 }, ttlMs: TRANSFER_TTL_MS }) - 1;
    const inputs: (Omit<TransferInput, 'path'> & { grant: number })[] = [];
    for (const ref of refs) {
      const version = await this.prisma.client.datasetVersion.findUnique({ where: { datasetId_version: { datasetId: ref.datasetId, version: ref.version } }, include: { artifact: true } });
      if (!version) return failNow(`DATASET_MISSING: dataset ${ref.datasetId} v${ref.version} no longer exists`);
      const { artifact } = version;
      inputs.push({ ...ref, sha256: artifact.sha256, bytes: Number(artifact.sizeBytes), grant: download(artifact) });
    }
    let adapterArtifact: { sha256: string; sizeBytes: bigint; grant: number } | null = null;
    if (spec.kind === 'eval' && spec.adapterFromJob) {
      const source = await this.prisma.client.job.findUnique({ where: { id: spec.adapterFromJob } });
      const artifactId = (source?.result as { adapterArtifactId?: unknown } | null | undefined)?.adapterArtifactId;
      if (source?.status !== 'SUCCEEDED' || typeof artifactId !== 'string') return failNow(`ADAPTER_MISSING: job ${spec.adapterFromJob} has no adapter`);
      const artifact = await this.prisma.client.artifact.findUniqueOrThrow({ where: { id: artifactId } });
      adapterArtifact = { ...artifact, grant: download(artifact) };
    }
    const output = OUTPUT[job.kind as keyof typeof OUTPUT];
    const uploadGrant = grants.push({ grant: { kind: 'upload', attemptId: attempt.id, maxBytes: output.maxBytes, mediaType: output.mediaType }, ttlMs: 24 * 3_600_000 }) - 1;
    const checkpointGrant = checkpoint ? download(checkpoint.artifact) : -1;
    const paths = await this.transfers.issueMany(grants); // one Redis round trip for every one-time path
    const pathOf = (index: number) => paths[index] ?? '';
    const adapter: JobAssignment['adapter'] = adapterArtifact ? { sha256: adapterArtifact.sha256, bytes: Number(adapterArtifact.sizeBytes), path: pathOf(adapterArtifact.grant) } : null;
    const uploadPath = pathOf(uploadGrant);
    const resumeFrom = checkpoint ? { checkpointId: checkpoint.id, step: checkpoint.step, sha256: checkpoint.artifact.sha256, path: pathOf(checkpointGrant) } : null;
    const assignment: JobAssignment = {
      attemptId: attempt.id, jobId, attemptNo, spec, runtime: requirements.runtime, command: requirements.command ?? null, deviceIds, leaseMs: lease, maxRuntimeMs: requirements.maxRuntimeSeconds * 1000,
      inputs: inputs.map(({ grant, ...input }) => ({ ...input, path: pathOf(grant) })), adapter, uploadPath, resumeFrom,
    };
    this.busy.add(agentId);
    const accepted = await this.gateway.assign(agentId, assignment);
    if (!accepted) {
      this.busy.delete(agentId);
      await this.work.endAttempt(attempt.id, jobId, attemptNo, 'FAILED', 'AGENT_DECLINED: the agent did not accept the assignment', true, now);
      return null;
    }
    this.logger.log({ agentId, jobId, attemptId: attempt.id, kind: spec.kind, resumedFromStep: checkpoint?.step ?? null }, 'job assigned');
    return attempt.id;
  }

  /** Ends attempts that ran past their job's `maxRuntimeSeconds`: the job fails (no retry) and the agent is told to stop. */
  private async endOverdue(now: number): Promise<void> {
    const overdue = await this.prisma.client.$queryRaw<{ id: string; jobId: string; attemptNo: number; agentId: string; limit: number }[]>`
      SELECT a.id, a."jobId", a."attemptNo", a."agentId", coalesce((j.requirements->>'maxRuntimeSeconds')::int, 86400) AS "limit"
      FROM "JobAttempt" a JOIN "Job" j ON j.id = a."jobId"
      WHERE a.status IN ('ASSIGNED', 'RUNNING')
        AND a."startedAt" + make_interval(secs => coalesce((j.requirements->>'maxRuntimeSeconds')::int, 86400)) < ${new Date(now)}
      LIMIT 100`;
    for (const attempt of overdue) {
      const reason = `TIME_LIMIT: the attempt ran longer than its limit of ${attempt.limit} s`;
      if (await this.work.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'FAILED', reason, false, now)) {
        this.gateway.cancel(attempt.agentId, { attemptId: attempt.id, reason: reason.slice(0, 200) });
        this.logger.log({ jobId: attempt.jobId, attemptId: attempt.id }, 'attempt ended at its time limit');
      }
    }
  }

  /** Reclaims expired leases, then re-examines this process's idle agents. */
  private async sweep(now = Date.now()): Promise<void> {
    this.busy.clear(); // what this process believes about busy agents is re-read from PostgreSQL
    try {
      const expired = await this.prisma.client.jobAttempt.findMany({ where: { status: { in: ['ASSIGNED', 'RUNNING'] }, leaseExpiresAt: { lt: new Date(now) } }, take: 100 });
      for (const attempt of expired) {
        await this.work.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'LOST', 'LEASE_EXPIRED: the agent stopped reporting', true, now);
      }
      await this.endOverdue(now);
      // Examining every idle agent costs queries per agent: only when something waits.
      const waiting = await this.prisma.client.job.count({ where: { status: 'QUEUED', kind: { not: 'PIPELINE' } } });
      if (waiting > 0) this.requestAll();
    } catch (error) {
      this.logger.error({ err: error }, 'dispatch sweep failed');
    }
  }
}
