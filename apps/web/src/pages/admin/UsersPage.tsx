import { CreateUserBodySchema, RoleSchema, type Role, type SignupResult, type UserView } from '@potluck/protocol';
import { useState, type FormEvent } from 'react';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Badge, CopyButton, Field, Pager } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatTime } from '../../lib/format';

/** Admins: list users, create one (any roles), change roles, disable or enable. */
export function UsersPage() {
  const { client, hasRole } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const users = useAsync(() => client.users.list({ limit: 50, ...(cursor ? { cursor } : {}) }), [client, cursor]);
  if (!hasRole('ADMIN')) return <section className="page"><h1>Users</h1><p>Only admins manage users.</p></section>;
  return (
    <section className="page">
      <h1>Users</h1>
      <CreateUser onCreated={users.reload} />
      <AsyncBlock state={users} what="users">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No users.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Handle</th>
                      <th scope="col">Name</th>
                      <th scope="col">Roles</th>
                      <th scope="col">Created</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((user) => (
                      <UserRow key={user.id} user={user} onChanged={users.reload} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager label="Users" hasPrevious={cursors.length > 1} hasNext={page.nextCursor !== null} onPrevious={() => setCursors(cursors.slice(0, -1))} onNext={() => setCursors([...cursors, page.nextCursor ?? undefined])} />
            </>
          )
        }
      </AsyncBlock>
    </section>
  );
}

function UserRow({ user, onChanged }: { user: UserView; onChanged: () => void }) {
  const { client } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  const update = (body: { roles?: Role[]; disabled?: boolean }) => {
    client.users.update(user.id, body).then(
      () => {
        setMessage(null);
        onChanged();
      },
      (error: unknown) => setMessage(describeError(error)),
    );
  };
  const toggleRole = (role: Role) => {
    const roles = user.roles.includes(role) ? user.roles.filter((r) => r !== role) : [...user.roles, role];
    if (roles.length > 0) update({ roles });
  };
  return (
    <tr>
      <td>{user.handle}</td>
      <td>{user.displayName}</td>
      <td>
        <div className="role-toggles" role="group" aria-label={`Roles of ${user.handle}`}>
          {RoleSchema.options.map((role) => (
            <label key={role}>
              <input type="checkbox" checked={user.roles.includes(role)} onChange={() => toggleRole(role)} /> {role.toLowerCase()}
            </label>
          ))}
        </div>
      </td>
      <td>{formatTime(user.createdAt)}</td>
      <td>
        {user.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="good">active</Badge>}{' '}
        <button type="button" onClick={() => update({ disabled: !user.disabledAt })}>
          {user.disabledAt ? 'Enable' : 'Disable'}
        </button>
        {message && (
          <span className="field-error" role="alert">
            {' '}
            {message}
          </span>
        )}
      </td>
    </tr>
  );
}

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const { client } = useSession();
  const [handle, setHandle] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [roles, setRoles] = useState<Role[]>(['BUILDER']);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<SignupResult | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = CreateUserBodySchema.safeParse({ handle, displayName, roles });
    if (!parsed.success) return setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
    setErrors({});
    client.users.create(parsed.data).then(
      (result) => {
        setCreated(result);
        setHandle('');
        setDisplayName('');
        onCreated();
      },
      (error: unknown) => setErrors({ form: describeError(error) }),
    );
  };
  return (
    <details className="card">
      <summary>Create a user</summary>
      <form onSubmit={submit} noValidate aria-label="Create a user">
        <Field label="Handle" error={errors.handle}>
          {(aria) => <input {...aria} value={handle} onChange={(event) => setHandle(event.target.value)} />}
        </Field>
        <Field label="Display name" error={errors.displayName}>
          {(aria) => <input {...aria} value={displayName} onChange={(event) => setDisplayName(event.target.value)} />}
        </Field>
        <fieldset>
          <legend>Roles</legend>
          {RoleSchema.options.map((role) => (
            <label key={role}>
              <input type="checkbox" checked={roles.includes(role)} onChange={() => setRoles(roles.includes(role) ? roles.filter((r) => r !== role) : [...roles, role])} /> {role.toLowerCase()}
            </label>
          ))}
          {errors.roles && <small className="field-error">{errors.roles}</small>}
        </fieldset>
        {errors.form && (
          <p className="field-error" role="alert">
            {errors.form}
          </p>
        )}
        <button type="submit">Create user</button>
      </form>
      {created && (
        <p role="status">
          Created {created.user.handle}. Their API key, shown only now: <code>{created.secret}</code> <CopyButton text={created.secret} />
        </p>
      )}
    </details>
  );
}
