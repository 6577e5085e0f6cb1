import { z } from 'zod';
import { DEFAULT_CREDITS_CONFIG, type CreditsConfig } from './config.js';
import { CreditsError } from './errors.js';

/** Arithmetic a job runs in: plain FP32, TF32 tensor cores, FP16 or BF16 tensor cores. */
export const PrecisionSchema = z.enum(['fp32', 'tf32', 'fp16', 'bf16']);
export type Precision = z.infer<typeof PrecisionSchema>;

/** One row of the reference table; TFLOPS, dense (no 2:4 sparsity), at boost clock. */
export interface GpuPeakEntry {
  model: string;
  architecture: 'kepler' | 'maxwell' | 'pascal' | 'volta' | 'turing' | 'ampere' | 'ada' | 'hopper' | 'blackwell';
  /** Normalised names that mean this model (see `normaliseGpuName`). */
  names: readonly string[];
  fp32: number;
  /** Absent where the GPU has no such path: the job then runs at the FP32 rate. */
  tf32?: number;
  fp16?: number;
  bf16?: number;
}

type Arch = GpuPeakEntry['architecture'];
const gpu = (architecture: Arch, model: string, names: string[], fp32: number, tensor: { tf32?: number; fp16?: number; bf16?: number } = {}): GpuPeakEntry => ({
  model,
  architecture,
  names,
  fp32,
  ...tensor,
});
/** Ampere and later: TF32, FP16 and BF16 tensor rates (BF16 = FP16 on every such part). */
const tc = (tf32: number, fp16: number) => ({ tf32, fp16, bf16: fp16 });

/*
 * Sources (public spec sheets and architecture whitepapers; sparse figures halved):
 * - Data centre: the NVIDIA datasheets of Tesla K40, K80 (board figure ÷ 2 GPUs), M40, M60
 *   (÷ 2), P4, P40, P100 (PCIe, SXM2), V100 (PCIe, SXM2, V100S), T4, A100 (40/80 GB, PCIe and
 *   SXM4: 19.5 / 156 / 312), A10, A30, A40, L4, L40, L40S, H100 (SXM5 67 / 494.5 / 989.5,
 *   PCIe 51 / 378 / 756.5, NVL 60 / 417.5 / 835.5), H200 (SXM, NVL), GH200, HGX B200
 *   (8-GPU figures ÷ 8) and GB200 NVL72 (÷ 72).
 * - Professional: the Quadro RTX, RTX A4000/A5000/A6000 and RTX 6000 Ada datasheets
 *   ("Tensor Performance" there is sparse: halved).
 * - GeForce: CUDA cores × 2 × boost clock from NVIDIA's product pages for Kepler–Pascal;
 *   the Turing, GA102 (Ampere), AD102 (Ada) and GB202 (Blackwell) whitepapers' appendix
 *   tables for Turing and later, Founders Edition clocks. GeForce tensor cores run FP16
 *   and BF16 with FP32 accumulate (what training uses) at half the FP16-accumulate rate,
 *   and TF32 at the FP32 CUDA-core rate; the table holds the FP32-accumulate figures.
 * - A10G: no NVIDIA datasheet; the figures commonly quoted for AWS EC2 G5 (approximate).
 */
