import { type AttemptView, type JobProgressView, type JobView } from '@potluck/protocol';
import { useState } from 'react';
import { Link, useRouter } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync, useInterval } from '../../app/use-async';
import { LineChart } from '../../components/charts';
import { AsyncBlock, Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatDuration, formatInteger, formatNumber, formatTime, shortId } from '../../lib/format';
import { Attempts } from './Attempts';
import { JobArtifacts } from './JobArtifacts';
import { JobLogs, type LogsState } from './JobLogs';
import { JobStatusBadge, jobTitle } from './job-labels';
import { Timeline } from './Timeline';
import { WhyWaiting } from './WhyWaiting';

interface JobData {
  job: JobView;
  attempts: AttemptView[];
  progress: JobProgressView | null;
  logs: LogsState;
}

const POLL_MS = 2000;

/** One job: status timeline, attempts, live loss curve and progress, artifacts, cancel/retry, why it waits. */
export function JobPage({ id }: { id: string }) {
  const { client } = useSession();
  const data = useAsync(async (): Promise<JobData> => {
    const [job, attempts, logs] = await Promise.all([
      client.jobs.get(id),
      client.jobs.attempts(id),
      // Logs are shown with their own error: the rest of the page works without them.
      client.jobs.logs(id).then(
        (value): LogsState => ({ logs: value }),
        (error: unknown): LogsState => ({ error }),
      ),
    ]);
    const progress = job.kind === 'fine-tune' ? await client.jobs.progress(id) : null;
    return { job, attempts, progress, logs };
  }, [client, id]);
  const active = data.data ? data.data.job.status === 'queued' || data.data.job.status === 'running' : false;
  useInterval(data.reload, POLL_MS, active);
  return (
    <section className="page">
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <AsyncBlock state={data} what="the job">
        {(d) => <JobDetail data={d} onChanged={data.reload} live={active} />}
      </AsyncBlock>
    </section>
  );
}

function JobDetail({ data, onChanged, live }: { data: JobData; onChanged: () => void; live: boolean }) {
  const { job, attempts, progress, logs } = data;
  return (
    <>
      <div className="page-head">
        <h1>
          {jobTitle(job)} <JobStatusBadge status={job.status} />
        </h1>
        <JobActions job={job} onChanged={onChanged} />
      </div>
      <p className="muted">
        Job <code>{job.id}</code> · by {job.ownerHandle} · submitted {formatTime(job.createdAt)}
        {live && ' · updating live'}
      </p>
      {job.parentJobId && (
        <p>
          Step of pipeline <Link to={`/jobs/${job.parentJobId}`}>{shortId(job.parentJobId)}</Link>
        </p>
      )}
      {job.error && (
        <div className="status status-error" role="alert">
          <p>
            Failed: {job.error.message} <code>{job.error.code}</code>
          </p>
        </div>
      )}
      {job.status === 'queued' && <WhyWaiting job={job} />}
      <h2>Timeline</h2>
      <Timeline job={job} attempts={attempts} />
      {progress && <Progress progress={progress} />}
      {job.stepJobIds.length > 0 && (
        <>
          <h2>Steps</h2>
          <ol>
            {job.stepJobIds.map((stepId) => (
              <li key={stepId}>
                <Link to={`/jobs/${stepId}`}>{shortId(stepId)}</Link>
              </li>
            ))}
          </ol>
        </>
      )}
      <h2>Logs</h2>
      <JobLogs state={logs} live={live} />
      <h2>Attempts</h2>
      <Attempts attempts={attempts} pipeline={job.kind === 'pipeline'} />
      <h2>Artifacts and results</h2>
      <JobArtifacts job={job} />
      <details>
        <summary>Job spec and requirements</summary>
        <pre className="code">{JSON.stringify({ spec: job.spec, requirements: job.requirements, priority: job.priority }, null, 2)}</pre>
      </details>
    </>
  );
}

function JobActions({ job, onChanged }: { job: JobView; onChanged: () => void }) {
  const { client } = useSession();
  const { navigate } = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cancel = () => {
    setBusy(true);
    client.jobs.cancel(job.id).then(
      () => {
        setBusy(false);
        setMessage('Cancelled.');
        onChanged();
      },
      (error: unknown) => {
        setBusy(false);
        setMessage(describeError(error));
      },
    );
  };
  /** A retry makes a new job of the same spec (the old one stays as it ended); steps of a pipeline are retried through their pipeline. */
  const retry = () => {
    setBusy(true);
    client.jobs.retry(job.id).then(
      (next) => navigate(`/jobs/${next.id}`),
      (error: unknown) => {
        setBusy(false);
        setMessage(describeError(error));
      },
    );
  };
  return (
    <div className="actions">
      {(job.status === 'queued' || job.status === 'running') && (
        <button type="button" className="danger" onClick={cancel} disabled={busy}>
          Cancel job
        </button>
      )}
      {(job.status === 'failed' || job.status === 'cancelled') && !job.parentJobId && (
        <button type="button" onClick={retry} disabled={busy}>
          Retry as a new job
        </button>
      )}
      {message && <span role="status">{message}</span>}
    </div>
  );
}

function Progress({ progress }: { progress: JobProgressView }) {
  const latest = progress.latest;
  const points = progress.curve.filter((point): point is typeof point & { loss: number } => point.loss !== null).map((point) => ({ x: point.step, y: point.loss }));
  return (
    <>
      <h2>Progress</h2>
      {latest ? (
        <>
          <progress max={latest.totalSteps || 1} value={latest.step} aria-label="Training steps done">
            {latest.step} of {latest.totalSteps}
          </progress>
          <dl className="stats">
            <div>
              <dt>Step</dt>
              <dd>
                {formatInteger(latest.step)} / {formatInteger(latest.totalSteps)}
              </dd>
            </div>
            <div>
              <dt>Loss</dt>
              <dd>{formatNumber(latest.loss, 4)}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{formatInteger(latest.tokens)}</dd>
            </div>
            <div>
              <dt>Learning rate</dt>
              <dd>{latest.learningRate === null ? '—' : latest.learningRate.toExponential(2)}</dd>
            </div>
            <div>
              <dt>Time left</dt>
              <dd>{latest.etaMs === null ? '—' : formatDuration(latest.etaMs)}</dd>
            </div>
          </dl>
        </>
      ) : (
        <Empty>No progress reported yet.</Empty>
      )}
      <h3>Loss curve</h3>
      {points.length > 1 ? <LineChart points={points} label="Training loss by step" xLabel="step" yLabel="loss" /> : <Empty>The loss curve appears once the trainer reports two steps.</Empty>}
      {progress.curve.length > 0 && (
        <details>
          <summary>Progress log ({progress.curve.length} reports)</summary>
          <ol className="log" aria-label="Progress reports, newest first">
            {[...progress.curve].reverse().slice(0, 200).map((point) => (
              <li key={`${point.at}-${point.step}`}>
                <time dateTime={new Date(point.at).toISOString()}>{new Date(point.at).toLocaleTimeString()}</time> step {point.step}, loss {formatNumber(point.loss, 4)}, {formatInteger(point.tokens)} tokens
              </li>
            ))}
          </ol>
        </details>
      )}
    </>
  );
}
