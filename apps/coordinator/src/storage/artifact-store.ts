import { randomUUID } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { access, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** A blob being written: committed under its sha256 once complete, or discarded. */
export interface PendingUpload {
  stream: WriteStream;
  path: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Where blobs live (datasets, checkpoints, adapters, reports), content-addressed by
 * sha256: `sha256/<first two hex>/<hash>` under the root folder. Uploads are written to
 * `tmp/` first and moved into place only when complete and valid, so a failed or
 * rejected upload leaves nothing behind and a reader never sees half a blob. An
 * S3-compatible store implements the same methods (begin/commit/discard/open/check).
 */
@Injectable()
export class ArtifactStore {
  readonly root: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = resolve(config.POTLUCK_ARTIFACT_DIR);
  }

  /** Creates the folder if needed; throws when it cannot be written. */
  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  async begin(): Promise<PendingUpload> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `upload-${randomUUID()}`);
    return { path, stream: createWriteStream(path, { flags: 'wx', mode: 0o600 }) };
  }

  /** Moves a complete upload to its content address; an identical blob already there is kept. Returns the storage key. */
  async commit(upload: PendingUpload, sha256: string): Promise<string> {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    const key = `sha256/${sha256.slice(0, 2)}/${sha256}`;
    const target = join(this.root, key);
    await mkdir(dirname(target), { recursive: true });
    if (await this.exists(key)) await unlink(upload.path);
    else await rename(upload.path, target);
    return key;
  }

  async discard(upload: PendingUpload): Promise<void> {
    upload.stream.destroy();
    await unlink(upload.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  open(key: string): ReadStream {
    return createReadStream(this.pathOf(key));
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  private pathOf(key: string): string {
    if (!/^sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(key)) throw new Error(`not a storage key: ${key}`);
    return join(this.root, key);
  }
}
