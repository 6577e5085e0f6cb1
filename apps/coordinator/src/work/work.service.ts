import { Inject, Injectable, Logger } from '@nestjs/common';
import { CheckpointSlotSchema, JobCheckpointSchema, JobCompletedSchema, JobFailedSchema, JobProgressSchema, type AgentAck, type JobProgress } from '@potluck/protocol';
import type { z } from 'zod';
import { fail } from '../agent-gateway/agent-session.service.js';
import type { AgentIdentity } from '../agent-gateway/socket-context.js';
import { PrismaService } from '../database/prisma.service.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { QueueService } from '../queues/queue.service.js';
import { RedisService } from '../redis/redis.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { TransferService } from '../transfer/transfer.service.js';
import { AttemptOutcomes } from '../credits/attempt-outcomes.js';
import { MAX_ATTEMPTS, MAX_CHECKPOINT_BYTES, TRANSFER_TTL_MS } from './dispatch.constants.js';

function parse<T extends z.ZodType>(schema: T, payload: unknown): { ok: true; value: z.infer<T> } | ReturnType<typeof fail> {
  const result = schema.safeParse(payload);
  return result.success ? { ok: true, value: result.data } : fail('INVALID_PAYLOAD', 'The message does not match the protocol schema.', result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })));
}

/**
 * What agents report about their work: progress (renews the lease), completion and
 * failure. An agent may only speak for its own attempts; a duplicate or late message
 * (an attempt already finished or reassigned) changes nothing.
 */
