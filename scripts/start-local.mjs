#!/usr/bin/env node
// The quick start's running part: the coordinator and two local potluck-agents, in the
// foreground: the admin's, simulating the machine recorded in examples/simulated-rig.csv,
// and a second donor's (examples/simulated-validator.csv), so that credit can be validated
// by an independent donor as in a real pool (docs/credits.md) and the leaderboard fills.
// Ctrl-C stops all gracefully. Expects a build (scripts/build.sh) and the environment set by start.sh.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PotluckApiError, PotluckClient } from '@potluck/sdk';
import { sampleChatRows } from '@potluck/trainer';

const DATA = '.data';
const ADMIN_KEY_FILE = process.env.POTLUCK_BOOTSTRAP_KEY_FILE ?? `${DATA}/admin-key`;
const AGENT_TOKEN_FILE = `${DATA}/local-agent-token`;
const AGENT_NAME = 'local-simulated-rig';
const VALIDATOR_HANDLE = 'local-validator';
const VALIDATOR_KEY_FILE = `${DATA}/validator-key`;
const VALIDATOR_TOKEN_FILE = `${DATA}/validator-agent-token`;
const VALIDATOR_AGENT_NAME = 'local-validator-rig';
const SAMPLE_DATASET = 'sample-chats';
const port = process.env.POTLUCK_PORT ?? '8080';
const url = process.env.POTLUCK_PUBLIC_URL ?? `http://127.0.0.1:${port}`;
mkdirSync(DATA, { recursive: true });

const children = [];
function start(name, args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${code ?? signal}); stopping`);
      stop(typeof code === 'number' && code !== 0 ? code : 1);
    }
  });
  children.push(child);
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  // The agents first (they drain and say goodbye), then the coordinator.
  const [coordinator, ...agents] = children;
  const finish = () => {
    coordinator?.kill('SIGTERM');
    coordinator?.once('exit', () => process.exit(code));
    if (!coordinator || coordinator.exitCode !== null) process.exit(code);
  };
  const running = agents.filter((agent) => agent.exitCode === null);
  if (running.length === 0) return finish();
  let left = running.length;
  for (const agent of running) {
    agent.once('exit', () => {
      left -= 1;
      if (left === 0) finish();
    });
    agent.kill('SIGTERM');
  }
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitReady(deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the coordinator did not become ready at ${url} within ${deadlineMs / 1000} s`);
}

/**
 * On the first start, a sample dataset and a small pipeline — prepare (dedupe) → fine-tune of
 * the builtin model → eval of the adapter and of the base model on the same held-out rows — so
 * the newcomer watches real work run on the local agent. Later starts leave things as they are.
 */
async function sampleWork() {
  if (!existsSync(ADMIN_KEY_FILE)) return null;
  const admin = new PotluckClient({ baseUrl: url, apiKey: readFileSync(ADMIN_KEY_FILE, 'utf8').trim() });
  const mine = await admin.datasets.list({ mine: true });
  if (mine.some((dataset) => dataset.name === SAMPLE_DATASET)) return null;
  const dataset = await admin.datasets.create({ name: SAMPLE_DATASET, licence: 'CC0-1.0', visibility: 'public', description: 'Generated sample chats (libs/trainer sampleChatRows)' });
  const rows = sampleChatRows(300, 1);
  await admin.datasets.upload(dataset.id, `${[...rows, ...rows.slice(0, 30)].map((row) => JSON.stringify(row)).join('\n')}\n`);
  const model = 'potluck-tiny-byte-v1';
  return admin.jobs.create({
    spec: {
      kind: 'pipeline',
      steps: [
        { id: 'prepare', spec: { kind: 'dataset', input: { datasetId: dataset.id, version: 1 }, transform: { operation: 'dedupe' }, outputName: `${SAMPLE_DATASET}-deduped` } },
        { id: 'train', spec: { kind: 'fine-tune', baseModel: model, datasets: [{ fromStep: 'prepare' }], hyperparameters: { steps: 600 } } },
        { id: 'eval-adapter', spec: { kind: 'eval', baseModel: model, dataset: { fromStep: 'prepare' }, adapterFromStep: 'train' } },
        { id: 'eval-base', spec: { kind: 'eval', baseModel: model, dataset: { fromStep: 'prepare' } } },
      ],
    },
    idempotencyKey: 'quick-start-sample-pipeline',
  });
}

