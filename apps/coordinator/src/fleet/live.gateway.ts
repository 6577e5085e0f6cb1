import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { LIVE_NAMESPACE, LiveEvents, type FleetChanges } from '@potluck/protocol';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { FleetEvents } from './fleet-events.js';
import { FleetService } from './fleet.service.js';

/** Most agents in one push; the rest go in the next. */
const MAX_AGENTS_PER_PUSH = 200;
/** The summary is recomputed every this many pushes. */
const SUMMARY_EVERY_PUSHES = 5;
/** Live connections one client address may hold. */
const MAX_CONNECTIONS_PER_ADDRESS = 20;

/**
 * The public `/live` namespace for dashboards: read-only, no credentials needed (the
 * fleet is public; hostnames are never sent). Changes are batched and pushed at most
 * every POTLUCK_LIVE_THROTTLE_MS, so a thousand busy agents cannot flood a browser.
 */
@WebSocketGateway({ namespace: LIVE_NAMESPACE })
export class LiveGateway implements OnGatewayInit<Namespace>, OnModuleDestroy {
  private readonly logger = new Logger('LiveGateway');
  private readonly dirty = new Set<string>();
  private readonly perAddress = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pushes = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly fleet: FleetService,
    private readonly events: FleetEvents,
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

  private async push(namespace: Namespace): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty].slice(0, MAX_AGENTS_PER_PUSH);
    for (const id of ids) this.dirty.delete(id);
    const agents = await this.fleet.viewsByIds(ids);
    this.pushes += 1;
    const summary = this.pushes % SUMMARY_EVERY_PUSHES === 1 ? await this.fleet.summary() : null;
    const changes: FleetChanges = { agents, summary };
    namespace.emit(LiveEvents.fleetChanges, changes);
  }
}
