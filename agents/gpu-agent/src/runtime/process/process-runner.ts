import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_PROCESS_LINE_BYTES, ProcessJobFileSchema, type JobAssignment, type JobResult, type ProcessEvent, type ProcessJobFile, type ProcessResultEvent } from '@potluck/protocol';
import type { ProcessCommand, ProcessRuntimeConfig } from '../../config/process-config.js';
import { fetchChecked, RunFailure, type RunnerIo } from '../builtin-runner.js';
import { startChild, type ChildExit, type RunningChild } from './child.js';
import { LineSplitter } from './line-splitter.js';
import { parseEventLine } from './parse-event.js';
import { jobResultOf } from './process-result.js';

/** Malformed stdout lines quoted in the job log (the rest are counted). */
const MALFORMED_LOGGED = 5;
/** stderr lines forwarded to the job log per attempt (the coordinator keeps the last 500 anyway). */
const STDERR_LOGGED = 1000;
/** stderr lines quoted in a failure's reason. */
const STDERR_TAIL = 8;
/** Where a command finds programs when its donor sets no PATH. */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface ProcessRunOptions {
  /** The approved command's name and definition (runtime/approval.ts). */
  name: string;
  command: ProcessCommand;
  limits: Pick<ProcessRuntimeConfig, 'workDir' | 'stopGraceMs' | 'maxOutputBytes' | 'maxCheckpointBytes' | 'keepWorkDirs'>;
  /** The assigned GPUs as CUDA names them (UUIDs or indexes). */
  cudaVisibleDevices: string;
  /** How often a stop request (cancel, time limit) is looked for. */
  pollMs?: number;
}

interface Folders {
  root: string;
  inputs: string;
  output: string;
  checkpoints: string;
  tmp: string;
}

/**
 * The process runtime: downloads the attempt's inputs (checking their sha256), writes the job
 * file, runs the donor-approved command on it and turns its JSON-lines events into the same
 * coordinator messages the builtin runtime sends (docs/process-runtime.md).
 */
export async function runProcess(assignment: JobAssignment, options: ProcessRunOptions, io: RunnerIo): Promise<JobResult> {
  const started = Date.now();
  const root = join(options.limits.workDir, assignment.attemptId);
  const folders: Folders = { root, inputs: join(root, 'inputs'), output: join(root, 'output'), checkpoints: join(root, 'checkpoints'), tmp: join(root, 'tmp') };
  try {
    for (const folder of [folders.inputs, folders.output, folders.checkpoints, folders.tmp]) await mkdir(folder, { recursive: true, mode: 0o700 });
    const jobFile = await writeJobFile(assignment, folders, io);
    const run = await supervise(assignment, options, folders, jobFile, io);
    const outcome = outcomeOf(run, options.name);
    const bytes = await readFileIn(folders.output, outcome.output, options.limits.maxOutputBytes, 'OUTPUT');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const uploaded = await io.upload(assignment.uploadPath, bytes);
    if (uploaded.sha256 !== sha256) throw new RunFailure('UPLOAD_CORRUPT', 'the coordinator stored different output bytes', true);
    return jobResultOf(assignment, outcome, { sha256, bytes: bytes.length }, Date.now() - started);
  } finally {
    if (!options.limits.keepWorkDirs) await rm(root, { recursive: true, force: true });
  }
}

