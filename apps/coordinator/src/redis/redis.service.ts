import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/**
 * The process's Redis connections. Connection errors are logged (at most once per
 * outage) and surface in /readyz; they never become unhandled rejections.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** For our own commands (rate limits, presence, boards). */
  readonly client: Redis;
  /** Key prefix of this deployment (tests use a unique one each). */
  readonly prefix: string;
  private readonly connections: Redis[] = [];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.prefix = config.POTLUCK_REDIS_PREFIX;
    this.client = this.connect('commands', { maxRetriesPerRequest: 1 });
  }

  /**
   * A new connection watched by the same error logging (BullMQ needs `maxRetriesPerRequest: null`).
   * `enableAutoPipelining`: commands issued in the same tick go out in one write (not for
   * connections that block, such as a BullMQ Worker's).
   */
  connect(name: string, options: { maxRetriesPerRequest: number | null; enableAutoPipelining?: boolean } = { maxRetriesPerRequest: null }): Redis {
    const connection = new Redis(this.config.REDIS_URL, {
      ...options,
      connectionName: `potluck:${name}`,
      enableOfflineQueue: options.maxRetriesPerRequest === null,
      retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 6), 5000),
    });
    let down = false;
    connection.on('error', (error: Error) => {
      if (!down) this.logger.error({ err: error, connection: name }, 'redis connection error');
      down = true;
    });
    connection.on('ready', () => {
      if (down) this.logger.log({ connection: name }, 'redis connection restored');
      down = false;
    });
    this.connections.push(connection);
    return connection;
  }

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  async ping(): Promise<void> {
    const reply = await this.client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${String(reply)}`);
  }

  /** After every module let go of its connections (queues, workers, sockets): see docs/operations.md. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(
      this.connections.map(async (connection) => {
        // QUIT would wait forever in the offline queue of a connection that never came up.
        if (connection.status !== 'ready') return connection.disconnect();
        await connection.quit().catch(() => connection.disconnect());
      }),
    );
  }
}
