import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { TelemetryHistory, TelemetryQuery } from '@potluck/protocol';
import { Worker } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { QueueService } from '../queues/queue.service.js';
import { QUEUES } from '../queues/queue-registry.js';
import { RedisService } from '../redis/redis.service.js';
import { PresenceStore } from './presence.store.js';
import { MINUTE_MS, rollupMinutes } from './telemetry-rollup.js';

const DAY_MS = 86_400_000;
const WORKER_CLOSE_GRACE_MS = 2000;

/**
 * Telemetry history for charts, and the roll-up job that turns the raw samples kept in
 * Redis into per-minute rows in PostgreSQL (idempotent upserts, so a re-run or two
 * coordinators racing write the same rows) and applies the retention setting.
 */
@Injectable()
export class TelemetryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Telemetry');
  private worker: Worker | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly presence: PresenceStore,
    private readonly queues: QueueService,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.worker = new Worker(
      QUEUES.maintenance.name,
      async (job) => {
        if (job.name === 'telemetry-rollup') return this.rollup(Date.now());
        return undefined;
      },
      { connection: this.redis.connect('maintenance-worker'), prefix: this.redis.prefix, concurrency: 1 },
    );
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'maintenance worker error'));
    // Not awaited: with Redis down this waits for the connection, and start-up must not.
    void this.queues
      .queue('maintenance')
      .upsertJobScheduler('telemetry-rollup', { every: this.config.POTLUCK_TELEMETRY_ROLLUP_EVERY_MS }, { name: 'telemetry-rollup' })
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not schedule the telemetry roll-up (Redis down?)'));
  }

  /** A worker cannot close cleanly without Redis; past a short grace it is left to the connection teardown. */
  async onModuleDestroy(): Promise<void> {
    if (!this.worker) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), WORKER_CLOSE_GRACE_MS);
    });
    const outcome = await Promise.race([this.worker.close(), grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.logger.warn('maintenance worker did not close in time (Redis unreachable?)');
  }

  /** Writes every complete minute still in the raw history; returns how many rows were written. */
  async rollup(now: number): Promise<number> {
    const maxGapMs = this.config.POTLUCK_TELEMETRY_INTERVAL_MS * 3;
    const historySpan = this.config.POTLUCK_TELEMETRY_HISTORY_SAMPLES * this.config.POTLUCK_TELEMETRY_INTERVAL_MS;
    let written = 0;
    for (const { agentId, gpuUuid } of await this.presence.activeGpus(now - historySpan)) {
      const from = await this.presence.rolledUpTo(agentId, gpuUuid);
      const complete = rollupMinutes(gpuUuid, await this.presence.history(agentId, gpuUuid), maxGapMs).filter(
        (minute) => minute.minute >= from && minute.minute + MINUTE_MS + maxGapMs <= now,
      );
      for (const minute of complete) {
        const data = {
          samples: minute.samples,
          utilizationMin: minute.utilization?.min ?? null, utilizationAvg: minute.utilization?.avg ?? null, utilizationMax: minute.utilization?.max ?? null,
          temperatureMin: minute.temperature?.min ?? null, temperatureAvg: minute.temperature?.avg ?? null, temperatureMax: minute.temperature?.max ?? null,
          powerMin: minute.power?.min ?? null, powerAvg: minute.power?.avg ?? null, powerMax: minute.power?.max ?? null,
          memoryUsedMin: minute.memoryUsed?.min ?? null, memoryUsedAvg: minute.memoryUsed?.avg ?? null, memoryUsedMax: minute.memoryUsed?.max ?? null,
          energyWh: minute.energyWh,
          coveredSeconds: minute.coveredSeconds,
        };
        await this.prisma.client.telemetryMinute.upsert({
          where: { agentId_gpuUuid_minute: { agentId, gpuUuid, minute: new Date(minute.minute) } },
          create: { agentId, gpuUuid, minute: new Date(minute.minute), ...data },
          update: data,
        });
        written += 1;
      }
      const last = complete.at(-1);
      if (last) await this.presence.setRolledUpTo(agentId, gpuUuid, last.minute + MINUTE_MS);
    }
    await this.prisma.client.telemetryMinute.deleteMany({ where: { minute: { lt: new Date(now - this.config.POTLUCK_TELEMETRY_RETENTION_DAYS * DAY_MS) } } });
    return written;
  }

  async history(agentId: string, gpuUuids: readonly string[], query: TelemetryQuery): Promise<TelemetryHistory> {
    const gpus = query.gpu ? gpuUuids.filter((uuid) => uuid === query.gpu) : gpuUuids;
    const from = query.from ?? 0;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    if (query.resolution === 'raw') {
      const raw = (await Promise.all(gpus.map((gpu) => this.presence.history(agentId, gpu)))).flat().filter((s) => s.at >= from && s.at <= to);
      return { resolution: 'raw', raw: raw.sort((a, b) => a.at - b.at), minutes: [] };
    }
    const rows = await this.prisma.client.telemetryMinute.findMany({
      where: { agentId, gpuUuid: { in: [...gpus] }, minute: { gte: new Date(from), lte: new Date(Math.min(to, 8.64e15)) } },
      orderBy: { minute: 'asc' },
      take: 10_000,
    });
    return {
      resolution: 'minute',
      raw: [],
      minutes: rows.map((row) => ({
        gpuUuid: row.gpuUuid, minute: row.minute.getTime(), samples: row.samples, utilizationAvg: row.utilizationAvg, utilizationMax: row.utilizationMax,
        temperatureMax: row.temperatureMax, powerAvg: row.powerAvg, memoryUsedMax: row.memoryUsedMax, energyWh: row.energyWh,
      })),
    };
  }
}
