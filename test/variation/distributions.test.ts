import { describe, expect, it } from 'vitest';
import {
  fixed,
  generalizedPareto,
  lognormal,
  mixture,
  normal,
  pareto,
  studentT,
  studentTQuantile,
  transformed,
  truncatedNormal,
  uniform,
  weibull,
  type Distribution,
} from '../../src/variation/index.ts';

const US = [1e-12, 1e-6, 0.001, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999, 1 - 1e-9];

function roundTrip(d: Distribution, us = US, tol = 1e-11) {
  for (const u of us) {
    const x = d.ppf(u);
    expect(Number.isFinite(x), `${d.name} quantile(${u})`).toBe(true);
    expect(Math.abs(d.cdf(x) - u), `${d.name} cdf(quantile(${u}))`).toBeLessThan(tol * Math.max(1, u / 1e-3));
  }
}

describe('distributions: exact inverse CDFs', () => {
  it('quantile and cdf are inverse for every continuous distribution', () => {
    roundTrip(normal(2, 0.5));
    roundTrip(lognormal(-1, 0.3));
    roundTrip(uniform(-0.1, 0.3));
    roundTrip(studentT(5, 1, 2), US, 1e-10);
    roundTrip(studentT(2.5), US, 1e-10);
    roundTrip(weibull(1.7, 3, 0.5));
    roundTrip(pareto(1.5, 2));
    roundTrip(generalizedPareto(0.4, 1.2, 2));
    roundTrip(generalizedPareto(0, 1, 0));
    roundTrip(generalizedPareto(-0.3, 1, 0));
    roundTrip(truncatedNormal(0, 1, -0.5, 2));
  });

  it('match reference quantiles', () => {
    expect(normal(0, 1).ppf(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(lognormal(0, 0.1).ppf(0.5)).toBe(1);
    expect(weibull(2, 3).ppf(1 - Math.exp(-1))).toBeCloseTo(3, 13);
    expect(pareto(2, 1).ppf(0.75)).toBeCloseTo(2, 13); // (1 - 0.75)^(-1/2)
    expect(generalizedPareto(0, 2, 1).ppf(1 - Math.exp(-1))).toBeCloseTo(3, 13); // exponential
    expect(generalizedPareto(-0.5, 1, 0).support[1]).toBeCloseTo(2, 14);
    // Student-t table values (scipy.stats.t.ppf).
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.570581835636314, 11);
    expect(studentTQuantile(0.99, 10)).toBeCloseTo(2.7637694581126957, 11);
    expect(studentTQuantile(0.995, 3)).toBeCloseTo(5.840909309733355, 10);
    expect(studentTQuantile(0.9, 1)).toBeCloseTo(Math.tan(Math.PI * 0.4), 12);
    expect(studentTQuantile(0.025, 2)).toBeCloseTo(-4.302652729749464, 11);
    expect(studentTQuantile(1e-8, 4)).toBeCloseTo(-131.59473694062356, 6);
    expect(studentT(30, 0, 1).ppf(0.975)).toBeCloseTo(2.042272456301238, 11);
  });

  it('truncated normal respects its bounds, also for far-tail truncation', () => {
    const d = truncatedNormal(0, 1, -0.5, 0.25);
    for (const u of [1e-15, 1e-9, 0.5, 1 - 1e-12]) {
      const x = d.ppf(u);
      expect(x).toBeGreaterThanOrEqual(-0.5);
      expect(x).toBeLessThanOrEqual(0.25);
    }
    const far = truncatedNormal(0, 1, 6, 7); // mass ~1e-9, entirely in the upper tail
    for (const u of [1e-9, 0.1, 0.5, 0.9, 1 - 1e-9]) {
      const x = far.ppf(u);
      expect(x).toBeGreaterThanOrEqual(6);
      expect(x).toBeLessThanOrEqual(7);
      expect(Math.abs(far.cdf(x) - u)).toBeLessThan(1e-8);
    }
    expect(far.ppf(0.5)).toBeGreaterThan(6.05);
    expect(() => truncatedNormal(0, 1, 50, 60)).toThrow('truncatedNormal must keep some probability between min and max, got [50,60]');
  });

  it('fixed is a point mass', () => {
    const d = fixed(3);
    expect(d.ppf(0.1)).toBe(3);
    expect(d.cdf(2.99)).toBe(0);
    expect(d.cdf(3)).toBe(1);
  });

  it('defect mixture: exact monotone quantile across the closed-form and root-finding regions', () => {
    const base = normal(0, 0.1); // ln of a lognormal(0, 0.1) weld factor
    const defect = transformed(pareto(1.5, 2), Math.log, Math.exp);
    const p = 0.002;
    const d = mixture(p, base, defect);
    let prev = -Infinity;
    for (let k = 1; k < 4000; k++) {
      const u = k / 4000;
      const y = d.ppf(u);
      expect(y).toBeGreaterThanOrEqual(prev);
      prev = y;
    }
    for (const u of [0.5, 0.99, 0.9979, 0.998, 0.99801, 0.9995, 1 - 1e-10]) {
      expect(Math.abs(d.cdf(d.ppf(u)) - u)).toBeLessThan(1e-12);
    }
    // Below 1 - p (up to the tiny base mass above ln 2) it is the base distribution; above, Pareto factors >= 2.
    expect(d.ppf(0.5)).toBe(base.ppf(0.5 / (1 - p)));
    expect(Math.exp(d.ppf(0.999))).toBeGreaterThanOrEqual(2);
    expect(Math.exp(d.ppf(0.999))).toBeCloseTo(pareto(1.5, 2).ppf((0.999 - (1 - p)) / p), 10);
    // Overlapping components (defect inside the base's bulk) still invert exactly.
    const overlap = mixture(0.3, normal(0, 1), normal(0.5, 0.2));
    for (const u of [0.01, 0.3, 0.5, 0.7, 0.95]) expect(Math.abs(overlap.cdf(overlap.ppf(u)) - u)).toBeLessThan(1e-13);
  });
});
