// Two-level Monte Carlo, analytic case: Y = theta + eps, theta ~ N(mu, tau) unknown but shared (epistemic), eps ~
// N(0, sigma) per sample (aleatory), failure Y > L. The conditional probability of failure is the normal tail
// p(theta) = 1 - Phi((L - theta) / sigma), increasing in theta, so its quantiles over what we do not know are p at the
// quantiles of theta, and the pooled probability is 1 - Phi((L - mu) / sqrt(sigma^2 + tau^2)).
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../src/math/special.ts';
import { Rng } from '../../src/random/rng.ts';
import { epistemicTailSummary } from '../../src/tail/index.ts';
import { binomial } from '../../src/stats/index.ts';

const mu = 0;
const tau = 0.5;
const sigma = 1;
const L = 1;
const p = (theta: number) => 1 - normalCdf((L - theta) / sigma);
const exact = {
  lower: p(mu + tau * normalQuantile(0.05)),
  median: p(mu),
  upper: p(mu + tau * normalQuantile(0.95)),
  pooled: 1 - normalCdf((L - mu) / Math.hypot(sigma, tau)),
};

/** values[e * inner + i] = theta_e + eps_i: crossed (inner sample i has the same aleatory draw in every outer sample). */
function twoLevel(theta: ArrayLike<number>, eps: ArrayLike<number>): Float64Array {
  const v = new Float64Array(theta.length * eps.length);
  for (let e = 0; e < theta.length; e++) for (let i = 0; i < eps.length; i++) v[e * eps.length + i] = theta[e] + eps[i];
  return v;
}

