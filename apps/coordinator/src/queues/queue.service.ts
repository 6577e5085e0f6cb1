import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { RedisService } from '../redis/redis.service.js';
import { QUEUE_KEYS, QUEUES, type JobNameOf, type QueueKey } from './queue-registry.js';

/** Owns the BullMQ queues; the only place that adds jobs. */
@Injectable()
export class QueueService implements OnModuleDestroy {
  private readonly logger = new Logger('Queues');
  private readonly queues: Map<QueueKey, Queue>;

  constructor(redis: RedisService) {
    const connection = redis.connect('queues', { maxRetriesPerRequest: null, enableAutoPipelining: true }); // queues never block; many adds and removes of one tick share a write
    this.queues = new Map(
      QUEUE_KEYS.map((key) => {
        const spec = QUEUES[key];
        const queue = new Queue(spec.name, { connection, prefix: redis.prefix, defaultJobOptions: spec.defaultJobOptions });
        queue.on('error', (error) => this.logger.error({ err: error, queue: spec.name }, 'queue error'));
        return [key, queue];
      }),
    );
  }

  queue(key: QueueKey): Queue {
    const queue = this.queues.get(key);
    if (!queue) throw new Error(`queue ${key} is not registered`);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  /** Adds a job; pass a deterministic `jobId` from business keys to make it idempotent. */
  async add<K extends QueueKey>(key: K, name: JobNameOf<K>, data: Record<string, unknown>, options: JobsOptions & { jobId: string }): Promise<void> {
    await this.queue(key).add(name, data, options);
  }

  /** Adds many jobs in one Redis round trip; each needs a deterministic `jobId` (adding one again is a no-op). */
  async addBulk<K extends QueueKey>(key: K, jobs: readonly { name: JobNameOf<K>; data: Record<string, unknown>; opts: JobsOptions & { jobId: string } }[]): Promise<void> {
    if (jobs.length > 0) await this.queue(key).addBulk(jobs.map((job) => ({ name: job.name, data: job.data, opts: job.opts })));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
  }
}
