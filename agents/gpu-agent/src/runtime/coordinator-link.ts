import {
  AGENTS_NAMESPACE,
  AgentEvents,
  ControlCommandSchema,
  JobAssignmentSchema,
  JobCancelSchema,
  WhyPushSchema,
  WorkEvents,
  type AgentAck,
  type ControlCommand,
  type Hello,
  type JobAssignment,
  type JobCheckpoint,
  type JobCompleted,
  type JobFailed,
  type JobLog,
  type JobProgress,
  type WhyPush,
  type HelloResult,
  type StateReport,
  type TelemetryBatch,
  type TelemetryResult,
} from '@potluck/protocol';
import { io, type Socket } from 'socket.io-client';
import { Backoff } from './backoff.js';

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'refused';

export interface LinkEvents {
  /** Hello was accepted: the agent may send. */
  ready(result: HelloResult): void;
  /** The coordinator refused us for good (bad token, no common protocol): stop, do not retry. */
  refused(code: string, message: string): void;
  /** A remote control command; resolve when applied. */
  control(command: ControlCommand): void;
  /** An attempt offered by the coordinator; resolve true to accept it. */
  assign(assignment: JobAssignment): boolean;
  /** The coordinator asks to stop an attempt (cancelled by its builder). */
  cancel(attemptId: string, reason: string): void;
  /** The coordinator says why no waiting job came to this idle agent. */
  why?(why: WhyPush): void;
  /** Connection state changed (for status and logs). */
  state(state: LinkState, detail: string): void;
}

export interface LinkOptions {
  coordinator: string;
  token: string;
  /** Built fresh for every (re)connection: the current inventory, mode and GPU states. */
  hello(): Hello;
  ackTimeoutMs?: number;
  /** The first reconnection delay (default 1 s); each failure doubles it up to `reconnectDelayMaxMs`, ±50 %. */
  reconnectDelayMs?: number;
  /** The longest reconnection delay (default 30 s). */
  reconnectDelayMaxMs?: number;
}

/** A connection that stayed through hello this long counts as a success: the next failure starts the backoff over. */
const STABLE_CONNECTION_MS = 60_000;

/** Timeouts and transport errors surface as this, so the caller keeps the batch for a retry. */
export class NotDeliveredError extends Error {
  override name = 'NotDeliveredError';
}

/**
 * The agent's socket.io connection to `/agents`: token in the handshake, hello on every
 * (re)connection, typed acknowledgements. Reconnects with jittered exponential backoff
 * (1 s doubling to 30 s, ±50 %), except after a refusal, which is final. socket.io's manager
 * retries a lost transport by itself; the cases it leaves alone (the server refused the
 * connection with a retryable error, disconnected us, or did not answer or refused hello) go
 * through this class's own backoff, which starts over only once a connection has lasted
 * STABLE_CONNECTION_MS, so two agents sharing a token, or a coordinator that keeps dropping
 * us, meet ever longer waits instead of a fixed-rate storm.
 */
