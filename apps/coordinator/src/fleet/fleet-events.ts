import { Injectable } from '@nestjs/common';

type Listener = (agentId: string) => void;

/**
 * In-process notices about agents. `changed`: its fleet view changed (the live feed
 * batches these). `sampled`: it sent telemetry and nothing else in its view changed (the
 * live feed sends just its latest samples, from memory; this is the frequent one). `freed`:
 * it may be able to take work now (hello, state report, work finished) — the dispatcher
 * listens to this one. `jobsCreated`: another coordinator process created jobs (the gateway
 * relays its announcement), so this process's idle agents should be asked too.
 */
@Injectable()
export class FleetEvents {
  private readonly changedListeners = new Set<Listener>();
  private readonly sampledListeners = new Set<Listener>();
  private readonly freedListeners = new Set<Listener>();
  private readonly jobsCreatedListeners = new Set<(count: number) => void>();

  changed(agentId: string): void {
    for (const listener of this.changedListeners) listener(agentId);
  }

  sampled(agentId: string): void {
    for (const listener of this.sampledListeners) listener(agentId);
  }

  freed(agentId: string): void {
    for (const listener of this.freedListeners) listener(agentId);
  }

  subscribe(listener: Listener): () => void {
    this.changedListeners.add(listener);
    return () => this.changedListeners.delete(listener);
  }

  subscribeSampled(listener: Listener): () => void {
    this.sampledListeners.add(listener);
    return () => this.sampledListeners.delete(listener);
  }

  jobsCreated(count: number): void {
    for (const listener of this.jobsCreatedListeners) listener(count);
  }

  subscribeJobsCreated(listener: (count: number) => void): () => void {
    this.jobsCreatedListeners.add(listener);
    return () => this.jobsCreatedListeners.delete(listener);
  }

  subscribeFreed(listener: Listener): () => void {
    this.freedListeners.add(listener);
    return () => this.freedListeners.delete(listener);
  }
}
