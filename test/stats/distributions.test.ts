/**
 * The distribution family (src/stats/): for every member the identities that tie its functions together (cdf(ppf(q)) =
 * q, sf = 1 - cdf, logsf = ln sf, pdf = d cdf / dx, logpdf = ln pdf, ppf(0) and ppf(1) at the support ends), its mean and
 * variance against an independent quadrature of the quantile function (E X = int_0^1 ppf(u) du), and published or
 * closed-form values. The sampler's own checks of these distributions are in test/variation/.
 */
import { describe, expect, it } from 'vitest';
import {
  beta,
  binomial,
  chiSquare,
  fixed,
  generalizedPareto,
  lognormal,
  mixture,
  normal,
  normalCritical,
  pareto,
  studentT,
  transformed,
  truncatedNormal,
  uniform,
  weibull,
  type ContinuousDistribution,
} from '../../src/stats/index.ts';
import * as rootApi from '../../src/index.ts';

const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/** int_0^1 g(u) du by tanh-sinh quadrature, which shrugs off the endpoint singularities of heavy-tailed quantiles. */
function integrateUnit(g: (u: number) => number): number {
  const h = 1 / 64;
  let s = 0;
  for (let k = -400; k <= 400; k++) {
    const t = k * h;
    const a = (Math.PI / 2) * Math.sinh(t);
    const v = 1 / (1 + Math.exp(2 * a)); // 1 - u, exact near u = 1
    const u = 1 / (1 + Math.exp(-2 * a));
    if (!(u > 0 && v > 0 && u < 1)) continue;
    const w = ((Math.PI / 2) * Math.cosh(t)) / (2 * Math.cosh(a) ** 2);
    s += w * g(u);
  }
  return s * h;
}

interface Case {
  d: ContinuousDistribution;
  /** Points inside the support where the density is smooth. */
  xs: number[];
  /** Tolerance of cdf(ppf(q)) = q relative to q, beyond the rounding of x = ppf(q) (t and chi-square quantiles iterate). */
  tol?: number;
  /** Relative tolerance of the quadrature moments (heavy tails converge slowly). */
  momentTol?: number;
}

const CASES: Case[] = [
  { d: normal(2, 0.5), xs: [0.3, 1.9, 2, 3.1] },
  { d: truncatedNormal(0, 1, -0.5, 2), xs: [-0.4, 0, 1.5] },
  { d: truncatedNormal(1, 2, 6, Infinity), xs: [6.1, 7, 9] },
  { d: truncatedNormal(0, 1, -Infinity, -1), xs: [-3, -1.5, -1.01] },
  { d: lognormal(-1, 0.3), xs: [0.1, 0.35, 0.9] },
  { d: uniform(-0.1, 0.3), xs: [-0.05, 0.1, 0.29] },
  { d: studentT(5, 1, 2), xs: [-4, 0.5, 3, 7], tol: 1e-10 },
  // Its variance integral converges slowly: u within 1e-16 of 1 (beyond the doubles) holds ~1e-3 of it.
  { d: studentT(2.5), xs: [-3, 0.2, 4], tol: 1e-10, momentTol: 3e-3 },
  { d: weibull(1.7, 3, 0.5), xs: [0.7, 2, 6] },
  { d: weibull(0.8, 1), xs: [0.01, 0.5, 3] },
  { d: pareto(5.5, 2), xs: [2.1, 3, 8] },
  { d: generalizedPareto(0.2, 1.2, 2), xs: [2.1, 3, 9] },
  { d: generalizedPareto(0, 1, 0), xs: [0.01, 1, 5] },
  { d: generalizedPareto(-0.3, 1, 0), xs: [0.1, 1, 3] },
  { d: beta(2, 3), xs: [0.05, 0.4, 0.9] },
  { d: beta(0.5, 0.7), xs: [0.01, 0.5, 0.97] },
  { d: chiSquare(1), xs: [0.01, 1, 6] },
  { d: chiSquare(3), xs: [0.2, 2.5, 9], tol: 1e-12 },
  { d: chiSquare(10), xs: [3, 9.5, 25], tol: 1e-12 },
  // Quadrature through the kinks of a mixture's quantile function converges slowly.
  { d: mixture(0.3, normal(1, 0.5), generalizedPareto(0.1, 0.5, 0.5)), xs: [0.2, 1, 2.5], momentTol: 1e-5 },
  { d: mixture(0.3, truncatedNormal(1, 0.5, 0, 1.2), generalizedPareto(-0.2, 0.5, 1.1)), xs: [0.2, 1.15, 2], momentTol: 1e-5 },
  { d: transformed(lognormal(0.1, 0.2), Math.log, Math.exp, 'ln lognormal', Math.exp), xs: [-0.3, 0.1, 0.5] },
];

