/** A fake of the runners' I/O (runtime/builtin-runner.ts `RunnerIo`) and assignments for runner tests. */
import { createHash } from 'node:crypto';
import { JobAssignmentSchema, type JobAssignment, type JobProgress } from '@potluck/protocol';
import type { RunnerIo } from '../runtime/builtin-runner.js';

export const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const transferPath = (name: string) => `/api/v1/transfer/${name.padEnd(24, 'x')}`;
export const jsonl = (rows: unknown[]) => Buffer.from(`${rows.map((row) => JSON.stringify(row)).join('\n')}\n`, 'utf8');

export interface FakeRunnerIo extends RunnerIo {
  uploads: Map<string, Uint8Array>;
  reports: JobProgress[];
  logs: string[];
  checkpoints: { step: number; tokens: number; bytes: Uint8Array }[];
  /** Set to make `shouldStop` answer true (a cancel). */
  stop: boolean;
}

/** Files by transfer path; uploads, progress, log lines and checkpoints are kept. */
export function fakeIo(files: Record<string, Uint8Array>): FakeRunnerIo {
  const io: FakeRunnerIo = {
    uploads: new Map(),
    reports: [],
    logs: [],
    checkpoints: [],
    stop: false,
    download: async (p) => files[p] ?? Promise.reject(new Error(`no file at ${p}`)),
    upload: (p, bytes) => {
      io.uploads.set(p, bytes);
      return Promise.resolve({ sha256: sha(bytes), bytes: bytes.length });
    },
    progress: (p) => void io.reports.push(p),
    saveCheckpoint: (step, tokens, bytes) => {
      io.checkpoints.push({ step, tokens, bytes });
      return Promise.resolve();
    },
    shouldStop: () => io.stop,
    log: (_level, message) => void io.logs.push(message),
  };
  return io;
}

/** An assignment of `spec` reading `data` as its one input. */
export function assignmentOf(spec: unknown, data: Uint8Array, extra: Partial<JobAssignment> = {}): JobAssignment {
  return JobAssignmentSchema.parse({
    attemptId: '00000000-0000-4000-8000-000000000001',
    jobId: '00000000-0000-4000-8000-000000000002',
    attemptNo: 1,
    spec,
    deviceIds: ['GPU-0'],
    leaseMs: 60_000,
    inputs: [{ datasetId: '00000000-0000-4000-8000-000000000003', version: 1, sha256: sha(data), bytes: data.length, path: transferPath('input') }],
    uploadPath: transferPath('output'),
    ...extra,
  });
}
