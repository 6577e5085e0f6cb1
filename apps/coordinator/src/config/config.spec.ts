import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const valid = { DATABASE_URL: 'postgresql://localhost:5432/potluck', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig(valid);
    expect(config.POTLUCK_PORT).toBe(8080);
    expect(config.POTLUCK_OPEN_SIGNUP).toBe(true);
  });

  it('bounds the heap growth by default, and 0 leaves it to V8', () => {
    expect(loadConfig(valid).POTLUCK_HEAP_GROWING_PERCENT).toBe(50);
    expect(loadConfig({ ...valid, POTLUCK_HEAP_GROWING_PERCENT: '0' }).POTLUCK_HEAP_GROWING_PERCENT).toBe(0);
    expect(() => loadConfig({ ...valid, POTLUCK_HEAP_GROWING_PERCENT: '-5' })).toThrow(/POTLUCK_HEAP_GROWING_PERCENT/);
    expect(() => loadConfig({ ...valid, POTLUCK_HEAP_GROWING_PERCENT: '1000' })).toThrow(/POTLUCK_HEAP_GROWING_PERCENT/);
  });

  it('names a missing variable', () => {
    expect(() => loadConfig({ REDIS_URL: valid.REDIS_URL })).toThrow(/DATABASE_URL \(required but not set\)/);
  });

  it('names every invalid variable', () => {
    try {
      loadConfig({ ...valid, REDIS_URL: 'http://nope', POTLUCK_PORT: 'eighty' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variables.map((v) => v.name).sort()).toEqual(['POTLUCK_PORT', 'REDIS_URL']);
    }
  });
});