/** Downloads and checks every input into the attempt's folder and writes the job file the command reads. */
async function writeJobFile(assignment: JobAssignment, folders: Folders, io: RunnerIo): Promise<string> {
  const datasets: ProcessJobFile['datasets'] = [];
  for (const [index, input] of assignment.inputs.entries()) {
    const path = join(folders.inputs, `dataset-${index}.jsonl`);
    await writeFile(path, await fetchChecked(input.path, input.sha256, `dataset ${input.datasetId} v${input.version}`, io), { mode: 0o600 });
    datasets.push({ datasetId: input.datasetId, version: input.version, sha256: input.sha256, bytes: input.bytes, path });
  }
  let adapter: ProcessJobFile['adapter'] = null;
  if (assignment.adapter) {
    const path = join(folders.inputs, 'adapter');
    await writeFile(path, await fetchChecked(assignment.adapter.path, assignment.adapter.sha256, 'adapter', io), { mode: 0o600 });
    adapter = { sha256: assignment.adapter.sha256, bytes: assignment.adapter.bytes, path };
  }
  let resumeFrom: ProcessJobFile['resumeFrom'] = null;
  if (assignment.resumeFrom) {
    const path = join(folders.inputs, 'resume-checkpoint');
    await writeFile(path, await fetchChecked(assignment.resumeFrom.path, assignment.resumeFrom.sha256, `checkpoint ${assignment.resumeFrom.checkpointId}`, io), { mode: 0o600 });
    resumeFrom = { step: assignment.resumeFrom.step, sha256: assignment.resumeFrom.sha256, path };
  }
  // Parsed with its own schema, so that what the command reads is exactly the documented contract.
  const job: ProcessJobFile = ProcessJobFileSchema.parse({
    format: 'potluck-process-job/1',
    jobId: assignment.jobId,
    attemptId: assignment.attemptId,
    attemptNo: assignment.attemptNo,
    spec: assignment.spec,
    datasets,
    adapter,
    resumeFrom,
    outputDir: folders.output,
    checkpointDir: folders.checkpoints,
    maxRuntimeMs: assignment.maxRuntimeMs,
  });
  const path = join(folders.root, 'job.json');
  await writeFile(path, `${JSON.stringify(job, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** What the command did, as far as its events and exit tell. */
interface RunRecord {
  exit: ChildExit;
  stopped: boolean;
  result: ProcessResultEvent | null;
  error: Extract<ProcessEvent, { type: 'error' }> | null;
  stderrTail: string[];
}

/** Runs the command, follows its events until it exits, and stops it (TERM, then KILL) when asked to. */
async function supervise(assignment: JobAssignment, options: ProcessRunOptions, folders: Folders, jobFile: string, io: RunnerIo): Promise<RunRecord> {
  const env: Record<string, string> = {
    PATH: DEFAULT_PATH,
    HOME: folders.root,
    TMPDIR: folders.tmp,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    ...options.command.env,
    CUDA_VISIBLE_DEVICES: options.cudaVisibleDevices,
    POTLUCK_JOB_FILE: jobFile,
    POTLUCK_OUTPUT_DIR: folders.output,
    POTLUCK_CHECKPOINT_DIR: folders.checkpoints,
  };
  let child: RunningChild;
  try {
    child = startChild([...options.command.argv, jobFile], { cwd: options.command.cwd ?? folders.root, env });
  } catch (error) {
    throw new RunFailure('COMMAND_FAILED_TO_START', `${options.name}: ${(error as Error).message}`, true);
  }
  const record: Omit<RunRecord, 'exit'> = { stopped: false, result: null, error: null, stderrTail: [] };
  const events = new EventHandler(assignment, options, folders, io, record, child);
  const stdout = new LineSplitter(MAX_PROCESS_LINE_BYTES, (line) => events.line(line), () => events.malformed(`longer than ${MAX_PROCESS_LINE_BYTES} bytes`));
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stdout.on('end', () => stdout.end());
  let stderrLogged = 0;
  const stderr = new LineSplitter(MAX_PROCESS_LINE_BYTES, (line) => {
    record.stderrTail.push(line.slice(0, 300));
    if (record.stderrTail.length > STDERR_TAIL) record.stderrTail.shift();
    if (stderrLogged < STDERR_LOGGED) io.log?.('info', `stderr: ${line}`);
    else if (stderrLogged === STDERR_LOGGED) io.log?.('warn', `stderr: more than ${STDERR_LOGGED} lines; the rest is not logged`);
    stderrLogged += 1;
  }, () => undefined);
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stderr.on('end', () => stderr.end());

  let kill: NodeJS.Timeout | undefined;
  const poll = setInterval(() => {
    if (record.stopped || !io.shouldStop()) return;
    record.stopped = true;
    io.log?.('info', `stopping ${options.name} (SIGTERM, SIGKILL after ${options.limits.stopGraceMs} ms)`);
    child.signalGroup('SIGTERM');
    kill = setTimeout(() => child.signalGroup('SIGKILL'), options.limits.stopGraceMs);
  }, options.pollMs ?? 200);
  try {
    const exit = await child.closed;
    await events.drained();
    return { ...record, exit };
  } catch (error) {
    throw new RunFailure('COMMAND_FAILED_TO_START', `${options.name}: ${(error as Error).message}`, true);
  } finally {
    clearInterval(poll);
    clearTimeout(kill);
  }
}

/** The command's outcome: its result event, or the failure its events, exit or stop say. */
function outcomeOf(run: RunRecord, name: string): ProcessResultEvent {
  if (run.stopped) throw new RunFailure('CANCELLED', 'the run was stopped', false);
  if (run.error) throw new RunFailure(run.error.code, run.error.message, run.error.retryable);
  const tail = run.stderrTail.length > 0 ? `; stderr: ${run.stderrTail.join(' | ')}`.slice(0, 1500) : '';
  if (run.exit.code !== 0) throw new RunFailure('PROCESS_FAILED', `${name} exited with ${run.exit.code === null ? `signal ${run.exit.signal ?? '?'}` : `status ${run.exit.code}`}${tail}`, true);
  if (!run.result) throw new RunFailure('NO_RESULT', `${name} exited without a result event${tail}`, true);
  return run.result;
}

/**
 * Turns stdout events into coordinator messages, in order: progress (at most one a second),
 * log lines, checkpoints (uploaded while the command's stdout is paused, as the builtin
 * runtime waits for its checkpoints), and the result or error kept for the end.
 */
class EventHandler {
  private queue: Promise<void> = Promise.resolve();
  private malformedCount = 0;
  private lastProgress = 0;
  private readonly started = Date.now();

  constructor(
    private readonly assignment: JobAssignment,
    private readonly options: ProcessRunOptions,
    private readonly folders: Folders,
    private readonly io: RunnerIo,
    private readonly record: Omit<RunRecord, 'exit'>,
    private readonly child: RunningChild,
  ) {}

  line(line: string): void {
    const parsed = parseEventLine(line);
    if (parsed.ok === 'blank') return;
    if (!parsed.ok) return this.malformed(parsed.reason);
    const event = parsed.event;
    switch (event.type) {
      case 'progress': {
        const now = Date.now();
        if (now - this.lastProgress < 1000 && event.step < event.totalSteps) return;
        this.lastProgress = now;
        const perStep = (now - this.started) / Math.max(1, event.step);
        const etaMs = event.etaMs ?? Math.round(perStep * Math.max(0, event.totalSteps - event.step));
        this.io.progress({ attemptId: this.assignment.attemptId, step: event.step, totalSteps: event.totalSteps, tokens: event.tokens, loss: event.loss, learningRate: event.learningRate, flops: event.flops, etaMs });
        return;
      }
      case 'log':
        this.io.log?.(event.level, event.message);
        return;
      case 'checkpoint':
        this.child.stdout.pause();
        this.queue = this.queue
          .then(async () => {
            const bytes = await readFileIn(this.folders.checkpoints, event.file, this.options.limits.maxCheckpointBytes, 'CHECKPOINT');
            await this.io.saveCheckpoint(event.step, event.tokens, bytes);
          })
          .catch((error: unknown) => this.io.log?.('warn', `checkpoint ${event.file} at step ${event.step} not stored: ${(error as Error).message}`))
          .finally(() => this.child.stdout.resume());
        return;
      case 'result':
        if (this.record.result) return this.malformed('a second result event');
        this.record.result = event;
        return;
      case 'error':
        this.record.error ??= event;
        return;
    }
  }

  malformed(reason: string): void {
    this.malformedCount += 1;
    if (this.malformedCount <= MALFORMED_LOGGED) this.io.log?.('warn', `stdout line skipped (${reason})`);
  }

  /** Waits for the checkpoints still uploading and logs how many lines were skipped. */
  async drained(): Promise<void> {
    await this.queue;
    if (this.malformedCount > MALFORMED_LOGGED) this.io.log?.('warn', `${this.malformedCount} malformed stdout lines skipped in all`);
  }
}

/**
 * Reads a file the command wrote into one of its folders: a plain name (the schema allows no
 * slashes), a regular file (a symbolic link is not followed), at most `maxBytes`.
 */
async function readFileIn(folder: string, name: string, maxBytes: number, what: 'OUTPUT' | 'CHECKPOINT'): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(join(folder, name), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw new RunFailure(`${what}_MISSING`, `${name}: ${(error as NodeJS.ErrnoException).code === 'ELOOP' ? 'a symbolic link, not a file' : (error as Error).message}`, true);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new RunFailure(`${what}_MISSING`, `${name} is not a regular file`, true);
    if (stat.size > maxBytes) throw new RunFailure(`${what}_TOO_LARGE`, `${name} has ${stat.size} bytes; the donor allows at most ${maxBytes}`, false);
    if (stat.size === 0) throw new RunFailure(`${what}_MISSING`, `${name} is empty`, true);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
