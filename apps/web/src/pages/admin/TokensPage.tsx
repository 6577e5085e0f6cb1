import { CreateApiKeyBodySchema, type CreatedAgent, type CreatedApiKey } from '@potluck/protocol';
import { useState, type FormEvent } from 'react';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Badge, CopyButton, Field } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatRelative, formatTime } from '../../lib/format';

/** API keys (yours) and agent tokens (yours; an admin's list shows every agent): create, revoke, rotate. */
export function TokensPage() {
  const { client, hasRole } = useSession();
  const keys = useAsync(() => client.apiKeys.list(), [client]);
  const agents = useAsync(() => (hasRole('DONOR') || hasRole('ADMIN') ? client.agents.list() : Promise.resolve([])), [client]);
  const [secret, setSecret] = useState<CreatedApiKey | CreatedAgent | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const act = <T,>(promise: Promise<T>, after: (value: T) => void) =>
    promise.then(after, (error: unknown) => setMessage(describeError(error)));
  return (
    <section className="page">
      <h1>Keys and tokens</h1>
      {message && (
        <p className="field-error" role="alert">
          {message}
        </p>
      )}
      {secret && (
        <div className="card" role="status">
          <p>Shown only now; copy it:</p>
          <p className="secret">
            <code>{'secret' in secret ? secret.secret : secret.token}</code> <CopyButton text={'secret' in secret ? secret.secret : secret.token} />
          </p>
        </div>
      )}
      <h2>API keys</h2>
      <CreateKey onCreated={(created) => {
        setSecret(created);
        keys.reload();
      }} />
      <AsyncBlock state={keys} what="API keys">
        {(list) =>
          list.length === 0 ? (
            <Empty>No API keys.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Prefix</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col">Expires</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((key) => (
                    <tr key={key.id}>
                      <td>{key.name}</td>
                      <td>
                        <code>{key.prefix}…</code>
                      </td>
                      <td>{formatTime(key.createdAt)}</td>
                      <td>{formatRelative(key.lastUsedAt)}</td>
                      <td>{key.expiresAt ? formatTime(key.expiresAt) : 'never'}</td>
                      <td>
                        {key.revokedAt ? (
                          <Badge tone="bad">revoked</Badge>
                        ) : (
                          <button type="button" className="danger" onClick={() => void act(client.apiKeys.revoke(key.id), keys.reload)}>
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </AsyncBlock>
      <h2>Agent tokens</h2>
      <AsyncBlock state={agents} what="agents">
        {(list) =>
          list.length === 0 ? (
            <Empty>No agents. Donors create agent tokens on the Donate page.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Token prefix</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">Trust</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((agent) => (
                    <tr key={agent.id}>
                      <td>{agent.name}</td>
                      <td>
                        <code>{agent.tokenPrefix}…</code>
                      </td>
                      <td>{formatTime(agent.createdAt)}</td>
                      <td>{formatRelative(agent.lastSeenAt)}</td>
                      <td>{agent.trustLevel}</td>
                      <td>
                        {agent.revokedAt ? (
                          <Badge tone="bad">revoked</Badge>
                        ) : (
                          <span className="actions">
                            <button type="button" onClick={() => void act(client.agents.rotateToken(agent.id), (created) => {
                              setSecret(created);
                              agents.reload();
                            })}>
                              Rotate token
                            </button>
                            <button type="button" className="danger" onClick={() => void act(client.agents.revoke(agent.id), agents.reload)}>
                              Revoke
                            </button>
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </AsyncBlock>
    </section>
  );
}

function CreateKey({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const { client } = useSession();
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = CreateApiKeyBodySchema.safeParse({ name, ...(days ? { expiresInDays: Number(days) } : {}) });
    if (!parsed.success) return setError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    setError(null);
    client.apiKeys.create(parsed.data).then(
      (created) => {
        setName('');
        onCreated(created);
      },
      (failure: unknown) => setError(describeError(failure)),
    );
  };
  return (
    <form onSubmit={submit} noValidate className="card inline-form" aria-label="Create an API key">
      <Field label="Key name" error={error ?? undefined}>
        {(aria) => <input {...aria} value={name} onChange={(event) => setName(event.target.value)} />}
      </Field>
      <Field label="Expires in days (optional)">
        {(aria) => <input {...aria} type="number" min={1} value={days} onChange={(event) => setDays(event.target.value)} />}
      </Field>
      <button type="submit">Create API key</button>
    </form>
  );
}
