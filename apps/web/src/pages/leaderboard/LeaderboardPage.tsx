import { BoardKindSchema, BoardScopeSchema, BoardWindowSchema, type BoardKind, type BoardPage, type BoardRow, type BoardScope, type BoardWindow } from '@potluck/protocol';
import { useEffect, useState } from 'react';
import { Link, useRouter, withQuery } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync, useInterval } from '../../app/use-async';
import { Choice, Pager } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { formatCredit, formatInteger, formatTime } from '../../lib/format';

const PAGE_SIZE = 50;
const REFRESH_MS = 30_000;
const windows: { value: BoardWindow; label: string }[] = [
  { value: 'all', label: 'All time' },
  { value: '30d', label: 'Last 30 days' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'recent', label: 'Recent average (per day)' },
];
const kinds: { value: BoardKind; label: string }[] = [
  { value: 'total', label: 'All kinds' },
  { value: 'compute', label: 'Compute' },
  { value: 'data', label: 'Data' },
  { value: 'validation', label: 'Validation' },
];
const scopes: { value: BoardScope; label: string }[] = [
  { value: 'contributors', label: 'Contributors' },
  { value: 'teams', label: 'Teams' },
  { value: 'gpu-class', label: 'GPU classes' },
];

/** The home page: who gave what, by window, kind and scope, searchable and paged. */
export function LeaderboardPage() {
  const { location, navigate } = useRouter();
  const { client, user } = useSession();
  const q = location.query;
  const boardWindow = BoardWindowSchema.catch('all').parse(q.get('window') ?? undefined);
  const kind = BoardKindSchema.catch('total').parse(q.get('kind') ?? undefined);
  const scope = BoardScopeSchema.catch('contributors').parse(q.get('scope') ?? undefined);
  const search = q.get('search') ?? '';
  const cursor = q.get('cursor') ?? undefined;
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
  const [searchText, setSearchText] = useState(search);

  const go = (changes: Record<string, string | undefined>, keepPages = false) => {
    if (!keepPages) setPrevious([]);
    navigate(withQuery('/', { window: boardWindow, kind, scope, search: search || undefined, cursor, ...(keepPages ? {} : { cursor: undefined }), ...changes }), { replace: !keepPages });
  };

  // Search as the user types, once they pause.
  useEffect(() => {
    if (searchText === search) return;
    const timer = window.setTimeout(() => go({ search: searchText.trim() || undefined }), 300);
    return () => window.clearTimeout(timer);
  }, [searchText]);

  const board = useAsync(() => client.credits.board({ window: boardWindow, kind, scope, limit: PAGE_SIZE, ...(search ? { search } : {}), ...(cursor ? { cursor } : {}) }), [client, boardWindow, kind, scope, search, cursor]);
  // Boards move as credit is granted; a visitor who keeps the page open sees it without reloading.
  useInterval(board.reload, REFRESH_MS);

  return (
    <section className="page">
      <h1>Leaderboard</h1>
      <p className="lede">Credit for validated work: 1 credit is 1 PFLOP of compute that passed validation; data and validation work earn credit too.</p>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Choice label="Window" value={boardWindow} options={windows} onChange={(value) => go({ window: value })} />
        <Choice label="Kind" value={kind} options={kinds} onChange={(value) => go({ kind: value })} />
        <Choice label="Board" value={scope} options={scopes} onChange={(value) => go({ scope: value })} />
        <div className="field">
          <label htmlFor="board-search">Search</label>
          <input id="board-search" type="search" value={searchText} placeholder={scope === 'teams' ? 'team slug' : scope === 'gpu-class' ? 'GPU class' : 'handle'} onChange={(event) => setSearchText(event.target.value)} />
        </div>
      </form>
      <AsyncBlock state={board} what="the leaderboard">
        {(page) => (
          <>
            <BoardTable page={page} scope={scope} myHandle={user?.handle ?? null} />
            <Pager
              label={`${formatInteger(page.total)} on this board`}
              hasPrevious={previous.length > 0}
              hasNext={page.nextCursor !== null}
              onPrevious={() => {
                const before = previous.at(-1);
                setPrevious(previous.slice(0, -1));
                go({ cursor: before }, true);
              }}
              onNext={() => {
                setPrevious([...previous, cursor]);
                go({ cursor: page.nextCursor ?? undefined }, true);
              }}
            />
            <p className="muted">As of {formatTime(page.asOf)}.</p>
          </>
        )}
      </AsyncBlock>
    </section>
  );
}

function rowLink(scope: BoardScope, row: BoardRow): string | null {
  if (scope === 'contributors') return `/contributors/${encodeURIComponent(row.handle)}`;
  if (scope === 'teams') return `/teams/${encodeURIComponent(row.handle)}`;
  return null;
}

function BoardTable({ page, scope, myHandle }: { page: BoardPage; scope: BoardScope; myHandle: string | null }) {
  if (page.items.length === 0) return <Empty>{page.total === 0 ? 'Nobody has earned credit in this window yet. Donate a GPU or a dataset to be first.' : 'No entry matches this search.'}</Empty>;
  const mineOnPage = page.me !== null && page.items.some((row) => row.id === page.me?.id);
  return (
    <div className="table-wrap">
      <table className="board">
        <caption className="visually-hidden">Ranked by credit</caption>
        <thead>
          <tr>
            <th scope="col">Rank</th>
            <th scope="col">{scope === 'teams' ? 'Team' : scope === 'gpu-class' ? 'GPU class' : 'Contributor'}</th>
            <th scope="col" className="num">
              Credit{page.window === 'recent' ? ' per day' : ''}
            </th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((row) => (
            <BoardLine key={row.id} row={row} scope={scope} mine={row.id === page.me?.id || (scope === 'contributors' && row.handle === myHandle)} />
          ))}
          {page.me && !mineOnPage && (
            <>
              <tr className="gap" aria-hidden="true">
                <td colSpan={3}>…</td>
              </tr>
              <BoardLine row={page.me} scope={scope} mine />
            </>
          )}
        </tbody>
      </table>
    </div>
  );
}

function BoardLine({ row, scope, mine }: { row: BoardRow; scope: BoardScope; mine: boolean }) {
  const link = rowLink(scope, row);
  return (
    <tr className={mine ? 'mine' : undefined} aria-current={mine ? 'true' : undefined}>
      <td className="rank">{row.rank}</td>
      <td>
        {link ? <Link to={link}>{row.name}</Link> : row.name}
        {row.handle !== row.name && <span className="muted"> @{row.handle}</span>}
        {mine && <span className="badge badge-you">you</span>}
      </td>
      <td className="num">{formatCredit(row.credit)}</td>
    </tr>
  );
}
