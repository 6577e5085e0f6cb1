import { Injectable } from '@nestjs/common';
import type { ControlCommand, ControlResult } from '@potluck/protocol';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { AgentsService } from '../agents/agents.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { RequestContext } from '../auth/principal.js';

/** Remote donor controls: checks ownership, delivers the command, audits it. */
@Injectable()
export class AgentControlService {
  constructor(
    private readonly agents: AgentsService,
    private readonly gateway: AgentsGateway,
    private readonly audit: AuditService,
  ) {}

  async send(agentId: string, command: ControlCommand, context: RequestContext): Promise<ControlResult> {
    await this.agents.get(agentId, context); // 404 unless the caller owns it or is an admin
    const delivered = await this.gateway.control(agentId, command);
    await this.audit.record(context, {
      action: `agent.control.${command.command}`,
      targetType: 'agent',
      targetId: agentId,
      details: { delivered, reason: command.reason, ...('gpuIndex' in command && command.gpuIndex !== undefined ? { gpuIndex: command.gpuIndex } : {}) },
    });
    return { delivered };
  }
}
