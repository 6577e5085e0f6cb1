import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ControlCommandSchema,
  ControlResultSchema,
  FleetAgentSchema,
  FleetPageSchema,
  FleetQuerySchema,
  TelemetryHistorySchema,
  TelemetryQuerySchema,
  type ControlCommand,
  type ControlResult,
  type FleetAgent,
  type FleetPage,
  type FleetQuery,
  type TelemetryHistory,
  type TelemetryQuery,
} from '@potluck/protocol';
import { Ctx, OptionalAuth, Viewer } from '../auth/decorators.js';
import type { Principal, RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { AgentControlService } from './agent-control.service.js';
import { FleetService } from './fleet.service.js';
import { TelemetryService } from './telemetry.service.js';

/** The live fleet: public (hostnames only for owners and admins). Control: owners and admins. */
@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1')
export class FleetController {
  constructor(
    private readonly fleet: FleetService,
    private readonly telemetry: TelemetryService,
    private readonly control: AgentControlService,
  ) {}

  @OptionalAuth()
  @Get('fleet')
  @ApiContract({ response: FleetPageSchema })
  list(@Query(new ZodPipe(FleetQuerySchema)) query: FleetQuery, @Viewer() viewer: Principal | null): Promise<FleetPage> {
    return this.fleet.list(query, viewer);
  }

  @OptionalAuth()
  @Get('fleet/agents/:id')
  @ApiContract({ response: FleetAgentSchema })
  get(@UuidParam('id') id: string, @Viewer() viewer: Principal | null): Promise<FleetAgent> {
    return this.fleet.get(id, viewer);
  }

  @OptionalAuth()
  @Get('fleet/agents/:id/telemetry')
  @ApiContract({ response: TelemetryHistorySchema })
  async history(@UuidParam('id') id: string, @Query(new ZodPipe(TelemetryQuerySchema)) query: TelemetryQuery, @Viewer() viewer: Principal | null): Promise<TelemetryHistory> {
    const agent = await this.fleet.get(id, viewer);
    return this.telemetry.history(id, agent.gpus.map((gpu) => gpu.deviceId), query);
  }

  /** Pause, resume or drain an agent remotely (owner or admin); audited. */
  @Post('agents/:id/control')
  @HttpCode(202)
  @ApiContract({ body: ControlCommandSchema, response: ControlResultSchema, status: 202 })
  send(@UuidParam('id') id: string, @Body(new ZodPipe(ControlCommandSchema)) command: ControlCommand, @Ctx() context: RequestContext): Promise<ControlResult> {
    return this.control.send(id, command, context);
  }
}
