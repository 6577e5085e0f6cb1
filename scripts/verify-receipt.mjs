#!/usr/bin/env node
// Verifies a Potluck credit receipt offline, with node:crypto only (docs/credits.md, "Receipts").
//
//   node scripts/verify-receipt.mjs receipt.json public-key.pem
//   node scripts/verify-receipt.mjs receipt.json public-key.json   (the body of GET /api/v1/credits/public-key)
//
// Exit status: 0 valid, 1 invalid (bad signature or another key), 2 usage or unreadable input.
import { createPublicKey, createHash, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Keys sorted at every level, no whitespace: the bytes the coordinator signed. */
function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

const [receiptFile, keyFile] = process.argv.slice(2);
if (!receiptFile || !keyFile) {
  process.stderr.write('usage: node scripts/verify-receipt.mjs <receipt.json> <public-key.pem|public-key.json>\n');
  process.exit(2);
}
let receipt;
let publicKey;
try {
  receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
  const keyText = readFileSync(keyFile, 'utf8');
  publicKey = createPublicKey(keyText.trimStart().startsWith('{') ? JSON.parse(keyText).publicKeyPem : keyText);
} catch (error) {
  process.stderr.write(`verify-receipt: ${error.message}\n`);
  process.exit(2);
}
if (!receipt || typeof receipt !== 'object' || typeof receipt.signature !== 'string' || typeof receipt.body !== 'object') {
  process.stderr.write('verify-receipt: not a receipt (expected { body, signature, keyId, algorithm })\n');
  process.exit(2);
}
const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);
if (receipt.keyId !== keyId) {
  process.stdout.write(`INVALID: the receipt names key ${receipt.keyId}, this public key is ${keyId}\n`);
  process.exit(1);
}
const ok = verify(null, Buffer.from(canonicalJson(receipt.body), 'utf8'), publicKey, Buffer.from(receipt.signature, 'base64'));
if (!ok) {
  process.stdout.write('INVALID: the signature does not match the receipt body\n');
  process.exit(1);
}
const b = receipt.body;
process.stdout.write(`VALID: ${b.state} ${b.credit} ${b.kind} credit to ${b.handle} (job ${b.jobId ?? '-'}, attempt ${b.attemptId ?? '-'}), issued ${b.issuedAt} by ${b.coordinator}\n`);
