import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { LIVE_NAMESPACE, LiveEvents, type FleetAgent, type FleetAgentSamples, type FleetChanges } from '@potluck/protocol';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { FleetEvents } from './fleet-events.js';
import { FleetService } from './fleet.service.js';
import { PresenceStore } from './presence.store.js';

/** Most agents sent as whole views in one push; the rest go in the next. */
const MAX_AGENTS_PER_PUSH = 200;
/**
 * Most agents sent as their latest samples in one push; the rest go in the next. An update is
 * an agent's samples alone, a fraction of its view's size, and is built from memory.
 */
const MAX_SAMPLED_PER_PUSH = 500;
/** A push is sent as messages of at most this many views, with a turn of the event loop between them. */
const AGENTS_PER_MESSAGE = 50;
/** …and of at most this many agents' samples. */
const SAMPLED_PER_MESSAGE = 100;
/** The summary is recomputed every this many pushes. */
const SUMMARY_EVERY_PUSHES = 5;
/** Live connections one client address may hold. */
const MAX_CONNECTIONS_PER_ADDRESS = 20;

/**
 * The public `/live` namespace for dashboards: read-only, no credentials needed (the
 * fleet is public; hostnames are never sent). Changes are batched and pushed at most every
 * POTLUCK_LIVE_THROTTLE_MS, so a thousand busy agents cannot flood a browser. An agent whose
 * view changed (hello, state, disconnect, back from silence) goes out as its whole view, read
 * from PostgreSQL and Redis; an agent that only sent telemetry, the frequent case, goes out
 * as its latest samples from this process's memory: building 200 views a second from reads
 * made about half of the old generation's growth at 10,000 agents (docs/performance.md).
 * Agents that fall silent send nothing, so each tick also looks for agents whose last
 * message just crossed the unhealthy or offline threshold and pushes them too.
 */
@WebSocketGateway({ namespace: LIVE_NAMESPACE })
export class LiveGateway implements OnGatewayInit<Namespace>, OnModuleDestroy {
  private readonly logger = new Logger('LiveGateway');
  /** Agents to push as whole views. */
  private readonly changed = new Set<string>();
  /** Agents to push as their latest samples (never also in `changed`: a view carries its samples). */
  private readonly sampled = new Set<string>();
  private readonly perAddress = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pushes = 0;
  private silenceCheckedAt = Date.now();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly fleet: FleetService,
    private readonly events: FleetEvents,
    private readonly presence: PresenceStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(namespace: Namespace): void {
    namespace.use((socket: Socket, next) => {
      const address = socket.handshake.address;
      const count = this.perAddress.get(address) ?? 0;
      if (count >= MAX_CONNECTIONS_PER_ADDRESS) return next(Object.assign(new Error('Too many live connections from this address.'), { data: { code: 'RATE_LIMITED' } }));
      this.perAddress.set(address, count + 1);
      socket.on('disconnect', () => {
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left <= 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
      });
      next();
    });
    this.unsubscribe.push(
      this.events.subscribe((agentId) => this.viewChanged(agentId)),
      this.events.subscribeSampled((agentId) => this.samplesChanged(agentId)),
    );
    this.timer = setInterval(() => {
      this.push(namespace).catch((error: unknown) => this.logger.error({ err: error }, 'live push failed'));
    }, this.config.POTLUCK_LIVE_THROTTLE_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private viewChanged(agentId: string): void {
    this.changed.add(agentId);
    this.sampled.delete(agentId);
  }

  /** Only its samples changed: a pending whole view already carries them. */
  private samplesChanged(agentId: string): void {
    if (!this.changed.has(agentId)) this.sampled.add(agentId);
  }

  /** Marks agents whose silence crossed a status threshold since the last check. */
  private async markFallenSilent(now: number): Promise<void> {
    const since = this.silenceCheckedAt;
    this.silenceCheckedAt = now;
    for (const threshold of [this.config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS]) {
      for (const agentId of await this.presence.lastSeenBetween(since - threshold, now - threshold)) this.viewChanged(agentId);
    }
  }

  private async push(namespace: Namespace): Promise<void> {
    await this.markFallenSilent(Date.now());
    if (this.changed.size === 0 && this.sampled.size === 0) return;
    const viewIds = takeFirst(this.changed, MAX_AGENTS_PER_PUSH);
    const sampledIds = takeFirst(this.sampled, MAX_SAMPLED_PER_PUSH);
    this.pushes += 1;
    let summary = this.pushes % SUMMARY_EVERY_PUSHES === 1 ? await this.fleet.summary() : null;
    // The summary, when due, rides on the first message.
    const send = (agents: FleetAgent[], samples: FleetAgentSamples[]): void => {
      namespace.emit(LiveEvents.fleetChanges, { agents, samples, summary } satisfies FleetChanges);
      summary = null;
    };
    // Each message is sent as soon as it is built, with a turn of the event loop between two.
    await this.fleet.viewsByIdsInParts(viewIds, AGENTS_PER_MESSAGE, (agents) => send(agents, []));
    for (let start = 0; start < sampledIds.length; start += SAMPLED_PER_MESSAGE) {
      if (start > 0 || viewIds.length > 0) await nextTurn();
      const samples = this.fleet.latestSamples(sampledIds.slice(start, start + SAMPLED_PER_MESSAGE));
      if (samples.length > 0) send([], samples);
    }
    if (summary) send([], []);
  }
}

/** Removes and returns the first `count` members of the set: those waiting longest. */
function takeFirst(set: Set<string>, count: number): string[] {
  const taken: string[] = [];
  for (const member of set) {
    if (taken.length === count) break;
    taken.push(member);
  }
  for (const member of taken) set.delete(member);
  return taken;
}
