import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  acceptTelemetryBatch,
  HelloSchema,
  PROTOCOL_VERSION,
  StateReportSchema,
  TelemetryBatchSchema,
  type AgentAck,
  type AgentError,
  type Hello,
  type HelloResult,
  type TelemetryResult,
} from '@potluck/protocol';
import { schedulableDevices, withKnownComputeCapabilities } from '@potluck/nvidia-smi';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PgService } from '../database/pg.service.js';
import { FleetEvents } from '../fleet/fleet-events.js';
import { FleetSummaryService } from '../fleet/fleet-summary.service.js';
import { PresenceStore } from '../fleet/presence.store.js';
import type { PresenceDevice, PresenceInfo } from '../fleet/presence.types.js';
import type { AgentIdentity, AgentSession } from './socket-context.js';

/**
 * A hello's writes, one prepared statement (PgService), so one round trip and one commit: what
 * the host said about itself on the agent, and every schedulable device upserted. Every agent
 * says hello when it connects, so after a coordinator restart the whole fleet does within
 * seconds; through Prisma (a transaction of an update and this insert) these writes took
 * ~2.1–3.0 ms of CPU per hello, with pg ~0.15 ms (docs/performance.md). `agents` is 0 when the
 * agent may no longer connect with this token: it was revoked or rotated, or its owner
 * disabled, after the handshake checked it and before the socket joined the agent's room,
 * where the revocation would have reached it.
 */
const REGISTER_DEVICES = `
  WITH agent AS (
    UPDATE "Agent" a SET hostname = $2, "agentVersion" = $3, "protocolVersion" = $4, simulated = $5, "lastSeenAt" = $6
    FROM "User" u
    WHERE a.id = $1 AND a."tokenHash" = $16 AND a."revokedAt" IS NULL AND u.id = a."ownerId" AND u."disabledAt" IS NULL
    RETURNING a.id
  ), devices AS (
    INSERT INTO "Gpu" ("id", "agentId", "deviceId", "gpuIndex", "name", "memoryTotalMiB", "computeCapability", "architecture", "migProfile", "driverVersion", "cudaVersion", "firstSeenAt", "lastSeenAt")
    SELECT gen_random_uuid(), agent.id, input."deviceId", input."gpuIndex", input."name", input."memoryTotalMiB", input."computeCapability", input."architecture", input."migProfile", input."driverVersion", input."cudaVersion", $6, $6
    FROM agent CROSS JOIN unnest($7::text[], $8::int[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[])
      AS input("deviceId", "gpuIndex", "name", "memoryTotalMiB", "computeCapability", "architecture", "migProfile", "driverVersion", "cudaVersion")
    ON CONFLICT ("agentId", "deviceId") DO UPDATE SET
      "gpuIndex" = EXCLUDED."gpuIndex", "name" = EXCLUDED."name", "memoryTotalMiB" = EXCLUDED."memoryTotalMiB",
      "computeCapability" = EXCLUDED."computeCapability", "architecture" = EXCLUDED."architecture", "migProfile" = EXCLUDED."migProfile",
      "driverVersion" = EXCLUDED."driverVersion", "cudaVersion" = EXCLUDED."cudaVersion", "lastSeenAt" = EXCLUDED."lastSeenAt"
    RETURNING 1
  )
  SELECT count(*)::int AS agents FROM agent`;

const AGENT_LAST_SEEN = `UPDATE "Agent" SET "lastSeenAt" = $2 WHERE id = $1`;

/** Protocol versions this coordinator speaks. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

export function fail(code: AgentError['code'], message: string, issues?: AgentError['issues']): { ok: false; error: AgentError } {
  return { ok: false, error: { code, message, ...(issues ? { issues } : {}) } };
}

function parse<T extends z.ZodType>(schema: T, payload: unknown): { ok: true; value: z.infer<T> } | { ok: false; error: AgentError } {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  return fail(
    'INVALID_PAYLOAD',
    'The message does not match the protocol schema.',
    result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

/** The usual batch is taken as it is (no copy); anything else goes through the schema, which explains what is wrong. */
function parseTelemetryBatch(payload: unknown): ReturnType<typeof parse<typeof TelemetryBatchSchema>> {
  const accepted = acceptTelemetryBatch(payload);
  return accepted ? { ok: true, value: accepted } : parse(TelemetryBatchSchema, payload);
}

