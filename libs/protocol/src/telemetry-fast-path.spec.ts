import { describe, expect, it } from 'vitest';
import { MAX_TELEMETRY_BATCH, TelemetryBatchSchema } from './agent-events.js';
import { seededRandom as random } from './testing/seeded-random.js';
import { acceptTelemetryBatch } from './telemetry-fast-path.js';

function sample(gpuUuid: string, at: number): Record<string, unknown> {
  return { gpuUuid, at, utilizationGpuPct: 93, utilizationMemoryPct: 41.5, memoryUsedMiB: 20_000, memoryTotalMiB: 81_559, temperatureC: 71, powerDrawW: 612.4, powerLimitW: 700, clocksSmMHz: 1980, fanSpeedPct: null, pstate: 'P0' };
}

const ODD_VALUES: unknown[] = [null, undefined, 0, -0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', '7', 'x'.repeat(129), '😀'.repeat(65), 'P'.repeat(17), 100.5, 101, 251, -101, 1e308, -1e308, true, [], {}, [1], { a: 1 }, Object.create(null)];

function mutate(batch: Record<string, unknown>, next: () => number): unknown {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const copy = structuredClone(batch) as { samples: Record<string, unknown>[] } & Record<string, unknown>;
  const target: Record<string, unknown> = copy.samples.length > 0 && next() < 0.7 ? pick(copy.samples) : copy;
  switch (pick(['set', 'delete', 'extra', 'proto', 'replace'] as const)) {
    case 'set':
      target[pick(Object.keys(target))] = pick(ODD_VALUES);
      break;
    case 'delete':
      delete target[pick(Object.keys(target))];
      break;
    case 'extra':
      target[pick(['extra', 'toString', 'hasOwnProperty', 'gpu_uuid'])] = pick(ODD_VALUES);
      break;
    case 'proto':
      return JSON.parse(JSON.stringify(copy).replace('{', '{"__proto__":{"seq":1},')) as unknown;
    case 'replace':
      return pick(ODD_VALUES);
  }
  return copy;
}

describe('acceptTelemetryBatch', () => {
  it('returns what TelemetryBatchSchema outputs, whenever it accepts, over thousands of odd batches', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 3000; seed += 1) {
      const next = random(seed);
      const samples = Array.from({ length: Math.floor(next() * 4) }, (_, i) => sample(`GPU-${seed}-${i}`, 1_700_000_000_000 + i));
      const batch: Record<string, unknown> = { seq: Math.floor(next() * 1000), samples, ...(next() < 0.5 ? { dropped: Math.floor(next() * 3) } : {}) };
      for (const payload of [batch, mutate(batch, next), mutate(batch, next)]) {
        const fast = acceptTelemetryBatch(payload);
        const parsed = TelemetryBatchSchema.safeParse(payload);
        if (fast === null) continue;
        accepted += 1;
        expect(parsed.success, `seed ${seed}`).toBe(true);
        expect(fast, `seed ${seed}`).toEqual(parsed.data);
      }
    }
    expect(accepted).toBeGreaterThan(3000); // every unmutated batch, at least
  });

  it('accepts the usual batch as it is, with dropped defaulted', () => {
    const samples = [sample('GPU-a', 1), sample('GPU-b', 2)];
    const accepted = acceptTelemetryBatch({ seq: 3, samples });
    expect(accepted).toEqual({ seq: 3, samples, dropped: 0 });
    expect(accepted?.samples).toBe(samples); // not copied
  });

  it('leaves to the schema whatever it cannot vouch for', () => {
    const good = sample('GPU-a', 1);
    for (const payload of [
      { seq: 1, samples: [good], extra: true },
      { seq: 1, samples: [{ ...good, extra: 1 }] },
      { seq: 1, samples: [{ ...good, temperatureC: 'hot' }] },
      { seq: 1, samples: [{ ...good, gpuUuid: '' }] },
      { seq: 1, samples: [{ ...good, powerDrawW: -1e9 }] },
      { seq: 1, samples: [{ ...good, powerDrawW: 1e308 }] },
      { seq: 1, samples: [{ ...good, utilizationGpuPct: 101 }] },
      { seq: 1, samples: [{ ...good, pstate: 'P'.repeat(17) }] },
      { seq: -1, samples: [] },
      { seq: 1.5, samples: [] },
      { seq: 1, samples: Array.from({ length: MAX_TELEMETRY_BATCH + 1 }, () => good) },
      { seq: 1, samples: [], dropped: -1 },
      [1, 2],
      'garbage',
    ]) {
      expect(acceptTelemetryBatch(payload)).toBeNull();
    }
  });
});
