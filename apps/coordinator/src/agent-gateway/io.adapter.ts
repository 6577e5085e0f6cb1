import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/config.js';
import type { RedisService } from '../redis/redis.service.js';
import { adapterParser } from './adapter-parser.js';
import { releaseSocketBuffers } from './socket-retention.js';

/**
 * socket.io server options in one place (payload limit, ping timing, no CORS, no client
 * bundle), the Redis adapter, so events and acks fan out across coordinator processes (its
 * messages as JSON: `adapter-parser.ts`), and the release of each connection's used buffers
 * (`socket-retention.ts`).
 */
export class PotluckIoAdapter extends IoAdapter {
  private readonly servers: Server[] = [];

  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, {
      ...(options as ServerOptions),
      serveClient: false,
      maxHttpBufferSize: this.config.POTLUCK_SOCKET_MAX_PAYLOAD_BYTES,
      pingInterval: this.config.POTLUCK_SOCKET_PING_INTERVAL_MS,
      pingTimeout: this.config.POTLUCK_SOCKET_PING_TIMEOUT_MS,
      cors: { origin: false },
    });
    releaseSocketBuffers(server.engine);
    server.adapter(createAdapter(withHandledPublish(this.redis.connect('socket-pub')), this.redis.connect('socket-sub'), { key: `${this.redis.prefix}:socket.io`, parser: adapterParser }));
    this.servers.push(server);
    return server;
  }

  /**
   * Our gateways attach their listeners themselves in `afterInit` (no `@SubscribeMessage`):
   * with no handlers to bind, Nest would still build an rxjs `disconnect$` stream (share,
   * first) per socket, which at 10,000 agents is megabytes of objects every full
   * collection marks. A gateway with message handlers gets Nest's binding as usual.
   */
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    const [, handlers] = args;
    if (handlers.length === 0) return;
    super.bindMessageHandlers(...args);
  }

  /**
   * Disconnects this process's sockets (never other processes': `.local`), so a stopping
   * coordinator lets its HTTP server close and its agents reconnect elsewhere at once.
   */
  disconnectLocalSockets(): void {
    for (const server of this.servers) {
      for (const namespace of server._nsps.values()) namespace.local.disconnectSockets(true);
    }
  }
}

const publishLogger = new Logger('SocketAdapter');

/**
 * The Redis adapter publishes without handling the reply (`pubClient.publish(...)` and moves
 * on): a broadcast while Redis is down, or after shutdown closed the connection, would be an
 * unhandled rejection. Here every publish's failure is logged instead; the broadcast reached
 * this process's own sockets either way.
 */
export function withHandledPublish(client: Redis): Redis {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  client.publish = (...args: unknown[]) => {
    const reply = publish(...args);
    reply.catch((error: unknown) => publishLogger.warn({ err: error }, 'socket.io broadcast not published to other coordinators'));
    return reply;
  };
  return client;
}
