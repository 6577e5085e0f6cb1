import type { JobResult } from '@potluck/protocol';

/** One line about a finished job, for the agent's log. */
export function describeResult(result: JobResult): string {
  switch (result.kind) {
    case 'fine-tune':
      return `held-out loss ${result.heldOutLoss.toFixed(3)} (base ${result.baseHeldOutLoss.toFixed(3)})`;
    case 'eval':
      return `eval loss ${result.loss.toFixed(3)} on ${result.rows} ${result.split} rows (perplexity ${result.perplexity.toFixed(2)}${result.tokenAccuracy === null ? '' : `, token accuracy ${(100 * result.tokenAccuracy).toFixed(1)} %`})`;
    case 'dataset':
      return `${result.rowsIn} rows in, ${result.rowsOut} out (${result.dropped} dropped)`;
    case 'noop':
      return 'nothing to do (noop)';
  }
}
