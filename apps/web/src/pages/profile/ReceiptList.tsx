import type { Receipt, ReceiptVerification } from '@potluck/protocol';
import { useState } from 'react';
import { useSession } from '../../app/session';
import { Badge } from '../../components/controls';
import { Empty } from '../../components/status';
import { describeError } from '../../lib/errors';
import { formatCredit, formatTime, shortId } from '../../lib/format';

/** Itemised, signed receipts; each can be checked against the coordinator's key. */
export function ReceiptList({ receipts }: { receipts: Receipt[] }) {
  if (receipts.length === 0) return <Empty>No receipts yet.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Issued</th>
            <th scope="col">Kind</th>
            <th scope="col">Job</th>
            <th scope="col">Validation</th>
            <th scope="col" className="num">
              Credit
            </th>
            <th scope="col">Signature</th>
          </tr>
        </thead>
        <tbody>
          {receipts.map((receipt) => (
            <ReceiptLine key={receipt.body.receiptId} receipt={receipt} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReceiptLine({ receipt }: { receipt: Receipt }) {
  const { client } = useSession();
  const [check, setCheck] = useState<ReceiptVerification | string | null>(null);
  const body = receipt.body;
  const verify = () => {
    setCheck('checking…');
    client.receipts.verify(receipt).then(setCheck, (error: unknown) => setCheck(describeError(error)));
  };
  return (
    <tr>
      <td>{formatTime(body.issuedAt)}</td>
      <td>
        {body.kind}
        {body.state === 'revoked' && <Badge tone="bad">revoked</Badge>}
      </td>
      <td>{body.jobId ? <code title={body.jobId}>{shortId(body.jobId)}</code> : '—'}</td>
      <td title={body.validation.method}>{body.validation.status}</td>
      <td className="num">
        {body.state === 'revoked' ? '−' : ''}
        {formatCredit(body.credit)}
      </td>
      <td>
        {check === null ? (
          <button type="button" onClick={verify}>
            Verify
          </button>
        ) : typeof check === 'string' ? (
          check
        ) : check.valid ? (
          <Badge tone="good">valid ({check.keyId})</Badge>
        ) : (
          <Badge tone="bad">invalid: {check.reason ?? 'unknown'}</Badge>
        )}
      </td>
    </tr>
  );
}