/**
 * What happens when an agent speaks: hello (negotiate, register GPUs, presence),
 * telemetry batches (ownership, replay protection, storage), state reports, disconnects.
 * Invalid messages get typed errors and store nothing.
 */
@Injectable()
export class AgentSessionService {
  private readonly logger = new Logger('AgentSession');

  constructor(
    private readonly pg: PgService,
    private readonly presence: PresenceStore,
    private readonly events: FleetEvents,
    private readonly summaries: FleetSummaryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * `stillConnected` is asked once the GPUs are registered, before the presence is written:
   * a connection that closed meanwhile (hello deadline, the agent gave up) must not become
   * the agent's presence in place of a live one.
   */
  async hello(identity: AgentIdentity, socketId: string, payload: unknown, stillConnected: () => boolean = () => true, now = Date.now()): Promise<{ ack: AgentAck<HelloResult>; session?: AgentSession }> {
    const parsed = parse(HelloSchema, payload);
    if (!parsed.ok) return { ack: parsed };
    const hello = parsed.value;
    const protocolVersion = Math.max(...hello.protocolVersions.filter((version) => SUPPORTED_PROTOCOL_VERSIONS.includes(version)));
    if (!Number.isFinite(protocolVersion)) {
      return { ack: fail('PROTOCOL_UNSUPPORTED', `This coordinator speaks protocol versions ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}; the agent offered ${hello.protocolVersions.join(', ')}. Update potluck-agent.`) };
    }
    const devices = await this.registerDevices(identity, hello, protocolVersion, now);
    if (devices === null) return { ack: fail('UNAUTHENTICATED', 'This agent token was revoked or replaced. Create a new one with POST /api/v1/agents.') };
    if (!stillConnected()) return { ack: fail('INTERNAL', 'The connection closed before hello was through.') };
    const info: PresenceInfo = {
      agentId: identity.agentId,
      ownerId: identity.ownerId,
      ownerHandle: identity.ownerHandle,
      name: identity.name,
      hostname: hello.host.hostname,
      simulated: hello.simulated,
      protocolVersion,
      driverVersion: hello.inventory.driverVersion,
      cudaVersion: hello.inventory.cudaVersion,
      runtimes: hello.runtimes,
      processCommands: hello.processCommands ?? [],
      devices,
    };
    await this.presence.connect(info, { mode: hello.mode, reason: hello.mode === 'active' ? 'connected' : `connected while ${hello.mode}`, gpus: hello.gpus, drainEta: null }, socketId, hello.runId, now);
    this.summaries.local.connected(identity.agentId, socketId, devices, { mode: hello.mode, gpus: hello.gpus }, now);
    this.events.changed(identity.agentId);
    this.events.freed(identity.agentId);
    const gpuUuids = new Set(hello.inventory.gpus.map((gpu) => gpu.uuid ?? `gpu-${gpu.index}`));
    return {
      ack: { ok: true, result: { agentId: identity.agentId, protocolVersion, telemetryIntervalMs: this.config.POTLUCK_TELEMETRY_INTERVAL_MS, maxBatchSamples: 512 } },
      session: { socketId, runId: hello.runId, protocolVersion, gpuUuids },
    };
  }

  async telemetry(identity: AgentIdentity, session: AgentSession, payload: unknown, now = Date.now()): Promise<AgentAck<TelemetryResult>> {
    const parsed = parseTelemetryBatch(payload);
    if (!parsed.ok) return parsed;
    const batch = parsed.value;
    const foreign = batch.samples.find((sample) => !session.gpuUuids.has(sample.gpuUuid));
    if (foreign) return fail('NOT_YOURS', `GPU ${foreign.gpuUuid} is not in this agent's inventory; nothing of this batch was stored.`);
    if (batch.dropped > 0) this.logger.warn({ agentId: identity.agentId, dropped: batch.dropped }, 'agent dropped buffered samples while disconnected');
    const outcome = await this.presence.applyTelemetry(identity.agentId, session.runId, batch.seq, batch.samples, now);
    if (outcome === 'no-session') return fail('HELLO_REQUIRED', 'This connection has no live session (it expired or was replaced); say hello again.');
    const seenBefore = this.summaries.local.seen(identity.agentId, session.socketId, outcome === 'stored' ? batch.samples : [], now);
    // An agent silent past the unhealthy threshold is back (its status changed): its whole view goes out.
    const wasSilent = seenBefore === null || now - seenBefore >= this.config.POTLUCK_AGENT_UNHEALTHY_AFTER_MS;
    if (wasSilent) this.events.changed(identity.agentId);
    else if (outcome === 'stored') this.events.sampled(identity.agentId);
    return { ok: true, result: { accepted: outcome === 'stored' ? batch.samples.length : 0, duplicate: outcome === 'duplicate' } };
  }

  async state(identity: AgentIdentity, socketId: string, payload: unknown, now = Date.now()): Promise<AgentAck<{ recorded: boolean }>> {
    const parsed = parse(StateReportSchema, payload);
    if (!parsed.ok) return parsed;
    const { mode, reason, gpus, drainEta } = parsed.value;
    const recorded = await this.presence.updateState(identity.agentId, socketId, { mode, reason, gpus, drainEta }, now);
    if (!recorded) return fail('HELLO_REQUIRED', 'This connection has no live session (it expired or was replaced); say hello again.');
    this.summaries.local.stateChanged(identity.agentId, socketId, { mode, gpus }, now);
    this.events.changed(identity.agentId);
    this.events.freed(identity.agentId);
    return { ok: true, result: { recorded } };
  }

  async disconnected(identity: AgentIdentity, socketId: string, reason: string, now = Date.now()): Promise<void> {
    this.summaries.local.disconnected(identity.agentId, socketId);
    await this.presence.disconnect(identity.agentId, socketId, reason, now);
    await this.pg.query(AGENT_LAST_SEEN, [identity.agentId, new Date(now)]);
    this.events.changed(identity.agentId);
  }

  /** Upserts the agent's schedulable devices and records what the hello said about the host; null when the token no longer admits it. */
  private async registerDevices(identity: AgentIdentity, hello: Hello, protocolVersion: number, now: number): Promise<PresenceDevice[] | null> {
    const { agentId } = identity;
    const inventory = withKnownComputeCapabilities(hello.inventory);
    const devices = schedulableDevices(inventory);
    const seenAt = new Date(now);
    const [registered] = await this.pg.query<{ agents: number }>(REGISTER_DEVICES, [
      agentId, hello.host.hostname, hello.agentVersion, protocolVersion, hello.simulated, seenAt,
      devices.map((d) => d.id), devices.map((d) => d.gpuIndex), devices.map((d) => d.name),
      devices.map((d) => (d.memoryTotalMiB === null ? null : Math.round(d.memoryTotalMiB))), devices.map((d) => d.computeCapability),
      devices.map((d) => d.architecture), devices.map((d) => d.migProfile), devices.map((d) => d.driverVersion), devices.map((d) => d.cudaVersion),
      identity.tokenHash,
    ]);
    if (!registered?.agents) return null;
    return inventory.gpus.map((gpu) => {
      const device = devices.find((d) => d.gpuIndex === gpu.index);
      return {
        index: gpu.index,
        deviceId: gpu.uuid ?? `gpu-${gpu.index}`,
        name: gpu.name,
        memoryTotalMiB: gpu.memoryTotalMiB,
        computeCapability: gpu.computeCapability,
        architecture: device?.architecture ?? null,
        migDevices: gpu.migEnabled ? gpu.migDevices.length : 0,
      };
    });
  }
}
