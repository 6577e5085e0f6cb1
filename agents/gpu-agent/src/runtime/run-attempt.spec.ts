import { describe, expect, it } from 'vitest';
import { cudaVisibleDevices } from './run-attempt.js';

describe('cudaVisibleDevices', () => {
  it('passes GPU and MIG UUIDs as they are and turns gpu-<index> into the index', () => {
    expect(cudaVisibleDevices(['GPU-5a1b', 'MIG-77c0/1/0', 'gpu-3'])).toBe('GPU-5a1b,MIG-77c0/1/0,3');
    expect(cudaVisibleDevices(['gpu-x'])).toBe('gpu-x');
  });
});
