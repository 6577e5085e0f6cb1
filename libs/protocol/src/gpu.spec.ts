import { describe, expect, it } from 'vitest';
import { GpuInventorySchema } from './gpu.js';

describe('GpuInventorySchema', () => {
  it('rejects NaN where a number belongs', () => {
    const result = GpuInventorySchema.safeParse({
      format: 'csv', timestamp: null, driverVersion: null, cudaVersion: null, processes: null,
      gpus: [{ index: 0, name: 'x', memoryTotalMiB: Number.NaN }],
    });
    expect(result.success).toBe(false);
  });
});
