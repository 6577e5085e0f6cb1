import type { BaseModel, DatasetView } from '@potluck/protocol';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useRouter } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Field } from '../../components/controls';
import { describeError, fieldErrors } from '../../lib/errors';
import { fieldOf, initialValues, validate, type FormErrors, type FormValues, type JobKind } from './job-form';

const kinds: { value: JobKind; label: string }[] = [
  { value: 'fine-tune', label: 'Fine-tune (LoRA or full)' },
  { value: 'eval', label: 'Eval (loss, perplexity, token accuracy)' },
  { value: 'dataset', label: 'Dataset job (dedupe, filter, shard, convert)' },
  { value: 'pipeline', label: 'Pipeline (steps as JSON)' },
];

/** The submit form: fields per job kind, checked with the job-spec schema as you type and on submit. */
export function SubmitJobPage() {
  const { client } = useSession();
  const { navigate } = useRouter();
  const models = useAsync(() => client.models.list(), [client]);
  const datasets = useAsync(() => client.datasets.list({ limit: 200 }), [client]);
  const [values, setValues] = useState<FormValues>(initialValues);
  const [errors, setErrors] = useState<FormErrors>({});
  const [touched, setTouched] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (name: string, value: string) => {
    const next = { ...values, [name]: value };
    setValues(next);
    if (touched) setErrors(validate(next).errors ?? {});
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const result = validate(values);
    if (result.errors) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    client.jobs.create(result.body).then(
      (job) => navigate(`/jobs/${job.id}`),
      (error: unknown) => {
        setBusy(false);
        setFailure(describeError(error));
        setErrors(Object.fromEntries(fieldErrors(error).map((field) => [fieldOf(field.field.replace(/^body\./, '').split('.')), field.message])));
      },
    );
  };

  const input = (name: string, label: string, props: { type?: string; step?: string; hint?: string } = {}) => (
    <Field label={label} error={errors[name]} {...(props.hint ? { hint: props.hint } : {})}>
      {(aria) => <input {...aria} name={name} type={props.type ?? 'text'} step={props.step} value={values[name] ?? ''} onChange={(event) => set(name, event.target.value)} />}
    </Field>
  );
  const select = (name: string, label: string, options: { value: string; label: string }[], hint?: string) => (
    <Field label={label} error={errors[name]} {...(hint ? { hint } : {})}>
      {(aria) => (
        <select {...aria} name={name} value={values[name] ?? ''} onChange={(event) => set(name, event.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const modelOptions = [{ value: '', label: models.status === 'loading' ? 'Loading models…' : 'Choose a base model' }, ...(models.data ?? []).map((model: BaseModel) => ({ value: model.id, label: `${model.id} — ${model.description}` }))];
  const datasetOptions = [
    { value: '', label: datasets.status === 'loading' ? 'Loading datasets…' : 'Choose a dataset version' },
    ...(datasets.data ?? []).flatMap((dataset: DatasetView) => dataset.versions.map((version) => ({ value: `${dataset.id}@${version.version}`, label: `${dataset.name} v${version.version} (${version.rows} rows, ${version.form}) — ${dataset.ownerHandle}` }))),
  ];
  const kind = values.kind as JobKind;

  return (
    <section className="page narrow">
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <h1>Submit a job</h1>
      <form onSubmit={submit} noValidate className="card job-form" aria-label="Job">
        {select('kind', 'Kind', kinds)}
        {kind === 'fine-tune' && (
          <Group title="Fine-tune">
            {select('baseModel', 'Base model', modelOptions)}
            {select('dataset', 'Dataset', datasetOptions, datasets.data?.length === 0 ? 'No datasets yet: upload one first.' : undefined)}
            {select('method', 'Method', [
              { value: 'lora', label: 'LoRA' },
              { value: 'full', label: 'Full' },
            ])}
            <div className="grid-2">
              {input('hyperparameters.steps', 'Steps', { type: 'number' })}
              {input('hyperparameters.batchSize', 'Batch size', { type: 'number' })}
              {input('hyperparameters.learningRate', 'Learning rate', { type: 'number', step: 'any' })}
              {input('hyperparameters.rank', 'LoRA rank', { type: 'number' })}
              {input('hyperparameters.alpha', 'LoRA alpha', { type: 'number', step: 'any' })}
              {input('heldOutFraction', 'Held-out fraction', { type: 'number', step: 'any', hint: '0.01 to 0.5 of rows for the validation loss' })}
              {input('seed', 'Seed', { type: 'number' })}
              {input('checkpointEvery', 'Checkpoint every (steps)', { type: 'number' })}
            </div>
          </Group>
        )}
        {kind === 'eval' && (
          <Group title="Eval">
            {select('baseModel', 'Base model', modelOptions)}
            {input('adapterFromJob', 'Adapter from fine-tune job (id, optional)')}
            {select('dataset', 'Dataset', datasetOptions)}
            {select('split', 'Split', [
              { value: 'held-out', label: 'Held-out rows only' },
              { value: 'all', label: 'All rows' },
            ])}
          </Group>
        )}
        {kind === 'dataset' && (
          <Group title="Dataset job">
            {select('dataset', 'Input dataset', datasetOptions)}
            {select('operation', 'Operation', [
              { value: 'dedupe', label: 'Dedupe' },
              { value: 'filter', label: 'Filter' },
              { value: 'shard', label: 'Shard' },
              { value: 'convert', label: 'Convert' },
            ])}
            {values.operation === 'filter' && (
              <div className="grid-2">
                {input('minChars', 'Minimum characters', { type: 'number' })}
                {input('maxChars', 'Maximum characters', { type: 'number' })}
                {input('exclude', 'Exclude rows containing (comma-separated)')}
              </div>
            )}
            {values.operation === 'shard' && (
              <div className="grid-2">
                {input('shards', 'Shards', { type: 'number' })}
                {input('index', 'Shard index', { type: 'number' })}
              </div>
            )}
            {values.operation === 'convert' &&
              select('to', 'Convert to', [
                { value: 'chat', label: 'chat' },
                { value: 'instruction', label: 'instruction' },
                { value: 'text', label: 'text' },
              ])}
            {input('outputName', 'Output dataset name', { hint: 'Created if needed; the result is its next version' })}
          </Group>
        )}
        {kind === 'pipeline' && (
          <Group title="Pipeline">
            <Field label="Steps (JSON)" error={errors.steps} hint='Each step: { "id", "spec", "requirements"? }; a step may name an earlier one with "fromStep".'>
              {(aria) => <textarea {...aria} name="steps" rows={12} spellCheck={false} value={values.steps} onChange={(event) => set('steps', event.target.value)} />}
            </Field>
          </Group>
        )}
        <Group title="GPU requirements">
          <div className="grid-2">
            {input('requirements.minVramMiB', 'Minimum VRAM (MiB)', { type: 'number' })}
            {input('requirements.gpuCount', 'GPUs', { type: 'number' })}
            {input('priority', 'Priority (−100 to 100)', { type: 'number' })}
          </div>
        </Group>
        {(errors.kind ?? errors[''] ) && <p className="field-error">{errors.kind ?? errors['']}</p>}
        {failure && (
          <p className="field-error" role="alert">
            {failure}
          </p>
        )}
        {Object.keys(errors).length > 0 && (
          <p className="field-error" role="alert">
            Fix the {Object.keys(errors).length === 1 ? 'field' : `${Object.keys(errors).length} fields`} marked above.
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Submitting…' : 'Submit job'}
        </button>
      </form>
    </section>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset>
      <legend>{title}</legend>
      {children}
    </fieldset>
  );
}
