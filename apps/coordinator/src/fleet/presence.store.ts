import { Inject, Injectable } from '@nestjs/common';
import type { TelemetrySample } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LuaScript } from '../redis/lua-script.js';
import { RedisService } from '../redis/redis.service.js';
import type { Presence, PresenceInfo, PresenceState } from './presence.types.js';
import { decodeRollupReply, ROLLUP_MINUTES } from './rollup-script.js';
import type { MinuteRollup } from './telemetry-rollup.js';
import { TurnBatcher } from './turn-batcher.js';
import { decodeSample, encodeSample } from './sample-codec.js';

/** How long the latest samples and raw history outlive an agent's last batch (at most: see APPLY_TELEMETRY). */
const RAW_TELEMETRY_KEEP_MS = 86_400_000;
/** Samples a raw history list may hold past its length before it is trimmed back (one LTRIM per this many batches). */
export const HISTORY_TRIM_SLACK = 32;

/**
 * Applies the telemetry batches of one event-loop turn (see TurnBatcher), each on its own:
 * drops a replayed batch (same agent run, seq not newer), else stores the
 * latest sample per GPU, appends to each GPU's capped raw history, and refreshes the
 * agent's presence, its place in the fleet set and its GPUs' in the active set. Returns one
 * result per batch, in order: 1 when stored, 0 for a replay, -1 when the presence is gone
 * (no hello on record for this run), or the error's text when Redis refused a command for
 * that batch (the other batches are not affected; what the refused batch wrote before the
 * refusal stays, as Lua scripts do not roll back).
 *
 * Redis commands are what a batch costs Redis (it used ~20 % of a core at 10,000 agents,
 * on the CPUs the coordinator needs), so a batch makes as few as it can:
 * - the latest samples go in one HSET and the GPUs' active marks in one ZADD, however many
 *   GPUs the batch has;
 * - a history list is trimmed once it holds HISTORY_TRIM_SLACK samples past its length
 *   (readers see only the newest `limit`: `PresenceStore.history`, ROLLUP_MINUTES);
 * - the one-day expiry of the latest hash and the history lists is set when a key is new
 *   and refreshed on the agent's first batch of each clock hour (the presence's previous
 *   lastSeen says which), instead of on every batch: raw history outlives its last sample
 *   by 23 to 24 hours.
 * The presence's own expiry is the offline timeout and is refreshed on every batch.
 *
 * ARGV: the agents' key base (`<prefix>:agent:{`), presence expiry (ms), history length,
 * fleet key, active-GPUs key, and the batches as one JSON array: per batch
 * `[agentId, runId, seq, now, gpuUuid, stored sample, gpuUuid, stored sample, …]` (seq and
 * now as strings, so they reach Redis exactly). One argument instead of a dozen per batch:
 * at 10,000 agents encoding every argument as its own RESP string (and ioredis copying the
 * argument list four times) was a sixth of everything the coordinator allocated. The keys
 * are derived here from the key base: one script call serves agents whose keys sit in
 * different hash slots, so this needs one Redis (or Sentinel) rather than Redis Cluster.
 */
