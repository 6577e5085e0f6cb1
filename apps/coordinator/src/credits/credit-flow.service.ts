import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { PrismaService } from '../database/prisma.service.js';
import { AttemptOutcomes } from './attempt-outcomes.js';
import { CreditService } from './credit.service.js';
import { simulatedMayEarn } from './credits-config.js';
import { ValidationService } from './validation.service.js';

/**
 * The one entry point the work path calls: after an attempt succeeded, claim its credit and
 * start its validation. Never throws into the caller; a periodic sweep claims succeeded
 * attempts of the last day that have no claim (a crash between the two steps).
 */
@Injectable()
export class CreditFlow implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CreditFlow');
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly prisma: PrismaService,
    private readonly credits: CreditService,
    private readonly validation: ValidationService,
    private readonly outcomes: AttemptOutcomes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.outcomes.subscribeSucceeded((attemptId) => this.attemptSucceeded(attemptId));
    if (this.config.NODE_ENV === 'test' && this.config.POTLUCK_BOARD_CATCHUP_EVERY_MS >= 60_000) return;
    this.timer = setInterval(() => {
      this.sweep(Date.now()).catch((error: unknown) => this.logger.warn({ err: error }, 'credit sweep failed; the next run retries'));
    }, this.config.POTLUCK_BOARD_CATCHUP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
  }

  /** Fire and forget: errors are logged, and the sweep retries. */
  attemptSucceeded(attemptId: string): void {
    this.process(attemptId).catch((error: unknown) => this.logger.error({ err: error, attemptId }, 'could not record the attempt\'s credit; the sweep retries'));
  }

  async process(attemptId: string): Promise<void> {
    const claim = await this.credits.claim(attemptId);
    if (claim) await this.validation.afterClaim(claim);
  }

  /**
   * Succeeded attempts of the last day without a claim, or whose validation step did not follow
   * their claim; and validation runs of the last day whose job failed (replaced).
   */
  async sweep(now: number): Promise<number> {
    const rows = await this.prisma.client.$queryRaw<{ id: string }[]>`
      SELECT a.id::text AS id FROM "JobAttempt" a JOIN "Agent" ag ON ag.id = a."agentId" JOIN "Job" j ON j.id = a."jobId"
      WHERE a.status = 'SUCCEEDED' AND a."endedAt" >= ${new Date(now - 86_400_000)} AND j.kind <> 'PIPELINE' AND COALESCE(j.requirements->>'runtime', '') <> 'noop'
        AND (NOT ag.simulated OR ${simulatedMayEarn(this.config)})
        AND NOT EXISTS (SELECT 1 FROM "CreditLedgerEntry" e WHERE e."attemptId" = a.id AND e.state <> 'CLAIMED' AND e.kind <> 'DATA')
      ORDER BY a."endedAt" LIMIT 500`;
    for (const row of rows) await this.process(row.id);
    // Validation runs whose job failed or was cancelled, not yet replaced.
    const failed = await this.prisma.client.$queryRaw<{ id: string }[]>`
      SELECT v."validatorJobId"::text AS id FROM "CreditValidation" v JOIN "Job" j ON j.id = v."validatorJobId"
      WHERE j.status IN ('FAILED', 'CANCELLED') AND j."updatedAt" >= ${new Date(now - 86_400_000)}
        AND NOT EXISTS (SELECT 1 FROM "CreditValidation" w WHERE w."subjectAttemptId" = v."subjectAttemptId" AND w.round = v.round AND w.retry > v.retry)
      LIMIT 500`;
    for (const row of failed) await this.validation.onValidatorFailed(row.id);
    return rows.length + failed.length;
  }
}
