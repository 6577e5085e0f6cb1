import type { FleetAgent, FleetGpu } from '@potluck/protocol';
import { Link } from '../../app/router';
import { Badge } from '../../components/controls';
import { Sparkline } from '../../components/charts';
import { formatMiB, formatNumber, formatRelative } from '../../lib/format';
import type { History } from './FleetPage';

const statusTone: Record<FleetAgent['status'], string> = { online: 'good', unhealthy: 'warn', offline: 'bad', paused: 'warn', draining: 'warn' };
const availabilityTone: Record<FleetGpu['availability'], string> = {
  available: 'good',
  busy: 'info',
  disabled: 'muted',
  paused: 'warn',
  draining: 'warn',
  yielding: 'warn',
  'over-temperature': 'bad',
  'over-power': 'bad',
  'outside-schedule': 'muted',
};

/** One agent (a donor's machine) and its GPUs. */
export function AgentCard({ agent, history }: { agent: FleetAgent; history: History }) {
  return (
    <article className="agent-card" aria-labelledby={`agent-${agent.id}`}>
      <header>
        <h2 id={`agent-${agent.id}`}>{agent.name}</h2>
        <Badge tone={statusTone[agent.status]}>{agent.status}</Badge>
      </header>
      <p className="muted">
        by {agent.ownerHandle}
        {agent.simulated && ' · simulated'}
        {agent.lastSeenAt && ` · seen ${formatRelative(agent.lastSeenAt)}`}
      </p>
      {agent.reason && agent.reason !== 'active' && <p className={agent.status === 'online' ? 'muted' : 'reason'}>{agent.reason}</p>}
      {agent.drainEta !== null && <p className="reason">Draining; current work expected to end {formatRelative(agent.drainEta)}.</p>}
      <ul className="gpu-list">
        {agent.gpus.map((gpu) => (
          <li key={gpu.deviceId}>
            <GpuCard gpu={gpu} samples={gpu.latest ? (history.get(gpu.latest.gpuUuid) ?? [gpu.latest]) : []} />
          </li>
        ))}
      </ul>
    </article>
  );
}

function GpuCard({ gpu, samples }: { gpu: FleetGpu; samples: readonly NonNullable<FleetGpu['latest']>[] }) {
  const latest = gpu.latest;
  return (
    <section className="gpu-card" aria-label={`GPU ${gpu.index}: ${gpu.name}`}>
      <header>
        <strong>
          #{gpu.index} {gpu.name}
        </strong>
        <Badge tone={availabilityTone[gpu.availability] ?? 'muted'}>{gpu.availability}</Badge>
      </header>
      {gpu.work && (
        <p className="muted">
          Running {gpu.work.jobId ? <Link to={`/jobs/${gpu.work.jobId}`}>a {gpu.work.kind} job</Link> : `a ${gpu.work.kind} job`}
        </p>
      )}
      {gpu.reason && gpu.availability !== 'available' && <p className="reason">{gpu.reason}{gpu.until !== null && ` (until ${new Date(gpu.until).toLocaleTimeString()})`}</p>}
      <dl className="metrics">
        <Metric label="Utilisation" value={latest ? `${formatNumber(latest.utilizationGpuPct)} %` : '—'} values={samples.map((s) => s.utilizationGpuPct)} max={100} />
        <Metric label="Temperature" value={latest ? `${formatNumber(latest.temperatureC)} °C` : '—'} values={samples.map((s) => s.temperatureC)} max={100} />
        <Metric label="Power" value={latest ? `${formatNumber(latest.powerDrawW)} W` : '—'} values={samples.map((s) => s.powerDrawW)} max={latest?.powerLimitW ?? undefined} />
        <Metric label="VRAM" value={latest ? `${formatMiB(latest.memoryUsedMiB)} / ${formatMiB(latest.memoryTotalMiB ?? gpu.memoryTotalMiB)}` : formatMiB(gpu.memoryTotalMiB)} values={samples.map((s) => s.memoryUsedMiB)} max={latest?.memoryTotalMiB ?? gpu.memoryTotalMiB ?? undefined} />
      </dl>
    </section>
  );
}

function Metric({ label, value, values, max }: { label: string; value: string; values: (number | null)[]; max?: number | undefined }) {
  return (
    <div className="metric">
      <dt>{label}</dt>
      <dd>
        <span>{value}</span>
        <Sparkline values={values} label={`${label}, recent samples`} {...(max !== undefined ? { max } : {})} />
      </dd>
    </div>
  );
}
