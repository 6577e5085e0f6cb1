import { z } from 'zod';

/**
 * Credits, boards, receipts, teams and the public stats export (issue 6). Amounts of
 * credit are plain decimal strings (1 credit = 1 PFLOP of validated work, up to 18
 * decimal places, never a binary float); FLOP counts are decimal integer strings.
 * docs/credits.md explains every field.
 */

/** A non-negative or negative decimal string with at most 18 decimal places. */
export const CreditAmountSchema = z.string().regex(/^-?\d{1,21}(\.\d{1,18})?$/);
/** A whole number of FLOPs (or Wh with decimals) as a string: exact beyond 2^53. */
export const DecimalStringSchema = z.string().regex(/^-?\d{1,40}(\.\d{1,18})?$/);

export const CreditKindSchema = z.enum(['compute', 'data', 'validation']);
export type CreditKind = z.infer<typeof CreditKindSchema>;
export const CreditStateSchema = z.enum(['claimed', 'pending', 'granted', 'revoked']);
export type CreditState = z.infer<typeof CreditStateSchema>;

export const BoardWindowSchema = z.enum(['all', '30d', '7d', 'recent']);
export type BoardWindow = z.infer<typeof BoardWindowSchema>;
export const BoardKindSchema = z.enum(['compute', 'data', 'validation', 'total']);
export type BoardKind = z.infer<typeof BoardKindSchema>;
export const BoardScopeSchema = z.enum(['contributors', 'teams', 'gpu-class']);
export type BoardScope = z.infer<typeof BoardScopeSchema>;

/**
 * `GET /api/v1/boards?window=&kind=&scope=&search=&limit=&cursor=`. The cursor is the
 * opaque `nextCursor` of the previous page (an offset into the board).
 */
export const BoardQuerySchema = z.strictObject({
  window: BoardWindowSchema.default('all'),
  kind: BoardKindSchema.default('total'),
  scope: BoardScopeSchema.default('contributors'),
  /** Case-insensitive prefix of a handle, team slug or GPU class; ranks stay those of the whole board. */
  search: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d{1,9}$/).optional(),
});
export type BoardQuery = z.infer<typeof BoardQuerySchema>;
export type BoardQueryInput = z.input<typeof BoardQuerySchema>;

export const BoardRowSchema = z.object({
  /** 1-based; equal scores get distinct ranks (ties by id, stable). */
  rank: z.number().int().positive(),
  /** User id, team id, or the GPU class itself. */
  id: z.string(),
  /** Handle (contributors), slug (teams) or GPU class name. */
  handle: z.string(),
  /** Display name (contributors), team name, or the GPU class. */
  name: z.string(),
  /** Credit in the window; for `recent`, credits per day. */
  credit: CreditAmountSchema,
});
export type BoardRow = z.infer<typeof BoardRowSchema>;

export const BoardPageSchema = z.object({
  window: BoardWindowSchema,
  kind: BoardKindSchema,
  scope: BoardScopeSchema,
  /** Entries on the whole board (not only those matching `search`). */
  total: z.number().int().nonnegative(),
  items: z.array(BoardRowSchema),
  nextCursor: z.string().nullable(),
  /** The caller's own row (contributors: the user; teams: their current team), when signed in and on the board. */
  me: BoardRowSchema.nullable(),
  /** When the board was computed: boards are views of the ledger, updated as entries are granted or revoked. */
  asOf: z.iso.datetime(),
});
export type BoardPage = z.infer<typeof BoardPageSchema>;

export const KindTotalsSchema = z.object({
  compute: CreditAmountSchema,
  data: CreditAmountSchema,
  validation: CreditAmountSchema,
  total: CreditAmountSchema,
});
export type KindTotals = z.infer<typeof KindTotalsSchema>;

/** Validation outcome stated on a receipt. */
export const ValidationOutcomeSchema = z.object({
  status: z.enum(['pending', 'validated', 'invalid', 'not-required', 'replicated-agree', 'replicated-disagree']),
  /** How it was decided (e.g. "held-out loss reproduced by an independent eval"). */
  method: z.string().max(500),
  /** The validating job, if one ran. */
  validationJobId: z.uuid().nullable(),
  reportedLoss: z.number().nullable(),
  reproducedLoss: z.number().nullable(),
  tolerance: z.number().nullable(),
});
export type ValidationOutcome = z.infer<typeof ValidationOutcomeSchema>;

/**
 * The signed part of a receipt. Serialised as canonical JSON (keys sorted at every level,
 * no whitespace, UTF-8) and signed with the coordinator's Ed25519 key.
 */
