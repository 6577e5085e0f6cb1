import { Inject, Injectable } from '@nestjs/common';
import { RequirementsSchema, type WhyNoJob } from '@potluck/protocol';
import { AgentsService } from '../agents/agents.service.js';
import type { RequestContext } from '../auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { agentStatus } from '../fleet/agent-status.js';
import { PresenceStore } from '../fleet/presence.store.js';
import { match, type AgentCapacity } from './matcher.js';

/** Waiting jobs examined for one answer (oldest first). */
const MAX_JOBS_EXPLAINED = 100;

/** "Why no job?": for an agent, which rule keeps each waiting job away. */
@Injectable()
export class WhyNoJobService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly presence: PresenceStore,
    private readonly agents: AgentsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async explain(agentId: string, context: RequestContext, now = Date.now()): Promise<WhyNoJob> {
    const agent = await this.agents.get(agentId, context); // 404 unless owner or admin
    const capacity = await this.capacity(agentId, agent.trustLevel, now);
    const waiting = await this.prisma.client.job.findMany({
      where: { status: 'QUEUED', kind: { not: 'PIPELINE' } },
      select: { id: true, kind: true, requirements: true },
      orderBy: { createdAt: 'asc' },
      take: MAX_JOBS_EXPLAINED,
    });
    if (waiting.length === 0) return { agentId, summary: 'queue-empty: no job is waiting', jobs: [] };
    const jobs = waiting.flatMap((job) => {
      const result = match(RequirementsSchema.parse(job.requirements), capacity);
      return result.fits ? [] : [{ jobId: job.id, kind: job.kind.toLowerCase().replace('_', '-'), rule: result.rule, detail: result.detail }];
    });
    const fitting = waiting.length - jobs.length;
    return {
      agentId,
      summary: fitting > 0 ? `${fitting} waiting job(s) fit this agent and will be offered to it` : `none of the ${waiting.length} waiting job(s) fits this agent`,
      jobs,
    };
  }

  /** The agent as the matcher sees it, from its live presence. */
  async capacity(agentId: string, trustLevel: number, now: number): Promise<AgentCapacity> {
    const presence = await this.presence.get(agentId);
    const { status } = agentStatus(presence, now, { unhealthyAfterMs: this.config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, offlineAfterMs: this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS });
    return {
      status,
      trustLevel,
      ownerId: presence?.info.ownerId ?? null,
      runtimes: presence?.info.runtimes ?? [],
      driverVersion: presence?.info.driverVersion ?? null,
      cudaVersion: presence?.info.cudaVersion ?? null,
      devices: (presence?.info.devices ?? []).map((device) => ({
        deviceId: device.deviceId,
        memoryTotalMiB: device.memoryTotalMiB,
        computeCapability: device.computeCapability,
        availability: presence?.state.gpus.find((gpu) => gpu.index === device.index)?.availability ?? 'available',
      })),
    };
  }
}
