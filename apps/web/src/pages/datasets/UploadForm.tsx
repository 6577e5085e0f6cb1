import type { DatasetView, FieldError } from '@potluck/protocol';
import { useRef, useState, type FormEvent } from 'react';
import { useSession } from '../../app/session';
import { Field } from '../../components/controls';
import { describeError, fieldErrors } from '../../lib/errors';
import { formatBytes } from '../../lib/format';
import { uploadDatasetVersion } from '../../lib/upload';

/** Picks a JSONL file and uploads it as the dataset's next version, with a progress bar and line-numbered errors. */
export function UploadForm({ datasetId, onUploaded }: { datasetId: string; onUploaded: (dataset: DatasetView) => void }) {
  const { apiKey } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lines, setLines] = useState<FieldError[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const abort = useRef<(() => void) | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file) return setError('Choose a .jsonl file first.');
    setError(null);
    setLines([]);
    setDone(null);
    setProgress(0);
    const upload = uploadDatasetVersion(datasetId, file, apiKey, setProgress);
    abort.current = upload.abort;
    upload.done.then(
      (dataset) => {
        abort.current = null;
        setProgress(null);
        const version = dataset.versions.at(-1);
        setDone(version ? `Uploaded as version ${version.version}: ${version.rows} rows, ${version.form} form.` : 'Uploaded.');
        onUploaded(dataset);
      },
      (failure: unknown) => {
        abort.current = null;
        setProgress(null);
        setError(failure instanceof DOMException && failure.name === 'AbortError' ? 'Upload cancelled.' : describeError(failure));
        setLines(fieldErrors(failure));
      },
    );
  };

  return (
    <form onSubmit={submit} className="card" aria-label="Upload a version">
      <Field label="JSONL file" hint="One chat, instruction or text row per line; validated while it streams in.">
        {(aria) => <input {...aria} type="file" accept=".jsonl,.ndjson,.txt,application/jsonl,application/x-ndjson" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />}
      </Field>
      {file && <p className="muted">{`${file.name}, ${formatBytes(file.size)}`}</p>}
      {progress !== null ? (
        <div className="upload-progress">
          <progress max={1} value={progress} aria-label="Upload progress" />
          <span>{progress < 1 ? `${Math.round(progress * 100)} % sent` : 'Sent; validating…'}</span>
          <button type="button" onClick={() => abort.current?.()}>
            Cancel upload
          </button>
        </div>
      ) : (
        <button type="submit">Upload</button>
      )}
      {done && <p role="status">{done}</p>}
      {error && (
        <div className="status status-error" role="alert">
          <p>{error}</p>
          {lines.length > 0 && (
            <ul className="line-errors" aria-label="Errors by line">
              {lines.map((line) => (
                <li key={`${line.field}-${line.message}`}>
                  <strong>{line.field.replace(/^line /, 'Line ')}</strong>: {line.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
