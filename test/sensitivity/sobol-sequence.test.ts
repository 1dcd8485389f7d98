import { describe, expect, it } from 'vitest';
import { SOBOL_MAX_DIMENSION, SobolSequence } from '../../src/random/sobol.ts';

// Reference: scipy.stats.qmc.Sobol(2048, scramble=False).random(1024) (same Joe-Kuo table, Gray-code order).
const SCIPY_FIRST_8x8 = [
  [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
  [0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75],
  [0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25],
  [0.375, 0.375, 0.625, 0.875, 0.375, 0.125, 0.375, 0.875],
  [0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375],
  [0.625, 0.125, 0.875, 0.625, 0.625, 0.875, 0.125, 0.125],
  [0.125, 0.625, 0.375, 0.125, 0.125, 0.375, 0.625, 0.625],
];
const SCIPY_ROW_1023 = { dims: [0, 1, 9, 99, 999, 1999, 2047], values: [0.0009765625, 0.7529296875, 0.8505859375, 0.5302734375, 0.8564453125, 0.3037109375, 0.2412109375] };
const HALF_CELL = 2 ** -33; // points are reported at the centre of their 2^-32 cell

/** Number of points of column d falling in each of 2^k equal cells. */
function cellCounts(p: Float64Array, dim: number, d: number, count: number, k: number): Int32Array {
  const cells = new Int32Array(2 ** k);
  for (let r = 0; r < count; r++) cells[Math.floor(p[r * dim + d] * 2 ** k)]++;
  return cells;
}

describe('Sobol sequence (Joe & Kuo direction numbers)', () => {
  it('reproduces scipy unscrambled points, including the last tabulated dimension', () => {
    const s = new SobolSequence(SOBOL_MAX_DIMENSION, { scramble: false });
    const p = s.fill(0, 1024);
    for (let r = 0; r < 8; r++) for (let d = 0; d < 8; d++) expect(p[r * SOBOL_MAX_DIMENSION + d] - HALF_CELL).toBe(SCIPY_FIRST_8x8[r][d]);
    SCIPY_ROW_1023.dims.forEach((d, k) => expect(p[1023 * SOBOL_MAX_DIMENSION + d] - HALF_CELL).toBe(SCIPY_ROW_1023.values[k]));
    expect(s.paddedDimensions).toBe(0);
  });

  it('scrambled: each coordinate of the first 2^k points puts exactly one point in each of 2^k cells', () => {
    const dims = [0, 1, 2, 7, 100, 1000, 2047];
    const D = 2048;
    const s = new SobolSequence(D, { seed: 42 });
    const p = s.fill(0, 1024);
    for (const d of dims) {
      for (const k of [1, 4, 7, 10]) {
        const cells = cellCounts(p, D, d, 2 ** k, k);
        expect(Math.min(...cells), `dim ${d}, 2^${k} points`).toBe(1);
        expect(Math.max(...cells), `dim ${d}, 2^${k} points`).toBe(1);
      }
    }
    // A later aligned block of 2^k points is also a net: points 512..767 stratify into 256 cells.
    const block = s.fill(512, 256);
    for (const d of dims) expect(Math.max(...cellCounts(block, D, d, 256, 8))).toBe(1);
  });

  it('scrambled: dimensions 0 and 1 keep the (0, m, 2)-net property (every 2^-a x 2^-(m-a) box holds one point)', () => {
    const m = 8;
    const s = new SobolSequence(2, { seed: 7 });
    const p = s.fill(0, 2 ** m);
    for (let a = 0; a <= m; a++) {
      const boxes = new Int32Array(2 ** m);
      for (let r = 0; r < 2 ** m; r++) {
        const i = Math.floor(p[2 * r] * 2 ** a);
        const j = Math.floor(p[2 * r + 1] * 2 ** (m - a));
        boxes[i * 2 ** (m - a) + j]++;
      }
      expect(Math.min(...boxes)).toBe(1);
      expect(Math.max(...boxes)).toBe(1);
    }
  });

  it('is reproducible, seed-dependent, chunk-independent and prefix-consistent across dimensions', () => {
    const a = new SobolSequence(12, { seed: 3 }).fill(0, 100);
    const b = new SobolSequence(12, { seed: 3 }).fill(0, 100);
    expect(Array.from(a)).toEqual(Array.from(b));
    const c = new SobolSequence(12, { seed: 4 }).fill(0, 100);
    expect(Array.from(a)).not.toEqual(Array.from(c));
    // Chunked generation gives the same points.
    const s = new SobolSequence(12, { seed: 3 });
    const chunked = new Float64Array(100 * 12);
    s.fill(0, 37, chunked.subarray(0, 37 * 12));
    s.fill(37, 63, chunked.subarray(37 * 12));
    expect(Array.from(chunked)).toEqual(Array.from(a));
    // A 5-dimensional sequence is the first 5 columns of the 12-dimensional one.
    const narrow = new SobolSequence(5, { seed: 3 }).fill(0, 100);
    for (let r = 0; r < 100; r++) for (let d = 0; d < 5; d++) expect(narrow[r * 5 + d]).toBe(a[r * 12 + d]);
    // Scrambling changes the points but not the scrambled values' range.
    const plain = new SobolSequence(12, { scramble: false }).fill(0, 100);
    expect(Array.from(a)).not.toEqual(Array.from(plain));
    for (const v of a) expect(v > 0 && v < 1).toBe(true);
  });

  it('pads dimensions beyond the table with reproducible uniforms in (0, 1)', () => {
    const D = SOBOL_MAX_DIMENSION + 3;
    const s = new SobolSequence(D, { seed: 1 });
    expect(s.paddedDimensions).toBe(3);
    const p = s.fill(0, 64);
    const q = new SobolSequence(D, { seed: 1 }).fill(10, 5);
    for (let r = 0; r < 5; r++) for (let d = D - 3; d < D; d++) expect(q[r * D + d]).toBe(p[(10 + r) * D + d]);
    let mean = 0;
    for (let r = 0; r < 64; r++) {
      const v = p[r * D + D - 1];
      expect(v > 0 && v < 1).toBe(true);
      mean += v / 64;
    }
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.15);
  });

  it('rejects bad arguments', () => {
    expect(() => new SobolSequence(0)).toThrowError('SobolSequence dimension must be a positive integer, got 0');
    expect(() => new SobolSequence(2, { seed: -1 })).toThrowError('SobolSequence seed must be a non-negative safe integer, got -1');
    expect(() => new SobolSequence(2).fill(2 ** 32 - 1, 2)).toThrowError('SobolSequence points must lie in [0, 2^32), got {"start":4294967295,"count":2}');
  });
});
