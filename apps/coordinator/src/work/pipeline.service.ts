import { Injectable, Logger } from '@nestjs/common';
import { PipelineSpecSchema, PipelineStepSpecSchema, StepSpecSchema, type DatasetInput, type DatasetRef, type StepSpec } from '@potluck/protocol';
import { PrismaService } from '../database/prisma.service.js';

export type Resolution = { ok: true; spec: StepSpec } | { ok: false; reason: string };

/**
 * Pipelines: a parent job with ordered step jobs (`stepIndex`). A step is dispatched once
 * the step before it succeeded (the dispatcher's candidate query says so); its placeholders
 * (`{ "fromStep": id }`, `adapterFromStep`) are resolved then from the earlier steps' outputs.
 * The parent's status follows its steps: running with the first, succeeded with the last,
 * failed with the first step that fails for good (the rest are cancelled, the reason kept).
 */
@Injectable()
export class PipelineService {
  private readonly logger = new Logger('Pipeline');

  constructor(private readonly prisma: PrismaService) {}

  /** The step's spec with its placeholders replaced by the earlier steps' outputs. */
  async resolve(step: { parentJobId: string | null; spec: unknown }): Promise<Resolution> {
    if (!step.parentJobId) {
      const parsed = StepSpecSchema.safeParse(step.spec);
      return parsed.success ? { ok: true, spec: parsed.data } : { ok: false, reason: `the stored spec is invalid: ${parsed.error.issues[0]?.message ?? ''}` };
    }
    const parent = await this.prisma.client.job.findUniqueOrThrow({ where: { id: step.parentJobId } });
    const pipeline = PipelineSpecSchema.parse(parent.spec);
    const siblings = await this.prisma.client.job.findMany({ where: { parentJobId: parent.id }, select: { id: true, stepIndex: true, status: true, result: true } });
    const output = (stepId: string): { job: (typeof siblings)[number]; index: number } | null => {
      const index = pipeline.steps.findIndex((s) => s.id === stepId);
      const job = siblings.find((s) => s.stepIndex === index);
      return index >= 0 && job && job.status === 'SUCCEEDED' ? { job, index } : null;
    };
    const parsed = PipelineStepSpecSchema.safeParse(step.spec);
    if (!parsed.success) return { ok: false, reason: `the stored step spec is invalid: ${parsed.error.issues[0]?.message ?? ''}` };
    const spec = parsed.data;
    const dataset = (input: DatasetInput): DatasetRef | string => {
      if (!('fromStep' in input)) return input;
      const produced = output(input.fromStep);
      const result = produced?.job.result as { datasetId?: unknown; version?: unknown } | null | undefined;
      if (typeof result?.datasetId !== 'string' || typeof result.version !== 'number') return `step "${input.fromStep}" produced no dataset version`;
      return { datasetId: result.datasetId, version: result.version };
    };
    const refs = (inputs: DatasetInput[]): DatasetRef[] | string => {
      const out: DatasetRef[] = [];
      for (const input of inputs) {
        const ref = dataset(input);
        if (typeof ref === 'string') return ref;
        out.push(ref);
      }
      return out;
    };
    let resolved: unknown;
    switch (spec.kind) {
      case 'fine-tune': {
        const datasets = refs(spec.datasets);
        if (typeof datasets === 'string') return { ok: false, reason: datasets };
        resolved = { ...spec, datasets };
        break;
      }
      case 'eval': {
        const ref = dataset(spec.dataset);
        if (typeof ref === 'string') return { ok: false, reason: ref };
        const { adapterFromStep, ...rest } = spec;
        let adapterFromJob = rest.adapterFromJob;
        if (adapterFromStep) {
          const produced = output(adapterFromStep);
          if (!produced) return { ok: false, reason: `step "${adapterFromStep}" produced no adapter` };
          adapterFromJob = produced.job.id;
        }
        resolved = { ...rest, dataset: ref, ...(adapterFromJob ? { adapterFromJob } : {}) };
        break;
      }
      case 'dataset': {
        const ref = dataset(spec.input);
        if (typeof ref === 'string') return { ok: false, reason: ref };
        resolved = { ...spec, input: ref };
        break;
      }
    }
    const checked = StepSpecSchema.safeParse(resolved);
    return checked.success ? { ok: true, spec: checked.data } : { ok: false, reason: `the resolved step spec is invalid: ${checked.error.issues[0]?.message ?? ''}` };
  }

  /** A step succeeded: the pipeline succeeds with its last step (its result lists every step's). */
  async stepSucceeded(stepJobId: string, now: number): Promise<void> {
    const step = await this.prisma.client.job.findUnique({ where: { id: stepJobId }, select: { parentJobId: true } });
    if (!step?.parentJobId) return;
    const steps = await this.prisma.client.job.findMany({ where: { parentJobId: step.parentJobId }, orderBy: { stepIndex: 'asc' }, select: { id: true, status: true, kind: true, result: true } });
    if (!steps.every((s) => s.status === 'SUCCEEDED')) return;
    const parent = await this.prisma.client.job.findUniqueOrThrow({ where: { id: step.parentJobId } });
    const ids = PipelineSpecSchema.parse(parent.spec).steps.map((s) => s.id);
    const result = { steps: steps.map((s, i) => ({ id: ids[i] ?? String(i), jobId: s.id, result: s.result })) };
    await this.prisma.client.job.updateMany({ where: { id: step.parentJobId, status: { in: ['QUEUED', 'RUNNING'] } }, data: { status: 'SUCCEEDED', finishedAt: new Date(now), result } });
    this.logger.log({ pipelineId: step.parentJobId }, 'pipeline succeeded');
  }

  /** A step failed for good: the pipeline fails with its reason, and its later steps are cancelled. */
  async stepFailed(stepJobId: string, now: number): Promise<void> {
    const step = await this.prisma.client.job.findUnique({ where: { id: stepJobId } });
    if (!step?.parentJobId || step.status !== 'FAILED') return;
    const parent = await this.prisma.client.job.findUniqueOrThrow({ where: { id: step.parentJobId } });
    const stepId = PipelineSpecSchema.parse(parent.spec).steps[step.stepIndex ?? -1]?.id ?? String(step.stepIndex);
    await this.prisma.client.$transaction([
      this.prisma.client.job.updateMany({
        where: { id: parent.id, status: { in: ['QUEUED', 'RUNNING'] } },
        data: { status: 'FAILED', finishedAt: new Date(now), errorCode: 'STEP_FAILED', errorMessage: `step "${stepId}" failed: ${step.errorCode ?? 'FAILED'}: ${step.errorMessage ?? ''}`.slice(0, 2000) },
      }),
      this.prisma.client.job.updateMany({ where: { parentJobId: parent.id, status: 'QUEUED' }, data: { status: 'CANCELLED', finishedAt: new Date(now), errorCode: 'PIPELINE_FAILED', errorMessage: `step "${stepId}" failed` } }),
    ]);
    this.logger.log({ pipelineId: parent.id, stepId }, 'pipeline failed');
  }
}
