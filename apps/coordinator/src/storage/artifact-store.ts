import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/**
 * Where blobs live (datasets, checkpoints, adapters), content-addressed by sha256.
 * The local folder is the default; an S3-compatible store implements the same class
 * shape later. (Reading and writing arrive with the datasets issue.)
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
}
