/**
 * Dataset rows the trainer accepts (the three JSONL forms) and the training template
 * that turns a row into one token sequence with a loss mask.
 *
 * Template (bytes shown as text, ⟨BOS⟩/⟨EOS⟩ are special tokens):
 *   chat         ⟨BOS⟩ "<role>: <content>\n" for each message ... ⟨EOS⟩
 *   instruction  same as chat with [user: prompt, assistant: completion]
 *   text         ⟨BOS⟩ "<text>" ⟨EOS⟩
 * With `lossOn: 'completion'`, only the content of assistant messages, the "\n" after
 * each of them and the final ⟨EOS⟩ (when the last message is the assistant's) are
 * scored; text rows are scored everywhere. With `lossOn: 'all'` every target is.
 */
import { z } from 'zod';
import { BOS, EOS, byteLength, encode } from './tokenizer.js';

export const ChatMessageSchema = z.object({ role: z.string().min(1), content: z.string() });
export const ChatRowSchema = z.object({ messages: z.array(ChatMessageSchema).min(1) });
export const InstructionRowSchema = z.object({ prompt: z.string(), completion: z.string() });
export const TextRowSchema = z.object({ text: z.string() });
/** One dataset row in chat, instruction or plain-text form (extra fields are ignored). */
export const DatasetRowSchema = z.union([ChatRowSchema, InstructionRowSchema, TextRowSchema]);

export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type DatasetRow = z.infer<typeof DatasetRowSchema>;
export type LossOn = 'completion' | 'all';

/** A formatted row: tokens and, per token, whether predicting it counts toward the loss. */
export interface FormattedExample {
  readonly tokens: Uint16Array;
  /** mask[i] = 1 when token i is a scored target (mask[0] is always 0: nothing predicts BOS). */
  readonly mask: Uint8Array;
}

/** The role the loss is computed on in `completion` mode. */
export const ASSISTANT_ROLE = 'assistant';

/** The chat messages a row stands for (instruction rows become user + assistant); null for text rows. */
export function messagesOf(row: DatasetRow): ChatMessage[] | null {
  if ('messages' in row) return row.messages;
  if ('prompt' in row) return [{ role: 'user', content: row.prompt }, { role: ASSISTANT_ROLE, content: row.completion }];
  return null;
}

function textOf(row: DatasetRow): string {
  return 'text' in row ? row.text : '';
}

/** Formats a row into one training sequence with the documented template. */
export function formatExample(row: DatasetRow, lossOn: LossOn = 'completion'): FormattedExample {
  const tokens: number[] = [BOS];
  const mask: number[] = [0];
  const push = (ids: number[], scored: boolean): void => {
    for (const id of ids) {
      tokens.push(id);
      mask.push(scored || lossOn === 'all' ? 1 : 0);
    }
  };
  const messages = messagesOf(row);
  if (messages === null) {
    push(encode(textOf(row)), true);
    push([EOS], true);
  } else {
    for (const message of messages) {
      const scored = message.role === ASSISTANT_ROLE;
      push(encode(`${message.role}: `), false);
      push(encode(`${message.content}\n`), scored);
    }
    push([EOS], messages[messages.length - 1]?.role === ASSISTANT_ROLE);
  }
  return { tokens: Uint16Array.from(tokens), mask: Uint8Array.from(mask) };
}

/** Exact token count of a row under the template (BOS and EOS included). */
export function countTokens(row: DatasetRow): number {
  const messages = messagesOf(row);
  if (messages === null) return byteLength(textOf(row)) + 2;
  let n = 2;
  for (const m of messages) n += byteLength(`${m.role}: ${m.content}\n`);
  return n;
}

/** Token estimate for raw text of `bytes` UTF-8 bytes (exact for a text row: bytes + BOS + EOS). */
export function estimateTokens(bytes: number): number {
  return bytes + 2;
}
