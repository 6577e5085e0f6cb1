import { Controller, Get, HttpCode, Logger, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Readiness } from '@potluck/protocol';
import type { Response } from 'express';
import { Public } from '../auth/decorators.js';
import { PrismaService } from '../database/prisma.service.js';
import { RedisService } from '../redis/redis.service.js';
import { ArtifactStore } from '../storage/artifact-store.js';

const CHECK_TIMEOUT_MS = 2000;
const logger = new Logger('Readiness');

async function timed(check: () => Promise<void>): Promise<Readiness['checks']['postgres']> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    // Public endpoint: say that it failed, log why (hosts, ports and paths stay private).
    logger.warn({ err: error }, 'readiness check failed');
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: error instanceof Error && error.message.startsWith('no answer within') ? error.message : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness and readiness for load balancers and orchestrators (public by design). */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisService,
    private readonly artifacts: ArtifactStore,
  ) {}

  @Public()
  @Get('healthz')
  @HttpCode(200)
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) response: Response): Promise<Readiness> {
    const [postgres, redis, artifacts] = await Promise.all([
      timed(() => this.prisma.ping()),
      timed(() => this.redis.ping()),
      timed(() => this.artifacts.check()),
    ]);
    const ready = postgres.ok && redis.ok && artifacts.ok;
    response.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unready', checks: { postgres, redis, artifacts } };
  }
}
