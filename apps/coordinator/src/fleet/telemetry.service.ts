import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { TelemetryHistory, TelemetryQuery } from '@potluck/protocol';
import { Worker } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PgService } from '../database/pg.service.js';
import { PrismaService } from '../database/prisma.service.js';
import { QueueService } from '../queues/queue.service.js';
import { QUEUES } from '../queues/queue-registry.js';
import { RedisService } from '../redis/redis.service.js';
import { PresenceStore } from './presence.store.js';
import { MINUTE_MS, type MinuteRollup } from './telemetry-rollup.js';

type MinuteRow = MinuteRollup & { agentId: string };
type RolledUpMark = { agentId: string; gpuUuid: string; minute: number };
type RollupWindow = Parameters<PresenceStore['completeMinutes']>[1];

const DAY_MS = 86_400_000;
/** Minutes one history answer holds at most: the newest of the range (`truncated` says when there were more). */
export const HISTORY_MINUTES_LIMIT = 10_000;
/**
 * GPUs rolled up per script call. Redis runs a script as one block, and telemetry writes wait
 * behind it: at 10,000 agents a call for 25 GPUs (~1,100 stored samples decoded and rolled up)
 * took ~2.6 ms in Redis (its slow log); 10 keep it near one millisecond.
 */
const ROLLUP_SCRIPT_GPUS = 10;
/**
 * GPUs whose minutes go to PostgreSQL in one statement (and whose marks move in one HSET).
 * One statement per script call was 1,900 statements a minute at 10,000 agents, and the
 * roll-up then ran for ~47 s of every minute.
 */
const ROLLUP_WRITE_GPUS = 100;
/**
 * The pause between two writes, at most: a roll-up is spread over up to a third of its
 * interval, so its scripts and statements come between telemetry writes instead of in one
 * burst. (When the samples were still decoded here, back to back was ~570,000 of them in a
 * second or two at 10,000 agents: dozens of young-generation collections in a row, and
 * acknowledgements held up for hundreds of ms.)
 */
const ROLLUP_MAX_PAUSE_MS = 50;
const WORKER_CLOSE_GRACE_MS = 2000;

/**
 * The roll-up's write: the minutes of up to ROLLUP_WRITE_GPUS GPUs in one prepared statement
 * (PgService; the same rows the per-minute upsert of the Prisma model wrote). At 10,000
 * agents the roll-up makes ~190 of these a minute; through Prisma's `$executeRaw` each paid
 * the client's per-query work on eighteen arrays of values.
 */
