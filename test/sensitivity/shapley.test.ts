import { describe, expect, it } from 'vitest';
import { ModelOutputError, shapley, standardNormalInputs, testFunctions } from '../../src/sensitivity/index.ts';
import type { InputRows } from '../../src/sensitivity/index.ts';

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));
const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);

describe('shapley: correlated linear Gaussian model (closed form)', () => {
  it('default (exact method for 3 players) is within 0.01 of the closed form and sums to 1', () => {
    // beta = (1, 1, 1), sd = (1, 1, 2), corr(X2, X3) = 0.5: Shapley = (1, 2.375, 4.625) / 8 (Iooss & Prieur 2019).
    const f = testFunctions.linearGaussian;
    expect(f.exact.shapley).toEqual([0.125, 0.296875, 0.578125]);
    const r = shapley({ inputs: f.inputs, model: f.evaluate, seed: 1 });
    expect(r.method).toBe('exact');
    expect(maxAbsDiff(r.effects, f.exact.shapley)).toBeLessThan(0.01);
    expect(sum(r.effects)).toBeCloseTo(1, 12);
    expect(r.nPermutations).toBe(6);
    expect(r.evaluations).toBe(20000 + 6 * 20000 * 3);
    // The reported standard errors are of the right size: errors within 4 SE, SE below 0.01.
    r.effects.forEach((e, i) => {
      expect(Math.abs(e - f.exact.shapley[i])).toBeLessThan(4 * r.standardErrors[i]);
      expect(r.standardErrors[i]).toBeLessThan(0.01);
    });
  });

  it('a 5-input correlated case with groups as players, random permutations, within 0.02 and 4 SE', () => {
    const f = testFunctions.linearGaussian({
      beta: [1, -2, 0.5, 1, 1.5],
      sd: [1, 0.5, 2, 1, 1],
      correlation: [
        [1, 0.6, 0, 0, 0],
        [0.6, 1, 0.3, 0, 0],
        [0, 0.3, 1, 0, -0.4],
        [0, 0, 0, 1, 0],
        [0, 0, -0.4, 0, 1],
      ],
      groups: [{ name: 'a', indices: [0, 1] }, { name: 'b', indices: [2] }, { name: 'c', indices: [3] }, { name: 'd', indices: [4] }],
    });
    expect(sum(f.exact.shapley)).toBeCloseTo(1, 12);
    const r = shapley({ inputs: f.inputs, model: f.evaluate, seed: 4, method: 'random', nPermutations: 4000 });
    expect(r.method).toBe('random');
    expect(r.names).toEqual(['a', 'b', 'c', 'd']);
    expect(sum(r.effects)).toBeCloseTo(1, 12);
    r.effects.forEach((e, i) => {
      expect(Math.abs(e - f.exact.shapley[i])).toBeLessThan(Math.min(0.02, 4 * r.standardErrors[i]));
    });
    expect(r.evaluations).toBe(4000 * 4 * 3);
  });
});

