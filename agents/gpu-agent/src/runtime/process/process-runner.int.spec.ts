import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobAssignment } from '@potluck/protocol';
import { sampleChatRows } from '@potluck/trainer';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveAgentConfig } from '../../config/agent-config.js';
import { assignmentOf, fakeIo, jsonl, sha, transferPath } from '../../testing/runner-io.js';
import { runAttempt } from '../run-attempt.js';

/** Real child processes: the reference toy trainer and small misbehaving commands written here. */
const TOY = fileURLToPath(new URL('../../../../../examples/process-runtime/toy-trainer.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'potluck-process-runner-'));
const workDir = join(scratch, 'jobs');

function script(name: string, source: string): string {
  const path = join(scratch, name);
  writeFileSync(path, source);
  return path;
}

const config = resolveAgentConfig(
  {
    coordinator: 'http://localhost:3000',
    token: `pat_${'a'.repeat(43)}`,
    policy: { runtimes: ['builtin', 'process'] },
    process: {
      workDir,
      stopGraceMs: 500,
      maxOutputBytes: 4 * 1024 * 1024,
      maxCheckpointBytes: 2 * 1024 * 1024,
      commands: {
        toy: { argv: [process.execPath, TOY] },
        // Prints its environment as a log line, garbage on stdout and stderr, then a result for a file it never wrote.
        noisy: {
          argv: [process.execPath, script('noisy.mjs', `
            const emit = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
            emit({ type: 'log', message: 'env ' + JSON.stringify(process.env) });
            emit({ type: 'log', message: 'args ' + JSON.stringify(process.argv.slice(2)) });
            process.stdout.write('progress 50%\\n' + 'x'.repeat(70000) + '\\n{"type":"progress","step":"one"}\\n');
            for (let i = 0; i < 20; i += 1) process.stderr.write('warning ' + i + '\\n');
            emit({ type: 'result', output: 'missing.bin', metrics: {} });`)],
          env: { DONOR_SETTING: 'kept' },
        },
        missing: { argv: ['/nonexistent/potluck-test-program'] },
        crash: { argv: [process.execPath, script('crash.mjs', `console.error('CUDA out of memory'); process.exit(3);`)] },
        silent: { argv: [process.execPath, script('silent.mjs', `process.stdout.write('{"type":"log","message":"done?"}\\n');`)] },
        refuse: { argv: [process.execPath, script('refuse.mjs', `process.stdout.write('{"type":"error","code":"UNSUPPORTED_MODEL","message":"not mine","retryable":false}\\n'); process.exit(1);`)] },
        // Ignores SIGTERM and starts a grandchild in its group that ignores it too; both must die.
        stubborn: {
          argv: [process.execPath, script('stubborn.mjs', `
            import { spawn } from 'node:child_process';
            process.on('SIGTERM', () => undefined);
            const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => undefined); setInterval(() => undefined, 1000)"], { stdio: 'ignore' });
            process.stdout.write(JSON.stringify({ type: 'log', message: 'pids ' + process.pid + ' ' + child.pid }) + '\\n');
            setInterval(() => undefined, 1000);`)],
        },
        // A checkpoint and an output over the donor's limits.
        big: { argv: [process.execPath, script('big.mjs', `
            import { readFileSync, writeFileSync } from 'node:fs';
            const job = JSON.parse(readFileSync(process.argv.at(-1), 'utf8'));
            const emit = (e) => process.stdout.write(JSON.stringify(e) + '\\n');
            writeFileSync(job.checkpointDir + '/step-1.bin', Buffer.alloc(3 * 1024 * 1024));
            emit({ type: 'checkpoint', file: 'step-1.bin', step: 1, tokens: 1 });
            emit({ type: 'log', message: 'still running after the checkpoint' });
            writeFileSync(job.outputDir + '/adapter.bin', Buffer.alloc(4 * 1024 * 1024 + 1));
            emit({ type: 'result', output: 'adapter.bin', metrics: {} });`)] },
        linker: { argv: [process.execPath, script('linker.mjs', `
            import { symlinkSync } from 'node:fs';
            const job = JSON.parse((await import('node:fs')).readFileSync(process.argv.at(-1), 'utf8'));
            symlinkSync('/etc/hostname', job.outputDir + '/adapter.json');
            process.stdout.write(JSON.stringify({ type: 'result', output: 'adapter.json', metrics: {} }) + '\\n');`)] },
      },
    },
  },
  {},
  {},
);

afterAll(() => {
  expect(existsSync(workDir) ? readdirSync(workDir) : []).toEqual([]); // every attempt's folder is removed
});

const rows = sampleChatRows(160, 5);
const data = jsonl(rows);
const dataset = { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 };
const fineTune = { kind: 'fine-tune', baseModel: 'potluck-toy-bigram-v1', datasets: [dataset], hyperparameters: { steps: 30, batchSize: 4, learningRate: 0.1, warmupSteps: 2 }, checkpointEvery: 10 };
const processJob = (command: string, spec: unknown = fineTune, extra: Partial<JobAssignment> = {}) => assignmentOf(spec, data, { runtime: 'process', command, ...extra });

describe('the process runtime with real commands', () => {
  it('runs the toy trainer: progress, checkpoints, the adapter uploaded with its sha256; resumed from a checkpoint it ends with the same adapter', async () => {
    const io = fakeIo({ [transferPath('input')]: data });
    const result = await runAttempt(processJob('toy'), config, io);
    expect(result).toMatchObject({ kind: 'fine-tune', steps: 30 });
    if (result.kind !== 'fine-tune') throw new Error('not a fine-tune');
    expect(result.heldOutLoss).toBeLessThan(result.baseHeldOutLoss - 1);
    expect(result.trainLossLast).toBeLessThan(result.trainLossFirst);
    const adapter = io.uploads.get(transferPath('output'));
    expect(adapter && sha(adapter)).toBe(result.adapterSha256);
    expect(io.checkpoints.map((c) => c.step)).toEqual([10, 20]);
    expect(io.reports.at(-1)).toMatchObject({ step: 30, totalSteps: 30, etaMs: 0 });
    expect(io.logs.some((line) => line.startsWith('toy-trainer pid'))).toBe(true);

    const checkpoint = io.checkpoints[0]?.bytes ?? new Uint8Array();
    const resumeFrom = { checkpointId: '00000000-0000-4000-8000-000000000005', step: 10, sha256: sha(checkpoint), path: transferPath('checkpoint') };
    const resumedIo = fakeIo({ [transferPath('input')]: data, [transferPath('checkpoint')]: checkpoint });
    const resumed = await runAttempt(processJob('toy', fineTune, { resumeFrom }), config, resumedIo);
    expect(resumed.kind === 'fine-tune' && resumed.adapterSha256).toBe(result.adapterSha256);
    expect(resumedIo.logs).toContain('resuming from step 10');

    const evalIo = fakeIo({ [transferPath('input')]: data, [transferPath('adapter')]: adapter ?? new Uint8Array() });
    const evaluated = await runAttempt(processJob('toy', { kind: 'eval', baseModel: 'potluck-toy-bigram-v1', dataset }, { adapter: { sha256: result.adapterSha256, bytes: result.adapterBytes, path: transferPath('adapter') } }), config, evalIo);
    expect(evaluated).toMatchObject({ kind: 'eval', loss: result.heldOutLoss, adapterSha256: result.adapterSha256 });
    expect(evaluated.kind === 'eval' && evaluated.tokenAccuracy).toBeGreaterThan(0.2);
  }, 30_000);

  it('passes the job file as the last argument and a minimal environment (nothing of the agent\'s), skips malformed lines, logs stderr, and fails when the named output is missing', async () => {
    process.env.POTLUCK_AGENT_TOKEN = 'pat_secret_of_the_agent';
    const io = fakeIo({ [transferPath('input')]: data });
    try {
      await expect(runAttempt(processJob('noisy'), config, io)).rejects.toMatchObject({ code: 'OUTPUT_MISSING', retryable: true });
    } finally {
      delete process.env.POTLUCK_AGENT_TOKEN;
    }
    const env = JSON.parse(io.logs.find((line) => line.startsWith('env '))?.slice(4) ?? '{}') as Record<string, string>;
    const folder = join(workDir, '00000000-0000-4000-8000-000000000001');
    expect(Object.keys(env).sort()).toEqual(['CUDA_VISIBLE_DEVICES', 'DONOR_SETTING', 'HOME', 'LANG', 'PATH', 'POTLUCK_CHECKPOINT_DIR', 'POTLUCK_JOB_FILE', 'POTLUCK_OUTPUT_DIR', 'PYTHONUNBUFFERED', 'TMPDIR']);
    expect(env).toMatchObject({ CUDA_VISIBLE_DEVICES: 'GPU-0', DONOR_SETTING: 'kept', POTLUCK_JOB_FILE: join(folder, 'job.json'), POTLUCK_OUTPUT_DIR: join(folder, 'output'), HOME: folder });
    expect(io.logs).toContain(`args ${JSON.stringify([join(folder, 'job.json')])}`);
    expect(io.logs.filter((line) => line.startsWith('stdout line skipped'))).toEqual([
      'stdout line skipped (not JSON)',
      'stdout line skipped (longer than 65536 bytes)',
      'stdout line skipped (step: Invalid input: expected number, received string)',
    ]);
    expect(io.logs.filter((line) => line.startsWith('stderr: warning'))).toHaveLength(20);
  });

  it.each([
    ['crash', 'PROCESS_FAILED', true, /exited with status 3; stderr: CUDA out of memory/],
    ['silent', 'NO_RESULT', true, /exited without a result event/],
    ['refuse', 'UNSUPPORTED_MODEL', false, /not mine/],
    ['linker', 'OUTPUT_MISSING', true, /symbolic link/],
    ['missing', 'COMMAND_FAILED_TO_START', true, /ENOENT/],
  ])('fails the attempt of %s with %s', async (command, code, retryable, message) => {
    await expect(runAttempt(processJob(command), config, fakeIo({ [transferPath('input')]: data }))).rejects.toMatchObject({ code, retryable, message: expect.stringMatching(message) });
  });

  it('bounds checkpoint and output sizes: a checkpoint over the limit is skipped with a warning, an output over it fails the attempt', async () => {
    const io = fakeIo({ [transferPath('input')]: data });
    await expect(runAttempt(processJob('big'), config, io)).rejects.toMatchObject({ code: 'OUTPUT_TOO_LARGE', retryable: false, message: 'adapter.bin has 4194305 bytes; the donor allows at most 4194304' });
    expect(io.checkpoints).toEqual([]);
    expect(io.logs).toContain('checkpoint step-1.bin at step 1 not stored: step-1.bin has 3145728 bytes; the donor allows at most 2097152');
    expect(io.logs).toContain('still running after the checkpoint');
    expect(io.uploads.size).toBe(0);
  });

  it('refuses a command the donor did not approve without running anything', async () => {
    const io = fakeIo({ [transferPath('input')]: data });
    await expect(runAttempt(processJob('rm-rf'), config, io)).rejects.toMatchObject({ code: 'COMMAND_NOT_APPROVED', retryable: false });
    expect(io.logs).toEqual([]);
    expect(existsSync(join(workDir, '00000000-0000-4000-8000-000000000001'))).toBe(false);
  });

  it('stops a command that ignores SIGTERM, and what it started, with SIGKILL after the grace period', async () => {
    const io = fakeIo({ [transferPath('input')]: data });
    const run = runAttempt(processJob('stubborn'), config, io);
    await expect.poll(() => io.logs.find((line) => line.startsWith('pids ')), { timeout: 10_000 }).toBeDefined();
    const pids = (io.logs.find((line) => line.startsWith('pids ')) ?? '').split(' ').slice(1).map(Number);
    const asked = Date.now();
    io.stop = true;
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - asked).toBeLessThan(5000);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(() => pids.filter(alive), { timeout: 2000 }).toEqual([]);
    expect(pids).toHaveLength(2);
    expect(io.logs).toContain('stopping stubborn (SIGTERM, SIGKILL after 500 ms)');
  }, 20_000);
});
