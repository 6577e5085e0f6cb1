import { CreateJobBodySchema, LoraHyperparametersSchema, type CreateJobBody, type CreateJobInput, type JobSpec } from '@potluck/protocol';

/** Form values are the strings the inputs hold; the schema decides what they mean. */
export type FormValues = Record<string, string>;
export type FormErrors = Record<string, string>;
export type JobKind = JobSpec['kind'];

const loraDefaults = LoraHyperparametersSchema.parse({});

/** Initial values: the schema's defaults, as strings. */
export function initialValues(): FormValues {
  return {
    kind: 'fine-tune',
    baseModel: '',
    dataset: '',
    method: 'lora',
    'hyperparameters.steps': String(loraDefaults.steps),
    'hyperparameters.learningRate': String(loraDefaults.learningRate),
    'hyperparameters.batchSize': String(loraDefaults.batchSize),
    'hyperparameters.rank': String(loraDefaults.rank),
    'hyperparameters.alpha': String(loraDefaults.alpha),
    heldOutFraction: '0.1',
    seed: '42',
    checkpointEvery: '50',
    adapterFromJob: '',
    split: 'held-out',
    operation: 'dedupe',
    minChars: '0',
    maxChars: '100000000',
    exclude: '',
    shards: '2',
    index: '0',
    to: 'chat',
    outputName: '',
    steps: '[\n  {\n    "id": "clean",\n    "spec": { "kind": "dataset", "input": { "datasetId": "…", "version": 1 }, "transform": { "operation": "dedupe" }, "outputName": "clean-data" }\n  }\n]',
    'requirements.minVramMiB': '0',
    'requirements.gpuCount': '1',
    priority: '0',
  };
}

/** '' → left out (the schema's default applies); anything else → a number (NaN is reported by the schema). */
function num(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return Number(value);
}

/** "datasetId@version" from a dataset select. */
function ref(value: string | undefined): { datasetId: string; version: number } | undefined {
  if (!value) return undefined;
  const [datasetId = '', version = ''] = value.split('@');
  return { datasetId, version: Number(version) };
}

function withoutUndefined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** Builds the request body a form describes (not yet validated). */
export function candidate(values: FormValues): unknown {
  const kind = values.kind as JobKind;
  let spec: unknown;
  let stepsError: string | null = null;
  switch (kind) {
    case 'fine-tune':
      spec = withoutUndefined({
        kind,
        baseModel: values.baseModel,
        datasets: values.dataset ? [ref(values.dataset)] : [],
        method: values.method,
        hyperparameters: withoutUndefined({
          steps: num(values['hyperparameters.steps']),
          learningRate: num(values['hyperparameters.learningRate']),
          batchSize: num(values['hyperparameters.batchSize']),
          rank: num(values['hyperparameters.rank']),
          alpha: num(values['hyperparameters.alpha']),
        }),
        heldOutFraction: num(values.heldOutFraction),
        seed: num(values.seed),
        checkpointEvery: num(values.checkpointEvery),
      });
      break;
    case 'eval':
      spec = withoutUndefined({ kind, baseModel: values.baseModel, adapterFromJob: values.adapterFromJob?.trim() || undefined, dataset: ref(values.dataset), split: values.split });
      break;
    case 'dataset': {
      const operation = values.operation;
      const transform =
        operation === 'filter'
          ? withoutUndefined({ operation, minChars: num(values.minChars), maxChars: num(values.maxChars), exclude: (values.exclude ?? '').split(',').map((s) => s.trim()).filter(Boolean) })
          : operation === 'shard'
            ? { operation, shards: num(values.shards), index: num(values.index) }
            : operation === 'convert'
              ? { operation, to: values.to }
              : { operation };
      spec = { kind, input: ref(values.dataset), transform, outputName: values.outputName };
      break;
    }
    case 'pipeline': {
      let steps: unknown = null;
      try {
        steps = JSON.parse(values.steps ?? '[]');
      } catch (error) {
        stepsError = error instanceof Error ? error.message : 'not JSON';
      }
      spec = { kind, steps, ...(stepsError ? { stepsError } : {}) };
      break;
    }
  }
  return withoutUndefined({
    spec,
    requirements: withoutUndefined({ minVramMiB: num(values['requirements.minVramMiB']), gpuCount: num(values['requirements.gpuCount']) }),
    priority: num(values.priority),
  });
}

/** The field a schema path belongs to (`spec.hyperparameters.steps` → `hyperparameters.steps`). */
export function fieldOf(path: readonly PropertyKey[]): string {
  const parts = path.map(String);
  if (parts[0] === 'spec') {
    const rest = parts.slice(1);
    if (rest[0] === 'datasets' || rest[0] === 'dataset' || rest[0] === 'input') return 'dataset';
    if (rest[0] === 'transform') return rest[1] && rest[1] !== 'operation' ? rest[1] : 'operation';
    if (rest[0] === 'steps' || rest[0] === 'stepsError') return 'steps';
    return rest.join('.') || 'kind';
  }
  return parts.join('.');
}

/** Validates the form with the job-spec schema: the body to send, or an error per field. */
export function validate(values: FormValues): { body: CreateJobBody; input: CreateJobInput; errors: null } | { body: null; input: null; errors: FormErrors } {
  const input = candidate(values);
  if (values.kind === 'pipeline' && typeof input === 'object' && input && 'spec' in input) {
    const spec = input.spec as { stepsError?: string };
    if (spec.stepsError) return { body: null, input: null, errors: { steps: `Steps must be JSON: ${spec.stepsError}` } };
  }
  const parsed = CreateJobBodySchema.safeParse(input);
  if (parsed.success) return { body: parsed.data, input: input as CreateJobInput, errors: null };
  const errors: FormErrors = {};
  for (const issue of parsed.error.issues) {
    const field = fieldOf(issue.path);
    errors[field] ??= issue.path.length > 2 && field === 'steps' ? `${issue.path.slice(2).join('.')}: ${issue.message}` : issue.message;
  }
  return { body: null, input: null, errors };
}
