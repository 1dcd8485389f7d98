/**
 * The one sample quantile (src/math/quantile.ts), Hyndman & Fan type 7: against numpy's 'linear' method on small
 * samples, and bit for bit against simple-statistics' quantileSorted (type 7 since its 7.x releases) on random samples.
 * The sample variance (src/math/moments.ts) against closed forms.
 */
import { quantileSorted as ssQuantileSorted } from 'simple-statistics';
import { describe, expect, it } from 'vitest';
import { sampleVariance } from '../../src/math/moments.ts';
import { orderStatisticQuantile, sortedQuantile, type7Ranks } from '../../src/math/quantile.ts';
import { Rng } from '../../src/random/rng.ts';

describe('sortedQuantile: Hyndman & Fan type 7', () => {
  it("matches numpy.quantile(x, p, method='linear')", () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // numpy: [1.0, 1.9, 3.25, 5.5, 7.75, 9.1, 10.0] for p = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
    expect([0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((p) => sortedQuantile(x, p))).toEqual([1, 1.9, 3.25, 5.5, 7.75, 9.1, 10]);
    expect(sortedQuantile([2, 4, 7], 0.5)).toBe(4);
    expect(sortedQuantile([2, 4, 7], 0.75)).toBe(5.5);
    expect(sortedQuantile([3], 0.3)).toBe(3);
    expect(sortedQuantile([], 0.5)).toBeNaN();
  });

  it("gives the bits of simple-statistics' quantileSorted on random samples", () => {
    const rng = new Rng(19);
    for (const n of [2, 3, 10, 97, 1000]) {
      const x = Float64Array.from({ length: n }, () => rng.normal() * 10 ** (4 * rng.uniform() - 2)).sort();
      const plain = Array.from(x);
      for (const p of [0, 1e-6, 0.05, 0.1, 0.25, 1 / 3, 0.5, 0.9, 0.95, 0.999, 1]) {
        const q = sortedQuantile(x, p);
        expect(q, `n ${n}, p ${p}`).toBe(ssQuantileSorted(plain, p));
      }
    }
  });

  it('from order statistics alone: the ranks it interpolates between, and the same value as from the sorted array', () => {
    expect(type7Ranks(10, 0.5)).toEqual([4, 5]);
    expect(type7Ranks(10, 1)).toEqual([9, 9]);
    expect(type7Ranks(1, 0.3)).toEqual([0, 0]);
    const x = [-3, -1, 0.5, 2, 8, 13];
    for (const p of [0, 0.05, 0.5, 0.95, 1]) {
      const [lo, hi] = type7Ranks(x.length, p);
      const only = new Map([lo, hi].map((r) => [r, x[r]]));
      expect(orderStatisticQuantile(x.length, p, (r) => only.get(r)!)).toBe(sortedQuantile(x, p));
    }
  });
});

describe('sampleVariance', () => {
  it('is the (n - 1) variance: 1..n gives n(n + 1)/12; a slice of a longer array; 0 below two values', () => {
    const x = Array.from({ length: 101 }, (_, i) => i + 1);
    expect(sampleVariance(x)).toBe((101 * 102) / 12);
    expect(sampleVariance([9, 9, 1, 2, 3, 9], 2, 3)).toBe(1);
    expect([sampleVariance([5]), sampleVariance([])]).toEqual([0, 0]);
  });
});
