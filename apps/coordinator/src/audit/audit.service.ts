import { Injectable } from '@nestjs/common';
import type { AuditEntryView, Page } from '@potluck/protocol';
import type { RequestContext } from '../auth/principal.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, string | number | boolean | null | string[]>;
}

type Tx = Prisma.TransactionClient;

/** Append-only record of privileged actions: who, what, on which resource, from which request. */
@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  /** Records an event; pass the transaction that made the change so both commit together. */
  async record(context: Pick<RequestContext, 'requestId' | 'ip'> & { principal: { userId: string } | null }, event: AuditEvent, tx: Tx = this.prisma.client): Promise<void> {
    await tx.auditLog.create({
      data: {
        actorUserId: context.principal?.userId ?? null,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId ?? null,
        details: event.details ?? {},
        requestId: context.requestId,
        ip: context.ip,
      },
    });
  }

  async list(limit: number, cursor: string | undefined): Promise<Page<AuditEntryView>> {
    const before = cursor && /^\d+$/.test(cursor) ? BigInt(cursor) : undefined;
    const rows = await this.prisma.client.auditLog.findMany({
      where: before === undefined ? {} : { id: { lt: before } },
      orderBy: { id: 'desc' },
      take: limit + 1,
    });
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id.toString(),
      actorUserId: row.actorUserId,
      actorAgentId: row.actorAgentId,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      details: row.details as Record<string, unknown>,
      requestId: row.requestId,
      createdAt: row.createdAt.toISOString(),
    }));
    return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
  }
}
