import type { JobView } from '@potluck/protocol';
import { Badge } from '../../components/controls';

const tone: Record<JobView['status'], string> = { queued: 'muted', running: 'info', succeeded: 'good', failed: 'bad', cancelled: 'warn' };

export function JobStatusBadge({ status }: { status: JobView['status'] }) {
  return <Badge tone={tone[status]}>{status}</Badge>;
}

/** A short description of what a job does. */
export function jobTitle(job: JobView): string {
  const spec = job.spec;
  switch (spec.kind) {
    case 'fine-tune':
      return `${spec.method} fine-tune of ${spec.baseModel}`;
    case 'eval':
      return `eval of ${spec.baseModel}${spec.adapterFromJob ? ' + adapter' : ''}`;
    case 'dataset':
      return `${spec.transform.operation} → ${spec.outputName}`;
    case 'pipeline':
      return `pipeline of ${spec.steps.length} step${spec.steps.length === 1 ? '' : 's'}`;
  }
}
