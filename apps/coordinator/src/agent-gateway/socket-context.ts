import type { Socket } from 'socket.io';
import type { TokenBucket } from './token-bucket.js';

/** What the handshake established about the agent behind a socket. */
export interface AgentIdentity {
  agentId: string;
  ownerId: string;
  ownerHandle: string;
  name: string;
  /** The SHA-256 of the token the connection was made with (not the secret itself). */
  tokenHash: string;
}

/** Set once hello succeeded. */
export interface AgentSession {
  /** The socket that said hello (the fleet summary's tally is kept per connection). */
  socketId: string;
  runId: string;
  protocolVersion: number;
  gpuUuids: Set<string>;
}

/** Per connection: its message budget and hello deadline (set on connection). */
export interface ConnectionLimits {
  bucket: TokenBucket;
  /** Rate-limited messages in a row (the connection closes after too many). */
  refusedInARow: number;
  /** Until hello succeeded (then dropped: a cleared timer would stay on the heap with its socket argument for the connection's life). */
  helloTimer: NodeJS.Timeout | undefined;
}

export interface AgentSocketData {
  agent: AgentIdentity;
  session?: AgentSession;
  limits: ConnectionLimits;
}

export type AgentSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, AgentSocketData>;