export const ReceiptBodySchema = z.object({
  /** Format version of this body. */
  v: z.literal(1),
  receiptId: z.uuid(),
  /** The ledger entry (grant or revocation) this receipt is for. */
  entryId: z.uuid(),
  issuedAt: z.iso.datetime(),
  coordinator: z.string(),
  kind: CreditKindSchema,
  state: z.enum(['granted', 'revoked']),
  userId: z.uuid(),
  handle: z.string(),
  jobId: z.uuid().nullable(),
  jobKind: z.enum(['fine-tune', 'eval', 'dataset', 'pipeline']).nullable(),
  attemptId: z.uuid().nullable(),
  agentId: z.uuid().nullable(),
  gpuModels: z.array(z.string()),
  tokens: DecimalStringSchema.nullable(),
  flopsClaimed: DecimalStringSchema.nullable(),
  flopsSource: z.enum(['reported', 'formula']).nullable(),
  telemetryBoundFlops: DecimalStringSchema.nullable(),
  capped: z.boolean(),
  flopsGranted: DecimalStringSchema.nullable(),
  validation: ValidationOutcomeSchema,
  /** Credit granted (positive) or taken back (revocation: the amount that was granted, as a positive number). */
  credit: CreditAmountSchema,
  energyWh: DecimalStringSchema.nullable(),
  reason: z.string().max(1000),
});
export type ReceiptBody = z.infer<typeof ReceiptBodySchema>;

/**
 * Canonical JSON of a receipt body, the bytes that are signed: object keys sorted by UTF-16 code
 * units at every level, no whitespace, arrays in order, strings and numbers as JSON.stringify
 * writes them. The same function is in scripts/verify-receipt.mjs, so verification needs no
 * coordinator.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('canonical JSON has no representation for undefined or functions');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export const ReceiptSchema = z.object({
  body: ReceiptBodySchema,
  /** Ed25519 signature of the canonical JSON of `body`, base64. */
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
  /** Identifies the signing key: base64url SHA-256 of its SPKI DER, first 16 characters. */
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
});
export type Receipt = z.infer<typeof ReceiptSchema>;

export const PublicKeySchema = z.object({
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
  /** SubjectPublicKeyInfo, PEM. */
  publicKeyPem: z.string(),
  /** The raw 32-byte public key, base64. */
  publicKeyRaw: z.string(),
});
export type PublicKey = z.infer<typeof PublicKeySchema>;

/**
 * `GET /api/v1/credits/public-keys`: every key that has signed receipts, the current one and
 * those retired by a rotation (receipts name theirs in `keyId`; pick the key by it).
 */
export const PublicKeySetSchema = z.object({
  /** keyId of the key that signs receipts now. */
  current: z.string(),
  keys: z.array(
    PublicKeySchema.extend({
      status: z.enum(['current', 'retired']),
      firstUsedAt: z.iso.datetime(),
      lastUsedAt: z.iso.datetime(),
    }),
  ),
});
export type PublicKeySet = z.infer<typeof PublicKeySetSchema>;

/** `POST /api/v1/receipts/verify`: checks a receipt against the key it names (current or retired). */
export const VerifyReceiptBodySchema = ReceiptSchema;
export const ReceiptVerificationSchema = z.object({
  valid: z.boolean(),
  /** The key the receipt was checked against (the current key's id when it names none known). */
  keyId: z.string(),
  /** Why it failed: `bad-signature`, `unknown-key`, `malformed`. */
  reason: z.string().nullable(),
});
export type ReceiptVerification = z.infer<typeof ReceiptVerificationSchema>;

export const ReceiptListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  jobId: z.uuid().optional(),
  agentId: z.uuid().optional(),
});
export type ReceiptListQuery = z.infer<typeof ReceiptListQuerySchema>;

export const CreditPointSchema = z.object({
  /** UTC day, `YYYY-MM-DD`. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Granted minus revoked that day, per kind. */
  credit: KindTotalsSchema,
});
export type CreditPoint = z.infer<typeof CreditPointSchema>;

export const LineageEntrySchema = z.object({
  /** The fine-tune (or other job) this contributor's data or compute went into. */
  jobId: z.uuid(),
  jobKind: z.enum(['fine-tune', 'eval', 'dataset', 'pipeline']),
  baseModel: z.string().nullable(),
  /** The dataset of this contributor that was credited. */
  datasetId: z.uuid().nullable(),
  datasetName: z.string().nullable(),
  /** The dataset the job consumed (the credited one, or a descendant of it). */
  viaDatasetId: z.uuid().nullable(),
  depth: z.number().int().nonnegative(),
  credit: CreditAmountSchema,
  at: z.iso.datetime(),
});
export type LineageEntry = z.infer<typeof LineageEntrySchema>;

