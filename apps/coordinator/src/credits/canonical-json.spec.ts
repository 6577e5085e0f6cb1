import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { keyIdOf } from './receipt-signer.js';

describe('canonical JSON of receipts', () => {
  it('sorts keys at every level, keeps array order, drops undefined, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 'é' }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,{"y":"é","z":1}]},"b":1}');
  });

  it('is what scripts/verify-receipt.mjs checks: valid as signed, invalid when one byte changes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const body = { v: 1, credit: '0.000005935104', handle: 'ada', nested: { b: 2, a: 1 } };
    const receipt = { body, signature: sign(null, Buffer.from(canonicalJson(body)), privateKey).toString('base64'), keyId: keyIdOf(publicKey), algorithm: 'Ed25519' };
    const dir = mkdtempSync(join(tmpdir(), 'receipt-'));
    writeFileSync(join(dir, 'key.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const run = (value: unknown) => {
      writeFileSync(join(dir, 'r.json'), JSON.stringify(value, null, 2));
      try {
        return { status: 0, out: execFileSync(process.execPath, ['scripts/verify-receipt.mjs', join(dir, 'r.json'), join(dir, 'key.pem')], { encoding: 'utf8' }) };
      } catch (error) {
        return { status: (error as { status: number }).status, out: String((error as { stdout: string }).stdout) };
      }
    };
    expect(run(receipt)).toMatchObject({ status: 0, out: expect.stringMatching(/^VALID/) });
    expect(run({ ...receipt, body: { ...body, credit: '0.000005935105' } })).toMatchObject({ status: 1, out: expect.stringMatching(/^INVALID/) });
  });
});
