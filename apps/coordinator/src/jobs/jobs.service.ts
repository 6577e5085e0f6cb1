import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { isDatasetRef, JobLogViewSchema, JobProgressSchema, stepInputs, JobSpecSchema, RequirementsSchema, requirementsProblems, type AttemptView, type DatasetInput, type DatasetRef, type JobLogView, type PipelineStepSpec, type CreateJobBody, type FieldError, type JobListQuery, type JobProgressView, type JobSpec, type JobView, type Page, type StepSpec } from '@potluck/protocol';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service.js';
import { canAccess, isAdmin, type RequestContext } from '../auth/principal.js';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors.js';
import { isUniqueViolation } from '../database/prisma-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { QueueService } from '../queues/queue.service.js';
import { RedisService } from '../redis/redis.service.js';
import { AgentsGateway } from '../agent-gateway/agents.gateway.js';
import { DispatchService } from '../work/dispatch.service.js';
import { JOB_INCLUDE, jobView, KIND_ENUM, STATUS_ENUM, type JobWithRelations } from './job-views.js';
import { JobWriter, queuedJobView, type StandaloneJobBody } from './job-writer.js';
import { DatasetAccess, versionKey } from './dataset-access.js';
import { ModelRegistry } from './model-registry.js';

const KIND_NAMES = { FINE_TUNE: 'fine-tune', EVAL: 'eval', DATASET: 'dataset', PIPELINE: 'pipeline' } as const;