export const GPU_PEAKS: readonly GpuPeakEntry[] = [
  // Kepler
  gpu('kepler', 'Tesla K40', ['k40', 'k40c', 'k40m', 'k40s', 'k40t', 'k40st'], 5.04),
  gpu('kepler', 'Tesla K80', ['k80'], 4.37),
  gpu('kepler', 'GeForce GTX 780', ['gtx 780'], 4.0),
  gpu('kepler', 'GeForce GTX 780 Ti', ['gtx 780 ti'], 5.35),
  gpu('kepler', 'GeForce GTX TITAN', ['gtx titan'], 4.71),
  gpu('kepler', 'GeForce GTX TITAN Black', ['gtx titan black'], 5.65),
  // Maxwell
  gpu('maxwell', 'Tesla M40', ['m40'], 7.0),
  gpu('maxwell', 'Tesla M60', ['m60'], 4.82),
  gpu('maxwell', 'GeForce GTX 970', ['gtx 970'], 3.92),
  gpu('maxwell', 'GeForce GTX 980', ['gtx 980'], 4.98),
  gpu('maxwell', 'GeForce GTX 980 Ti', ['gtx 980 ti'], 6.06),
  gpu('maxwell', 'GeForce GTX TITAN X', ['gtx titan x'], 6.6),
  // Pascal
  gpu('pascal', 'Tesla P4', ['p4'], 5.5),
  gpu('pascal', 'Tesla P40', ['p40'], 12.0),
  gpu('pascal', 'Tesla P100 PCIe', ['p100 pcie'], 9.3, { fp16: 18.7 }),
  gpu('pascal', 'Tesla P100 SXM2', ['p100 sxm2', 'p100'], 10.6, { fp16: 21.2 }),
  gpu('pascal', 'GeForce GTX 1060', ['gtx 1060'], 4.37),
  gpu('pascal', 'GeForce GTX 1070', ['gtx 1070'], 6.46),
  gpu('pascal', 'GeForce GTX 1070 Ti', ['gtx 1070 ti'], 8.19),
  gpu('pascal', 'GeForce GTX 1080', ['gtx 1080'], 8.87),
  gpu('pascal', 'GeForce GTX 1080 Ti', ['gtx 1080 ti'], 11.34),
  gpu('pascal', 'TITAN X (Pascal)', ['titan x pascal'], 10.97),
  gpu('pascal', 'TITAN Xp', ['titan xp'], 12.15),
  // Volta
  gpu('volta', 'Tesla V100 PCIe', ['v100 pcie'], 14.0, { fp16: 112 }),
  gpu('volta', 'Tesla V100 SXM2', ['v100 sxm2', 'v100'], 15.7, { fp16: 125 }),
  gpu('volta', 'Tesla V100S / V100 SXM3', ['v100s pcie', 'v100s', 'v100 sxm3'], 16.4, { fp16: 130 }),
  gpu('volta', 'TITAN V', ['titan v'], 14.9, { fp16: 110 }),
  // Turing
  gpu('turing', 'Tesla T4', ['t4'], 8.1, { fp16: 65 }),
  gpu('turing', 'GeForce GTX 1650', ['gtx 1650'], 3.0),
  gpu('turing', 'GeForce GTX 1660', ['gtx 1660'], 5.0),
  gpu('turing', 'GeForce GTX 1660 SUPER', ['gtx 1660 super'], 5.0),
  gpu('turing', 'GeForce GTX 1660 Ti', ['gtx 1660 ti'], 5.4),
  gpu('turing', 'GeForce RTX 2060', ['rtx 2060'], 6.5, { fp16: 25.8 }),
  gpu('turing', 'GeForce RTX 2060 SUPER', ['rtx 2060 super'], 7.2, { fp16: 28.7 }),
  gpu('turing', 'GeForce RTX 2070', ['rtx 2070'], 7.9, { fp16: 31.5 }),
  gpu('turing', 'GeForce RTX 2070 SUPER', ['rtx 2070 super'], 9.1, { fp16: 36.3 }),
  gpu('turing', 'GeForce RTX 2080', ['rtx 2080'], 10.6, { fp16: 42.4 }),
  gpu('turing', 'GeForce RTX 2080 SUPER', ['rtx 2080 super'], 11.2, { fp16: 44.6 }),
  gpu('turing', 'GeForce RTX 2080 Ti', ['rtx 2080 ti'], 14.2, { fp16: 56.9 }),
  gpu('turing', 'TITAN RTX', ['titan rtx'], 16.3, { fp16: 130.5 }),
  gpu('turing', 'Quadro RTX 4000', ['rtx 4000'], 7.1, { fp16: 57 }),
  gpu('turing', 'Quadro RTX 5000', ['rtx 5000'], 11.2, { fp16: 89.2 }),
  gpu('turing', 'Quadro RTX 6000 / 8000', ['rtx 6000', 'rtx 8000'], 16.3, { fp16: 130.5 }),
  // Ampere
  gpu('ampere', 'A100', ['a100', 'a100 sxm4', 'a100 sxm', 'a100 pcie', 'a100 pcie4'], 19.5, tc(156, 312)),
  gpu('ampere', 'A30', ['a30'], 10.3, tc(82, 165)),
  gpu('ampere', 'A10', ['a10'], 31.2, tc(62.5, 125)),
  gpu('ampere', 'A10G', ['a10g'], 31.2, tc(35, 70)),
  gpu('ampere', 'A40', ['a40'], 37.4, tc(74.8, 149.7)),
  gpu('ampere', 'RTX A4000', ['rtx a4000'], 19.2, tc(38.4, 76.7)),
  gpu('ampere', 'RTX A5000', ['rtx a5000'], 27.8, tc(55.6, 111.1)),
  gpu('ampere', 'RTX A6000', ['rtx a6000'], 38.7, tc(77.4, 154.8)),
  gpu('ampere', 'GeForce RTX 3060', ['rtx 3060'], 12.7, tc(12.7, 25.5)),
  gpu('ampere', 'GeForce RTX 3060 Ti', ['rtx 3060 ti'], 16.2, tc(16.2, 32.4)),
  gpu('ampere', 'GeForce RTX 3070', ['rtx 3070'], 20.3, tc(20.3, 40.6)),
  gpu('ampere', 'GeForce RTX 3070 Ti', ['rtx 3070 ti'], 21.7, tc(21.7, 43.5)),
  gpu('ampere', 'GeForce RTX 3080', ['rtx 3080'], 29.8, tc(29.8, 59.5)),
  gpu('ampere', 'GeForce RTX 3080 Ti', ['rtx 3080 ti'], 34.1, tc(34.1, 68.2)),
  gpu('ampere', 'GeForce RTX 3090', ['rtx 3090'], 35.6, tc(35.6, 71)),
  gpu('ampere', 'GeForce RTX 3090 Ti', ['rtx 3090 ti'], 40.0, tc(40.0, 80)),
  // Ada Lovelace
  gpu('ada', 'L4', ['l4'], 30.3, tc(60, 121)),
  gpu('ada', 'L40', ['l40'], 90.5, tc(90.5, 181)),
  gpu('ada', 'L40S', ['l40s'], 91.6, tc(183, 362)),
  gpu('ada', 'RTX 6000 Ada Generation', ['rtx 6000 ada generation', 'rtx 6000 ada'], 91.1, tc(182.1, 364.2)),
  gpu('ada', 'GeForce RTX 4060', ['rtx 4060'], 15.1, tc(15.1, 30.2)),
  gpu('ada', 'GeForce RTX 4060 Ti', ['rtx 4060 ti'], 22.1, tc(22.1, 44.1)),
  gpu('ada', 'GeForce RTX 4070', ['rtx 4070'], 29.1, tc(29.1, 58.3)),
  gpu('ada', 'GeForce RTX 4070 SUPER', ['rtx 4070 super'], 35.5, tc(35.5, 71)),
  gpu('ada', 'GeForce RTX 4070 Ti', ['rtx 4070 ti'], 40.1, tc(40.1, 80.2)),
  gpu('ada', 'GeForce RTX 4070 Ti SUPER', ['rtx 4070 ti super'], 44.1, tc(44.1, 88.2)),
  gpu('ada', 'GeForce RTX 4080', ['rtx 4080'], 48.7, tc(48.7, 97.5)),
  gpu('ada', 'GeForce RTX 4080 SUPER', ['rtx 4080 super'], 52.2, tc(52.2, 104.4)),
  gpu('ada', 'GeForce RTX 4090', ['rtx 4090'], 82.6, tc(82.6, 165.2)),
  // Hopper
  gpu('hopper', 'H100 SXM5', ['h100', 'h100 sxm5', 'h100 sxm'], 67, tc(494.5, 989.5)),
  gpu('hopper', 'H100 PCIe', ['h100 pcie'], 51, tc(378, 756.5)),
  gpu('hopper', 'H100 NVL', ['h100 nvl'], 60, tc(417.5, 835.5)),
  gpu('hopper', 'H200 SXM', ['h200', 'h200 sxm'], 67, tc(494.5, 989.5)),
  gpu('hopper', 'H200 NVL', ['h200 nvl'], 60, tc(417.5, 835.5)),
  gpu('hopper', 'GH200', ['gh200'], 67, tc(494.5, 989.5)),
  // Blackwell
  gpu('blackwell', 'B200', ['b200'], 75, tc(1125, 2250)),
  gpu('blackwell', 'GB200', ['gb200'], 80, tc(1250, 2500)),
  gpu('blackwell', 'GeForce RTX 5070', ['rtx 5070'], 30.9, tc(30.9, 61.7)),
  gpu('blackwell', 'GeForce RTX 5070 Ti', ['rtx 5070 ti'], 43.9, tc(43.9, 87.9)),
  gpu('blackwell', 'GeForce RTX 5080', ['rtx 5080'], 56.3, tc(56.3, 112.6)),
  gpu('blackwell', 'GeForce RTX 5090', ['rtx 5090'], 104.8, tc(104.8, 209.5)),
];

