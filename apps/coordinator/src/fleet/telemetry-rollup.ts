import type { TelemetrySample } from '@potluck/protocol';

export const MINUTE_MS = 60_000;

export interface MinuteRollup {
  gpuUuid: string;
  /** Start of the minute (ms since epoch). */
  minute: number;
  samples: number;
  utilization: Stats | null;
  temperature: Stats | null;
  power: Stats | null;
  memoryUsed: Stats | null;
  energyWh: number;
  coveredSeconds: number;
}

export interface Stats {
  min: number;
  avg: number;
  max: number;
}

function stats(values: (number | null)[]): Stats | null {
  const present = values.filter((value): value is number => value !== null);
  if (present.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const value of present) {
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
  }
  return { min, avg: sum / present.length, max };
}

/**
 * The formula of the per-minute roll-ups, pinned by the table tests next to it. The roll-up
 * job runs it inside Redis (ROLLUP_MINUTES in rollup-script.ts, the same operations in the
 * same order); an integration test holds the two equal on random histories.
 *
 * Per-minute roll-ups of one GPU's samples (any order, duplicates by timestamp ignored).
 * Energy: each sample's power draw holds until the next sample, at most `maxGapMs`
 * (a longer gap is missing data, not energy), and is cut at the minute's end so every
 * watt-second lands in exactly one minute.
 */
export function rollupMinutes(gpuUuid: string, samples: readonly TelemetrySample[], maxGapMs: number): MinuteRollup[] {
  const sorted = [...new Map(samples.map((sample) => [sample.at, sample])).values()].sort((a, b) => a.at - b.at);
  const byMinute = new Map<number, { samples: TelemetrySample[]; joules: number; coveredMs: number }>();
  const bucket = (minute: number) => {
    let entry = byMinute.get(minute);
    if (!entry) {
      entry = { samples: [], joules: 0, coveredMs: 0 };
      byMinute.set(minute, entry);
    }
    return entry;
  };
  sorted.forEach((sample, i) => {
    bucket(Math.floor(sample.at / MINUTE_MS) * MINUTE_MS).samples.push(sample);
    const next = sorted[i + 1];
    if (!next || sample.powerDrawW === null) return;
    const gap = next.at - sample.at;
    if (gap > maxGapMs) return;
    // Split the interval [sample.at, next.at) at minute boundaries.
    let from = sample.at;
    while (from < next.at) {
      const minute = Math.floor(from / MINUTE_MS) * MINUTE_MS;
      const to = Math.min(next.at, minute + MINUTE_MS);
      const entry = bucket(minute);
      entry.joules += sample.powerDrawW * ((to - from) / 1000);
      entry.coveredMs += to - from;
      from = to;
    }
  });
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, entry]) => ({
      gpuUuid,
      minute,
      samples: entry.samples.length,
      utilization: stats(entry.samples.map((s) => s.utilizationGpuPct)),
      temperature: stats(entry.samples.map((s) => s.temperatureC)),
      power: stats(entry.samples.map((s) => s.powerDrawW)),
      memoryUsed: stats(entry.samples.map((s) => s.memoryUsedMiB)),
      energyWh: entry.joules / 3600,
      coveredSeconds: entry.coveredMs / 1000,
    }));
}
