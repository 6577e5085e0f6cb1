import type { JobLogView } from '@potluck/protocol';
import { useEffect, useRef } from 'react';
import { Empty, ErrorMessage } from '../../components/status';

export type LogsState = { logs: JobLogView } | { error: unknown };

/** The job's log lines from the agents (a pipeline: all its steps'), newest at the bottom, as text. */
export function JobLogs({ state, live }: { state: LogsState; live: boolean }) {
  const box = useRef<HTMLOListElement>(null);
  const count = 'logs' in state ? state.logs.lines.length : 0;
  // Follows the end while the job runs, like `tail -f`.
  useEffect(() => {
    if (live && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [count, live]);
  if ('error' in state) return <ErrorMessage error={state.error} />;
  if (state.logs.lines.length === 0) return <Empty>No log lines yet{live ? ': they appear as the agent writes them.' : '.'}</Empty>;
  return (
    <ol className="log" ref={box} aria-label="Job log" aria-live={live ? 'polite' : 'off'}>
      {state.logs.lines.map((line, index) => (
        <li key={`${line.at}-${index}`} className={`log-${line.level}`}>
          <time dateTime={new Date(line.at).toISOString()}>{new Date(line.at).toLocaleTimeString()}</time> <span className="muted">#{line.attemptNo}</span> {line.level !== 'info' && <strong>{line.level} </strong>}
          {line.message}
        </li>
      ))}
    </ol>
  );
}
