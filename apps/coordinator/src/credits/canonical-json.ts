/**
 * Canonical JSON of a receipt body: object keys sorted by UTF-16 code units at every level,
 * no whitespace, arrays in order, strings and numbers as JSON.stringify writes them. The
 * same function is in scripts/verify-receipt.mjs, so verification needs no coordinator.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError('canonical JSON has no representation for undefined or functions');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
