import type { DatasetVersionView, DatasetView } from '@potluck/protocol';
import { useState } from 'react';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock, Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatBytes, formatInteger, formatNumber, formatTime, shortId } from '../../lib/format';
import { saveFile } from '../../lib/save-file';
import { Preview } from './Preview';
import { UploadForm } from './UploadForm';

/** A dataset: metadata, contributors, versions with stats and lineage, a preview, and uploads for its owner. */
export function DatasetPage({ id }: { id: string }) {
  const { client } = useSession();
  const dataset = useAsync(() => client.datasets.get(id), [client, id]);
  return (
    <section className="page">
      <p>
        <Link to="/datasets">← Datasets</Link>
      </p>
      <AsyncBlock state={dataset} what="the dataset">
        {(d) => <DatasetDetail dataset={d} onUploaded={dataset.reload} />}
      </AsyncBlock>
    </section>
  );
}

function DatasetDetail({ dataset, onUploaded }: { dataset: DatasetView; onUploaded: () => void }) {
  const { user, hasRole } = useSession();
  const latest = dataset.versions.at(-1) ?? null;
  const [selected, setSelected] = useState<number | null>(null);
  const shown = dataset.versions.find((version) => version.version === selected) ?? latest;
  const canUpload = hasRole('BUILDER') && (user?.handle === dataset.ownerHandle || hasRole('ADMIN'));
  return (
    <>
      <h1>{dataset.name}</h1>
      <p className="muted">
        by {dataset.ownerHandle} · {dataset.licence} · {dataset.visibility} · created {formatTime(dataset.createdAt)}
      </p>
      {dataset.description && <p>{dataset.description}</p>}
      <p>
        Data credit goes to{' '}
        {dataset.contributors.map((contributor, index) => (
          <span key={contributor.handle}>
            {index > 0 && ', '}
            <Link to={`/contributors/${encodeURIComponent(contributor.handle)}`}>{contributor.handle}</Link> ({formatNumber(contributor.share * 100, 1)} %)
          </span>
        ))}
        .
      </p>
      {shown && <VersionStats version={shown} />}
      <h2>Versions</h2>
      {dataset.versions.length === 0 ? <Empty>No version yet{canUpload ? ': upload the first file below.' : '.'}</Empty> : <Versions dataset={dataset} selected={shown?.version ?? null} onSelect={setSelected} />}
      {canUpload && (
        <>
          <h2>Upload {latest ? 'a new version' : 'the first version'}</h2>
          <UploadForm datasetId={dataset.id} onUploaded={onUploaded} />
        </>
      )}
      {shown && (
        <>
          <h2>Preview of version {shown.version}</h2>
          <Preview datasetId={dataset.id} version={shown.version} />
        </>
      )}
    </>
  );
}

function VersionStats({ version }: { version: DatasetVersionView }) {
  return (
    <dl className="stats" aria-label={`Stats of version ${version.version}`}>
      <div>
        <dt>Rows</dt>
        <dd>{formatInteger(version.rows)}</dd>
      </div>
      <div>
        <dt>Size</dt>
        <dd>{formatBytes(version.bytes)}</dd>
      </div>
      <div>
        <dt>Estimated tokens</dt>
        <dd>{formatInteger(version.estimatedTokens)}</dd>
      </div>
      <div>
        <dt>Duplicates</dt>
        <dd>{formatNumber(version.duplicateRate * 100, 1)} %</dd>
      </div>
      <div>
        <dt>Form</dt>
        <dd>{version.form}</dd>
      </div>
    </dl>
  );
}

function Versions({ dataset, selected, onSelect }: { dataset: DatasetView; selected: number | null; onSelect: (version: number) => void }) {
  const byId = new Map(dataset.versions.map((version) => [version.id, version]));
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col" className="num">
              Rows
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col">Lineage</th>
            <th scope="col">sha256</th>
            <th scope="col">Created</th>
            <th scope="col">File</th>
          </tr>
        </thead>
        <tbody>
          {[...dataset.versions].reverse().map((version) => (
            <tr key={version.id} className={version.version === selected ? 'selected' : undefined}>
              <td>
                <button type="button" className="link" aria-pressed={version.version === selected} onClick={() => onSelect(version.version)}>
                  v{version.version}
                </button>
              </td>
              <td className="num">{formatInteger(version.rows)}</td>
              <td className="num">{formatBytes(version.bytes)}</td>
              <td>
                {version.producedByJobId ? (
                  <>
                    made by job <Link to={`/jobs/${version.producedByJobId}`}>{shortId(version.producedByJobId)}</Link>
                  </>
                ) : (
                  'uploaded'
                )}
                {version.parentVersionIds.length > 0 && (
                  <>
                    {' '}
                    from{' '}
                    {version.parentVersionIds.map((parent) => {
                      const local = byId.get(parent);
                      return <code key={parent}>{local ? `v${local.version}` : shortId(parent)}</code>;
                    })}
                  </>
                )}
              </td>
              <td>
                <code title={version.sha256}>{version.sha256.slice(0, 12)}</code>
              </td>
              <td>{formatTime(version.createdAt)}</td>
              <td>
                <DownloadVersion dataset={dataset} version={version.version} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Downloads one version's JSONL through the SDK (private datasets need the owner's key). */
function DownloadVersion({ dataset, version }: { dataset: DatasetView; version: number }) {
  const { client } = useSession();
  const [state, setState] = useState<string | null>(null);
  const download = () => {
    setState('…');
    client.datasets.download(dataset.id, version).then(
      (bytes) => {
        saveFile(bytes, `${dataset.name}-v${version}.jsonl`, 'application/jsonl');
        setState(null);
      },
      (error: unknown) => setState(describeError(error)),
    );
  };
  return (
    <>
      <button type="button" className="link" onClick={download} aria-label={`Download version ${version} as JSONL`}>
        Download
      </button>
      {state && <span role="status"> {state}</span>}
    </>
  );
}
