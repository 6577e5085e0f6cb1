import { DonorPolicySchema, GpuStatusSchema, type DonorPolicy, type GpuAvailability } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { decideAvailability } from './decide.js';
import { initialMemory, type AvailabilityMemory } from './memory.js';
import type { AvailabilityDecision, AvailabilityInput, DonorControls, GpuObservation, Pause } from './types.js';

const NOW = Date.parse('2026-07-15T12:00Z'); // a Wednesday
const SECOND = 1000;
const MINUTE = 60 * SECOND;

const policyOf = (overrides: Partial<DonorPolicy> = {}): DonorPolicy => ({ ...DonorPolicySchema.parse({}), ...overrides });
const gpuOf = (overrides: Partial<GpuObservation> = {}): GpuObservation => ({
  index: 0,
  deviceId: 'GPU-aaaa',
  temperatureC: 50,
  powerDrawW: 100,
  otherProcesses: [],
  busy: false,
  ...overrides,
});
const controlsOf = (overrides: Partial<DonorControls> = {}): DonorControls => ({ agentPause: null, gpuPauses: new Map(), drain: null, ...overrides });
const inputOf = (overrides: Partial<AvailabilityInput> = {}): AvailabilityInput => ({
  policy: policyOf(),
  controls: controlsOf(),
  gpus: [gpuOf()],
  memory: initialMemory(),
  now: NOW,
  utcOffsetMinutes: 0,
  ...overrides,
});
const only = (decision: AvailabilityDecision) => {
  const [status] = decision.gpus;
  if (status === undefined || decision.gpus.length !== 1) throw new Error('expected one GPU status');
  return status;
};
const pause = (until: number | null, reason = 'paused by donor'): Pause => ({ until, reason });
const PYTHON = { pid: 4242, name: 'python' };

describe('decideAvailability: each rule on its own', () => {
  it.each<[string, Partial<AvailabilityInput>, GpuAvailability, string, number | null]>([
    ['nothing in the way', {}, 'available', 'available', null],
    ['running our job', { gpus: [gpuOf({ busy: true })] }, 'busy', 'running a Potluck job', null],
    ['not enabled', { policy: policyOf({ enabledGpus: [1, 2] }) }, 'disabled', "not lent: GPU 0 is not among the donor's enabled GPUs", null],
    ['enabled explicitly', { policy: policyOf({ enabledGpus: [0] }) }, 'available', 'available', null],
    ['draining', { controls: controlsOf({ drain: { reason: 'SIGTERM', since: NOW - MINUTE } }) }, 'draining', 'agent is draining: SIGTERM', null],
    ['GPU paused, untimed', { controls: controlsOf({ gpuPauses: new Map([[0, pause(null)]]) }) }, 'paused', 'paused by donor', null],
    [
      'GPU paused for 2h, in local time',
      { controls: controlsOf({ gpuPauses: new Map([[0, pause(NOW + 150 * MINUTE)]]) }), utcOffsetMinutes: 120 },
      'paused',
      'paused by donor until 16:30',
      NOW + 150 * MINUTE,
    ],
    ['another GPU paused', { controls: controlsOf({ gpuPauses: new Map([[1, pause(null)]]) }) }, 'available', 'available', null],
    ['agent paused', { controls: controlsOf({ agentPause: pause(NOW + 30 * MINUTE, 'paused by alice (remote)') }) }, 'paused', 'paused by alice (remote) until 12:30', NOW + 30 * MINUTE],
    ['GPU pause expired', { controls: controlsOf({ gpuPauses: new Map([[0, pause(NOW)]]) }) }, 'available', 'available', null],
    ['agent pause expired', { controls: controlsOf({ agentPause: pause(NOW - 1) }) }, 'available', 'available', null],
    [
      'outside the schedule',
      { policy: policyOf({ schedule: [{ start: '22:00', end: '08:00' }] }) },
      'outside-schedule',
      "outside the donor's schedule; next window starts at 22:00",
      null,
    ],
    [
      'outside the schedule, next window in the donor zone on another day',
      { policy: policyOf({ schedule: [{ start: '22:00', end: '08:00', days: [5] }] }), utcOffsetMinutes: -300 },
      'outside-schedule',
      "outside the donor's schedule; next window starts at Fri 22:00",
      null,
    ],
    ['outside a schedule that never opens', { policy: policyOf({ schedule: [{ start: '22:00', end: '08:00', days: [] }] }) }, 'outside-schedule', "outside the donor's schedule", null],
    ['inside the schedule', { policy: policyOf({ schedule: [{ start: '08:00', end: '18:00' }] }) }, 'available', 'available', null],
    ['another process on it', { gpus: [gpuOf({ otherProcesses: [PYTHON] })] }, 'yielding', 'python (pid 4242) is using the GPU', null],
    ['another process, yield switched off', { gpus: [gpuOf({ otherProcesses: [PYTHON] })], policy: policyOf({ yieldToOtherProcesses: false }) }, 'available', 'available', null],
    ['too hot', { gpus: [gpuOf({ temperatureC: 90 })], policy: policyOf({ maxTemperatureC: 85 }) }, 'over-temperature', '90 °C is over the 85 °C cap', null],
    ['at the temperature cap', { gpus: [gpuOf({ temperatureC: 85 })], policy: policyOf({ maxTemperatureC: 85 }) }, 'available', 'available', null],
    ['no temperature reading', { gpus: [gpuOf({ temperatureC: null })], policy: policyOf({ maxTemperatureC: 30 }) }, 'available', 'available', null],
    ['too much power', { gpus: [gpuOf({ powerDrawW: 320 })], policy: policyOf({ maxPowerW: 300 }) }, 'over-power', 'drawing 320 W, over the 300 W cap', null],
    ['no power reading', { gpus: [gpuOf({ powerDrawW: null, busy: true })], policy: policyOf({ maxPowerW: 10 }) }, 'busy', 'running a Potluck job', null],
  ])('%s', (_name, overrides, availability, reason, until) => {
    expect(only(decideAvailability(inputOf(overrides)))).toEqual({ index: 0, deviceId: 'GPU-aaaa', availability, reason, until });
  });
});

