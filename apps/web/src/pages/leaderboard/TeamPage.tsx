import { useState } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock, Empty } from '../../components/status';
import { KindTotalsList } from '../../components/totals';
import { describeError } from '../../lib/errors';
import { formatCredit, formatTime } from '../../lib/format';

export function TeamPage({ slug }: { slug: string }) {
  const { client, user } = useSession();
  const team = useAsync(() => client.teams.get(slug), [client, slug]);
  const [message, setMessage] = useState<string | null>(null);
  const join = () => {
    client.teams.join(slug).then(
      () => {
        setMessage('You joined this team.');
        team.reload();
      },
      (error: unknown) => setMessage(describeError(error)),
    );
  };
  return (
    <section className="page">
      <p>
        <Link to="/?scope=teams">← Team leaderboard</Link>
      </p>
      <AsyncBlock state={team} what="the team">
        {(detail) => (
          <>
            <h1>{detail.name}</h1>
            <p className="muted">
              @{detail.slug} · {detail.memberCount} members · rank {detail.rank ?? '—'} · founded by <Link to={`/contributors/${encodeURIComponent(detail.createdByHandle)}`}>{detail.createdByHandle}</Link> on {formatTime(detail.createdAt)}
            </p>
            {detail.description && <p>{detail.description}</p>}
            <KindTotalsList totals={detail.totals} label="Team credit by kind" />
            {user && !detail.members.some((member) => member.handle === user.handle && member.leftAt === null) && (
              <button type="button" onClick={join}>
                Join this team
              </button>
            )}
            {message && <p role="status">{message}</p>}
            <h2>Members</h2>
            {detail.members.length === 0 ? (
              <Empty>No members yet.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Member</th>
                      <th scope="col">Joined</th>
                      <th scope="col">Left</th>
                      <th scope="col" className="num">
                        Credit for the team
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {detail.members.map((member) => (
                      <tr key={`${member.userId}-${member.joinedAt}`}>
                        <td>
                          <Link to={`/contributors/${encodeURIComponent(member.handle)}`}>{member.handle}</Link>
                        </td>
                        <td>{formatTime(member.joinedAt)}</td>
                        <td>{member.leftAt ? formatTime(member.leftAt) : 'still a member'}</td>
                        <td className="num">{formatCredit(member.credit)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}
      </AsyncBlock>
    </section>
  );
}
