import { describe, expect, it } from 'vitest';
import {
  CellspreadInputError,
  binomialInterval,
  conditionalValueAtRisk,
  empiricalQuantile,
  exceedanceCurve,
  exceedanceProbability,
  normalQuantile,
  valueAtRisk,
} from '../../src/index.ts';
import { exponentialSample, normalSample } from './helpers.ts';

const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

describe('binomial intervals', () => {
  it('Clopper-Pearson and Wilson match published values', () => {
    // 5 of 10 (e.g. Brown, Cai & DasGupta 2001; R binom.test / prop.test without correction)
    const cp = binomialInterval(5, 10, 0.95, 'clopper-pearson');
    expect(cp.lower).toBeCloseTo(0.187086, 5);
    expect(cp.upper).toBeCloseTo(0.812914, 5);
    const w = binomialInterval(5, 10, 0.95, 'wilson');
    expect(w.lower).toBeCloseTo(0.236593, 5);
    expect(w.upper).toBeCloseTo(0.763407, 5);
    // Zero events: upper = 1 - (alpha/2)^(1/n); the "rule of three" is the one-sided analogue.
    const z = binomialInterval(0, 1000, 0.95);
    expect(z.estimate).toBe(0);
    expect(z.lower).toBe(0);
    expect(z.upper).toBeCloseTo(1 - Math.pow(0.025, 1 / 1000), 12);
  });

  it('exceedance intervals cover the true probability at (at least) the nominal rate', () => {
    const limit = normalQuantile(0.95); // P(Z > limit) = 0.05
    let cpHits = 0;
    let wHits = 0;
    const reps = 300;
    for (let r = 0; r < reps; r++) {
      const x = normalSample(200, 1000 + r);
      const cp = exceedanceProbability(x, limit);
      const w = exceedanceProbability(x, limit, { method: 'wilson' });
      if (cp.lower <= 0.05 && 0.05 <= cp.upper) cpHits++;
      if (w.lower <= 0.05 && 0.05 <= w.upper) wHits++;
    }
    // Clopper-Pearson is conservative (>= 95 %); Wilson close to nominal. Binomial noise over 300 reps is ~1.3 %.
    expect(cpHits / reps).toBeGreaterThan(0.93);
    expect(wHits / reps).toBeGreaterThan(0.9);
  });
});