/** Builders' jobs: checked against the model registry and their datasets, stored, queued, cancelled, retried. */
@Injectable()
export class JobsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueService,
    private readonly models: ModelRegistry,
    private readonly audit: AuditService,
    private readonly dispatch: DispatchService,
    private readonly gateway: AgentsGateway,
    private readonly redis: RedisService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: JobWriter,
    private readonly datasets: DatasetAccess,
  ) {}

  async create(submitted: CreateJobBody, context: RequestContext): Promise<{ job: JobView; created: boolean }> {
    const body = withCanonicalDatasetIds(submitted);
    if (body.spec.kind !== 'pipeline') {
      const [one] = await this.createStandalone([{ ...body, spec: body.spec }], context, () => 'body');
      if (one) return one;
    }
    const ownerId = context.principal.userId;
    if (body.idempotencyKey) {
      const existing = await this.prisma.client.job.findUnique({ where: { ownerId_idempotencyKey: { ownerId, idempotencyKey: body.idempotencyKey } }, include: JOB_INCLUDE });
      if (existing) {
        await this.enqueue(existing); // a retry also repairs a job whose first enqueue was cut short
        return { job: jobView(existing), created: false };
      }
    }
    this.checkRuntime(body, context);
    await this.checkReferences(body.spec, context, await this.datasets.readable(datasetRefsOf(body.spec), context.principal));
    let job;
    try {
      job = await this.prisma.client.$transaction(async (tx) => {
        const created = await tx.job.create({
          data: {
            ownerId,
            kind: KIND_ENUM[body.spec.kind],
            spec: body.spec,
            requirements: body.requirements,
            priority: body.priority,
            idempotencyKey: body.idempotencyKey ?? null,
          },
        });
        if (body.spec.kind === 'pipeline') {
          for (const [stepIndex, step] of body.spec.steps.entries()) {
            await tx.job.create({
              data: {
                ownerId,
                kind: KIND_ENUM[step.spec.kind],
                spec: step.spec,
                requirements: step.requirements ?? body.requirements,
                priority: body.priority,
                parentJobId: created.id,
                stepIndex,
              },
            });
          }
        }
        await this.audit.record(context, { action: 'job.create', targetType: 'job', targetId: created.id, details: { kind: body.spec.kind } }, tx);
        return tx.job.findUniqueOrThrow({ where: { id: created.id }, include: JOB_INCLUDE });
      });
    } catch (error) {
      if (isUniqueViolation(error) && body.idempotencyKey) {
        const existing = await this.prisma.client.job.findUniqueOrThrow({ where: { ownerId_idempotencyKey: { ownerId, idempotencyKey: body.idempotencyKey } }, include: JOB_INCLUDE });
        return { job: jobView(existing), created: false };
      }
      throw error;
    }
    this.dispatch.jobsCreated(Promise.resolve(1), 1); // a pipeline's first step; dispatch reads PostgreSQL, not BullMQ: no need to wait for the enqueue
    await this.enqueue(job);
    return { job: jobView(job), created: true };
  }

  /**
   * Many standalone jobs at once (a sweep): every job is checked first and nothing is created
   * unless all pass (errors name `body.jobs.<i>.…`); then all are created in one statement and
   * queued with one BullMQ call. A job whose idempotency key exists is returned as it is.
   */
  async createMany(submitted: readonly CreateJobBody[], context: RequestContext): Promise<{ jobs: JobView[]; created: number }> {
    const bodies = submitted.map(withCanonicalDatasetIds);
    const errors: FieldError[] = [];
    const standalone: StandaloneJobBody[] = [];
    const keys = new Set<string>();
    bodies.forEach((body, i) => {
      if (body.spec.kind === 'pipeline') errors.push({ field: `body.jobs.${i}.spec.kind`, message: 'a pipeline is created on its own (POST /api/v1/jobs)' });
      else standalone.push({ ...body, spec: body.spec });
      if (body.idempotencyKey && keys.has(body.idempotencyKey)) errors.push({ field: `body.jobs.${i}.idempotencyKey`, message: 'used by an earlier job of this batch' });
      if (body.idempotencyKey) keys.add(body.idempotencyKey);
    });
    if (errors.length > 0) throw new ValidationError(errors, 'The jobs are not valid; none was created.');
    const results = await this.createStandalone(standalone, context, (i) => `body.jobs.${i}`);
    return { jobs: results.map((result) => result.job), created: results.filter((result) => result.created).length };
  }

  /**
   * Creates standalone jobs (one or a batch): idempotency keys looked up together, every job
   * checked (the dataset versions of all of them looked up in one query), then one insert of jobs and audit rows,
   * dispatch asked, and one BullMQ add for all.
   */
  private async createStandalone(bodies: StandaloneJobBody[], context: RequestContext, fieldOf: (index: number) => string): Promise<{ job: JobView; created: boolean }[]> {
    const ownerId = context.principal.userId;
    const keys = bodies.flatMap((body) => (body.idempotencyKey ? [body.idempotencyKey] : []));
    const byKey = async (wanted: string[]) => new Map((await this.prisma.client.job.findMany({ where: { ownerId, idempotencyKey: { in: wanted } }, include: JOB_INCLUDE })).map((job) => [job.idempotencyKey ?? '', job]));
    const existing = keys.length > 0 ? await byKey(keys) : new Map<string, JobWithRelations>();
    const isNew = (body: StandaloneJobBody) => !(body.idempotencyKey && existing.has(body.idempotencyKey));
    const fresh = bodies.filter(isNew);
    const refs = fresh.flatMap((body) => datasetRefsOf(body.spec));
    // Everything but the dataset versions first; those the insert itself checks (one round trip), or, when
    // something else is wrong already, a query here, so the answer names every problem at once.
    if (await this.problems(bodies, isNew, context, fieldOf, EVERY_VERSION)) {
      throw (await this.problems(bodies, isNew, context, fieldOf, await this.datasets.readable(refs, context.principal))) ?? new Error('a job failed a check only while dataset versions were assumed readable');
    }
    const now = new Date();
    const inserting = fresh.length > 0 ? this.writer.insert(fresh, refs, context, now) : Promise.resolve({ ids: [], refused: false });
    // Dispatch reads PostgreSQL, not BullMQ (no need to wait for the enqueue); it reads the agents while the insert commits.
    if (fresh.length > 0) this.dispatch.jobsCreated(inserting.then(({ ids }) => ids.filter((id) => id !== null).length), fresh.length);
    const { ids, refused } = await inserting;
    if (refused) {
      // Nothing was inserted; which versions are at fault is asked separately.
      throw (await this.problems(bodies, isNew, context, fieldOf, await this.datasets.readable(refs, context.principal))) ?? new Error('the insert refused a dataset version every job may read');
    }
    const createdIds = new Map(fresh.map((body, i) => [body, ids[i] ?? null]));
    // A key another request used since the lookup: that request's job is the answer.
    const raced = fresh.filter((body) => createdIds.get(body) === null).map((body) => body.idempotencyKey ?? '');
    for (const [key, job] of raced.length > 0 ? await byKey(raced) : []) existing.set(key, job);
    const found: JobWithRelations[] = [];
    const results = bodies.map((body) => {
      const id = createdIds.get(body);
      if (id) return { job: queuedJobView(id, body, context.principal.handle, now), created: true };
      const job = existing.get(body.idempotencyKey ?? '');
      if (!job) throw new Error('a job with an idempotency key was neither created nor found');
      found.push(job);
      return { job: jobView(job), created: false };
    });
    const created = results.filter((result) => result.created).map(({ job }) => ({ name: job.kind === 'pipeline' ? ('pipeline' as const) : job.kind, data: { jobId: job.id }, opts: { jobId: `job-${job.id}`, priority: 1 + Math.max(0, 100 - job.priority) } }));
    await this.queues.addBulk('work', created);
    for (const job of found) await this.enqueue(job); // a retry also repairs a job whose first enqueue was cut short
    return results;
  }

  /**
   * Every new job checked (runtime, models, placeholders, adapters, and the dataset versions in
   * `readable`): the problems of one job as they are, of a batch with each field named
   * `body.jobs.<i>.…`; null when all pass.
   */
  private async problems(bodies: StandaloneJobBody[], isNew: (body: StandaloneJobBody) => boolean, context: RequestContext, fieldOf: (index: number) => string, readable: VersionAccess): Promise<ValidationError | null> {
    const errors: FieldError[] = [];
    for (const [i, body] of bodies.entries()) {
      if (!isNew(body)) continue;
      try {
        this.checkRuntime(body, context);
        await this.checkReferences(body.spec, context, readable);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        if (bodies.length === 1) return error;
        errors.push(...(error.fieldErrors ?? []).map((fieldError) => ({ ...fieldError, field: fieldError.field.replace(/^body/, fieldOf(i)) })));
      }
    }
    return errors.length > 0 ? new ValidationError(errors, 'The jobs are not valid; none was created.') : null;
  }

  /** Deterministic BullMQ id: adding the same queued job again is a no-op (idempotent by construction). */
  private async enqueue(job: JobWithRelations): Promise<void> {
    if (job.status !== 'QUEUED') return;
    const first = job.kind === 'PIPELINE' ? job.steps[0]?.id : job.id;
    const name = job.kind === 'PIPELINE' ? 'pipeline' : KIND_NAMES[job.kind];
    if (first) await this.queues.add('work', name, { jobId: first }, { jobId: `job-${first}`, priority: 1 + Math.max(0, 100 - job.priority) });
  }

  async get(id: string, context: RequestContext): Promise<JobView> {
    const job = await this.prisma.client.job.findUnique({ where: { id }, include: JOB_INCLUDE });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    return jobView(job);
  }

  /** Who ran the job, how long, why each attempt ended, and its checkpoints. */
  async attempts(id: string, context: RequestContext): Promise<AttemptView[]> {
    await this.get(id, context); // 404 unless owner or admin
    const attempts = await this.prisma.client.jobAttempt.findMany({
      where: { jobId: id },
      orderBy: { attemptNo: 'asc' },
      include: { agent: { select: { name: true, owner: { select: { handle: true } } } }, resumedFrom: { select: { step: true } }, checkpoints: { orderBy: { step: 'asc' } } },
    });
    return attempts.map((a) => ({
      id: a.id,
      attemptNo: a.attemptNo,
      agentId: a.agentId,
      agentName: a.agent.name,
      donorHandle: a.agent.owner.handle,
      status: a.status.toLowerCase() as AttemptView['status'],
      startedAt: a.startedAt.toISOString(),
      endedAt: a.endedAt?.toISOString() ?? null,
      endReason: a.endReason,
      tokens: Number(a.tokens),
      resumedFromStep: a.resumedFrom?.step ?? null,
      checkpoints: a.checkpoints.map((c) => ({ step: c.step, tokens: Number(c.tokens), at: c.createdAt.toISOString() })),
    }));
  }

  /** The latest progress report and the loss curve, kept in Redis for a week. */
  async progress(id: string, context: RequestContext): Promise<JobProgressView> {
    await this.get(id, context);
    const [latest, curve] = await Promise.all([
      this.redis.client.get(this.redis.key('job', id, 'progress')),
      this.redis.client.lrange(this.redis.key('job', id, 'curve'), 0, -1),
    ]);
    const parsedLatest = latest ? JobProgressSchema.extend({ at: z.number().int() }).safeParse(JSON.parse(latest)) : null;
    return {
      latest: parsedLatest?.success ? parsedLatest.data : null,
      curve: curve.map((point) => JSON.parse(point) as JobProgressView['curve'][number]),
    };
  }

  /** The fine-tuned adapter of a succeeded job (owner or admin). */
  async adapter(id: string, context: RequestContext): Promise<{ storageKey: string; sha256: string; bytes: number }> {
    const job = await this.prisma.client.job.findUnique({ where: { id } });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    const artifactId = (job.result as { adapterArtifactId?: unknown } | null)?.adapterArtifactId;
    if (job.status !== 'SUCCEEDED' || typeof artifactId !== 'string') throw new NotFoundError('The adapter of this job');
    const artifact = await this.prisma.client.artifact.findUniqueOrThrow({ where: { id: artifactId } });
    return { storageKey: artifact.storageKey, sha256: artifact.sha256, bytes: Number(artifact.sizeBytes) };
  }

  /** The eval report an eval job uploaded (`potluck-eval-report/1` JSON), found by the sha256 its result names. */
  async report(id: string, context: RequestContext): Promise<{ storageKey: string; sha256: string; bytes: number }> {
    const job = await this.prisma.client.job.findUnique({ where: { id } });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    const sha256 = (job.result as { reportSha256?: unknown } | null)?.reportSha256;
    if (job.status !== 'SUCCEEDED' || job.kind !== 'EVAL' || typeof sha256 !== 'string') throw new NotFoundError('The eval report of this job');
    const artifact = await this.prisma.client.artifact.findUnique({ where: { sha256 } });
    if (!artifact) throw new NotFoundError('The eval report of this job');
    return { storageKey: artifact.storageKey, sha256: artifact.sha256, bytes: Number(artifact.sizeBytes) };
  }

  async list(query: JobListQuery, context: RequestContext): Promise<Page<JobView>> {
    const rows = await this.prisma.client.job.findMany({
      where: {
        ownerId: context.principal.userId,
        ...(query.status ? { status: STATUS_ENUM[query.status] } : {}),
        ...(query.kind ? { kind: KIND_ENUM[query.kind] } : {}),
      },
      include: JOB_INCLUDE,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
      ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    });
    const items = rows.slice(0, query.limit).map(jobView);
    return { items, nextCursor: rows.length > query.limit ? (items.at(-1)?.id ?? null) : null };
  }

  /** Cancels a queued or running job (and a pipeline's unfinished steps). Finished jobs stay as they are (409). */
  /**
   * Retries a failed or cancelled job as a new job with the same spec, requirements and
   * priority (the old one keeps its history). Steps are retried through their pipeline;
   * coordinator-only requirements (excluded donors) are not copied. Idempotent: retrying the
   * same job again returns the job the first retry made.
   */
  async retry(id: string, context: RequestContext): Promise<{ job: JobView; created: boolean }> {
    const job = await this.prisma.client.job.findUnique({ where: { id } });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    if (job.parentJobId) throw new ConflictError('A pipeline step is retried through its pipeline.');
    if (job.status !== 'FAILED' && job.status !== 'CANCELLED') throw new ConflictError(`Only a failed or cancelled job can be retried; this one is ${job.status.toLowerCase()}.`);
    const spec = JobSpecSchema.parse(job.spec);
    const requirements = { ...RequirementsSchema.parse(job.requirements), excludeDonors: [] };
    return this.create({ spec: spec.kind === 'pipeline' ? withoutExcludedDonors(spec) : spec, requirements, priority: job.priority, idempotencyKey: `retry:${job.id}` }, context);
  }

  async cancel(id: string, context: RequestContext): Promise<JobView> {
    const job = await this.prisma.client.job.findUnique({ where: { id } });
    if (!job || !canAccess(context.principal, job.ownerId)) throw new NotFoundError('Job');
    if (job.status !== 'QUEUED' && job.status !== 'RUNNING') throw new ConflictError(`The job is already ${job.status.toLowerCase()}.`);
    const now = new Date();
    const running = await this.prisma.client.$transaction(async (tx) => {
      await tx.job.updateMany({ where: { OR: [{ id }, { parentJobId: id }], status: { in: ['QUEUED', 'RUNNING'] } }, data: { status: 'CANCELLED', finishedAt: now } });
      const attempts = await tx.jobAttempt.findMany({ where: { job: { OR: [{ id }, { parentJobId: id }] }, status: { in: ['ASSIGNED', 'RUNNING'] } }, select: { id: true, agentId: true } });
      await tx.jobAttempt.updateMany({ where: { id: { in: attempts.map((a) => a.id) } }, data: { status: 'CANCELLED', endedAt: now, endReason: 'cancelled by the builder' } });
      await this.audit.record(context, { action: 'job.cancel', targetType: 'job', targetId: id }, tx);
      return attempts;
    });
    for (const attempt of running) this.gateway.cancel(attempt.agentId, { attemptId: attempt.id, reason: 'cancelled by the builder' });
    for (const queued of await this.prisma.client.job.findMany({ where: { OR: [{ id }, { parentJobId: id }] }, select: { id: true } })) {
      await this.queues.queue('work').remove(`job-${queued.id}`).catch(() => 0); // already taken or gone: its attempt sees the cancellation
    }
    return this.get(id, context);
  }

  /** The job's log lines (the last JOB_LOG_LINES; a pipeline: its steps'), oldest first. */
  async logs(id: string, context: RequestContext): Promise<JobLogView> {
    const job = await this.get(id, context);
    const ids = job.kind === 'pipeline' ? job.stepJobIds : [id];
    const lists = await Promise.all(ids.map((jobId) => this.redis.client.lrange(this.redis.key('job', jobId, 'log'), 0, -1)));
    const lines = lists.flat().flatMap((raw) => {
      const parsed = JobLogViewSchema.shape.lines.element.safeParse(JSON.parse(raw));
      return parsed.success ? [parsed.data] : [];
    });
    return { lines: lines.sort((a, b) => a.at - b.at) };
  }

  /**
   * The `noop` runtime (benchmarks) only when the coordinator enables it, and only for admins;
   * a `process` job names its command and other runtimes none; the base model must be one the runtime runs.
   */
  private checkRuntime(body: CreateJobBody, context: RequestContext): void {
    const errors: FieldError[] = [];
    const own = { path: 'body.requirements', requirements: body.requirements, spec: body.spec.kind === 'pipeline' ? null : body.spec, specPath: 'body.spec' };
    const steps = body.spec.kind === 'pipeline' ? body.spec.steps.map((step, i) => ({ path: step.requirements ? `body.spec.steps.${i}.requirements` : 'body.requirements', requirements: step.requirements ?? body.requirements, spec: step.spec, specPath: `body.spec.steps.${i}.spec` })) : [];
    for (const { path, requirements, spec, specPath } of [own, ...steps]) {
      if (requirements.runtime === 'noop' && !(this.config.POTLUCK_DEV_NOOP_RUNTIME && isAdmin(context.principal))) {
        errors.push({ field: `${path}.runtime`, message: 'the noop runtime is for development and benchmarks (admins, with POTLUCK_DEV_NOOP_RUNTIME)' });
      }
      for (const problem of requirementsProblems(requirements)) errors.push({ field: `${path}.${problem.field}`, message: problem.message });
      const model = spec && spec.kind !== 'dataset' ? this.models.find(spec.baseModel) : undefined;
      if (model && requirements.runtime !== 'noop' && !model.runtimes.includes(requirements.runtime)) {
        errors.push({ field: `${specPath}.baseModel`, message: `${model.id} runs on the ${model.runtimes.join(', ')} runtime, not ${requirements.runtime}` });
      }
    }
    const unique = [...new Map(errors.map((error) => [`${error.field}: ${error.message}`, error])).values()];
    if (unique.length > 0) throw new ValidationError(unique);
  }

  /** `readable`: the dataset versions (`versionKey`) the caller may use (EVERY_VERSION before an insert that checks them itself). */
  private async checkReferences(spec: JobSpec, context: RequestContext, readable: VersionAccess): Promise<void> {
    const errors: FieldError[] = [];
    const steps: { path: string; spec: StepSpec | PipelineStepSpec; index: number }[] = spec.kind === 'pipeline' ? spec.steps.map((step, i) => ({ path: `body.spec.steps.${i}.spec`, spec: step.spec, index: i })) : [{ path: 'body.spec', spec, index: 0 }];
    const stepIds = spec.kind === 'pipeline' ? spec.steps.map((step) => step.id) : [];
    if (new Set(stepIds).size !== stepIds.length) errors.push({ field: 'body.spec.steps', message: 'step ids must be unique' });
    /** A placeholder must name an earlier step of the right kind. */
    const earlier = (field: string, stepId: string, index: number, kind: 'dataset' | 'fine-tune') => {
      const at = stepIds.indexOf(stepId);
      const target = spec.kind === 'pipeline' ? spec.steps[at] : undefined;
      if (at < 0 || at >= index || target?.spec.kind !== kind) errors.push({ field, message: `must name an earlier ${kind} step of this pipeline` });
    };
    for (const { path, spec: step, index } of steps) {
      if (step.kind !== 'dataset' && !this.models.find(step.baseModel)) errors.push({ field: `${path}.baseModel`, message: `unknown base model; known: ${this.models.ids().join(', ')}` });
      const inputs: { field: string; input: DatasetInput }[] =
        step.kind === 'fine-tune' ? step.datasets.map((input, i) => ({ field: `${path}.datasets.${i}`, input })) : step.kind === 'eval' ? [{ field: `${path}.dataset`, input: step.dataset }] : [{ field: `${path}.input`, input: step.input }];
      for (const { field, input } of inputs) {
        if ('fromStep' in input) {
          earlier(field, input.fromStep, index, 'dataset');
          continue;
        }
        if (!readable.has(versionKey(input))) errors.push({ field, message: 'no such dataset version (or it is private)' });
      }
      if (step.kind === 'eval' && 'adapterFromStep' in step && step.adapterFromStep) {
        if (step.adapterFromJob) errors.push({ field: `${path}.adapterFromStep`, message: 'give adapterFromJob or adapterFromStep, not both' });
        earlier(`${path}.adapterFromStep`, step.adapterFromStep, index, 'fine-tune');
      }
      if (step.kind === 'eval' && step.adapterFromJob) {
        const source = await this.prisma.client.job.findUnique({ where: { id: step.adapterFromJob } });
        if (!source || !canAccess(context.principal, source.ownerId) || source.kind !== 'FINE_TUNE') errors.push({ field: `${path}.adapterFromJob`, message: 'no such fine-tune job of yours' });
      }
    }
    if (errors.length > 0) throw new ValidationError(errors, 'The job refers to things that do not exist.');
  }
}

