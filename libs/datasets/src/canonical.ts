/**
 * Canonical and output serializations of a row. Both write keys in one fixed order, so
 * the same row gives the same text whatever the key order of its input line.
 */
import type { Row } from './rows.js';

/** The identity dedupe and shard hash: sorted keys, strings trimmed at both ends. */
export function canonicalKey(row: Row): string {
  if ('messages' in row) {
    return JSON.stringify({ messages: row.messages.map((message) => ({ content: message.content.trim(), role: message.role })) });
  }
  if ('prompt' in row) return JSON.stringify({ completion: row.completion.trim(), prompt: row.prompt.trim() });
  return JSON.stringify({ text: row.text.trim() });
}

/** One output JSONL line (without the newline): the row as is, keys in schema order. */
export function formatRow(row: Row): string {
  if ('messages' in row) return JSON.stringify({ messages: row.messages.map((message) => ({ role: message.role, content: message.content })) });
  if ('prompt' in row) return JSON.stringify({ prompt: row.prompt, completion: row.completion });
  return JSON.stringify({ text: row.text });
}
