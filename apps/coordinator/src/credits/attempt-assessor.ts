import { Inject, Injectable } from '@nestjs/common';
import { assessAttempt, migSmFraction, normaliseGpuName, type AttemptAssessment, type CreditsConfig, type JobWork, type Precision } from '@potluck/credits';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { PresenceStore } from '../fleet/presence.store.js';
import { CREDITS_CONFIG } from './credits-config.js';
import { samplesForSpan } from './telemetry-window.js';

export interface AttemptSpan {
  agentId: string;
  deviceIds: readonly string[];
  startedAt: Date;
  endedAt: Date | null;
}

export interface GpuUsed {
  deviceId: string;
  name: string;
  /** The peak table's model, or the normalised name for a model the table does not know. */
  gpuClass: string;
  peakFlops: number;
  fallback: boolean;
}

export interface Assessed {
  assessment: AttemptAssessment;
  gpus: GpuUsed[];
  /** The board's GPU class: the attempt's first GPU's. */
  gpuClass: string | null;
  precision: Precision;
}

/**
 * The compute side of a claim: the GPUs of the attempt (from the agent's inventory), their
 * telemetry over the attempt's span (raw history in Redis, older minutes from the
 * roll-ups), and libs/credits' claim → bound → cap → credits → energy.
 */
@Injectable()
export class AttemptAssessor {
  constructor(
    private readonly prisma: PrismaService,
    private readonly presence: PresenceStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CREDITS_CONFIG) private readonly credits: CreditsConfig,
  ) {}

  async assess(span: AttemptSpan, work: JobWork, reportedFlops: string | null, precision: Precision = 'fp32'): Promise<Assessed> {
    const from = span.startedAt.getTime();
    const to = (span.endedAt ?? new Date()).getTime();
    const rows = await this.prisma.client.gpu.findMany({ where: { agentId: span.agentId, deviceId: { in: [...span.deviceIds] } } });
    const gpus: Record<string, { name: string; smFraction?: number }> = {};
    for (const deviceId of span.deviceIds) {
      const row = rows.find((gpu) => gpu.deviceId === deviceId);
      const fraction = row?.migProfile ? migSmFraction(row.migProfile) : null;
      gpus[deviceId] = { name: row?.name ?? 'unknown GPU', ...(fraction ? { smFraction: fraction } : {}) };
    }
    const raw = (await Promise.all(span.deviceIds.map((deviceId) => this.presence.history(span.agentId, deviceId)))).flat();
    const minutes = await this.prisma.client.telemetryMinute.findMany({
      where: { agentId: span.agentId, gpuUuid: { in: [...span.deviceIds] }, minute: { gte: new Date(from - 60_000), lte: new Date(to) } },
      orderBy: { minute: 'asc' },
      take: 100_000,
    });
    const samples = samplesForSpan(
      raw,
      minutes.map((row) => ({ gpuUuid: row.gpuUuid, minute: row.minute.getTime(), utilizationAvg: row.utilizationAvg, powerAvg: row.powerAvg, coveredSeconds: row.coveredSeconds })),
      from,
      to,
      this.config.POTLUCK_TELEMETRY_INTERVAL_MS,
    );
    const assessment = assessAttempt({ work, reportedFlops, precision, gpus, samples }, this.credits);
    const used: GpuUsed[] = span.deviceIds.map((deviceId) => {
      const peak = assessment.peaks[deviceId];
      const name = gpus[deviceId]?.name ?? 'unknown GPU';
      return { deviceId, name, gpuClass: peak?.model ?? normaliseGpuName(name), peakFlops: peak?.flops ?? 0, fallback: peak?.fallback ?? true };
    });
    return { assessment, gpus: used, gpuClass: used[0]?.gpuClass ?? null, precision };
  }
}
