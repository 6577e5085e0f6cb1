import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  CreateTeamBodySchema,
  JoinTeamBodySchema,
  LeaveTeamBodySchema,
  TeamDetailSchema,
  TeamListQuerySchema,
  TeamMembershipViewSchema,
  TeamViewSchema,
  pageOf,
  type CreateTeamBody,
  type Page,
  type TeamDetail,
  type TeamListQuery,
  type TeamMembershipView,
  type TeamView,
} from '@potluck/protocol';
import { z } from 'zod';
import { Ctx, Public } from '../auth/decorators.js';
import type { RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { TeamsService } from './teams.service.js';

const TeamParam = z.string().min(1).max(64).regex(/^[\w-]+$/);

@ApiTags('teams')
@ApiBearerAuth()
@Controller('api/v1')
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  /** Creates a team; the creator joins it. */
  @Post('teams')
  @ApiContract({ body: CreateTeamBodySchema, response: TeamDetailSchema, status: 201 })
  create(@Body(new ZodPipe(CreateTeamBodySchema)) body: CreateTeamBody, @Ctx() context: RequestContext): Promise<TeamDetail> {
    return this.teams.create(body, context);
  }

  @Public()
  @Get('teams')
  @ApiContract({ response: pageOf(TeamViewSchema) })
  list(@Query(new ZodPipe(TeamListQuerySchema)) query: TeamListQuery): Promise<Page<TeamView>> {
    return this.teams.list(query);
  }

  /** Leaves the caller's current team (404 when in none). */
  @Post('teams/leave')
  @HttpCode(200)
  @ApiContract({ body: LeaveTeamBodySchema, response: TeamMembershipViewSchema })
  leave(@Body(new ZodPipe(LeaveTeamBodySchema.optional())) _body: unknown, @Ctx() context: RequestContext): Promise<TeamMembershipView> {
    return this.teams.leave(context);
  }

  /** A team with its totals and membership history (public). */
  @Public()
  @Get('teams/:team')
  @ApiContract({ response: TeamDetailSchema })
  get(@Param('team', new ZodPipe(TeamParam)) team: string): Promise<TeamDetail> {
    return this.teams.detail(team);
  }

  /** Joins a team, leaving the current one. */
  @Post('teams/:team/join')
  @HttpCode(200)
  @ApiContract({ body: JoinTeamBodySchema, response: TeamMembershipViewSchema })
  join(@Param('team', new ZodPipe(TeamParam)) team: string, @Body(new ZodPipe(JoinTeamBodySchema.optional())) _body: unknown, @Ctx() context: RequestContext): Promise<TeamMembershipView> {
    return this.teams.join(team, context);
  }

  /** The caller's team history, newest first. */
  @Get('me/teams')
  @ApiContract({ response: z.array(TeamMembershipViewSchema) })
  history(@Ctx() context: RequestContext): Promise<TeamMembershipView[]> {
    return this.teams.history(context.principal.userId);
  }
}
