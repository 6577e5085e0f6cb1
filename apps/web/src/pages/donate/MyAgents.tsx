import type { AgentView, ControlCommand, FleetAgent, WhyNoJob } from '@potluck/protocol';
import { useState } from 'react';
import { useSession } from '../../app/session';
import { useAsync, useInterval } from '../../app/use-async';
import { Badge } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatRelative } from '../../lib/format';

const HOUR = 3_600_000;
const PAUSE_OPTIONS = [
  { value: '', label: 'until resumed' },
  { value: String(HOUR), label: '1 hour' },
  { value: String(8 * HOUR), label: '8 hours' },
  { value: String(24 * HOUR), label: '24 hours' },
];

interface Mine {
  agents: AgentView[];
  live: Map<string, FleetAgent>;
}

/** The donor's agents with their live state and remote pause / resume / drain. */
export function MyAgents() {
  const { client } = useSession();
  const mine = useAsync(async (): Promise<Mine> => {
    const [agents, fleet] = await Promise.all([client.agents.list(), client.fleet.list({ mine: true, limit: 1000 })]);
    return { agents: agents.filter((agent) => !agent.revokedAt), live: new Map(fleet.agents.map((agent) => [agent.id, agent])) };
  }, [client]);
  useInterval(mine.reload, 3000);
  return (
    <AsyncBlock state={mine} what="your agents">
      {(data) =>
        data.agents.length === 0 ? (
          <Empty>You have no agents yet. Create a token above and start one.</Empty>
        ) : (
          <ul className="agent-grid" aria-label="Your agents">
            {data.agents.map((agent) => (
              <li key={agent.id}>
                <MyAgent agent={agent} live={data.live.get(agent.id) ?? null} onChanged={mine.reload} />
              </li>
            ))}
          </ul>
        )
      }
    </AsyncBlock>
  );
}

function MyAgent({ agent, live, onChanged }: { agent: AgentView; live: FleetAgent | null; onChanged: () => void }) {
  const { client } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  const [why, setWhy] = useState<WhyNoJob | null>(null);
  const [pauseFor, setPauseFor] = useState('');
  const duration = pauseFor ? { durationMs: Number(pauseFor) } : {};
  const until = pauseFor ? ` for ${PAUSE_OPTIONS.find((option) => option.value === pauseFor)?.label ?? ''}` : '';
  const send = (command: ControlCommand, done: string) => {
    setMessage('Sending…');
    client.agents.control(agent.id, command).then(
      (result) => {
        setMessage(result.delivered ? done : 'The agent is not connected; nothing was sent.');
        onChanged();
      },
      (error: unknown) => setMessage(describeError(error)),
    );
  };
  const explain = () => {
    client.jobs.whyNoJob(agent.id).then(setWhy, (error: unknown) => setMessage(describeError(error)));
  };
  const connected = live !== null && live.status !== 'offline';
  return (
    <article className="agent-card" aria-labelledby={`mine-${agent.id}`}>
      <header>
        <h3 id={`mine-${agent.id}`}>{agent.name}</h3>
        <Badge tone={connected ? 'good' : 'muted'}>{live?.status ?? 'never connected'}</Badge>
      </header>
      <p className="muted">
        token {agent.tokenPrefix}… · {agent.lastSeenAt ? `seen ${formatRelative(agent.lastSeenAt)}` : 'not seen yet'}
        {agent.simulated && ' · simulated'}
      </p>
      {live?.reason && live.reason !== 'active' && <p className={live.status === 'online' ? 'muted' : 'reason'}>{live.reason}</p>}
      <label className="inline-label">
        Pause{' '}
        <select value={pauseFor} onChange={(event) => setPauseFor(event.target.value)}>
          {PAUSE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.value ? `for ${option.label}` : option.label}
            </option>
          ))}
        </select>
      </label>
      <div className="actions" role="group" aria-label={`Control ${agent.name}`}>
        <button type="button" disabled={!connected} onClick={() => send({ command: 'pause', ...duration, reason: 'paused from the dashboard' }, `Paused${until}.`)}>
          Pause agent
        </button>
        <button type="button" disabled={!connected} onClick={() => send({ command: 'resume', reason: 'resumed from the dashboard' }, 'Resumed.')}>
          Resume agent
        </button>
        <button type="button" disabled={!connected} onClick={() => send({ command: 'drain', reason: 'drain from the dashboard' }, 'Draining: it finishes current work and takes no more.')}>
          Drain
        </button>
        <button type="button" onClick={explain}>
          Why no job?
        </button>
      </div>
      {live && live.gpus.length > 0 && (
        <ul className="gpu-controls" aria-label={`GPUs of ${agent.name}`}>
          {live.gpus.map((gpu) => (
            <li key={gpu.deviceId}>
              <span>
                #{gpu.index} {gpu.name} <Badge tone={gpu.availability === 'available' ? 'good' : 'warn'}>{gpu.availability}</Badge>
                {gpu.reason && gpu.availability !== 'available' && <span className="reason"> {gpu.reason}</span>}
              </span>
              {gpu.availability === 'paused' ? (
                <button type="button" disabled={!connected} onClick={() => send({ command: 'resume', gpuIndex: gpu.index, reason: 'resumed from the dashboard' }, `GPU ${gpu.index} resumed.`)}>
                  Resume GPU {gpu.index}
                </button>
              ) : (
                <button type="button" disabled={!connected} onClick={() => send({ command: 'pause', gpuIndex: gpu.index, ...duration, reason: 'paused from the dashboard' }, `GPU ${gpu.index} paused${until}.`)}>
                  Pause GPU {gpu.index}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {message && <p role="status">{message}</p>}
      {why && (
        <div className="why">
          <p>
            <strong>Why no job:</strong> {why.summary}
          </p>
          {why.jobs.length > 0 && (
            <ul>
              {why.jobs.map((job) => (
                <li key={job.jobId}>
                  {job.kind} {job.jobId.slice(0, 8)}: {job.rule} — {job.detail}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </article>
  );
}
