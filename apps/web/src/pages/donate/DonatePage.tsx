import { CreateAgentBodySchema, type CreatedAgent } from '@potluck/protocol';
import { useState, type FormEvent } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { CopyButton, Field } from '../../components/controls';
import { describeError } from '../../lib/errors';
import { MyAgents } from './MyAgents';

/** How to join: install and start potluck-agent with a fresh token; then control your agents. */
export function DonatePage() {
  const { user, hasRole } = useSession();
  const [created, setCreated] = useState<CreatedAgent | null>(null);
  const [generation, setGeneration] = useState(0);
  return (
    <section className="page">
      <h1>Donate a GPU</h1>
      <p className="lede">
        Lend your idle NVIDIA GPUs to open fine-tuning. <code>potluck-agent</code> reads your GPUs with <code>nvidia-smi</code>, takes jobs that fit, and earns you credit for validated work, with an itemised receipt. Your machine stays yours: pause,
        drain, per-GPU choice, temperature and power caps, and it yields when you game.
      </p>
      <ol className="steps">
        <li>Install Node.js 20 or newer and clone this repository; run <code>bash scripts/build.sh</code>.</li>
        <li>Create an agent token below (one per machine). It is shown only once.</li>
        <li>
          Start the agent with the command shown. No GPU? Add <code>--simulate examples/simulated-rig.csv</code> to try the whole loop.
        </li>
      </ol>
      {!user ? (
        <p className="card">
          <Link to="/sign-in?next=/donate">Sign in</Link> with a donor account to create an agent token.
        </p>
      ) : !hasRole('DONOR') ? (
        <p className="card">Your account is not a donor account. An admin can add the DONOR role to it.</p>
      ) : (
        <>
          <CreateToken
            onCreated={(agent) => {
              setCreated(agent);
              setGeneration((g) => g + 1);
            }}
          />
          {created && <StartCommand created={created} />}
          <h2>Your agents</h2>
          <MyAgents key={generation} />
        </>
      )}
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated: (agent: CreatedAgent) => void }) {
  const { client } = useSession();
  const [name, setName] = useState('my-rig');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = CreateAgentBodySchema.safeParse({ name });
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? 'Invalid name');
    setError(null);
    setBusy(true);
    client.agents.create(parsed.data).then(
      (agent) => {
        setBusy(false);
        onCreated(agent);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(describeError(failure));
      },
    );
  };
  return (
    <form onSubmit={submit} className="card inline-form" aria-label="Create an agent token">
      <Field label="Agent name" error={error ?? undefined} hint="Letters, digits, dot, dash and underscore">
        {(aria) => <input {...aria} value={name} onChange={(event) => setName(event.target.value)} />}
      </Field>
      <button type="submit" disabled={busy}>
        Create agent token
      </button>
    </form>
  );
}

function StartCommand({ created }: { created: CreatedAgent }) {
  const command = `potluck-agent start --coordinator ${window.location.origin} --token ${created.token}`;
  return (
    <div className="card" role="status" aria-label="Start command">
      <p>
        Agent <strong>{created.agent.name}</strong> is registered. Run this on the machine with the GPUs (the token is shown only now):
      </p>
      <pre className="code command">
        <code>{command}</code>
      </pre>
      <CopyButton text={command} label="Copy command" />
      <p className="muted">
        From a clone of this repository, <code>potluck-agent</code> is <code>node agents/gpu-agent/dist/main.js</code>. Prefer <code>POTLUCK_AGENT_TOKEN</code> in the environment over <code>--token</code> on shared machines, where other users can see command lines.
      </p>
    </div>
  );
}
