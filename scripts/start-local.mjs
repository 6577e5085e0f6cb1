#!/usr/bin/env node
// The quick start's running part: the coordinator and one local potluck-agent simulating
// the machine recorded in examples/simulated-rig.csv, both in the foreground. Ctrl-C stops
// both gracefully. Expects a build (scripts/build.sh) and the environment set by start.sh.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PotluckApiError, PotluckClient } from '@potluck/sdk';

const DATA = '.data';
const ADMIN_KEY_FILE = process.env.POTLUCK_BOOTSTRAP_KEY_FILE ?? `${DATA}/admin-key`;
const AGENT_TOKEN_FILE = `${DATA}/local-agent-token`;
const AGENT_NAME = 'local-simulated-rig';
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
  // The agent first (it drains and says goodbye), then the coordinator.
  const [coordinator, agent] = children;
  const finish = () => {
    coordinator?.kill('SIGTERM');
    coordinator?.once('exit', () => process.exit(code));
    if (!coordinator || coordinator.exitCode !== null) process.exit(code);
  };
  if (agent && agent.exitCode === null) {
    agent.once('exit', finish);
    agent.kill('SIGTERM');
  } else finish();
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

/** A token for the local agent: kept in .data, re-issued when it no longer works. */
async function localAgentToken() {
  if (!existsSync(ADMIN_KEY_FILE)) return null;
  const admin = new PotluckClient({ baseUrl: url, apiKey: readFileSync(ADMIN_KEY_FILE, 'utf8').trim() });
  try {
    const agents = await admin.agents.list();
    const existing = agents.find((agent) => agent.name === AGENT_NAME && !agent.revokedAt);
    if (existing && existsSync(AGENT_TOKEN_FILE)) return readFileSync(AGENT_TOKEN_FILE, 'utf8').trim();
    const created = existing ? await admin.agents.rotateToken(existing.id) : await admin.agents.create({ name: AGENT_NAME });
    writeFileSync(AGENT_TOKEN_FILE, `${created.token}\n`, { mode: 0o600 });
    return created.token;
  } catch (error) {
    if (error instanceof PotluckApiError && error.status === 401) return null;
    throw error;
  }
}

start('coordinator', ['apps/coordinator/dist/main.js']);
await waitReady(60_000);
const token = await localAgentToken();
if (token) {
  start('potluck-agent', ['agents/gpu-agent/dist/main.js', 'start', '--coordinator', url, '--simulate', 'examples/simulated-rig.csv', '--control-socket', `${DATA}/agent.sock`], {
    POTLUCK_AGENT_TOKEN: token,
  });
} else {
  console.error(`No admin key in ${ADMIN_KEY_FILE}, so no local agent was started (the database was created earlier without it).`);
}
console.log(`
  Potluck is running at ${url}
    fleet:     ${url}/api/v1/fleet
    API docs:  ${url}/api/docs
    admin key: ${ADMIN_KEY_FILE}
  A simulated agent lends the GPUs recorded in examples/simulated-rig.csv. Try:
    node agents/gpu-agent/dist/main.js status --control-socket ${DATA}/agent.sock
    node agents/gpu-agent/dist/main.js pause --gpu 1 --for 30m --control-socket ${DATA}/agent.sock
  Ctrl-C stops both.
`);
