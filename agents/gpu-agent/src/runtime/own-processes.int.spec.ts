import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isOwnProcess } from './own-processes.js';

describe('isOwnProcess on this machine', () => {
  it.runIf(process.platform === 'linux')('reads real parents from /proc: a child of this process is its own, init is not', () => {
    const child = spawn('sh', ['-c', 'sleep 5 & wait'], { stdio: 'ignore' });
    try {
      expect(isOwnProcess(child.pid ?? -1, process.pid)).toBe(true);
      expect(isOwnProcess(1, process.pid)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
