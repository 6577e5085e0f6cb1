import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { isDatasetRef, RequirementsSchema, stepInputs, type DatasetRef, type JobAssignment, type Requirements, type StepSpec, type TransferInput } from '@potluck/protocol';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { PrismaService } from '../database/prisma.service.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { versionKey } from '../jobs/dataset-access.js';
import { match, type AgentCapacity } from '../jobs/matcher.js';
import { WhyNoJobService } from '../jobs/why-no-job.service.js';
import { TransferService, type TransferGrant } from '../transfer/transfer.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MAX_ADAPTER_BYTES, MAX_DATASET_OUTPUT_BYTES, MAX_REPORT_BYTES, TRANSFER_TTL_MS } from './dispatch.constants.js';
import { DispatchRepository, type Candidate, type Claimed, type Pick, type VersionArtifact } from './dispatch.repository.js';
import { PipelineService, type Resolution } from './pipeline.service.js';
import { WorkService } from './work.service.js';

/** Where an attempt uploads its output, by job kind. */
const OUTPUT = {
  FINE_TUNE: { maxBytes: MAX_ADAPTER_BYTES, mediaType: 'application/vnd.potluck.adapter' },
  EVAL: { maxBytes: MAX_REPORT_BYTES, mediaType: 'application/vnd.potluck.eval-report+json' },
  DATASET: { maxBytes: MAX_DATASET_OUTPUT_BYTES, mediaType: 'application/jsonl' },
} as const;

/** Idle agents are told the same "why no job?" again at most this often (a different answer goes at once). */
const WHY_EVERY_MS = 15_000;

/** Waiting jobs considered per round: four per agent of the round, at least 20, at most 100. */
const CANDIDATES = { perAgent: 4, min: 20, max: 100 };
/**
 * Rounds (each deciding for a set of agents) running at once in one process. One: agents freed
 * while a round runs wait for the next, which serves them together (the dispatch benchmark: ~15 %
 * more jobs per second and less CPU per job than with two overlapping rounds, same latency).
 */
const MAX_ROUNDS = 1;
/** Idle agents first asked about newly created jobs: this many per job, at least `min`. */
const AGENTS_PER_NEW_JOB = { perJob: 4, min: 8 };
/**
 * How long a job whose claim was lost is left out of this process's rounds: long enough that a
 * claim holding it locked commits, so the next round does not pick it again at once.
 */
const LOST_PICK_MS = 200;
/** Agents served by one round. */
const MAX_AGENTS_PER_ROUND = 200;
/** How often expired leases are reclaimed and idle agents re-examined. */
const SWEEP_EVERY_MS = 5000;

/**
 * Hands waiting jobs to agents. Decisions run in the coordinator process that holds the
 * agents' sockets, in rounds that serve every agent waiting for one (its state changed:
 * hello, state report, job finished; a job was created; the sweep). Candidates come from
 * PostgreSQL in fairness order — builders with the fewest running jobs first, then priority,
 * then age — and each agent gets the first one the matcher accepts; the picks are claimed with
 * a conditional update (status QUEUED → RUNNING) together with their attempts, so two
 * rounds or coordinators can never hand out the same job. Expired leases return jobs to the queue.
 */
