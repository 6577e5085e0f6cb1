import { AgentStatusSchema, type AgentStatus, type FleetAgent, type FleetAgentSamples, type FleetChanges, type FleetPage as FleetPageData, type FleetSummary, type TelemetrySample } from '@potluck/protocol';
import { useCallback, useRef, useState } from 'react';
import { useRouter, withQuery } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { Choice, Pager } from '../../components/controls';
import { AsyncBlock, Empty } from '../../components/status';
import { formatInteger, formatMiB, formatNumber } from '../../lib/format';
import { useLiveFleet } from '../../lib/live';
import { AgentCard } from './AgentCard';

const PAGE_SIZE = 48;
/** Samples kept per GPU for the sparklines (one per live push). */
const HISTORY = 40;

const statusOptions: { value: AgentStatus | ''; label: string }[] = [{ value: '', label: 'Any state' }, ...AgentStatusSchema.options.map((value) => ({ value, label: value }))];

export type History = ReadonlyMap<string, readonly TelemetrySample[]>;

/** The latest sample of each of these agents' GPUs that has one. */
function latestOf(agents: readonly FleetAgent[]): TelemetrySample[] {
  return agents.flatMap((agent) => agent.gpus.flatMap((gpu) => (gpu.latest ? [gpu.latest] : [])));
}

/** The agent with an update's latest samples on the GPUs they belong to, and its new last-seen time. */
function withSamples(agent: FleetAgent, update: FleetAgentSamples): FleetAgent {
  const bySample = new Map(update.latest.map((sample) => [sample.gpuUuid, sample]));
  return { ...agent, lastSeenAt: update.lastSeenAt, gpus: agent.gpus.map((gpu) => ({ ...gpu, latest: bySample.get(gpu.deviceId) ?? gpu.latest })) };
}

/** Every donated GPU as a card with live telemetry, state and reason; totals on top. */
export function FleetPage() {
  const { location, navigate } = useRouter();
  const { client, user } = useSession();
  const parsedStatus = AgentStatusSchema.safeParse(location.query.get('status'));
  const status: AgentStatus | '' = parsedStatus.success ? parsedStatus.data : '';
  const gpu = location.query.get('gpu') ?? '';
  const mine = location.query.get('mine') === 'true';
  const offset = Math.max(0, Number(location.query.get('offset') ?? 0) || 0);
  const [gpuText, setGpuText] = useState(gpu);

  const history = useRef(new Map<string, TelemetrySample[]>());
  const [, setVersion] = useState(0);
  const [live, setLive] = useState<{ agents: Map<string, FleetAgent>; summary: FleetSummary | null }>({ agents: new Map(), summary: null });

  const remember = useCallback((samples: readonly TelemetrySample[]) => {
    for (const sample of samples) {
      const list = history.current.get(sample.gpuUuid) ?? [];
      if (list.at(-1)?.at !== sample.at) list.push(sample);
      if (list.length > HISTORY) list.splice(0, list.length - HISTORY);
      history.current.set(sample.gpuUuid, list);
    }
  }, []);

  const page = useAsync(async () => {
    const result = await client.fleet.list({ limit: PAGE_SIZE, offset, ...(status ? { status } : {}), ...(gpu ? { gpu } : {}), ...(mine ? { mine } : {}) });
    remember(latestOf(result.agents));
    setLive({ agents: new Map(), summary: null });
    return result;
  }, [client, status, gpu, mine, offset]);

  // Pushes carry changes of the whole fleet; only those of agents on the page shown are kept.
  const onPage = useRef(new Map<string, FleetAgent>());
  onPage.current = new Map(page.data?.agents.map((agent) => [agent.id, agent]) ?? []);
  const onChanges = useCallback(
    (changes: FleetChanges) => {
      const shown = changes.agents.filter((agent) => onPage.current.has(agent.id));
      const sampled = changes.samples.filter((update) => onPage.current.has(update.agentId));
      remember([...latestOf(shown), ...sampled.flatMap((update) => update.latest)]);
      setLive((previous) => {
        const agents = new Map(previous.agents);
        for (const agent of shown) agents.set(agent.id, agent);
        for (const update of sampled) {
          const agent = agents.get(update.agentId) ?? onPage.current.get(update.agentId);
          if (agent) agents.set(agent.id, withSamples(agent, update));
        }
        return { agents, summary: changes.summary ?? previous.summary };
      });
      setVersion((v) => v + 1);
    },
    [remember],
  );
  const liveStatus = useLiveFleet(onChanges);

  const go = (changes: Record<string, string | undefined>) => navigate(withQuery('/fleet', { status: status || undefined, gpu: gpu || undefined, mine: mine ? 'true' : undefined, offset: undefined, ...changes }), { replace: true });

  return (
    <section className="page">
      <h1>Fleet</h1>
      <p className="lede">
        Every donated GPU, live. <span className={`live live-${liveStatus}`}>{liveStatus === 'live' ? '● Live updates on' : liveStatus === 'connecting' ? 'Connecting to live updates…' : 'Live updates off; reconnecting…'}</span>
      </p>
      <form
        className="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          go({ gpu: gpuText.trim() || undefined });
        }}
      >
        <Choice label="State" value={status} options={statusOptions} onChange={(value) => go({ status: value || undefined })} />
        <div className="field">
          <label htmlFor="fleet-gpu">GPU model</label>
          <input id="fleet-gpu" type="search" value={gpuText} placeholder="4090, H100…" onChange={(event) => setGpuText(event.target.value)} onBlur={() => gpuText !== gpu && go({ gpu: gpuText.trim() || undefined })} />
        </div>
        {user && (
          <label className="check">
            <input type="checkbox" checked={mine} onChange={(event) => go({ mine: event.target.checked ? 'true' : undefined })} /> Only my agents
          </label>
        )}
      </form>
      <AsyncBlock state={page} what="the fleet">
        {(data) => <FleetView data={data} live={live} history={history.current} offset={offset} onOffset={(next) => go({ offset: next ? String(next) : undefined })} />}
      </AsyncBlock>
    </section>
  );
}

