import type { AttemptView, JobView } from '@potluck/protocol';
import { formatTime } from '../../lib/format';

interface Event {
  at: string;
  text: string;
  tone: string;
}

/** Submitted → each attempt started / ended → finished, in time order. */
export function Timeline({ job, attempts }: { job: JobView; attempts: AttemptView[] }) {
  const events: Event[] = [{ at: job.createdAt, text: 'Submitted and queued', tone: 'muted' }];
  for (const attempt of attempts) {
    events.push({
      at: attempt.startedAt,
      text: `Attempt ${attempt.attemptNo} started on ${attempt.agentName} (donor ${attempt.donorHandle})${attempt.resumedFromStep !== null ? `, resuming from step ${attempt.resumedFromStep}` : ''}`,
      tone: 'info',
    });
    if (attempt.endedAt) events.push({ at: attempt.endedAt, text: `Attempt ${attempt.attemptNo} ${attempt.status}${attempt.endReason ? `: ${attempt.endReason}` : ''}`, tone: attempt.status === 'succeeded' ? 'good' : attempt.status === 'cancelled' ? 'warn' : 'bad' });
  }
  if (job.finishedAt) events.push({ at: job.finishedAt, text: `Job ${job.status}`, tone: job.status === 'succeeded' ? 'good' : job.status === 'cancelled' ? 'warn' : 'bad' });
  else if (job.status === 'running') events.push({ at: new Date().toISOString(), text: 'Running now', tone: 'info' });
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <ol className="timeline">
      {events.map((event, index) => (
        <li key={`${event.at}-${index}`} className={`timeline-${event.tone}`}>
          <time dateTime={event.at}>{formatTime(event.at)}</time> {event.text}
        </li>
      ))}
    </ol>
  );
}
