import { JobStatusSchema, JobViewSchema, type JobView } from '@potluck/protocol';
import { useState } from 'react';
import { Link, useRouter, withQuery } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Choice, Pager } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { formatRelative, shortId } from '../../lib/format';
import { JobStatusBadge, jobTitle } from './job-labels';

type Kind = JobView['kind'];
const kindOptions: { value: Kind | ''; label: string }[] = [{ value: '', label: 'Any kind' }, ...JobViewSchema.shape.kind.options.map((value) => ({ value, label: value }))];
const statusOptions: { value: JobView['status'] | ''; label: string }[] = [{ value: '', label: 'Any status' }, ...JobStatusSchema.options.map((value) => ({ value, label: value }))];

export function JobsPage() {
  const { location, navigate } = useRouter();
  const { client } = useSession();
  const parsedStatus = JobStatusSchema.safeParse(location.query.get('status'));
  const parsedKind = JobViewSchema.shape.kind.safeParse(location.query.get('kind'));
  const status = parsedStatus.success ? parsedStatus.data : '';
  const kind = parsedKind.success ? parsedKind.data : '';
  const cursor = location.query.get('cursor') ?? undefined;
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const jobs = useAsync(() => client.jobs.list({ limit: 25, ...(status ? { status } : {}), ...(kind ? { kind } : {}), ...(cursor ? { cursor } : {}) }), [client, status, kind, cursor]);
  const go = (changes: Record<string, string | undefined>) => {
    setPrevious([]);
    navigate(withQuery('/jobs', { status: status || undefined, kind: kind || undefined, ...changes }), { replace: true });
  };
  return (
    <section className="page">
      <div className="page-head">
        <h1>Jobs</h1>
        <Link to="/jobs/new" className="button">
          Submit a job
        </Link>
      </div>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <Choice label="Status" value={status} options={statusOptions} onChange={(value) => go({ status: value || undefined })} />
        <Choice label="Kind" value={kind} options={kindOptions} onChange={(value) => go({ kind: value || undefined })} />
      </form>
      <AsyncBlock state={jobs} what="jobs">
        {(page) =>
          page.items.length === 0 ? (
            <Empty>
              No jobs{status || kind ? ' match these filters' : ' yet'}. <Link to="/jobs/new">Submit one</Link>.
            </Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Job</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Status</th>
                      <th scope="col">Owner</th>
                      <th scope="col">Submitted</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((job) => (
                      <tr key={job.id}>
                        <td>
                          <Link to={`/jobs/${job.id}`}>
                            <code>{shortId(job.id)}</code> {jobTitle(job)}
                          </Link>
                        </td>
                        <td>{job.kind}</td>
                        <td>
                          <JobStatusBadge status={job.status} />
                        </td>
                        <td>{job.ownerHandle}</td>
                        <td>{formatRelative(job.createdAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                label="Jobs, newest first"
                hasPrevious={previous.length > 0}
                hasNext={page.nextCursor !== null}
                onPrevious={() => {
                  const before = previous.at(-1);
                  setPrevious(previous.slice(0, -1));
                  navigate(withQuery('/jobs', { status: status || undefined, kind: kind || undefined, cursor: before }));
                }}
                onNext={() => {
                  setPrevious([...previous, cursor]);
                  navigate(withQuery('/jobs', { status: status || undefined, kind: kind || undefined, cursor: page.nextCursor ?? undefined }));
                }}
              />
            </>
          )
        }
      </AsyncBlock>
    </section>
  );
}