describe('exceedanceProbability', () => {
  it('estimates an upper tail and a lower tail', () => {
    const x = normalSample(100_000, 1, 300, 5); // peak temperature, K
    const up = exceedanceProbability(x, 310, { tail: 'upper' });
    const p = 1 - 0.9772498680518208; // P(Z > 2)
    expect(up.lower).toBeLessThan(p);
    expect(up.upper).toBeGreaterThan(p);
    expect(up.exceedances).toBe(Math.round(up.estimate * up.n));
    const capacity = normalSample(100_000, 2, 1, 0.02); // relative capacity
    const low = exceedanceProbability(capacity, 0.95, { direction: 'lower' }); // P(C < 0.95) = Phi(-2.5)
    expect(low.tail).toBe('lower');
    expect(low.lower).toBeLessThan(0.00620966532577613);
    expect(low.upper).toBeGreaterThan(0.00620966532577613);
  });

  it('reports a bound, not NaN, when no sample reaches the limit', () => {
    const r = exceedanceProbability([1, 2, 3], 10);
    expect(r.estimate).toBe(0);
    expect(r.upper).toBeCloseTo(1 - Math.pow(0.025, 1 / 3), 12);
    expect(r.note).toMatch(/no sample is above the limit/);
  });

  it('rejects bad input with messages that say what to change', () => {
    expect(() => exceedanceProbability([], 1)).toThrow(CellspreadInputError);
    expect(() => exceedanceProbability([], 1)).toThrow('data must not be empty, got "[]" (pass the sampled output column; run the study first)');
    expect(() => exceedanceProbability([1, NaN, 3], 1)).toThrow(/^data\[1\] must be a finite number, got NaN \(remove or re-run failed samples/);
    expect(() => exceedanceProbability([1, 2], NaN)).toThrow('limit must be a finite number, got NaN');
    expect(() => exceedanceProbability([1, 2], 1, { tail: 'up' as 'upper' })).toThrow("tail must be 'upper' or 'lower', got \"up\"");
    expect(() => exceedanceProbability([1, 2], 1, { confidence: 95 })).toThrow('confidence must be a number in (0, 1), got 95 (e.g. 0.95 for a 95 % interval)');
  });
});

describe('quantiles and value-at-risk', () => {
  it('order-statistic interval covers the true quantile over repetitions', () => {
    const q = normalQuantile(0.9);
    let hits = 0;
    const reps = 200;
    for (let r = 0; r < reps; r++) {
      const res = empiricalQuantile(normalSample(300, 5000 + r), 0.9);
      expect(res.coverage).toBeGreaterThanOrEqual(0.95);
      if (res.lower <= q && q <= res.upper) hits++;
    }
    expect(hits / reps).toBeGreaterThan(0.92);
  });

  it('says when the sample is too small to bound an extreme quantile', () => {
    const res = empiricalQuantile(normalSample(100, 3), 0.999);
    expect(res.upper).toBe(Infinity);
    expect(res.note).toMatch(/at least 3688 samples are needed/);
  });

  it('VaR of the lower tail is the low quantile', () => {
    const x = normalSample(50_000, 4);
    const v = valueAtRisk(x, 0.99, { tail: 'lower' });
    expect(v.p).toBeCloseTo(0.01, 12);
    expect(v.lower).toBeLessThan(-2.3263478740408408);
    expect(v.upper).toBeGreaterThan(-2.3263478740408408);
  });
});

describe('conditional value-at-risk', () => {
  it('matches 1 + VaR for an exponential (memorylessness)', () => {
    const x = exponentialSample(200_000, 7);
    for (const level of [0.9, 0.99]) {
      const c = conditionalValueAtRisk(x, level);
      const exact = 1 - Math.log(1 - level);
      // 4 standard errors: a 95 % interval misses 1 time in 20 (coverage is checked separately below).
      expect(Math.abs(c.estimate - exact)).toBeLessThan(4 * c.standardError);
      expect(c.standardError).toBeLessThan(0.05);
    }
  });

  it('matches phi(z_a) / (1 - a) for a normal, both tails', () => {
    const x = normalSample(200_000, 8);
    const level = 0.99;
    const exact = phi(normalQuantile(level)) / (1 - level); // 2.6652
    const up = conditionalValueAtRisk(x, level);
    expect(Math.abs(up.estimate - exact)).toBeLessThan(4 * up.standardError);
    const lo = conditionalValueAtRisk(x, level, { tail: 'lower' });
    expect(Math.abs(lo.estimate + exact)).toBeLessThan(4 * lo.standardError);
    expect(lo.lower).toBeLessThan(lo.estimate);
    expect(lo.upper).toBeGreaterThan(lo.estimate);
    expect(lo.valueAtRisk).toBeCloseTo(-2.326, 1);
    expect(lo.estimate).toBeLessThan(lo.valueAtRisk); // the shortfall lies beyond the VaR
  });

  it('standard error is honest over repetitions', () => {
    const level = 0.95;
    const exact = phi(normalQuantile(level)) / (1 - level);
    let hits = 0;
    const reps = 100;
    for (let r = 0; r < reps; r++) {
      const c = conditionalValueAtRisk(normalSample(2000, 9000 + r), level);
      if (c.lower <= exact && exact <= c.upper) hits++;
    }
    expect(hits / reps).toBeGreaterThan(0.85);
  });

  it('refuses a level with no tail sample', () => {
    expect(() => conditionalValueAtRisk([1, 2, 3], 0.99)).toThrow(
      'level must leave at least one sample in the tail (n * (1 - level) >= 1), got 0.99 (with 3 samples use level <= 0.6667, or run more samples)',
    );
  });
});

describe('exceedanceCurve', () => {
  it('is decreasing and matches direct counts', () => {
    const x = normalSample(5000, 10);
    const curve = exceedanceCurve(x, { maxPoints: 30 });
    expect(curve.points.length).toBeGreaterThan(10);
    for (let i = 1; i < curve.points.length; i++) {
      expect(curve.points[i].value).toBeGreaterThan(curve.points[i - 1].value);
      expect(curve.points[i].probability).toBeLessThanOrEqual(curve.points[i - 1].probability);
    }
    for (const pt of curve.points) {
      const count = Array.from(x).filter((v) => v > pt.value).length;
      expect(pt.exceedances).toBe(count);
      expect(pt.lower).toBeLessThanOrEqual(pt.probability);
      expect(pt.upper).toBeGreaterThanOrEqual(pt.probability);
    }
    const lower = exceedanceCurve(x, { tail: 'lower', maxPoints: 10 });
    for (let i = 1; i < lower.points.length; i++) expect(lower.points[i].value).toBeLessThan(lower.points[i - 1].value);
  });
});