export class CoordinatorLink {
  private readonly socket: Socket;
  private readonly backoff: Backoff;
  private helloDone = false;
  private readyAt: number | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly options: LinkOptions,
    private readonly events: LinkEvents,
  ) {
    const reconnectionDelay = options.reconnectDelayMs ?? 1000;
    const reconnectionDelayMax = options.reconnectDelayMaxMs ?? 30_000;
    this.backoff = new Backoff({ minMs: reconnectionDelay, maxMs: reconnectionDelayMax, jitter: 0.5 });
    this.socket = io(`${options.coordinator.replace(/\/+$/, '')}${AGENTS_NAMESPACE}`, {
      auth: { token: options.token },
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay,
      reconnectionDelayMax,
      randomizationFactor: 0.5,
      autoConnect: false,
    });
    this.socket.on('connect', () => void this.sayHello());
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      if (error.data?.code === 'UNAUTHENTICATED') return this.refuse('UNAUTHENTICATED', error.message);
      // Refused by the server's middleware (e.g. INTERNAL: it could not check the token now): socket.io gives up on such a socket.
      if (!this.socket.active) return this.reconnectLater(`connection refused (${error.data?.code ?? 'error'}: ${error.message})`);
      this.events.state('disconnected', `coordinator unreachable (${error.message}); retrying with backoff`);
    });
    this.socket.on('disconnect', (reason) => {
      this.helloDone = false;
      if (this.stopped) return;
      this.events.state('disconnected', `disconnected (${reason})`);
      // socket.io does not reconnect by itself after a server-side disconnect.
      if (reason === 'io server disconnect') this.reconnectLater('disconnected by the coordinator');
    });
    this.socket.on(AgentEvents.control, (payload: unknown, ack?: (response: AgentAck<Record<string, never>>) => void) => {
      const parsed = ControlCommandSchema.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, error: { code: 'INVALID_PAYLOAD', message: parsed.error.message } });
      this.events.control(parsed.data);
      ack?.({ ok: true, result: {} });
    });
    this.socket.on(WorkEvents.assign, (payload: unknown, ack?: (response: AgentAck<{ accepted: boolean }>) => void) => {
      const parsed = JobAssignmentSchema.safeParse(payload);
      if (!parsed.success) return ack?.({ ok: false, error: { code: 'INVALID_PAYLOAD', message: parsed.error.message } });
      ack?.({ ok: true, result: { accepted: this.events.assign(parsed.data) } });
    });
    this.socket.on(WorkEvents.why, (payload: unknown) => {
      const parsed = WhyPushSchema.safeParse(payload);
      if (parsed.success) this.events.why?.(parsed.data);
    });
    this.socket.on(WorkEvents.cancel, (payload: unknown) => {
      const parsed = JobCancelSchema.safeParse(payload);
      if (parsed.success) this.events.cancel(parsed.data.attemptId, parsed.data.reason);
    });
  }

  start(): void {
    this.events.state('connecting', `connecting to ${this.options.coordinator}`);
    this.socket.connect();
  }

  get ready(): boolean {
    return this.socket.connected && this.helloDone;
  }

  async telemetry(batch: TelemetryBatch): Promise<AgentAck<TelemetryResult>> {
    return this.send<TelemetryResult>(AgentEvents.telemetry, batch);
  }

  async state(report: StateReport): Promise<AgentAck<{ recorded: boolean }>> {
    return this.send<{ recorded: boolean }>(AgentEvents.state, report);
  }

  async progress(report: JobProgress): Promise<AgentAck<{ recorded: boolean }>> {
    return this.send<{ recorded: boolean }>(WorkEvents.progress, report);
  }

  async checkpointSlot(attemptId: string): Promise<AgentAck<{ uploadPath: string }>> {
    return this.send<{ uploadPath: string }>(WorkEvents.checkpointSlot, { attemptId });
  }

  async checkpoint(report: JobCheckpoint): Promise<AgentAck<{ recorded: boolean }>> {
    return this.send<{ recorded: boolean }>(WorkEvents.checkpoint, report);
  }

  async completed(report: JobCompleted): Promise<AgentAck<{ recorded: boolean; duplicate: boolean }>> {
    return this.send<{ recorded: boolean; duplicate: boolean }>(WorkEvents.completed, report);
  }

  async failed(report: JobFailed): Promise<AgentAck<{ recorded: boolean }>> {
    return this.send<{ recorded: boolean }>(WorkEvents.failed, report);
  }

  async jobLog(report: JobLog): Promise<AgentAck<{ recorded: number }>> {
    return this.send<{ recorded: number }>(WorkEvents.log, report);
  }

  /** The coordinator forgot this session: introduce ourselves again on the same connection. */
  helloAgain(): void {
    if (!this.helloDone || !this.socket.connected) return;
    this.helloDone = false;
    void this.sayHello();
  }

  /** Leaves for good (graceful shutdown). */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket.disconnect();
  }

  /** Connects again after the backoff's next delay (one pending retry at a time). */
  private reconnectLater(why: string): void {
    if (this.stopped || this.retryTimer) return;
    if (this.readyAt !== null && Date.now() - this.readyAt >= STABLE_CONNECTION_MS) this.backoff.reset();
    this.readyAt = null;
    const delay = this.backoff.next();
    this.events.state('disconnected', `${why}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped && !this.socket.connected) this.socket.connect();
    }, delay);
  }

  private async send<T>(event: string, payload: unknown): Promise<AgentAck<T>> {
    if (!this.ready) throw new NotDeliveredError('not connected');
    try {
      return (await this.socket.timeout(this.options.ackTimeoutMs ?? 10_000).emitWithAck(event, payload)) as AgentAck<T>;
    } catch (error) {
      throw new NotDeliveredError(error instanceof Error ? error.message : String(error));
    }
  }

  private async sayHello(): Promise<void> {
    let ack: AgentAck<HelloResult>;
    try {
      ack = (await this.socket.timeout(this.options.ackTimeoutMs ?? 10_000).emitWithAck(AgentEvents.hello, this.options.hello())) as AgentAck<HelloResult>;
    } catch {
      if (this.stopped) return;
      this.socket.disconnect();
      return this.reconnectLater('no answer to hello');
    }
    if (!ack.ok) {
      if (ack.error.code === 'PROTOCOL_UNSUPPORTED' || ack.error.code === 'INVALID_PAYLOAD' || ack.error.code === 'UNAUTHENTICATED') return this.refuse(ack.error.code, ack.error.message);
      this.socket.disconnect();
      return this.reconnectLater(`hello refused (${ack.error.code}: ${ack.error.message})`);
    }
    this.helloDone = true;
    this.readyAt = Date.now();
    this.events.state('connected', `connected as agent ${ack.result.agentId} (protocol ${ack.result.protocolVersion})`);
    this.events.ready(ack.result);
  }

  private refuse(code: string, message: string): void {
    this.stopped = true;
    this.socket.disconnect();
    this.events.state('refused', `${code}: ${message}`);
    this.events.refused(code, message);
  }
}
