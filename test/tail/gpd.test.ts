import { describe, expect, it } from 'vitest';
import {
  CellspreadInputError,
  fitGeneralizedPareto,
  generalizedPareto,
  gpdExceedanceProbability,
  gpdLogLikelihood,
  gpdReturnLevel,
  meanResidualLife,
  thresholdStability,
} from '../../src/index.ts';
import { Rng } from '../../src/random/rng.ts';
import { exponentialSample, gpdSample, normalSample } from './helpers.ts';

describe('fitGeneralizedPareto recovers known parameters', () => {
  for (const [shape, scale] of [
    [-0.2, 1.5],
    [0, 2],
    [0.3, 0.5],
  ]) {
    it(`GPD(shape ${shape}, scale ${scale})`, () => {
      const x = gpdSample(5000, scale, shape, 21).map((v) => v + 10); // threshold 10
      const fit = fitGeneralizedPareto(x, { threshold: 10 });
      expect(fit.exceedances).toBe(5000);
      expect(fit.threshold).toBe(10);
      expect(fit.method).toBe('mle');
      const se = fit.standardErrors!;
      // Asymptotic SEs: shape (1 + xi)/sqrt(k), scale sigma sqrt(2 (1 + xi) / k).
      expect(se.shape).toBeCloseTo((1 + shape) / Math.sqrt(5000), 2);
      expect(se.scale / (scale * Math.sqrt((2 * (1 + shape)) / 5000))).toBeCloseTo(1, 1);
      expect(Math.abs(fit.shape - shape)).toBeLessThan(3.5 * se.shape);
      expect(Math.abs(fit.scale - scale)).toBeLessThan(3.5 * se.scale);
      expect(fit.shapeInterval!.lower).toBeLessThan(fit.shape);
      expect(fit.shapeInterval!.upper).toBeGreaterThan(fit.shape);
      expect(JSON.parse(JSON.stringify(fit)).excesses).toBeUndefined(); // excesses stay out of JSON
    });
  }

  it('Pareto tail: excesses over u are exactly GPD(shape 1/alpha, scale u/alpha)', () => {
    const alpha = 3;
    const r = new Rng(5, 1);
    const x = Float64Array.from({ length: 40_000 }, () => Math.pow(r.uniform(), -1 / alpha)); // Pareto(x_m = 1)
    const u = 2;
    const fit = fitGeneralizedPareto(x, { threshold: u });
    expect(fit.exceedances).toBeGreaterThan(4000); // P(X > 2) = 1/8
    expect(Math.abs(fit.shape - 1 / alpha)).toBeLessThan(3.5 * fit.standardErrors!.shape);
    expect(Math.abs(fit.scale - u / alpha)).toBeLessThan(3.5 * fit.standardErrors!.scale);
  });

  it('Student-t tail: shape near 1/nu at a high threshold', () => {
    const nu = 4;
    const r = new Rng(6, 1);
    const x = Float64Array.from({ length: 100_000 }, () => {
      let chi = 0;
      for (let i = 0; i < nu; i++) chi += r.normal() ** 2;
      return r.normal() / Math.sqrt(chi / nu);
    });
    const fit = fitGeneralizedPareto(x, { threshold: 4 }); // about 0.8 % of the sample
    expect(fit.exceedances).toBeGreaterThan(500);
    // Penultimate-approximation bias is small but not zero at finite thresholds.
    expect(Math.abs(fit.shape - 1 / nu)).toBeLessThan(Math.max(0.1, 3 * fit.standardErrors!.shape));
  });

  it('falls back to probability-weighted moments when the likelihood has no interior maximum', () => {
    // shape -1.5: the density rises towards the endpoint 1/1.5 and the likelihood only grows towards shape <= -1.
    const x = gpdSample(500, 1, -1.5, 3);
    const fit = fitGeneralizedPareto(x, { threshold: 0 });
    expect(fit.method).toBe('pwm');
    expect(fit.warnings.join(' ')).toMatch(/fell back to probability-weighted moments/);
    expect(fit.shape).toBeLessThan(-0.8);
    expect(fit.endpoint).toBeGreaterThan(0.6);
    expect(fit.endpoint).toBeLessThan(0.9);
  });

  it('pwm alone recovers an exponential tail', () => {
    const fit = fitGeneralizedPareto(exponentialSample(20_000, 3), { threshold: 0, method: 'pwm' });
    expect(Math.abs(fit.shape)).toBeLessThan(0.03);
    expect(fit.scale).toBeCloseTo(1, 1);
  });

  it('profile-likelihood interval for the shape covers over repetitions', () => {
    const reps = 60;
    let hits = 0;
    let deltaHits = 0;
    for (let i = 0; i < reps; i++) {
      const fit = fitGeneralizedPareto(gpdSample(200, 1, 0.2, 300 + i), { threshold: 0 });
      if (fit.shapeInterval!.lower <= 0.2 && 0.2 <= fit.shapeInterval!.upper) hits++;
      const se = fit.standardErrors!.shape;
      if (Math.abs(fit.shape - 0.2) <= 1.96 * se) deltaHits++;
    }
    // Nominal 0.95: expect about 57 of 60; 52 or fewer would be a > 3 sigma shortfall.
    expect(hits).toBeGreaterThan(52);
    expect(deltaHits).toBeGreaterThan(50);
  });

  it("the fit's log-likelihood is the sum of the family's GPD log-density, -Infinity outside the parameter space", () => {
    const y = gpdSample(400, 1.3, 0.25, 4);
    for (const [scale, shape] of [
      [1.3, 0.25],
      [0.8, 0],
      [10, -0.2],
    ]) {
      const d = generalizedPareto(shape, scale);
      const sum = y.reduce((s, v) => s + d.logpdf(v), 0);
      expect(Math.abs(gpdLogLikelihood(y, scale, shape) / sum - 1)).toBeLessThan(1e-13);
    }
    expect(Math.max(...y)).toBeGreaterThan(1);
    expect(gpdLogLikelihood(y, 1, -1)).toBe(-Infinity); // excesses beyond the endpoint 1
    expect(y.reduce((s, v) => s + generalizedPareto(-1, 1).logpdf(v), 0)).toBe(-Infinity);
    expect(gpdLogLikelihood(y, 0, 0.1)).toBe(-Infinity);
  });
});

