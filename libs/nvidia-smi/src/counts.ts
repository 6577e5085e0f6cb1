import { int } from './values.js';

/** A non-negative integer (index, pid, instance id) or `null`: what the model's integer fields accept. */
export function count(raw: string | null | undefined): number | null {
  const value = int(raw);
  return value !== null && value >= 0 && Number.isSafeInteger(value) ? value : null;
}

/** A compute capability such as `8.9`, or `null` when the text is not one. */
export function computeCapability(raw: string | null | undefined): string | null {
  const value = raw?.trim();
  return value && /^\d{1,2}\.\d{1,2}$/.test(value) ? value : null;
}
