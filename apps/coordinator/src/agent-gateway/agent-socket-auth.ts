import type { AgentsService } from '../agents/agents.service.js';
import type { AgentSocket } from './socket-context.js';

type Next = (error?: Error) => void;

/** An Error socket.io sends to the client as `connect_error` with its `data`. */
function refusal(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}

/**
 * Handshake middleware: the socket reaches `connection` only with a live agent token
 * (`auth: { token }`). Unknown, revoked or malformed tokens are refused with
 * UNAUTHENTICATED, which the agent treats as final (no retry storm). The token is read once
 * and dropped from the handshake, so no connection holds an agent's secret in memory.
 */
export function agentSocketAuth(agents: AgentsService) {
  return (socket: AgentSocket, next: Next): void => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : null;
    // socket.io keeps the handshake for the connection's life: the secret is not kept with it.
    socket.handshake.auth = {};
    if (!token) return next(refusal('UNAUTHENTICATED', 'An agent token is required (auth.token).'));
    agents
      .authenticateToken(token)
      .then((agent) => {
        if (!agent) return next(refusal('UNAUTHENTICATED', 'This agent token is unknown or revoked. Create a new one with POST /api/v1/agents.'));
        socket.data.agent = { agentId: agent.id, ownerId: agent.ownerId, ownerHandle: agent.ownerHandle, name: agent.name, tokenHash: agent.tokenHash };
        next();
      })
      .catch((error: unknown) => next(Object.assign(refusal('INTERNAL', 'The coordinator could not check the token; retry later.'), { cause: error })));
  };
}