const QS = [1e-9, 1e-4, 0.02, 0.3, 0.5, 0.77, 0.98, 0.9999];

describe('the continuous distributions: one family, consistent functions', () => {
  for (const { d, xs, tol = 1e-13 } of CASES) {
    it(`${d.name} [${d.support}]: ppf inverts cdf, ppf(0) and ppf(1) are the support ends, ppf is monotone`, () => {
      let prev = -Infinity;
      for (const q of QS) {
        const x = d.ppf(q);
        expect(x, `ppf(${q})`).toBeGreaterThanOrEqual(prev);
        prev = x;
        // Beyond tol: the rounding of x (pdf(x) |x| 2^-53) and the cdf's own error (erfc: about 1e-15).
        const allowed = tol * q + 64 * 2 ** -52 * (1 + d.pdf(x) * Math.abs(x));
        expect(Math.abs(d.cdf(x) - q), `cdf(ppf(${q})) - ${q}`).toBeLessThanOrEqual(allowed);
      }
      expect(d.ppf(0)).toBe(d.support[0]);
      expect(d.ppf(1)).toBe(d.support[1]);
    });

    it(`${d.name} [${d.support}]: sf = 1 - cdf, logsf = ln sf, pdf = d cdf / dx, logpdf = ln pdf, nothing outside the support`, () => {
      for (const x of xs) {
        expect(Math.abs(d.sf(x) + d.cdf(x) - 1), `sf(${x})`).toBeLessThan(1e-14);
        expect(rel(Math.exp(d.logsf(x)), d.sf(x)), `logsf(${x})`).toBeLessThan(1e-13);
        const h = 1e-5 * (Math.abs(x) || 1);
        const slope = (d.cdf(x + h) - d.cdf(x - h)) / (2 * h);
        expect(rel(d.pdf(x), slope), `pdf(${x})`).toBeLessThan(1e-7);
        expect(rel(d.logpdf(x), Math.log(d.pdf(x))), `logpdf(${x})`).toBeLessThan(1e-13);
      }
      const [lo, hi] = d.support;
      if (lo > -Infinity) expect([d.cdf(lo - 1), d.sf(lo - 1), d.pdf(lo - 1), d.logpdf(lo - 1)]).toEqual([0, 1, 0, -Infinity]);
      if (hi < Infinity) expect([d.cdf(hi + 1), d.sf(hi + 1), d.pdf(hi + 1)]).toEqual([1, 0, 0]);
    });
  }

  for (const { d, momentTol = 1e-9 } of CASES) {
    if (d.mean === undefined) continue;
    it(`${d.name} [${d.support}]: closed-form mean and variance equal the quadrature of its quantile function`, () => {
      const ppf = (u: number) => d.ppf(u);
      const mean = integrateUnit(ppf);
      const variance = integrateUnit((u) => (ppf(u) - mean) ** 2);
      expect(Math.abs(d.mean! - mean)).toBeLessThan(momentTol * Math.max(Math.abs(mean), Math.sqrt(variance)));
      if (Number.isFinite(d.variance)) expect(rel(d.variance!, variance)).toBeLessThan(Math.max(momentTol, 1e-8));
    });
  }

  it('moments that do not exist or diverge are NaN and Infinity, as in scipy.stats', () => {
    expect([studentT(1).mean, studentT(1).variance, studentT(1.5).variance, studentT(3).variance]).toEqual([NaN, NaN, Infinity, 3]);
    expect([pareto(1).mean, pareto(2).variance, generalizedPareto(1, 1).mean, generalizedPareto(0.5, 1).variance]).toEqual([Infinity, Infinity, Infinity, Infinity]);
    expect(transformed(normal(), Math.exp, Math.log).mean).toBeUndefined();
  });
});

