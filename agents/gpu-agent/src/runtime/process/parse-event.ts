import { ProcessEventSchema, type ProcessEvent } from '@potluck/protocol';

export type ParsedLine = { ok: true; event: ProcessEvent } | { ok: false; reason: string } | { ok: 'blank' };

/** One stdout line of a process command: a JSON object matching `ProcessEventSchema`, or why not. */
export function parseEventLine(line: string): ParsedLine {
  if (line.trim() === '') return { ok: 'blank' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = ProcessEventSchema.safeParse(value);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'not an event' };
}
