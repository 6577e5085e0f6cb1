import { describe, expect, it } from 'vitest';
import { parseEventLine } from './parse-event.js';

describe('parseEventLine (the process runtime contract, libs/protocol process-runtime.ts)', () => {
  it('reads each event type, with its defaults', () => {
    expect(parseEventLine('{"type":"progress","step":3,"totalSteps":10,"tokens":512,"loss":2.5}')).toEqual({
      ok: true,
      event: { type: 'progress', step: 3, totalSteps: 10, tokens: 512, loss: 2.5, learningRate: null, flops: 0, etaMs: null },
    });
    expect(parseEventLine('{"type":"log","message":"hi"}')).toEqual({ ok: true, event: { type: 'log', level: 'info', message: 'hi' } });
    expect(parseEventLine('{"type":"checkpoint","file":"step-50.pt","step":50,"tokens":9}')).toMatchObject({ ok: true, event: { type: 'checkpoint', file: 'step-50.pt' } });
    expect(parseEventLine('{"type":"result","output":"adapter.tar","metrics":{"loss":1}}')).toMatchObject({ ok: true, event: { type: 'result', output: 'adapter.tar' } });
    expect(parseEventLine('{"type":"error","code":"UNSUPPORTED_MODEL","message":"no"}')).toEqual({ ok: true, event: { type: 'error', code: 'UNSUPPORTED_MODEL', message: 'no', retryable: true } });
    expect(parseEventLine('   ')).toEqual({ ok: 'blank' });
  });

  it.each([
    ['Epoch 1/3: 100%|██████████|', 'not JSON'],
    ['[1, 2]', '(event)'],
    ['{"type":"progress","step":-1,"totalSteps":10,"tokens":0}', 'step'],
    ['{"type":"progress","step":1,"totalSteps":10,"tokens":0,"extra":true}', 'extra'],
    ['{"type":"checkpoint","file":"../../etc/passwd","step":1,"tokens":0}', 'file'],
    ['{"type":"checkpoint","file":".hidden","step":1,"tokens":0}', 'file'],
    ['{"type":"result","output":"sub/adapter.bin","metrics":{}}', 'output'],
    ['{"type":"error","code":"lower","message":"x"}', 'code'],
    ['{"type":"shell","command":"rm -rf /"}', 'type'],
  ])('refuses %s (%s)', (line, where) => {
    const parsed = parseEventLine(line);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok === false && parsed.reason).toContain(where);
  });
});
