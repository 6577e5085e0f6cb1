import type { KindTotals } from '@potluck/protocol';
import { formatCredit } from '../lib/format';

/** Credit per kind as a definition list. */
export function KindTotalsList({ totals, label }: { totals: KindTotals; label: string }) {
  return (
    <dl className="totals" aria-label={label}>
      <div>
        <dt>Total</dt>
        <dd>{formatCredit(totals.total)}</dd>
      </div>
      <div>
        <dt>Compute</dt>
        <dd>{formatCredit(totals.compute)}</dd>
      </div>
      <div>
        <dt>Data</dt>
        <dd>{formatCredit(totals.data)}</dd>
      </div>
      <div>
        <dt>Validation</dt>
        <dd>{formatCredit(totals.validation)}</dd>
      </div>
    </dl>
  );
}
