import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  AttemptViewSchema,
  BaseModelSchema,
  JobLogViewSchema,
  JobProgressViewSchema,
  CreateJobBodySchema,
  CreateJobsBatchBodySchema,
  JobsBatchViewSchema,
  type CreateJobsBatchBody,
  type JobsBatchView,
  JobListQuerySchema,
  JobViewSchema,
  WhyNoJobSchema,
  JobWhySchema,
  type JobWhy,
  type AttemptView,
  type BaseModel,
  type JobLogView,
  type JobProgressView,
  type CreateJobBody,
  type FieldError,
  type JobListQuery,
  type JobView,
  type Page,
  type WhyNoJob,
} from '@potluck/protocol';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { ArtifactStore } from '../storage/artifact-store.js';
import { z } from 'zod';
import { Ctx, Public, Roles } from '../auth/decorators.js';
import type { RequestContext } from '../auth/principal.js';
import { ApiContract } from '../common/openapi.js';
import { UuidParam } from '../common/params.js';
import { ZodPipe } from '../common/zod.pipe.js';
import { ValidationError } from '../common/errors.js';
import { JobsService } from './jobs.service.js';
import { ModelRegistry } from './model-registry.js';
import { WhyNoJobService } from './why-no-job.service.js';

/** `excludeDonors` is set by the coordinator only (validation runs); a builder may not choose who never runs a job. */
function refuseCoordinatorFields(body: CreateJobBody): void {
  const errors = coordinatorFieldErrors(body);
  if (errors.length > 0) throw new ValidationError(errors);
}

