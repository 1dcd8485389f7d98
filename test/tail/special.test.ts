import { describe, expect, it } from 'vitest';
import { betaQuantile, binomialCdf, binomialQuantile, logGamma, regularizedBeta } from '../../src/tail/special.ts';

describe('special functions', () => {
  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });

  it('regularized incomplete beta matches closed forms', () => {
    // I_x(1, b) = 1 - (1 - x)^b, I_x(a, 1) = x^a, I_x(2, 2) = 3x^2 - 2x^3
    expect(regularizedBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 14);
    expect(regularizedBeta(0.3, 3, 1)).toBeCloseTo(0.027, 14);
    expect(regularizedBeta(0.4, 2, 2)).toBeCloseTo(3 * 0.16 - 2 * 0.064, 14);
  });

  it('binomial CDF equals the direct sum, and the quantile inverts it', () => {
    const n = 30;
    const p = 0.17;
    let acc = 0;
    let logC = 0;
    for (let k = 0; k <= n; k++) {
      if (k > 0) logC += Math.log((n - k + 1) / k);
      acc += Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
      expect(binomialCdf(k, n, p)).toBeCloseTo(acc, 12);
    }
    const q = binomialQuantile(0.5, n, p);
    expect(binomialCdf(q, n, p)).toBeGreaterThanOrEqual(0.5);
    expect(binomialCdf(q - 1, n, p)).toBeLessThan(0.5);
  });

  it('betaQuantile inverts the incomplete beta, also deep in the tail', () => {
    for (const [p, a, b] of [
      [0.025, 3, 98],
      [0.975, 4, 97],
      [1e-8, 1, 1e6],
      [0.5, 0.5, 0.5],
    ]) {
      const x = betaQuantile(p, a, b);
      expect(regularizedBeta(x, a, b) / p).toBeCloseTo(1, 9);
    }
  });
});
