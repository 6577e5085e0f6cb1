import { describe, expect, it } from 'vitest';
import { AgentConfigError, resolveAgentConfig } from '../config/agent-config.js';
import { approvedRuntime, offeredProcessCommands } from './approval.js';

const TOKEN = `pat_${'a'.repeat(43)}`;
const base = { coordinator: 'http://localhost:3000', token: TOKEN };
const withProcess = resolveAgentConfig(
  { ...base, policy: { runtimes: ['builtin', 'process'] }, process: { commands: { 'hf-lora': { argv: ['/usr/bin/python3', '/opt/lora/hf_lora.py'], env: { HF_HOME: '/data/hf' } }, toy: { argv: ['/usr/bin/node', '/opt/toy.mjs'] } } } },
  {},
  {},
);

describe('the donor approves runtimes and process commands', () => {
  it('offers the approved commands by name, only with the process runtime enabled', () => {
    expect(offeredProcessCommands(withProcess)).toEqual(['hf-lora', 'toy']);
    expect(offeredProcessCommands(resolveAgentConfig(base, {}, {}))).toEqual([]);
  });

  it('runs builtin and approved commands, and refuses anything else before it runs (no retry)', () => {
    expect(approvedRuntime({ runtime: 'builtin', command: null }, withProcess)).toEqual({ runtime: 'builtin' });
    expect(approvedRuntime({ runtime: 'process', command: 'toy' }, withProcess)).toMatchObject({ runtime: 'process', name: 'toy', command: { argv: ['/usr/bin/node', '/opt/toy.mjs'] } });
    const refusals: [Parameters<typeof approvedRuntime>[0], string][] = [
      [{ runtime: 'process', command: 'other' }, 'COMMAND_NOT_APPROVED'],
      [{ runtime: 'process', command: 'constructor' }, 'COMMAND_NOT_APPROVED'], // not an Object.prototype member either
      [{ runtime: 'process', command: null }, 'COMMAND_NOT_APPROVED'],
      [{ runtime: 'container', command: null }, 'RUNTIME_NOT_ENABLED'],
    ];
    for (const [assignment, code] of refusals) expect(() => approvedRuntime(assignment, withProcess)).toThrow(expect.objectContaining({ code, retryable: false }));
    expect(() => approvedRuntime({ runtime: 'process', command: 'toy' }, resolveAgentConfig(base, {}, {}))).toThrow(expect.objectContaining({ code: 'RUNTIME_NOT_ENABLED', message: expect.stringContaining('enabled: builtin') }));
  });

  it.each([
    [{ policy: { runtimes: ['builtin', 'process'] } }, 'process.commands: policy.runtimes enables process'],
    [{ process: { commands: { toy: { argv: ['/usr/bin/node'] } } } }, 'policy.runtimes: process.commands approves'],
    [{ policy: { runtimes: ['process'] }, process: { commands: { toy: { argv: [] } } } }, 'process.commands.toy.argv'],
    [{ policy: { runtimes: ['process'] }, process: { commands: { 'Bad Name': { argv: ['/x'] } } } }, 'process.commands'],
    [{ policy: { runtimes: ['process'] }, process: { commands: { toy: { argv: ['/x'], env: { POTLUCK_AGENT_TOKEN: 'x' } } } } }, 'POTLUCK_* and CUDA_VISIBLE_DEVICES are set by the agent'],
    [{ policy: { runtimes: ['process'] }, process: { commands: { toy: { argv: ['/x'], shell: 'bash -c' } } } }, 'process.commands.toy'],
    [{ policy: { runtimes: ['process'] }, process: { commands: { toy: { argv: ['/x'], cwd: 'relative' } } } }, 'an absolute path'],
  ])('refuses the config %j', (file, message) => {
    expect(() => resolveAgentConfig({ ...base, ...file }, {}, {})).toThrow(AgentConfigError);
    expect(() => resolveAgentConfig({ ...base, ...file }, {}, {})).toThrow(message);
  });
});
