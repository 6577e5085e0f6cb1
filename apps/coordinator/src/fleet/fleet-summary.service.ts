import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { FleetSummarySchema, type FleetSummary } from '@potluck/protocol';
import { z } from 'zod';
import { AgentRevocations } from '../agents/agent-revocations.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RedisService } from '../redis/redis.service.js';
import { addSummary, LocalFleetTally } from './local-tally.js';

/** How often each process refreshes its part in Redis, even when nobody asks for the summary. */
const PUBLISH_EVERY_MS = 5_000;
/** Local agents summed per turn of the event loop (LocalFleetTally.summary): ~1 ms each at 10,000 agents. */
const AGENTS_PER_TURN = 1_000;
/** A part older than this belongs to a process that stopped: it is left out and removed. */
const PART_MAX_AGE_MS = 15_000;

const PartSchema = z.object({ at: z.number(), summary: FleetSummarySchema });

/**
 * The live fleet summary across coordinator processes. Each process sums the agents whose
 * sockets it holds (LocalFleetTally, in memory) and keeps that part in one Redis hash, field
 * per process; the summary is this process's part now plus the other processes' latest
 * parts (at most PUBLISH_EVERY_MS old). One small round trip, whatever the fleet's size.
 */
@Injectable()
export class FleetSummaryService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('FleetSummary');
  readonly local = new LocalFleetTally();
  private readonly processId = randomUUID();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly redis: RedisService,
    private readonly revocations: AgentRevocations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get partsKey(): string {
    return this.redis.key('fleet', 'summary-parts');
  }

  onModuleInit(): void {
    this.unsubscribe = this.revocations.subscribe((agentIds) => this.local.forget(agentIds));
    this.timer = setInterval(() => {
      this.publish(Date.now()).catch((error: unknown) => this.logger.warn({ err: error }, 'could not publish this process\'s fleet summary part'));
    }, PUBLISH_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.redis.client.hdel(this.partsKey, this.processId).catch(() => undefined); // its agents reconnect elsewhere
  }

  /** This process's part at `now`, summed a part of its agents per turn of the event loop. */
  private mine(now: number): Promise<FleetSummary> {
    return this.local.summary(now, { unhealthyAfterMs: this.config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, offlineAfterMs: this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS }, AGENTS_PER_TURN);
  }

  /** Refreshes this process's part in Redis (the timer: nobody reads the others' parts here). */
  private async publish(now: number): Promise<void> {
    await this.redis.client.hset(this.partsKey, this.processId, JSON.stringify({ at: now, summary: await this.mine(now) }));
  }

  /** The whole fleet's summary at `now`: this process's part, refreshed in Redis, plus the others'. */
  async summary(now = Date.now()): Promise<FleetSummary> {
    const mine = await this.mine(now);
    const replies = await this.redis.client.multi().hset(this.partsKey, this.processId, JSON.stringify({ at: now, summary: mine })).hgetall(this.partsKey).exec();
    const parts = (replies?.[1]?.[1] ?? {}) as Record<string, string>;
    const total = { ...mine };
    const stale: string[] = [];
    for (const [processId, raw] of Object.entries(parts)) {
      if (processId === this.processId) continue;
      const part = PartSchema.safeParse(safeJson(raw));
      if (!part.success || part.data.at < now - PART_MAX_AGE_MS) stale.push(processId);
      else addSummary(total, part.data.summary);
    }
    if (stale.length > 0) await this.redis.client.hdel(this.partsKey, ...stale);
    return total;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
