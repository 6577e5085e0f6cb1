import { Injectable } from '@nestjs/common';

type Listener = (agentId: string) => void;

/**
 * In-process notices about agents. `changed`: its fleet view changed (the live feed
 * batches these; telemetry fires it often). `freed`: it may be able to take work now
 * (hello, state report, work finished) — the dispatcher listens to this one only.
 */
@Injectable()
export class FleetEvents {
  private readonly changedListeners = new Set<Listener>();
  private readonly freedListeners = new Set<Listener>();

  changed(agentId: string): void {
    for (const listener of this.changedListeners) listener(agentId);
  }

  freed(agentId: string): void {
    for (const listener of this.freedListeners) listener(agentId);
  }

  subscribe(listener: Listener): () => void {
    this.changedListeners.add(listener);
    return () => this.changedListeners.delete(listener);
  }

  subscribeFreed(listener: Listener): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }
}