const APPLY_TELEMETRY = new LuaScript(`
local base, ttl, limit, fleet, active = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local KEEP_MS, HOUR_MS, SLACK = ${RAW_TELEMETRY_KEEP_MS}, 3600000, ${HISTORY_TRIM_SLACK}
local function apply(batch)
  local agent, runId, seq, now = batch[1], batch[2], batch[3], batch[4]
  local keys = base .. agent .. '}:'
  local presence = keys .. 'presence'
  local current = redis.call('HMGET', presence, 'runId', 'lastSeq', 'lastSeen')
  if not current[1] or current[1] ~= runId then return -1 end
  redis.call('ZADD', fleet, 'GT', now, agent)
  if tonumber(seq) <= tonumber(current[2] or '-1') then
    redis.call('HSET', presence, 'lastSeen', now)
    redis.call('PEXPIRE', presence, ttl)
    return 0
  end
  redis.call('HSET', presence, 'lastSeq', seq, 'lastSeen', now)
  redis.call('PEXPIRE', presence, ttl)
  if #batch < 5 then return 1 end
  local newHour = math.floor(tonumber(now) / HOUR_MS) ~= math.floor((tonumber(current[3] or '0') or 0) / HOUR_MS)
  local latest = keys .. 'latest'
  local latestArgs, activeArgs = { latest }, { active, 'GT' }
  for i = 5, #batch, 2 do
    local gpu, sample = batch[i], batch[i + 1]
    latestArgs[#latestArgs + 1] = gpu
    latestArgs[#latestArgs + 1] = sample
    activeArgs[#activeArgs + 1] = now
    activeArgs[#activeArgs + 1] = agent .. '|' .. gpu
    local history = keys .. 'history:' .. gpu
    local length = redis.call('LPUSH', history, sample)
    if length > limit + SLACK then redis.call('LTRIM', history, 0, limit - 1) end
    if length == 1 or newHour then redis.call('PEXPIRE', history, KEEP_MS) end
  end
  local added = redis.call('HSET', unpack(latestArgs))
  if added > 0 or newHour then redis.call('PEXPIRE', latest, KEEP_MS) end
  redis.call('ZADD', unpack(activeArgs))
  return 1
end
local batches = cjson.decode(ARGV[6])
local results = {}
for b = 1, #batches do
  local ok, outcome = pcall(apply, batches[b])
  if not ok then outcome = type(outcome) == 'table' and tostring(outcome.err) or tostring(outcome) end
  results[b] = outcome
end
return results
`);

/**
 * Updates a presence only while it is still this socket's, in one step: with a read and a
 * separate write, an old socket's disconnect could land after a newer socket's hello and mark
 * the live agent offline (or a late state report overwrite the new state).
 * KEYS: presence, fleet set. ARGV: socket id, presence expiry (ms), the fleet set's score and
 * member ('' for no fleet update), then the fields and values to set. Returns 1 when written.
 */
const UPDATE_IF_SOCKET = new LuaScript(`
if redis.call('HGET', KEYS[1], 'socketId') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4]) end
return 1
`);

/**
 * What one script call may carry, counting a batch as 1 plus its samples (a turn with more
 * makes several calls): Redis runs a script as one block, so this bounds how long one call
 * keeps other clients waiting (a batch may hold up to 512 samples).
 */
const WEIGHT_PER_SCRIPT_CALL = 2000;
/**
 * Telemetry script calls under way at once; batches that arrive meanwhile go together in the
 * next call (TurnBatcher's group commit). Each call is a socket write that wakes Redis (~45 µs
 * of the coordinator's CPU in this project's VMs) and a script run with its own overhead, so
 * when acknowledgements pile up (a stall, a restart's resent batches) fewer, larger calls
 * queue at Redis instead of many small ones. At a steady 2,000 batches a second it changes
 * little: ~877 calls a second instead of ~970 (docs/performance.md, eleventh session).
 */
const SCRIPT_CALLS_IN_FLIGHT = 1;

interface TelemetryWrite {
  agentId: string;
  runId: string;
  seq: number;
  now: number;
  samples: readonly TelemetrySample[];
}

export type TelemetryOutcome = 'stored' | 'duplicate' | 'no-session';

/**
 * Agent presence, latest telemetry and raw history in Redis, shared by every
 * coordinator process. Presence expires on its own when nothing refreshes it (a
 * coordinator that dies takes no agent with it for longer than the expiry).
 */
@Injectable()
export class PresenceStore {
  /** The telemetry batches of one event-loop turn go to Redis as one script call, one call at a time. */
  private readonly telemetryWrites = new TurnBatcher<TelemetryWrite, unknown>((writes) => this.writeTelemetry(writes), {
    maxWeightPerCall: WEIGHT_PER_SCRIPT_CALL,
    weigh: (write) => 1 + write.samples.length,
    maxCallsInFlight: SCRIPT_CALLS_IN_FLIGHT,
  });

  /** Every per-agent key starts with this, then the agent id and `}:` (the id is the key's hash tag). */
  private readonly agentKeyBase: string;

  constructor(
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.agentKeyBase = `${redis.key('agent')}:{`;
  }

  private presenceKey(agentId: string): string {
    return `${this.agentKeyBase}${agentId}}:presence`;
  }
  private latestKey(agentId: string): string {
    return `${this.agentKeyBase}${agentId}}:latest`;
  }
  private historyPrefix(agentId: string): string {
    return `${this.agentKeyBase}${agentId}}:history:`;
  }
  private get fleetKey(): string {
    return this.redis.key('fleet');
  }
  private get activeGpusKey(): string {
    return this.redis.key('telemetry', 'active');
  }