@Injectable()
export class WorkService {
  private readonly logger = new Logger('Work');

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly queues: QueueService,
    private readonly events: FleetEvents,
    private readonly transfers: TransferService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outcomes: AttemptOutcomes,
  ) {}

  async progress(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean }>> {
    const parsed = parse(JobProgressSchema, payload);
    if (!parsed.ok) return parsed;
    const progress = parsed.value;
    const renewed = await this.prisma.client.jobAttempt.updateMany({
      where: { id: progress.attemptId, agentId: identity.agentId, status: { in: ['ASSIGNED', 'RUNNING'] } },
      data: { status: 'RUNNING', leaseExpiresAt: new Date(now + this.config.POTLUCK_ATTEMPT_LEASE_MS), tokens: BigInt(progress.tokens) },
    });
    if (renewed.count === 0) return fail('NOT_YOURS', 'No running attempt of this agent has that id (finished, reassigned or never assigned).');
    const attempt = await this.prisma.client.jobAttempt.findUniqueOrThrow({ where: { id: progress.attemptId }, select: { jobId: true } });
    await this.recordProgress(attempt.jobId, progress, now);
    return { ok: true, result: { recorded: true } };
  }

  /** A one-time path to upload the next checkpoint of a running attempt of this agent. */
  async checkpointSlot(identity: AgentIdentity, payload: unknown): Promise<AgentAck<{ uploadPath: string }>> {
    const parsed = parse(CheckpointSlotSchema, payload);
    if (!parsed.ok) return parsed;
    const live = await this.prisma.client.jobAttempt.count({ where: { id: parsed.value.attemptId, agentId: identity.agentId, status: { in: ['ASSIGNED', 'RUNNING'] } } });
    if (live === 0) return fail('NOT_YOURS', 'No running attempt of this agent has that id.');
    const uploadPath = await this.transfers.issue({ kind: 'upload', attemptId: parsed.value.attemptId, maxBytes: MAX_CHECKPOINT_BYTES, mediaType: 'application/vnd.potluck.checkpoint+json' }, TRANSFER_TTL_MS);
    return { ok: true, result: { uploadPath } };
  }

  /** Records an uploaded checkpoint (once per attempt and step); renews the lease. */
  async checkpoint(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean }>> {
    const parsed = parse(JobCheckpointSchema, payload);
    if (!parsed.ok) return parsed;
    const report = parsed.value;
    const attempt = await this.prisma.client.jobAttempt.findUnique({ where: { id: report.attemptId } });
    if (!attempt || attempt.agentId !== identity.agentId || (attempt.status !== 'RUNNING' && attempt.status !== 'ASSIGNED')) return fail('NOT_YOURS', 'No running attempt of this agent has that id.');
    const artifact = await this.prisma.client.artifact.findUnique({ where: { sha256: report.sha256 } });
    if (!artifact || Number(artifact.sizeBytes) !== report.bytes) return fail('INVALID_PAYLOAD', 'The checkpoint was not uploaded (or its size differs).');
    try {
      await this.prisma.client.checkpoint.create({ data: { jobId: attempt.jobId, attemptId: attempt.id, step: report.step, tokens: BigInt(report.tokens), artifactId: artifact.id } });
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: true, result: { recorded: false } };
      throw error;
    }
    await this.prisma.client.jobAttempt.updateMany({ where: { id: attempt.id, status: { in: ['ASSIGNED', 'RUNNING'] } }, data: { status: 'RUNNING', leaseExpiresAt: new Date(now + this.config.POTLUCK_ATTEMPT_LEASE_MS) } });
    return { ok: true, result: { recorded: true } };
  }

  async completed(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean; duplicate: boolean }>> {
    const parsed = parse(JobCompletedSchema, payload);
    if (!parsed.ok) return parsed;
    const { attemptId, result } = parsed.value;
    const attempt = await this.prisma.client.jobAttempt.findUnique({ where: { id: attemptId } });
    if (!attempt || attempt.agentId !== identity.agentId) return fail('NOT_YOURS', 'No attempt of this agent has that id.');
    if (attempt.status === 'SUCCEEDED') return { ok: true, result: { recorded: false, duplicate: true } };
    if (attempt.status !== 'RUNNING' && attempt.status !== 'ASSIGNED') return fail('NOT_YOURS', `The attempt already ended (${attempt.status.toLowerCase()}); its result is not used.`);
    const adapter = await this.prisma.client.artifact.findUnique({ where: { sha256: result.adapterSha256 } });
    if (!adapter || Number(adapter.sizeBytes) !== result.adapterBytes) {
      return fail('INVALID_PAYLOAD', 'The adapter was not uploaded (or its size differs); upload it before reporting completion.');
    }
    const recorded = await this.prisma.client.$transaction(async (tx) => {
      const closed = await tx.jobAttempt.updateMany({ where: { id: attemptId, status: { in: ['RUNNING', 'ASSIGNED'] } }, data: { status: 'SUCCEEDED', endedAt: new Date(now), endReason: 'completed', tokens: BigInt(result.tokens) } });
      if (closed.count === 0) return false;
      await tx.job.updateMany({
        where: { id: attempt.jobId, status: 'RUNNING' },
        data: { status: 'SUCCEEDED', finishedAt: new Date(now), result: { ...result, adapterArtifactId: adapter.id } },
      });
      return true;
    });
    if (recorded) {
      await this.queues.queue('work').remove(`job-${attempt.jobId}`).catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove the finished BullMQ job'));
      this.events.freed(identity.agentId); // free again: the dispatcher looks for its next job
      this.outcomes.succeeded(attemptId); // credit: claim and validation (credits/credit-flow.service.ts)
    }
    return { ok: true, result: { recorded, duplicate: !recorded } };
  }

  async failed(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean }>> {
    const parsed = parse(JobFailedSchema, payload);
    if (!parsed.ok) return parsed;
    const report = parsed.value;
    const attempt = await this.prisma.client.jobAttempt.findUnique({ where: { id: report.attemptId } });
    if (!attempt || attempt.agentId !== identity.agentId) return fail('NOT_YOURS', 'No attempt of this agent has that id.');
    const recorded = await this.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'FAILED', `${report.code}: ${report.message}`, report.retryable, now);
    if (recorded) this.events.freed(identity.agentId);
    return { ok: true, result: { recorded } };
  }

  /**
   * Closes an attempt; its job goes back to the queue when a retry can help and attempts
   * remain, otherwise it fails with the reason. Returns false when the attempt had already ended.
   */
  async endAttempt(attemptId: string, jobId: string, attemptNo: number, status: 'FAILED' | 'LOST', reason: string, retryable: boolean, now: number): Promise<boolean> {
    return this.prisma.client.$transaction(async (tx) => {
      const closed = await tx.jobAttempt.updateMany({ where: { id: attemptId, status: { in: ['ASSIGNED', 'RUNNING'] } }, data: { status, endedAt: new Date(now), endReason: reason } });
      if (closed.count === 0) return false;
      const retry = retryable && attemptNo < MAX_ATTEMPTS;
      await tx.job.updateMany({
        where: { id: jobId, status: 'RUNNING' },
        data: retry ? { status: 'QUEUED' } : { status: 'FAILED', finishedAt: new Date(now), errorCode: status === 'LOST' ? 'ATTEMPTS_EXHAUSTED' : 'FAILED', errorMessage: reason },
      });
      return true;
    });
  }

  /** The latest progress and a bounded loss curve per job, in Redis for live pages. */
  private async recordProgress(jobId: string, progress: JobProgress, now: number): Promise<void> {
    const point = JSON.stringify({ at: now, step: progress.step, loss: progress.loss, tokens: progress.tokens });
    await this.redis.client
      .multi()
      .set(this.redis.key('job', jobId, 'progress'), JSON.stringify({ ...progress, at: now }), 'PX', 7 * 86_400_000)
      .rpush(this.redis.key('job', jobId, 'curve'), point)
      .ltrim(this.redis.key('job', jobId, 'curve'), -2000, -1)
      .pexpire(this.redis.key('job', jobId, 'curve'), 7 * 86_400_000)
      .exec();
  }
}