/** Each condition in precedence order, applied to an input that has none. */
const CONDITIONS: readonly [GpuAvailability, (input: AvailabilityInput) => AvailabilityInput][] = [
  ['disabled', (input) => ({ ...input, policy: { ...input.policy, enabledGpus: [7] } })],
  ['draining', (input) => ({ ...input, controls: { ...input.controls, drain: { reason: 'SIGTERM', since: NOW } } })],
  ['paused', (input) => ({ ...input, controls: { ...input.controls, gpuPauses: new Map([[0, pause(null)]]) } })],
  ['outside-schedule', (input) => ({ ...input, policy: { ...input.policy, schedule: [{ start: '22:00', end: '08:00' }] } })],
  ['yielding', (input) => ({ ...input, gpus: input.gpus.map((gpu) => ({ ...gpu, otherProcesses: [PYTHON] })) })],
  ['over-temperature', (input) => ({ ...input, policy: { ...input.policy, maxTemperatureC: 80 }, gpus: input.gpus.map((gpu) => ({ ...gpu, temperatureC: 95 })) })],
  ['over-power', (input) => ({ ...input, policy: { ...input.policy, maxPowerW: 250 }, gpus: input.gpus.map((gpu) => ({ ...gpu, powerDrawW: 400 })) })],
  ['busy', (input) => ({ ...input, gpus: input.gpus.map((gpu) => ({ ...gpu, busy: true })) })],
];
const withConditions = (indexes: readonly number[]): AvailabilityInput =>
  indexes.reduce((input, index) => {
    const condition = CONDITIONS[index];
    if (!condition) throw new Error(`no condition ${index}`);
    return condition[1](input);
  }, inputOf());

describe('decideAvailability: precedence', () => {
  it.each(CONDITIONS.map(([name], index) => [name, index] as const))('with every condition from %s down, %s wins', (name, index) => {
    const indexes = CONDITIONS.map((_, i) => i).filter((i) => i >= index);
    expect(only(decideAvailability(withConditions(indexes))).availability).toBe(name);
  });

  const pairs = CONDITIONS.flatMap(([first], i) => CONDITIONS.slice(i + 1).map(([second], k) => [first, second, i, i + 1 + k] as const));
  it.each(pairs)('%s beats %s', (winner, _loser, i, j) => {
    expect(only(decideAvailability(withConditions([j, i]))).availability).toBe(winner);
  });

  it('a GPU pause and an agent pause together: the one that ends last decides', () => {
    const controls = controlsOf({ agentPause: pause(NOW + 10 * MINUTE, 'agent paused'), gpuPauses: new Map([[0, pause(NOW + 90 * MINUTE, 'GPU paused')]]) });
    expect(only(decideAvailability(inputOf({ controls })))).toMatchObject({ reason: 'GPU paused until 13:30', until: NOW + 90 * MINUTE });
    const untimed = controlsOf({ agentPause: pause(null, 'agent paused'), gpuPauses: new Map([[0, pause(NOW + 90 * MINUTE, 'GPU paused')]]) });
    expect(only(decideAvailability(inputOf({ controls: untimed })))).toMatchObject({ reason: 'agent paused', until: null });
  });
});

