import { describe, expect, it } from 'vitest';
import type { AgentsService, AuthenticatedAgent } from '../agents/agents.service.js';
import { agentSocketAuth } from './agent-socket-auth.js';
import type { AgentSocket } from './socket-context.js';

const agent: AuthenticatedAgent = { id: 'agent-1', ownerId: 'owner-1', name: 'rig', ownerHandle: 'ada', tokenHash: 'f'.repeat(64) };

function socketWith(auth: Record<string, unknown>): AgentSocket {
  return { handshake: { auth }, data: {} } as unknown as AgentSocket;
}

async function admit(socket: AgentSocket, known: string | null): Promise<Error | undefined> {
  const agents = { authenticateToken: (token: string) => Promise.resolve(token === known ? agent : null) } as unknown as AgentsService;
  return new Promise((resolve) => agentSocketAuth(agents)(socket, resolve));
}

describe('agentSocketAuth', () => {
  it('admits a known token, records who the agent is, and keeps no copy of the token in the handshake', async () => {
    const socket = socketWith({ token: 'pat_secret' });
    expect(await admit(socket, 'pat_secret')).toBeUndefined();
    expect(socket.data.agent).toEqual({ agentId: 'agent-1', ownerId: 'owner-1', ownerHandle: 'ada', name: 'rig', tokenHash: 'f'.repeat(64) });
    expect(JSON.stringify(socket.handshake)).not.toContain('pat_secret');
  });

  it('refuses an unknown token with UNAUTHENTICATED, and drops it too', async () => {
    const socket = socketWith({ token: 'pat_wrong' });
    const refusal = await admit(socket, 'pat_secret');
    expect(refusal).toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
    expect(JSON.stringify(socket.handshake)).not.toContain('pat_wrong');
  });

  it('refuses a handshake without a token', async () => {
    expect(await admit(socketWith({}), 'pat_secret')).toMatchObject({ data: { code: 'UNAUTHENTICATED' } });
  });
});
