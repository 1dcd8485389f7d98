import { describe, expect, it } from 'vitest';
import { CellspreadInputError } from '../../src/errors.ts';
import { ModelOutputError, marginal, sobol, standardNormalInputs, testFunctions } from '../../src/sensitivity/index.ts';
import type { InputRows, SensitivityInputs } from '../../src/sensitivity/index.ts';

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

describe('sobol: benchmark functions against exact indices', () => {
  it('Ishigami (a = 7, b = 0.1): first and total within 0.01 of exact at N = 8192, for two seeds', () => {
    const f = testFunctions.ishigami;
    for (const seed of [1, 2]) {
      const r = sobol({ inputs: f.inputs, model: f.evaluate, n: 8192, seed, nBootstrap: 200 });
      expect(maxAbsDiff(r.first, f.exact.first)).toBeLessThan(0.01);
      expect(maxAbsDiff(r.total, f.exact.total)).toBeLessThan(0.01);
      expect(r.names).toEqual(['x1', 'x2', 'x3']);
      expect(r.evaluations).toBe(8192 * 5);
      // Intervals bracket the estimates.
      r.first.forEach((s, i) => expect(r.firstCI[i][0] <= s && s <= r.firstCI[i][1]).toBe(true));
      r.total.forEach((s, i) => expect(r.totalCI[i][0] <= s && s <= r.totalCI[i][1]).toBe(true));
    }
  });

  it('Sobol G-function (SALib a = [0, 1, 4.5, 9, 99, 99, 99, 99]): within 0.01 at N = 4096', () => {
    const f = testFunctions.gFunction;
    const r = sobol({ inputs: f.inputs, model: f.evaluate, n: 4096, seed: 3, nBootstrap: 100 });
    expect(maxAbsDiff(r.first, f.exact.first)).toBeLessThan(0.01);
    expect(maxAbsDiff(r.total, f.exact.total)).toBeLessThan(0.01);
    expect(Math.abs(r.variance - f.exact.variance) / f.exact.variance).toBeLessThan(0.02);
  });

  it('reports convergence on prefixes 16, 32, ..., N, ending at the final estimate', () => {
    const f = testFunctions.ishigami;
    const r = sobol({ inputs: f.inputs, model: f.evaluate, n: 1024, seed: 5, nBootstrap: 0 });
    expect(r.convergence.n).toEqual([16, 32, 64, 128, 256, 512, 1024]);
    expect(r.convergence.first.at(-1)).toEqual(r.first);
    expect(r.convergence.total.at(-1)).toEqual(r.total);
    // The N = 64 prefix is exactly what a run with n = 64 (same seed) computes.
    const small = sobol({ inputs: f.inputs, model: f.evaluate, n: 64, seed: 5, nBootstrap: 0 });
    small.first.forEach((s, i) => expect(r.convergence.first[2][i]).toBeCloseTo(s, 12));
    expect(r.firstCI[0][0]).toBeNaN();
  });
});