describe('decideAvailability: the agent mode', () => {
  it.each<[string, Partial<DonorControls>, string, string]>([
    ['nothing set', {}, 'active', 'active'],
    ['paused, untimed', { agentPause: pause(null) }, 'paused', 'paused by donor'],
    ['paused for a while', { agentPause: pause(NOW + 150 * MINUTE) }, 'paused', 'paused by donor until 14:30'],
    ['pause expired', { agentPause: pause(NOW) }, 'active', 'active'],
    ['only a GPU paused', { gpuPauses: new Map([[0, pause(null)]]) }, 'active', 'active'],
    ['draining', { drain: { reason: 'SIGTERM', since: NOW } }, 'draining', 'draining: SIGTERM'],
    ['draining without a reason', { drain: { reason: '', since: NOW } }, 'draining', 'draining'],
    ['draining while paused', { drain: { reason: 'donor asked', since: NOW }, agentPause: pause(null) }, 'draining', 'draining: donor asked'],
  ])('%s', (_name, controls, mode, reason) => {
    expect(decideAvailability(inputOf({ controls: controlsOf(controls) }))).toMatchObject({ mode, reason });
  });
});

describe('decideAvailability: expired pauses', () => {
  it('reports the pauses whose end has come and does not apply them', () => {
    const controls = controlsOf({
      agentPause: pause(NOW - MINUTE),
      gpuPauses: new Map([
        [1, pause(NOW)],
        [0, pause(NOW + MINUTE)],
        [5, pause(NOW - 1)],
      ]),
    });
    const decision = decideAvailability(inputOf({ controls, gpus: [gpuOf(), gpuOf({ index: 1, deviceId: 'GPU-bbbb' })] }));
    expect(decision.expired).toEqual({ agent: true, gpuIndexes: [1, 5] });
    expect(decision.mode).toBe('active');
    expect(decision.gpus.map((gpu) => gpu.availability)).toEqual(['paused', 'available']);
  });

  it('reports nothing when nothing expired', () => {
    expect(decideAvailability(inputOf()).expired).toEqual({ agent: false, gpuIndexes: [] });
  });
});

/** Runs ticks in turn, feeding each decision's memory to the next. */
function run(ticks: readonly Partial<AvailabilityInput>[], base: Partial<AvailabilityInput> = {}): AvailabilityDecision[] {
  let memory: AvailabilityMemory = initialMemory();
  return ticks.map((tick) => {
    const decision = decideAvailability(inputOf({ ...base, ...tick, memory }));
    memory = decision.memory;
    return decision;
  });
}

