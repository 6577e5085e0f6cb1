import { describe, expect, it } from 'vitest';
import { isOwnProcess } from './own-processes.js';

describe('isOwnProcess', () => {
  const parents = new Map([[300, 200], [200, 100], [100, 1], [400, 1]]);
  const parentOf = (pid: number) => parents.get(pid) ?? null;

  it('finds the agent itself and its descendants, however deep', () => {
    expect([100, 200, 300].map((pid) => isOwnProcess(pid, 100, parentOf))).toEqual([true, true, true]);
  });

  it('leaves other programs, and processes it cannot read, as foreign', () => {
    expect([400, 4242, 1].map((pid) => isOwnProcess(pid, 100, parentOf))).toEqual([false, false, false]);
  });

  it('stops on a cycle instead of looping', () => {
    expect(isOwnProcess(7, 100, (pid) => (pid === 7 ? 8 : 7))).toBe(false);
  });
});