const UPSERT_MINUTES = `
  INSERT INTO "TelemetryMinute" ("agentId", "gpuUuid", "minute", "samples",
    "utilizationMin", "utilizationAvg", "utilizationMax", "temperatureMin", "temperatureAvg", "temperatureMax",
    "powerMin", "powerAvg", "powerMax", "memoryUsedMin", "memoryUsedAvg", "memoryUsedMax", "energyWh", "coveredSeconds")
  SELECT "agentId", "gpuUuid", to_timestamp("minuteMs" / 1000.0), "samples",
    "utilizationMin", "utilizationAvg", "utilizationMax", "temperatureMin", "temperatureAvg", "temperatureMax",
    "powerMin", "powerAvg", "powerMax", "memoryUsedMin", "memoryUsedAvg", "memoryUsedMax", "energyWh", "coveredSeconds"
  FROM unnest($1::uuid[], $2::text[], $3::float8[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[],
    $10::float8[], $11::float8[], $12::float8[], $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::float8[], $18::float8[])
  AS input("agentId", "gpuUuid", "minuteMs", "samples",
    "utilizationMin", "utilizationAvg", "utilizationMax", "temperatureMin", "temperatureAvg", "temperatureMax",
    "powerMin", "powerAvg", "powerMax", "memoryUsedMin", "memoryUsedAvg", "memoryUsedMax", "energyWh", "coveredSeconds")
  ON CONFLICT ("agentId", "gpuUuid", "minute") DO UPDATE SET
    "samples" = EXCLUDED."samples",
    "utilizationMin" = EXCLUDED."utilizationMin", "utilizationAvg" = EXCLUDED."utilizationAvg", "utilizationMax" = EXCLUDED."utilizationMax",
    "temperatureMin" = EXCLUDED."temperatureMin", "temperatureAvg" = EXCLUDED."temperatureAvg", "temperatureMax" = EXCLUDED."temperatureMax",
    "powerMin" = EXCLUDED."powerMin", "powerAvg" = EXCLUDED."powerAvg", "powerMax" = EXCLUDED."powerMax",
    "memoryUsedMin" = EXCLUDED."memoryUsedMin", "memoryUsedAvg" = EXCLUDED."memoryUsedAvg", "memoryUsedMax" = EXCLUDED."memoryUsedMax",
    "energyWh" = EXCLUDED."energyWh", "coveredSeconds" = EXCLUDED."coveredSeconds"`;

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
    private readonly pg: PgService,
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

  /**
   * Writes every complete minute still in the raw history; returns how many rows were written.
   * GPUs are handled ROLLUP_WRITE_GPUS at a time: a script call per ROLLUP_SCRIPT_GPUS of them
   * for their complete minutes, then one INSERT … ON CONFLICT for those minutes and one HSET for
   * their new marks.
   */
  async rollup(now: number): Promise<number> {
    const maxGapMs = this.config.POTLUCK_TELEMETRY_INTERVAL_MS * 3;
    const historySpan = this.config.POTLUCK_TELEMETRY_HISTORY_SAMPLES * this.config.POTLUCK_TELEMETRY_INTERVAL_MS;
    // A silent GPU's last minute waits this long for samples its agent may have buffered; it
    // must close while the GPU is still among the active ones (those seen within the history's span).
    const window = { now, maxGapMs, expectedIntervalMs: this.config.POTLUCK_TELEMETRY_INTERVAL_MS, silentCloseMs: Math.max(maxGapMs, Math.floor(historySpan / 2)) };
    const gpus = await this.presence.activeGpus(now - historySpan);
    let written = 0;
    const writes = Math.ceil(gpus.length / ROLLUP_WRITE_GPUS);
    const pauseMs = Math.min(ROLLUP_MAX_PAUSE_MS, Math.floor(this.config.POTLUCK_TELEMETRY_ROLLUP_EVERY_MS / 3 / Math.max(1, writes)));
    for (let start = 0; start < gpus.length; start += ROLLUP_WRITE_GPUS) {
      if (start > 0) await sleep(pauseMs);
      const rows: MinuteRow[] = [];
      const marks: RolledUpMark[] = [];
      const end = Math.min(start + ROLLUP_WRITE_GPUS, gpus.length);
      for (let from = start; from < end; from += ROLLUP_SCRIPT_GPUS) {
        const part = await this.rowsAndMarks(gpus.slice(from, Math.min(from + ROLLUP_SCRIPT_GPUS, end)), window);
        rows.push(...part.rows);
        marks.push(...part.marks);
      }
      await this.upsertMinutes(rows);
      await this.presence.setRolledUpToMany(marks);
      written += rows.length;
    }
    await this.prisma.client.telemetryMinute.deleteMany({ where: { minute: { lt: new Date(now - this.config.POTLUCK_TELEMETRY_RETENTION_DAYS * DAY_MS) } } });
    return written;
  }

  /** The rows for these GPUs' complete minutes not yet rolled up (computed in Redis), and each GPU's new mark. */
  private async rowsAndMarks(chunk: readonly { agentId: string; gpuUuid: string }[], window: RollupWindow): Promise<{ rows: MinuteRow[]; marks: RolledUpMark[] }> {
    const minutesPerGpu = await this.presence.completeMinutes(chunk, window);
    const rows: MinuteRow[] = [];
    const marks: RolledUpMark[] = [];
    chunk.forEach(({ agentId, gpuUuid }, i) => {
      const complete = minutesPerGpu[i] ?? [];
      for (const minute of complete) rows.push({ agentId, ...minute });
      const last = complete.at(-1);
      if (last) marks.push({ agentId, gpuUuid, minute: last.minute + MINUTE_MS });
    });
    return { rows, marks };
  }

  /** One statement for many minutes (UPSERT_MINUTES). */
  private async upsertMinutes(rows: readonly MinuteRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <T>(value: (row: MinuteRow) => T): T[] => rows.map(value);
    await this.pg.query(UPSERT_MINUTES, [
      column((row) => row.agentId), column((row) => row.gpuUuid), column((row) => row.minute), column((row) => row.samples),
      column((row) => row.utilization?.min ?? null), column((row) => row.utilization?.avg ?? null), column((row) => row.utilization?.max ?? null),
      column((row) => row.temperature?.min ?? null), column((row) => row.temperature?.avg ?? null), column((row) => row.temperature?.max ?? null),
      column((row) => row.power?.min ?? null), column((row) => row.power?.avg ?? null), column((row) => row.power?.max ?? null),
      column((row) => row.memoryUsed?.min ?? null), column((row) => row.memoryUsed?.avg ?? null), column((row) => row.memoryUsed?.max ?? null),
      column((row) => row.energyWh), column((row) => row.coveredSeconds),
    ]);
  }

  /**
   * An agent's telemetry. Minutes come from PostgreSQL by agent, so they stay readable
   * after the agent went offline and its presence expired; raw samples are read per GPU
   * (`liveGpuUuids` from the presence, or, once it expired, the whole GPUs on record).
   */
  async history(agentId: string, liveGpuUuids: readonly string[], query: TelemetryQuery): Promise<TelemetryHistory> {
    const from = query.from ?? 0;
    const to = query.to ?? Number.MAX_SAFE_INTEGER;
    if (query.resolution === 'raw') {
      const known = liveGpuUuids.length > 0 ? liveGpuUuids : await this.recordedGpuUuids(agentId);
      const gpus = query.gpu ? known.filter((uuid) => uuid === query.gpu) : known;
      const raw = (await Promise.all(gpus.map((gpu) => this.presence.history(agentId, gpu)))).flat().filter((s) => s.at >= from && s.at <= to);
      return { resolution: 'raw', raw: raw.sort((a, b) => a.at - b.at), minutes: [], truncated: false };
    }
    // Newest first, one past the limit to tell whether the range held more; answered oldest first.
    const newest = await this.prisma.client.telemetryMinute.findMany({
      where: { agentId, ...(query.gpu ? { gpuUuid: query.gpu } : {}), minute: { gte: new Date(from), lte: new Date(Math.min(to, 8.64e15)) } },
      orderBy: [{ minute: 'desc' }, { gpuUuid: 'desc' }],
      take: HISTORY_MINUTES_LIMIT + 1,
    });
    const rows = newest.slice(0, HISTORY_MINUTES_LIMIT).reverse();
    return {
      resolution: 'minute',
      raw: [],
      truncated: newest.length > HISTORY_MINUTES_LIMIT,
      minutes: rows.map((row) => ({
        gpuUuid: row.gpuUuid, minute: row.minute.getTime(), samples: row.samples, utilizationAvg: row.utilizationAvg, utilizationMax: row.utilizationMax,
        temperatureMax: row.temperatureMax, powerAvg: row.powerAvg, memoryUsedMax: row.memoryUsedMax, energyWh: row.energyWh,
      })),
    };
  }

  /** Whole GPUs (not MIG instances) this agent reported in its hellos. */
  private async recordedGpuUuids(agentId: string): Promise<string[]> {
    const rows = await this.prisma.client.gpu.findMany({ where: { agentId, migProfile: null }, select: { deviceId: true }, orderBy: { gpuIndex: 'asc' } });
    return rows.map((row) => row.deviceId);
  }
}
