import type { FleetAgent, FleetGpu, JobView } from '@potluck/protocol';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock } from '../../components/status';

/** Compares dotted version strings numerically ("8.9" < "12.0"). */
function atLeast(have: string | null, need: string | undefined): boolean {
  if (!need) return true;
  if (!have) return false;
  const a = have.split('.').map(Number);
  const b = need.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The first rule that keeps this job from an agent, in the order the dispatcher checks them (docs/jobs.md). */
function blocker(job: JobView, agent: FleetAgent): string | null {
  const need = job.requirements;
  if (agent.status === 'offline' || agent.status === 'unhealthy') return 'offline or silent';
  if (agent.status === 'paused' || agent.mode === 'paused') return 'paused by its donor';
  if (agent.status === 'draining' || agent.mode === 'draining') return 'draining';
  const free = agent.gpus.filter((gpu) => gpu.availability === 'available');
  if (free.length === 0) return 'no free GPU (busy, paused, yielding or over a cap)';
  const fits = (gpu: FleetGpu) => (gpu.memoryTotalMiB ?? 0) >= need.minVramMiB && atLeast(gpu.computeCapability, need.minComputeCapability);
  if (free.length < need.gpuCount) return `needs ${need.gpuCount} free GPUs, has ${free.length}`;
  if (free.filter(fits).length < need.gpuCount) return need.minVramMiB > 0 ? `no free GPU with ${need.minVramMiB.toLocaleString('en')} MiB VRAM${need.minComputeCapability ? ` and compute capability ${need.minComputeCapability}` : ''}` : 'compute capability too low';
  if (!atLeast(agent.driverVersion, need.minDriverVersion)) return `driver older than ${need.minDriverVersion}`;
  if (!atLeast(agent.cudaVersion, need.minCudaVersion)) return `CUDA older than ${need.minCudaVersion}`;
  return null;
}

/**
 * "Why is this waiting?": checks the job's requirements against the public fleet and says
 * which rule keeps it from each kind of agent. The dispatcher also weighs runtimes, trust and
 * fairness between builders, which the public fleet does not show; this is an explanation,
 * not a promise. Donors see the coordinator's own answer per agent on the Donate page.
 */
export function WhyWaiting({ job }: { job: JobView }) {
  const { client } = useSession();
  const fleet = useAsync(() => client.fleet.list({ limit: 1000 }), [client, job.id]);
  return (
    <section className="card why" aria-labelledby="why-title">
      <h2 id="why-title">Why is this waiting?</h2>
      <AsyncBlock state={fleet} what="the fleet">
        {(page) => {
          if (page.agents.length === 0)
            return (
              <p>
                No agent has ever joined this coordinator, so nothing can run the job. <Link to="/donate">Donate a GPU</Link> to run it.
              </p>
            );
          const reasons = new Map<string, number>();
          let candidates = 0;
          for (const agent of page.agents) {
            const reason = blocker(job, agent);
            if (reason === null) candidates += 1;
            else reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          }
          return (
            <>
              {candidates > 0 ? (
                <p>
                  {candidates} agent{candidates === 1 ? '' : 's'} could take it now; it should start within seconds (jobs of other builders may be ahead of it, and the dispatcher also checks runtime and trust level).
                </p>
              ) : (
                <p>No agent in the fleet can take it right now:</p>
              )}
              <ul>
                {[...reasons].map(([reason, count]) => (
                  <li key={reason}>
                    {count} agent{count === 1 ? '' : 's'}: {reason}
                  </li>
                ))}
              </ul>
            </>
          );
        }}
      </AsyncBlock>
    </section>
  );
}
