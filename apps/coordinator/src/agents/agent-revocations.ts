import { Injectable } from '@nestjs/common';

type Listener = (agentIds: readonly string[]) => void;

/**
 * Tells the socket layer that agents lost their right to be connected (token revoked
 * or rotated, owner disabled), so live connections close at once instead of at the
 * next handshake. Keeps AgentsService free of any dependency on the gateway.
 */
@Injectable()
export class AgentRevocations {
  private readonly listeners = new Set<Listener>();

  revoked(agentIds: readonly string[]): void {
    if (agentIds.length === 0) return;
    for (const listener of this.listeners) listener(agentIds);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
