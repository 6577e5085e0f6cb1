import { CreateDatasetBodySchema } from '@potluck/protocol';
import { useState, type FormEvent } from 'react';
import { Link, useRouter } from '../../app/router';
import { useSession } from '../../app/session';
import { Field } from '../../components/controls';
import { describeError, fieldErrors } from '../../lib/errors';

/** Creates a dataset's metadata; its page then takes the first upload. */
export function DatasetNewPage() {
  const { client } = useSession();
  const { navigate } = useRouter();
  const [values, setValues] = useState({ name: '', licence: 'CC-BY-4.0', description: '', visibility: 'public' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const set = (name: keyof typeof values, value: string) => setValues({ ...values, [name]: value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = CreateDatasetBodySchema.safeParse(values);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setErrors({});
    client.datasets.create(parsed.data).then(
      (dataset) => navigate(`/datasets/${dataset.id}`),
      (error: unknown) => {
        setFailure(describeError(error));
        setErrors(Object.fromEntries(fieldErrors(error).map((field) => [field.field.replace(/^body\./, ''), field.message])));
      },
    );
  };
  return (
    <section className="page narrow">
      <p>
        <Link to="/datasets">← Datasets</Link>
      </p>
      <h1>New dataset</h1>
      <form onSubmit={submit} noValidate className="card" aria-label="New dataset">
        <Field label="Name" error={errors.name} hint="Letters, digits, dot, dash and underscore">
          {(aria) => <input {...aria} value={values.name} onChange={(event) => set('name', event.target.value)} />}
        </Field>
        <Field label="Licence" error={errors.licence} hint="SPDX identifier, e.g. CC-BY-4.0, Apache-2.0, CC0-1.0">
          {(aria) => <input {...aria} value={values.licence} onChange={(event) => set('licence', event.target.value)} />}
        </Field>
        <Field label="Description" error={errors.description}>
          {(aria) => <textarea {...aria} rows={3} value={values.description} onChange={(event) => set('description', event.target.value)} />}
        </Field>
        <Field label="Visibility" error={errors.visibility}>
          {(aria) => (
            <select {...aria} value={values.visibility} onChange={(event) => set('visibility', event.target.value)}>
              <option value="public">Public: anyone can see and use it</option>
              <option value="private">Private: only you (and admins)</option>
            </select>
          )}
        </Field>
        {failure && (
          <p className="field-error" role="alert">
            {failure}
          </p>
        )}
        <button type="submit">Create dataset</button>
      </form>
    </section>
  );
}
