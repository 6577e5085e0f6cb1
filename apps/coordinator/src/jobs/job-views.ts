import { JobSpecSchema, PipelineStepSpecSchema, RequirementsSchema, type JobStatus, type JobView } from '@potluck/protocol';
import type { Prisma } from '../generated/prisma/client.js';

export const JOB_INCLUDE = { owner: { select: { handle: true } }, steps: { select: { id: true }, orderBy: { createdAt: 'asc' } } } satisfies Prisma.JobInclude;
export type JobWithRelations = Prisma.JobGetPayload<{ include: typeof JOB_INCLUDE }>;

const STATUS: Record<string, JobStatus> = { QUEUED: 'queued', RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed', CANCELLED: 'cancelled' };
const KIND: Record<string, JobView['kind']> = { FINE_TUNE: 'fine-tune', EVAL: 'eval', DATASET: 'dataset', PIPELINE: 'pipeline' };
/** The protocol's name of a job kind stored in the database. */
export function jobKindView(kind: string): JobView['kind'] {
  return KIND[kind] ?? 'fine-tune';
}
export const KIND_ENUM = { 'fine-tune': 'FINE_TUNE', eval: 'EVAL', dataset: 'DATASET', pipeline: 'PIPELINE' } as const;
export const STATUS_ENUM = { queued: 'QUEUED', running: 'RUNNING', succeeded: 'SUCCEEDED', failed: 'FAILED', cancelled: 'CANCELLED' } as const;

export function jobView(job: JobWithRelations): JobView {
  return {
    id: job.id,
    ownerHandle: job.owner.handle,
    kind: KIND[job.kind] ?? 'fine-tune',
    status: STATUS[job.status] ?? 'queued',
    spec: job.parentJobId ? PipelineStepSpecSchema.parse(job.spec) : JobSpecSchema.parse(job.spec),
    requirements: RequirementsSchema.parse(job.requirements),
    priority: job.priority,
    parentJobId: job.parentJobId,
    stepJobIds: job.steps.map((step) => step.id),
    error: job.errorCode ? { code: job.errorCode, message: job.errorMessage ?? '' } : null,
    result: (job.result as Record<string, unknown> | null) ?? null,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
