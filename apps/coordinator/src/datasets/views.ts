import type { DatasetForm, DatasetView } from '@potluck/protocol';
import type { Prisma } from '../generated/prisma/client.js';

export const DATASET_INCLUDE = {
  owner: { select: { handle: true } },
  contributors: { include: { user: { select: { handle: true } } } },
  versions: { include: { artifact: true, parents: true }, orderBy: { version: 'asc' } },
} satisfies Prisma.DatasetInclude;

export type DatasetWithRelations = Prisma.DatasetGetPayload<{ include: typeof DATASET_INCLUDE }>;

const FORMS: Record<string, DatasetForm> = { CHAT: 'chat', INSTRUCTION: 'instruction', TEXT: 'text' };

export function datasetView(dataset: DatasetWithRelations): DatasetView {
  return {
    id: dataset.id,
    ownerHandle: dataset.owner.handle,
    name: dataset.name,
    description: dataset.description,
    licence: dataset.licence,
    visibility: dataset.visibility === 'PUBLIC' ? 'public' : 'private',
    contributors: dataset.contributors.map((c) => ({ handle: c.user.handle, share: Number(c.share) })),
    versions: dataset.versions.map((v) => ({
      id: v.id,
      version: v.version,
      sha256: v.artifact.sha256,
      rows: v.rows,
      bytes: Number(v.bytes),
      estimatedTokens: Number(v.estimatedTokens),
      duplicateRate: v.duplicateRate,
      form: FORMS[v.form] ?? 'text',
      producedByJobId: v.producedByJobId,
      parentVersionIds: v.parents.map((p) => p.parentId),
      createdAt: v.createdAt.toISOString(),
    })),
    createdAt: dataset.createdAt.toISOString(),
  };
}
