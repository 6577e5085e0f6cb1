import type { JobView, WhyNot } from '@potluck/protocol';
import { Link } from '../../app/router';
import { useSession } from '../../app/session';
import { useAsync } from '../../app/use-async';
import { AsyncBlock } from '../../components/status';

/** The matcher's rules in words (docs/jobs.md). */
const RULE_WORDS: Record<WhyNot, string> = {
  'agent-offline': 'offline or silent',
  'agent-paused': 'paused by its donor',
  'agent-draining': 'draining',
  'no-free-gpu': 'no free GPU (busy, paused, yielding or over a cap)',
  'gpu-count': 'too few GPUs',
  vram: 'not enough VRAM',
  'compute-capability': 'compute capability too low',
  driver: 'driver too old',
  cuda: 'CUDA too old',
  runtime: 'runtime not allowed by the donor',
  'process-command': 'process command not approved by the donor',
  trust: 'trust level too low',
  'excluded-donor': 'the donor whose result this job checks',
};

/** MiB figures in the coordinator's detail with thousands separators ("80000 MiB" → "80,000 MiB"). */
function readable(detail: string): string {
  return detail.replace(/\d{4,}/g, (digits) => Number(digits).toLocaleString('en'));
}

/**
 * "Why is this waiting?": the coordinator's own answer (GET /jobs/:id/why): every online
 * agent checked against the job's requirements with the dispatcher's matcher, counted by
 * the rule that keeps it away. Fairness between builders decides the order among jobs that fit.
 */
export function WhyWaiting({ job }: { job: JobView }) {
  const { client } = useSession();
  const why = useAsync(() => client.jobs.why(job.id), [client, job.id]);
  return (
    <section className="card why" aria-labelledby="why-title">
      <h2 id="why-title">Why is this waiting?</h2>
      <AsyncBlock state={why} what="the explanation">
        {(answer) => {
          if (answer.agentsExamined === 0)
            return (
              <p>
                No agent is online, so nothing can run the job. <Link to="/donate">Donate a GPU</Link> to run it.
              </p>
            );
          return (
            <>
              {answer.agentsFitting > 0 ? (
                <p>
                  {answer.agentsFitting} of {answer.agentsExamined} online agent{answer.agentsExamined === 1 ? '' : 's'} could take it now; it starts when the fair order among builders reaches it.
                </p>
              ) : (
                <p>No agent in the fleet can take it right now:</p>
              )}
              <ul>
                {answer.rules.map((rule) => (
                  <li key={rule.rule}>
                    {rule.agents} agent{rule.agents === 1 ? '' : 's'}: {RULE_WORDS[rule.rule]} ({readable(rule.example)})
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
