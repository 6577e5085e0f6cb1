/**
 * Value normalisation shared by every format: placeholders become `null`, units are
 * stripped and converted, and a number is never `NaN`.
 */

const PLACEHOLDER = /^\[?\s*(n\/a|not supported|unknown error|requested functionality has been deprecated|insufficient permissions|not available|gpu requires reset|unknown)\s*\]?$/i;

/** True for every form nvidia-smi uses for "no value": `N/A`, `[N/A]`, `[Not Supported]`, `ERR!`, empty, … */
export function isPlaceholder(raw: string | null | undefined): boolean {
  if (raw === null || raw === undefined) return true;
  const text = raw.trim();
  if (text === '' || text === '-' || text === 'ERR!' || text === '[ERR!]') return true;
  return PLACEHOLDER.test(text);
}

/** Trimmed text, or `null` for a placeholder. */
export function text(raw: string | null | undefined): string | null {
  return isPlaceholder(raw) ? null : (raw as string).trim();
}

const NUMBER_WITH_UNIT = /^([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*([A-Za-z%°]*)/;

/** Multipliers into the canonical unit of each family. */
const UNIT_FACTORS: Record<string, number> = {
  '': 1,
  '%': 1,
  c: 1,
  '°c': 1,
  w: 1,
  mw: 0.001,
  kw: 1000,
  mhz: 1,
  ghz: 1000,
  khz: 0.001,
  mib: 1,
  kib: 1 / 1024,
  gib: 1024,
  mb: 1,
  kb: 1 / 1024,
  gb: 1024,
  b: 1 / (1024 * 1024),
  bytes: 1 / (1024 * 1024),
  v: 1,
  mv: 0.001,
  rpm: 1,
};

/**
 * Parses `"1234 MiB"`, `"45 %"`, `"250.00 W"`, `"67 C"`, `"1410 MHz"` or a bare number
 * into a finite number in the canonical unit (MiB, %, W, °C, MHz). Placeholders and
 * anything unparseable give `null`.
 */
export function num(raw: string | null | undefined): number | null {
  if (isPlaceholder(raw)) return null;
  const match = NUMBER_WITH_UNIT.exec((raw as string).trim());
  if (!match) return null;
  const value = Number(match[1]);
  const factor = UNIT_FACTORS[(match[2] ?? '').toLowerCase()];
  if (factor === undefined || !Number.isFinite(value)) return null;
  const result = value * factor;
  return Number.isFinite(result) ? result : null;
}

/** An integer (index, pid, count); `null` for placeholders or non-integers. */
export function int(raw: string | null | undefined): number | null {
  const value = num(raw);
  return value !== null && Number.isInteger(value) ? value : null;
}

/** `Enabled`/`Disabled` (and `On`/`Off`, `Yes`/`No`) as a boolean; anything else `null`. */
export function bool(raw: string | null | undefined): boolean | null {
  const value = text(raw)?.toLowerCase();
  if (value === 'enabled' || value === 'on' || value === 'yes' || value === 'true') return true;
  if (value === 'disabled' || value === 'off' || value === 'no' || value === 'false') return false;
  return null;
}

/** Normalises a PCI bus id to `DDDDDDDD:BB:DD.F`, upper-case (drivers print 4 or 8 domain digits). */
export function busId(raw: string | null | undefined): string | null {
  const value = text(raw);
  if (value === null) return null;
  const match = /^(?:([0-9a-f]{1,8}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-9a-f])$/i.exec(value);
  if (!match) return value.toUpperCase();
  const domain = (match[1] ?? '0').padStart(8, '0');
  return `${domain}:${match[2]}:${match[3]}.${match[4]}`.toUpperCase();
}
