/**
 * Dataset rows in their three forms, typed from the protocol schemas, and the parser of
 * one JSONL line. The form is decided by the row's keys exactly as the upload does:
 * `messages` → chat, `prompt` or `completion` → instruction, `text` → text.
 */
import { ChatRowSchema, InstructionRowSchema, TextRowSchema, type DatasetForm } from '@potluck/protocol';
import type { z } from 'zod';
import { DatasetTransformError } from './errors.js';

export type ChatRow = z.infer<typeof ChatRowSchema>;
export type ChatMessage = ChatRow['messages'][number];
export type InstructionRow = z.infer<typeof InstructionRowSchema>;
export type TextRow = z.infer<typeof TextRowSchema>;
/** A row of any form (unknown keys are stripped by the schemas). */
export type Row = ChatRow | InstructionRow | TextRow;

/** A row together with its form, narrowed so a `switch` on `form` types `row`. */
export type FormedRow = { form: 'chat'; row: ChatRow } | { form: 'instruction'; row: InstructionRow } | { form: 'text'; row: TextRow };

export type ParsedRow = { ok: true; row: Row; form: DatasetForm } | { ok: false; error: string };

/** Parses one JSONL line (a trailing `\r` is ignored) into a schema-valid row and its form. */
export function parseRow(line: string): ParsedRow {
  let value: unknown;
  try {
    value = JSON.parse(line.endsWith('\r') ? line.slice(0, -1) : line);
  } catch (error) {
    return { ok: false, error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'a row must be a JSON object' };
  if ('messages' in value) return fromSchema(ChatRowSchema.safeParse(value), 'chat');
  if ('prompt' in value || 'completion' in value) return fromSchema(InstructionRowSchema.safeParse(value), 'instruction');
  if ('text' in value) return fromSchema(TextRowSchema.safeParse(value), 'text');
  return { ok: false, error: 'a row needs "messages" (chat), "prompt" and "completion" (instruction), or "text"' };
}

type SafeParse<T> = { success: true; data: T } | { success: false; error: z.ZodError };

function fromSchema<T extends Row>(result: SafeParse<T>, form: DatasetForm): ParsedRow {
  if (result.success) return { ok: true, row: result.data, form };
  const issues = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || 'row'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: `${form} row: ${issues}` };
}

/** Pairs a row with its form, checking that its shape is that form's. */
export function withForm(row: Row, form: DatasetForm): FormedRow {
  switch (form) {
    case 'chat':
      if ('messages' in row) return { form, row };
      break;
    case 'instruction':
      if ('prompt' in row) return { form, row };
      break;
    case 'text':
      if ('text' in row) return { form, row };
      break;
  }
  throw new DatasetTransformError('form_mismatch', `the row pushed as ${form} is not in ${form} form`);
}
