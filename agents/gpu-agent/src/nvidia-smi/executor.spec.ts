import { describe, expect, it } from 'vitest';
import { createSpawnExecutor } from './executor.js';

// The adapter's own test: it spawns Node itself standing in for nvidia-smi.
const node = (script: string, options: { timeoutMs?: number; maxOutputBytes?: number } = {}) =>
  createSpawnExecutor({ binary: process.execPath, ...options }).run(['-e', script]);

describe('createSpawnExecutor', () => {
  it('returns stdout, stderr and the exit status', async () => {
    const result = await node('process.stdout.write("<xml/>"); process.stderr.write("warn"); process.exitCode = 3');
    expect(result).toEqual({ ok: true, stdout: '<xml/>', stderr: 'warn', exitCode: 3 });
  });

  it('passes the arguments through', async () => {
    const result = await createSpawnExecutor({ binary: process.execPath }).run(['-e', 'console.log(process.argv.slice(1).join(","))', '--', '-q', '-x']);
    expect(result).toMatchObject({ ok: true, stdout: '-q,-x\n' });
  });

  it('reports a missing binary as not-found', async () => {
    const result = await createSpawnExecutor({ binary: '/nonexistent/nvidia-smi' }).run(['-q', '-x']);
    expect(result).toEqual({ ok: false, reason: 'not-found', message: '/nonexistent/nvidia-smi was not found on PATH (is the NVIDIA driver installed?)' });
  });

  it('kills a run that takes too long', async () => {
    const result = await node('setTimeout(() => {}, 60_000)', { timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('kills a run that prints too much', async () => {
    const result = await node('const line = "x".repeat(1024) + "\\n"; const write = () => { while (process.stdout.write(line)); process.stdout.once("drain", write); }; write();', {
      maxOutputBytes: 64 * 1024,
    });
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
  });
});
