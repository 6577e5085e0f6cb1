/** Helpers the load benchmarks share. */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Deletes every key under a benchmark's Redis prefix (SCAN + UNLINK, a thousand at a time). */
export async function deleteRedisPrefix(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function adminQuery(adminUrl, sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database with a unique name next to `adminUrl`'s, registers its removal
 * (DROP … WITH (FORCE)) with `onCleanup`, and returns its name and URL.
 */
export async function createBenchDatabase(adminUrl, onCleanup) {
  const name = `potluck_bench_${randomBytes(5).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  onCleanup(() => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** The sample at quantile `q` (0…1) of ascending `sorted`. */
export function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** p50/p99/max in ms of `count` sequential calls of `run(i)`, after up to 50 unmeasured ones. */
export async function timed(count, run) {
  const samples = [];
  for (let i = 0; i < Math.min(50, count); i += 1) await run(i); // warm-up
  for (let i = 0; i < count; i += 1) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: samples[samples.length - 1] };
}
