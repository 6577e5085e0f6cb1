/**
 * The simulated machines of the fleet telemetry benchmark, shared by the parent (which
 * seeds the database with each agent's token hash) and the client processes (which
 * connect with the tokens and send hello and telemetry).
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

/** One donor per agent with its token's sha256 (prefix and hash as the coordinator stores them), 5,000 per statement. */
export async function seedAgents(databaseUrl, seed, count) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const chunk = 5000;
    for (let from = 0; from < count; from += chunk) {
      const indexes = Array.from({ length: Math.min(chunk, count - from) }, (_, i) => from + i);
      const tokens = indexes.map((index) => tokenOf(seed, index));
      await client.query(
        `WITH input AS (
           SELECT gen_random_uuid() AS user_id, gen_random_uuid() AS agent_id, i, token_prefix, token_hash
           FROM unnest($1::int[], $2::text[], $3::text[]) AS t(i, token_prefix, token_hash)
         ), users AS (
           INSERT INTO "User" (id, handle, "displayName", roles)
           SELECT user_id, 'bench-donor-' || i, 'Bench donor ' || i, '{DONOR}'::"Role"[] FROM input
         )
         INSERT INTO "Agent" (id, "ownerId", name, "tokenPrefix", "tokenHash", simulated)
         SELECT agent_id, user_id, 'bench-agent-' || i, token_prefix, token_hash, true FROM input`,
        [indexes, tokens.map((token) => token.slice(0, 13)), tokens.map((token) => createHash('sha256').update(token, 'utf8').digest('hex'))],
      );
    }
  } finally {
    await client.end();
  }
}

/** `pat_` + 43 base64url characters, like apps/coordinator/src/auth/secrets.ts. */
export function tokenOf(seed, index) {
  return `pat_${createHash('sha256').update(`${seed}:${index}`).digest('base64url')}`;
}

/** GPUs per simulated machine, by agent index: 60 % one GPU, 25 % two, 10 % four, 5 % eight (mean 1.9). */
export function gpuCountOf(index) {
  const slot = index % 20;
  if (slot < 12) return 1;
  if (slot < 17) return 2;
  if (slot < 19) return 4;
  return 8;
}

const MODELS = [
  { name: 'NVIDIA GeForce RTX 4090', memoryTotalMiB: 24564, powerLimitW: 450 },
  { name: 'NVIDIA GeForce RTX 3090', memoryTotalMiB: 24576, powerLimitW: 350 },
  { name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920, powerLimitW: 400 },
  { name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559, powerLimitW: 700 },
];

function gpuUuidOf(agentIndex, gpuIndex) {
  const hex = createHash('sha1').update(`${agentIndex}/${gpuIndex}`).digest('hex');
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function inventoryGpu(index, uuid, model) {
  return {
    index, uuid, name: model.name, busId: `00000000:${(index + 1).toString(16).padStart(2, '0').toUpperCase()}:00.0`, serial: null,
    vbiosVersion: null, virtualizationMode: 'None', persistenceMode: true, memoryTotalMiB: model.memoryTotalMiB, memoryUsedMiB: 1,
    memoryFreeMiB: model.memoryTotalMiB - 1, utilizationGpuPct: 0, utilizationMemoryPct: 0, temperatureC: 35, fanSpeedPct: 30, pstate: 'P8',
    powerDrawW: 20, powerLimitW: model.powerLimitW, clocksGraphicsMHz: 210, clocksSmMHz: 210, clocksMemoryMHz: 405,
    clocksMaxGraphicsMHz: 2520, clocksMaxMemoryMHz: 10501, computeCapability: null, migEnabled: false, migDevices: [],
  };
}

/** One simulated machine (`protocolVersion` from @potluck/protocol): its hello and a generator of plausible telemetry batches. */
export function agentOf(index, protocolVersion) {
  const model = MODELS[index % MODELS.length];
  const gpus = Array.from({ length: gpuCountOf(index) }, (_, gpu) => ({ index: gpu, uuid: gpuUuidOf(index, gpu) }));
  const runId = `bench-${randomBytes(8).toString('hex')}`;
  const hello = {
    agentVersion: '0.1.0-bench',
    runId,
    protocolVersions: [protocolVersion],
    host: { hostname: `bench-host-${index}`, os: 'linux', arch: 'x64' },
    simulated: true,
    inventory: { format: 'xml', timestamp: null, driverVersion: '550.54.14', cudaVersion: '12.4', gpus: gpus.map((gpu) => inventoryGpu(gpu.index, gpu.uuid, model)), processes: [] },
    runtimes: ['builtin'],
    policy: {},
    mode: 'active',
    gpus: gpus.map((gpu) => ({ index: gpu.index, deviceId: gpu.uuid, availability: 'available', reason: '', until: null })),
  };
  let seq = 0;
  const batch = () => {
    const at = Date.now();
    const busy = Math.random() < 0.7;
    return {
      seq: seq++,
      samples: gpus.map((gpu) => {
        const utilization = busy ? 85 + Math.round(Math.random() * 15) : Math.round(Math.random() * 3);
        return {
          gpuUuid: gpu.uuid, at, utilizationGpuPct: utilization, utilizationMemoryPct: Math.round(utilization * 0.6),
          memoryUsedMiB: busy ? Math.round(model.memoryTotalMiB * 0.8) : 1, memoryTotalMiB: model.memoryTotalMiB,
          temperatureC: busy ? 70 + Math.round(Math.random() * 10) : 35, powerDrawW: busy ? Math.round(model.powerLimitW * 0.9 * 100) / 100 : 21.5,
          powerLimitW: model.powerLimitW, clocksSmMHz: busy ? 1980 : 210, fanSpeedPct: busy ? 75 : 30, pstate: busy ? 'P2' : 'P8',
        };
      }),
      dropped: 0,
    };
  };
  return { hello, batch };
}
