import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  MAX_TELEMETRY_BATCH,
  PROTOCOL_VERSION,
  type ControlCommand,
  type GpuInventory,
  type GpuProcess,
  type GpuStatus,
  type HandedBackCode,
  type JobAssignment,
  type JobCompleted,
  type JobFailed,
  type Hello,
  type LocalDrainBody,
  type LocalPauseBody,
  type LocalResumeBody,
  type LocalStatus,
  type WhyPush,
  type StateReport,
  type TelemetrySample,
  withinTelemetryRanges,
} from '@potluck/protocol';
import { decideAvailability, initialMemory, type AvailabilityDecision, type AvailabilityMemory, type DonorControls, type GpuObservation } from '../availability/index.js';
import type { AgentConfig } from '../config/agent-config.js';
import { AGENT_VERSION } from '../version.js';
import { applyRemote, drain, emptyControls, pause, resume, withoutExpired, type ControlOrigin } from './controls.js';
import { CoordinatorLink, NotDeliveredError, type LinkState } from './coordinator-link.js';
import type { GpuSource } from './gpu-source.js';
import { SampleBuffer } from './sample-buffer.js';
import { RunFailure } from './builtin-runner.js';
import { offeredProcessCommands } from './approval.js';
import { runAttempt } from './run-attempt.js';
import { JobLogBuffer } from './job-log.js';
import { describeResult } from './describe-result.js';
import { isOwnProcess } from './own-processes.js';
import { Backoff } from './backoff.js';
import { parseSimulatedFaults, withFaults } from './fault-injection.js';

export interface AgentLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Why the agent stopped on its own (the process exits with the matching status). */
export type AgentStop = { kind: 'refused'; code: string; message: string };

/** The attempt this agent runs. */
interface RunningAttempt {
  assignment: JobAssignment;
  /** Set to stop it (cancelled, past its time limit, handed back). */
  stop: boolean;
  /**
   * Why it is handed back (the agent shuts down, or the donor's rules took one of its GPUs
   * back): it stores where it got to, and the attempt fails as retryable with this code, so
   * the coordinator queues the job again and it resumes from that step.
   */
  handBack: { code: HandedBackCode; message: string } | null;
  /** When it expects to finish (ms since epoch), from its latest progress. */
  etaAt: number | null;
  /** Settles once its outcome was reported (or given up on). */
  done: Promise<void>;
}

/**
 * Of a graceful stop's deadline, the part kept for stopping a running attempt (storing its
 * checkpoint, reporting it), at most: before that the attempt may finish on its own.
 */
const STOP_RESERVE_MS = 10_000;

/** What a donor's rules make of a GPU that takes it back from running work (all but busy, available and draining, which lets work finish). */
const RECLAIMED: ReadonlySet<GpuStatus['availability']> = new Set(['disabled', 'paused', 'outside-schedule', 'yielding', 'over-temperature', 'over-power']);

/**
 * The running agent: samples the GPUs every tick, decides what the donor allows, reports
 * every change with its reason, and streams telemetry through a bounded buffer that
 * survives disconnections and coordinator restarts.
 */