export const ContributorProfileSchema = z.object({
  userId: z.uuid(),
  handle: z.string(),
  displayName: z.string(),
  joinedAt: z.iso.datetime(),
  team: z.object({ id: z.uuid(), slug: z.string(), name: z.string() }).nullable(),
  /** Granted credit minus revocations, per kind. */
  granted: KindTotalsSchema,
  /** Credit taken back by revocations, per kind (shown as positive numbers). */
  revoked: KindTotalsSchema,
  /** Claimed or pending, awaiting validation: only the contributor themself (or an admin) sees it; null otherwise. */
  pending: KindTotalsSchema.nullable(),
  /** Recent average credit (credits per day, 7-day half-life), total. */
  recentAverage: CreditAmountSchema,
  ranks: z.object({ all: z.number().int().positive().nullable(), d30: z.number().int().positive().nullable(), d7: z.number().int().positive().nullable() }),
  energyWh: DecimalStringSchema,
  gpus: z.array(z.object({ name: z.string(), count: z.number().int().nonnegative() })),
  /** Per UTC day, last 90 days with any credit. */
  series: z.array(CreditPointSchema),
  recentReceipts: z.array(ReceiptSchema),
  helpedTrain: z.array(LineageEntrySchema),
});
export type ContributorProfile = z.infer<typeof ContributorProfileSchema>;

export const TeamSlugSchema = z.string().trim().min(2).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const CreateTeamBodySchema = z.strictObject({
  slug: TeamSlugSchema,
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(2000).default(''),
});
export type CreateTeamBody = z.infer<typeof CreateTeamBodySchema>;
export type CreateTeamInput = z.input<typeof CreateTeamBodySchema>;

/** Join takes no fields (the caller joins, leaving any current team first). */
export const JoinTeamBodySchema = z.strictObject({});
export const LeaveTeamBodySchema = z.strictObject({});

export const TeamMemberSchema = z.object({
  userId: z.uuid(),
  handle: z.string(),
  joinedAt: z.iso.datetime(),
  leftAt: z.iso.datetime().nullable(),
  /** Credit this member earned for the team (while a member), total of all kinds. */
  credit: CreditAmountSchema,
});
export type TeamMember = z.infer<typeof TeamMemberSchema>;

export const TeamViewSchema = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  createdAt: z.iso.datetime(),
  createdByHandle: z.string(),
  memberCount: z.number().int().nonnegative(),
  /** Credit earned by members while they were members. */
  totals: KindTotalsSchema,
  rank: z.number().int().positive().nullable(),
});
export type TeamView = z.infer<typeof TeamViewSchema>;

export const TeamDetailSchema = TeamViewSchema.extend({
  /** Current members first, then past stints (newest first), at most 200. */
  members: z.array(TeamMemberSchema),
});
export type TeamDetail = z.infer<typeof TeamDetailSchema>;

export const TeamMembershipViewSchema = z.object({
  teamId: z.uuid(),
  slug: z.string(),
  joinedAt: z.iso.datetime(),
  leftAt: z.iso.datetime().nullable(),
});
export type TeamMembershipView = z.infer<typeof TeamMembershipViewSchema>;

export const TeamListQuerySchema = z.strictObject({
  search: z.string().trim().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type TeamListQuery = z.infer<typeof TeamListQuerySchema>;

/**
 * One line of the daily stats export (`GET /api/v1/stats/export/:day`, JSON lines).
 * The first line is a header; then one line per contributor and per team with any
 * granted credit. Version 1 is stable: fields may be added, never renamed or removed.
 */
export const StatsExportHeaderSchema = z.object({
  v: z.literal(1),
  type: z.literal('header'),
  /** UTC day the snapshot closes (totals up to its end, 24:00 UTC). */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  generatedAt: z.iso.datetime(),
  unit: z.literal('credit = 1 PFLOP of validated work'),
  contributors: z.number().int().nonnegative(),
  teams: z.number().int().nonnegative(),
});
export type StatsExportHeader = z.infer<typeof StatsExportHeaderSchema>;

export const StatsExportRowSchema = z.object({
  v: z.literal(1),
  type: z.enum(['contributor', 'team']),
  id: z.uuid(),
  /** Contributor handle or team slug. */
  handle: z.string(),
  name: z.string(),
  compute: CreditAmountSchema,
  data: CreditAmountSchema,
  validation: CreditAmountSchema,
  total: CreditAmountSchema,
  /** Recent average credit per day at the end of the day. */
  recentAverage: CreditAmountSchema,
  /** Rank by total on that day, 1-based. */
  rank: z.number().int().positive(),
  /** Teams only: current members at the end of the day. */
  members: z.number().int().nonnegative().optional(),
});
export type StatsExportRow = z.infer<typeof StatsExportRowSchema>;

export const StatsExportIndexSchema = z.object({
  /** Days with a snapshot, newest first. */
  days: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)),
});
export type StatsExportIndex = z.infer<typeof StatsExportIndexSchema>;
