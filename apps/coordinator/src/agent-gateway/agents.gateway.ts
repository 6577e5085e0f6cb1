import { Inject, Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { AGENTS_NAMESPACE, AgentEvents, WorkEvents, type AgentAck, type ControlCommand, type JobAssignment, type JobCancel, type WhyPush } from '@potluck/protocol';
import type { Namespace } from 'socket.io';
import { AgentRevocations } from '../agents/agent-revocations.js';
import { AgentsService } from '../agents/agents.service.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { agentSocketAuth } from './agent-socket-auth.js';
import { AgentSessionService, fail } from './agent-session.service.js';
import type { AgentIdentity, AgentSocket } from './socket-context.js';
import { TokenBucket } from './token-bucket.js';
import { WorkService } from '../work/work.service.js';

/** How long a connected agent may take to say hello. */
const HELLO_DEADLINE_MS = 10_000;
/** Rate-limited messages in a row after which the connection is closed. */
const MAX_REFUSED_IN_A_ROW = 50;

type Ack = (response: AgentAck<unknown>) => void;
type MessageHandler = (socket: AgentSocket, payload: unknown) => Promise<AgentAck<unknown>>;

type SocketListener = (this: AgentSocket, first: unknown, second: unknown) => void;

/** A listener socket.io calls with the socket as `this`: one function serves every socket. */
function sharedListener(handle: (socket: AgentSocket, first: unknown, second: unknown) => void): SocketListener {
  return function (this: AgentSocket, first: unknown, second: unknown) {
    handle(this, first, second);
  };
}

function disconnectWithoutHello(socket: AgentSocket): void {
  if (!socket.data.session) socket.disconnect(true);
}

const DISCONNECT_REASONS: Record<string, string> = {
  'transport close': 'connection lost',
  'transport error': 'connection lost',
  'ping timeout': 'no answer to pings',
  'client namespace disconnect': 'agent disconnected',
  'server namespace disconnect': 'disconnected by the coordinator',
  'server shutting down': 'coordinator restarting',
};

/** Server-to-server event (socket.io's serverSideEmit over the Redis adapter): jobs were created on another process. */
const NEW_JOBS_EVENT = 'potluck:jobs-created';

/**
 * The `/agents` namespace. Thin: authentication in the handshake, then each event is
 * rate-limited, handed to AgentSessionService and answered with its typed ack. A
 * handler never throws into socket.io; a message without an ack callback is ignored.
 */
@WebSocketGateway({ namespace: AGENTS_NAMESPACE })
export class AgentsGateway implements OnGatewayInit<Namespace> {
  private readonly logger = new Logger('AgentsGateway');
  private namespace: Namespace | null = null;

  constructor(
    private readonly agents: AgentsService,
    private readonly sessions: AgentSessionService,
    private readonly work: WorkService,
    revocations: AgentRevocations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: FleetEvents,
  ) {
    // Across processes: the Redis adapter reaches the agent's room wherever it is connected.
    revocations.subscribe((agentIds) => {
      for (const agentId of agentIds) this.namespace?.in(`agent:${agentId}`).disconnectSockets(true);
    });
  }

  /** Agents whose socket (with a finished hello) lives in this process. */
  private readonly local = new Map<string, AgentSocket>();

  isLocal(agentId: string): boolean {
    return this.local.has(agentId);
  }

  localAgentIds(): string[] {
    return [...this.local.keys()];
  }

  /** Tells the agent (on whichever coordinator holds it) to stop an attempt. */
  cancel(agentId: string, cancel: JobCancel): void {
    this.namespace?.to(`agent:${agentId}`).emit(WorkEvents.cancel, cancel);
  }

  /** Tells an idle agent on this process why no waiting job came to it (shown in `potluck-agent status`). */
  why(agentId: string, why: WhyPush): void {
    (this.local.get(agentId) as { emit(event: string, payload: WhyPush): boolean } | undefined)?.emit(WorkEvents.why, why);
  }

  /** Offers an attempt to the agent on this process's socket; true when it accepted. */
  async assign(agentId: string, assignment: JobAssignment): Promise<boolean> {
    const socket = this.local.get(agentId);
    if (!socket) return false;
    try {
      const ack = (await socket.timeout(10_000).emitWithAck(WorkEvents.assign as never, assignment)) as AgentAck<{ accepted: boolean }>;
      return ack.ok && ack.result.accepted;
    } catch {
      return false; // no answer in time: treated as declined, the job goes back to the queue
    }
  }

  /** Tells the other coordinator processes that jobs were created (committed), so their idle agents are asked too. */
  announceNewJobs(count: number): void {
    this.namespace?.serverSideEmit(NEW_JOBS_EVENT, count);
  }

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    namespace.use(agentSocketAuth(this.agents));
    namespace.on('connection', (socket: AgentSocket) => this.onConnection(socket));
    // From another process's announceNewJobs (through the Redis adapter; never from a client).
    namespace.on(NEW_JOBS_EVENT, (count: unknown) => {
      if (typeof count === 'number' && Number.isInteger(count) && count > 0) this.events.jobsCreated(count);
    });
  }

  /** Sends a control command to the agent wherever it is connected; true when it acknowledged it as applied (`{ ok: true }`). */
  async control(agentId: string, command: ControlCommand): Promise<boolean> {
    if (!this.namespace) return false;
    try {
      const acks = (await this.namespace.to(`agent:${agentId}`).timeout(5000).emitWithAck(AgentEvents.control, command)) as unknown[];
      return acks.some((ack) => typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true);
    } catch {
      return false; // not connected, or no answer in time: reported to the caller as not delivered
    }
  }

  /**
   * Every event's listener, shared by all sockets (per-connection state lives in
   * `socket.data`): at 10,000 agents, a closure per socket and event was tens of MB of the
   * heap that every full collection marks.
   */
  private readonly listeners: readonly (readonly [event: string, listener: SocketListener])[] = this.messageHandlers().map(
    ([event, handler]) => [event, sharedListener((socket, payload, ack) => this.receive(socket, event, handler, payload, ack))] as const,
  );

  private readonly disconnectListener = sharedListener((socket, reason) => this.disconnected(socket, String(reason)));

  private disconnected(socket: AgentSocket, reason: string): void {
    clearTimeout(socket.data.limits.helloTimer);
    const identity = socket.data.agent;
    if (this.local.get(identity.agentId) === socket) this.local.delete(identity.agentId);
    if (!socket.data.session) return;
    this.sessions
      .disconnected(identity, socket.id, DISCONNECT_REASONS[reason] ?? reason)
      .catch((error: unknown) => this.logger.error({ err: error, agentId: identity.agentId }, 'could not record a disconnect'));
  }

  private onConnection(socket: AgentSocket): void {
    void socket.join(`agent:${socket.data.agent.agentId}`);
    const now = Date.now();
    socket.data.limits = {
      bucket: new TokenBucket(this.config.POTLUCK_SOCKET_MESSAGES_PER_SECOND, this.config.POTLUCK_SOCKET_MESSAGES_PER_SECOND * 2, now),
      refusedInARow: 0,
      helloTimer: setTimeout(disconnectWithoutHello, HELLO_DEADLINE_MS, socket),
    };
    for (const [event, listener] of this.listeners) socket.on(event as never, listener as never);
    socket.on('disconnect', this.disconnectListener);
  }

  /**
   * One message: rate-limited, handled, answered with its typed ack. A message without an ack
   * callback is ignored, but it counts against the rate like any other (a flood of them closes
   * the connection too).
   */
  private receive(socket: AgentSocket, event: string, handler: MessageHandler, payload: unknown, ack: unknown): void {
    const reply = typeof ack === 'function' ? (ack as Ack) : null;
    const limits = socket.data.limits;
    if (!limits.bucket.take(Date.now())) {
      limits.refusedInARow += 1;
      reply?.(fail('RATE_LIMITED', `At most ${this.config.POTLUCK_SOCKET_MESSAGES_PER_SECOND} messages per second; this one was dropped.`));
      if (limits.refusedInARow >= MAX_REFUSED_IN_A_ROW) socket.disconnect(true);
      return;
    }
    limits.refusedInARow = 0;
    if (!reply) return;
    handler(socket, payload).then(reply, (error: unknown) => {
      this.logger.error({ err: error, agentId: socket.data.agent.agentId, event }, 'agent message failed');
      reply(fail('INTERNAL', 'The coordinator failed to handle this message; it was not stored.'));
    });
  }

  /** What each agent event does, by event name. */
  private messageHandlers(): [string, MessageHandler][] {
    const afterHello =
      (handle: (identity: AgentIdentity, payload: unknown) => Promise<AgentAck<unknown>>): MessageHandler =>
      async (socket, payload) =>
        socket.data.session ? handle(socket.data.agent, payload) : fail('HELLO_REQUIRED', 'Say hello first.');
    return [
      [AgentEvents.hello, (socket, payload) => this.hello(socket, payload)],
      [
        AgentEvents.telemetry,
        async (socket, payload) => {
          const session = socket.data.session;
          if (!session) return fail('HELLO_REQUIRED', 'Say hello before sending telemetry.');
          return this.sessions.telemetry(socket.data.agent, session, payload);
        },
      ],
      [
        AgentEvents.state,
        async (socket, payload) => {
          if (!socket.data.session) return fail('HELLO_REQUIRED', 'Say hello before reporting state.');
          return this.sessions.state(socket.data.agent, socket.id, payload);
        },
      ],
      [WorkEvents.progress, afterHello((identity, payload) => this.work.progress(identity, payload))],
      [WorkEvents.completed, afterHello((identity, payload) => this.work.completed(identity, payload))],
      [WorkEvents.checkpointSlot, afterHello((identity, payload) => this.work.checkpointSlot(identity, payload))],
      [WorkEvents.checkpoint, afterHello((identity, payload) => this.work.checkpoint(identity, payload))],
      [WorkEvents.failed, afterHello((identity, payload) => this.work.failed(identity, payload))],
      [WorkEvents.log, afterHello((identity, payload) => this.work.log(identity, payload))],
    ];
  }

  private async hello(socket: AgentSocket, payload: unknown): Promise<AgentAck<unknown>> {
    const identity = socket.data.agent;
    const { ack, session } = await this.sessions.hello(identity, socket.id, payload, () => socket.connected);
    if (session && !socket.connected) {
      // The connection closed while hello was under way (hello deadline, the agent gave up, a
      // revocation): its disconnect found no session to end, so end the one just recorded
      // here, and leave the agent's other connections alone.
      await this.sessions.disconnected(identity, socket.id, 'disconnected during hello');
    } else if (session) {
      socket.data.session = session;
      clearTimeout(socket.data.limits.helloTimer);
      socket.data.limits.helloTimer = undefined;
      await this.replaceOlderConnections(identity.agentId, socket.id);
      // A disconnect while the older connections were replaced ended the session already.
      if (socket.connected) {
        this.local.set(identity.agentId, socket);
        this.events.freed(identity.agentId); // only now can this process's dispatcher reach it (the session's notice came before)
      }
    } else if (!ack.ok && (ack.error.code === 'PROTOCOL_UNSUPPORTED' || ack.error.code === 'UNAUTHENTICATED')) {
      setTimeout(() => socket.disconnect(true), 100);
    }
    return ack;
  }

  /** One live connection per agent: a second process with the same token replaces the first. */
  private async replaceOlderConnections(agentId: string, keepSocketId: string): Promise<void> {
    if (!this.namespace) return;
    const sockets = await this.namespace.in(`agent:${agentId}`).fetchSockets();
    for (const older of sockets) if (older.id !== keepSocketId) older.disconnect(true);
  }
}
