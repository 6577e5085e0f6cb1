import { FineTuneResultSchema, type JobView } from '@potluck/protocol';
import { useState } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatBytes, formatDuration, formatInteger, formatNumber } from '../../lib/format';

/** Saves bytes as a file through a temporary object URL. */
function saveFile(bytes: Uint8Array, filename: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function JobArtifacts({ job }: { job: JobView }) {
  if (job.status !== 'succeeded' || !job.result) return <Empty>{job.status === 'succeeded' ? 'This job produced no files.' : 'Results appear here when the job succeeds.'}</Empty>;
  const fineTune = job.kind === 'fine-tune' ? FineTuneResultSchema.safeParse(job.result) : null;
  if (fineTune?.success) {
    const result = fineTune.data;
    return (
      <>
        <dl className="stats">
          <div>
            <dt>Held-out loss</dt>
            <dd>{formatNumber(result.heldOutLoss, 4)}</dd>
          </div>
          <div>
            <dt>Base model's held-out loss</dt>
            <dd>{formatNumber(result.baseHeldOutLoss, 4)}</dd>
          </div>
          <div>
            <dt>Train loss, first → last</dt>
            <dd>
              {formatNumber(result.trainLossFirst, 3)} → {formatNumber(result.trainLossLast, 3)}
            </dd>
          </div>
          <div>
            <dt>Steps / tokens</dt>
            <dd>
              {formatInteger(result.steps)} / {formatInteger(result.tokens)}
            </dd>
          </div>
          <div>
            <dt>Training time</dt>
            <dd>{formatDuration(result.durationMs)}</dd>
          </div>
        </dl>
        <AdapterDownload job={job} bytes={result.adapterBytes} sha256={result.adapterSha256} />
      </>
    );
  }
  return (
    <dl className="result">
      {Object.entries(job.result).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{key.toLowerCase().includes('datasetid') && typeof value === 'string' ? <Link to={`/datasets/${value}`}>{value}</Link> : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : <code>{JSON.stringify(value)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}

function AdapterDownload({ job, bytes, sha256 }: { job: JobView; bytes: number; sha256: string }) {
  const { client } = useSession();
  const [state, setState] = useState<string | null>(null);
  const download = () => {
    setState('Downloading…');
    client.jobs.adapter(job.id).then(
      (data) => {
        saveFile(data, `adapter-${job.id}.bin`);
        setState(`Downloaded ${formatBytes(data.byteLength)}.`);
      },
      (error: unknown) => setState(describeError(error)),
    );
  };
  return (
    <p className="download">
      <button type="button" onClick={download}>
        Download adapter ({formatBytes(bytes)})
      </button>{' '}
      <small className="muted">
        sha256 <code>{sha256}</code>
      </small>{' '}
      {state && <span role="status">{state}</span>}
    </p>
  );
}
