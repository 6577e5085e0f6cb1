import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AgentSessionService } from './agent-gateway/agent-session.service.js';
import { AgentsGateway } from './agent-gateway/agents.gateway.js';
import { AgentRevocations } from './agents/agent-revocations.js';
import { AgentsController } from './agents/agents.controller.js';
import { AgentsService } from './agents/agents.service.js';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditService } from './audit/audit.service.js';
import { ApiKeyAuthenticator } from './auth/api-key-authenticator.js';
import { AuthGuard } from './auth/auth.guard.js';
import { CredentialEpoch } from './auth/credential-epoch.js';
import { RateLimitGuard } from './auth/rate-limit.guard.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { randomInt } from 'node:crypto';
import { AttemptAssessor } from './credits/attempt-assessor.js';
import { AttemptOutcomes } from './credits/attempt-outcomes.js';
import { BoardSync } from './credits/board-sync.service.js';
import { BoardsService } from './credits/boards.service.js';
import { BoardsStore } from './credits/boards.store.js';
import { CreditFlow } from './credits/credit-flow.service.js';
import { CreditService } from './credits/credit.service.js';
import { CREDITS_CONFIG, creditsConfigOf } from './credits/credits-config.js';
import { CreditsController } from './credits/credits.controller.js';
import { DataCreditService } from './credits/data-credit.service.js';
import { GrantBatcher } from './credits/grant-batcher.js';
import { LedgerService } from './credits/ledger.service.js';
import { ProfileService } from './credits/profile.service.js';
import { ReceiptSigner } from './credits/receipt-signer.js';
import { ReceiptsService } from './credits/receipts.service.js';
import { StatsExportService } from './credits/stats-export.service.js';
import { TeamsController } from './credits/teams.controller.js';
import { TeamsService } from './credits/teams.service.js';
import { ValidationService } from './credits/validation.service.js';
import { PgService } from './database/pg.service.js';
import { PrismaService } from './database/prisma.service.js';
import { DatasetsController } from './datasets/datasets.controller.js';
import { DatasetsService } from './datasets/datasets.service.js';
import { AgentControlService } from './fleet/agent-control.service.js';
import { FleetEvents } from './fleet/fleet-events.js';
import { FleetController } from './fleet/fleet.controller.js';
import { FleetService } from './fleet/fleet.service.js';
import { FleetSummaryService } from './fleet/fleet-summary.service.js';
import { LiveGateway } from './fleet/live.gateway.js';
import { PresenceStore } from './fleet/presence.store.js';
import { TelemetryService } from './fleet/telemetry.service.js';
import { HealthController } from './health/health.controller.js';
import { JobsController } from './jobs/jobs.controller.js';
import { JobsService } from './jobs/jobs.service.js';
import { DatasetAccess } from './jobs/dataset-access.js';
import { JobWriter } from './jobs/job-writer.js';
import { ModelRegistry } from './jobs/model-registry.js';
import { WhyNoJobService } from './jobs/why-no-job.service.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';
import { QueueService } from './queues/queue.service.js';
import { RedisService } from './redis/redis.service.js';
import { ArtifactStore } from './storage/artifact-store.js';
import { TransferController } from './transfer/transfer.controller.js';
import { TransferService } from './transfer/transfer.service.js';
import { UsersController } from './users/users.controller.js';
import { UsersService } from './users/users.service.js';
import { DispatchRepository } from './work/dispatch.repository.js';
import { DispatchService } from './work/dispatch.service.js';
import { WorkService } from './work/work.service.js';
import { PipelineService } from './work/pipeline.service.js';
import { DatasetOutputsService } from './datasets/dataset-outputs.service.js';

/** The coordinator's composition root. Guards run in order: rate limit, then authentication. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      controllers: [HealthController, MetricsController, UsersController, ApiKeysController, AgentsController, AuditController, FleetController, DatasetsController, JobsController, TransferController, CreditsController, TeamsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        PrismaService,
        PgService,
        RedisService,
        QueueService,
        ArtifactStore,
        MetricsService,
        AuditService,
        CredentialEpoch,
        ApiKeyAuthenticator,
        RateLimiter,
        UsersService,
        ApiKeysService,
        AgentsService,
        AgentRevocations,
        PresenceStore,
        FleetEvents,
        FleetService,
        FleetSummaryService,
        TelemetryService,
        AgentSessionService,
        AgentsGateway,
        LiveGateway,
        AgentControlService,
        DatasetsService,
        ModelRegistry,
        JobsService,
        JobWriter,
        DatasetAccess,
        WhyNoJobService,
        TransferService,
        WorkService,
        DispatchService,
        DispatchRepository,
        PipelineService,
        DatasetOutputsService,
        { provide: CREDITS_CONFIG, useValue: creditsConfigOf(config) },
        { provide: 'VALIDATION_RANDOM', useValue: () => randomInt(2 ** 47) / 2 ** 47 },
        AttemptOutcomes,
        LedgerService,
        BoardsStore,
        BoardSync,
        AttemptAssessor,
        DataCreditService,
        CreditService,
        GrantBatcher,
        ValidationService,
        CreditFlow,
        ReceiptSigner,
        ReceiptsService,
        BoardsService,
        ProfileService,
        TeamsService,
        StatsExportService,
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
