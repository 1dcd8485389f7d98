import { describe, expect, it } from 'vitest';
import { CellspreadInputError, conditionalValueAtRisk, exceedanceProbability, fitGeneralizedPareto, tailSummary, valueAtRisk } from '../../src/index.ts';
import { tailSummaryOfOwnColumn } from '../../src/tail/summary.ts';
import { gpdSample, normalSample } from './helpers.ts';

describe('tailSummary', () => {
  it('gives, to the bit, what each estimator gives on its own sorted copy (the column is sorted once and shared)', () => {
    // A lower tail (the negated copy), dropped NaN, ties and signed zeros: every section equals the public estimator run
    // on the finite values, which sorts its own oriented copy.
    const raw = Array.from(normalSample(3001, 81, 2.5, 0.01), (v, i) => (i % 250 === 0 ? NaN : i % 7 === 0 ? Math.round(v * 100) / 100 : v));
    raw.push(0, -0, 0);
    const finite = raw.filter(Number.isFinite);
    const bound = (x: number) => (Number.isFinite(x) ? x : null); // the summary's JSON-safe bounds
    const opts = { tail: 'lower' as const, confidence: 0.9 };
    const s = tailSummary(raw, { limit: 2.48, ...opts, nonFinite: 'drop', minExceedances: 20 });
    expect(s.droppedNonFinite).toBe(raw.length - finite.length);
    const emp = exceedanceProbability(finite, 2.48, opts);
    expect(s.empirical).toEqual({ estimate: emp.estimate, lower: emp.lower, upper: emp.upper, exceedances: emp.exceedances });
    for (const [i, level] of [0.9, 0.99, 0.999].entries()) {
      const v = valueAtRisk(finite, level, opts);
      expect([s.valueAtRisk[i].estimate, s.valueAtRisk[i].lower, s.valueAtRisk[i].upper]).toEqual([v.estimate, bound(v.lower), bound(v.upper)]);
      const c = conditionalValueAtRisk(finite, level, opts);
      expect([s.conditionalValueAtRisk[i].estimate, s.conditionalValueAtRisk[i].lower, s.conditionalValueAtRisk[i].upper]).toEqual([c.estimate, bound(c.lower), bound(c.upper)]);
    }
    const fit = fitGeneralizedPareto(finite, { ...opts, minExceedances: 20 });
    expect(s.gpd.status).toBe('fitted');
    if (s.gpd.status !== 'fitted') return;
    expect([s.gpd.threshold, s.gpd.shape, s.gpd.scale, s.gpd.exceedances]).toEqual([fit.threshold, fit.shape, fit.scale, fit.exceedances]);
  });

  it('a column handed over (the study analysis) gives the same summary, compacted and sorted in place without a copy', () => {
    const raw = Array.from(gpdSample(4000, 1.5, 0.1, 83), (v, i) => (i % 333 === 0 ? NaN : 300 + v));
    const options = { limit: 306, tail: 'upper' as const, nonFinite: 'drop' as const };
    const own = Float64Array.from(raw);
    expect(tailSummaryOfOwnColumn(own, options)).toEqual(tailSummary(raw, options));
    const finite = raw.filter(Number.isFinite).sort((a, b) => a - b);
    expect(Array.from(own.subarray(0, finite.length))).toEqual(finite);
    // With nonFinite 'error' a NaN is still the error naming the column and index.
    expect(() => tailSummaryOfOwnColumn(Float64Array.from(raw), { limit: 306, output: 'peak' })).toThrow(/peak\[0\] must be a finite number/);
  });

  it('summarises an upper tail with empirical, VaR, CVaR and GPD sections, JSON-safe', () => {
    const peak = Array.from(gpdSample(20_000, 1.5, 0.1, 71), (v) => 300 + v); // K
    const s = tailSummary(peak, { output: 'peakTemperature', limit: 315, tail: 'upper' });
    const back = JSON.parse(JSON.stringify(s));
    expect(back).toEqual(s);
    expect(s.output).toBe('peakTemperature');
    expect(s.n).toBe(20_000);
    expect(s.valueAtRisk.map((v) => v.level)).toEqual([0.9, 0.99, 0.999]);
    expect(s.conditionalValueAtRisk).toHaveLength(3);
    expect(s.gpd.status).toBe('fitted');
    if (s.gpd.status !== 'fitted') return;
    expect(s.gpd.exceedanceProbability).not.toBeNull();
    // True P(Y > 315) = (1 + 0.1 * 15 / 1.5)^-10 = 2^-10.
    const pTrue = Math.pow(2, -10);
    expect(s.empirical.lower).toBeLessThan(pTrue);
    expect(s.empirical.upper!).toBeGreaterThan(pTrue);
    expect(s.gpd.exceedanceProbability!.lower!).toBeLessThan(pTrue);
    expect(s.gpd.exceedanceProbability!.upper!).toBeGreaterThan(pTrue);
    expect(s.recommended.source).toBe('empirical');
  });

  it('recommends the GPD extrapolation when the limit is beyond the data', () => {
    const peak = Array.from(gpdSample(5000, 1.5, 0.1, 72), (v) => 300 + v);
    const s = tailSummary(peak, { limit: 360, direction: 'upper' }); // P = (1 + 4)^-10 ~ 1e-7
    expect(s.empirical.exceedances).toBe(0);
    expect(s.recommended.source).toBe('gpd');
    expect(s.recommended.estimate).toBeGreaterThan(0);
    expect(s.recommended.upper!).toBeGreaterThan(Math.pow(5, -10));
  });

  it('never throws on thin data: it says why sections are missing', () => {
    const s = tailSummary([1, 2, 3, 4, 5], { limit: 10, confidence: 0.9 });
    expect(s.gpd).toEqual({ status: 'skipped', reason: 'only 5 samples; a peaks-over-threshold fit needs at least 100 (run more samples)' });
    expect(s.recommended.source).toBe('empirical-bound');
    expect(s.recommended.upper).toBeCloseTo(1 - Math.pow(0.05, 1 / 5), 12);
    expect(s.warnings.some((w) => /conditionalValueAtRisk at level 0.99 skipped/.test(w))).toBe(true);
    const t = tailSummary(normalSample(150, 73), { limit: 1, minExceedances: 40, threshold: 2 });
    expect(t.gpd.status).toBe('skipped');
    if (t.gpd.status === 'skipped') expect(t.gpd.reason).toMatch(/^threshold must leave at least 40 samples above it to fit a GPD/);
  });

  it('lower tail: capacity below 95 % of nominal', () => {
    const cap = normalSample(20_000, 74, 1, 0.02);
    const s = tailSummary(cap, { output: 'capacity', limit: 0.95, tail: 'lower' });
    expect(s.tail).toBe('lower');
    const p = 0.00620966532577613; // Phi(-2.5)
    expect(s.empirical.lower).toBeLessThan(p);
    expect(s.empirical.upper!).toBeGreaterThan(p);
    expect(s.valueAtRisk[1].estimate).toBeLessThan(1); // 1 % quantile of capacity
    expect(s.conditionalValueAtRisk[1].estimate).toBeLessThan(s.valueAtRisk[1].estimate);
  });

  it('input errors name the column', () => {
    expect(() => tailSummary([1, NaN], { output: 'peakTemperature', limit: 1 })).toThrow(/^peakTemperature\[1\] must be a finite number, got NaN/);
    expect(() => tailSummary([], { output: 'peakTemperature', limit: 1 })).toThrow(CellspreadInputError);
    expect(() => tailSummary([1, 2], { limit: Number.NaN })).toThrow('limit must be a finite number, got NaN (the design limit in the units of the output)');
    const d = tailSummary([1, NaN, 2, Infinity], { limit: 1.5, nonFinite: 'drop' });
    expect(d.n).toBe(2);
    expect(d.droppedNonFinite).toBe(2);
  });
});