// scipy 1.17.1: [object, x, ppf(0.01), ppf(0.9), cdf(x), sf(x), pdf(x), mean, var] of norm, truncnorm, lognorm, uniform,
// t, weibull_min, pareto, genpareto, beta, chi2 with the same parameters.
const SCIPY: [ContinuousDistribution, ...number[]][] = [
  [normal(2, 0.5), 2.7, 0.8368260629795796, 2.6407757827723, 0.919243340766229, 0.08075665923377101, 0.2994549312714896, 2.0, 0.25],
  [truncatedNormal(1, 2, 6, Infinity), 7.0, 6.007116879717922, 7.4581408534037, 0.7826134001092281, 0.2173865998907716, 0.356850826850647, 6.64548959532782, 0.3558952056844249],
  [truncatedNormal(0, 1, -0.5, 2), 0.3, -0.4810945180698798, 1.3430903195383768, 0.4626412134121451, 0.5373587865878551, 0.5703316639084887, 0.4457437782725149, 0.37659383613683584],
  [lognormal(-1, 0.3), 0.5, 0.1830667639747135, 0.5403519835724794, 0.846808894817972, 0.1531911051820281, 1.5762960535385937, 0.3848121445529786, 0.01394536433841832],
  [uniform(-0.1, 0.3), 0.2, -0.096, 0.26, 0.7500000000000001, 0.2499999999999999, 2.5, 0.1, 0.013333333333333334],
  [studentT(5, 1, 2), 4.0, -5.729859997814436, 3.951768097648963, 0.9030481598787634, 0.09695184012123664, 0.062258672323177555, 1.0, 6.666666666666667],
  [weibull(1.7, 3, 0.5), 2.0, 0.7004164465091589, 5.399923581595441, 0.26492746924321325, 0.7350725307567867, 0.25641112456594933, 3.176733507497972, 2.626693445212684],
  [pareto(5.5, 2), 3.0, 2.00365800876672, 3.0398221659058677, 0.8924778165033447, 0.10752218349665528, 0.19712400307720135, 2.4444444444444446, 0.31040564373897706],
  [generalizedPareto(0.2, 1.2, 2), 3.0, 2.0120725322597917, 5.509359154766681, 0.5373356339620396, 0.46266436603796035, 0.33047454716997166, 3.5, 3.749999999999999],
  [generalizedPareto(-0.3, 1, 0), 1.0, 0.010035199682068325, 1.6627092212424257, 0.6954489274022879, 0.3045510725977121, 0.4350729608538743, 0.7692307692307692, 0.36982248520710054],
  [beta(2, 3), 0.4, 0.04199863562170072, 0.6795394162781817, 0.5247999999999999, 0.47519999999999996, 1.7279999999999998, 0.4, 0.04],
  [chiSquare(3), 2.5, 0.11483180189911707, 6.251388631170325, 0.5247089166569795, 0.4752910833430205, 0.1807223926681813, 3.0, 6.0],
  [chiSquare(10), 9.5, 2.5582121601872063, 15.987179172105265, 0.5146024422214034, 0.4853975577785966, 0.09175598718797891, 10.0, 20.0],
];

