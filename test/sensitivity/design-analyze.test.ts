// Sample / evaluate / analyze: the designs are lists of rows addressed by index, the model runs anywhere (here: a
// closed form written out in this file, evaluated block by block as if on three machines), and the analysis takes
// the outputs. Exact answers come from the closed forms, not from cellspread's own test functions.
import { describe, expect, it } from 'vitest';
import {
  analyzeShapley,
  analyzeSobol,
  ModelOutputError,
  marginal,
  shapley,
  shapleyDesign,
  sobol,
  sobolDesign,
  testFunctions,
} from '../../src/sensitivity/index.ts';
import type { RowDesign, SensitivityInputs } from '../../src/sensitivity/index.ts';

const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

/** Evaluate a design's rows in `parts` contiguous blocks (as separate jobs would), with a plain per-row function. */
function evaluateInBlocks(design: RowDesign, f: (x: Float64Array) => number, parts: number): Float64Array {
  const y = new Float64Array(design.rowCount);
  for (let p = 0; p < parts; p++) {
    const start = Math.floor((p * design.rowCount) / parts);
    const end = Math.floor(((p + 1) * design.rowCount) / parts);
    const X = design.rows(start, end - start);
    for (let k = 0; k < end - start; k++) y[start + k] = f(X.subarray(k * design.dimension, (k + 1) * design.dimension));
  }
  return y;
}

describe('sobolDesign -> outputs computed outside cellspread -> analyzeSobol', () => {
  // Ishigami, written out here: f = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1, x_i ~ U(-pi, pi).
  // V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8, V13 = 8 b^2 pi^8 / 225 (Ishigami & Homma 1990).
  const a = 7;
  const b = 0.1;
  const ishigami = (x: Float64Array) => Math.sin(x[0]) + a * Math.sin(x[1]) ** 2 + b * x[2] ** 4 * Math.sin(x[0]);
  const V1 = 0.5 * (1 + (b * Math.PI ** 4) / 5) ** 2;
  const V2 = (a * a) / 8;
  const V13 = (8 * b * b * Math.PI ** 8) / 225;
  const V = V1 + V2 + V13;
  const inputs: SensitivityInputs = { marginals: [0, 1, 2].map((i) => marginal.uniform(-Math.PI, Math.PI, `x${i + 1}`)) };

  it('gives the closed-form first, total and second-order indices, bit-identical to sobol() in one process', () => {
    const design = sobolDesign({ inputs, n: 8192, seed: 4, secondOrder: true });
    expect(design.rowCount).toBe(8192 * (2 * 3 + 2));
    expect(design.rowsPerSample).toBe(8);
    const y = evaluateInBlocks(design, ishigami, 3);
    const r = analyzeSobol(design, y, { nBootstrap: 100 });
    expect(maxAbsDiff(r.first, [V1 / V, V2 / V, 0])).toBeLessThan(0.01);
    expect(maxAbsDiff(r.total, [(V1 + V13) / V, V2 / V, V13 / V])).toBeLessThan(0.01);
    expect(Math.abs(r.second!.indices[0][2] - V13 / V)).toBeLessThan(0.01);
    expect(Math.abs(r.second!.indices[0][1])).toBeLessThan(0.01);
    expect(Math.abs(r.second!.indices[1][2])).toBeLessThan(0.01);
    expect(r.second!.indices[2][0]).toBe(r.second!.indices[0][2]);
    expect(r.second!.indices[1][1]).toBeNaN();
    expect(r.modelCalls).toBeUndefined();
    // The same numbers as running the model inside sobol(), to the bit.
    const inProcess = sobol({ inputs, model: (rows) => rows.map((x) => ishigami(x)), n: 8192, seed: 4, secondOrder: true, nBootstrap: 100, batchSize: 1000 });
    expect(inProcess.first).toEqual(r.first);
    expect(inProcess.total).toEqual(r.total);
    expect(inProcess.second).toEqual(r.second);
    expect(inProcess.firstCI).toEqual(r.firstCI);
  });

  it('rows are the same whatever the blocks; a design can be rebuilt from its options', () => {
    const design = sobolDesign({ inputs, n: 64, seed: 2 });
    const all = design.rows();
    const pieces = [design.rows(0, 7), design.rows(7, 100), design.rows(107, design.rowCount - 107)];
    expect(Float64Array.from(pieces.flatMap((p) => Array.from(p)))).toEqual(all);
    const again = sobolDesign(JSON.parse(JSON.stringify(design.options)));
    expect(again.rows()).toEqual(all);
    // Row j*(G+2)+2 is A with column 0 from B.
    const A = design.rows(5 * 5, 1);
    const B = design.rows(5 * 5 + 1, 1);
    const AB0 = design.rows(5 * 5 + 2, 1);
    expect(Array.from(AB0)).toEqual([B[0], A[1], A[2]]);
    expect(design.describeRow(27)).toBe('sample 5 of matrix A_B^(0) [group "x1"]');
  });

  it('checks the outputs against the design: length, finiteness (naming the design row), and the design type', () => {
    const design = sobolDesign({ inputs, n: 16, seed: 1 });
    expect(() => analyzeSobol(design, new Float64Array(79))).toThrowError("Y length must equal the design's rowCount (80), got 79 (evaluate every design row, in row order)");
    const y = evaluateInBlocks(design, ishigami, 1);
    y[12] = NaN;
    let err: unknown;
    try {
      analyzeSobol(design, y);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelOutputError);
    expect((err as ModelOutputError).message).toMatch(/^model output for sample 2 of matrix A_B\^\(0\) \[group "x1"\] \(design row 12\) must be a finite number, got NaN/);
    expect(Array.from((err as ModelOutputError).inputRow)).toEqual(Array.from(design.rows(12, 1)));
    const sh = shapleyDesign({ inputs, nVariance: 10, nOuter: 2 });
    expect(() => analyzeSobol(sh as never, new Float64Array(sh.rowCount))).toThrowError('design must be a design from sobolDesign()');
  });
});

