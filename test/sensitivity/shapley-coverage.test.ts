// Do the Shapley standard errors mean what they say? Over many seeds, effect +- 1.96 SE must cover the closed-form
// effect about 95 % of the time: the count must lie inside the central 99.9 % of Binomial(R, 0.95). A standard error
// twice too large covers nearly always and fails the upper bound; one too small fails the lower bound.
import { describe, expect, it } from 'vitest';
import { shapley, testFunctions } from '../../src/sensitivity/index.ts';
import { binomial } from '../../src/stats/index.ts';

const f = testFunctions.linearGaussian; // beta = (1, 1, 1), sd = (1, 1, 2), corr(X2, X3) = 0.5; Shapley (1, 2.375, 4.625)/8
const R = 300;
const NOMINAL = 0.95;
const low = binomial(R, NOMINAL).ppf(0.0005);
const high = binomial(R, NOMINAL).ppf(0.9995);

function coverage(run: (seed: number) => { effects: number[]; standardErrors: number[]; effectsCI: [number, number][] }) {
  const K = f.exact.shapley.length;
  const covered = new Array<number>(K).fill(0);
  const estimates: number[][] = Array.from({ length: K }, () => []);
  const se2: number[] = new Array<number>(K).fill(0);
  for (let s = 0; s < R; s++) {
    const r = run(1000 + s);
    for (let i = 0; i < K; i++) {
      const [lo, hi] = r.effectsCI[i];
      if (lo <= f.exact.shapley[i] && f.exact.shapley[i] <= hi) covered[i]++;
      estimates[i].push(r.effects[i]);
      se2[i] += r.standardErrors[i] ** 2 / R;
    }
  }
  // Reported SE (root mean square over seeds) against the spread of the estimates across seeds.
  const ratio = estimates.map((e, i) => {
    const m = e.reduce((a, b) => a + b, 0) / R;
    const sd = Math.sqrt(e.reduce((a, b) => a + (b - m) ** 2, 0) / (R - 1));
    return Math.sqrt(se2[i]) / sd;
  });
  return { covered, ratio };
}

describe('shapley standard errors: coverage over seeds at the nominal level', () => {
  it(`exact method: each effect's 95 % interval covers the closed form in [${low}, ${high}] of ${R} seeds`, () => {
    const { covered, ratio } = coverage((seed) => shapley({ inputs: f.inputs, model: f.evaluate, seed, method: 'exact', nVariance: 500, nOuter: 500, confidenceLevel: NOMINAL }));
    for (let i = 0; i < covered.length; i++) {
      expect(covered[i], `effect ${i}: covered ${covered[i]} of ${R}`).toBeGreaterThanOrEqual(low);
      expect(covered[i], `effect ${i}: covered ${covered[i]} of ${R}`).toBeLessThanOrEqual(high);
      expect(ratio[i], `effect ${i}: reported SE / spread across seeds`).toBeGreaterThan(0.8);
      expect(ratio[i], `effect ${i}: reported SE / spread across seeds`).toBeLessThan(1.25);
    }
  });

  it(`random permutations: each effect's 95 % interval covers the closed form in [${low}, ${high}] of ${R} seeds`, () => {
    const { covered, ratio } = coverage((seed) => shapley({ inputs: f.inputs, model: f.evaluate, seed, method: 'random', nPermutations: 400, confidenceLevel: NOMINAL }));
    for (let i = 0; i < covered.length; i++) {
      expect(covered[i], `effect ${i}: covered ${covered[i]} of ${R}`).toBeGreaterThanOrEqual(low);
      expect(covered[i], `effect ${i}: covered ${covered[i]} of ${R}`).toBeLessThanOrEqual(high);
      expect(ratio[i], `effect ${i}: reported SE / spread across seeds`).toBeGreaterThan(0.8);
      expect(ratio[i], `effect ${i}: reported SE / spread across seeds`).toBeLessThan(1.25);
    }
  });
});