describe('published and closed-form values', () => {
  it.each(SCIPY)('%s matches scipy.stats (ppf, cdf, sf, pdf, mean, variance)', (d, x, q01, q90, cdf, sf, pdf, mean, variance) => {
    const got = [d.ppf(0.01), d.ppf(0.9), d.cdf(x), d.sf(x), d.pdf(x), d.mean!, d.variance!];
    const want = [q01, q90, cdf, sf, pdf, mean, variance];
    got.forEach((g, i) => expect(rel(g, want[i]), `${['ppf(0.01)', 'ppf(0.9)', 'cdf', 'sf', 'pdf', 'mean', 'variance'][i]}: ${g} vs ${want[i]}`).toBeLessThan(1e-12));
  });

  it('quantiles: scipy.stats norm, t, chi2, beta; closed forms of chi-square(2) and Beta(1, n)', () => {
    expect(normal().ppf(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalCritical(0.95)).toBe(normal().ppf(0.975));
    expect(studentT(5).ppf(0.975)).toBeCloseTo(2.570581835636314, 11);
    expect(chiSquare(1).ppf(0.95)).toBeCloseTo(3.841458820694124, 12);
    expect(chiSquare(3).ppf(0.95)).toBeCloseTo(7.814727903251179, 11);
    for (const q of [1e-12, 0.01, 0.5, 0.95, 1 - 1e-9]) expect(rel(chiSquare(2).ppf(q), -2 * Math.log1p(-q))).toBeLessThan(1e-13);
    // chi-square(4): F(x) = 1 - e^(-x/2) (1 + x/2)
    for (const q of [1e-6, 0.3, 0.99]) {
      const y = chiSquare(4).ppf(q) / 2;
      expect(rel(-Math.expm1(-y) - y * Math.exp(-y), q)).toBeLessThan(1e-12);
    }
    expect(rel(beta(1, 10).ppf(0.975), 1 - 0.025 ** 0.1)).toBeLessThan(1e-13);
  });

  it('densities: the standard normal at 0, Exp(1) as GPD(0, 1) and chi-square(2), the Cauchy density as t_1', () => {
    expect(rel(normal().pdf(0), 1 / Math.sqrt(2 * Math.PI))).toBeLessThan(1e-15);
    for (const x of [0, 0.5, 3]) {
      expect(rel(generalizedPareto(0, 1).pdf(x), Math.exp(-x))).toBeLessThan(1e-15);
      expect(rel(chiSquare(2).pdf(x), 0.5 * Math.exp(-x / 2))).toBeLessThan(1e-14);
      expect(rel(studentT(1).pdf(x), 1 / (Math.PI * (1 + x * x)))).toBeLessThan(1e-14);
    }
    // GPD with shape -1 is uniform on [0, scale].
    expect([generalizedPareto(-1, 2).pdf(0.3), generalizedPareto(-1, 2).pdf(1.999)]).toEqual([0.5, 0.5]);
  });

  it('far tails: logsf stays finite where sf underflows (normal, lognormal, Pareto, GPD, Weibull)', () => {
    expect(normal().sf(40)).toBe(0);
    expect(rel(normal().logsf(40), -804.6084420137539)).toBeLessThan(1e-14); // scipy.special.log_ndtr(-40)
    expect(rel(lognormal(0, 1).logsf(Math.exp(40)), normal().logsf(40))).toBeLessThan(1e-13);
    expect(rel(pareto(2, 1).logsf(1e200), -2 * Math.log(1e200))).toBeLessThan(1e-15);
    expect(rel(generalizedPareto(0.5, 1).logsf(1e300), -2 * Math.log1p(0.5e300))).toBeLessThan(1e-15);
    expect(rel(weibull(2, 1).logsf(100), -10000)).toBeLessThan(1e-14);
  });

  it('fixed is a point mass', () => {
    const d = fixed(3);
    expect([d.ppf(0.3), d.cdf(2.99), d.cdf(3), d.sf(3), d.pdf(3), d.pdf(2), d.mean, d.variance]).toEqual([3, 0, 1, 0, Infinity, 0, 3, 0]);
    expect(normal(3, 0).name).toBe('fixed');
    expect(lognormal(0, 0).ppf(0.9)).toBe(1);
  });
});

describe('binomial: the discrete member', () => {
  it('pmf sums to the cdf, the cdf equals the direct sum, sf = 1 - cdf, ppf is the smallest k with cdf(k) >= q', () => {
    const n = 30;
    const p = 0.17;
    const B = binomial(n, p);
    let acc = 0;
    let logC = 0;
    let mean = 0;
    let second = 0;
    for (let k = 0; k <= n; k++) {
      if (k > 0) logC += Math.log((n - k + 1) / k);
      const pk = Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
      acc += pk;
      mean += k * pk;
      second += k * k * pk;
      expect(rel(B.pmf(k), pk), `pmf(${k})`).toBeLessThan(1e-12);
      expect(B.cdf(k)).toBeCloseTo(acc, 12);
      expect(B.sf(k)).toBeCloseTo(1 - acc, 12);
    }
    expect(rel(B.mean, mean)).toBeLessThan(1e-13);
    expect(rel(B.variance, second - mean * mean)).toBeLessThan(1e-12);
    for (const q of [0.001, 0.3, 0.5, 0.9, 0.999]) {
      const k = B.ppf(q);
      expect(B.cdf(k)).toBeGreaterThanOrEqual(q);
      expect(B.cdf(k - 1)).toBeLessThan(q);
    }
    expect([B.pmf(2.5), B.pmf(-1), B.pmf(31), B.cdf(2.5), B.cdf(2)]).toEqual([0, 0, 0, B.cdf(2), B.cdf(2)]);
    // scipy.stats.binom(30, 0.17): ppf(0.3), cdf(7), pmf(4), sf(9)
    expect([B.ppf(0.3), rel(B.cdf(7), 0.875952071225463) < 1e-13, rel(B.pmf(4), 0.1801589714343103) < 1e-13, rel(B.sf(9), 0.022430693884416868) < 1e-12]).toEqual([4, true, true, true]);
    expect([binomial(5, 0).support, binomial(5, 1).support, binomial(5, 1).pmf(5), binomial(5, 0).cdf(0)]).toEqual([[0, 0], [5, 5], 1, 1]);
  });
});

describe('parameters', () => {
  it('bad parameters are errors that name the distribution, the parameter, the rule and the value', () => {
    expect(() => normal(0, -1)).toThrow('normal: sd must be a finite number >= 0, got -1');
    expect(() => uniform(2, 1)).toThrow('uniform: max must be > min (2), got 1');
    expect(() => studentT(0)).toThrow('studentT: df must be a finite number > 0, got 0');
    expect(() => generalizedPareto(0.1, 0)).toThrow('generalizedPareto: scale must be a finite number > 0, got 0');
    expect(() => binomial(2.5, 0.1)).toThrow('binomial: n must be an integer >= 0, got 2.5');
    expect(() => mixture(1.5, normal(), normal())).toThrow('mixture: probability must be in [0, 1], got 1.5');
    expect(() => transformed(normal(), Math.exp, Math.log).pdf(1)).toThrow('needs the derivative of the inverse transform');
  });

  it('the family is in the public API, and the old homes of the special functions still export them', () => {
    for (const name of ['normal', 'beta', 'binomial', 'chiSquare', 'generalizedPareto', 'normalCritical', 'normalCdf', 'normalQuantile', 'erfc', 'studentTQuantile', 'sortedQuantile'] as const) {
      expect(typeof rootApi[name], name).toBe('function');
    }
  });
});