describe('G-function second-order indices against the closed form', () => {
  it('S_ij = V_i V_j / V within 0.01 at N = 2^14 (SALib a = [0, 1, 4.5, 9, 99, 99, 99, 99])', () => {
    const a = [0, 1, 4.5, 9, 99, 99, 99, 99];
    const g = (x: Float64Array) => a.reduce((p, ai, i) => (p * (Math.abs(4 * x[i] - 2) + ai)) / (1 + ai), 1);
    const Vi = a.map((ai) => 1 / (3 * (1 + ai) ** 2));
    const V = Vi.reduce((p, v) => p * (1 + v), 1) - 1;
    const design = sobolDesign({ inputs: testFunctions.gFunction.inputs, n: 2 ** 14, seed: 7, secondOrder: true });
    const r = analyzeSobol(design, evaluateInBlocks(design, g, 1), { nBootstrap: 0 });
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      for (let j = i + 1; j < a.length; j++) {
        const exact = (Vi[i] * Vi[j]) / V;
        expect(exact).toBeCloseTo(testFunctions.gFunction.exact.second![i][j], 15);
        worst = Math.max(worst, Math.abs(r.second!.indices[i][j] - exact));
      }
    }
    expect(worst).toBeLessThan(0.01);
    expect((Vi[0] * Vi[1]) / V).toBeGreaterThan(0.05); // a pair that is not zero, so the check has teeth
    expect(Math.abs(r.second!.indices[0][1] - (Vi[0] * Vi[1]) / V)).toBeLessThan(0.01);
    expect(r.evaluations).toBe(2 ** 14 * 18);
  });
});

describe('shapleyDesign -> outputs -> analyzeShapley', () => {
  // Y = X1 + X2 + X3, sd (1, 1, 2), corr(X2, X3) = 0.5: Shapley effects (1, 2.375, 4.625) / 8 (Iooss & Prieur 2019).
  const f = testFunctions.linearGaussian;
  const y = (x: Float64Array) => x[0] + x[1] + x[2];

  for (const method of ['exact', 'random'] as const) {
    it(`${method}: closed-form effects from outputs computed in blocks, bit-identical to shapley()`, () => {
      const options = method === 'exact' ? { nVariance: 4000, nOuter: 4000 } : { nPermutations: 3000 };
      const design = shapleyDesign({ inputs: f.inputs, seed: 3, method, ...options });
      const r = analyzeShapley(design, evaluateInBlocks(design, y, 3));
      expect(maxAbsDiff(r.effects, [0.125, 0.296875, 0.578125])).toBeLessThan(Math.max(...r.standardErrors) * 4);
      expect(maxAbsDiff(r.effects, [0.125, 0.296875, 0.578125])).toBeLessThan(0.03);
      const inProcess = shapley({ inputs: f.inputs, model: f.evaluate, seed: 3, method, ...options, batchSize: 777 });
      expect(inProcess.effects).toEqual(r.effects);
      expect(inProcess.standardErrors).toEqual(r.standardErrors);
      expect(design.rows(5, 9)).toEqual(design.rows().subarray(5 * 3, 14 * 3));
    });
  }
});
