import { peakFlops } from '@potluck/credits';

/** A GPU's peak dense BF16 TFLOPS from the credit reference table (its fallback for unknown models). */
export function peakTflops(gpuName: string): number {
  return peakFlops(gpuName, 'bf16').flops / 1e12;
}