/** Prints each step of the sample pipeline as it starts and ends, then the comparison. */
async function followSample(pipeline) {
  const admin = new PotluckClient({ baseUrl: url, apiKey: readFileSync(ADMIN_KEY_FILE, 'utf8').trim() });
  const names = pipeline.spec.steps.map((step) => step.id);
  const seen = new Map();
  const deadline = Date.now() + 10 * 60_000;
  while (!stopping && Date.now() < deadline) {
    const steps = await Promise.all(pipeline.stepJobIds.map((id) => admin.jobs.get(id)));
    steps.forEach((step, i) => {
      if (seen.get(step.id) === step.status) return;
      seen.set(step.id, step.status);
      const r = step.result ?? {};
      const detail =
        step.status === 'succeeded'
          ? step.kind === 'dataset' ? `${r.rowsIn} rows in, ${r.rowsOut} out (dataset ${SAMPLE_DATASET}-deduped v${r.version})`
          : step.kind === 'fine-tune' ? `train loss ${r.trainLossFirst.toFixed(2)} → ${r.trainLossLast.toFixed(2)}, held-out loss ${r.heldOutLoss.toFixed(3)}`
          : `held-out loss ${r.loss.toFixed(3)} (perplexity ${r.perplexity.toFixed(1)})`
          : step.status === 'failed' ? `${step.error?.code}: ${step.error?.message}` : '';
      console.log(`sample pipeline: step ${names[i]} (${step.kind}) ${step.status}${detail ? `: ${detail}` : ''}`);
    });
    const parent = await admin.jobs.get(pipeline.id);
    if (parent.status === 'succeeded') {
      const [adapter, base] = [steps[2]?.result, steps[3]?.result];
      console.log(`sample pipeline: done — the fine-tuned adapter's held-out loss ${adapter.loss.toFixed(3)} vs the base model's ${base.loss.toFixed(3)} (a uniform guess: ${adapter.uniformLoss.toFixed(3)})`);
      return;
    }
    if (parent.status === 'failed' || parent.status === 'cancelled') {
      console.log(`sample pipeline: ${parent.status}${parent.error ? ` — ${parent.error.message}` : ''}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** After the sample: waits (a few minutes at most) for the leaderboard to show granted credit, and prints it. */
async function followCredit() {
  const anonymous = new PotluckClient({ baseUrl: url });
  const deadline = Date.now() + 5 * 60_000;
  while (!stopping && Date.now() < deadline) {
    const board = await anonymous.credits.board({ limit: 5 });
    if (board.items.length > 0) {
      console.log(`leaderboard: ${board.items.map((row) => `#${row.rank} ${row.handle} ${row.credit} credits`).join(', ')} (validated by the other donor; ${url}/)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  if (!stopping) console.log('leaderboard: no credit granted yet (validation runs wait for an independent donor; see docs/credits.md)');
}

/** A token for the donor's local agent named `name`: kept in `tokenFile`, re-issued when it no longer works. */
async function agentToken(donor, name, tokenFile) {
  const agents = await donor.agents.list();
  const existing = agents.find((agent) => agent.name === name && !agent.revokedAt);
  if (existing && existsSync(tokenFile)) return readFileSync(tokenFile, 'utf8').trim();
  const created = existing ? await donor.agents.rotateToken(existing.id) : await donor.agents.create({ name });
  writeFileSync(tokenFile, `${created.token}\n`, { mode: 0o600 });
  return created.token;
}

function adminClient() {
  return existsSync(ADMIN_KEY_FILE) ? new PotluckClient({ baseUrl: url, apiKey: readFileSync(ADMIN_KEY_FILE, 'utf8').trim() }) : null;
}

/** The admin's local agent token (null without a working admin key). */
async function localAgentToken() {
  const admin = adminClient();
  if (!admin) return null;
  try {
    return await agentToken(admin, AGENT_NAME, AGENT_TOKEN_FILE);
  } catch (error) {
    if (error instanceof PotluckApiError && error.status === 401) return null;
    throw error;
  }
}

/** A second donor (created by the admin on the first start, key kept in .data) and its agent's token. */
async function validatorAgentToken() {
  const admin = adminClient();
  if (!admin) return null;
  try {
    if (!existsSync(VALIDATOR_KEY_FILE)) {
      const created = await admin.users.create({ handle: VALIDATOR_HANDLE, displayName: 'Local validator', roles: ['DONOR'] });
      writeFileSync(VALIDATOR_KEY_FILE, `${created.secret}\n`, { mode: 0o600 });
    }
    const donor = new PotluckClient({ baseUrl: url, apiKey: readFileSync(VALIDATOR_KEY_FILE, 'utf8').trim() });
    return await agentToken(donor, VALIDATOR_AGENT_NAME, VALIDATOR_TOKEN_FILE);
  } catch (error) {
    // A database made before this donor existed (handle taken, key file lost): run without it.
    if (error instanceof PotluckApiError && (error.status === 401 || error.status === 409)) return null;
    throw error;
  }
}

// Telemetry every second (the default is 5 s): the sample's jobs last seconds, and credit is
// bounded by the busy time the GPUs' telemetry shows during an attempt (docs/credits.md).
start('coordinator', ['apps/coordinator/dist/main.js'], { POTLUCK_TELEMETRY_INTERVAL_MS: process.env.POTLUCK_TELEMETRY_INTERVAL_MS ?? '1000' });
await waitReady(60_000);
const token = await localAgentToken();
if (token) {
  start('potluck-agent', ['agents/gpu-agent/dist/main.js', 'start', '--coordinator', url, '--simulate', 'examples/simulated-rig.csv', '--control-socket', `${DATA}/agent.sock`], {
    POTLUCK_AGENT_TOKEN: token,
  });
  const validatorToken = await validatorAgentToken();
  if (validatorToken) {
    start('potluck-agent (validator)', ['agents/gpu-agent/dist/main.js', 'start', '--coordinator', url, '--simulate', 'examples/simulated-validator.csv', '--control-socket', `${DATA}/validator-agent.sock`], {
      POTLUCK_AGENT_TOKEN: validatorToken,
    });
  } else {
    console.error(`The second donor's agent was not started (no usable key in ${VALIDATOR_KEY_FILE}); fine-tune credit stays pending without an independent validator.`);
  }
} else {
  console.error(`No admin key in ${ADMIN_KEY_FILE}, so no local agent was started (the database was created earlier without it).`);
}
const sample = await sampleWork();
console.log(`
  Potluck is running at ${url}
    fleet:     ${url}/api/v1/fleet
    API docs:  ${url}/api/docs
    admin key: ${ADMIN_KEY_FILE}
  Two simulated agents lend GPUs: yours (examples/simulated-rig.csv) and a second donor's
  (${VALIDATOR_HANDLE}, examples/simulated-validator.csv), who validates your work. Try:
    node agents/gpu-agent/dist/main.js status --control-socket ${DATA}/agent.sock
    node agents/gpu-agent/dist/main.js pause --gpu 1 --for 30m --control-socket ${DATA}/agent.sock
${sample ? `  A sample pipeline (prepare → fine-tune → eval) was submitted; it runs on the local agent within seconds:
    curl -s -H "Authorization: Bearer $(cat ${ADMIN_KEY_FILE})" ${url}/api/v1/jobs/${sample.id}
    or in the dashboard (sign in with the admin key): ${url}/jobs/${sample.id}
` : ''}  Ctrl-C stops them all.

  Dashboard (leaderboard, live fleet, jobs, datasets): ${url}/
`);
if (sample) {
  await followSample(sample).catch((error) => console.error(`sample pipeline: could not follow it (${error.message})`));
  if (!stopping) await followCredit().catch((error) => console.error(`leaderboard: could not read it (${error.message})`));
  if (!stopping) console.log(`\n  Dashboard: ${url}/  (sign in with the admin key to see the sample pipeline's jobs)\n`);
}
