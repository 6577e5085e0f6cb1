import { describe, expect, it } from 'vitest';
import { DEFAULT_CREDITS_CONFIG as config, parseCreditsConfig } from './config.js';
import { splitDataCredit, lineageFromRecord, type DatasetNode } from './data-credit.js';
import { Dec } from './decimal.js';

/**
 * raw-a (alice 2 : bob 1) ─┐
 *                          ├─ merged (dave) ── filtered (erin)
 * raw-b (carol) ───────────┘
 */
const lineage: Record<string, DatasetNode> = {
  'raw-a': { contributors: [{ contributorId: 'alice', share: 2 }, { contributorId: 'bob', share: 1 }], parents: [] },
  'raw-b': { contributors: [{ contributorId: 'carol', share: '1' }], parents: [] },
  merged: { contributors: [{ contributorId: 'dave', share: 1 }], parents: [{ datasetId: 'raw-a' }, { datasetId: 'raw-b' }] },
  filtered: { contributors: [{ contributorId: 'erin', share: 1 }], parents: [{ datasetId: 'merged' }] },
};

const sum = (amounts: string[]) => amounts.reduce((total, amount) => total.add(amount), new Dec(0)).toFixed();

describe('splitDataCredit', () => {
  it('splits α × credit by tokens, then two levels up the lineage, exactly', () => {
    const split = splitDataCredit(
      { computeCredit: '1', consumed: [{ datasetId: 'filtered', tokens: 3000 }, { datasetId: 'raw-b', tokens: 1000 }], lineage: lineageFromRecord(lineage) },
      config,
    );
    expect(split.total).toBe('0.1');
    expect(split.unallocated).toBe('0');
    expect(split.allocations).toEqual([
      { consumedDatasetId: 'filtered', depth: 0, datasetId: 'filtered', contributorId: 'erin', amount: '0.0375' },
      { consumedDatasetId: 'filtered', depth: 1, datasetId: 'merged', contributorId: 'dave', amount: '0.01875' },
      { consumedDatasetId: 'filtered', depth: 2, datasetId: 'raw-a', contributorId: 'alice', amount: '0.00625' },
      { consumedDatasetId: 'filtered', depth: 2, datasetId: 'raw-a', contributorId: 'bob', amount: '0.003125' },
      { consumedDatasetId: 'filtered', depth: 2, datasetId: 'raw-b', contributorId: 'carol', amount: '0.009375' },
      { consumedDatasetId: 'raw-b', depth: 0, datasetId: 'raw-b', contributorId: 'carol', amount: '0.025' },
    ]);
    expect(split.byContributor).toEqual({ alice: '0.00625', bob: '0.003125', carol: '0.034375', dave: '0.01875', erin: '0.0375' });
    expect(sum(Object.values(split.byContributor))).toBe(split.total);
  });

  it.each<[string, string, Record<string, string>]>([
    // 0.1 × 0.000005939060736 = 0.0000005939060736: erin ½, dave ¼, raw-a and raw-b ⅛ each (alice ⅔ of it, bob ⅓)
    ['a tiny fine-tune', '0.000005939060736', { alice: '0.0000000494921728', bob: '0.0000000247460864', carol: '0.0000000742382592', dave: '0.0000001484765184', erin: '0.0000002969530368' }],
    // 7 units of 10^-18: erin 7 − ⌊3.5⌋ = 4, dave 3 − ⌊1.5⌋ = 2, the last unit to raw-a (tie by id), there to alice (larger remainder)
    ['amounts at the last decimal place', '0.00000000000000007', { alice: '0.000000000000000001', bob: '0', carol: '0', dave: '0.000000000000000002', erin: '0.000000000000000004' }],
  ])('%s: every unit lands somewhere', (_name, computeCredit, byContributor) => {
    const split = splitDataCredit({ computeCredit, consumed: [{ datasetId: 'filtered', tokens: 1 }], lineage: lineageFromRecord(lineage) }, config);
    expect(split.byContributor).toEqual(Object.fromEntries(Object.entries(byContributor).filter(([, amount]) => amount !== '0')));
    expect(sum([...Object.values(split.byContributor), split.unallocated])).toBe(split.total);
  });

  it('gives leftover units by largest remainder, ties in id order', () => {
    const flat = lineageFromRecord({
      b: { contributors: [{ contributorId: 'B', share: 1 }], parents: [] },
      a: { contributors: [{ contributorId: 'A', share: 1 }], parents: [] },
      c: { contributors: [{ contributorId: 'C', share: 1 }], parents: [] },
    });
    const consumed = ['c', 'b', 'a'].map((datasetId) => ({ datasetId, tokens: 10 }));
    const split = splitDataCredit({ computeCredit: '0.00000000000000007', consumed, lineage: flat }, config);
    expect(split.byContributor).toEqual({ A: '0.000000000000000003', B: '0.000000000000000002', C: '0.000000000000000002' });
  });

  it('stops at the depth limit: the last dataset keeps what reaches it', () => {
    const shallow = parseCreditsConfig({ lineageMaxDepth: 1 });
    const split = splitDataCredit({ computeCredit: '1', consumed: [{ datasetId: 'filtered', tokens: 1 }], lineage: lineageFromRecord(lineage) }, shallow);
    expect(split.byContributor).toEqual({ dave: '0.05', erin: '0.05' });
  });

  it('uses the configured parent share and α', () => {
    const custom = parseCreditsConfig({ dataCreditAlpha: '0.2', lineageParentShare: '0.25' });
    const split = splitDataCredit({ computeCredit: '1', consumed: [{ datasetId: 'merged', tokens: 1 }], lineage: lineageFromRecord(lineage) }, custom);
    expect(split.byContributor).toEqual({ alice: '0.016666666666666667', bob: '0.008333333333333333', carol: '0.025', dave: '0.15' });
  });

  it('passes everything up from a derived dataset without contributors, and counts what finds nobody', () => {
    const orphaned = lineageFromRecord({
      ...lineage,
      anonymous: { contributors: [], parents: [{ datasetId: 'raw-b' }] },
      lost: { contributors: [], parents: [] },
    });
    const consumed = [
      { datasetId: 'anonymous', tokens: 1 },
      { datasetId: 'lost', tokens: 1 },
      { datasetId: 'unknown', tokens: 2 },
      { datasetId: 'raw-a', tokens: 0 },
    ];
    const split = splitDataCredit({ computeCredit: '1', consumed, lineage: orphaned }, config);
    expect(split.byContributor).toEqual({ carol: '0.025' });
    expect(split.unallocated).toBe('0.075');
  });

  it('cuts a lineage cycle where it closes', () => {
    const cyclic = lineageFromRecord({
      x: { contributors: [{ contributorId: 'X', share: 1 }], parents: [{ datasetId: 'y' }] },
      y: { contributors: [{ contributorId: 'Y', share: 1 }], parents: [{ datasetId: 'x' }] },
    });
    const split = splitDataCredit({ computeCredit: '1', consumed: [{ datasetId: 'x', tokens: 1 }], lineage: cyclic }, config);
    expect(split.byContributor).toEqual({ X: '0.05', Y: '0.05' });
  });

  it('adds up repeated datasets and credits nothing without tokens', () => {
    const split = splitDataCredit(
      { computeCredit: '2', consumed: [{ datasetId: 'raw-b', tokens: 1 }, { datasetId: 'raw-b', tokens: 1 }], lineage: lineageFromRecord(lineage) },
      config,
    );
    expect(split.byContributor).toEqual({ carol: '0.2' });
    const none = splitDataCredit({ computeCredit: '2', consumed: [], lineage: lineageFromRecord(lineage) }, config);
    expect(none).toEqual({ total: '0.2', allocations: [], byContributor: {}, unallocated: '0.2' });
  });

  it('always sums to the total over random lineages', () => {
    let state = 12345;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let round = 0; round < 50; round++) {
      const nodes: Record<string, DatasetNode> = {};
      for (let i = 0; i < 8; i++) {
        const parents = [...Array(i).keys()].filter(() => random() < 0.3).map((p) => ({ datasetId: `d${p}`, weight: Math.floor(random() * 5) + 1 }));
        const contributors = [...Array(Math.floor(random() * 4)).keys()].map((c) => ({ contributorId: `u${(i + c) % 5}`, share: (random() * 10).toFixed(3) }));
        nodes[`d${i}`] = { contributors, parents };
      }
      const consumed = [...Array(3).keys()].map(() => ({ datasetId: `d${Math.floor(random() * 8)}`, tokens: Math.floor(random() * 1e6) + 1 }));
      const computeCredit = (random() * 100).toFixed(15);
      const split = splitDataCredit({ computeCredit, consumed, lineage: lineageFromRecord(nodes) }, config);
      expect(sum([...split.allocations.map((a) => a.amount), split.unallocated])).toBe(split.total);
      expect(sum([...Object.values(split.byContributor), split.unallocated])).toBe(split.total);
    }
  });
});
