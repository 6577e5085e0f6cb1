import { Injectable } from '@nestjs/common';
import type { DatasetRef } from '@potluck/protocol';
import { canAccess, type Principal } from '../auth/principal.js';
import { PgService } from '../database/pg.service.js';

/** The largest version number PostgreSQL's `int` holds; a larger one names no version. */
export const MAX_VERSION = 2_147_483_647;

/** `datasetId:version` (the uuid in lower case, as PostgreSQL prints it), how a dataset version is named in sets and maps. */
export const versionKey = (ref: DatasetRef): string => `${ref.datasetId.toLowerCase()}:${ref.version}`;

/**
 * Which dataset versions a principal may use as job inputs: those that exist in a public
 * dataset or in one the principal owns (an admin: any). One statement for every version a
 * job or a batch of jobs names, on the plain `pg` pool of the job-creation path.
 */
@Injectable()
export class DatasetAccess {
  constructor(private readonly pg: PgService) {}

  /** The keys (`versionKey`) of the given versions the principal may read. */
  async readable(refs: readonly DatasetRef[], principal: Pick<Principal, 'roles' | 'userId'>): Promise<Set<string>> {
    const unique = [...new Map(refs.filter((ref) => ref.version <= MAX_VERSION).map((ref) => [versionKey(ref), ref])).values()];
    if (unique.length === 0) return new Set();
    const rows = await this.pg.query<{ datasetId: string; version: number; visibility: string; ownerId: string }>(
      `SELECT v."datasetId", v.version, d.visibility::text AS visibility, d."ownerId"
       FROM unnest($1::uuid[], $2::int[]) AS wanted("datasetId", version)
       JOIN "DatasetVersion" v ON v."datasetId" = wanted."datasetId" AND v.version = wanted.version
       JOIN "Dataset" d ON d.id = v."datasetId"`,
      [unique.map((ref) => ref.datasetId), unique.map((ref) => ref.version)],
    );
    return new Set(rows.filter((row) => row.visibility === 'PUBLIC' || canAccess(principal, row.ownerId)).map((row) => versionKey(row)));
  }
}
