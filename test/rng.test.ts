import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../src/math/special.ts';
import { hashKeys, Rng, uniformFromBits } from '../src/random/rng.ts';

describe('counter-keyed RNG', () => {
  it('is a pure function of (seed, keys)', () => {
    const a = new Rng(7, 3, 1);
    const b = new Rng(7, 3, 1);
    for (let i = 0; i < 100; i++) expect(a.uniform()).toBe(b.uniform());
  });

  it('keeps its streams (RNG_ALGORITHM version 1): values pinned from the first release', () => {
    // Keys beyond 32 bits exercise the high-word absorption; changing any of these changes every study's samples.
    const r = new Rng(1, 0x7a41, 12345678901, 4000000000);
    expect([r.uniform(), r.uniform(), r.nextUint32()]).toEqual([0.8868443635141918, 0.8044967913399608, 2184027333]);
    expect(hashKeys(0, [], 0)).toBe(2906891154);
    expect(hashKeys(2 ** 40 + 3, [1, 2, 3], 7)).toBe(1174627776);
  });

  it('stays strictly inside (0, 1) at both ends of its 53 bits, so inverse CDFs stay finite', () => {
    const first = uniformFromBits(0, 0);
    const last = uniformFromBits(2 ** 27 - 1, 2 ** 26 - 1);
    expect(first).toBe(2 ** -54);
    expect(last).toBe(1 - 2 ** -53);
    expect(Number.isFinite(normalQuantile(first)) && Number.isFinite(normalQuantile(last))).toBe(true);
    // The cell below the last keeps its own midpoint: only the value that rounded to 1 moved.
    expect(uniformFromBits(2 ** 27 - 1, 2 ** 26 - 3)).toBe((2 ** 53 - 3 + 0.5) / 2 ** 53);
  });

  it('gives different streams for different keys and seeds', () => {
    expect(new Rng(7, 3).uniform()).not.toBe(new Rng(7, 4).uniform());
    expect(new Rng(7, 3).uniform()).not.toBe(new Rng(8, 3).uniform());
    expect(new Rng(0, 3).uniform()).not.toBe(new Rng(1, 3).uniform());
  });

  it('draws standard normals with the right first two moments', () => {
    const rng = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('rejects non-integer keys', () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be a non-negative safe integer, got 1.5/);
  });
});
