import { Inject, Injectable, Logger } from '@nestjs/common';
import { CheckpointSlotSchema, HANDED_BACK_CODES, JobCheckpointSchema, JobCompletedSchema, JobFailedSchema, JobLogSchema, JobProgressSchema, type AgentAck, type JobProgress, type JobResult } from '@potluck/protocol';
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
import { DatasetOutputsService } from '../datasets/dataset-outputs.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { Batcher } from './batcher.js';
import { DispatchRepository, type AttemptForCompletion, type Success } from './dispatch.repository.js';
import { JOB_LOG_LINES, MAX_ATTEMPTS, MAX_ATTEMPTS_IN_ALL, MAX_CHECKPOINT_BYTES, TRANSFER_TTL_MS } from './dispatch.constants.js';
import { PipelineService } from './pipeline.service.js';

/** The job kind each result kind belongs to. */
const KIND_OF_RESULT = { 'fine-tune': 'FINE_TUNE', eval: 'EVAL', dataset: 'DATASET' } as const;

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
  /** Attempts read for completion messages, batched (one query per batch). */
  private readonly attemptReads = new Batcher<string, AttemptForCompletion | undefined>(async (ids) => {
    const rows = new Map((await this.repository.attemptsForCompletion([...new Set(ids)])).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id));
  });
  /** Successful attempts closed with their jobs, batched (one statement per batch). */
  private readonly closes = new Batcher<Success & { now: number }, boolean>((items) => this.closeMany(items));

  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly queues: QueueService,
    private readonly events: FleetEvents,
    private readonly transfers: TransferService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outcomes: AttemptOutcomes,
    private readonly pipelines: PipelineService,
    private readonly datasetOutputs: DatasetOutputsService,
    private readonly repository: DispatchRepository,
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

  /**
   * A successful attempt: accepted once, only from the attempt's agent, only with a result of the
   * job's kind and after its outputs were uploaded. Concurrent completions share their reads and
   * their closing statement (attempt and job closed together), so a busy coordinator pays two
   * PostgreSQL round trips per batch of completions instead of several per completion.
   */
  async completed(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean; duplicate: boolean }>> {
    const parsed = parse(JobCompletedSchema, payload);
    if (!parsed.ok) return parsed;
    const { attemptId, result } = parsed.value;
    const attempt = await this.attemptReads.load(attemptId);
    if (!attempt || attempt.agentId !== identity.agentId) return fail('NOT_YOURS', 'No attempt of this agent has that id.');
    if (attempt.status === 'SUCCEEDED') return { ok: true, result: { recorded: false, duplicate: true } };
    if (attempt.status !== 'RUNNING' && attempt.status !== 'ASSIGNED') return fail('NOT_YOURS', `The attempt already ended (${attempt.status.toLowerCase()}); its result is not used.`);
    const noop = attempt.runtime === 'noop';
    const fits = result.kind === 'noop' ? noop : !noop && attempt.jobKind === KIND_OF_RESULT[result.kind];
    if (!fits) return fail('INVALID_PAYLOAD', `A ${result.kind} result does not fit this ${attempt.jobKind.toLowerCase().replace('_', '-')} job.`);
    const stored = await this.storedResult(attempt.jobId, result);
    if (!stored.ok) {
      if (stored.endAttempt) {
        const ended = await this.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'FAILED', `INVALID_OUTPUT: ${stored.message}`, true, now);
        if (ended) this.events.freed(identity.agentId);
      }
      return fail('INVALID_PAYLOAD', stored.message);
    }
    const recorded = await this.closes.load({ attemptId, jobId: attempt.jobId, tokens: 'tokens' in result ? result.tokens : 0, result: stored.value, now });
    if (recorded) {
      this.events.freed(identity.agentId); // free again: the dispatcher looks for its next job
      if (attempt.parentJobId) await this.pipelines.stepSucceeded(attempt.jobId, now);
      if (result.kind !== 'noop') this.outcomes.succeeded(attemptId); // credit: claim and validation (credits/credit-flow.service.ts)
      // The BullMQ mirror of a finished job goes without holding up the answer (dispatch never reads it).
      void this.queues.queue('work').remove(`job-${attempt.jobId}`).catch((error: unknown) => this.logger.warn({ err: error }, 'could not remove the finished BullMQ job'));
    }
    return { ok: true, result: { recorded, duplicate: !recorded } };
  }

  /** Closes a batch of successes in one statement; an attempt named twice in one batch is closed by its first report only. */
  private async closeMany(items: (Success & { now: number })[]): Promise<boolean[]> {
    const first = new Map<string, Success & { now: number }>();
    for (const item of items) if (!first.has(item.attemptId)) first.set(item.attemptId, item);
    const closed = await this.repository.closeSucceeded([...first.values()], items[0]?.now ?? Date.now());
    return items.map((item) => first.get(item.attemptId) === item && closed.has(item.attemptId));
  }

  /**
   * The result as the job stores it, after checking its outputs: each names an artifact the
   * attempt uploaded (sha256 and size must match); a dataset job's output must pass the
   * upload inspector and becomes a new dataset version with lineage.
   */
  private async storedResult(jobId: string, result: JobResult): Promise<{ ok: true; value: Prisma.InputJsonObject } | { ok: false; message: string; endAttempt: boolean }> {
    const uploaded = async (sha256: string, bytes: number) => {
      const artifact = await this.prisma.client.artifact.findUnique({ where: { sha256 } });
      return artifact && Number(artifact.sizeBytes) === bytes ? artifact : null;
    };
    switch (result.kind) {
      case 'fine-tune': {
        const adapter = await uploaded(result.adapterSha256, result.adapterBytes);
        if (!adapter) return { ok: false, message: 'The adapter was not uploaded (or its size differs); upload it before reporting completion.', endAttempt: false };
        return { ok: true, value: { ...result, adapterArtifactId: adapter.id } };
      }
      case 'eval': {
        const report = await uploaded(result.reportSha256, result.reportBytes);
        if (!report) return { ok: false, message: 'The eval report was not uploaded (or its size differs); upload it before reporting completion.', endAttempt: false };
        return { ok: true, value: { ...result, reportArtifactId: report.id } };
      }
      case 'noop':
        return { ok: true, value: { kind: 'noop' } };
      case 'dataset': {
        const output = await uploaded(result.outputSha256, result.outputBytes);
        if (!output) return { ok: false, message: 'The output was not uploaded (or its size differs); upload it before reporting completion.', endAttempt: false };
        const job = await this.prisma.client.job.findUniqueOrThrow({ where: { id: jobId } });
        const version = await this.datasetOutputs.record(job, result, output);
        if (!version.ok) return { ok: false, message: version.reason, endAttempt: true };
        return { ok: true, value: { ...result, outputArtifactId: output.id, datasetId: version.datasetId, version: version.version, datasetVersionId: version.datasetVersionId } };
      }
    }
  }

  /** Log lines of a running attempt of this agent: the job keeps the last `JOB_LOG_LINES`. */
  async log(identity: AgentIdentity, payload: unknown): Promise<AgentAck<{ recorded: number }>> {
    const parsed = parse(JobLogSchema, payload);
    if (!parsed.ok) return parsed;
    const attempt = await this.prisma.client.jobAttempt.findUnique({ where: { id: parsed.value.attemptId }, select: { agentId: true, jobId: true, attemptNo: true, status: true } });
    if (!attempt || attempt.agentId !== identity.agentId) return fail('NOT_YOURS', 'No attempt of this agent has that id.');
    const key = this.redis.key('job', attempt.jobId, 'log');
    const lines = parsed.value.lines.map((line) => JSON.stringify({ at: line.at, attemptNo: attempt.attemptNo, level: line.level, message: line.message }));
    await this.redis.client.multi().rpush(key, ...lines).ltrim(key, -JOB_LOG_LINES, -1).pexpire(key, 7 * 86_400_000).exec();
    return { ok: true, result: { recorded: lines.length } };
  }

  async failed(identity: AgentIdentity, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean }>> {
    const parsed = parse(JobFailedSchema, payload);
    if (!parsed.ok) return parsed;
    const report = parsed.value;
    const attempt = await this.prisma.client.jobAttempt.findUnique({ where: { id: report.attemptId } });
    if (!attempt || attempt.agentId !== identity.agentId) return fail('NOT_YOURS', 'No attempt of this agent has that id.');
    const recorded = await this.endAttempt(attempt.id, attempt.jobId, attempt.attemptNo, 'FAILED', `${report.code}: ${report.message}`, report.retryable, now);
    this.events.freed(identity.agentId); // it stopped (even when the attempt had already ended, e.g. cancelled): free for work
    return { ok: true, result: { recorded } };
  }

  /**
   * Closes an attempt; its job goes back to the queue when a retry can help and attempts
   * remain (MAX_ATTEMPTS, not counting those their donors handed back, and MAX_ATTEMPTS_IN_ALL),
   * otherwise it fails with the reason. Returns false when the attempt had already ended.
   */
  async endAttempt(attemptId: string, jobId: string, attemptNo: number, status: 'FAILED' | 'LOST', reason: string, retryable: boolean, now: number): Promise<boolean> {
    return this.prisma.client.$transaction(async (tx) => {
      const closed = await tx.jobAttempt.updateMany({ where: { id: attemptId, status: { in: ['ASSIGNED', 'RUNNING'] } }, data: { status, endedAt: new Date(now), endReason: reason } });
      if (closed.count === 0) return false;
      const ended = await tx.jobAttempt.findMany({ where: { jobId }, select: { endReason: true } });
      const counted = ended.filter((attempt) => !isHandedBack(attempt.endReason)).length;
      const retry = retryable && counted < MAX_ATTEMPTS && attemptNo < MAX_ATTEMPTS_IN_ALL;
      await tx.job.updateMany({
        where: { id: jobId, status: 'RUNNING' },
        data: retry ? { status: 'QUEUED' } : { status: 'FAILED', finishedAt: new Date(now), errorCode: status === 'LOST' ? 'ATTEMPTS_EXHAUSTED' : 'FAILED', errorMessage: reason },
      });
      return true;
    }).then(async (ended) => {
      if (ended) await this.pipelines.stepFailed(jobId, now); // a step that failed for good fails its pipeline
      return ended;
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

/** An attempt's end reason (`CODE: message`) says its donor handed it back. */
function isHandedBack(endReason: string | null): boolean {
  return endReason !== null && HANDED_BACK_CODES.some((code) => endReason.startsWith(`${code}:`));
}