function FleetView({ data, live, history, offset, onOffset }: { data: FleetPageData; live: { agents: Map<string, FleetAgent>; summary: FleetSummary | null }; history: History; offset: number; onOffset: (offset: number) => void }) {
  const agents = data.agents.map((agent) => live.agents.get(agent.id) ?? agent);
  const summary = live.summary ?? data.summary;
  return (
    <>
      <Totals summary={summary} />
      {agents.length === 0 ? (
        <Empty>{data.total === 0 ? 'No agent matches. Donate a GPU to start the fleet: see the Donate page.' : 'No agent on this page.'}</Empty>
      ) : (
        <ul className="agent-grid" aria-label="Agents">
          {agents.map((agent) => (
            <li key={agent.id}>
              <AgentCard agent={agent} history={history} />
            </li>
          ))}
        </ul>
      )}
      {data.total > PAGE_SIZE && (
        <Pager
          label={`Agents ${formatInteger(offset + 1)}–${formatInteger(Math.min(offset + PAGE_SIZE, data.total))} of ${formatInteger(data.total)}`}
          hasPrevious={offset > 0}
          hasNext={offset + PAGE_SIZE < data.total}
          onPrevious={() => onOffset(Math.max(0, offset - PAGE_SIZE))}
          onNext={() => onOffset(offset + PAGE_SIZE)}
        />
      )}
    </>
  );
}

function Totals({ summary }: { summary: FleetSummary }) {
  return (
    <dl className="stats" aria-label="Fleet totals">
      <div>
        <dt>Agents online</dt>
        <dd>{formatInteger(summary.agentsOnline)}</dd>
      </div>
      <div>
        <dt>GPUs online</dt>
        <dd>{formatInteger(summary.gpusOnline)}</dd>
      </div>
      <div>
        <dt>GPUs available for jobs</dt>
        <dd>{formatInteger(summary.gpusAvailable)}</dd>
      </div>
      <div>
        <dt>VRAM online</dt>
        <dd>{formatMiB(summary.vramOnlineMiB)}</dd>
      </div>
      <div>
        <dt>TFLOPS available</dt>
        <dd title="Peak dense BF16 TFLOPS of the available GPUs">{formatNumber(summary.tflopsAvailable)}</dd>
      </div>
      <div>
        <dt>Power draw</dt>
        <dd>{formatNumber(summary.powerDrawW)} W</dd>
      </div>
    </dl>
  );
}