describe('decideAvailability: yield cool-down across ticks', () => {
  it('yields while the process runs, then until the GPU has been free for the cool-down', () => {
    const base = { policy: policyOf({ yieldCooldownSeconds: 60 }) };
    const decisions = run(
      [
        { now: NOW, gpus: [gpuOf({ otherProcesses: [PYTHON] })] },
        { now: NOW + 5 * SECOND, gpus: [gpuOf({ otherProcesses: [PYTHON] })] },
        { now: NOW + 10 * SECOND, gpus: [gpuOf()] }, // first seen free: the cool-down starts
        { now: NOW + 40 * SECOND, gpus: [gpuOf()] },
        { now: NOW + 69 * SECOND, gpus: [gpuOf()] },
        { now: NOW + 70 * SECOND, gpus: [gpuOf()] },
        { now: NOW + 75 * SECOND, gpus: [gpuOf()] },
      ],
      base,
    );
    expect(decisions.map((decision) => [only(decision).availability, only(decision).reason, only(decision).until])).toEqual([
      ['yielding', 'python (pid 4242) is using the GPU', null],
      ['yielding', 'python (pid 4242) is using the GPU', null],
      ['yielding', 'python (pid 4242) stopped using the GPU; free again in 60 s', NOW + 70 * SECOND],
      ['yielding', 'python (pid 4242) stopped using the GPU; free again in 30 s', NOW + 70 * SECOND],
      ['yielding', 'python (pid 4242) stopped using the GPU; free again in 1 s', NOW + 70 * SECOND],
      ['available', 'available', null],
      ['available', 'available', null],
    ]);
  });

  it('restarts the cool-down when a process comes back', () => {
    const decisions = run(
      [
        { now: NOW, gpus: [gpuOf({ otherProcesses: [PYTHON] })] },
        { now: NOW + 10 * SECOND, gpus: [gpuOf()] },
        { now: NOW + 20 * SECOND, gpus: [gpuOf({ otherProcesses: [{ pid: 9, name: 'blender' }] })] },
        { now: NOW + 30 * SECOND, gpus: [gpuOf()] },
        { now: NOW + 75 * SECOND, gpus: [gpuOf()] },
      ],
      { policy: policyOf({ yieldCooldownSeconds: 60 }) },
    );
    expect(decisions.map((decision) => only(decision).until)).toEqual([null, NOW + 70 * SECOND, null, NOW + 90 * SECOND, NOW + 90 * SECOND]);
    expect(only(decisions[4] as AvailabilityDecision).reason).toBe('blender (pid 9) stopped using the GPU; free again in 15 s');
  });

  it('with no cool-down the GPU is lent again on the first free tick', () => {
    const decisions = run([{ now: NOW, gpus: [gpuOf({ otherProcesses: [PYTHON] })] }, { now: NOW + SECOND }], { policy: policyOf({ yieldCooldownSeconds: 0 }) });
    expect(decisions.map((decision) => only(decision).availability)).toEqual(['yielding', 'available']);
  });

  it('keeps counting the cool-down while a higher rule wins, and yields after it', () => {
    const paused = controlsOf({ gpuPauses: new Map([[0, pause(NOW + 20 * SECOND)]]) });
    const decisions = run(
      [
        { now: NOW, controls: paused, gpus: [gpuOf({ otherProcesses: [PYTHON] })] },
        { now: NOW + 10 * SECOND, controls: paused },
        { now: NOW + 30 * SECOND, controls: controlsOf() },
        { now: NOW + 70 * SECOND, controls: controlsOf() },
      ],
      { policy: policyOf({ yieldCooldownSeconds: 60 }) },
    );
    expect(decisions.map((decision) => only(decision).availability)).toEqual(['paused', 'paused', 'yielding', 'available']);
  });

  it('a busy GPU yields to another process (our job must make way)', () => {
    expect(only(decideAvailability(inputOf({ gpus: [gpuOf({ busy: true, otherProcesses: [PYTHON] })] }))).availability).toBe('yielding');
  });
});

describe('decideAvailability: cap hysteresis across ticks', () => {
  const temperatures = (readings: readonly (number | null)[]) =>
    run(
      readings.map((temperatureC, i) => ({ now: NOW + i * 5 * SECOND, gpus: [gpuOf({ temperatureC })] })),
      { policy: policyOf({ maxTemperatureC: 85 }) },
    ).map((decision) => only(decision).availability);

  it.each<[string, (number | null)[], GpuAvailability[]]>([
    ['trips above the cap and holds until below cap − 3', [80, 86, 84, 82, 81, 84], ['available', 'over-temperature', 'over-temperature', 'over-temperature', 'available', 'available']],
    ['trips again after release', [86, 81, 86], ['over-temperature', 'available', 'over-temperature']],
    ['never trips at the cap', [85, 85, 85], ['available', 'available', 'available']],
    ['a missing reading holds it until a reading says it cooled', [90, null, 84, 81], ['over-temperature', 'over-temperature', 'over-temperature', 'available']],
    ['a missing reading never trips it', [80, null, 84], ['available', 'available', 'available']],
  ])('temperature: %s', (_name, readings, expected) => {
    expect(temperatures(readings)).toEqual(expected);
  });

  it('says why a cooling GPU is still held', () => {
    const decisions = run(
      [
        { now: NOW, gpus: [gpuOf({ temperatureC: 88 })] },
        { now: NOW + 5 * SECOND, gpus: [gpuOf({ temperatureC: 83 })] },
      ],
      { policy: policyOf({ maxTemperatureC: 85 }) },
    );
    expect(only(decisions[1] as AvailabilityDecision).reason).toBe('cooling down: 83 °C, lent again below 82 °C');
  });

  it.each<[string, number[], GpuAvailability[]]>([
    ['holds until below 95 % of the cap', [310, 290, 286, 285, 284], ['over-power', 'over-power', 'over-power', 'over-power', 'available']],
    ['never trips at the cap', [300, 299], ['available', 'available']],
  ])('power: %s', (_name, readings, expected) => {
    const decisions = run(
      readings.map((powerDrawW, i) => ({ now: NOW + i * 5 * SECOND, gpus: [gpuOf({ powerDrawW })] })),
      { policy: policyOf({ maxPowerW: 300 }) },
    );
    expect(decisions.map((decision) => only(decision).availability)).toEqual(expected);
  });

  it('a tripped cap outlives a pause that hid it', () => {
    const decisions = run(
      [
        { now: NOW, controls: controlsOf({ agentPause: pause(null) }), gpus: [gpuOf({ temperatureC: 90 })] },
        { now: NOW + 5 * SECOND, gpus: [gpuOf({ temperatureC: 83 })] },
      ],
      { policy: policyOf({ maxTemperatureC: 85 }) },
    );
    expect(decisions.map((decision) => only(decision).availability)).toEqual(['paused', 'over-temperature']);
  });
});

