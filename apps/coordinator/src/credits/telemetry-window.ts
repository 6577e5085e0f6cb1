import type { TelemetrySample } from '@potluck/protocol';

/** A per-minute roll-up row, as far as the bound and energy need it. */
export interface MinuteRollup {
  gpuUuid: string;
  minute: number;
  utilizationAvg: number | null;
  powerAvg: number | null;
  coveredSeconds: number;
}

/**
 * Samples for an attempt's span: the raw history where it reaches, and for the older part
 * (raw history in Redis is bounded) samples re-made from the per-minute roll-ups: one every
 * telemetry interval across the seconds the minute covered, at the minute's average
 * utilisation and power. Averages are what a minute row keeps; the bound integrates
 * utilisation linearly, so the same busy seconds come out (up to the last interval).
 */
export function samplesForSpan(
  raw: readonly TelemetrySample[],
  minutes: readonly MinuteRollup[],
  from: number,
  to: number,
  intervalMs: number,
): TelemetrySample[] {
  const inSpan = raw.filter((sample) => sample.at >= from && sample.at <= to);
  const oldestRaw = new Map<string, number>();
  for (const sample of inSpan) oldestRaw.set(sample.gpuUuid, Math.min(oldestRaw.get(sample.gpuUuid) ?? Infinity, sample.at));
  const rebuilt: TelemetrySample[] = [];
  for (const row of minutes) {
    const limit = Math.min(to, oldestRaw.get(row.gpuUuid) ?? Infinity);
    const count = Math.max(0, Math.round((row.coveredSeconds * 1000) / intervalMs));
    for (let i = 0; i < count; i += 1) {
      const at = row.minute + i * intervalMs;
      if (at < from || at >= limit) continue;
      rebuilt.push({
        gpuUuid: row.gpuUuid,
        at,
        utilizationGpuPct: row.utilizationAvg,
        utilizationMemoryPct: null,
        memoryUsedMiB: null,
        memoryTotalMiB: null,
        temperatureC: null,
        powerDrawW: row.powerAvg,
        powerLimitW: null,
        clocksSmMHz: null,
        fanSpeedPct: null,
        pstate: null,
      });
    }
  }
  return [...rebuilt, ...inSpan].sort((a, b) => a.at - b.at);
}