  /** Records a new connection (after hello), replacing whatever was there. */
  async connect(info: PresenceInfo, state: PresenceState, socketId: string, runId: string, now: number): Promise<void> {
    const key = this.presenceKey(info.agentId);
    // The same agent process reconnecting keeps its replay protection (it resends unacknowledged batches).
    const [previousRunId, previousSeq] = await this.redis.client.hmget(key, 'runId', 'lastSeq');
    const lastSeq = previousRunId === runId && previousSeq ? previousSeq : '-1';
    await this.redis.client
      .multi()
      .del(key)
      .hset(key, {
        info: JSON.stringify(info),
        state: JSON.stringify(state),
        connected: '1',
        disconnectReason: '',
        socketId,
        runId,
        lastSeq,
        connectedAt: String(now),
        lastSeen: String(now),
      })
      .pexpire(key, this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS)
      .zadd(this.fleetKey, now, info.agentId)
      .exec();
  }

  async updateState(agentId: string, socketId: string, state: PresenceState, now: number): Promise<boolean> {
    // Only the socket id is needed: a presence with it was written whole by `connect`.
    return this.updateIfSocket(agentId, socketId, { fleetScore: now }, ['state', JSON.stringify(state), 'lastSeen', String(now)]);
  }

  /** Sets `fields` on the presence if it is still `socketId`'s (and refreshes its expiry; with `fleetScore`, its place in the fleet set). */
  private async updateIfSocket(agentId: string, socketId: string, options: { fleetScore?: number }, fields: string[]): Promise<boolean> {
    const written = await UPDATE_IF_SOCKET.run(
      this.redis.client, 2, this.presenceKey(agentId), this.fleetKey,
      socketId, this.config.POTLUCK_AGENT_OFFLINE_AFTER_MS, options.fleetScore ?? 0, options.fleetScore === undefined ? '' : agentId, ...fields,
    );
    return written === 1;
  }

  async applyTelemetry(agentId: string, runId: string, seq: number, samples: readonly TelemetrySample[], now: number): Promise<TelemetryOutcome> {
    const result = await this.telemetryWrites.add({ agentId, runId, seq, now, samples });
    if (result === 1) return 'stored';
    if (result === 0) return 'duplicate';
    return 'no-session';
  }

  private async writeTelemetry(writes: readonly TelemetryWrite[]): Promise<unknown[]> {
    const batches = writes.map(({ agentId, runId, seq, now, samples }) => {
      const batch: string[] = [agentId, wellFormed(runId), String(seq), String(now)];
      for (const sample of samples) batch.push(wellFormed(sample.gpuUuid), encodeSample(sample));
      return batch;
    });
    const config = this.config;
    const results = (await APPLY_TELEMETRY.run(this.redis.client, 0, this.agentKeyBase, config.POTLUCK_AGENT_OFFLINE_AFTER_MS, config.POTLUCK_TELEMETRY_HISTORY_SAMPLES, this.fleetKey, this.activeGpusKey, JSON.stringify(batches))) as unknown[];
    return results.map((result) => (typeof result === 'string' ? new Error(result) : result));
  }

  /** Marks the connection ended, unless a newer connection of the same agent took over. */
  async disconnect(agentId: string, socketId: string, reason: string, now: number): Promise<void> {
    await this.updateIfSocket(agentId, socketId, {}, ['connected', '0', 'disconnectReason', reason, 'lastSeen', String(now)]);
  }

  async get(agentId: string): Promise<Presence | null> {
    return (await this.getMany([agentId]))[0] ?? null;
  }