export class Agent {
  private readonly runId = randomBytes(12).toString('base64url');
  private readonly buffer: SampleBuffer;
  private readonly link: CoordinatorLink;
  private readonly startedAt = Date.now();
  /** Null until `start` has read it (a start that failed there still shuts down cleanly). */
  private inventory: GpuInventory | null = null;
  private controls: DonorControls = emptyControls();
  private memory: AvailabilityMemory = initialMemory();
  private decision: AvailabilityDecision | null = null;
  private lastReported: string | null = null;
  private intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private inflight: { seq: number; samples: TelemetrySample[]; dropped: number; upTo: number } | null = null;
  private flushing: Promise<void> | null = null;
  private agentId: string | null = null;
  private connection: { state: LinkState; detail: string } = { state: 'connecting', detail: '' };
  private stopListener: ((stop: AgentStop) => void) | null = null;
  /** Load our own work puts on each GPU (by index), for availability and simulation. */
  private readonly loads = new Map<number, number>();
  private current: RunningAttempt | null = null;
  /** The coordinator's latest "why no job?" while this agent was idle. */
  private why: WhyPush | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly source: GpuSource,
    private readonly log: AgentLog,
    private readonly clock: () => number = Date.now,
  ) {
    this.buffer = new SampleBuffer(config.bufferSamples);
    this.intervalMs = config.telemetryIntervalMs;
    this.link = new CoordinatorLink(
      { coordinator: config.coordinator, token: config.token, hello: () => this.hello() },
      {
        ready: (result) => {
          this.agentId = result.agentId;
          this.setInterval(result.telemetryIntervalMs);
          this.lastReported = null; // the new connection gets the current state
          void this.reportState();
          void this.flush();
        },
        refused: (code, message) => this.stopListener?.({ kind: 'refused', code, message }),
        control: (command) => this.applyRemoteControl(command),
        assign: (assignment) => this.accept(assignment),
        why: (why) => {
          this.why = why;
        },
        cancel: (attemptId, reason) => {
          if (this.current?.assignment.attemptId !== attemptId) return;
          this.current.stop = true;
          this.log.info(`job ${this.current.assignment.jobId}: stopping (${reason})`);
        },
        state: (state, detail) => {
          if (state !== this.connection.state || state === 'refused') this.log.info(`coordinator: ${detail}`);
          this.connection = { state, detail };
        },
      },
    );
  }

  /** Reads the inventory, takes a first sample and connects. */
  async start(onStop: (stop: AgentStop) => void): Promise<void> {
    this.stopListener = onStop;
    this.inventory = await this.source.inventory();
    await this.tick();
    this.link.start();
    this.setInterval(this.intervalMs);
  }

  /**
   * Graceful stop within `deadlineMs`: drain (take nothing new) and report it; let a running
   * attempt finish if it can before the last STOP_RESERVE_MS (or a third of the deadline),
   * else stop it there, storing where it got to so another donor resumes from that step;
   * flush the telemetry that fits; leave.
   */
  async shutdown(reason: string, deadlineMs: number): Promise<void> {
    const deadline = this.clock() + deadlineMs;
    this.controls = drain(this.controls, reason, this.clock());
    if (this.inventory) await this.tick();
    const running = this.current;
    if (running) {
      const reserve = Math.min(STOP_RESERVE_MS, Math.floor(deadlineMs / 3));
      if (!(await settlesWithin(running.done, deadline - reserve - this.clock()))) {
        this.log.info(`job ${running.assignment.jobId}: stopping it for the shutdown; another donor resumes it from its last checkpoint`);
        running.handBack = { code: 'AGENT_SHUTDOWN', message: "stopped because the donor's agent is shutting down; another donor resumes from the last checkpoint" };
        running.stop = true;
        await settlesWithin(running.done, deadline - this.clock());
      }
    }
    if (this.timer) clearInterval(this.timer);
    await settlesWithin(this.flush(), deadline - this.clock());
    this.link.stop();
  }

  pause(body: LocalPauseBody, origin: ControlOrigin = 'donor'): LocalStatus {
    this.controls = pause(this.controls, body, origin, this.clock());
    return this.afterControl();
  }

  resume(body: LocalResumeBody): LocalStatus {
    this.controls = resume(this.controls, body.gpu);
    return this.afterControl();
  }

  drain(body: LocalDrainBody): LocalStatus {
    this.controls = drain(this.controls, body.reason ? `drain requested by donor: ${body.reason}` : 'drain requested by donor', this.clock());
    return this.afterControl();
  }

  status(): LocalStatus {
    const decision = this.decision;
    return {
      agentId: this.agentId,
      coordinator: this.config.coordinator,
      connection: this.connection.state,
      connectionDetail: this.connection.detail,
      simulated: this.source.simulated,
      mode: decision?.mode ?? 'active',
      reason: decision?.reason ?? 'starting',
      drainEta: this.drainEta(),
      gpus: (decision?.gpus ?? []).map((gpu) => ({ ...gpu, name: this.gpus.find((g) => g.index === gpu.index)?.name ?? '' })),
      buffer: { samples: this.buffer.size, capacity: this.buffer.capacity, droppedTotal: this.buffer.dropped },
      startedAt: this.startedAt,
      why: this.current ? null : this.why,
    };
  }

  /** Takes an offered attempt when nothing runs and its GPUs are free here too. */
  private accept(assignment: JobAssignment): boolean {
    if (this.current || this.controls.drain) return false;
    const indexes = assignment.deviceIds.map((id) => this.gpus.find((gpu) => (gpu.uuid ?? `gpu-${gpu.index}`) === id)?.index);
    const free = indexes.every((index) => index !== undefined && this.decision?.gpus.find((gpu) => gpu.index === index)?.availability === 'available');
    if (!free) return false;
    const current: RunningAttempt = { assignment, stop: false, handBack: null, etaAt: null, done: Promise.resolve() };
    this.current = current;
    this.why = null;
    for (const index of indexes) if (index !== undefined) this.loads.set(index, 1);
    this.log.info(`job ${assignment.jobId}: attempt ${assignment.attemptNo} started on ${assignment.deviceIds.join(', ')}${assignment.resumeFrom ? `, resuming from step ${assignment.resumeFrom.step}` : ''}`);
    current.done = this.run(current, indexes.filter((index): index is number => index !== undefined));
    return true;
  }

  /** While draining: when the running attempt expects to finish, else now (nothing to wait for). Null when not draining. */
  private drainEta(): number | null {
    if (!this.controls.drain) return null;
    return this.current?.etaAt ?? this.clock();
  }

  private async run(current: RunningAttempt, indexes: number[]): Promise<void> {
    const { assignment } = current;
    const base = this.config.coordinator.replace(/\/+$/, '');
    const logs = new JobLogBuffer(assignment.attemptId, (batch) => this.link.jobLog(batch));
    // The attempt's time limit: the coordinator ends it too; stopping here frees the GPU even if that message is lost.
    const deadline = this.clock() + assignment.maxRuntimeMs;
    let timedOut = false;
    let report: { completed: JobCompleted } | { failed: JobFailed };
    logs.add('info', `attempt ${assignment.attemptNo} started on ${assignment.deviceIds.join(', ')}`);
    try {
      const result = await runAttempt(assignment, this.config, {
        download: async (path) => {
          const response = await fetch(`${base}${path}`);
          if (!response.ok) throw new RunFailure('INPUT_UNAVAILABLE', `download failed: HTTP ${response.status}`, true);
          return new Uint8Array(await response.arrayBuffer());
        },
        upload: async (path, bytes) => {
          const response = await fetch(`${base}${path}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
          if (!response.ok) throw new RunFailure('UPLOAD_FAILED', `upload failed: HTTP ${response.status}`, true);
          return (await response.json()) as { sha256: string; bytes: number };
        },
        progress: (progress) => {
          current.etaAt = progress.etaMs === null ? null : this.clock() + progress.etaMs;
          void this.link.progress(progress).catch(() => undefined); // progress is best effort; the result is not
        },
        saveCheckpoint: async (step, tokens, bytes) => {
          // Best effort too: a checkpoint that cannot be stored now only means a successor starts further back.
          try {
            const slot = await this.link.checkpointSlot(assignment.attemptId);
            if (!slot.ok) return;
            const response = await fetch(`${base}${slot.result.uploadPath}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
            if (!response.ok) return;
            const stored = (await response.json()) as { sha256: string; bytes: number };
            const ack = await this.link.checkpoint({ attemptId: assignment.attemptId, step, tokens, sha256: stored.sha256, bytes: stored.bytes });
            if (ack.ok) {
              this.log.info(`job ${assignment.jobId}: checkpoint at step ${step} stored`);
              logs.add('info', `checkpoint at step ${step} stored`);
            }
          } catch (error) {
            this.log.warn(`job ${assignment.jobId}: checkpoint at step ${step} not stored: ${(error as Error).message}`);
            logs.add('warn', `checkpoint at step ${step} not stored: ${(error as Error).message}`);
          }
        },
        shouldStop: () => {
          if (!current.stop && this.clock() > deadline) {
            timedOut = true;
            current.stop = true;
          }
          return current.stop;
        },
        checkpointOnStop: () => current.handBack !== null,
        log: (level, message) => logs.add(level, message),
      });
      report = { completed: { attemptId: assignment.attemptId, result: withFaults(result, parseSimulatedFaults(this.config.simulateFault)) } };
      this.log.info(`job ${assignment.jobId}: done, ${describeResult(result)}`);
      logs.add('info', `done, ${describeResult(result)}`);
    } catch (error) {
      let failure = error instanceof RunFailure ? error : new RunFailure('RUNTIME_ERROR', (error as Error).message, true);
      if (timedOut && failure.code === 'CANCELLED') failure = new RunFailure('TIME_LIMIT', `the attempt ran longer than its limit of ${Math.round(assignment.maxRuntimeMs / 1000)} s`, false);
      else if (current.handBack && failure.code === 'CANCELLED') failure = new RunFailure(current.handBack.code, current.handBack.message, true);
      report = { failed: { attemptId: assignment.attemptId, code: failure.code, message: failure.message, retryable: failure.retryable } };
      this.log.warn(`job ${assignment.jobId}: failed: ${failure.code} ${failure.message}`);
      logs.add('error', `failed: ${failure.code} ${failure.message}`);
    } finally {
      for (const index of indexes) this.loads.delete(index);
    }
    await logs.close();
    await this.deliver(report);
    this.current = null;
  }

  /** The outcome must reach the coordinator: retried (with backoff) across disconnections. */
  private async deliver(report: { completed: JobCompleted } | { failed: JobFailed }): Promise<void> {
    const backoff = new Backoff({ minMs: 500, maxMs: 30_000, jitter: 0 });
    for (let attempt = 0; attempt < 60; attempt += 1) {
      try {
        const ack = 'completed' in report ? await this.link.completed(report.completed) : await this.link.failed(report.failed);
        if (ack.ok || ack.error.code !== 'HELLO_REQUIRED') return;
        this.link.helloAgain();
      } catch (error) {
        if (!(error instanceof NotDeliveredError)) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
    }
    this.log.warn('gave up reporting a job outcome after repeated failures');
  }

  private applyRemoteControl(command: ControlCommand): void {
    this.controls = applyRemote(this.controls, command, this.clock());
    this.log.info(`remote control: ${command.command} (${command.reason})`);
    this.afterControl();
  }

  private afterControl(): LocalStatus {
    this.decide(this.lastObservations);
    void this.reportState();
    return this.status();
  }

  private lastObservations: GpuObservation[] = [];
  /** The last compute-process reading that worked: a reading that fails changes nothing (it neither yields a GPU nor starts its cool-down). */
  private lastProcesses: GpuProcess[] | null = null;

  private setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), ms);
  }

  /** One sampling period: read, decide, report changes, buffer and send. */
  private async tick(): Promise<void> {
    const now = this.clock();
    let samples: TelemetrySample[] = [];
    try {
      const [read, running] = await Promise.all([this.source.sample(now, this.loads), this.source.processes()]);
      // A reading no GPU can give (a broken sensor, a driver glitch) goes out as null: the coordinator would refuse the whole batch.
      samples = read.map(withinTelemetryRanges);
      if (running) this.lastProcesses = running;
    } catch (error) {
      this.log.warn(`could not read the GPUs: ${(error as Error).message}`);
    }
    this.lastObservations = this.observe(samples, this.lastProcesses);
    this.decide(this.lastObservations);
    await this.reportState();
    this.buffer.push(samples);
    await this.flush();
  }

  private observe(samples: readonly TelemetrySample[], processes: readonly GpuProcess[] | null): GpuObservation[] {
    return this.gpus.map((gpu) => {
      const deviceId = gpu.uuid ?? `gpu-${gpu.index}`;
      const sample = samples.find((s) => s.gpuUuid === deviceId);
      const others = (processes ?? []).filter((p) => (p.gpuUuid === deviceId || (p.gpuUuid === null && p.gpuIndex === gpu.index)) && !isOwnProcess(p.pid, process.pid));
      return {
        index: gpu.index,
        deviceId,
        temperatureC: sample?.temperatureC ?? null,
        powerDrawW: sample?.powerDrawW ?? null,
        otherProcesses: others.map((p) => ({ pid: p.pid, name: p.name })),
        busy: (this.loads.get(gpu.index) ?? 0) > 0,
      };
    });
  }

  private decide(observations: GpuObservation[]): void {
    const now = this.clock();
    const decision = decideAvailability({
      policy: this.config.policy,
      controls: this.controls,
      gpus: observations,
      memory: this.memory,
      now,
      utcOffsetMinutes: -new Date(now).getTimezoneOffset(),
    });
    this.memory = decision.memory;
    this.controls = withoutExpired(this.controls, decision.expired);
    this.decision = decision;
    this.handBackIfReclaimed(decision);
  }

  /**
   * The donor's machine stays theirs: when a rule takes back a GPU the running attempt uses
   * (a pause, the schedule, another program, a cap), the attempt stops there, keeping where it
   * got to, rather than run on until it ends. (Draining lets it finish.)
   */
  private handBackIfReclaimed(decision: AvailabilityDecision): void {
    const running = this.current;
    if (!running || running.stop) return;
    const taken = decision.gpus.find((gpu) => (this.loads.get(gpu.index) ?? 0) > 0 && RECLAIMED.has(gpu.availability));
    if (!taken) return;
    const { reason } = withoutPrivateDetail(taken); // the attempt's end reason is shown to the job's builder
    running.handBack = { code: 'GPU_RECLAIMED', message: `GPU ${taken.index} was taken back by its donor (${taken.availability}: ${reason}); the job resumes from its last checkpoint` };
    running.stop = true;
    this.log.info(`job ${running.assignment.jobId}: stopping it, GPU ${taken.index} is ${taken.availability}; the job resumes from where it got to`);
  }

  /** Sends the current state when it differs from what the coordinator last heard. */
  private async reportState(): Promise<void> {
    const decision = this.decision;
    if (!decision) return;
    const report: StateReport = { at: this.clock(), mode: decision.mode, reason: decision.reason, gpus: decision.gpus.map(withoutPrivateDetail), drainEta: this.drainEta() };
    const fingerprint = JSON.stringify({ mode: report.mode, reason: report.reason, gpus: report.gpus });
    if (fingerprint === this.lastReported) return;
    if (this.lastReported !== null || this.connection.state === 'connected') this.log.info(`state: ${describe(decision)}`);
    if (!this.link.ready) return;
    try {
      const ack = await this.link.state(report);
      if (ack.ok) this.lastReported = fingerprint;
      else if (ack.error.code === 'HELLO_REQUIRED') this.link.helloAgain();
      else this.log.warn(`state report refused: ${ack.error.code} ${ack.error.message}`);
    } catch (error) {
      if (!(error instanceof NotDeliveredError)) throw error;
    }
  }

  /** Sends buffered samples in order, one batch in flight; a batch is resent unchanged until acknowledged. */
  private flush(): Promise<void> {
    // `finally` runs in a later microtask, after the assignment, even when there is nothing to send.
    this.flushing ??= this.flushLoop().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async flushLoop(): Promise<void> {
    while (this.buffer.size > 0 && this.link.ready) {
      if (!(await this.flushOnce())) break;
    }
  }

  private async flushOnce(): Promise<boolean> {
    if (!this.inflight) {
      const { samples, upTo } = this.buffer.take(MAX_TELEMETRY_BATCH);
      if (samples.length === 0) return false;
      this.inflight = { seq: this.seq, samples, dropped: this.buffer.takeDropped(), upTo };
    }
    const batch = this.inflight;
    let ack;
    try {
      ack = await this.link.telemetry({ seq: batch.seq, samples: batch.samples, dropped: batch.dropped });
    } catch (error) {
      if (error instanceof NotDeliveredError) return false; // kept in flight, resent as is
      throw error;
    }
    if (!ack.ok && ack.error.code === 'HELLO_REQUIRED') {
      this.link.helloAgain(); // the coordinator lost our session (Redis restarted, presence expired)
      return false;
    }
    if (!ack.ok && (ack.error.code === 'RATE_LIMITED' || ack.error.code === 'INTERNAL')) return false;
    if (!ack.ok) this.log.warn(`telemetry batch ${batch.seq} refused and dropped: ${ack.error.code} ${ack.error.message}`);
    this.buffer.acknowledge(batch.upTo);
    this.inflight = null;
    this.seq += 1;
    return true;
  }

  /** The GPUs of the inventory read at start (none before). */
  private get gpus(): GpuInventory['gpus'] {
    return this.inventory?.gpus ?? [];
  }

  private hello(): Hello {
    const decision = this.decision;
    if (!this.inventory) throw new Error('hello before the inventory was read'); // the link starts only after it
    return {
      agentVersion: AGENT_VERSION,
      runId: this.runId,
      protocolVersions: [PROTOCOL_VERSION],
      host: { hostname: hostname(), os: process.platform, arch: process.arch },
      simulated: this.source.simulated,
      // Which programs run on the donor's GPUs stays on the donor's machine, as in every state report.
      inventory: { ...this.inventory, processes: null },
      runtimes: this.config.policy.runtimes,
      processCommands: offeredProcessCommands(this.config),
      policy: this.config.policy,
      mode: decision?.mode ?? 'active',
      gpus: (decision?.gpus ?? []).map(withoutPrivateDetail),
    };
  }
}

/** Whether `promise` settles within `ms` (it is not cancelled when it does not). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), false);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The fleet is public: which program a donor runs (and its pid) stays on the donor's
 * machine (`potluck-agent status` shows it); the coordinator hears only that one does.
 */
function withoutPrivateDetail(gpu: GpuStatus): GpuStatus {
  return gpu.availability === 'yielding' ? { ...gpu, reason: 'another program is using this GPU' } : gpu;
}

function describe(decision: AvailabilityDecision): string {
  const gpus = decision.gpus.map((gpu) => `GPU ${gpu.index} ${gpu.availability}${gpu.reason && gpu.reason !== gpu.availability ? ` (${gpu.reason})` : ''}`).join(', ');
  return `${decision.mode}${decision.reason && decision.reason !== decision.mode ? ` — ${decision.reason}` : ''}; ${gpus}`;
}
