/**
 * Compute capability and architecture of NVIDIA models by the name nvidia-smi prints,
 * for outputs that do not carry the compute capability (the table, `-q` text and XML
 * of older drivers). Unknown names give `null`: never a guess.
 *
 * Sources: NVIDIA's CUDA GPUs list (developer.nvidia.com/cuda-gpus) and the CUDA
 * programming guide's compute capability table.
 */
import type { GpuArchitecture } from '@potluck/protocol';

export interface KnownGpu {
  computeCapability: string;
  architecture: GpuArchitecture;
}

/** Model names per compute capability, read through `nameTokens` like the names they are matched against. */
const MODELS: Readonly<Record<string, readonly string[]>> = {
  // Kepler
  '3.0': ['GRID K520', 'GRID K1', 'GRID K2', 'K10', 'GTX 770', 'GTX 760', 'GTX 690', 'GTX 680', 'GTX 670', 'GTX 660 TI', 'QUADRO K5000', 'QUADRO K4000'],
  '3.5': ['K20', 'K20X', 'K20M', 'K40', 'K40C', 'K40M', 'GTX 780', 'GTX 780 TI', 'GTX TITAN', 'GTX TITAN BLACK', 'QUADRO K6000'],
  '3.7': ['K80'],
  // Maxwell
  '5.0': ['GTX 750', 'GTX 750 TI', 'GEFORCE 840M', 'GEFORCE 940M', 'QUADRO K2200', 'QUADRO K620', 'QUADRO M2000M', 'M10'],
  '5.2': ['GTX 950', 'GTX 960', 'GTX 970', 'GTX 980', 'GTX 980 TI', 'GTX TITAN X', 'M4', 'M40', 'M6', 'M60', 'QUADRO M4000', 'QUADRO M5000', 'QUADRO M6000'],
  // Pascal
  '6.0': ['P100', 'QUADRO GP100'],
  '6.1': [
    'GT 1030', 'GTX 1050', 'GTX 1050 TI', 'GTX 1060', 'GTX 1070', 'GTX 1070 TI', 'GTX 1080', 'GTX 1080 TI',
    'TITAN X PASCAL', 'TITAN XP', 'MX150', 'MX250', 'MX350', 'P4', 'P40', 'P6',
    'QUADRO P400', 'QUADRO P600', 'QUADRO P620', 'QUADRO P1000', 'QUADRO P2000', 'QUADRO P2200', 'QUADRO P4000', 'QUADRO P5000', 'QUADRO P6000',
  ],
  // Volta
  '7.0': ['V100', 'V100S', 'TITAN V', 'QUADRO GV100'],
  // Turing
  '7.5': [
    'GTX 1630', 'GTX 1650', 'GTX 1650 SUPER', 'GTX 1650 TI', 'GTX 1660', 'GTX 1660 SUPER', 'GTX 1660 TI',
    'RTX 2060', 'RTX 2060 SUPER', 'RTX 2070', 'RTX 2070 SUPER', 'RTX 2080', 'RTX 2080 SUPER', 'RTX 2080 TI', 'TITAN RTX', 'MX450', 'MX550',
    'T4', 'T400', 'T600', 'T1000', 'T1200', 'T2000', 'QUADRO T1000', 'QUADRO T2000',
    'QUADRO RTX 3000', 'QUADRO RTX 4000', 'QUADRO RTX 5000', 'QUADRO RTX 6000', 'QUADRO RTX 8000',
  ],
  // Ampere
  '8.0': ['A100', 'A30', 'A800'],
  '8.6': [
    'RTX 3050', 'RTX 3050 TI', 'RTX 3060', 'RTX 3060 TI', 'RTX 3070', 'RTX 3070 TI', 'RTX 3080', 'RTX 3080 TI', 'RTX 3090', 'RTX 3090 TI', 'MX570',
    'RTX A2000', 'RTX A3000', 'RTX A4000', 'RTX A4500', 'RTX A5000', 'RTX A5500', 'RTX A6000', 'A2', 'A10', 'A10G', 'A16', 'A40',
  ],
  '8.7': ['JETSON AGX ORIN', 'ORIN'],
  // Ada Lovelace
  '8.9': [
    'RTX 4050', 'RTX 4060', 'RTX 4060 TI', 'RTX 4070', 'RTX 4070 SUPER', 'RTX 4070 TI', 'RTX 4070 TI SUPER', 'RTX 4080', 'RTX 4080 SUPER', 'RTX 4090', 'RTX 4090 D',
    'RTX 2000 ADA', 'RTX 2000E ADA', 'RTX 3500 ADA', 'RTX 4000 ADA', 'RTX 4000 SFF ADA', 'RTX 4500 ADA', 'RTX 5000 ADA', 'RTX 5880 ADA', 'RTX 6000 ADA',
    'L4', 'L20', 'L40', 'L40S',
  ],
  // Hopper
  '9.0': ['H100', 'H200', 'H800', 'H20', 'GH200'],
  // Blackwell
  '10.0': ['B100', 'B200', 'GB200'],
  '10.3': ['B300', 'GB300'],
  '12.0': [
    'RTX 5050', 'RTX 5060', 'RTX 5060 TI', 'RTX 5070', 'RTX 5070 TI', 'RTX 5080', 'RTX 5090', 'RTX 5090 D',
    'RTX PRO 2000 BLACKWELL', 'RTX PRO 4000 BLACKWELL', 'RTX PRO 4500 BLACKWELL', 'RTX PRO 5000 BLACKWELL', 'RTX PRO 6000 BLACKWELL',
  ],
  '12.1': ['GB10'],
};

