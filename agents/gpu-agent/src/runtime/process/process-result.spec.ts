import { describe, expect, it } from 'vitest';
import { assignmentOf, jsonl } from '../../testing/runner-io.js';
import { jobResultOf } from './process-result.js';

const data = jsonl([{ text: 'hello' }]);
const dataset = { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 };
const output = { sha256: 'a'.repeat(64), bytes: 1234 };

describe('jobResultOf: a result event as the job kind\'s protocol result', () => {
  it('maps a fine-tune: the output is the adapter, formula FLOPs default to the counted ones', () => {
    const metrics = { steps: 10, tokens: 900, flops: 5e9, trainLossFirst: 5.5, trainLossLast: 2, heldOutLoss: 2.1, baseHeldOutLoss: 5.5, uniformLoss: 5.5 };
    const result = jobResultOf(assignmentOf({ kind: 'fine-tune', baseModel: 'm', datasets: [dataset] }, data), { type: 'result', output: 'adapter.tar', metrics }, output, 42);
    expect(result).toEqual({ kind: 'fine-tune', adapterSha256: output.sha256, adapterBytes: 1234, ...metrics, formulaFlops: 5e9, durationMs: 42 });
  });

  it('maps an eval: split and adapter from the assignment, perplexity from the loss when absent, token accuracy', () => {
    const adapter = { sha256: 'b'.repeat(64), bytes: 10, path: `/api/v1/transfer/${'c'.repeat(24)}` };
    const metrics = { loss: 1, uniformLoss: 5.5, tokenAccuracy: 0.25, rows: 3, tokens: 40, flops: 100 };
    const result = jobResultOf(assignmentOf({ kind: 'eval', baseModel: 'm', dataset, split: 'all' }, data, { adapter }), { type: 'result', output: 'report.json', metrics }, output, 7);
    expect(result).toMatchObject({ kind: 'eval', split: 'all', adapterSha256: adapter.sha256, perplexity: Math.exp(1), tokenAccuracy: 0.25, reportSha256: output.sha256, reportBytes: 1234, formulaFlops: 100 });
  });

  it('maps a dataset job', () => {
    const result = jobResultOf(assignmentOf({ kind: 'dataset', input: dataset, transform: { operation: 'dedupe' }, outputName: 'x' }, data), { type: 'result', output: 'out.jsonl', metrics: { rowsIn: 5, rowsOut: 4, dropped: 1, reasons: { duplicate: 1 } } }, output, 1);
    expect(result).toEqual({ kind: 'dataset', outputSha256: output.sha256, outputBytes: 1234, rowsIn: 5, rowsOut: 4, dropped: 1, reasons: { duplicate: 1 }, durationMs: 1 });
  });

  it('refuses metrics that do not fit the kind, naming the fields (retryable: another donor\'s command may do better)', () => {
    const run = () => jobResultOf(assignmentOf({ kind: 'eval', baseModel: 'm', dataset }, data), { type: 'result', output: 'report.json', metrics: { loss: 'low', tokenAccuracy: 2 } }, output, 1);
    expect(run).toThrow(expect.objectContaining({ code: 'INVALID_RESULT', retryable: true, message: expect.stringMatching(/loss.*tokenAccuracy/) }));
  });
});