@Injectable()
export class DispatchService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Dispatch');
  /** Agents waiting for the next round. */
  private readonly pending = new Set<string>();
  /** Agents whose round runs now. */
  private readonly active = new Set<string>();
  private rounds = 0;
  /** Parsed requirements of jobs seen waiting, by job id. */
  private readonly requirements = new Map<string, Requirements>();
  /** Local agents known to run an attempt (set when one is assigned, cleared when freed and on every sweep). */
  private readonly busy = new Set<string>();
  /** How often each local agent was freed (a decision that read "busy" before a free must not mark it busy). */
  private readonly freedCount = new Map<string, number>();
  private drainQueued = false;
  /** Idle agents not asked yet about new jobs: asked when a round leaves waiting jobs untaken. */
  private readonly later = new Set<string>();
  /** Where the next requestAll starts in the list of idle agents. */
  private turn = 0;
  /** Job inserts still committing: a round reads the waiting jobs after they settle. */
  private readonly inserting = new Set<Promise<unknown>>();
  /** Jobs whose claim this process lost, until when they are left out of its rounds. */
  private readonly lost = new Map<string, number>();
  /** Bumped by every new job and freed agent; a round that saw an empty queue may drop the pending agents only if it did not change since. */
  private generation = 0;
  private sweepTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly prisma: PrismaService,
    private readonly gateway: AgentsGateway,
    private readonly why: WhyNoJobService,
    private readonly transfers: TransferService,
    private readonly work: WorkService,
    private readonly events: FleetEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pipelines: PipelineService,
    private readonly repository: DispatchRepository,
  ) {}

  /** When each local agent was last told why it has no job. */
  private readonly whySent = new Map<string, { at: number; signature: string }>();

  onModuleInit(): void {
    this.unsubscribes.push(
      this.events.subscribeFreed((agentId) => {
        this.busy.delete(agentId);
        this.freedCount.set(agentId, (this.freedCount.get(agentId) ?? 0) + 1);
        this.generation += 1; // an attempt ended: its job may be waiting again, or a pipeline's next step
        this.request(agentId);
      }),
      this.events.subscribeJobsCreated((count) => this.requestAll(undefined, count)), // created on another process
    );
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /**
   * New jobs may fit any idle agent of this process (agents known to be busy here are skipped).
   * `created`: how many jobs were created (unknown: every idle agent is asked). Only
   * AGENTS_PER_NEW_JOB idle agents per new job are asked at first, taken in turn so work spreads
   * over donors; the others are asked as soon as a round ends with jobs that its agents did not
   * take (none fitted them, or there were more jobs than agents). `inserted`: the jobs' insert,
   * when it is still committing: the round reads the agents at once and the waiting jobs once the
   * insert has settled (so the new jobs are among them).
   */
  requestAll(inserted?: Promise<unknown>, created = Number.POSITIVE_INFINITY): void {
    if (inserted) {
      this.inserting.add(inserted);
      const settled = () => this.inserting.delete(inserted);
      inserted.then(settled, settled);
    }
    this.generation += 1;
    const idle = this.gateway.localAgentIds().filter((agentId) => !this.busy.has(agentId));
    const asked = Math.max(AGENTS_PER_NEW_JOB.min, created * AGENTS_PER_NEW_JOB.perJob);
    if (idle.length <= asked) {
      for (const agentId of idle) this.pending.add(agentId);
    } else {
      const start = this.turn++ % idle.length;
      const inTurn = [...idle.slice(start), ...idle.slice(0, start)];
      for (const agentId of inTurn.slice(0, asked)) this.pending.add(agentId);
      for (const agentId of inTurn.slice(asked)) this.later.add(agentId);
    }
    this.drainSoon();
  }

  /**
   * Jobs are being created here (`created`: how many the insert created, once it committed):
   * this process's idle agents are asked for `expected` jobs (see requestAll), and the other
   * coordinator processes are told how many were created, if any, so that theirs are asked too
   * (otherwise their agents would see the jobs only at their next sweep).
   */
  jobsCreated(created: Promise<number>, expected: number): void {
    this.requestAll(created, expected);
    created.then(
      (count) => count > 0 && this.gateway.announceNewJobs(count),
      () => undefined, // nothing committed: nothing to announce
    );
  }

  /** Asks for a decision for this agent soon (coalesced: the next round serves every agent waiting for one). */
  request(agentId: string): void {
    if (!this.gateway.isLocal(agentId)) return;
    this.pending.add(agentId);
    this.drainSoon();
  }

  /**
   * Drains once the current microtasks ran: agents freed by one batch of completions (each
   * answered in its own continuation) join the same round instead of the first going alone.
   */
  private drainSoon(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    queueMicrotask(() => {
      this.drainQueued = false;
      this.drain();
    });
  }

  /**
   * Starts a round for the pending agents unless MAX_ROUNDS run already; agents asking meanwhile
   * wait for the next round. A round that finds the queue empty drops the agents still pending
   * (unless a job arrived or an agent was freed since it began).
   */
  private drain(): void {
    while (this.rounds < MAX_ROUNDS && this.pending.size > 0) {
      for (const agentId of this.pending) if (!this.gateway.isLocal(agentId)) this.pending.delete(agentId); // gone from this process since it asked
      const agentIds = [...this.pending].filter((agentId) => !this.active.has(agentId)).slice(0, MAX_AGENTS_PER_ROUND);
      if (agentIds.length === 0) return;
      for (const agentId of agentIds) {
        this.pending.delete(agentId);
        this.active.add(agentId);
      }
      this.rounds += 1;
      const generation = this.generation;
      void this.round(agentIds)
        .then((queueEmpty) => {
          if (queueEmpty && this.generation === generation) {
            this.pending.clear();
            this.later.clear();
          }
        })
        .catch((error: unknown) => this.logger.error({ err: error, agents: agentIds.length }, 'dispatch round failed'))
        .finally(() => {
          for (const agentId of agentIds) this.active.delete(agentId);
          this.rounds -= 1;
          this.drain();
        });
    }
  }

  /**
   * One decision for several agents: their state, presence and the waiting jobs are read once
   * (in parallel); each agent gets the first job in fairness order that the matcher accepts
   * (fairness re-ranked after every pick: a builder's running count grows with each job it gets);
   * every pick is claimed with its attempt in one statement, inputs are looked up in one query,
   * all one-time paths issued in one Redis round trip, and the assignments sent without waiting
   * for each other. Returns true when no job was waiting.
   */
  private async round(agentIds: string[], now = Date.now()): Promise<boolean> {
    const freed = new Map(agentIds.map((agentId) => [agentId, this.freedCount.get(agentId) ?? 0]));
    const limit = Math.min(CANDIDATES.max, Math.max(CANDIDATES.min, agentIds.length * CANDIDATES.perAgent));
    const inserts = this.inserting.size > 0 ? Promise.allSettled([...this.inserting]) : null;
    const waiting = inserts ? inserts.then(() => this.repository.candidates(limit)) : this.repository.candidates(limit);
    const [states, candidates, capacities] = await Promise.all([this.repository.agentStates(agentIds), waiting, this.why.capacities(agentIds, now)]);
    const idle: { agentId: string; capacity: AgentCapacity }[] = [];
    for (const [i, agentId] of agentIds.entries()) {
      const state = states.get(agentId);
      if (!state || this.busy.has(agentId)) continue;
      if (state.busy) {
        // Remember it only if it was not freed meanwhile (its attempt may have ended after the read).
        if ((this.freedCount.get(agentId) ?? 0) === freed.get(agentId)) this.busy.add(agentId);
        continue;
      }
      const capacity = capacities[i];
      if (capacity) idle.push({ agentId, capacity: capacity(state.trustLevel) });
    }
    if (candidates.length > 0 && idle.length === 0) this.askLater();
    if (candidates.length === 0 || idle.length === 0) return candidates.length === 0;
    const ranked = candidates.filter((candidate) => !this.lostRecently(candidate.id, now)).map((candidate) => ({ ...candidate, requirements: this.requirementsOf(candidate), createdAt: candidate.createdAt.getTime() }));
    const running = new Map(ranked.map((candidate) => [candidate.ownerId, candidate.running]));
    const order = (a: (typeof ranked)[number], b: (typeof ranked)[number]) => (running.get(a.ownerId) ?? 0) - (running.get(b.ownerId) ?? 0) || b.priority - a.priority || a.createdAt - b.createdAt;
    const owners = new Set(ranked.map((candidate) => candidate.ownerId)).size;
    const picks: Pick[] = [];
    idle.forEach(({ agentId, capacity }) => {
      const refusals: { jobId: string; kind: string; rule: string; detail: string }[] = [];
      for (const [index, candidate] of ranked.entries()) {
        const fit = match(candidate.requirements, capacity);
        if (!fit.fits) {
          refusals.push({ jobId: candidate.id, kind: candidate.kind.toLowerCase().replace('_', '-'), rule: fit.rule, detail: fit.detail });
          continue;
        }
        picks.push({ jobId: candidate.id, agentId, deviceIds: fit.deviceIds });
        ranked.splice(index, 1);
        running.set(candidate.ownerId, (running.get(candidate.ownerId) ?? 0) + 1);
        if (owners > 1) ranked.sort(order);
        this.whySent.delete(agentId);
        return;
      }
      if (candidates.length >= limit && ranked.length === 0) this.pending.add(agentId); // this round's jobs ran out, more may wait past the limit
      this.tellWhy(agentId, candidates.length, refusals, now);
    });
    if (ranked.length > 0) this.askLater(); // jobs this round's agents did not take: the agents not asked yet may
    const claimed = await this.repository.claim(picks, this.config.POTLUCK_ATTEMPT_LEASE_MS, now);
    // A job another round or coordinator took first (or holds locked): those agents try again, without that job for a moment.
    const served = new Set(claimed.map((claim) => claim.agentId));
    if (this.lost.size > 1000) for (const [jobId, until] of this.lost) if (until <= now) this.lost.delete(jobId);
    for (const pick of picks) {
      if (served.has(pick.agentId)) continue;
      this.pending.add(pick.agentId);
      this.lost.set(pick.jobId, now + LOST_PICK_MS);
    }
    for (const claim of claimed) this.busy.add(claim.agentId);
    await this.assignAll(claimed, now);
    return false;
  }

  /** Whether the job's claim was lost within LOST_PICK_MS (another claim may still hold its row locked, showing it as waiting). */
  private lostRecently(jobId: string, now: number): boolean {
    const until = this.lost.get(jobId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.lost.delete(jobId);
    return false;
  }

  /** Moves the agents not asked yet about new jobs to the next round. */
  private askLater(): void {
    for (const agentId of this.later) if (!this.busy.has(agentId) && this.gateway.isLocal(agentId)) this.pending.add(agentId);
    this.later.clear();
  }

  /** A waiting job's requirements, parsed once (they never change). */
  private requirementsOf(candidate: Candidate): Requirements {
    let parsed = this.requirements.get(candidate.id);
    if (!parsed) {
      if (this.requirements.size >= 10_000) this.requirements.clear();
      parsed = RequirementsSchema.parse(candidate.requirements);
      this.requirements.set(candidate.id, parsed);
    }
    return parsed;
  }

  /** Builds and sends the assignments of claimed jobs; a job whose inputs are gone fails at once. */
  private async assignAll(claimed: Claimed[], now: number): Promise<void> {
    if (claimed.length === 0) return;
    const lease = this.config.POTLUCK_ATTEMPT_LEASE_MS;
    const resolved = await Promise.all(claimed.map((claim) => this.pipelines.resolve(claim)));
    // The claim brought the files of the versions stored specs name; only a step's resolved placeholders need a query.
    const versions = new Map(claimed.flatMap((claim) => claim.versions ?? []).map((v) => [versionKey(v), v]));
    const missing = uniqueRefs(resolved.flatMap((resolution) => (resolution.ok ? refsOf(resolution.spec) : [])).filter((ref) => !versions.has(versionKey(ref))));
    for (const v of await this.repository.versionArtifacts(missing)) versions.set(versionKey(v), v);
    const grants: { grant: TransferGrant; ttlMs: number }[] = [];
    const add = (grant: TransferGrant, ttlMs: number) => grants.push({ grant, ttlMs }) - 1;
    const ready: { claim: Claimed; build: (pathOf: (index: number) => string) => JobAssignment }[] = [];
    for (const [i, claim] of claimed.entries()) {
      const resolution = resolved[i];
      const failed = await this.prepare(claim, resolution, versions, add, lease);
      if (typeof failed === 'string') {
        this.busy.delete(claim.agentId);
        await this.work.endAttempt(claim.attemptId, claim.jobId, claim.attemptNo, 'FAILED', failed, false, now);
        this.events.freed(claim.agentId);
        continue;
      }
      ready.push({ claim, build: failed });
    }
    const paths = await this.transfers.issueMany(grants); // one Redis round trip for every one-time path of the round
    const pathOf = (index: number) => paths[index] ?? '';
    for (const { claim, build } of ready) {
      void this.send(claim, build(pathOf), now);
    }
  }

  /**
   * What an attempt needs besides its paths: the resolved spec, its inputs and adapter, its output
   * upload and the checkpoint it resumes from. A string is the reason it cannot run (no retry helps).
   */
  private async prepare(
    claim: Claimed,
    resolution: Resolution | undefined,
    versions: Map<string, VersionArtifact>,
    add: (grant: TransferGrant, ttlMs: number) => number,
    lease: number,
  ): Promise<string | ((pathOf: (index: number) => string) => JobAssignment)> {
    if (!resolution?.ok) return `INVALID_SPEC: ${resolution?.reason ?? 'unresolved'}`;
    const download = (artifact: { storageKey: string; sizeBytes: string | bigint; sha256: string }) => add({ kind: 'download', storageKey: artifact.storageKey, bytes: Number(artifact.sizeBytes), sha256: artifact.sha256 }, TRANSFER_TTL_MS);
    const { spec } = resolution;
    const requirements = this.requirements.get(claim.jobId) ?? RequirementsSchema.parse(claim.requirements);
    if (claim.parentJobId) await this.prisma.client.job.update({ where: { id: claim.jobId }, data: { spec } }); // the step now shows what it runs
    const inputs: (Omit<TransferInput, 'path'> & { grant: number })[] = [];
    for (const ref of refsOf(spec)) {
      const version = versions.get(versionKey(ref));
      if (!version) return `DATASET_MISSING: dataset ${ref.datasetId} v${ref.version} no longer exists`;
      inputs.push({ ...ref, sha256: version.sha256, bytes: Number(version.sizeBytes), grant: download(version) });
    }
    let adapterArtifact: { sha256: string; sizeBytes: bigint; grant: number } | null = null;
    if (spec.kind === 'eval' && spec.adapterFromJob) {
      const source = await this.prisma.client.job.findUnique({ where: { id: spec.adapterFromJob } });
      const artifactId = (source?.result as { adapterArtifactId?: unknown } | null | undefined)?.adapterArtifactId;
      if (source?.status !== 'SUCCEEDED' || typeof artifactId !== 'string') return `ADAPTER_MISSING: job ${spec.adapterFromJob} has no adapter`;
      const artifact = await this.prisma.client.artifact.findUniqueOrThrow({ where: { id: artifactId } });
      adapterArtifact = { ...artifact, grant: download(artifact) };
    }
    const output = OUTPUT[claim.kind];
    const uploadGrant = add({ kind: 'upload', attemptId: claim.attemptId, maxBytes: output.maxBytes, mediaType: output.mediaType }, 24 * 3_600_000);
    const { checkpoint } = claim;
    const checkpointGrant = checkpoint ? download(checkpoint) : -1;
    return (pathOf) => ({
      attemptId: claim.attemptId, jobId: claim.jobId, attemptNo: claim.attemptNo, spec, runtime: requirements.runtime, command: requirements.command ?? null, deviceIds: claim.deviceIds, leaseMs: lease, maxRuntimeMs: requirements.maxRuntimeSeconds * 1000,
      inputs: inputs.map(({ grant, ...input }) => ({ ...input, path: pathOf(grant) })),
      adapter: adapterArtifact ? { sha256: adapterArtifact.sha256, bytes: Number(adapterArtifact.sizeBytes), path: pathOf(adapterArtifact.grant) } : null,
      uploadPath: pathOf(uploadGrant),
      resumeFrom: checkpoint ? { checkpointId: checkpoint.id, step: checkpoint.step, sha256: checkpoint.sha256, path: pathOf(checkpointGrant) } : null,
    });
  }

  /** Sends one assignment and waits for the agent's answer; a decline returns the job to the queue. */
  private async send(claim: Claimed, assignment: JobAssignment, now: number): Promise<void> {
    try {
      const accepted = await this.gateway.assign(claim.agentId, assignment);
      if (!accepted) {
        this.busy.delete(claim.agentId);
        await this.work.endAttempt(claim.attemptId, claim.jobId, claim.attemptNo, 'FAILED', 'AGENT_DECLINED: the agent did not accept the assignment', true, now);
        return;
      }
      this.logger.log({ agentId: claim.agentId, jobId: claim.jobId, attemptId: claim.attemptId, kind: assignment.spec.kind, resumedFromStep: claim.checkpoint?.step ?? null }, 'job assigned');
    } catch (error) {
      this.logger.error({ err: error, jobId: claim.jobId, attemptId: claim.attemptId }, 'could not send an assignment');
    }
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

/** The dataset versions a resolved step reads. */
function refsOf(spec: StepSpec): DatasetRef[] {
  return stepInputs(spec).filter(isDatasetRef);
}

function uniqueRefs(refs: DatasetRef[]): DatasetRef[] {
  return [...new Map(refs.map((ref) => [versionKey(ref), ref])).values()];
}
