import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/**
 * A plain `pg` pool for the dispatch hot path (job creation, claims, completions): a few
 * set-based statements per batch of jobs, without Prisma's per-query client work. Everything
 * else uses PrismaService.
 */
@Injectable()
export class PgService implements OnApplicationShutdown {
  private readonly logger = new Logger('Pg');
  private readonly pool: pg.Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
    // An idle connection that breaks is dropped by the pool; without a listener it would crash the process.
    this.pool.on('error', (error) => this.logger.warn({ err: error }, 'an idle PostgreSQL connection failed'));
  }

  /** Runs one statement (one round trip; a statement with data-modifying CTEs commits as a whole). */
  async query<T>(text: string, values: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(text, values as unknown[]);
    return result.rows as T[];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
