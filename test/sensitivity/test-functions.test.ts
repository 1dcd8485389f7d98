import { describe, expect, it } from 'vitest';
import { testFunctions } from '../../src/sensitivity/index.ts';
import type { InputRows, TestFunction } from '../../src/sensitivity/index.ts';

function rowsOf(values: number[][]): InputRows {
  const dimension = values[0].length;
  const data = Float64Array.from(values.flat());
  const rows = values.map((_, k) => data.subarray(k * dimension, (k + 1) * dimension)) as Float64Array[] & { data: Float64Array; dimension: number };
  rows.data = data;
  rows.dimension = dimension;
  return rows;
}
const evalAt = (f: TestFunction, x: number[][]) => Array.from(f.evaluate(rowsOf(x)));

describe('test functions carry exact indices', () => {
  it('Ishigami (a = 7, b = 0.1) matches the published values', () => {
    const f = testFunctions.ishigami;
    const round4 = (a: number[]) => a.map((x) => Number(x.toFixed(4)));
    expect(round4(f.exact.first)).toEqual([0.3139, 0.4424, 0]);
    expect(round4(f.exact.total)).toEqual([0.5576, 0.4424, 0.2437]);
    expect(f.exact.variance).toBeCloseTo(13.8446, 4);
    // Shapley (independent inputs): the x1-x3 interaction is split equally between x1 and x3.
    expect(f.exact.shapley[0]).toBeCloseTo(f.exact.first[0] + f.exact.total[2] / 2, 14);
    expect(f.exact.shapley.reduce((s, x) => s + x)).toBeCloseTo(1, 14);
    expect(evalAt(f, [[Math.PI / 2, Math.PI / 2, 1], [0, 0, 2]])).toEqual([8.1, 0]);
    expect(f.inputs.marginals).toEqual([
      { dist: 'uniform', a: -Math.PI, b: Math.PI, name: 'x1' },
      { dist: 'uniform', a: -Math.PI, b: Math.PI, name: 'x2' },
      { dist: 'uniform', a: -Math.PI, b: Math.PI, name: 'x3' },
    ]);
    const g = testFunctions.ishigami({ a: 5, b: 0 });
    expect(g.exact.first[0]).toBeCloseTo(0.5 / (0.5 + 25 / 8), 14);
    expect(g.exact.total[2]).toBe(0);
  });

  it('G-function: partial variances agree with quadrature; 2-d Shapley splits the interaction equally', () => {
    for (const a of [0, 1, 4.5]) {
      // Var of (|4x - 2| + a) / (1 + a), x ~ U(0,1), by the midpoint rule.
      const m = 200000;
      let s = 0;
      let s2 = 0;
      for (let k = 0; k < m; k++) {
        const v = (Math.abs(4 * ((k + 0.5) / m) - 2) + a) / (1 + a);
        s += v / m;
        s2 += (v * v) / m;
      }
      expect(s).toBeCloseTo(1, 9);
      const f = testFunctions.gFunction({ a: [a] });
      expect(f.exact.variance).toBeCloseTo(s2 - s * s, 9);
      expect(f.exact.first[0]).toBeCloseTo(1, 12);
    }
    const f = testFunctions.gFunction({ a: [0, 2] });
    const v1 = 1 / 3;
    const v2 = 1 / 27;
    const v = (1 + v1) * (1 + v2) - 1;
    expect(f.exact.first[1]).toBeCloseTo(v2 / v, 14);
    expect(f.exact.total[1]).toBeCloseTo((v2 + v1 * v2) / v, 14);
    expect(f.exact.shapley[0]).toBeCloseTo((v1 + (v1 * v2) / 2) / v, 14);
    expect(evalAt(f, [[0.5, 0.5], [0, 1]])).toEqual([0, (2 * 4) / 3]);
    expect(testFunctions.gFunction.inputs.marginals.length).toBe(8);
    expect(testFunctions.gFunction.exact.shapley.reduce((s, x) => s + x)).toBeCloseTo(1, 14);
  });

  it('linear Gaussian: Shapley, first and total match the closed form of Iooss & Prieur (2019)', () => {
    const beta = [0.7, 1.3, -0.4];
    const sd = [2, 1, 1.5];
    const rho = 0.3;
    const f = testFunctions.linearGaussian({ beta, sd, correlation: [[1, 0, 0], [0, 1, rho], [0, rho, 1]] });
    const [b1, b2, b3] = beta;
    const [s1, s2, s3] = sd;
    const V = b1 ** 2 * s1 ** 2 + b2 ** 2 * s2 ** 2 + b3 ** 2 * s3 ** 2 + 2 * rho * b2 * b3 * s2 * s3;
    const sh2 = (b2 ** 2 * s2 ** 2 * (1 - rho ** 2 / 2) + (rho ** 2 * b3 ** 2 * s3 ** 2) / 2 + rho * b2 * b3 * s2 * s3) / V;
    const sh3 = (b3 ** 2 * s3 ** 2 * (1 - rho ** 2 / 2) + (rho ** 2 * b2 ** 2 * s2 ** 2) / 2 + rho * b2 * b3 * s2 * s3) / V;
    expect(f.exact.variance).toBeCloseTo(V, 12);
    expect(f.exact.shapley[0]).toBeCloseTo((b1 ** 2 * s1 ** 2) / V, 12);
    expect(f.exact.shapley[1]).toBeCloseTo(sh2, 12);
    expect(f.exact.shapley[2]).toBeCloseTo(sh3, 12);
    expect(f.exact.first[1]).toBeCloseTo((b2 * s2 + rho * b3 * s3) ** 2 / V, 12);
    expect(f.exact.total[1]).toBeCloseTo((b2 ** 2 * s2 ** 2 * (1 - rho ** 2)) / V, 12);
    expect(evalAt(f, [[1, 1, 1]])[0]).toBeCloseTo(1.6, 14);
    expect(() => testFunctions.linearGaussian({ beta: [1, 1], sd: [1] })).toThrowError('sd must have 2 entries (one per beta), got 1');
    expect(() => testFunctions.linearGaussian({ beta: [1, 1], correlation: [[1, 1.2], [1.2, 1]] })).toThrowError('inputs.correlation[1][0] must be in [-1, 1], got 1.2');
  });
});