/** Words that carry no model information: vendor and brand, memory sizes, memory type, MIG profiles. */
const NOISE = /^(nvidia|geforce|tesla|quadro|mig|hbm\d?e?|\d+(g|gb)|\d+c|\d+g\d+gb)$/;

/**
 * Lower-case words of a GPU name without vendor, brand and memory size:
 * `NVIDIA GeForce RTX 4090` → `rtx 4090`, `Tesla V100-SXM2-16GB` → `v100 sxm2`,
 * `NVIDIA H100 80GB HBM3` → `h100`, `NVIDIA A100-SXM4-40GB MIG 3g.20gb` → `a100 sxm4`.
 */
export function normaliseGpuName(name: string): string {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0 && !NOISE.test(word))
    .join(' ');
}

const BY_NAME: ReadonlyMap<string, GpuPeakEntry> = new Map(GPU_PEAKS.flatMap((entry) => entry.names.map((name) => [name, entry] as const)));

/** The table row for a GPU name, or null when the model is unknown (laptop parts included). */
export function findGpuPeak(name: string): GpuPeakEntry | null {
  return BY_NAME.get(normaliseGpuName(name)) ?? null;
}

/** Peak of one table row for a precision in FLOPS; a missing path runs at the FP32 rate. */
export function entryPeakFlops(entry: GpuPeakEntry, precision: Precision): number {
  const tflops = Math.max(entry.fp32, entry[precision] ?? entry.fp32);
  return Math.round(tflops * 1000) * 1e9;
}

