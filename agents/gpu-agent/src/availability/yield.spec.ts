import { describe, expect, it } from 'vitest';
import type { ForeignProcess } from './memory.js';
import { describeProcess, nextYieldMemory, yieldVerdict } from './yield.js';

const NOW = 1_000_000;
const COOLDOWN = 60_000;
const PYTHON: ForeignProcess = { pid: 4242, name: '/usr/bin/python3' };
const GAME: ForeignProcess = { pid: 77, name: 'C:\\Games\\game.exe' };
const NONE = { foreign: null, freeSince: null };

describe('nextYieldMemory', () => {
  it.each<[string, { foreign: ForeignProcess | null; freeSince: number | null }, ForeignProcess[], number, unknown]>([
    ['nothing seen, nothing there', NONE, [], NOW, NONE],
    ['a process appears', NONE, [PYTHON, GAME], NOW, { foreign: PYTHON, freeSince: null }],
    ['it is still there', { foreign: PYTHON, freeSince: null }, [PYTHON], NOW, { foreign: PYTHON, freeSince: null }],
    ['it leaves: the cool-down starts now', { foreign: PYTHON, freeSince: null }, [], NOW, { foreign: PYTHON, freeSince: NOW }],
    ['the cool-down runs', { foreign: PYTHON, freeSince: NOW }, [], NOW + COOLDOWN - 1, { foreign: PYTHON, freeSince: NOW }],
    ['the cool-down ends', { foreign: PYTHON, freeSince: NOW }, [], NOW + COOLDOWN, NONE],
    ['another comes back during the cool-down', { foreign: PYTHON, freeSince: NOW }, [GAME], NOW + 1000, { foreign: GAME, freeSince: null }],
    ['the clock steps back', { foreign: PYTHON, freeSince: NOW }, [], NOW - 5000, { foreign: PYTHON, freeSince: NOW - 5000 }],
  ])('%s', (_name, previous, others, now, expected) => {
    expect(nextYieldMemory(previous, others, now, COOLDOWN)).toEqual(expected);
  });

  it('a zero cool-down frees the GPU on the first tick without the process', () => {
    expect(nextYieldMemory({ foreign: PYTHON, freeSince: null }, [], NOW, 0)).toEqual(NONE);
  });
});

describe('yieldVerdict', () => {
  it.each<[string, { foreign: ForeignProcess | null; freeSince: number | null }, ForeignProcess[], number, string | null, number | null]>([
    ['one process there', { foreign: PYTHON, freeSince: null }, [PYTHON], NOW, 'python3 (pid 4242) is using the GPU', null],
    ['two there', { foreign: PYTHON, freeSince: null }, [PYTHON, GAME], NOW, 'python3 (pid 4242) and 1 other process is using the GPU', null],
    ['three there', { foreign: GAME, freeSince: null }, [GAME, PYTHON, PYTHON], NOW, 'game.exe (pid 77) and 2 other processes are using the GPU', null],
    ['cooling down', { foreign: PYTHON, freeSince: NOW }, [], NOW + 15_000, 'python3 (pid 4242) stopped using the GPU; free again in 45 s', NOW + COOLDOWN],
    ['cooling down, seconds round up', { foreign: PYTHON, freeSince: NOW }, [], NOW + 15_001, 'python3 (pid 4242) stopped using the GPU; free again in 45 s', NOW + COOLDOWN],
    ['never says 0 s', { foreign: PYTHON, freeSince: NOW }, [], NOW + COOLDOWN - 1, 'python3 (pid 4242) stopped using the GPU; free again in 1 s', NOW + COOLDOWN],
    ['free', NONE, [], NOW, null, null],
  ])('%s', (_name, memory, others, now, reason, until) => {
    const verdict = yieldVerdict(memory, others, now, COOLDOWN);
    if (reason === null) expect(verdict).toBeNull();
    else expect(verdict).toEqual({ availability: 'yielding', reason, until });
  });
});

describe('describeProcess', () => {
  it.each([
    [{ pid: 1, name: 'python' }, 'python (pid 1)'],
    [{ pid: 2, name: '/opt/conda/bin/python3.11' }, 'python3.11 (pid 2)'],
    [{ pid: 3, name: 'C:\\Program Files\\Blender\\blender.exe' }, 'blender.exe (pid 3)'],
    [{ pid: 4, name: '' }, 'a process (pid 4)'],
  ])('%j → %s', (process, text) => {
    expect(describeProcess(process)).toBe(text);
  });
});
