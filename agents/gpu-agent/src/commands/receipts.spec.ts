import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalJson, type Receipt } from '@potluck/protocol';
import { describe, expect, it } from 'vitest';
import { receiptLine, receiptVerifies } from './receipts.js';

const keyIdOf = (key: KeyObject): string => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);

function signed(privateKey: KeyObject, publicKey: KeyObject): Receipt {
  const body = {
    v: 1,
    receiptId: '00000000-0000-4000-8000-000000000001',
    entryId: '00000000-0000-4000-8000-000000000001',
    issuedAt: '2026-11-28T00:00:00.000Z',
    coordinator: 'http://127.0.0.1:3000',
    kind: 'compute',
    state: 'granted',
    userId: '00000000-0000-4000-8000-000000000002',
    handle: 'ada',
    jobId: null,
    jobKind: null,
    attemptId: null,
    agentId: null,
    gpuModels: [],
    tokens: '1000',
    flopsClaimed: null,
    flopsSource: null,
    telemetryBoundFlops: null,
    capped: false,
    flopsGranted: null,
    validation: { status: 'validated', method: 'eval', validationJobId: null, reportedLoss: null, reproducedLoss: null, tolerance: null },
    credit: '1.5',
    energyWh: null,
    reason: 'validated',
  } satisfies Receipt['body'];
  return { body, signature: sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64'), keyId: keyIdOf(publicKey), algorithm: 'Ed25519' };
}

describe('potluck-agent receipts --verify', () => {
  const retired = generateKeyPairSync('ed25519');
  const current = generateKeyPairSync('ed25519');
  const keys = new Map([
    [keyIdOf(retired.publicKey), retired.publicKey],
    [keyIdOf(current.publicKey), current.publicKey],
  ]);

  it('checks each receipt with the key it names, current or retired', () => {
    expect(receiptVerifies(signed(retired.privateKey, retired.publicKey), keys)).toBe(true);
    expect(receiptVerifies(signed(current.privateKey, current.publicKey), keys)).toBe(true);
  });

  it('fails a changed byte, a receipt naming another key, and an unknown key', () => {
    const receipt = signed(retired.privateKey, retired.publicKey);
    expect(receiptVerifies({ ...receipt, body: { ...receipt.body, credit: '1.6' } }, keys)).toBe(false);
    expect(receiptVerifies({ ...receipt, keyId: keyIdOf(current.publicKey) }, keys)).toBe(false);
    expect(receiptVerifies(receipt, new Map([[keyIdOf(current.publicKey), current.publicKey]]))).toBe(false);
  });

  it('marks the line with the signing key or SIGNATURE-INVALID', () => {
    const receipt = signed(current.privateKey, current.publicKey);
    expect(receiptLine(receipt, true)).toContain(`signed:${receipt.keyId}`);
    expect(receiptLine(receipt, false)).toContain('SIGNATURE-INVALID');
    expect(receiptLine(receipt)).not.toContain('signed:');
  });
});
