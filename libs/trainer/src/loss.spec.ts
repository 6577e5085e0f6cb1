import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropy } from './loss.js';

describe('softmaxCrossEntropy hits (token accuracy)', () => {
  it('counts rows whose argmax logit is the target, after the bias and with ties going to the lowest index', () => {
    // 4 rows over a vocabulary of 3: argmax 2 (target 2: hit), argmax 0 (target 1: miss),
    // a tie between 0 and 1 (lowest index 0; target 1: miss), and one the bias turns (argmax 1 with bias; target 1: hit).
    const logits = Float64Array.from([0, 1, 3, 5, 2, 1, 4, 4, 0, 2, 1.5, 0]);
    const targets = [2, 1, 1, 1];
    const bias = Float64Array.from([0, 1, 0]);
    const hits = { hits: 0 };
    const loss = softmaxCrossEntropy(Float64Array.from(logits), 4, 3, targets, null, null, hits);
    expect(hits.hits).toBe(1); // only row 1 without the bias (row 4's argmax is 0)
    const biased = { hits: 0 };
    softmaxCrossEntropy(Float64Array.from(logits), 4, 3, targets, bias, null, biased);
    expect(biased.hits).toBe(3); // with the bias: row 2 (5 vs 3) stays a miss, row 3 (4 vs 5) and row 4 (2 vs 2.5) hit
    expect(softmaxCrossEntropy(Float64Array.from(logits), 4, 3, targets, null, null)).toBe(loss); // counting changes no loss
  });
});
