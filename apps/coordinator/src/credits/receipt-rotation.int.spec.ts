import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PotluckClient } from '@potluck/sdk';
import type { Receipt } from '@potluck/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecondApp, startTestApp, type SecondApp, type TestApp } from '../testing/test-app.js';
import { uniqueId } from '../testing/test-database.js';

/**
 * Rotating the receipt key: the coordinator restarts with a new key on the same database. A
 * receipt saved before still verifies (with the retired key, which stays listed), the same
 * receipt fetched again is signed with the new key, and a changed byte fails under either.
 */
const pem = (): string => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let before: TestApp;
let after: SecondApp;
let afterClient: PotluckClient;
let saved: Receipt;
const dir = mkdtempSync(join(tmpdir(), 'receipt-rotation-'));

function verifyOffline(receipt: unknown, keyFile: string): { status: number; out: string } {
  writeFileSync(join(dir, 'receipt.json'), JSON.stringify(receipt));
  try {
    return { status: 0, out: execFileSync(process.execPath, ['scripts/verify-receipt.mjs', join(dir, 'receipt.json'), keyFile], { encoding: 'utf8' }) };
  } catch (error) {
    return { status: (error as { status: number }).status, out: String((error as { stdout: string }).stdout) };
  }
}

/** The receipt with one character of its reason changed. */
function flipped(receipt: Receipt): Receipt {
  const reason = receipt.body.reason;
  return { ...receipt, body: { ...receipt.body, reason: `${reason.slice(0, -1)}${reason.endsWith('x') ? 'y' : 'x'}` } };
}

beforeAll(async () => {
  before = await startTestApp({ POTLUCK_RECEIPT_PRIVATE_KEY: pem() });
  const me = await before.admin.me();
  const entry = await before.prisma.creditLedgerEntry.create({
    data: { idempotencyKey: uniqueId('rotation:'), userId: me.id, kind: 'COMPUTE', state: 'GRANTED', amount: '1.25', reason: 'granted before the rotation', inputs: { tokens: '1000' } },
  });
  saved = await before.anonymous.receipts.get(entry.id);
  // The rotation: a coordinator with a new key on the same database (in production: replace the key, restart).
  after = await startSecondApp(before, { POTLUCK_RECEIPT_PRIVATE_KEY: pem() });
  afterClient = new PotluckClient({ baseUrl: after.baseUrl });
});

afterAll(async () => {
  await after.close();
  await before.close();
});

describe('receipt key rotation', () => {
  it('lists the new key as current and the old one as retired', async () => {
    const keys = await afterClient.credits.publicKeys();
    const current = await afterClient.credits.publicKey();
    expect(keys.current).toBe(current.keyId);
    expect(current.keyId).not.toBe(saved.keyId);
    expect(keys.keys.map((key) => [key.keyId, key.status]).sort()).toEqual([[current.keyId, 'current'], [saved.keyId, 'retired']].sort());
  });

  it('a receipt signed before the rotation still verifies on the coordinator; a changed byte does not', async () => {
    expect(await afterClient.receipts.verify(saved)).toEqual({ valid: true, keyId: saved.keyId, reason: null });
    expect(await afterClient.receipts.verify(flipped(saved))).toEqual({ valid: false, keyId: saved.keyId, reason: 'bad-signature' });
    expect(await afterClient.receipts.verify({ ...saved, keyId: 'AAAAAAAAAAAAAAAA' })).toMatchObject({ valid: false, reason: 'unknown-key' });
  });

  it('the same receipt fetched again is signed with the new key: same body, both verify', async () => {
    const again = await afterClient.receipts.get(saved.body.receiptId);
    expect(again.body).toEqual(saved.body);
    expect(again.keyId).toBe((await afterClient.credits.publicKey()).keyId);
    expect((await afterClient.receipts.verify(again)).valid).toBe(true);
  });

  it('verifies offline with the key set (scripts/verify-receipt.mjs picks the key by id), not with the new key alone', async () => {
    writeFileSync(join(dir, 'keys.json'), JSON.stringify(await afterClient.credits.publicKeys()));
    writeFileSync(join(dir, 'current.json'), JSON.stringify(await afterClient.credits.publicKey()));
    const again = await afterClient.receipts.get(saved.body.receiptId);
    expect(verifyOffline(saved, join(dir, 'keys.json'))).toMatchObject({ status: 0, out: expect.stringMatching(new RegExp(`^VALID: .*key ${saved.keyId}`)) });
    expect(verifyOffline(again, join(dir, 'keys.json'))).toMatchObject({ status: 0, out: expect.stringMatching(/^VALID/) });
    expect(verifyOffline(flipped(saved), join(dir, 'keys.json'))).toMatchObject({ status: 1, out: expect.stringMatching(/^INVALID: the signature/) });
    expect(verifyOffline(saved, join(dir, 'current.json'))).toMatchObject({ status: 1, out: expect.stringMatching(/^INVALID: the receipt names key/) });
  });
});
