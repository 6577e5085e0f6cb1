import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { LIVE_NAMESPACE, LiveEvents, type FleetChanges } from '@potluck/protocol';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { FleetEvents } from './fleet-events.js';
import { FleetService } from './fleet.service.js';
import { PresenceStore } from './presence.store.js';

/** Most agents in one push; the rest go in the next. */
const MAX_AGENTS_PER_PUSH = 200;
/** A push is sent as messages of at most this many agents, with a turn of the event loop between them. */
const AGENTS_PER_MESSAGE = 50;
/** The summary is recomputed every this many pushes. */
const SUMMARY_EVERY_PUSHES = 5;
/** Live connections one client address may hold. */
const MAX_CONNECTIONS_PER_ADDRESS = 20;

/**
 * The public `/live` namespace for dashboards: read-only, no credentials needed (the
 * fleet is public; hostnames are never sent). Changes are batched and pushed at most
 * every POTLUCK_LIVE_THROTTLE_MS, so a thousand busy agents cannot flood a browser.
 * Agents that fall silent send nothing, so each tick also looks for agents whose last
 * message just crossed the unhealthy or offline threshold and pushes them too.
 */
@WebSocketGateway({ namespace: LIVE_NAMESPACE })
export class LiveGateway implements OnGatewayInit<Namespace>, OnModuleDestroy {
  private readonly logger = new Logger('LiveGateway');
  private readonly dirty = new Set<string>();
  private readonly perAddress = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pushes = 0;
  private silenceCheckedAt = Date.now();
  private unsubscribe: (() => void) | null = null;

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
    this.unsubscribe = this.events.subscribe((agentId) => this.dirty.add(agentId));
    this.timer = setInterval(() => {
      this.push(namespace).catch((error: unknown) => this.logger.error({ err: error }, 'live push failed'));
    }, this.config.POTLUCK_LIVE_THROTTLE_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Marks agents whose silence crossed a status threshold since the last check. */
  private async markFallenSilent(now: number): Promise<void> {
    const since = this.silenceCheckedAt;
    this.silenceCheckedAt = now;
    for (const threshold of [this.config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS]) {
      for (const agentId of await this.presence.lastSeenBetween(since - threshold, now - threshold)) this.dirty.add(agentId);
    }
  }

  private async push(namespace: Namespace): Promise<void> {
    await this.markFallenSilent(Date.now());
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty].slice(0, MAX_AGENTS_PER_PUSH);
    for (const id of ids) this.dirty.delete(id);
    this.pushes += 1;
    let summary = this.pushes % SUMMARY_EVERY_PUSHES === 1 ? await this.fleet.summary() : null;
    // A push goes out as messages of at most AGENTS_PER_MESSAGE agents, each sent as soon as it is built.
    await this.fleet.viewsByIdsInParts(ids, AGENTS_PER_MESSAGE, (agents) => {
      const changes: FleetChanges = { agents, summary };
      namespace.emit(LiveEvents.fleetChanges, changes);
      summary = null;
    });
    if (summary) namespace.emit(LiveEvents.fleetChanges, { agents: [], summary } satisfies FleetChanges);
  }
}
