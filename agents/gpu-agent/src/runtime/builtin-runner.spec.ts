import { sampleChatRows, train } from '@potluck/trainer';
import { describe, expect, it } from 'vitest';
import { assignmentOf as assignment, fakeIo, jsonl, sha, transferPath as path } from '../testing/runner-io.js';
import { RunFailure, runBuiltin } from './builtin-runner.js';

describe('the builtin runtime', () => {
  it('runs a dataset job line by line and uploads the output it reports', async () => {
    const rows = sampleChatRows(30, 2);
    const data = jsonl([...rows, rows[0], rows[1]]);
    const io = fakeIo({ [path('input')]: data });
    const result = await runBuiltin(assignment({ kind: 'dataset', input: { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 }, transform: { operation: 'dedupe' }, outputName: 'out' }, data), io);
    const distinct = new Set(rows.map((row) => JSON.stringify(row))).size;
    expect(result).toMatchObject({ kind: 'dataset', rowsIn: 32, rowsOut: distinct, dropped: 32 - distinct, reasons: { duplicate: 32 - distinct } });
    const uploaded = io.uploads.get(path('output'));
    expect(uploaded && sha(uploaded)).toBe(result.kind === 'dataset' ? result.outputSha256 : '');
    expect(Buffer.from(uploaded ?? []).toString('utf8').trim().split('\n')).toHaveLength(result.kind === 'dataset' ? result.rowsOut : -1);
  });

  it('fails a dataset job that no retry can fix at once (invalid operation, invalid row with its line)', async () => {
    const data = jsonl(sampleChatRows(5, 2));
    const shard = runBuiltin(assignment({ kind: 'dataset', input: { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 }, transform: { operation: 'shard', shards: 2, index: 3 }, outputName: 'out' }, data), fakeIo({ [path('input')]: data }));
    await expect(shard).rejects.toMatchObject({ code: 'INVALID_OPERATION', retryable: false });
    const broken = Buffer.concat([data, Buffer.from('{"messages": nope}\n')]);
    const invalid = runBuiltin(assignment({ kind: 'dataset', input: { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 }, transform: { operation: 'dedupe' }, outputName: 'out' }, broken), fakeIo({ [path('input')]: broken }));
    await expect(invalid).rejects.toMatchObject({ code: 'INVALID_DATASET', retryable: false, message: expect.stringMatching(/^line 6:/) });
  });

  it('refuses an input whose sha256 differs (retryable)', async () => {
    const data = jsonl(sampleChatRows(5, 2));
    const run = runBuiltin(assignment({ kind: 'eval', baseModel: 'potluck-tiny-byte-v1', dataset: { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 } }, data), fakeIo({ [path('input')]: Buffer.from('other') }));
    await expect(run).rejects.toBeInstanceOf(RunFailure);
    await expect(run).rejects.toMatchObject({ code: 'INPUT_CORRUPT', retryable: true });
  });

  it('evaluates an adapter on the held-out rows its fine-tune held out: the same loss, and a report', async () => {
    const rows = sampleChatRows(120, 4);
    const data = jsonl(rows);
    const trained = await train({ spec: { baseModel: 'potluck-tiny-byte-v1', steps: 20, seed: 3, heldOutFraction: 0.1 }, rows });
    if (trained.status !== 'completed' || !trained.heldOut) throw new Error('training did not complete');
    const adapter = trained.adapterBytes;
    const io = fakeIo({ [path('input')]: data, [path('adapter')]: adapter });
    const spec = { kind: 'eval', baseModel: 'potluck-tiny-byte-v1', adapterFromJob: '00000000-0000-4000-8000-000000000009', dataset: { datasetId: '00000000-0000-4000-8000-000000000003', version: 1 } };
    const result = await runBuiltin(assignment(spec, data, { adapter: { sha256: sha(adapter), bytes: adapter.length, path: path('adapter') } }), io);
    if (result.kind !== 'eval') throw new Error('not an eval result');
    expect(result.loss).toBe(trained.heldOut.adapter.loss);
    expect(result.rows).toBe(trained.heldOut.rows);
    const base = await runBuiltin(assignment({ ...spec, adapterFromJob: undefined }, data), fakeIo({ [path('input')]: data }));
    expect(base.kind === 'eval' && base.loss).toBe(trained.heldOut.base.loss);
    const report = JSON.parse(Buffer.from(io.uploads.get(path('output')) ?? []).toString('utf8')) as { format: string; metrics: { loss: number } };
    expect(report).toMatchObject({ format: 'potluck-eval-report/1', metrics: { loss: result.loss } });
    expect(sha(io.uploads.get(path('output')) ?? new Uint8Array())).toBe(result.reportSha256);
  });
});
