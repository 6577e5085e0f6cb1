import type { DefaultJobOptions } from 'bullmq';

/**
 * The one registry of queues, their job names and options. Only QueueService adds
 * jobs; handlers re-parse job data with its protocol schema when they start.
 */
export const QUEUES = {
  /** Builder work waiting for a GPU: fine-tune, eval and dataset jobs (pipelines as flows). */
  work: {
    name: 'work',
    jobNames: ['fine-tune', 'eval', 'dataset', 'pipeline'] as const,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    } satisfies DefaultJobOptions,
  },
  /** Coordinator housekeeping: telemetry roll-ups, board rebuilds, stats export. */
  maintenance: {
    name: 'maintenance',
    jobNames: ['telemetry-rollup', 'leaderboard-rebuild', 'stats-export'] as const,
    defaultJobOptions: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 10_000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    } satisfies DefaultJobOptions,
  },
} as const;

export type QueueKey = keyof typeof QUEUES;
export type JobNameOf<K extends QueueKey> = (typeof QUEUES)[K]['jobNames'][number];
export const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];
