import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock, Empty } from '../../components/status';

/** The first rows of a version, as text (never as HTML). */
export function Preview({ datasetId, version }: { datasetId: string; version: number }) {
  const { client } = useSession();
  const preview = useAsync(() => client.datasets.preview(datasetId, version, 10), [client, datasetId, version]);
  return (
    <AsyncBlock state={preview} what="the preview">
      {(data) =>
        data.rows.length === 0 ? (
          <Empty>This version has no rows.</Empty>
        ) : (
          <ol className="preview" aria-label={`First ${data.rows.length} rows`}>
            {data.rows.map((row, index) => (
              <li key={index}>
                <pre className="code">{JSON.stringify(row, null, 1)}</pre>
              </li>
            ))}
          </ol>
        )
      }
    </AsyncBlock>
  );
}
