import type { ContributorProfile } from '@potluck/protocol';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { LineChart } from '../../components/charts';
import { AsyncBlock, Empty } from '../../components/status';
import { KindTotalsList } from '../../components/totals';
import { formatCredit, formatNumber, formatTime, shortId } from '../../lib/format';
import { ReceiptList } from './ReceiptList';

/** A contributor's public page: credit over time, pending vs granted, receipts, GPUs, energy and lineage. */
export function ProfilePage({ handle }: { handle: string }) {
  const { client } = useSession();
  const profile = useAsync(() => client.credits.profile(handle), [client, handle]);
  return (
    <section className="page">
      <AsyncBlock state={profile} what="the contributor">
        {(p) => <Profile profile={p} />}
      </AsyncBlock>
    </section>
  );
}

function Profile({ profile }: { profile: ContributorProfile }) {
  const series = profile.series.map((point) => ({ x: Date.parse(`${point.day}T00:00:00Z`), y: Number(point.credit.total) }));
  let running = 0;
  const cumulative = series.map((point) => ({ x: point.x, y: (running += point.y) }));
  return (
    <>
      <h1>{profile.displayName}</h1>
      <p className="muted">
        @{profile.handle} · joined {formatTime(profile.joinedAt)}
        {profile.team && (
          <>
            {' '}
            · team <Link to={`/teams/${encodeURIComponent(profile.team.slug)}`}>{profile.team.name}</Link>
          </>
        )}
      </p>
      <dl className="stats">
        <div>
          <dt>Rank, all time</dt>
          <dd>{profile.ranks.all ?? '—'}</dd>
        </div>
        <div>
          <dt>Rank, 30 days</dt>
          <dd>{profile.ranks.d30 ?? '—'}</dd>
        </div>
        <div>
          <dt>Rank, 7 days</dt>
          <dd>{profile.ranks.d7 ?? '—'}</dd>
        </div>
        <div>
          <dt>Recent average</dt>
          <dd>{formatCredit(profile.recentAverage)} / day</dd>
        </div>
        <div>
          <dt>Energy donated</dt>
          <dd>{formatNumber(Number(profile.energyWh), 1)} Wh</dd>
        </div>
      </dl>
      <h2>Granted credit</h2>
      <KindTotalsList totals={profile.granted} label="Granted credit by kind" />
      {profile.pending && (
        <>
          <h2>Pending (awaiting validation)</h2>
          <p className="muted">Only you see this: credit that is claimed or waiting for validation before it counts.</p>
          <KindTotalsList totals={profile.pending} label="Pending credit by kind" />
        </>
      )}
      {Number(profile.revoked.total) > 0 && (
        <>
          <h2>Revoked</h2>
          <KindTotalsList totals={profile.revoked} label="Revoked credit by kind" />
        </>
      )}
      <h2>Credit over time</h2>
      {cumulative.length > 1 ? (
        <LineChart points={cumulative} label={`Cumulative credit of ${profile.handle}, last 90 days`} xLabel="day" yLabel="credit" formatX={(x) => new Date(x).toISOString().slice(5, 10)} />
      ) : (
        <Empty>{cumulative.length === 1 ? `All credit so far came on ${profile.series[0]?.day ?? ''}.` : 'No credit in the last 90 days.'}</Empty>
      )}
      <h2>GPUs</h2>
      {profile.gpus.length === 0 ? (
        <Empty>No GPUs donated.</Empty>
      ) : (
        <ul className="chips">
          {profile.gpus.map((gpu) => (
            <li key={gpu.name}>
              {gpu.count} × {gpu.name}
            </li>
          ))}
        </ul>
      )}
      <h2>Helped train</h2>
      {profile.helpedTrain.length === 0 ? (
        <Empty>No job has used this contributor's compute or data yet.</Empty>
      ) : (
        <ul className="lineage">
          {profile.helpedTrain.map((entry) => (
            <li key={`${entry.jobId}-${entry.datasetId ?? ''}`}>
              {entry.jobKind} <code>{shortId(entry.jobId)}</code>
              {entry.baseModel && <> of {entry.baseModel}</>}
              {entry.datasetName && (
                <>
                  {' '}
                  from dataset {entry.datasetId ? <Link to={`/datasets/${entry.datasetId}`}>{entry.datasetName}</Link> : entry.datasetName}
                  {entry.depth > 0 && ` (${entry.depth} step${entry.depth > 1 ? 's' : ''} removed)`}
                </>
              )}{' '}
              — {formatCredit(entry.credit)} credit, {formatTime(entry.at)}
            </li>
          ))}
        </ul>
      )}
      <h2>Recent receipts</h2>
      <ReceiptList receipts={profile.recentReceipts} />
    </>
  );
}
