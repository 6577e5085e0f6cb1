/** Canonical JSON of receipt bodies lives in the protocol library (the agent verifies receipts too). */
export { canonicalJson } from '@potluck/protocol';
