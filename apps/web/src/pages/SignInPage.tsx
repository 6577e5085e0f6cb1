import { SignupBodySchema, type SignupResult } from '@potluck/protocol';
import { useState, type FormEvent } from 'react';
import { useRouter } from '../app/router';
import { useSession } from '../app/session';
import { CopyButton, Field } from '../components/controls';
import { describeError, fieldErrors } from '../lib/errors';

/** Only same-site paths are followed after sign-in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

export function SignInPage() {
  const { location, navigate } = useRouter();
  const session = useSession();
  const next = safeNext(location.query.get('next'));
  return (
    <section className="page narrow">
      <h1>Sign in</h1>
      <SignInForm onDone={() => navigate(next)} />
      <h2>No key yet?</h2>
      <SignupForm
        onSignedUp={async (result) => {
          await session.signIn(result.secret);
        }}
        onContinue={() => navigate(next)}
      />
    </section>
  );
}

function SignInForm({ onDone }: { onDone: () => void }) {
  const session = useSession();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!key.trim()) return setError('Paste your API key (it starts with pk_).');
    setBusy(true);
    setError(null);
    session.signIn(key.trim()).then(onDone, (failure: unknown) => {
      setError(describeError(failure));
      setBusy(false);
    });
  };
  return (
    <form onSubmit={submit} className="card" aria-label="Sign in with an API key">
      <p>Sign in with an API key. It is kept in this browser tab only (sessionStorage) and sent only to this coordinator.</p>
      <Field label="API key" error={error ?? undefined}>
        {(props) => <input {...props} type="password" autoComplete="current-password" value={key} onChange={(event) => setKey(event.target.value)} placeholder="pk_…" />}
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}

function SignupForm({ onSignedUp, onContinue }: { onSignedUp: (result: SignupResult) => Promise<void>; onContinue: () => void }) {
  const session = useSession();
  const [handle, setHandle] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<('BUILDER' | 'DONOR')[]>(['BUILDER', 'DONOR']);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [created, setCreated] = useState<SignupResult | null>(null);

  const toggle = (role: 'BUILDER' | 'DONOR') => setRoles((current) => (current.includes(role) ? current.filter((r) => r !== role) : [...current, role]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = SignupBodySchema.safeParse({ handle, displayName, roles });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setErrors({});
    setFailure(null);
    session.client.signup(parsed.data).then(
      async (result) => {
        setCreated(result);
        await onSignedUp(result);
      },
      (error: unknown) => {
        setFailure(describeError(error));
        setErrors(Object.fromEntries(fieldErrors(error).map((field) => [field.field.replace(/^body\./, ''), field.message])));
      },
    );
  };
  if (created) {
    return (
      <div className="card" role="status">
        <p>
          Welcome, <strong>{created.user.handle}</strong>. Your API key is shown only now; keep it somewhere safe:
        </p>
        <p className="secret">
          <code>{created.secret}</code> <CopyButton text={created.secret} />
        </p>
        <button type="button" onClick={onContinue}>
          Continue
        </button>
      </div>
    );
  }
  return (
    <form onSubmit={submit} className="card" aria-label="Create an account">
      <Field label="Handle" error={errors.handle} hint="Public, lower-case letters, digits and dashes">
        {(props) => <input {...props} value={handle} onChange={(event) => setHandle(event.target.value)} autoComplete="username" />}
      </Field>
      <Field label="Display name" error={errors.displayName}>
        {(props) => <input {...props} value={displayName} onChange={(event) => setDisplayName(event.target.value)} autoComplete="name" />}
      </Field>
      <fieldset>
        <legend>I want to</legend>
        <label>
          <input type="checkbox" checked={roles.includes('BUILDER')} onChange={() => toggle('BUILDER')} /> build (upload datasets, submit jobs)
        </label>
        <label>
          <input type="checkbox" checked={roles.includes('DONOR')} onChange={() => toggle('DONOR')} /> donate GPUs
        </label>
        {errors.roles && <small className="field-error">{errors.roles}</small>}
      </fieldset>
      {failure && (
        <p className="field-error" role="alert">
          {failure}
        </p>
      )}
      <button type="submit">Create account</button>
    </form>
  );
}
