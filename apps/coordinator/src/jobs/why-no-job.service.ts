import { Inject, Injectable } from '@nestjs/common';
import { RequirementsSchema, type JobWhy, type WhyNoJob, type WhyNot } from '@potluck/protocol';
import { AgentsService } from '../agents/agents.service.js';
import { canAccess, type RequestContext } from '../auth/principal.js';
import { NotFoundError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { agentStatus } from '../fleet/agent-status.js';
import { PresenceStore } from '../fleet/presence.store.js';
import type { Presence } from '../fleet/presence.types.js';
import { match, type AgentCapacity } from './matcher.js';

/** Waiting jobs examined for one answer (oldest first). */
const MAX_JOBS_EXPLAINED = 100;
/** Agents examined for one job's answer (most recently seen first). */
const MAX_AGENTS_EXAMINED = 5000;

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

  /**
   * For a queued job (owner or admin): every recently seen agent checked against its
   * requirements, counted by the rule that keeps it away. Fairness between builders and
   * priorities decide the order among jobs that fit; this says whether any agent can take it.
   */
  async explainJob(jobId: string, context: RequestContext, now = Date.now()): Promise<JobWhy> {
    const job = await this.prisma.client.job.findUnique({ where: { id: jobId }, select: { id: true, ownerId: true, status: true, kind: true, requirements: true } });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    const base = { jobId: job.id, agentsExamined: 0, agentsFitting: 0, rules: [] };
    if (job.status !== 'QUEUED') return { ...base, summary: `The job is not waiting: it is ${job.status.toLowerCase()}.` };
    if (job.kind === 'PIPELINE') return { ...base, summary: 'A pipeline waits through its steps: ask each queued step.' };
    const requirements = RequirementsSchema.parse(job.requirements);
    const agentIds = (await this.presence.recentAgents(now - this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS)).slice(0, MAX_AGENTS_EXAMINED);
    const [presences, rows] = await Promise.all([
      this.presence.getMany(agentIds),
      this.prisma.client.agent.findMany({ where: { id: { in: agentIds }, revokedAt: null }, select: { id: true, trustLevel: true } }),
    ]);
    const trust = new Map(rows.map((row) => [row.id, row.trustLevel]));
    const byRule = new Map<WhyNot, { agents: number; example: string }>();
    let fitting = 0;
    agentIds.forEach((agentId, i) => {
      const trustLevel = trust.get(agentId);
      if (trustLevel === undefined) return; // revoked
      const result = match(requirements, capacityOf(presences[i] ?? null, trustLevel, now, this.config));
      if (result.fits) {
        fitting += 1;
        return;
      }
      const entry = byRule.get(result.rule) ?? { agents: 0, example: result.detail };
      entry.agents += 1;
      byRule.set(result.rule, entry);
    });
    const rules = [...byRule.entries()].map(([rule, entry]) => ({ rule, ...entry })).sort((a, b) => b.agents - a.agents);
    const examined = fitting + rules.reduce((sum, rule) => sum + rule.agents, 0);
    const summary =
      examined === 0 ? 'No agent is online.'
      : fitting > 0 ? `${fitting} of ${examined} online agent(s) can run it now; it goes out when the fair order among builders reaches it.`
      : `None of the ${examined} online agent(s) can run it: ${rules.map((rule) => `${rule.rule} (${rule.agents})`).join(', ')}.`;
    return { jobId: job.id, summary, agentsExamined: examined, agentsFitting: fitting, rules };
  }

  /** The agent as the matcher sees it, from its live presence. */
  async capacity(agentId: string, trustLevel: number, now: number): Promise<AgentCapacity> {
    return capacityOf(await this.presence.get(agentId), trustLevel, now, this.config);
  }

  /** Several agents as the matcher sees them (one Redis round trip), in order; each given its trust level. */
  async capacities(agentIds: readonly string[], now: number): Promise<((trustLevel: number) => AgentCapacity)[]> {
    const presences = await this.presence.getMany(agentIds);
    return agentIds.map((_, i) => (trustLevel: number) => capacityOf(presences[i] ?? null, trustLevel, now, this.config));
  }
}

/** An agent as the matcher sees it, from its live presence (offline without one). */
function capacityOf(presence: Presence | null, trustLevel: number, now: number, config: AppConfig): AgentCapacity {
  const { status } = agentStatus(presence, now, { unhealthyAfterMs: config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, offlineAfterMs: config.POTLUCK_AGENT_OFFLINE_AFTER_MS });
  return {
    status,
    trustLevel,
    ownerId: presence?.info.ownerId ?? null,
    runtimes: presence?.info.runtimes ?? [],
    processCommands: presence?.info.processCommands ?? [],
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
