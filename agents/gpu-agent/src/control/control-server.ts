import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import {
  LocalDrainBodySchema,
  LocalPauseBodySchema,
  LocalResumeBodySchema,
  type LocalDrainBody,
  type LocalPauseBody,
  type LocalResumeBody,
  type LocalStatus,
} from '@potluck/protocol';
import type { z } from 'zod';

/** What the local control API drives: the running agent. */
export interface ControlTarget {
  status(): LocalStatus;
  pause(body: LocalPauseBody): LocalStatus;
  resume(body: LocalResumeBody): LocalStatus;
  drain(body: LocalDrainBody): LocalStatus;
}

const MAX_BODY_BYTES = 4096;

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/**
 * HTTP on a Unix socket with owner-only permissions: whoever can open it owns the
 * machine's agent. GET /status, POST /pause, /resume, /drain with JSON bodies.
 */
export async function startControlServer(path: string, target: ControlTarget): Promise<Server> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await removeStaleSocket(path);
  const routes: Record<string, { schema: z.ZodType; run: (body: never) => LocalStatus }> = {
    'POST /pause': { schema: LocalPauseBodySchema, run: (body: LocalPauseBody) => target.pause(body) },
    'POST /resume': { schema: LocalResumeBodySchema, run: (body: LocalResumeBody) => target.resume(body) },
    'POST /drain': { schema: LocalDrainBodySchema, run: (body: LocalDrainBody) => target.drain(body) },
  };
  const server = createServer((req, res) => {
    const key = `${req.method ?? ''} ${req.url ?? ''}`;
    if (key === 'GET /status') return send(res, 200, target.status());
    const route = routes[key];
    if (!route) return send(res, 404, { error: `no such control: ${key}` });
    readJson(req)
      .then((raw) => {
        const parsed = route.schema.safeParse(raw);
        if (!parsed.success) return send(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
        send(res, 200, route.run(parsed.data as never));
      })
      .catch((error: unknown) => send(res, 400, { error: (error as Error).message }));
  });
  // Owner-only from the moment it exists (chmod after listen would leave a window).
  const previousUmask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previousUmask);
  }
  await chmod(path, 0o600);
  return server;
}

/** A socket file left by an agent that died: remove it; a live agent's socket: refuse to start a second. */
async function removeStaleSocket(path: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = request({ socketPath: path, path: '/status', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
    probe.on('timeout', () => {
      probe.destroy();
      resolve(false);
    });
    probe.end();
  });
  if (alive) throw new Error(`another potluck-agent is already running (control socket ${path})`);
  const existing = await lstat(path).catch(() => null);
  if (existing && !existing.isSocket()) throw new Error(`${path} exists and is not a socket; choose another --control-socket`);
  if (existing) await unlink(path);
}

/** Client side, for `potluck-agent status|pause|resume|drain`. */
export async function callControl(path: string, method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: path, path: route, method, headers: { 'content-type': 'application/json' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('the agent did not answer within 5 s')));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
