import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AgentViewSchema, CreateAgentBodySchema, CreatedAgentSchema, type AgentView, type CreateAgentBody, type CreatedAgent } from '@potluck/protocol';
import { z } from 'zod';
import { Ctx, Roles } from '../auth/decorators.js';
import type { RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { AgentsService } from './agents.service.js';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  /** Registers an agent for the calling donor; the token is in this response only. */
  @Roles('DONOR')
  @Post()
  @HttpCode(201)
  @ApiContract({ body: CreateAgentBodySchema, response: CreatedAgentSchema, status: 201 })
  create(@Body(new ZodPipe(CreateAgentBodySchema)) body: CreateAgentBody, @Ctx() context: RequestContext): Promise<CreatedAgent> {
    return this.agents.create(body, context);
  }

  @Get()
  @ApiContract({ response: z.array(AgentViewSchema) })
  list(@Ctx() context: RequestContext): Promise<AgentView[]> {
    return this.agents.list(context);
  }

  @Get(':id')
  @ApiContract({ response: AgentViewSchema })
  get(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<AgentView> {
    return this.agents.get(id, context);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiContract({ response: AgentViewSchema })
  revoke(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<AgentView> {
    return this.agents.revoke(id, context);
  }

  @Post(':id/token')
  @HttpCode(201)
  @ApiContract({ response: CreatedAgentSchema, status: 201 })
  rotate(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<CreatedAgent> {
    return this.agents.rotateToken(id, context);
  }
}
