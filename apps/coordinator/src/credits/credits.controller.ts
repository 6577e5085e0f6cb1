import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  BoardPageSchema,
  BoardQuerySchema,
  ContributorProfileSchema,
  PublicKeySchema,
  PublicKeySetSchema,
  ReceiptListQuerySchema,
  ReceiptSchema,
  ReceiptVerificationSchema,
  StatsExportIndexSchema,
  pageOf,
  type BoardQuery,
  type ContributorProfile,
  type Page,
  type PublicKey,
  type PublicKeySet,
  type Receipt,
  type ReceiptListQuery,
  type ReceiptVerification,
  type StatsExportIndex,
} from '@potluck/protocol';
import type { Response } from 'express';
import { z } from 'zod';
import { AgentsService } from '../agents/agents.service.js';
import { bearerOf } from '../auth/api-key-authenticator.js';
import { Ctx, OptionalAuth, Public, Viewer } from '../auth/decorators.js';
import type { Principal, RequestContext } from '../auth/principal.js';
import { UnauthenticatedError } from '../common/errors.js';
import type { JsonText } from '../common/json-text.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { BoardsService } from './boards.service.js';
import { ProfileService } from './profile.service.js';
import { ReceiptSigner } from './receipt-signer.js';
import { ReceiptsService } from './receipts.service.js';
import { StatsExportService } from './stats-export.service.js';

const HandleParam = z.string().min(1).max(64).regex(/^[\w.-]+$/);
const DayParam = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** Boards, contributor pages, receipts, the public key and the daily export. Public routes are rate-limited like every route. */
@ApiTags('credits')
@ApiBearerAuth()
@Controller('api/v1')
export class CreditsController {
  constructor(
    private readonly boards: BoardsService,
    private readonly profiles: ProfileService,
    private readonly receipts: ReceiptsService,
    private readonly signer: ReceiptSigner,
    private readonly exports: StatsExportService,
    private readonly agents: AgentsService,
  ) {}

  /** A leaderboard page (public); signed in, `me` is the caller's own row. */
  @OptionalAuth()
  @Get('boards')
  @ApiContract({ response: BoardPageSchema })
  board(@Query(new ZodPipe(BoardQuerySchema)) query: BoardQuery, @Viewer() viewer: Principal | null): Promise<JsonText> {
    return this.boards.pageJson(query, viewer); // a BoardPage, its shared part serialised once per cached page
  }

  /** A contributor's page by handle or id (public; pending credit only for themself and admins). */
  @OptionalAuth()
  @Get('contributors/:handle')
  @ApiContract({ response: ContributorProfileSchema })
  profile(@Param('handle', new ZodPipe(HandleParam)) handle: string, @Viewer() viewer: Principal | null): Promise<ContributorProfile> {
    return this.profiles.profile(handle, viewer);
  }

  /** The Ed25519 key that signs receipts now. */
  @Public()
  @Get('credits/public-key')
  @ApiContract({ response: PublicKeySchema })
  publicKey(): PublicKey {
    return this.signer.publicKeyView();
  }

  /** Every key that has signed receipts, current and retired (a receipt names its key in `keyId`). */
  @Public()
  @Get('credits/public-keys')
  @ApiContract({ response: PublicKeySetSchema })
  publicKeys(): Promise<PublicKeySet> {
    return this.signer.publicKeys();
  }

  /** The caller's receipts, newest first. */
  @Get('receipts')
  @ApiContract({ response: pageOf(ReceiptSchema) })
  list(@Query(new ZodPipe(ReceiptListQuerySchema)) query: ReceiptListQuery, @Ctx() context: RequestContext): Promise<Page<Receipt>> {
    return this.receipts.list({ userId: context.principal.userId }, query);
  }

  /**
   * The receipts of the calling agent's attempts: `Authorization: Bearer <agent token>`
   * (what `potluck-agent receipts` uses). An unknown or revoked token is a 401.
   */
  @Public()
  @Get('agent/receipts')
  @ApiContract({ response: pageOf(ReceiptSchema) })
  async agentReceipts(@Headers('authorization') authorization: string | undefined, @Query(new ZodPipe(ReceiptListQuerySchema)) query: ReceiptListQuery): Promise<Page<Receipt>> {
    const token = bearerOf(authorization);
    const agent = token ? await this.agents.authenticateToken(token) : null;
    if (!agent) throw new UnauthenticatedError('A live agent token is required (Authorization: Bearer <agent token>).');
    return this.receipts.list({ agentId: agent.id }, { ...query, agentId: undefined });
  }

  /** One receipt (public: a donor shares it to prove a contribution). */
  @Public()
  @Get('receipts/:id')
  @ApiContract({ response: ReceiptSchema })
  receipt(@UuidParam('id') id: string): Promise<Receipt> {
    return this.receipts.get(id);
  }

  /** Checks a receipt's signature against the coordinator's key (the same check scripts/verify-receipt.mjs does offline). */
  @Public()
  @Post('receipts/verify')
  @HttpCode(200)
  @ApiContract({ body: ReceiptSchema, response: ReceiptVerificationSchema })
  verify(@Body() body: unknown): Promise<ReceiptVerification> {
    return this.receipts.verify(body);
  }

  /** Days with a daily stats snapshot, newest first. */
  @Public()
  @Get('stats/export')
  @ApiContract({ response: StatsExportIndexSchema })
  exportIndex(): Promise<StatsExportIndex> {
    return this.exports.index();
  }

  /** The daily stats snapshot of a closed UTC day, JSON lines (format in docs/credits.md). */
  @Public()
  @Get('stats/export/:day')
  async exportDay(@Param('day', new ZodPipe(DayParam)) day: string, @Res() response: Response): Promise<void> {
    const content = await this.exports.file(day);
    response.status(200).set({ 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'public, max-age=86400' }).send(content);
  }
}