describe('return levels and extrapolated exceedance probabilities', () => {
  it('return level equals the closed form and brackets the true level', () => {
    const shape = 0.2;
    const scale = 1;
    const x = gpdSample(4000, scale, shape, 41);
    const fit = fitGeneralizedPareto(x, { threshold: 1 });
    const zeta = fit.exceedanceRate;
    const m = 1e5;
    const rl = gpdReturnLevel(fit, m);
    expect(rl.estimate).toBeCloseTo(1 + (fit.scale / fit.shape) * (Math.pow(m * zeta, fit.shape) - 1), 9);
    // True level: the (1 - 1/m) quantile of GPD(1, 0.2) from 0.
    const truth = (scale / shape) * (Math.pow(m, shape) - 1);
    expect(rl.lower).toBeLessThan(truth);
    expect(rl.upper).toBeGreaterThan(truth);
    const delta = gpdReturnLevel(fit, m, { interval: 'delta' });
    expect(delta.estimate).toBe(rl.estimate);
    expect(delta.lower).toBeLessThan(truth);
    expect(delta.upper).toBeGreaterThan(truth);
  });

  it('exponential return level is u + sigma log(m zeta)', () => {
    const x = exponentialSample(20_000, 43);
    const fit = fitGeneralizedPareto(x, { threshold: 2 });
    const rl = gpdReturnLevel(fit, 1e4, { interval: 'delta' });
    expect(rl.estimate).toBeCloseTo(2 + fit.scale * ((Math.pow(1e4 * fit.exceedanceRate, fit.shape) - 1) / fit.shape), 9);
    expect(rl.lower).toBeLessThan(Math.log(1e4));
    expect(rl.upper).toBeGreaterThan(Math.log(1e4));
  });

  it('extrapolates P(X > limit) beyond the data with an interval that contains the truth', () => {
    const x = gpdSample(3000, 1, 0.2, 44);
    const fit = fitGeneralizedPareto(x, { threshold: 0.5 });
    const pTrue = 1e-6;
    const limit = (1 / 0.2) * (Math.pow(pTrue, -0.2) - 1); // P(X > limit) = 1e-6, far beyond 3000 samples
    const p = gpdExceedanceProbability(fit, limit);
    expect(p.extrapolated).toBe(true);
    expect(p.estimate).toBeGreaterThan(pTrue / 10);
    expect(p.estimate).toBeLessThan(pTrue * 10);
    expect(p.lower).toBeLessThan(pTrue);
    expect(p.upper).toBeGreaterThan(pTrue);
    const d = gpdExceedanceProbability(fit, limit, { interval: 'delta' });
    expect(d.lower).toBeLessThan(pTrue);
    expect(d.upper).toBeGreaterThan(pTrue);
  });

  it('handles lower tails (capacity below a floor)', () => {
    // capacity = 1 - GPD excess below 0.98
    const cap = Array.from(gpdSample(4000, 0.005, 0.1, 45), (v) => 0.98 - v);
    const fit = fitGeneralizedPareto(cap, { threshold: 0.98, tail: 'lower' });
    expect(fit.exceedances).toBe(4000);
    expect(Math.abs(fit.shape - 0.1)).toBeLessThan(3.5 * fit.standardErrors!.shape);
    const limit = 0.98 - (0.005 / 0.1) * (Math.pow(1e-5, -0.1) - 1); // P(C < limit) = 1e-5
    const p = gpdExceedanceProbability(fit, limit);
    expect(p.lower).toBeLessThan(1e-5);
    expect(p.upper).toBeGreaterThan(1e-5);
    const rl = gpdReturnLevel(fit, 1e5);
    expect(rl.estimate).toBeLessThan(0.98);
    expect(rl.lower).toBeLessThan(limit);
    expect(rl.upper).toBeGreaterThan(limit);
  });

  it('a limit beyond a bounded tail gets probability 0 and an upper bound', () => {
    const x = gpdSample(2000, 1, -0.3, 46); // endpoint 1/0.3 = 3.33
    const fit = fitGeneralizedPareto(x, { threshold: 0 });
    const p = gpdExceedanceProbability(fit, 5);
    expect(p.estimate).toBe(0);
    expect(p.note).toMatch(/beyond the fitted finite endpoint/);
    expect(p.upper).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(p.upper)).toBe(false);
  });
});

