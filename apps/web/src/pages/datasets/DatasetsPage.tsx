import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock, Empty } from '../../components/status';
import { formatInteger, formatRelative } from '../../lib/format';

export function DatasetsPage() {
  const { client, hasRole } = useSession();
  const datasets = useAsync(() => client.datasets.list({ limit: 200 }), [client]);
  return (
    <section className="page">
      <div className="page-head">
        <h1>Datasets</h1>
        {hasRole('BUILDER') && (
          <Link to="/datasets/new" className="button">
            New dataset
          </Link>
        )}
      </div>
      <AsyncBlock state={datasets} what="datasets">
        {(list) =>
          list.length === 0 ? (
            <Empty>No datasets yet.{hasRole('BUILDER') ? ' Create the first one.' : ' Builders upload them; sign in as a builder to add one.'}</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Licence</th>
                    <th scope="col">Visibility</th>
                    <th scope="col" className="num">
                      Versions
                    </th>
                    <th scope="col" className="num">
                      Rows (latest)
                    </th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((dataset) => (
                    <tr key={dataset.id}>
                      <td>
                        <Link to={`/datasets/${dataset.id}`}>{dataset.name}</Link>
                      </td>
                      <td>{dataset.ownerHandle}</td>
                      <td>{dataset.licence}</td>
                      <td>{dataset.visibility}</td>
                      <td className="num">{dataset.versions.length}</td>
                      <td className="num">{dataset.versions.length ? formatInteger(dataset.versions.at(-1)?.rows ?? 0) : '—'}</td>
                      <td>{formatRelative(dataset.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </AsyncBlock>
    </section>
  );
}
