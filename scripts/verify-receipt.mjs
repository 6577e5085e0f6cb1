#!/usr/bin/env node
// Verifies a Potluck credit receipt offline, with node:crypto only (docs/credits.md, "Receipts").
//
//   node scripts/verify-receipt.mjs receipt.json public-keys.json  (the body of GET /api/v1/credits/public-keys)
//   node scripts/verify-receipt.mjs receipt.json public-key.json   (the body of GET /api/v1/credits/public-key)
//   node scripts/verify-receipt.mjs receipt.json public-key.pem    (one or more SPKI PEM blocks)
//
// The receipt names its signing key (`keyId`: base64url SHA-256 of the key's SPKI DER, first 16
// characters); the key with that id is picked from the file, so receipts signed before a key
// rotation verify with the retired key the coordinator still lists.
//
// Exit status: 0 valid, 1 invalid (bad signature or no key with the receipt's id), 2 usage or unreadable input.
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
  process.stderr.write('usage: node scripts/verify-receipt.mjs <receipt.json> <public-keys.json|public-key.json|public-key.pem>\n');
  process.exit(2);
}
const keyIdOf = (key) => createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 16);

/** Every public key in the file: a key set ({ keys: [...] }), one key ({ publicKeyPem }), or PEM blocks. */
function keysIn(text) {
  if (text.trimStart().startsWith('{')) {
    const json = JSON.parse(text);
    const entries = Array.isArray(json.keys) ? json.keys : [json];
    return entries.map((entry) => createPublicKey(entry.publicKeyPem));
  }
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [text];
  return blocks.map((block) => createPublicKey(block));
}

let receipt;
let keys;
try {
  receipt = JSON.parse(readFileSync(receiptFile, 'utf8'));
  keys = keysIn(readFileSync(keyFile, 'utf8'));
} catch (error) {
  process.stderr.write(`verify-receipt: ${error.message}\n`);
  process.exit(2);
}
if (!receipt || typeof receipt !== 'object' || typeof receipt.signature !== 'string' || typeof receipt.body !== 'object') {
  process.stderr.write('verify-receipt: not a receipt (expected { body, signature, keyId, algorithm })\n');
  process.exit(2);
}
const publicKey = keys.find((key) => keyIdOf(key) === receipt.keyId);
if (!publicKey) {
  process.stdout.write(`INVALID: the receipt names key ${receipt.keyId}, not among the keys given (${keys.map(keyIdOf).join(', ')})\n`);
  process.exit(1);
}
const ok = verify(null, Buffer.from(canonicalJson(receipt.body), 'utf8'), publicKey, Buffer.from(receipt.signature, 'base64'));
if (!ok) {
  process.stdout.write('INVALID: the signature does not match the receipt body\n');
  process.exit(1);
}
const b = receipt.body;
process.stdout.write(`VALID: ${b.state} ${b.credit} ${b.kind} credit to ${b.handle} (job ${b.jobId ?? '-'}, attempt ${b.attemptId ?? '-'}), issued ${b.issuedAt} by ${b.coordinator}, key ${receipt.keyId}\n`);
