import { describe, expect, it } from 'vitest';
import { CellspreadInputError, crossEntropyImportanceSampling, normalCdf, subsetSimulation } from '../../src/index.ts';
import type { BatchModel } from '../../src/index.ts';

// Y = X1 + X2 for standard normals: P(Y > k) = Phi(-k / sqrt 2); k = sqrt(2) * 4.753424 gives 1e-6.
const k = Math.SQRT2 * 4.753424;
const pTrue = normalCdf(-4.753424);
let calls = 0;
const sum2: BatchModel = (rows, dim) => {
  calls++;
  const n = rows.length / dim;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rows[i * dim] + rows[i * dim + 1];
  return out;
};

describe('rare-event estimation through the model', () => {
  it('the reference probability is 1e-6', () => {
    expect(pTrue / 1e-6).toBeCloseTo(1, 4);
  });

  it('cross-entropy importance sampling finds 1e-6 within 20 % with < 1e5 evaluations', async () => {
    calls = 0;
    const r = await crossEntropyImportanceSampling(sum2, { dimension: 2, limit: k, seed: 1 });
    expect(Math.abs(r.estimate / pTrue - 1)).toBeLessThan(0.2);
    expect(r.evaluations).toBeLessThanOrEqual(1e5);
    expect(r.evaluations).toBe(r.levels.length * 5000 + 10000);
    expect(r.modelCalls).toBe(calls);
    expect(r.coefficientOfVariation).toBeLessThan(0.05);
    expect(r.lower).toBeLessThan(pTrue);
    expect(r.upper).toBeGreaterThan(pTrue);
    // The design point of a linear limit state: (k/2, k/2), at distance 4.753 from the origin.
    expect(r.reliabilityIndex).toBeCloseTo(4.753, 1);
  });

  it('subset simulation finds 1e-6 within 20 % with < 1e5 evaluations, in batches', async () => {
    calls = 0;
    const r = await subsetSimulation(sum2, { dimension: 2, limit: k, seed: 1 });
    expect(Math.abs(r.estimate / pTrue - 1)).toBeLessThan(0.2);
    expect(r.evaluations).toBeLessThanOrEqual(1e5);
    // level 0: 10000 rows; each further level 9000 rows as 9 batches of 1000 chains.
    expect(r.evaluations).toBe(10000 + 9000 * (r.levels.length - 1));
    expect(r.modelCalls).toBe(calls);
    expect(r.modelCalls).toBe(1 + 9 * (r.levels.length - 1));
    expect(r.coefficientOfVariation).toBeGreaterThan(0.05);
    expect(r.coefficientOfVariation).toBeLessThan(0.2);
    for (const lv of r.levels.slice(0, -1)) expect(lv.acceptanceRate).toBeGreaterThan(0.2);
  });

  it('is reproducible and independent of the batch size; async models work', async () => {
    const a = await subsetSimulation(sum2, { dimension: 2, limit: 4, seed: 7, samplesPerLevel: 2000 });
    const asyncModel: BatchModel = async (rows, dim) => {
      await new Promise((res) => setTimeout(res, 0));
      return sum2(rows, dim);
    };
    const b = await subsetSimulation(asyncModel, { dimension: 2, limit: 4, seed: 7, samplesPerLevel: 2000, batchSize: 77 });
    expect(b.estimate).toBe(a.estimate);
    expect(b.evaluations).toBe(a.evaluations);
    expect(b.modelCalls).toBeGreaterThan(a.modelCalls);
    const c = await subsetSimulation(sum2, { dimension: 2, limit: 4, seed: 8, samplesPerLevel: 2000 });
    expect(c.estimate).not.toBe(a.estimate);
    const ce1 = await crossEntropyImportanceSampling(sum2, { dimension: 2, limit: 4, seed: 3, samplesPerIteration: 1000, finalSamples: 2000 });
    const ce2 = await crossEntropyImportanceSampling(asyncModel, { dimension: 2, limit: 4, seed: 3, samplesPerIteration: 1000, finalSamples: 2000, batchSize: 333 });
    expect(ce2.estimate).toBe(ce1.estimate);
  });

  it('reported coefficient of variation is honest over repetitions (p = 1e-3, 10 inputs)', async () => {
    // Y = sum of 10 standard normals / sqrt(10): P(Y > 3.090232) = 1e-3.
    const model: BatchModel = (rows, dim) => {
      const n = rows.length / dim;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += rows[i * dim + j];
        out[i] = s / Math.sqrt(dim);
      }
      return out;
    };
    const reps = 30;
    const est: number[] = [];
    let reported = 0;
    let bound = 0;
    for (let s = 0; s < reps; s++) {
      const r = await subsetSimulation(model, { dimension: 10, limit: 3.090232, seed: 100 + s, samplesPerLevel: 1000 });
      est.push(r.estimate / 1e-3);
      reported += r.coefficientOfVariation / reps;
      bound += r.coefficientOfVariationBound / reps;
      expect(r.coefficientOfVariationBound).toBeGreaterThanOrEqual(r.coefficientOfVariation);
    }
    const mean = est.reduce((a, b) => a + b) / reps;
    const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (reps - 1));
    expect(Math.abs(mean - 1)).toBeLessThan(3 * (sd / Math.sqrt(reps)) + 0.02); // (nearly) unbiased
    // The Au-Beck CoV ignores correlation between levels, so it may understate; the bound assumes full correlation.
    expect(sd / mean).toBeGreaterThan(0.5 * reported);
    expect(sd / mean).toBeLessThan(1.3 * bound);
  });

  it('lower tail: P(X1 + X2 < -k)', async () => {
    const r = await subsetSimulation(sum2, { dimension: 2, limit: -Math.SQRT2 * 3.090232, tail: 'lower', seed: 2, samplesPerLevel: 4000 });
    expect(r.tail).toBe('lower');
    expect(Math.abs(r.estimate / 1e-3 - 1)).toBeLessThan(0.3);
    expect(r.levels[0].threshold).toBeLessThan(0);
  });

  it('says so when the limit is never approached', async () => {
    const bounded: BatchModel = (rows, dim) => Float64Array.from({ length: rows.length / dim }, (_, i) => Math.min(1, rows[i * dim]));
    await expect(subsetSimulation(bounded, { dimension: 2, limit: 2, samplesPerLevel: 1000 })).rejects.toThrow(
      /^limit is not approached by the model output, got 2 \(the output stopped moving towards it at 1; the limit may be unreachable/,
    );
    const tanh: BatchModel = (rows, dim) => Float64Array.from({ length: rows.length / dim }, (_, i) => Math.tanh(rows[i * dim]));
    await expect(subsetSimulation(tanh, { dimension: 1, limit: 1.5, samplesPerLevel: 1000, maxLevels: 6 })).rejects.toThrow(CellspreadInputError);
    await expect(crossEntropyImportanceSampling(tanh, { dimension: 1, limit: 1.5, samplesPerIteration: 500, maxIterations: 5 })).rejects.toThrow(
      /^limit (was not reached after 5 cross-entropy iterations|is not approached by the model output)/,
    );
  });

  it('rejects NaN outputs, misaligned outputs and bad options', async () => {
    const nan: BatchModel = (rows, dim) => Float64Array.from({ length: rows.length / dim }, (_, i) => (i === 3 ? NaN : 0));
    await expect(subsetSimulation(nan, { dimension: 2, limit: 1, samplesPerLevel: 100 })).rejects.toThrow(/^model output\[3\] must be a number, got NaN \(the model failed on this row/);
    const short: BatchModel = () => [1, 2];
    await expect(subsetSimulation(short, { dimension: 2, limit: 1, samplesPerLevel: 100 })).rejects.toThrow('model output must have one value per row (100), got "length 2"');
    await expect(subsetSimulation(sum2, { dimension: 0, limit: 1 })).rejects.toThrow('dimension must be an integer >= 1, got 0');
    await expect(subsetSimulation(sum2, { dimension: 2, limit: 1, maxEvaluations: 5000 })).rejects.toThrow(/^maxEvaluations must allow the next 10000 evaluations/);
  });
});
