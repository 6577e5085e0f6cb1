import { z } from 'zod';

export const DatasetFormSchema = z.enum(['chat', 'instruction', 'text']);
export type DatasetForm = z.infer<typeof DatasetFormSchema>;

export const VisibilitySchema = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof VisibilitySchema>;

/** One JSONL row in chat form. */
export const ChatRowSchema = z.object({
  messages: z
    .array(z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string().max(1_000_000) }))
    .min(1)
    .max(10_000),
});
/** One JSONL row in instruction form. */
export const InstructionRowSchema = z.object({ prompt: z.string().max(1_000_000), completion: z.string().max(1_000_000) });
/** One JSONL row of plain text. */
export const TextRowSchema = z.object({ text: z.string().min(1).max(4_000_000) });

export const DatasetContributorInputSchema = z.strictObject({
  handle: z.string().min(3).max(32),
  /** Share of this dataset's data credit, 0 < share ≤ 1; shares add up to 1. */
  share: z.number().positive().max(1),
});

export const CreateDatasetBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(100).regex(/^[\w.-]+$/, 'letters, digits, dot, dash and underscore only'),
  description: z.string().max(10_000).default(''),
  /** SPDX identifier or a short licence name (CC-BY-4.0, Apache-2.0, ODC-By-1.0, …). */
  licence: z.string().trim().min(1).max(64),
  visibility: VisibilitySchema.default('private'),
  /** Who gets data credit; the uploader alone when omitted. */
  contributors: z.array(DatasetContributorInputSchema).min(1).max(100).optional(),
});
export type CreateDatasetBody = z.infer<typeof CreateDatasetBodySchema>;
/** What a client sends (fields with defaults may be left out). */
export type CreateDatasetInput = z.input<typeof CreateDatasetBodySchema>;

export const DatasetStatsSchema = z.object({
  rows: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  estimatedTokens: z.number().int().nonnegative(),
  /** Share of rows that repeat an earlier row exactly (0..1). */
  duplicateRate: z.number().min(0).max(1),
  form: DatasetFormSchema,
});
export type DatasetStats = z.infer<typeof DatasetStatsSchema>;

export const DatasetVersionViewSchema = DatasetStatsSchema.extend({
  id: z.uuid(),
  version: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  producedByJobId: z.uuid().nullable(),
  parentVersionIds: z.array(z.uuid()),
  createdAt: z.iso.datetime(),
});
export type DatasetVersionView = z.infer<typeof DatasetVersionViewSchema>;

export const DatasetViewSchema = z.object({
  id: z.uuid(),
  ownerHandle: z.string(),
  name: z.string(),
  description: z.string(),
  licence: z.string(),
  visibility: VisibilitySchema,
  contributors: z.array(z.object({ handle: z.string(), share: z.number() })),
  versions: z.array(DatasetVersionViewSchema),
  createdAt: z.iso.datetime(),
});
export type DatasetView = z.infer<typeof DatasetViewSchema>;

export const DatasetPreviewSchema = z.object({ version: z.number().int(), rows: z.array(z.unknown()) });
export type DatasetPreview = z.infer<typeof DatasetPreviewSchema>;

export const DatasetListQuerySchema = z.strictObject({
  mine: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type DatasetListQuery = z.infer<typeof DatasetListQuerySchema>;