describe('threshold diagnostics', () => {
  it('mean residual life is linear with slope xi / (1 - xi) for GPD data', () => {
    const shape = 0.2;
    const pts = meanResidualLife(gpdSample(50_000, 1, shape, 51), { thresholds: [0, 0.5, 1, 1.5, 2] });
    // e(u) = (sigma + xi u) / (1 - xi)
    for (const p of pts) {
      expect(p.lower).toBeLessThan((1 + shape * p.threshold) / (1 - shape));
      expect(p.upper).toBeGreaterThan((1 + shape * p.threshold) / (1 - shape));
    }
  });

  it('shape and modified scale are stable across thresholds for GPD data', () => {
    const pts = thresholdStability(gpdSample(20_000, 1, 0.1, 52), { count: 5 });
    expect(pts.length).toBe(5);
    for (const p of pts) {
      expect(p.shapeLower).toBeLessThan(0.1);
      expect(p.shapeUpper).toBeGreaterThan(0.1);
    }
  });
});

describe('bad input', () => {
  const x = normalSample(1000, 60);

  it('threshold above the data', () => {
    expect(() => fitGeneralizedPareto(x, { threshold: 10 })).toThrow(CellspreadInputError);
    expect(() => fitGeneralizedPareto(x, { threshold: 10 })).toThrow(/^threshold must be below the largest data value 3\.\d+, got 10 \(no sample is above it; choose a threshold inside the data, e\.g\./);
  });

  it('too few exceedances to fit', () => {
    const top = Array.from(x).sort((a, b) => b - a);
    const u = top[4]; // 4 samples above
    expect(() => fitGeneralizedPareto(x, { threshold: u })).toThrow(
      /^threshold must leave at least 10 samples above it to fit a GPD, got .* \(only 4 of 1000 samples are above it; move the threshold into the data, e\.g\. .*, which leaves 100 samples above it\)$/,
    );
    expect(() => fitGeneralizedPareto([1, 2, 3], {})).toThrow(/only 2 of 3 samples are above it; run more samples/);
  });

  it('NaN and empty data', () => {
    expect(() => fitGeneralizedPareto([1, 2, NaN], { threshold: 0 })).toThrow(/^data\[2\] must be a finite number, got NaN/);
    expect(() => fitGeneralizedPareto([], { threshold: 0 })).toThrow('data must not be empty');
  });

  it('limit not beyond the threshold, and return periods inside the data', () => {
    const fit = fitGeneralizedPareto(x, { threshold: 1.5 });
    expect(() => gpdExceedanceProbability(fit, 1)).toThrow(/^limit must be above the GPD threshold 1\.5, got 1 \(use exceedanceProbability for limits inside the data/);
    expect(() => gpdReturnLevel(fit, 2)).toThrow(/^returnPeriod must exceed 1 \/ exceedanceRate = /);
  });

  it('constant exceedances', () => {
    expect(() => fitGeneralizedPareto([...Array(50).fill(0), ...Array(20).fill(1)], { threshold: 0.5 })).toThrow(/must vary above the threshold/);
  });
});