describe('sobol: grouped indices', () => {
  // A pack: 2 parameters x (1 pack draw, 4 module draws, 32 cell draws), additive in the standard-normal draws.
  const levels = [
    { level: 'pack', count: 1 },
    { level: 'module', count: 4 },
    { level: 'cell', count: 32 },
  ];
  const weights: Record<string, number> = { 'P/pack': 1, 'P/module': 0.5, 'P/cell': 0.25, 'Q/pack': 0.3, 'Q/module': 0.8, 'Q/cell': 0.1 };
  const groups: { name: string; indices: number[] }[] = [];
  const w: number[] = [];
  for (const p of ['P', 'Q']) {
    for (const { level, count } of levels) {
      const name = `${p}/${level}`;
      groups.push({ name, indices: Array.from({ length: count }, (_, k) => w.length + k) });
      for (let k = 0; k < count; k++) w.push(weights[name]);
    }
  }
  const D = w.length;
  const model = (rows: InputRows) => {
    const out = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      let s = 0;
      for (let i = 0; i < D; i++) s += w[i] * rows.data[r * D + i];
      out[r] = s;
    }
    return out;
  };
  const share = groups.map((g) => g.indices.length * weights[g.name] ** 2);
  const totalVar = share.reduce((a, b) => a + b);
  const exact = share.map((s) => s / totalVar);

  it("an additive hierarchical model's grouped first and total indices equal each level's variance share", () => {
    let rowsSeen = 0;
    const r = sobol({
      inputs: standardNormalInputs(D, groups),
      model: (rows) => {
        rowsSeen += rows.length;
        return model(rows);
      },
      n: 4096,
      seed: 11,
      nBootstrap: 100,
    });
    expect(r.names).toEqual(['P/pack', 'P/module', 'P/cell', 'Q/pack', 'Q/module', 'Q/cell']);
    expect(maxAbsDiff(r.first, exact)).toBeLessThan(0.01);
    expect(maxAbsDiff(r.total, exact)).toBeLessThan(0.01);
    expect(rowsSeen).toBe(4096 * (6 + 2));
    expect(r.evaluations).toBe(4096 * 8);
  });

  it('costs N (G + 2) model runs whatever the number of inputs (600 inputs in 3 groups)', () => {
    const Dbig = 600;
    let rowsSeen = 0;
    let calls = 0;
    const r = sobol({
      inputs: standardNormalInputs(Dbig, [
        Array.from({ length: 100 }, (_, i) => i),
        Array.from({ length: 200 }, (_, i) => 100 + i),
        Array.from({ length: 300 }, (_, i) => 300 + i),
      ]),
      model: (rows) => {
        rowsSeen += rows.length;
        calls++;
        expect(rows.dimension).toBe(Dbig);
        expect(rows.data.length).toBe(rows.length * Dbig);
        const out = new Float64Array(rows.length);
        for (let k = 0; k < rows.length; k++) out[k] = rows[k][0] + 2 * rows[k][150] + rows[k][599] * rows[k][0];
        return out;
      },
      n: 64,
      seed: 1,
      batchSize: 50,
      nBootstrap: 0,
    });
    expect(rowsSeen).toBe(64 * 5);
    expect(r.evaluations).toBe(64 * 5);
    expect(r.design.batchSize).toBe(50); // 10 samples x (G + 2) rows per call
    expect(calls).toBe(Math.ceil(64 / 10));
    expect(r.modelCalls).toBe(calls);
    expect(r.design.pointDimension).toBe(1200);
  });

  it('allows correlation inside a group (Gaussian copula), giving the grouped indices of the correlated block', () => {
    // Y = X1 + X2 + X3 with corr(X1, X2) = 0.5, X3 independent: group {X1, X2} has variance 3, X3 has 1.
    const inputs: SensitivityInputs = {
      marginals: [marginal.normal(0, 1), marginal.normal(0, 1), marginal.normal(0, 1)],
      correlation: [
        [1, 0.5, 0],
        [0.5, 1, 0],
        [0, 0, 1],
      ],
      groups: [{ name: 'pair', indices: [0, 1] }, { name: 'single', indices: [2] }],
    };
    const r = sobol({ inputs, model: testFunctions.linearGaussian({ beta: [1, 1, 1] }).evaluate, n: 2048, seed: 2, nBootstrap: 0 });
    expect(maxAbsDiff(r.first, [0.75, 0.25])).toBeLessThan(0.01);
    expect(maxAbsDiff(r.total, [0.75, 0.25])).toBeLessThan(0.01);
    expect(Math.abs(r.variance - 4)).toBeLessThan(0.1);
  });

  it('gives identical results for any batch size and for an asynchronous model', async () => {
    const f = testFunctions.ishigami;
    const base = sobol({ inputs: f.inputs, model: f.evaluate, n: 256, seed: 9, nBootstrap: 50 });
    const chunked = sobol({ inputs: f.inputs, model: f.evaluate, n: 256, seed: 9, nBootstrap: 50, batchSize: 7 });
    expect(chunked.first).toEqual(base.first);
    expect(chunked.totalCI).toEqual(base.totalCI);
    const pending = sobol({ inputs: f.inputs, model: async (rows) => f.evaluate(rows), n: 256, seed: 9, nBootstrap: 50, batchSize: 100 });
    expect(pending).toBeInstanceOf(Promise);
    const asyncResult = await pending;
    expect(asyncResult.first).toEqual(base.first);
    expect(asyncResult.totalCI).toEqual(base.totalCI);
  });
});