describe('shapley: independent inputs', () => {
  it('Ishigami: Shapley = first order + half of the x1-x3 interaction, within 0.02', () => {
    const f = testFunctions.ishigami;
    const r = shapley({ inputs: f.inputs, model: f.evaluate, seed: 2, nOuter: 5000 });
    expect(r.method).toBe('exact');
    expect(maxAbsDiff(r.effects, f.exact.shapley)).toBeLessThan(0.02);
    expect(sum(r.effects)).toBeCloseTo(1, 12);
  });

  it('24 groups (240 inputs) by random permutations with batched calls: additive shares within 0.02', () => {
    const G = 24;
    const per = 10;
    const D = G * per;
    const groups = Array.from({ length: G }, (_, g) => ({ name: `g${g}`, indices: Array.from({ length: per }, (_, k) => g * per + k) }));
    const w = Array.from({ length: G }, (_, g) => 0.3 + (g % 5) * 0.2);
    let calls = 0;
    let rowsSeen = 0;
    const model = (rows: InputRows) => {
      calls++;
      rowsSeen += rows.length;
      const out = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        let s = 0;
        for (let i = 0; i < D; i++) s += w[(i / per) | 0] * rows.data[r * D + i];
        out[r] = s;
      }
      return out;
    };
    const total = w.reduce((s, x) => s + per * x * x, 0);
    const exact = w.map((x) => (per * x * x) / total);
    const r = shapley({ inputs: standardNormalInputs(D, groups), model, seed: 1, nPermutations: 1000, batchSize: 24 * 3 * 100 });
    expect(r.method).toBe('random');
    expect(maxAbsDiff(r.effects, exact)).toBeLessThan(0.02);
    r.effects.forEach((e, i) => expect(Math.abs(e - exact[i])).toBeLessThan(4 * r.standardErrors[i]));
    expect(sum(r.effects)).toBeCloseTo(1, 12);
    expect(rowsSeen).toBe(1000 * 24 * 3);
    expect(r.evaluations).toBe(rowsSeen);
    expect(calls).toBe(10); // 100 permutations (7200 rows) per call
    expect(r.modelCalls).toBe(10);
  });

  it('is reproducible and gives the same result for an asynchronous model', async () => {
    const f = testFunctions.gFunction({ a: [0, 1, 9, 99, 99] });
    const a = shapley({ inputs: f.inputs, model: f.evaluate, seed: 3, nPermutations: 200, nOuter: 1 });
    const b = shapley({ inputs: f.inputs, model: f.evaluate, seed: 3, nPermutations: 200, nOuter: 1, batchSize: 16 });
    expect(b.effects).toEqual(a.effects);
    const c = await shapley({ inputs: f.inputs, model: async (rows) => f.evaluate(rows), seed: 3, nPermutations: 200 });
    expect(c.effects).toEqual(a.effects);
    expect(c.standardErrors).toEqual(a.standardErrors);
    const d = shapley({ inputs: f.inputs, model: f.evaluate, seed: 4, nPermutations: 200 });
    expect(d.effects).not.toEqual(a.effects);
  });
});

describe('shapley: bad input', () => {
  const f = testFunctions.linearGaussian;
  it('reports a NaN output with its design sample and input row', () => {
    let seen = 0;
    const model = (rows: InputRows) => {
      const out = f.evaluate(rows) as Float64Array;
      for (let k = 0; k < rows.length; k++, seen++) if (seen === 5) out[k] = NaN;
      return out;
    };
    expect(() => shapley({ inputs: f.inputs, model, nVariance: 10, nOuter: 4, batchSize: 6 })).toThrowError(
      /^model output for variance sample 5 \(design row 5\) must be a finite number, got NaN \(input row \[/,
    );
    seen = -12; // now the 17th row: subset {x1}, outer sample 2, inner row 1
    let err: ModelOutputError | undefined;
    try {
      shapley({ inputs: f.inputs, model, nVariance: 10, nOuter: 4, batchSize: 6 });
    } catch (e) {
      err = e as ModelOutputError;
    }
    expect(err).toBeInstanceOf(ModelOutputError);
    expect(err!.designRow).toBe(17);
    expect(err!.sample).toBe('cost sample for subset {x1}, outer sample 2, inner row 1');
    expect(err!.inputRow.length).toBe(3);
  });

  it('rejects a wrong number of outputs, bad options and too many players for the exact method', () => {
    expect(() => shapley({ inputs: f.inputs, model: () => [1, 2], nVariance: 10, batchSize: 6 })).toThrowError(
      'model output length must equal the number of input rows (6), got 2',
    );
    expect(() => shapley({ inputs: f.inputs, model: f.evaluate, method: 'fast' as never })).toThrowError('method must be "auto", "exact" or "random", got "fast"');
    expect(() => shapley({ inputs: f.inputs, model: f.evaluate, nInner: 1 })).toThrowError('nInner must be an integer >= 2, got 1');
    expect(() => shapley({ inputs: standardNormalInputs(17), model: f.evaluate, method: 'exact' })).toThrowError(
      'method must not be "exact" for 17 players (2^K cost estimates); use "random", got "exact"',
    );
    expect(() => shapley({ inputs: { ...f.inputs, correlation: [[1, 2, 0], [2, 1, 0], [0, 0, 1]] }, model: f.evaluate })).toThrowError(
      'inputs.correlation[1][0] must be in [-1, 1], got 2',
    );
    expect(() => shapley({ inputs: standardNormalInputs(2), model: (rows) => new Float64Array(rows.length).fill(1), nVariance: 100, nOuter: 10 })).toThrowError(
      'model output must vary over the input distribution (Var(Y) > 0), got 0',
    );
  });
});
