import { Injectable } from '@nestjs/common';
import type { DatasetRef } from '@potluck/protocol';
import { isAdmin, type Principal } from '../auth/principal.js';
import { PgService } from '../database/pg.service.js';

/** The largest version number PostgreSQL's `int` holds; a larger one names no version. */
export const MAX_VERSION = 2_147_483_647;

/** `datasetId:version` (the uuid in lower case, as PostgreSQL prints it), how a dataset version is named in sets and maps. */
export const versionKey = (ref: DatasetRef): string => `${ref.datasetId.toLowerCase()}:${ref.version}`;

/**
 * The rule, in SQL, for which of the wanted versions (`from`: rows of "datasetId", version) a
 * creator may use: those that exist in a public dataset or one the creator owns (`owner`, a uuid
 * parameter), or any for an admin (`admin`, a boolean parameter). Used here and by JobWriter's insert.
 */
export function readableVersionsSql(from: string, owner: string, admin: string): string {
  return `SELECT w."datasetId", w.version FROM ${from} AS w("datasetId", version)
         JOIN "DatasetVersion" v ON v."datasetId" = w."datasetId" AND v.version = w.version
         JOIN "Dataset" d ON d.id = v."datasetId"
         WHERE d.visibility = 'PUBLIC' OR d."ownerId" = ${owner} OR ${admin}`;
}

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
    const rows = await this.pg.query<{ datasetId: string; version: number }>(readableVersionsSql('unnest($1::uuid[], $2::int[])', '$3::uuid', '$4::boolean'), [
      unique.map((ref) => ref.datasetId),
      unique.map((ref) => ref.version),
      principal.userId,
      isAdmin(principal),
    ]);
    return new Set(rows.map(versionKey));
  }
}