describe('decideAvailability: output and memory', () => {
  const gpus = [gpuOf({ index: 3, deviceId: 'GPU-3' }), gpuOf({ index: 0, deviceId: 'GPU-0', busy: true }), gpuOf({ index: 1, deviceId: 'gpu-1', otherProcesses: [PYTHON] })];

  it('gives one valid status per observation, in order', () => {
    const decision = decideAvailability(inputOf({ gpus }));
    expect(decision.gpus.map((gpu) => [gpu.index, gpu.deviceId, gpu.availability])).toEqual([
      [3, 'GPU-3', 'available'],
      [0, 'GPU-0', 'busy'],
      [1, 'gpu-1', 'yielding'],
    ]);
    for (const status of decision.gpus) expect(GpuStatusSchema.parse(status)).toEqual(status);
  });

  it('gives no statuses for no GPUs', () => {
    expect(decideAvailability(inputOf({ gpus: [] }))).toMatchObject({ mode: 'active', gpus: [] });
  });

  it('returns plain JSON memory and leaves the input memory alone', () => {
    const first = decideAvailability(inputOf({ gpus }));
    const snapshot = structuredClone(first.memory);
    const second = decideAvailability(inputOf({ gpus: [gpuOf({ index: 1, deviceId: 'gpu-1' })], memory: JSON.parse(JSON.stringify(first.memory)) as AvailabilityMemory, now: NOW + SECOND }));
    expect(first.memory).toEqual(snapshot);
    expect(JSON.parse(JSON.stringify(second.memory))).toEqual(second.memory);
    // Memory holds the GPUs of the last tick only; the cool-down survived the JSON round trip.
    expect(Object.keys(second.memory.gpus)).toEqual(['gpu-1']);
    expect(only(second).availability).toBe('yielding');
  });

  it('keys memory safely by any device id', () => {
    const odd = [gpuOf({ deviceId: '__proto__', otherProcesses: [PYTHON] }), gpuOf({ index: 1, deviceId: 'constructor' })];
    const first = decideAvailability(inputOf({ gpus: odd }));
    const second = decideAvailability(inputOf({ gpus: odd.map((gpu) => ({ ...gpu, otherProcesses: [] })), memory: first.memory, now: NOW + SECOND }));
    expect(second.gpus.map((gpu) => gpu.availability)).toEqual(['yielding', 'available']);
    expect(Object.getPrototypeOf(second.memory.gpus)).toBe(Object.prototype);
  });

  it('keeps reasons within the protocol limit', () => {
    const decision = decideAvailability(inputOf({ controls: controlsOf({ agentPause: pause(null, 'x'.repeat(800)) }) }));
    expect(decision.reason).toHaveLength(500);
    expect(only(decision).reason).toHaveLength(500);
    expect(GpuStatusSchema.safeParse(only(decision)).success).toBe(true);
  });

  it('gives whole milliseconds in `until`', () => {
    const decision = decideAvailability(inputOf({ controls: controlsOf({ gpuPauses: new Map([[0, pause(NOW + 1500.25)]]) }) }));
    expect(only(decision).until).toBe(NOW + 1501);
  });
});
