import { DatasetResultSchema, EvalResultSchema, FineTuneResultSchema, type JobView } from '@potluck/protocol';
import { useState } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { saveFile } from '../../lib/save-file';
import { formatBytes, formatDuration, formatInteger, formatNumber } from '../../lib/format';

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
  return <OtherResult job={job} result={job.result} />;
}

/** Eval, dataset and pipeline results, read with their protocol schemas; anything else as JSON text. */
function OtherResult({ job, result }: { job: JobView; result: Record<string, unknown> }) {
  const evaluation = EvalResultSchema.safeParse(result);
  if (evaluation.success) {
    const r = evaluation.data;
    return (
      <>
        <dl className="stats">
          <Stat label={`Loss (${r.split === 'all' ? 'all rows' : 'held-out rows'})`} value={formatNumber(r.loss, 4)} />
          <Stat label="Perplexity" value={formatNumber(r.perplexity, 2)} />
          {r.tokenAccuracy !== null && <Stat label="Token accuracy" value={`${formatNumber(100 * r.tokenAccuracy, 1)} %`} />}
          <Stat label="Uniform guess's loss" value={formatNumber(r.uniformLoss, 3)} />
          <Stat label="Rows / tokens" value={`${formatInteger(r.rows)} / ${formatInteger(r.tokens)}`} />
          <Stat label="Adapter" value={r.adapterSha256 ? r.adapterSha256.slice(0, 12) : 'base model alone'} />
          <Stat label="Time" value={formatDuration(r.durationMs)} />
        </dl>
        {job.kind === 'eval' && job.status === 'succeeded' && <ReportDownload job={job} bytes={r.reportBytes} sha256={r.reportSha256} />}
      </>
    );
  }
  const dataset = DatasetResultSchema.safeParse(result);
  if (dataset.success) {
    const r = dataset.data;
    const datasetId = typeof result.datasetId === 'string' ? result.datasetId : null;
    return (
      <>
        <dl className="stats">
          <Stat label="Rows in → out" value={`${formatInteger(r.rowsIn)} → ${formatInteger(r.rowsOut)}`} />
          <Stat label="Dropped" value={`${formatInteger(r.dropped)}${Object.keys(r.reasons).length ? ` (${Object.entries(r.reasons).map(([reason, count]) => `${reason} ${count}`).join(', ')})` : ''}`} />
          <Stat label="Output" value={formatBytes(r.outputBytes)} />
          <Stat label="Time" value={formatDuration(r.durationMs)} />
        </dl>
        {datasetId && (
          <p>
            The output is a new version of <Link to={`/datasets/${datasetId}`}>its dataset</Link>.
          </p>
        )}
      </>
    );
  }
  const steps = Array.isArray(result.steps) ? result.steps.filter((step): step is { id: unknown; jobId: string; result?: unknown } => typeof step === 'object' && step !== null && typeof (step as { jobId?: unknown }).jobId === 'string') : [];
  if (steps.length > 0) {
    return (
      <ol className="steps">
        {steps.map((step) => (
          <li key={step.jobId}>
            <Link to={`/jobs/${step.jobId}`}>{String(step.id)}</Link>: {summary(step.result)}
          </li>
        ))}
      </ol>
    );
  }
  return <pre className="code">{JSON.stringify(result, null, 2)}</pre>;
}

/** One line about a step's result. */
function summary(result: unknown): string {
  const fineTune = FineTuneResultSchema.safeParse(result);
  if (fineTune.success) return `fine-tune, held-out loss ${formatNumber(fineTune.data.heldOutLoss, 3)} (base ${formatNumber(fineTune.data.baseHeldOutLoss, 3)})`;
  const evaluation = EvalResultSchema.safeParse(result);
  if (evaluation.success) return `eval, loss ${formatNumber(evaluation.data.loss, 3)}, perplexity ${formatNumber(evaluation.data.perplexity, 1)}`;
  const dataset = DatasetResultSchema.safeParse(result);
  if (dataset.success) return `dataset, ${formatInteger(dataset.data.rowsIn)} → ${formatInteger(dataset.data.rowsOut)} rows`;
  return 'done';
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function AdapterDownload({ job, bytes, sha256 }: { job: JobView; bytes: number; sha256: string }) {
  const { client } = useSession();
  return <ArtifactDownload label="Download adapter" file={`adapter-${job.id}.bin`} bytes={bytes} sha256={sha256} fetchBytes={() => client.jobs.adapter(job.id)} />;
}

function ReportDownload({ job, bytes, sha256 }: { job: JobView; bytes: number; sha256: string }) {
  const { client } = useSession();
  return <ArtifactDownload label="Download eval report" file={`eval-report-${job.id}.json`} bytes={bytes} sha256={sha256} fetchBytes={() => client.jobs.report(job.id)} />;
}

/** A button that fetches an artifact through the SDK (with the API key) and saves it. */
function ArtifactDownload({ label, file, bytes, sha256, fetchBytes }: { label: string; file: string; bytes: number; sha256: string; fetchBytes: () => Promise<Uint8Array> }) {
  const [state, setState] = useState<string | null>(null);
  const download = () => {
    setState('Downloading…');
    fetchBytes().then(
      (data) => {
        saveFile(data, file);
        setState(`Downloaded ${formatBytes(data.byteLength)}.`);
      },
      (error: unknown) => setState(describeError(error)),
    );
  };
  return (
    <p className="download">
      <button type="button" onClick={download}>
        {label} ({formatBytes(bytes)})
      </button>{' '}
      <small className="muted">
        sha256 <code>{sha256}</code>
      </small>{' '}
      {state && <span role="status">{state}</span>}
    </p>
  );
}
