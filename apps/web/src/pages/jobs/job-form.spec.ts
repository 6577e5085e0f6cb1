import { describe, expect, it } from 'vitest';
import { fieldOf, initialValues, validate } from './job-form';

const datasetId = '3f7c2d2e-0000-4000-8000-000000000001';

describe('the submit form, checked with the job-spec schema', () => {
  it('turns filled-in fine-tune fields into a valid body with the schema defaults', () => {
    const result = validate({ ...initialValues(), baseModel: 'potluck-tiny-byte-v1', dataset: `${datasetId}@2`, 'hyperparameters.steps': '80' });
    expect(result.errors).toBeNull();
    expect(result.body?.spec).toMatchObject({ kind: 'fine-tune', baseModel: 'potluck-tiny-byte-v1', datasets: [{ datasetId, version: 2 }], hyperparameters: { steps: 80, batchSize: 8 } });
    expect(result.body?.requirements).toMatchObject({ minVramMiB: 0, gpuCount: 1 });
  });

  it('puts each schema issue on the field it belongs to', () => {
    const result = validate({ ...initialValues(), baseModel: '', dataset: '', 'hyperparameters.steps': '0', 'hyperparameters.learningRate': 'abc', 'requirements.gpuCount': '0' });
    expect(Object.keys(result.errors ?? {}).sort()).toEqual(['baseModel', 'dataset', 'hyperparameters.learningRate', 'hyperparameters.steps', 'requirements.gpuCount']);
  });

  it('leaves empty number fields to the schema default', () => {
    const result = validate({ ...initialValues(), baseModel: 'm', dataset: `${datasetId}@1`, seed: '' });
    expect(result.body?.spec).toMatchObject({ seed: 42 });
  });

  it('builds dataset jobs per operation and reports pipeline steps that are not JSON', () => {
    const shard = validate({ ...initialValues(), kind: 'dataset', dataset: `${datasetId}@1`, operation: 'shard', shards: '4', index: '5', outputName: 'out' });
    expect(shard.errors).toBeNull(); // index < shards is checked where the job runs (docs/datasets.md)
    expect(shard.body?.spec).toMatchObject({ kind: 'dataset', transform: { operation: 'shard', shards: 4, index: 5 } });
    const filter = validate({ ...initialValues(), kind: 'dataset', dataset: `${datasetId}@1`, operation: 'filter', exclude: 'foo, bar', outputName: 'bad name!' });
    expect(filter.errors).toEqual({ outputName: expect.any(String) });
    expect(validate({ ...initialValues(), kind: 'pipeline', steps: '[{' }).errors?.steps).toMatch(/^Steps must be JSON/);
  });

  it('maps server-side field paths onto the form', () => {
    expect(fieldOf(['spec', 'hyperparameters', 'rank'])).toBe('hyperparameters.rank');
    expect(fieldOf(['spec', 'datasets', 0, 'version'])).toBe('dataset');
    expect(fieldOf(['spec', 'transform', 'maxChars'])).toBe('maxChars');
    expect(fieldOf(['requirements', 'minVramMiB'])).toBe('requirements.minVramMiB');
  });
});