/** The body with every dataset id of its spec (and its steps' specs) in lower case, as PostgreSQL prints uuids: dispatch matches stored specs with the versions it reads back. */
function withCanonicalDatasetIds(body: CreateJobBody): CreateJobBody {
  const input = <T extends DatasetInput>(ref: T): T => ('datasetId' in ref ? { ...ref, datasetId: ref.datasetId.toLowerCase() } : ref);
  const step = <T extends StepSpec | PipelineStepSpec>(spec: T): T =>
    spec.kind === 'fine-tune' ? { ...spec, datasets: spec.datasets.map(input) } : spec.kind === 'eval' ? { ...spec, dataset: input(spec.dataset) } : { ...spec, input: input(spec.input) };
  const spec = body.spec.kind === 'pipeline' ? { ...body.spec, steps: body.spec.steps.map((s) => ({ ...s, spec: step(s.spec) })) } : step(body.spec);
  return { ...body, spec };
}

/** Which dataset versions (`versionKey`) a check may take as readable. */
interface VersionAccess {
  has(key: string): boolean;
}

/** For the checks before the insert, which checks the versions itself. */
const EVERY_VERSION: VersionAccess = { has: () => true };

/** The dataset versions a job names directly (a pipeline: every step's; placeholders for earlier steps' outputs are not versions). */
function datasetRefsOf(spec: JobSpec): DatasetRef[] {
  const steps: (StepSpec | PipelineStepSpec)[] = spec.kind === 'pipeline' ? spec.steps.map((step) => step.spec) : [spec];
  return steps.flatMap(stepInputs).filter(isDatasetRef);
}

/** A pipeline spec whose steps carry no coordinator-only excluded donors. */
function withoutExcludedDonors(spec: Extract<JobSpec, { kind: 'pipeline' }>): JobSpec {
  return { ...spec, steps: spec.steps.map((step) => (step.requirements ? { ...step, requirements: { ...step.requirements, excludeDonors: [] } } : step)) };
}
