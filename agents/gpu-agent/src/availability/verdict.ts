import type { GpuAvailability } from '@potluck/protocol';

/** One rule's finding about a GPU: its availability, why, and until when if known. */
export interface Verdict {
  availability: GpuAvailability;
  reason: string;
  until: number | null;
}