export interface PeakFlops {
  /** Peak dense FLOPS for the precision, times the SM fraction (rounded down to a whole FLOPS). */
  flops: number;
  /** True when the model is not in the table and the configured fallback was used. */
  fallback: boolean;
  /** The table's model name, null on fallback. */
  model: string | null;
  smFraction: number;
}

/**
 * Peak FLOPS of a GPU (by its `nvidia-smi` name) for a precision. A MIG instance counts
 * the share of the GPU's SMs it holds (`smFraction`, see `migSmFraction`). Unknown models
 * get the configured, deliberately low, fallback and `fallback: true`.
 */
export function peakFlops(
  name: string,
  precision: Precision,
  smFraction = 1,
  fallbackPeaks: CreditsConfig['fallbackPeakFlops'] = DEFAULT_CREDITS_CONFIG.fallbackPeakFlops,
): PeakFlops {
  if (!(smFraction > 0 && smFraction <= 1)) throw new CreditsError('invalid_input', `smFraction must be in (0, 1], got ${smFraction}`);
  const entry = findGpuPeak(name);
  const full = entry ? entryPeakFlops(entry, precision) : fallbackPeaks[precision];
  return { flops: smFraction === 1 ? full : Math.floor(full * smFraction), fallback: entry === null, model: entry?.model ?? null, smFraction };
}

/**
 * SM share of a MIG profile on A100/H100-class GPUs, which split into 7 compute slices:
 * `3g.40gb` → 3/7, `1c.3g.40gb` (a compute instance of one slice) → 1/7. Null for anything
 * else. 7 slices slightly over-count the SMs (A100: 14 of 108 SMs per slice, not 1/7),
 * which is the safe side for an upper bound.
 */
export function migSmFraction(profile: string): number | null {
  const match = /^(?:(\d+)c\.)?(\d+)g\.\d+gb(?:\+me)?$/i.exec(profile.trim());
  if (!match) return null;
  const slices = Number(match[1] ?? match[2]);
  return slices >= 1 && slices <= 7 ? slices / 7 : null;
}
