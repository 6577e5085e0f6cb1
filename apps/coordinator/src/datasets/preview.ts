import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** The first `count` rows of a stored (already validated) JSONL blob; stops reading there. */
export async function readFirstRows(stream: Readable, count: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      rows.push(JSON.parse(line) as unknown);
      if (rows.length >= count) break;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  return rows;
}
