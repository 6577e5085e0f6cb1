import { Injectable } from '@nestjs/common';

type Listener = (agentId: string) => void;

/** In-process notice that an agent's fleet view changed (the live feed batches these). */
@Injectable()
export class FleetEvents {
  private readonly listeners = new Set<Listener>();

  changed(agentId: string): void {
    for (const listener of this.listeners) listener(agentId);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
