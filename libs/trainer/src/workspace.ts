/** Activation caches and gradient scratch for one window, allocated once per network shape. */
import type { Network } from './network.js';

export interface BlockCache {
  readonly n1: Float64Array;
  readonly inv1: Float64Array;
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;
  readonly uq: Float64Array;
  readonly uk: Float64Array;
  readonly uv: Float64Array;
  readonly p: Float64Array;
  readonly att: Float64Array;
  readonly uo: Float64Array;
  readonly n2: Float64Array;
  readonly inv2: Float64Array;
  readonly act: Float64Array;
  readonly uup: Float64Array;
  readonly udown: Float64Array;
}

export interface Workspace {
  readonly blocks: readonly BlockCache[];
  readonly x: Float64Array;
  readonly tmp: Float64Array;
  readonly nf: Float64Array;
  readonly invf: Float64Array;
  readonly nfSel: Float64Array;
  readonly uhead: Float64Array;
  readonly logits: Float64Array;
  readonly selected: Int32Array;
  readonly selectedTargets: Int32Array;
  readonly dx: Float64Array;
  readonly dn: Float64Array;
  readonly dnf: Float64Array;
  readonly dnfSel: Float64Array;
  readonly dq: Float64Array;
  readonly dk: Float64Array;
  readonly dv: Float64Array;
  readonly datt: Float64Array;
  readonly dact: Float64Array;
  readonly dp: Float64Array;
  readonly g: Float64Array;
  /** Positions in the current window and how many of them are scored. */
  rows: number;
  scored: number;
}

export function createWorkspace(net: Network): Workspace {
  const { contextLength: c, dModel: d, ffDim: f, vocabSize: v, heads } = net.arch;
  const r = Math.max(1, net.rank);
  const cd = (): Float64Array => new Float64Array(c * d);
  const cr = (): Float64Array => new Float64Array(c * r);
  return {
    blocks: net.blocks.map(() => ({
      n1: cd(),
      inv1: new Float64Array(c),
      q: cd(),
      k: cd(),
      v: cd(),
      uq: cr(),
      uk: cr(),
      uv: cr(),
      p: new Float64Array(heads * c * c),
      att: cd(),
      uo: cr(),
      n2: cd(),
      inv2: new Float64Array(c),
      act: new Float64Array(c * f),
      uup: cr(),
      udown: cr(),
    })),
    x: cd(),
    tmp: cd(),
    nf: cd(),
    invf: new Float64Array(c),
    nfSel: cd(),
    uhead: cr(),
    logits: new Float64Array(c * v),
    selected: new Int32Array(c),
    selectedTargets: new Int32Array(c),
    dx: cd(),
    dn: cd(),
    dnf: cd(),
    dnfSel: cd(),
    dq: cd(),
    dk: cd(),
    dv: cd(),
    datt: cd(),
    dact: new Float64Array(c * f),
    dp: new Float64Array(c),
    g: cr(),
    rows: 0,
    scored: 0,
  };
}
