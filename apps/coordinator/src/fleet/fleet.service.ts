import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { FleetAgent, FleetAgentSamples, FleetGpu, FleetPage, FleetQuery, FleetSummary, TelemetrySample } from '@potluck/protocol';
import { canAccess, type Principal } from '../auth/principal.js';
import { NotFoundError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PgService } from '../database/pg.service.js';
import { PrismaService } from '../database/prisma.service.js';
import { jobKindView } from '../jobs/job-views.js';
import { agentStatus } from './agent-status.js';
import { FleetSummaryService } from './fleet-summary.service.js';
import { peakTflops } from './peak-tflops.js';
import { PresenceStore } from './presence.store.js';
import type { Presence } from './presence.types.js';

interface AgentRow {
  id: string;
  name: string;
  ownerId: string;
  simulated: boolean;
  hostname: string | null;
  lastSeenAt: Date | null;
  ownerHandle: string;
}

const AGENT_ROW_FIELDS = { id: true, name: true, ownerId: true, simulated: true, hostname: true, lastSeenAt: true, owner: { select: { handle: true } } } as const;

/**
 * The live feed's two reads, every second for up to 200 agents, as prepared statements
 * (PgService): through Prisma the agents' read took ~2.6 ms of CPU for 200 ids, with pg
 * ~0.3 ms (docs/performance.md). They start from the list of ids (see PgService).
 */
const AGENT_ROWS_BY_IDS = `
  SELECT a.id, a.name, a."ownerId", a.simulated, a.hostname, a."lastSeenAt", u.handle AS "ownerHandle"
  FROM (SELECT DISTINCT id FROM unnest($1::uuid[]) AS ids(id)) AS input
  JOIN "Agent" a ON a.id = input.id
  JOIN "User" u ON u.id = a."ownerId"
  WHERE a."revokedAt" IS NULL`;

const RUNNING_ATTEMPTS_BY_AGENT_IDS = `
  SELECT at."agentId", at."deviceIds", j.id AS "jobId", j.kind, j."ownerId"
  FROM unnest($1::uuid[]) AS input(id)
  JOIN "JobAttempt" at ON at."agentId" = input.id
  JOIN "Job" j ON j.id = at."jobId"
  WHERE at.status IN ('ASSIGNED', 'RUNNING')`;

interface RunningAttemptRow {
  agentId: string;
  deviceIds: string[];
  jobId: string;
  kind: string;
  ownerId: string;
}

/** An agent row as Prisma selects it (AGENT_ROW_FIELDS), in the shape the pg reads return. */
function agentRow({ owner, ...row }: Omit<AgentRow, 'ownerHandle'> & { owner: { handle: string } }): AgentRow {
  return { ...row, ownerHandle: owner.handle };
}

const STATUS_ORDER = { online: 0, draining: 1, paused: 2, unhealthy: 3, offline: 4 } as const;

