import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { PotluckIoAdapter } from './agent-gateway/io.adapter.js';
import { ApiKeyAuthenticator } from './auth/api-key-authenticator.js';
import { JsonReplyExpressAdapter } from './common/json-reply.adapter.js';
import { toProblem } from './common/problem.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { AppConfig } from './config/config.js';
import { httpLogger } from './logging/http-logger.js';
import { PinoNestLogger } from './logging/logger.js';
import { requestIdOf } from './logging/request-id.js';
import { httpMetrics } from './metrics/http-metrics.middleware.js';
import { MetricsService } from './metrics/metrics.service.js';
import { BULL_BOARD_PATH, bullBoardRouter } from './queues/bull-board.js';
import { QueueService } from './queues/queue.service.js';
import { RedisService } from './redis/redis.service.js';
import { dashboard } from './web/dashboard.js';

const securityHeaders: RequestHandler = (_request, response, next) => {
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
  response.setHeader('x-frame-options', 'DENY');
  next();
};

/** Errors raised by Express middleware (body parser, bull-board guard) as problem+json. */
const middlewareProblems: ErrorRequestHandler = (error, request, response, next) => {
  if (response.headersSent) return next(error);
  const problem = toProblem(error, request.originalUrl.split('?')[0] ?? '/', requestIdOf(request));
  response.status(problem.status).set(problem.headers).type('application/problem+json').send(JSON.stringify(problem.body));
};

/**
 * Builds the coordinator exactly as production runs it (tests use this too):
 * logging, metrics, body limits, guards, problem+json errors, OpenAPI and bull-board.
 */
export interface CoordinatorApp {
  app: NestExpressApplication;
  sockets: PotluckIoAdapter;
}

export async function createApp(config: AppConfig, logger: Logger): Promise<CoordinatorApp> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new JsonReplyExpressAdapter(), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // No weak ETag hashed over every JSON body: API answers are built per request anyway, and
  // downloads set their own (the adapter's sha256). Static dashboard files keep theirs.
  app.set('etag', false);
  app.use(securityHeaders);
  app.use(httpLogger(logger));
  app.use(httpMetrics(app.get(MetricsService)));
  app.use(express.json({ limit: config.POTLUCK_BODY_LIMIT_BYTES, type: ['application/json', 'application/*+json'] }));
  app.use(BULL_BOARD_PATH, ...bullBoardRouter(app.get(QueueService), app.get(ApiKeyAuthenticator)));
  app.use(dashboard(config.POTLUCK_WEB_DIR));
  app.use(middlewareProblems);
  app.useGlobalFilters(new ProblemFilter());
  const sockets = new PotluckIoAdapter(app, config, app.get(RedisService));
  app.useWebSocketAdapter(sockets);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Potluck coordinator')
      .setDescription('Community GPU pool for open fine-tuning. Errors are application/problem+json with a stable `code`.')
      .setVersion('v1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (pk_…)' })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return { app, sockets };
}
