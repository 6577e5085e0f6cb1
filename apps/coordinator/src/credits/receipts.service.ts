import { Inject, Injectable } from '@nestjs/common';
import type { Page, Receipt, ReceiptBody, ReceiptListQuery, ReceiptVerification, ValidationOutcome } from '@potluck/protocol';
import { ReceiptSchema } from '@potluck/protocol';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { NotFoundError } from '../common/errors.js';
import { PrismaService } from '../database/prisma.service.js';
import type { Prisma } from '../generated/prisma/client.js';
import { ledgerEntriesAfter, toRow, type LedgerRow } from './ledger.service.js';
import { ReceiptSigner } from './receipt-signer.js';

const JOB_KIND = { FINE_TUNE: 'fine-tune', EVAL: 'eval', DATASET: 'dataset', PIPELINE: 'pipeline' } as const;
const NOT_VALIDATED: ValidationOutcome = { status: 'not-required', method: 'none', validationJobId: null, reportedLoss: null, reproducedLoss: null, tolerance: null };

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
function s(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
}
function n(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function validationOf(value: unknown): ValidationOutcome {
  const v = obj(value);
  const status = s(v.status);
  if (!status) return NOT_VALIDATED;
  return {
    status: (['pending', 'validated', 'invalid', 'not-required', 'replicated-agree', 'replicated-disagree'].includes(status) ? status : 'not-required') as ValidationOutcome['status'],
    method: s(v.method) ?? '',
    validationJobId: s(v.validationJobId),
    reportedLoss: n(v.reportedLoss),
    reproducedLoss: n(v.reproducedLoss),
    tolerance: n(v.tolerance),
  };
}

const ENTRY_WITH = { user: { select: { handle: true } }, job: { select: { kind: true } } } as const;
type EntryWith = Prisma.CreditLedgerEntryGetPayload<{ include: typeof ENTRY_WITH }>;

/**
 * Receipts: one per granted or revoked ledger entry, made from the entry (its inputs hold
 * every figure) and signed with the coordinator's Ed25519 key. The receipt id is the entry id.
 */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly signer: ReceiptSigner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private coordinator(): string {
    return this.config.POTLUCK_PUBLIC_URL ?? `http://${this.config.POTLUCK_HOST}:${this.config.POTLUCK_PORT}`;
  }

  body(entry: LedgerRow, handle: string, jobKind: ReceiptBody['jobKind']): ReceiptBody {
    if (entry.state !== 'GRANTED' && entry.state !== 'REVOKED') throw new Error('receipts exist for grants and revocations only');
    const inputs = obj(entry.inputs);
    const claimed = obj(inputs.claimed);
    const bounded = obj(inputs.bounded);
    const energy = obj(inputs.energy);
    const gpus = Array.isArray(inputs.gpus) ? (inputs.gpus as unknown[]).map((gpu) => s(obj(gpu).name) ?? 'unknown GPU') : [];
    const source = s(claimed.source);
    return {
      v: 1,
      receiptId: entry.id,
      entryId: entry.id,
      issuedAt: entry.createdAt.toISOString(),
      coordinator: this.coordinator(),
      kind: entry.kind === 'COMPUTE' ? 'compute' : entry.kind === 'DATA' ? 'data' : 'validation',
      state: entry.state === 'GRANTED' ? 'granted' : 'revoked',
      userId: entry.userId,
      handle,
      jobId: entry.jobId,
      jobKind,
      attemptId: entry.attemptId,
      agentId: entry.agentId,
      gpuModels: gpus,
      tokens: s(inputs.tokens),
      flopsClaimed: s(claimed.flops),
      flopsSource: source === 'reported' || source === 'formula' ? source : null,
      telemetryBoundFlops: s(bounded.boundFlops),
      capped: bounded.capped === true,
      flopsGranted: s(bounded.grantedFlops),
      validation: validationOf(inputs.validation),
      credit: entry.amount,
      energyWh: s(energy.wattHours),
      reason: entry.reason.slice(0, 1000),
    };
  }

  sign(body: ReceiptBody): Receipt {
    return { body, signature: this.signer.sign(body), keyId: this.signer.keyId, algorithm: 'Ed25519' };
  }

  private fromEntries(rows: readonly EntryWith[]): Receipt[] {
    return rows.map((row) => this.sign(this.body(toRow(row), row.user.handle, row.job ? JOB_KIND[row.job.kind] : null)));
  }

  /** One receipt, public (a donor shows it to prove a contribution); 404 for claims, pending entries and unknown ids. */
  async get(id: string): Promise<Receipt> {
    const row = await this.prisma.client.creditLedgerEntry.findUnique({ where: { id }, include: ENTRY_WITH });
    if (!row || (row.state !== 'GRANTED' && row.state !== 'REVOKED')) throw new NotFoundError('Receipt');
    return this.fromEntries([row])[0] as Receipt;
  }

  /** A contributor's receipts, newest first (optionally of one job, or of one agent). */
  async list(where: { userId?: string; agentId?: string }, query: ReceiptListQuery): Promise<Page<Receipt>> {
    const [createdAt, id] = /^\d{1,15}_[0-9a-f-]{36}$/.exec(query.cursor ?? '') ? (query.cursor as string).split('_') : [];
    const cursor = createdAt && id ? { createdAt: new Date(Number(createdAt)), id } : null;
    const rows = await this.prisma.client.creditLedgerEntry.findMany({
      where: {
        ...where,
        state: { in: ['GRANTED', 'REVOKED'] },
        ...(query.jobId ? { jobId: query.jobId } : {}),
        ...(query.agentId ? { agentId: query.agentId } : {}),
        ...(cursor ? ledgerEntriesAfter(cursor, 'desc') : {}),
      },
      include: ENTRY_WITH,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: this.fromEntries(page), nextCursor: rows.length > query.limit && last ? `${last.createdAt.getTime()}_${last.id}` : null };
  }

  /** Checks a receipt with the key it names: the current key or one retired by a rotation. */
  async verify(candidate: unknown): Promise<ReceiptVerification> {
    const parsed = ReceiptSchema.safeParse(candidate);
    if (!parsed.success) return { valid: false, keyId: this.signer.keyId, reason: 'malformed' };
    const publicKey = await this.signer.keyById(parsed.data.keyId);
    if (!publicKey) return { valid: false, keyId: this.signer.keyId, reason: 'unknown-key' };
    // The body as sent (not as parsed): a field added or changed anywhere breaks the signature.
    const valid = this.signer.verify(obj(candidate).body, parsed.data.signature, publicKey);
    return { valid, keyId: parsed.data.keyId, reason: valid ? null : 'bad-signature' };
  }
}
