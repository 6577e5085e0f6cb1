/**
 * Conversion rules between the three row forms.
 *
 *   chat → instruction   the last message must be the assistant's: it becomes the
 *                        completion. The messages before it become the prompt: a lone
 *                        user message verbatim, otherwise "role: content" lines joined
 *                        with "\n" (the trainer's template). Rows without an assistant
 *                        message, or with messages after the last one, are dropped.
 *   instruction → chat   [user: prompt, assistant: completion].
 *   any → text           text = rowText(row) (one way).
 *   text → chat | instruction   refused with `unconvertible_form`: plain text has no
 *                        speakers or prompt/completion boundary to recover, and
 *                        inventing one would silently change what a model learns.
 *   same form            the row unchanged.
 *
 * instruction → chat → instruction and [user, assistant] chat → instruction → chat are
 * lossless. A converted row that breaks its form's schema (empty text, prompt over
 * 1,000,000 characters, …) is dropped as `invalid-output`.
 */
import { ChatRowSchema, InstructionRowSchema, TextRowSchema, type DatasetForm } from '@potluck/protocol';
import { DatasetTransformError } from './errors.js';
import { rowText } from './row-text.js';
import type { ChatMessage, FormedRow, InstructionRow, Row } from './rows.js';
import type { DropReason } from './transform.js';

export type Conversion = { ok: true; row: Row } | { ok: false; reason: DropReason };

/** Why rows of form `from` can never become form `to`; null when they can. */
export function conversionError(from: DatasetForm, to: DatasetForm): string | null {
  if (from === 'text' && to !== 'text') {
    return `text rows cannot be converted to ${to}: plain text has no speakers or prompt/completion boundary to recover`;
  }
  return null;
}

/** Converts one row to form `to` by the rules above. */
export function convertRow(input: FormedRow, to: DatasetForm): Conversion {
  if (input.form === to) return { ok: true, row: input.row };
  switch (to) {
    case 'text':
      return validated(TextRowSchema.safeParse({ text: rowText(input.row) }));
    case 'chat':
      if (input.form !== 'instruction') break;
      return validated(ChatRowSchema.safeParse({ messages: [{ role: 'user', content: input.row.prompt }, { role: 'assistant', content: input.row.completion }] }));
    case 'instruction': {
      if (input.form !== 'chat') break;
      const converted = chatToInstruction(input.row.messages);
      return 'reason' in converted ? { ok: false, reason: converted.reason } : validated(InstructionRowSchema.safeParse(converted));
    }
  }
  throw new DatasetTransformError('unconvertible_form', conversionError(input.form, to) ?? `${input.form} rows cannot be converted to ${to}`);
}

function chatToInstruction(messages: readonly ChatMessage[]): InstructionRow | { reason: DropReason } {
  const last = messages.findLastIndex((message) => message.role === 'assistant');
  if (last === -1) return { reason: 'no-assistant-message' };
  if (last !== messages.length - 1) return { reason: 'messages-after-assistant' };
  const before = messages.slice(0, last);
  const only = before.length === 1 ? before[0] : undefined;
  const prompt = only?.role === 'user' ? only.content : before.map((message) => `${message.role}: ${message.content}`).join('\n');
  return { prompt, completion: messages[last]?.content ?? '' };
}

function validated(result: { success: true; data: Row } | { success: false }): Conversion {
  return result.success ? { ok: true, row: result.data } : { ok: false, reason: 'invalid-output' };
}
