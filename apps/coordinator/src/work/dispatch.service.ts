import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { FineTuneSpecSchema, RequirementsSchema, type JobAssignment, type TransferInput } from '@potluck/protocol';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { PrismaService } from '../database/prisma.service.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { match } from '../jobs/matcher.js';
import { WhyNoJobService } from '../jobs/why-no-job.service.js';
import { TransferService } from '../transfer/transfer.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MAX_ADAPTER_BYTES, TRANSFER_TTL_MS } from './dispatch.constants.js';
import { WorkService } from './work.service.js';

/** Waiting jobs considered per dispatch decision. */
const CANDIDATES = 100;
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
  private running = false;
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
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribeFreed((agentId) => this.request(agentId));
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** A new job may fit any idle agent of this process. */
  requestAll(): void {
    for (const agentId of this.gateway.localAgentIds()) this.request(agentId);
  }

  /** Asks for a decision for this agent soon (coalesced; one decision at a time per process). */
  request(agentId: string): void {
    if (!this.gateway.isLocal(agentId)) return;
    this.pending.add(agentId);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const agentId of this.pending) {
        this.pending.delete(agentId);
        await this.dispatch(agentId).catch((error: unknown) => this.logger.error({ err: error, agentId }, 'dispatch failed'));
      }
    } finally {
      this.running = false;
    }
  }

  /** Tries to give this agent one job; returns the attempt id when it accepted one. */
  async dispatch(agentId: string, now = Date.now()): Promise<string | null> {
    const busy = await this.prisma.client.jobAttempt.count({ where: { agentId, status: { in: ['ASSIGNED', 'RUNNING'] } } });
    if (busy > 0) return null;
    const agent = await this.prisma.client.agent.findUnique({ where: { id: agentId }, select: { trustLevel: true, revokedAt: true } });
    if (!agent || agent.revokedAt) return null;
    const capacity = await this.why.capacity(agentId, agent.trustLevel, now);
    for (const candidate of await this.candidates()) {
      const fit = match(RequirementsSchema.parse(candidate.requirements), capacity);
      if (!fit.fits) continue;
      const claimed = await this.prisma.client.job.updateMany({ where: { id: candidate.id, status: 'QUEUED' }, data: { status: 'RUNNING', startedAt: new Date(now) } });
      if (claimed.count === 0) continue; // another coordinator took it
      return this.assign(agentId, candidate.id, fit.deviceIds, now);
    }
    return null;
  }

  /** Builders with fewer running jobs first; then priority; then age. (Standalone fine-tunes for now.) */
  private async candidates(): Promise<{ id: string; requirements: unknown }[]> {
    return this.prisma.client.$queryRaw<{ id: string; requirements: unknown }[]>`
      SELECT j.id, j.requirements
      FROM "Job" j
      LEFT JOIN (SELECT "ownerId", count(*) AS running FROM "Job" WHERE status = 'RUNNING' GROUP BY "ownerId") r ON r."ownerId" = j."ownerId"
      WHERE j.status = 'QUEUED' AND j.kind = 'FINE_TUNE' AND j."parentJobId" IS NULL
      ORDER BY coalesce(r.running, 0) ASC, j.priority DESC, j."createdAt" ASC
      LIMIT ${CANDIDATES}`;
  }

  private async assign(agentId: string, jobId: string, deviceIds: string[], now: number): Promise<string | null> {
    const job = await this.prisma.client.job.findUniqueOrThrow({ where: { id: jobId } });
    const spec = FineTuneSpecSchema.parse(job.spec);
    const attemptNo = (await this.prisma.client.jobAttempt.count({ where: { jobId } })) + 1;
    const lease = this.config.POTLUCK_ATTEMPT_LEASE_MS;
    // A lost predecessor's last checkpoint: the new attempt resumes there.
    const checkpoint = await this.prisma.client.checkpoint.findFirst({ where: { jobId }, orderBy: [{ tokens: 'desc' }, { step: 'desc' }], include: { artifact: true } });
    const attempt = await this.prisma.client.jobAttempt.create({
      data: { jobId, attemptNo, agentId, deviceIds, status: 'ASSIGNED', leaseExpiresAt: new Date(now + lease), resumedFromId: checkpoint?.id ?? null },
    });
    const inputs: TransferInput[] = [];
    for (const ref of spec.datasets) {
      const version = await this.prisma.client.datasetVersion.findUnique({ where: { datasetId_version: { datasetId: ref.datasetId, version: ref.version } }, include: { artifact: true } });
      if (!version) {
        await this.work.endAttempt(attempt.id, jobId, attemptNo, 'FAILED', `DATASET_MISSING: dataset ${ref.datasetId} v${ref.version} no longer exists`, false, now);
        return null;
      }
      const { artifact } = version;
      const path = await this.transfers.issue({ kind: 'download', storageKey: artifact.storageKey, bytes: Number(artifact.sizeBytes), sha256: artifact.sha256 }, TRANSFER_TTL_MS);
      inputs.push({ ...ref, sha256: artifact.sha256, bytes: Number(artifact.sizeBytes), path });
    }
    const uploadPath = await this.transfers.issue({ kind: 'upload', attemptId: attempt.id, maxBytes: MAX_ADAPTER_BYTES, mediaType: 'application/vnd.potluck.adapter' }, 24 * 3_600_000);
    const resumeFrom = checkpoint
      ? {
          checkpointId: checkpoint.id,
          step: checkpoint.step,
          sha256: checkpoint.artifact.sha256,
          path: await this.transfers.issue({ kind: 'download', storageKey: checkpoint.artifact.storageKey, bytes: Number(checkpoint.artifact.sizeBytes), sha256: checkpoint.artifact.sha256 }, TRANSFER_TTL_MS),
        }
      : null;
    const assignment: JobAssignment = { attemptId: attempt.id, jobId, attemptNo, spec, deviceIds, leaseMs: lease, inputs, uploadPath, resumeFrom };
    const accepted = await this.gateway.assign(agentId, assignment);
    if (!accepted) {
      await this.work.endAttempt(attempt.id, jobId, attemptNo, 'FAILED', 'AGENT_DECLINED: the agent did not accept the assignment', true, now);
      return null;
    }
    this.logger.log({ agentId, jobId, attemptId: attempt.id, resumedFromStep: checkpoint?.step ?? null }, 'job assigned');
    return attempt.id;
  }

  /** Reclaims expired leases, then re-examines this process's idle agents. */
  private async sweep(now = Date.now()): Promise<void> {
    try {
      const expired = await this.prisma.client.jobAttempt.findMany({ where: { status: { in: ['ASSIGNED', 'RUNNING'] }, leaseExpiresAt: { lt: new Date(now) } }, take: 100 });
      for (const attempt of expired) {
        await this.work.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'LOST', 'LEASE_EXPIRED: the agent stopped reporting', true, now);
      }
      // Examining every idle agent costs queries per agent: only when something waits.
      const waiting = await this.prisma.client.job.count({ where: { status: 'QUEUED', kind: 'FINE_TUNE', parentJobId: null } });
      if (waiting > 0) this.requestAll();
    } catch (error) {
      this.logger.error({ err: error }, 'dispatch sweep failed');
    }
  }
}
