import { allocate } from './allocate.js';
import type { CreditsConfig } from './config.js';
import { dec, fromUnits, toScaledInteger, toUnits, type DecimalInput } from './decimal.js';
import { CreditsError } from './errors.js';
import type { Count } from './flops.js';

/** What the split needs to know about one dataset. */
export interface DatasetNode {
  /** Who contributed the dataset, weighted by share (any non-negative decimals; normalised here). */
  contributors: readonly { contributorId: string; share: DecimalInput }[];
  /** Datasets it was derived from by a dataset job; weights default to 1 (an equal split). */
  parents: readonly { datasetId: string; weight?: DecimalInput }[];
}

/** Lineage: looks a dataset up (by id, or id and version as the caller keys them); undefined when unknown. */
export type LineageLookup = (datasetId: string) => DatasetNode | undefined;

export interface DataCreditInput {
  /** Compute credit granted to the consuming job. */
  computeCredit: DecimalInput;
  /** Datasets the job consumed and the tokens it took from each (repeats are added up). */
  consumed: readonly { datasetId: string; tokens: Count }[];
  lineage: LineageLookup;
}

export interface DataCreditAllocation {
  contributorId: string;
  /** The dataset this contributor is credited for. */
  datasetId: string;
  /** The dataset the job consumed that led here. */
  consumedDatasetId: string;
  /** Lineage levels above the consumed dataset (0: the consumed dataset itself); the shortest path when several lead here. */
  depth: number;
  /** Credit, plain decimal string. */
  amount: string;
}

export interface DataCreditSplit {
  /** α × compute credit, truncated at 18 places. */
  total: string;
  /** Sorted by consumed dataset, depth, dataset, contributor. */
  allocations: DataCreditAllocation[];
  /** Credit per contributor, summed over allocations. */
  byContributor: Record<string, string>;
  /** Credit that found no contributor (an unknown dataset, or one without contributors or parents). */
  unallocated: string;
}

const SHARE_SCALE = 18;

/**
 * Data credit of one granted job (CREDITS.md "Data credit"):
 * 1. total = α × compute credit, truncated at 18 places;
 * 2. split across the consumed datasets by tokens consumed;
 * 3. at each dataset: when it has parents (and the depth limit is not reached), the
 *    parent share goes up to the parents (split by their weights), the rest to its own
 *    contributors by share; recursively, lineage being a DAG.
 * Every split is exact in units of 10^-18 (largest remainder, ties by id), so the
 * allocations plus `unallocated` always sum to `total`. A dataset with parents but no
 * contributors passes everything up; a cycle is cut where it closes.
 */
export function splitDataCredit(input: DataCreditInput, config: CreditsConfig): DataCreditSplit {
  const totalUnits = toUnits(dec(input.computeCredit).mul(config.dataCreditAlpha));
  if (totalUnits < 0n) throw new CreditsError('invalid_input', 'compute credit must be non-negative');
  const parentShare = toScaledInteger(dec(config.lineageParentShare).toDecimalPlaces(SHARE_SCALE, 1), SHARE_SCALE);
  const shareDenominator = 10n ** BigInt(SHARE_SCALE);

  const tokens = new Map<string, bigint>();
  for (const { datasetId, tokens: count } of input.consumed) {
    const value = typeof count === 'bigint' ? count : Number.isSafeInteger(count) && count >= 0 ? BigInt(count) : -1n;
    if (value < 0n) throw new CreditsError('invalid_input', `tokens of ${datasetId} must be a non-negative integer`);
    tokens.set(datasetId, (tokens.get(datasetId) ?? 0n) + value);
  }

  const allocations = new Map<string, { allocation: Omit<DataCreditAllocation, 'amount'>; units: bigint }>();
  let unallocated = 0n;
  const credit = (allocation: Omit<DataCreditAllocation, 'amount'>, units: bigint) => {
    if (units === 0n) return;
    const key = JSON.stringify([allocation.consumedDatasetId, allocation.datasetId, allocation.contributorId]);
    const existing = allocations.get(key);
    if (existing) {
      existing.units += units;
      existing.allocation.depth = Math.min(existing.allocation.depth, allocation.depth);
    } else allocations.set(key, { allocation: { ...allocation }, units });
  };

  const distribute = (datasetId: string, units: bigint, consumedDatasetId: string, path: readonly string[]): void => {
    if (units === 0n) return;
    const node = input.lineage(datasetId);
    if (!node) {
      unallocated += units;
      return;
    }
    const depth = path.length - 1;
    const contributors = new Map<string, DecimalInput>();
    for (const { contributorId, share } of node.contributors) {
      contributors.set(contributorId, dec(contributors.get(contributorId) ?? 0).add(dec(share)));
    }
    const hasContributors = [...contributors.values()].some((share) => dec(share).gt(0));
    const parents = new Map<string, DecimalInput>();
    if (depth < config.lineageMaxDepth) {
      for (const { datasetId: parentId, weight } of node.parents) {
        if (path.includes(parentId)) continue;
        parents.set(parentId, dec(parents.get(parentId) ?? 0).add(dec(weight ?? 1)));
      }
    }
    const hasParents = [...parents.values()].some((weight) => dec(weight).gt(0));
    const upUnits = !hasParents ? 0n : hasContributors ? (units * parentShare) / shareDenominator : units;
    const ownUnits = units - upUnits;
    if (ownUnits > 0n) {
      if (hasContributors) {
        for (const [contributorId, part] of allocate(ownUnits, contributors)) credit({ contributorId, datasetId, consumedDatasetId, depth }, part);
      } else unallocated += ownUnits;
    }
    if (upUnits > 0n) {
      for (const [parentId, part] of allocate(upUnits, parents)) distribute(parentId, part, consumedDatasetId, [...path, parentId]);
    }
  };

  const positive = new Map([...tokens].filter(([, count]) => count > 0n).map(([id, count]) => [id, count.toString()] as const));
  if (positive.size === 0) unallocated += totalUnits;
  else for (const [datasetId, part] of allocate(totalUnits, positive)) distribute(datasetId, part, datasetId, [datasetId]);

  const sorted = [...allocations.values()].sort((a, b) => compareAllocations(a.allocation, b.allocation));
  const byContributor = new Map<string, bigint>();
  for (const { allocation, units } of sorted) byContributor.set(allocation.contributorId, (byContributor.get(allocation.contributorId) ?? 0n) + units);
  return {
    total: fromUnits(totalUnits),
    allocations: sorted.map(({ allocation, units }) => ({ ...allocation, amount: fromUnits(units) })),
    byContributor: Object.fromEntries([...byContributor].sort(([a], [b]) => compareStrings(a, b)).map(([id, units]) => [id, fromUnits(units)])),
    unallocated: fromUnits(unallocated),
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareAllocations(a: Omit<DataCreditAllocation, 'amount'>, b: Omit<DataCreditAllocation, 'amount'>): number {
  return (
    compareStrings(a.consumedDatasetId, b.consumedDatasetId) ||
    a.depth - b.depth ||
    compareStrings(a.datasetId, b.datasetId) ||
    compareStrings(a.contributorId, b.contributorId)
  );
}

/** A lineage lookup over a plain record of nodes. */
export function lineageFromRecord(nodes: Readonly<Record<string, DatasetNode>>): LineageLookup {
  return (datasetId) => (Object.hasOwn(nodes, datasetId) ? nodes[datasetId] : undefined);
}
