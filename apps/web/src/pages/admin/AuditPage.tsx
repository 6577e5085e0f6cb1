import { useState } from 'react';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Pager } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { formatTime, shortId } from '../../lib/format';

/** Admins: every privileged action, newest first. */
export function AuditPage() {
  const { client, hasRole } = useSession();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const audit = useAsync(() => client.audit.list({ limit: 50, ...(cursor ? { cursor } : {}) }), [client, cursor]);
  if (!hasRole('ADMIN')) return <section className="page"><h1>Audit log</h1><p>Only admins read the audit log.</p></section>;
  return (
    <section className="page">
      <h1>Audit log</h1>
      <AsyncBlock state={audit} what="the audit log">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>Nothing recorded yet.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Action</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Target</th>
                      <th scope="col">Details</th>
                      <th scope="col">Request</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((entry) => (
                      <tr key={entry.id}>
                        <td>{formatTime(entry.createdAt)}</td>
                        <td>{entry.action}</td>
                        <td>{entry.actorUserId ? `user ${shortId(entry.actorUserId)}` : entry.actorAgentId ? `agent ${shortId(entry.actorAgentId)}` : 'system'}</td>
                        <td>
                          {entry.targetType} {entry.targetId ? shortId(entry.targetId) : ''}
                        </td>
                        <td>
                          <code className="details">{JSON.stringify(entry.details)}</code>
                        </td>
                        <td>{entry.requestId ? <code>{entry.requestId.slice(0, 8)}</code> : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager label="Audit entries" hasPrevious={cursors.length > 1} hasNext={page.nextCursor !== null} onPrevious={() => setCursors(cursors.slice(0, -1))} onNext={() => setCursors([...cursors, page.nextCursor ?? undefined])} />
            </>
          )
        }
      </AsyncBlock>
    </section>
  );
}