  /** Presence of each agent, in order; null where it expired or never existed. */
  async getMany(agentIds: readonly string[]): Promise<(Presence | null)[]> {
    if (agentIds.length === 0) return [];
    const pipeline = this.redis.client.pipeline();
    for (const id of agentIds) pipeline.hgetall(this.presenceKey(id));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, raw]) => (error ? null : parsePresence(raw as Record<string, string>)));
  }

  async latest(agentIds: readonly string[]): Promise<Map<string, Map<string, TelemetrySample>>> {
    const pipeline = this.redis.client.pipeline();
    for (const id of agentIds) pipeline.hgetall(this.latestKey(id));
    const results = (await pipeline.exec()) ?? [];
    return new Map(
      agentIds.map((id, i) => {
        const raw = (results[i]?.[1] ?? {}) as Record<string, string>;
        return [id, new Map(Object.entries(raw).map(([gpu, stored]) => [gpu, decodeSample(gpu, stored)]))];
      }),
    );
  }

  /** Raw samples of one GPU, oldest first. */
  async history(agentId: string, gpuUuid: string): Promise<TelemetrySample[]> {
    const items = await this.redis.client.lrange(`${this.historyPrefix(agentId)}${gpuUuid}`, 0, this.config.POTLUCK_TELEMETRY_HISTORY_SAMPLES - 1);
    return items.map((stored) => decodeSample(gpuUuid, stored)).reverse();
  }

  /** Agents seen since `since` (ms), newest first. */
  async recentAgents(since: number): Promise<string[]> {
    return this.redis.client.zrevrangebyscore(this.fleetKey, '+inf', since);
  }

  /** Agents last seen after `after` and at or before `until` (ms): those whose silence crossed a threshold in that span. */
  async lastSeenBetween(after: number, until: number): Promise<string[]> {
    if (until <= after) return [];
    return this.redis.client.zrangebyscore(this.fleetKey, `(${after}`, until);
  }

  /** GPUs that sent samples since `since`: pairs of agent id and GPU uuid. */
  async activeGpus(since: number): Promise<{ agentId: string; gpuUuid: string }[]> {
    const members = await this.redis.client.zrangebyscore(this.activeGpusKey, since, '+inf');
    await this.redis.client.zremrangebyscore(this.activeGpusKey, '-inf', since - 1);
    return members.map((member) => {
      const [agentId = '', gpuUuid = ''] = member.split('|');
      return { agentId, gpuUuid };
    });
  }

  /**
   * For the roll-up job: each GPU's complete minutes that are not rolled up yet, in the order
   * asked, computed inside Redis from the raw history (ROLLUP_MINUTES, one call).
   */
  async completeMinutes(
    gpus: readonly { agentId: string; gpuUuid: string }[],
    window: { now: number; maxGapMs: number; expectedIntervalMs: number; silentCloseMs: number },
  ): Promise<MinuteRollup[][]> {
    if (gpus.length === 0) return [];
    const args: (string | number)[] = [this.agentKeyBase, this.rolledUpKey, window.now, window.maxGapMs, window.expectedIntervalMs, this.config.POTLUCK_TELEMETRY_HISTORY_SAMPLES, window.silentCloseMs];
    for (const { agentId, gpuUuid } of gpus) args.push(agentId, gpuUuid);
    const reply = await ROLLUP_MINUTES.run(this.redis.client, 0, ...args);
    return decodeRollupReply(reply, gpus.map(({ gpuUuid }) => gpuUuid));
  }

  /** Moves the marks of many GPUs in one command. */
  async setRolledUpToMany(marks: readonly { agentId: string; gpuUuid: string; minute: number }[]): Promise<void> {
    if (marks.length === 0) return;
    await this.redis.client.hset(this.rolledUpKey, Object.fromEntries(marks.map(({ agentId, gpuUuid, minute }) => [`${agentId}|${gpuUuid}`, String(minute)])));
  }

  private get rolledUpKey(): string {
    return this.redis.key('telemetry', 'rolled-up');
  }
}

/**
 * The string with each lone UTF-16 surrogate replaced by U+FFFD: the bytes ioredis writes for
 * it as an argument. The agent chooses its run id and GPU uuids; `JSON.stringify` writes a
 * lone surrogate as a `\uD800` escape, which Redis's cjson refuses, and that would fail the
 * whole call, every other agent's batches in it included.
 */
function wellFormed(value: string): string {
  return (value as string & { toWellFormed(): string }).toWellFormed();
}

function parsePresence(raw: Record<string, string>): Presence | null {
  if (!raw.info || !raw.state || !raw.socketId || !raw.runId) return null;
  return {
    info: JSON.parse(raw.info) as PresenceInfo,
    state: JSON.parse(raw.state) as PresenceState,
    connected: raw.connected === '1',
    disconnectReason: raw.disconnectReason || null,
    socketId: raw.socketId,
    runId: raw.runId,
    connectedAt: Number(raw.connectedAt),
    lastSeen: Number(raw.lastSeen),
  };
}