/** Builds the fleet's public view from PostgreSQL (who exists) and Redis (who is live). */
@Injectable()
export class FleetService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly pg: PgService,
    private readonly presence: PresenceStore,
    private readonly summaries: FleetSummaryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: FleetQuery, viewer: Principal | null, now = Date.now()): Promise<FleetPage> {
    const rows = await this.prisma.client.agent.findMany({
      where: { revokedAt: null, ...(query.mine && viewer ? { ownerId: viewer.userId } : {}), ...(query.simulated === undefined ? {} : { simulated: query.simulated }) },
      select: AGENT_ROW_FIELDS,
      orderBy: { name: 'asc' },
      take: 10_000,
    });
    const views = await this.views(rows.map(agentRow), viewer, now);
    const gpuFilter = query.gpu?.toLowerCase();
    const filtered = views
      .filter((agent) => !query.status || agent.status === query.status)
      .filter((agent) => !gpuFilter || agent.gpus.some((gpu) => gpu.name.toLowerCase().includes(gpuFilter)))
      .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name));
    return { summary: summarize(views), agents: filtered.slice(query.offset, query.offset + query.limit), total: filtered.length };
  }

  async get(agentId: string, viewer: Principal | null, now = Date.now()): Promise<FleetAgent> {
    const row = await this.prisma.client.agent.findUnique({
      where: { id: agentId },
      select: { ...AGENT_ROW_FIELDS, revokedAt: true },
    });
    if (!row || (row.revokedAt && !(viewer && canAccess(viewer, row.ownerId)))) throw new NotFoundError('Agent');
    const [view] = await this.views([agentRow(row)], viewer, now);
    if (!view) throw new NotFoundError('Agent');
    return view;
  }

  /** `list(…).summary` without building the whole fleet (see FleetSummaryService). */
  summary(now = Date.now()): Promise<FleetSummary> {
    return this.summaries.summary(now);
  }

  /**
   * Views of these agents (unknown or revoked ids are left out), handed to `deliver` a part
   * of at most `partSize` agents at a time, with a turn of the event loop between parts: the
   * live feed's 200 views built and sent in one go held the coordinator for 40-50 ms every
   * second at 10,000 agents, and every message that arrived meanwhile waited that long for
   * its acknowledgement. The PostgreSQL reads are done once for all of them.
   */
  async viewsByIdsInParts(agentIds: readonly string[], partSize: number, deliver: (views: FleetAgent[]) => void, now = Date.now()): Promise<void> {
    if (agentIds.length === 0) return;
    const rows = await this.pg.query<AgentRow>(AGENT_ROWS_BY_IDS, [agentIds]);
    const work = await this.runningWork(rows.map((row) => row.id), null);
    for (let start = 0; start < rows.length; start += partSize) {
      if (start > 0) await nextTurn();
      deliver(await this.build(rows.slice(start, start + partSize), work, null, now));
    }
  }

  /**
   * The latest samples of these agents, from what this process holds in memory for the agents
   * connected to it (others are left out): the live feed's update for an agent that only sent
   * telemetry, with no read of PostgreSQL or Redis.
   */
  latestSamples(agentIds: Iterable<string>): FleetAgentSamples[] {
    const updates: FleetAgentSamples[] = [];
    for (const agentId of agentIds) {
      const update = this.summaries.local.latest(agentId);
      if (update) updates.push(update);
    }
    return updates;
  }

  /**
   * Views of the given agents, in order. The PostgreSQL read comes first and the Redis reads
   * last, right before the views are built: the decoded presences and samples (the bulk of
   * it) then live for one Redis round trip, not for as long as the slower query takes, and
   * do not outlive young-generation collections (the live feed builds these every second).
   */
  async views(rows: readonly AgentRow[], viewer: Principal | null, now = Date.now()): Promise<FleetAgent[]> {
    return this.build(rows, await this.runningWork(rows.map((row) => row.id), viewer), viewer, now);
  }

  private async build(rows: readonly AgentRow[], work: Map<string, Map<string, GpuWork>>, viewer: Principal | null, now: number): Promise<FleetAgent[]> {
    const ids = rows.map((row) => row.id);
    const [presences, latest] = await Promise.all([this.presence.getMany(ids), this.presence.latest(ids)]);
    return rows.map((row, i) => toView(row, presences[i] ?? null, latest.get(row.id) ?? new Map<string, TelemetrySample>(), work.get(row.id) ?? new Map<string, GpuWork>(), viewer, now, this.config));
  }

  /** Per agent, the running attempts' work by device id (job ids only where the viewer may see the job). */
  private async runningWork(agentIds: readonly string[], viewer: Principal | null): Promise<Map<string, Map<string, GpuWork>>> {
    const work = new Map<string, Map<string, GpuWork>>();
    if (agentIds.length === 0) return work;
    const attempts = await this.pg.query<RunningAttemptRow>(RUNNING_ATTEMPTS_BY_AGENT_IDS, [agentIds]);
    for (const attempt of attempts) {
      const byDevice = work.get(attempt.agentId) ?? new Map<string, GpuWork>();
      const view: GpuWork = { kind: jobKindView(attempt.kind), jobId: viewer && canAccess(viewer, attempt.ownerId) ? attempt.jobId : null };
      for (const deviceId of attempt.deviceIds) byDevice.set(deviceId, view);
      work.set(attempt.agentId, byDevice);
    }
    return work;
  }
}

type GpuWork = NonNullable<FleetGpu['work']>;

function toView(row: AgentRow, presence: Presence | null, latest: Map<string, TelemetrySample>, work: Map<string, GpuWork>, viewer: Principal | null, now: number, config: AppConfig): FleetAgent {
  const { status, reason } = agentStatus(presence, now, { unhealthyAfterMs: config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS, offlineAfterMs: config.POTLUCK_AGENT_OFFLINE_AFTER_MS });
  const live = status !== 'offline';
  const gpus: FleetGpu[] = (presence?.info.devices ?? []).map((device) => {
    const state = presence?.state.gpus.find((gpu) => gpu.index === device.index);
    return {
      ...device,
      availability: state?.availability ?? 'available',
      reason: state?.reason ?? '',
      until: state?.until ?? null,
      latest: live ? (latest.get(device.deviceId) ?? null) : null,
      work: work.get(device.deviceId) ?? null,
    };
  });
  const lastSeen = presence?.lastSeen ?? row.lastSeenAt?.getTime() ?? null;
  return {
    id: row.id,
    name: row.name,
    ownerHandle: row.ownerHandle,
    simulated: presence?.info.simulated ?? row.simulated,
    status,
    reason,
    mode: live ? (presence?.state.mode ?? null) : null,
    lastSeenAt: lastSeen === null ? null : new Date(lastSeen).toISOString(),
    connectedAt: presence && live ? new Date(presence.connectedAt).toISOString() : null,
    driverVersion: presence?.info.driverVersion ?? null,
    cudaVersion: presence?.info.cudaVersion ?? null,
    drainEta: live ? (presence?.state.drainEta ?? null) : null,
    gpus,
    hostname: viewer && canAccess(viewer, row.ownerId) ? (presence?.info.hostname ?? row.hostname) : null,
  };
}

export function summarize(agents: readonly FleetAgent[]): FleetSummary {
  const live = agents.filter((agent) => agent.status !== 'offline');
  const gpus = live.flatMap((agent) => agent.gpus);
  const available = live.filter((agent) => agent.status === 'online').flatMap((agent) => agent.gpus).filter((gpu) => gpu.availability === 'available');
  return {
    agentsOnline: live.length,
    gpusOnline: gpus.length,
    gpusAvailable: available.length,
    vramOnlineMiB: gpus.reduce((sum, gpu) => sum + (gpu.memoryTotalMiB ?? 0), 0),
    powerDrawW: gpus.reduce((sum, gpu) => sum + (gpu.latest?.powerDrawW ?? 0), 0),
    tflopsAvailable: available.reduce((sum, gpu) => sum + peakTflops(gpu.name), 0),
  };
}
