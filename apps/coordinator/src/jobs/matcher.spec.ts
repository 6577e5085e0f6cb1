import { RequirementsSchema, type Requirements } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { match, type AgentCapacity } from './matcher.js';
import { compareVersions } from './versions.js';

const rtx = (id: string, availability: AgentCapacity['devices'][number]['availability'] = 'available') => ({ deviceId: id, memoryTotalMiB: 24_564, computeCapability: '8.9', availability });
const agent: AgentCapacity = { status: 'online', trustLevel: 0, runtimes: ['builtin'], processCommands: [], driverVersion: '550.54.14', cudaVersion: '12.4', devices: [rtx('a'), rtx('b')] };
const needs = (overrides: Partial<Requirements> = {}): Requirements => ({ ...RequirementsSchema.parse({}), ...overrides });

describe('match', () => {
  it('fits a default job on a free GPU', () => {
    expect(match(needs(), agent)).toEqual({ fits: true, deviceIds: ['a'] });
  });

  it.each([
    ['runtime', needs({ runtime: 'process', command: 'toy' }), agent],
    ['process-command', needs({ runtime: 'process', command: 'hf-lora' }), { ...agent, runtimes: ['builtin', 'process'] as const, processCommands: ['toy'] }],
    ['trust', needs({ minTrustLevel: 2 }), agent],
    ['excluded-donor', needs({ excludeDonors: ['6f1c0b1e-0000-4000-8000-000000000001'] }), { ...agent, ownerId: '6f1c0b1e-0000-4000-8000-000000000001' }],
    ['driver', needs({ minDriverVersion: '560' }), agent],
    ['cuda', needs({ minCudaVersion: '12.6' }), agent],
    ['gpu-count', needs({ gpuCount: 4 }), agent],
    ['vram', needs({ minVramMiB: 80_000 }), agent],
    ['compute-capability', needs({ minComputeCapability: '9.0' }), agent],
    ['agent-offline', needs(), { ...agent, status: 'offline' as const }],
    ['agent-offline', needs(), { ...agent, status: 'unhealthy' as const }],
    ['agent-draining', needs(), { ...agent, status: 'draining' as const }],
    ['agent-paused', needs(), { ...agent, status: 'paused' as const }],
    ['no-free-gpu', needs({ gpuCount: 2 }), { ...agent, devices: [rtx('a'), rtx('b', 'yielding')] }],
  ])('says %s', (rule, requirements, capacity) => {
    expect(match(requirements, capacity)).toMatchObject({ fits: false, rule });
  });

  it('fits a process job on an agent whose donor approved its command, and names the approved ones otherwise', () => {
    const approving: AgentCapacity = { ...agent, runtimes: ['builtin', 'process'], processCommands: ['toy', 'hf-lora'] };
    expect(match(needs({ runtime: 'process', command: 'hf-lora' }), approving)).toEqual({ fits: true, deviceIds: ['a'] });
    expect(match(needs({ runtime: 'process', command: 'other' }), approving)).toMatchObject({ fits: false, rule: 'process-command', detail: expect.stringContaining('approved: toy, hf-lora') });
    expect(match(needs({ runtime: 'process', command: 'toy' }), { ...approving, status: 'paused' })).toMatchObject({ rule: 'agent-paused' });
  });

  it('names lasting mismatches before passing states', () => {
    const paused = { ...agent, status: 'paused' as const, devices: [rtx('a', 'paused')] };
    expect(match(needs({ minVramMiB: 80_000 }), paused)).toMatchObject({ fits: false, rule: 'vram', detail: expect.stringContaining('24564 MiB') });
  });

  it('chooses the smallest sufficient GPUs (best fit)', () => {
    const mixed: AgentCapacity = { ...agent, devices: [{ ...rtx('big'), memoryTotalMiB: 81_559 }, rtx('small-1'), rtx('small-2')] };
    expect(match(needs({ gpuCount: 2, minVramMiB: 16_000 }), mixed)).toEqual({ fits: true, deviceIds: ['small-1', 'small-2'] });
    expect(match(needs({ minVramMiB: 40_000 }), mixed)).toEqual({ fits: true, deviceIds: ['big'] });
  });
});

describe('compareVersions', () => {
  it.each([
    ['535.104.05', '535.86', 1], ['12.4', '12.4.0', 0], ['9.0', '10.0', -1], ['8.9', '8.10', -1],
  ])('%s vs %s', (a, b, expected) => expect(compareVersions(a, b)).toBe(expected));
});
