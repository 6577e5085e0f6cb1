import type { AttemptView } from '@potluck/protocol';
import { Empty } from '../../components/status';
import { formatDuration, formatInteger } from '../../lib/format';

/** Which donor ran each attempt, how long, and why it ended. */
export function Attempts({ attempts, pipeline = false }: { attempts: AttemptView[]; pipeline?: boolean }) {
  if (attempts.length === 0) return <Empty>{pipeline ? 'A pipeline runs as its steps: each step has its own attempts.' : 'No attempt yet: the job has not been given to a GPU.'}</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Donor and agent</th>
            <th scope="col">Status</th>
            <th scope="col">How long</th>
            <th scope="col">Why it ended</th>
            <th scope="col" className="num">
              Tokens
            </th>
            <th scope="col">Checkpoints</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => (
            <tr key={attempt.id}>
              <td>{attempt.attemptNo}</td>
              <td>
                {attempt.donorHandle} / {attempt.agentName}
              </td>
              <td>{attempt.status}</td>
              <td>{formatDuration((attempt.endedAt ? Date.parse(attempt.endedAt) : Date.now()) - Date.parse(attempt.startedAt))}</td>
              <td>{attempt.endReason ?? (attempt.endedAt ? '—' : 'still running')}</td>
              <td className="num">{formatInteger(attempt.tokens)}</td>
              <td>
                {attempt.checkpoints.length === 0 ? 'none' : `${attempt.checkpoints.length}, last at step ${attempt.checkpoints.at(-1)?.step ?? '?'}`}
                {attempt.resumedFromStep !== null && ` (resumed from step ${attempt.resumedFromStep})`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
