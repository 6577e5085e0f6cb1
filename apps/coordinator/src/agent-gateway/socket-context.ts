import type { Socket } from 'socket.io';

/** What the handshake established about the agent behind a socket. */
export interface AgentIdentity {
  agentId: string;
  ownerId: string;
  ownerHandle: string;
  name: string;
}

/** Set once hello succeeded. */
export interface AgentSession {
  /** The socket that said hello (the fleet summary's tally is kept per connection). */
  socketId: string;
  runId: string;
  protocolVersion: number;
  gpuUuids: Set<string>;
}

export interface AgentSocketData {
  agent: AgentIdentity;
  session?: AgentSession;
}

export type AgentSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, AgentSocketData>;