describe('sobol: confidence intervals cover the true indices', () => {
  const f = testFunctions.ishigami;
  const exact = [...f.exact.first, ...f.exact.total];
  const coverage = (sampling: 'random' | 'sobol', reps: number, n: number) => {
    let hit = 0;
    let count = 0;
    for (let rep = 0; rep < reps; rep++) {
      const r = sobol({ inputs: f.inputs, model: f.evaluate, n, seed: 1000 + rep, nBootstrap: 200, sampling });
      [...r.firstCI, ...r.totalCI].forEach(([lo, hi], i) => {
        count++;
        if (lo <= exact[i] && exact[i] <= hi) hit++;
      });
    }
    return hit / count;
  };

  it('plain Monte Carlo design: 95% bootstrap intervals cover at about 95% (120 reps x 6 indices, N = 256)', () => {
    const c = coverage('random', 120, 256);
    expect(c).toBeGreaterThan(0.9);
    expect(c).toBeLessThan(0.985);
  });

  it('scrambled Sobol design: the (Monte Carlo) bootstrap intervals are conservative (coverage >= 95%)', () => {
    expect(coverage('sobol', 30, 256)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('sobol: bad input', () => {
  const f = testFunctions.ishigami;
  const run = (over: Record<string, unknown>) => () => sobol({ inputs: f.inputs, model: f.evaluate, n: 64, nBootstrap: 0, ...over } as never);

  it('rejects N not usable by the design', () => {
    expect(run({ n: 1000 })).toThrowError(new CellspreadInputError('n', 'must be a power of two for the scrambled Sobol design', 1000, 'use 512 or 1024'));
    expect(run({ n: 1000 })).toThrowError('n must be a power of two for the scrambled Sobol design, got 1000 (use 512 or 1024)');
    expect(run({ n: 8 })).toThrowError('n must be an integer >= 16, got 8');
    expect(run({ n: 2.5 })).toThrowError('n must be an integer >= 16, got 2.5');
    expect(run({ seed: -3 })).toThrowError('seed must be a non-negative safe integer, got -3');
    expect(run({ batchSize: 0 })).toThrowError('batchSize must be an integer >= 1, got 0');
    expect(run({ confidenceLevel: 1.5 })).toThrowError('confidenceLevel must be in (0, 1), got 1.5');
  });

  it('rejects overlapping groups, groups leaving inputs out, and bad indices', () => {
    const withGroups = (groups: unknown) => run({ inputs: { ...f.inputs, groups } });
    expect(withGroups([[0, 1], [1, 2]])).toThrowError('inputs.groups[1] must not overlap another group, got [1,2] (input 1 is already in group 0)');
    expect(withGroups([[0, 1]])).toThrowError('inputs.groups must cover every input (0..2) exactly once, got [2] (inputs not in any group: 2)');
    expect(withGroups([[0, 1, 2, 3]])).toThrowError('inputs.groups[0] must contain only input indices in [0, 2], got [0,1,2,3] (bad index 3)');
    expect(withGroups([{ name: 'a', indices: [] }, [0, 1, 2]])).toThrowError('inputs.groups[0].indices must be a non-empty array of input indices, got []');
    expect(withGroups([{ name: 'a', indices: [0] }, { name: 'a', indices: [1, 2] }])).toThrowError('inputs.groups[1].name must be unique, got "a"');
  });

  it('rejects non-positive-definite, malformed and cross-group correlations', () => {
    const corr = (correlation: unknown, groups?: unknown) => run({ inputs: { ...f.inputs, correlation, ...(groups ? { groups } : {}) } });
    const notPD = [
      [1, 0.9, 0.9],
      [0.9, 1, -0.9],
      [0.9, -0.9, 1],
    ];
    expect(corr(notPD)).toThrowError(/^inputs\.correlation must be positive definite, got \[\[1,0\.9,0\.9\],\[0\.9,1,-0\.9\],\[0\.9,-0\.9,1\]\] \(Cholesky pivot -15\.2 at input 2\)$/);
    expect(corr([[1, 0.2, 0], [0.3, 1, 0], [0, 0, 1]])).toThrowError('inputs.correlation[1][0] must equal inputs.correlation[0][1] (symmetric), got 0.3');
    expect(corr([[2, 0, 0], [0, 1, 0], [0, 0, 1]])).toThrowError('inputs.correlation[0][0] must be 1 (a correlation matrix), got 2');
    expect(corr([[1, 0], [0, 1]])).toThrowError('inputs.correlation must be a 3 x 3 matrix, got [[1,0],[0,1]]');
    const cross = [[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]];
    expect(corr(cross)).toThrowError('inputs.correlation[1][0] must be 0 between inputs of different groups for Sobol indices, got 0.5 (inputs 1 and 0 are in groups "x2" and "x1"; group them together or use shapley() for dependent inputs)');
    expect(corr(cross, [[0, 1], [2]])).not.toThrow();
  });

  it('rejects bad marginals', () => {
    const m = (marginals: unknown) => run({ inputs: { marginals } });
    expect(m([marginal.uniform(1, 1)])).toThrowError('inputs.marginals[0].b must be > a (1), got 1');
    expect(m([marginal.normal(0, 0)])).toThrowError('inputs.marginals[0].sd must be > 0, got 0');
    expect(m([{ dist: 'beta', a: 1, b: 2 }])).toThrowError('inputs.marginals[0].dist must be one of "uniform", "normal", "lognormal", got "beta"');
    expect(m([])).toThrowError('inputs.marginals must be a non-empty array of marginals, got []');
  });

  it('reports a NaN output with its design sample and input row instead of averaging it in', () => {
    // batchSize 5 = one sample j per call: rows A_j, B_j, A_B^(0)_j, A_B^(1)_j, A_B^(2)_j. Fail at design row 37.
    let seen = 0;
    let offending: Float64Array | null = null;
    const model = (rows: InputRows) => {
      const out = f.evaluate(rows) as Float64Array;
      for (let k = 0; k < rows.length; k++, seen++) {
        if (seen === 37) {
          out[k] = NaN;
          offending = Float64Array.from(rows[k]);
        }
      }
      return out;
    };
    let err: unknown;
    try {
      sobol({ inputs: f.inputs, model, n: 64, nBootstrap: 0, batchSize: 5 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CellspreadInputError);
    expect(err).toBeInstanceOf(ModelOutputError);
    const e = err as ModelOutputError;
    expect(e.message).toMatch(/^model output for sample 7 of matrix A_B\^\(0\) \[group "x1"\] \(design row 37\) must be a finite number, got NaN \(input row \[-?\d/);
    expect(e.designRow).toBe(37);
    expect(e.sample).toBe('sample 7 of matrix A_B^(0) [group "x1"]');
    expect(Array.from(e.inputRow)).toEqual(Array.from(offending!));
    expect(e.message).toContain(`${Number(offending![0].toPrecision(6))}`);
  });

  it('rejects a model returning the wrong number of outputs, or not a function', () => {
    expect(() => sobol({ inputs: f.inputs, model: (rows) => new Float64Array(rows.length - 1), n: 64, batchSize: 5 })).toThrowError(
      'model output length must equal the number of input rows (5), got 4',
    );
    expect(run({ model: 42 })).toThrowError('model must be a function (rows) => outputs, got 42');
  });

  it('rejects an asynchronous model returning NaN through the Promise', async () => {
    await expect(sobol({ inputs: f.inputs, model: async (rows) => new Float64Array(rows.length).fill(NaN), n: 16, nBootstrap: 0 })).rejects.toThrowError(
      /^model output for sample 0 of matrix A \(design row 0\) must be a finite number, got NaN/,
    );
  });
});
