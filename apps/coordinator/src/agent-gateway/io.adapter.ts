import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/config.js';
import type { RedisService } from '../redis/redis.service.js';

/**
 * socket.io server options in one place (payload limit, ping timing, no CORS, no client
 * bundle) and the Redis adapter, so events and acks fan out across coordinator processes.
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
    server.adapter(createAdapter(this.redis.connect('socket-pub'), this.redis.connect('socket-sub'), { key: `${this.redis.prefix}:socket.io` }));
    this.servers.push(server);
    return server;
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
