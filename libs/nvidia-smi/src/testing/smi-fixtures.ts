/**
 * Test access to the real nvidia-smi outputs in `<repo root>/../shared/fixtures/nvidia-smi`
 * (CI clones the repository with `shared/` beside it).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GpuInventorySchema, type GpuInventory } from '@potluck/protocol';
import type { ParseResult } from '../types.js';

export const SMI_FIXTURES_DIR = fileURLToPath(new URL('../../../../../shared/fixtures/nvidia-smi/', import.meta.url));

/** The file names of one fixture folder (`csv`, `table`, …), sorted. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(`${SMI_FIXTURES_DIR}${folder}`).sort();
}

/** The text of `folder/name`. */
export function readFixture(folder: string, name: string): string {
  return readFileSync(`${SMI_FIXTURES_DIR}${folder}/${name}`, 'utf8');
}

/** The inventory of a successful result, validated against the protocol schema; throws otherwise. */
export function inventoryOf(result: ParseResult): GpuInventory {
  if (!result.ok) throw new Error(`expected an inventory, got ${result.error.code}: ${result.error.message}`);
  return GpuInventorySchema.parse(result.inventory);
}

/** True when a NaN or an infinite number hides anywhere in `value`. */
export function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFiniteNumber);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNonFiniteNumber);
  return false;
}
