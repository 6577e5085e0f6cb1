/**
 * Driver and CUDA version strings. Driver 610 appends a deprecation note to the old
 * fields (`610.57.04 [Deprecated; will be removed in CUDA 14.0. Use KMD Version instead]`)
 * and adds `KMD Version` / `CUDA UMD Version`; old drivers print `Not Found` or `N/A`
 * when there is no CUDA.
 */
import { text } from './values.js';

const VERSION = /^(\d+(?:\.\d+)*)(?=$|[\s[(])/;

/** The leading dotted version number of `raw` (`"610.57.04 [Deprecated…]"` → `"610.57.04"`), else `null`. */
export function versionText(raw: string | null | undefined): string | null {
  const value = text(raw);
  if (value === null) return null;
  return VERSION.exec(value)?.[1] ?? null;
}

/** The first of `candidates` (newest field name first) that holds a version. */
export function firstVersion(...candidates: readonly (string | null | undefined)[]): string | null {
  for (const candidate of candidates) {
    const version = versionText(candidate);
    if (version !== null) return version;
  }
  return null;
}