describe('epistemicTailSummary: the analytic two-level case', () => {
  /** theta at the plotting positions of the type-7 quantile, u = e / (E - 1): its 5, 50 and 95 % quantiles are exact. */
  const plottingPositions = (E: number) =>
    Array.from({ length: E }, (_, e) => (e === 0 ? -1e6 : e === E - 1 ? 1e6 : mu + tau * normalQuantile(e / (E - 1))));

  it('stratified draws: median, 90 % band and pooled probability equal their closed forms', () => {
    // Inner draws at the midpoints of I equal-probability strata (error of each p_e below 0.5 / I); outer draws where
    // the quantiles of theta are exact, then at strata midpoints for the pooled mean. A wrong quantile level, a
    // swapped loop or a pooled-for-conditional mix-up cannot hide in Monte Carlo noise.
    const E = 201;
    const I = 20000;
    const theta = plottingPositions(E);
    const eps = Array.from({ length: I }, (_, i) => sigma * normalQuantile((i + 0.5) / I));
    const r = epistemicTailSummary(twoLevel(theta, eps), { limit: L, tail: 'upper', outer: E, inner: I, quantities: [{ name: 'theta', values: theta }] });
    const close = (got: number, want: number) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThan(1e-4);
    close(r.lower.estimate, exact.lower); // 0.0342
    close(r.median.estimate, exact.median); // 0.1587
    close(r.upper.estimate, exact.upper); // 0.4294
    const midpoints = Array.from({ length: 200 }, (_, e) => mu + tau * normalQuantile((e + 0.5) / 200));
    const pooled = epistemicTailSummary(twoLevel(midpoints, eps), { limit: L, outer: 200, inner: I, quantities: [{ name: 'theta', values: midpoints }] });
    close(pooled.pooled.estimate, exact.pooled); // 0.1855
    expect(r.band).toBe(0.9);
    expect(r.lower.p).toBe(0.05);
    expect(r.upper.p).toBe(0.95);
    expect(r.perOuter).toHaveLength(E);
    r.perOuter.forEach((pe, e) => expect(Math.abs(pe - p(theta[e]))).toBeLessThan(1e-4));
    // One epistemic quantity explains all of the epistemic variance of p (binned estimate: close to 1, not exactly).
    expect(pooled.measureFirst[0].quantity).toBe('theta');
    expect(pooled.measureFirst[0].firstOrder).toBeGreaterThan(0.95);
    expect(pooled.measureFirst[0].rankCorrelation).toBeCloseTo(1, 6);
    expect(r.measureFirst[0].rankCorrelation).toBeCloseTo(1, 6);
  });

  it('lower tails: P(Y < L) with a lower limit mirrors the upper case', () => {
    const E = 101;
    const I = 10000;
    const eps = Array.from({ length: I }, (_, i) => sigma * normalQuantile((i + 0.5) / I));
    const v = twoLevel(plottingPositions(E), eps).map((x) => -x); // -Y < -L  <=>  Y > L
    const r = epistemicTailSummary(v, { limit: -L, tail: 'lower', outer: E, inner: I });
    expect(Math.abs(r.lower.estimate - exact.lower)).toBeLessThan(1e-4);
    expect(Math.abs(r.median.estimate - exact.median)).toBeLessThan(1e-4);
    expect(Math.abs(r.upper.estimate - exact.upper)).toBeLessThan(1e-4);
  });

  it('random draws: the closed-form band ends and pooled value lie inside the reported intervals', () => {
    const E = 400;
    const I = 4000;
    const rngOuter = new Rng(7, 1);
    const rngInner = new Rng(7, 2);
    const theta = Array.from({ length: E }, () => mu + tau * rngOuter.normal());
    const eps = Array.from({ length: I }, () => sigma * rngInner.normal());
    const r = epistemicTailSummary(twoLevel(theta, eps), { limit: L, outer: E, inner: I });
    for (const [q, want] of [
      [r.lower, exact.lower],
      [r.median, exact.median],
      [r.upper, exact.upper],
    ] as const) {
      expect(q.lower!).toBeLessThanOrEqual(want);
      expect(q.upper!).toBeGreaterThanOrEqual(want);
    }
    expect(r.pooled.lower).toBeLessThanOrEqual(exact.pooled);
    expect(r.pooled.upper).toBeGreaterThanOrEqual(exact.pooled);
  });

  for (const design of ['crossed', 'nested'] as const) {
    it(`${design} design: the pooled 95 % interval covers the closed form at the nominal rate over 300 seeds`, () => {
      const R = 300;
      const E = 40;
      const I = 100;
      let covered = 0;
      for (let s = 0; s < R; s++) {
        const rng = new Rng(100 + s);
        const theta = Array.from({ length: E }, () => mu + tau * rng.normal());
        const v = new Float64Array(E * I);
        const shared = Array.from({ length: I }, () => sigma * rng.normal());
        for (let e = 0; e < E; e++) for (let i = 0; i < I; i++) v[e * I + i] = theta[e] + (design === 'crossed' ? shared[i] : sigma * rng.normal());
        const r = epistemicTailSummary(v, { limit: L, outer: E, inner: I, design });
        if (r.pooled.lower <= exact.pooled && exact.pooled <= r.pooled.upper) covered++;
      }
      // Crossed: the standard error counts the shared aleatory error too (ignoring it would under-cover badly).
      expect(covered).toBeGreaterThanOrEqual(binomial(R, 0.95).ppf(0.0005));
      expect(covered).toBeLessThanOrEqual(R);
      expect(covered / R).toBeLessThan(0.995);
    });
  }

  it('which quantity to measure first: first-order shares of Var(p) against numerical integration', () => {
    // Y = theta1 + c theta2 + eps, theta ~ N(0, 1) each, eps ~ N(0, 1), failure Y > 2:
    // p = Phi(theta1 + c theta2 - 2); E[p | theta1] = Phi((theta1 - 2) / sqrt(1 + c^2)), E[p | theta2] = Phi((c theta2 - 2) / sqrt(2)).
    const c = 0.5;
    const limit = 2;
    // Var by quadrature on a grid (normal weights), 1-D for the conditional means and 2-D for p.
    const grid = Array.from({ length: 801 }, (_, k) => -8 + (16 * k) / 800);
    const w = grid.map((x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) * (16 / 800));
    const moment1 = (f: (x: number) => number) => {
      let m = 0;
      let m2 = 0;
      grid.forEach((x, k) => {
        m += w[k] * f(x);
        m2 += w[k] * f(x) ** 2;
      });
      return m2 - m * m;
    };
    let m = 0;
    let m2 = 0;
    grid.forEach((x, a) =>
      grid.forEach((y, b) => {
        const v = normalCdf(x + c * y - limit);
        m += w[a] * w[b] * v;
        m2 += w[a] * w[b] * v * v;
      }),
    );
    const varP = m2 - m * m;
    const s1 = moment1((x) => normalCdf((x - limit) / Math.hypot(1, c))) / varP;
    const s2 = moment1((y) => normalCdf((c * y - limit) / Math.SQRT2)) / varP;
    expect(s1).toBeGreaterThan(0.6);
    expect(s2).toBeLessThan(0.2);

    const E = 2000;
    const I = 2000;
    const rng = new Rng(3);
    const t1 = Array.from({ length: E }, () => rng.normal());
    const t2 = Array.from({ length: E }, () => rng.normal());
    const eps = Array.from({ length: I }, (_, i) => normalQuantile((i + 0.5) / I));
    const v = new Float64Array(E * I);
    for (let e = 0; e < E; e++) for (let i = 0; i < I; i++) v[e * I + i] = t1[e] + c * t2[e] + eps[i];
    const r = epistemicTailSummary(v, { limit, outer: E, inner: I, quantities: [{ name: 'weak', values: t2 }, { name: 'strong', values: t1 }] });
    expect(r.measureFirst.map((q) => q.quantity)).toEqual(['strong', 'weak']);
    const got = Object.fromEntries(r.measureFirst.map((q) => [q.quantity, q.firstOrder]));
    expect(Math.abs(got.strong - s1), `strong ${got.strong} vs ${s1}`).toBeLessThan(0.05);
    expect(Math.abs(got.weak - s2), `weak ${got.weak} vs ${s2}`).toBeLessThan(0.05);
  });

  it('rejects inconsistent sizes and reports zero failures with a bound', () => {
    expect(() => epistemicTailSummary(new Float64Array(10), { limit: 1, outer: 3, inner: 4 })).toThrowError('values length must equal outer x inner = 3 x 4 = 12, got 10');
    expect(() => epistemicTailSummary(new Float64Array(12), { limit: 1, outer: 3, inner: 4, quantities: [{ name: 'x', values: [1, 2] }] })).toThrowError(/quantities\[0\] must be \{ name, values \} with one value per outer sample \(3\)/);
    const none = epistemicTailSummary(new Float64Array(12), { limit: 1, outer: 3, inner: 4 });
    expect(none.pooled.estimate).toBe(0);
    expect(none.pooled.upper).toBeCloseTo(1 - 0.025 ** (1 / 4), 12);
    expect(none.warnings.join(' ')).toContain('no sample passes the limit');
  });
});