function coordinatorFieldErrors(body: CreateJobBody): FieldError[] {
  const errors: FieldError[] = [];
  if (body.requirements.excludeDonors.length > 0) errors.push({ field: 'body.requirements.excludeDonors', message: 'set by the coordinator only (validation runs)' });
  if (body.spec.kind === 'pipeline') {
    body.spec.steps.forEach((step, i) => {
      if ((step.requirements?.excludeDonors.length ?? 0) > 0) errors.push({ field: `body.spec.steps.${i}.requirements.excludeDonors`, message: 'set by the coordinator only (validation runs)' });
    });
  }
  return errors;
}

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/v1')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly models: ModelRegistry,
    private readonly why: WhyNoJobService,
    private readonly store: ArtifactStore,
  ) {}

  /** Creates a job or pipeline; with a known `idempotencyKey` returns the existing job (200). */
  @Roles('BUILDER')
  @Post('jobs')
  @ApiContract({ body: CreateJobBodySchema, response: JobViewSchema, status: 201 })
  async create(@Body(new ZodPipe(CreateJobBodySchema)) body: CreateJobBody, @Ctx() context: RequestContext, @Res({ passthrough: true }) response: Response): Promise<JobView> {
    refuseCoordinatorFields(body);
    const { job, created } = await this.jobs.create(body, context);
    response.status(created ? 201 : 200);
    return job;
  }

  /** Creates many standalone jobs in one transaction (all or none; 201, or 200 when every one existed by idempotency key). */
  @Roles('BUILDER')
  @Post('jobs/batch')
  @ApiContract({ body: CreateJobsBatchBodySchema, response: JobsBatchViewSchema, status: 201 })
  async createBatch(@Body(new ZodPipe(CreateJobsBatchBodySchema)) body: CreateJobsBatchBody, @Ctx() context: RequestContext, @Res({ passthrough: true }) response: Response): Promise<JobsBatchView> {
    const errors = body.jobs.flatMap((job, i) => coordinatorFieldErrors(job).map((error) => ({ ...error, field: error.field.replace(/^body/, `body.jobs.${i}`) })));
    if (errors.length > 0) throw new ValidationError(errors);
    const batch = await this.jobs.createMany(body.jobs, context);
    response.status(batch.created > 0 ? 201 : 200);
    return batch;
  }

  @Get('jobs')
  list(@Query(new ZodPipe(JobListQuerySchema)) query: JobListQuery, @Ctx() context: RequestContext): Promise<Page<JobView>> {
    return this.jobs.list(query, context);
  }

  @Get('jobs/:id')
  @ApiContract({ response: JobViewSchema })
  get(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<JobView> {
    return this.jobs.get(id, context);
  }

  @Get('jobs/:id/attempts')
  @ApiContract({ response: z.array(AttemptViewSchema) })
  attempts(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<AttemptView[]> {
    return this.jobs.attempts(id, context);
  }

  /** Live progress and the loss curve (for charts). */
  @Get('jobs/:id/progress')
  @ApiContract({ response: JobProgressViewSchema })
  progress(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<JobProgressView> {
    return this.jobs.progress(id, context);
  }

  /** Downloads the adapter a fine-tune produced (`potluck-adapter` bytes, sha256 in the ETag). */
  @Get('jobs/:id/adapter')
  async adapter(@UuidParam('id') id: string, @Ctx() context: RequestContext, @Res() response: Response): Promise<void> {
    const file = await this.jobs.adapter(id, context);
    response.status(200).set({
      'content-type': 'application/octet-stream',
      'content-length': String(file.bytes),
      'content-disposition': `attachment; filename="adapter-${id}.bin"`,
      etag: `"${file.sha256}"`,
    });
    await pipeline(this.store.open(file.storageKey), response).catch(() => response.destroy());
  }

  /** Downloads the report an eval job produced (JSON, `potluck-eval-report/1`, sha256 in the ETag). */
  @Get('jobs/:id/report')
  async report(@UuidParam('id') id: string, @Ctx() context: RequestContext, @Res() response: Response): Promise<void> {
    const file = await this.jobs.report(id, context);
    response.status(200).set({
      'content-type': 'application/json',
      'content-length': String(file.bytes),
      'content-disposition': `attachment; filename="eval-report-${id}.json"`,
      etag: `"${file.sha256}"`,
    });
    await pipeline(this.store.open(file.storageKey), response).catch(() => response.destroy());
  }

  /** The job's log (the latest lines its attempts sent; a pipeline: all its steps'). */
  @Get('jobs/:id/logs')
  @ApiContract({ response: JobLogViewSchema })
  logs(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<JobLogView> {
    return this.jobs.logs(id, context);
  }

  /** A failed or cancelled job again, as a new job (201; 200 when this job was retried before). */
  @Roles('BUILDER')
  @Post('jobs/:id/retry')
  @ApiContract({ response: JobViewSchema, status: 201 })
  async retry(@UuidParam('id') id: string, @Ctx() context: RequestContext, @Res({ passthrough: true }) response: Response): Promise<JobView> {
    const { job, created } = await this.jobs.retry(id, context);
    response.status(created ? 201 : 200);
    return job;
  }

  @Post('jobs/:id/cancel')
  @HttpCode(200)
  @ApiContract({ response: JobViewSchema })
  cancel(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<JobView> {
    return this.jobs.cancel(id, context);
  }

  /** The base models jobs can use (public). */
  @Public()
  @Get('models')
  @ApiContract({ response: z.array(BaseModelSchema) })
  listModels(): BaseModel[] {
    return this.models.all();
  }

  /** Why a queued job waits: the online agents counted by the rule that keeps each away (owner or admin). */
  @Get('jobs/:id/why')
  @ApiContract({ response: JobWhySchema })
  jobWhy(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<JobWhy> {
    return this.why.explainJob(id, context);
  }

  /** Which rule keeps each waiting job away from this agent (owner or admin). */
  @Get('agents/:id/why')
  @ApiContract({ response: WhyNoJobSchema })
  whyNoJob(@UuidParam('id') id: string, @Ctx() context: RequestContext): Promise<WhyNoJob> {
    return this.why.explain(id, context);
  }
}
