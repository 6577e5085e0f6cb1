import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DatasetStats } from '@potluck/protocol';
import { DomainError } from '../common/errors.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import { JsonlInspector, type LineError } from './jsonl-inspector.js';

export const MAX_LINE_BYTES = 8 * 1024 * 1024;
const MAX_ERRORS = 20;
/** Distinct rows remembered for the duplicate rate (~75 MB at most per upload); the rate covers later rows only against these. */
const MAX_TRACKED_ROWS = 1_000_000;

export class DatasetTooLargeError extends DomainError {
  constructor(maxBytes: number) {
    super('PAYLOAD_TOO_LARGE', `Datasets may be at most ${maxBytes} bytes.`);
  }
}

export class InvalidDatasetError extends DomainError {
  constructor(errors: readonly LineError[]) {
    super(
      'INVALID_DATASET',
      `The dataset is not valid JSONL: ${errors.length === 1 ? 'one error' : `${errors.length} errors`}, first on line ${errors[0]?.line ?? '?'}. Nothing was stored.`,
      errors.map((error) => ({ field: `line ${error.line}`, message: error.message })),
    );
  }
}

/** Stopping the stream early: the request is rejected, not failed. */
class StopReading extends Error {}

export interface StoredUpload {
  sha256: string;
  storageKey: string;
  stats: DatasetStats;
}

/**
 * Streams an upload into the artifact store while validating and hashing it: no whole-file
 * buffering, a size limit enforced as bytes arrive, and nothing kept unless the whole
 * file is valid.
 */
export async function storeDatasetUpload(body: Readable, store: ArtifactStore, maxBytes: number): Promise<StoredUpload> {
  const inspector = new JsonlInspector({ maxErrors: MAX_ERRORS, maxLineBytes: MAX_LINE_BYTES, maxTrackedRows: MAX_TRACKED_ROWS });
  const hash = createHash('sha256');
  let size = 0;
  const rejection: { reason: DomainError | null } = { reason: null };
  const observe = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) {
        rejection.reason = new DatasetTooLargeError(maxBytes);
        return done(new StopReading());
      }
      hash.update(chunk);
      inspector.push(chunk);
      if (inspector.failed) {
        const result = inspector.end();
        rejection.reason = new InvalidDatasetError(result.ok ? [] : result.errors);
        return done(new StopReading());
      }
      done(null, chunk);
    },
  });
  const upload = await store.begin();
  try {
    await pipeline(body, observe, upload.stream);
  } catch (error) {
    await store.discard(upload);
    if (rejection.reason) throw rejection.reason;
    throw error;
  }
  const result = inspector.end();
  if (!result.ok) {
    await store.discard(upload);
    throw new InvalidDatasetError(result.errors);
  }
  const sha256 = hash.digest('hex');
  const storageKey = await store.commit(upload, sha256);
  return { sha256, storageKey, stats: result.stats };
}
