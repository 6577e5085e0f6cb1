import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** Distinct statement texts prepared per connection at most; past it, statements are sent unnamed (and a warning logged once). */
export const MAX_PREPARED_STATEMENTS = 64;

/**
 * A plain `pg` pool for the hot paths (dispatch: job creation, claims, completions; the grant
 * batch's check for resumed attempts; an agent's token check, hello and disconnect, which the
 * whole fleet runs within seconds after a coordinator restart; the live feed's two reads for
 * whole views; the telemetry roll-up's per-minute writes): a few set-based statements per batch,
 * without Prisma's per-query client work. Everything else, and every interactive
 * transaction, uses PrismaService.
 *
 * Statements are prepared: each text gets a name from its hash, so PostgreSQL parses it once
 * per connection and, after a few runs, reuses a generic plan instead of planning every call
 * (for the dispatch claim that was most of its server time). Texts must therefore be constant,
 * with everything that varies passed as parameters. A generic plan is made once, from the
 * statistics of that moment (a new database: nearly empty tables), so statements that look rows
 * up by a list of ids start from that list (`FROM unnest($1::uuid[]) … JOIN "Job" j ON j.id = …`):
 * then the plan walks the primary key whatever the tables' size, instead of a status index that
 * looked selective while the table was empty.
 */
@Injectable()
export class PgService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Pg');
  private readonly pool: pg.Pool;
  private readonly names = new Map<string, string>();
  private warnedTooMany = false;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
    // An idle connection that breaks is dropped by the pool; without a listener it would crash the process.
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  }

  /** Runs one statement (one round trip; a statement with data-modifying CTEs commits as a whole). */
  async query<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    const name = this.nameOf(text);
    const result = await this.pool.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] });
    return result.rows as T[];
  }

  /** The prepared statement's name for this text, or undefined once too many texts were seen (they are not constant). */
  private nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known) return known;
    if (this.names.size >= MAX_PREPARED_STATEMENTS) {
      if (!this.warnedTooMany) this.logger.warn(`more than ${MAX_PREPARED_STATEMENTS} distinct statement texts: later ones are not prepared (texts should be constant, values parameters)`);
      this.warnedTooMany = true;
      return undefined;
    }
    const name = `potluck_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, name);
    return name;
  }

  /**
   * Warns when PostgreSQL gathers no statistics by itself: the set-based statements above (a
   * grant batch's 500 attempt ids joined to the ledger) are planned from them, and without them
   * the planner may scan a whole table per batch (docs/operations.md).
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const [row] = await this.query<{ on: boolean }>(`SELECT current_setting('autovacuum') = 'on' AS on`);
      if (row && !row.on) this.logger.warn('PostgreSQL runs with autovacuum off: table statistics go stale unless ANALYZE is run after large loads (docs/operations.md)');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read PostgreSQL\'s autovacuum setting');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
