// Exact statistics in bounded memory (flat memory, issue 15): blockStatistics visits a column block by block and must
// give the statistics of the sorted column, whatever the blocks.
import { describe, expect, it } from 'vitest';
import { sortedQuantile } from '../../src/math/quantile.ts';
import { blockStatistics } from '../../src/results/statistics.ts';

/** The plain answer: sort the finite values. */
function oracle(values: Float64Array) {
  const x = values.filter(Number.isFinite).sort();
  const n = x.length;
  const mean = x.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { count: n, mean, sd, min: x[0], max: x[n - 1], p05: sortedQuantile(x, 0.05), p50: sortedQuantile(x, 0.5), p95: sortedQuantile(x, 0.95) };
}

function blocksOf(values: Float64Array, size: number) {
  return (visit: (b: Float64Array) => void) => {
    for (let i = 0; i < values.length; i += size) visit(values.subarray(i, Math.min(values.length, i + size)));
  };
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
}

describe('blockStatistics', () => {
  const u = lcg(7);
  const cases: Record<string, Float64Array> = {
    // Over 65,536 values per bucket forces refinement passes: 300,000 values packed into 1e-9 of a wide range.
    clustered: Float64Array.from({ length: 300_000 }, (_, i) => (i % 1000 === 0 ? 1e6 * u() : 1 + 1e-9 * u())),
    heavyTail: Float64Array.from({ length: 100_000 }, () => 1 / u() ** 2),
    ties: Float64Array.from({ length: 200_000 }, () => Math.floor(4 * u()) - 1),
    withNaN: Float64Array.from({ length: 50_001 }, (_, i) => (i % 7 === 0 ? NaN : i % 11 === 0 ? Infinity : u() - 0.5)),
    single: Float64Array.from([3.25]),
    two: Float64Array.from([2, 1]),
  };
  for (const [name, values] of Object.entries(cases)) {
    it(`${name}: the exact order statistics, whatever the block size`, () => {
      const want = oracle(values);
      for (const size of [values.length, 8192, 1000, 7]) {
        const got = blockStatistics(blocksOf(values, size));
        expect(got.count).toBe(want.count);
        for (const k of ['min', 'max', 'p05', 'p50', 'p95'] as const) expect(got[k], `${k} (blocks of ${size})`).toBe(want[k]);
        expect(got.mean).toBeCloseTo(want.mean, 9);
        if (want.count > 1) expect(got.sd / want.sd).toBeCloseTo(1, 9);
        else expect(got.sd).toBe(0);
        expect(got).toEqual(blockStatistics(blocksOf(values, values.length))); // bit-identical across block sizes
      }
    });
  }

  it('no finite value: count 0 and NaN, never 0', () => {
    expect(blockStatistics(blocksOf(Float64Array.from([NaN, -Infinity]), 1))).toEqual({ count: 0, mean: NaN, sd: NaN, min: NaN, max: NaN, p05: NaN, p50: NaN, p95: NaN });
  });
});