/** Architecture of a compute capability (`8.9` → `ada`); `null` for one we do not know. */
export function architectureOf(computeCapability: string | null): GpuArchitecture | null {
  const match = /^(\d+)\.(\d+)$/.exec(computeCapability ?? '');
  if (!match) return null;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major === 3) return 'kepler';
  if (major === 5) return 'maxwell';
  if (major === 6) return 'pascal';
  if (major === 7) return minor >= 5 ? 'turing' : 'volta';
  if (major === 8) return minor === 9 ? 'ada' : 'ampere';
  if (major === 9) return 'hopper';
  if (major === 10 || major === 11 || major === 12) return 'blackwell';
  return null;
}

/** Vendor and family words that some drivers print and others drop. */
const NOISE = new Set(['NVIDIA', 'TESLA', 'GEFORCE']);

/**
 * The tokens a name is matched by: upper case, `-`/`_`/`(…)` split off, vendor words
 * dropped, and `Generation` after `Ada` dropped. `Tesla V100-SXM2-16GB` → `V100 SXM2 16GB`,
 * `NVIDIA GeForce RTX 4090` → `RTX 4090`, `TITAN X (Pascal)` → `TITAN X PASCAL`.
 */
export function nameTokens(name: string): string[] {
  return name
    .toUpperCase()
    .replace(/\((?:TM|R)\)|[™®]/g, ' ')
    .split(/[\s\-_()/,]+/)
    .filter((token) => token !== '' && !NOISE.has(token));
}

interface Entry {
  tokens: readonly string[];
  gpu: KnownGpu;
}

const ENTRIES: readonly Entry[] = Object.entries(MODELS).flatMap(([computeCapability, models]) => {
  const architecture = architectureOf(computeCapability);
  if (architecture === null) return [];
  return models.map((model) => ({ tokens: nameTokens(model), gpu: { computeCapability, architecture } }));
});

function startsWith(tokens: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= tokens.length && prefix.every((token, i) => tokens[i] === token);
}

function agree(candidates: readonly Entry[]): KnownGpu | null {
  const first = candidates[0];
  if (!first) return null;
  return candidates.every((entry) => entry.gpu.computeCapability === first.gpu.computeCapability) ? first.gpu : null;
}

/**
 * Looks a model up by the name nvidia-smi printed. Whole tokens must match
 * (`A10` is not `A100`); the longest matching model wins. A name truncated with `...`
 * (`GeForce GTX 108...`) matches only when every model it could be agrees.
 */
export function lookupKnownGpu(name: string | null | undefined): KnownGpu | null {
  if (!name) return null;
  const trimmed = name.trim();
  const truncated = /(?:\.\.\.|…)$/.test(trimmed);
  const tokens = nameTokens(trimmed.replace(/(?:\.\.\.|…)$/, ''));
  if (tokens.length === 0) return null;

  if (!truncated) {
    let best: Entry | null = null;
    for (const entry of ENTRIES) {
      if (startsWith(tokens, entry.tokens) && entry.tokens.length > (best?.tokens.length ?? 0)) best = entry;
    }
    return best?.gpu ?? null;
  }

  // Truncated: the last token may be cut (`108` of `1080`) or whole (`GeForce ...`); a model
  // is possible when its tokens agree with what is printed as far as the print goes.
  const cutInsideToken = !/\s(?:\.\.\.|…)$/.test(trimmed);
  const whole = cutInsideToken ? tokens.slice(0, -1) : tokens;
  const stem = cutInsideToken ? (tokens[tokens.length - 1] ?? '') : '';
  const candidates = ENTRIES.filter((entry) => {
    if (entry.tokens.length <= whole.length) return startsWith(whole, entry.tokens);
    if (!startsWith(entry.tokens, whole)) return false;
    return (entry.tokens[whole.length] ?? '').startsWith(stem);
  });
  return agree(candidates);
}
