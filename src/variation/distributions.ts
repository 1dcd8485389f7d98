/**
 * Univariate distributions, each sampled by its exact inverse CDF from one uniform u in (0, 1), so that Monte Carlo,
 * scrambled Sobol' and arbitrary latent designs (Shapley, rare-event) drive the sampler the same way.
 */
import { CellspreadInputError } from '../errors.ts';
import { normalCdf, normalQuantile } from '../random/rng.ts';
import { studentTCdf, studentTQuantile } from './special.ts';
import { exp, expm1, log, log1p, pow } from '../math/elementary.ts';

export interface Distribution {
  /** Distribution name as in a study file (`normal`, `defectMixture`, ...). */
  readonly kind: string;
  /** Support [lower, upper] (may be infinite). */
  readonly lower: number;
  readonly upper: number;
  /** Exact (generalized) inverse CDF; u = 0 and u = 1 give the support ends. */
  quantile(u: number): number;
  cdf(x: number): number;
}

/** Distributions as written in a study file (after defaults are filled). */
export interface NormalSpec {
  distribution: 'normal';
  mean: number;
  sd: number;
}
export interface TruncatedNormalSpec {
  distribution: 'truncatedNormal';
  mean: number;
  sd: number;
  min?: number;
  max?: number;
}
/** ln X ~ Normal(mu, sd): `sd` is the standard deviation of ln X; the median is exp(mu). */
export interface LognormalSpec {
  distribution: 'lognormal';
  mu: number;
  sd: number;
}
export interface UniformSpec {
  distribution: 'uniform';
  min: number;
  max: number;
}
/** location + scale * T_df. */
export interface StudentTSpec {
  distribution: 'studentT';
  df: number;
  location: number;
  scale: number;
}
export interface WeibullSpec {
  distribution: 'weibull';
  shape: number;
  scale: number;
  location: number;
}
export interface FixedSpec {
  distribution: 'fixed';
  value: number;
}
/** Pareto type I: P(X > x) = (min / x)^alpha for x >= min. */
export interface ParetoSpec {
  distribution: 'pareto';
  alpha: number;
  min: number;
}
/** Generalized Pareto: P(X > x) = (1 + shape (x - location) / scale)^(-1/shape) for x >= location. */
export interface GeneralizedParetoSpec {
  distribution: 'generalizedPareto';
  shape: number;
  scale: number;
  location: number;
}
/** With probability `probability` a defect: the base value times `factor`; otherwise `base` applies. */
export interface DefectMixtureSpec {
  distribution: 'defectMixture';
  probability: number;
  base: SimpleDistributionSpec;
  factor: ParetoSpec | GeneralizedParetoSpec;
}

export type SimpleDistributionSpec =
  | NormalSpec
  | TruncatedNormalSpec
  | LognormalSpec
  | UniformSpec
  | StudentTSpec
  | WeibullSpec
  | FixedSpec
  | ParetoSpec
  | GeneralizedParetoSpec;
export type DistributionSpec = SimpleDistributionSpec | DefectMixtureSpec;
export type DistributionName = DistributionSpec['distribution'];

export const DISTRIBUTION_NAMES = [
  'normal',
  'truncatedNormal',
  'lognormal',
  'uniform',
  'studentT',
  'weibull',
  'fixed',
  'pareto',
  'generalizedPareto',
  'defectMixture',
] as const satisfies readonly DistributionName[];

/** -ln(1 - u), accurate for small u. */
const expTail = (u: number) => -log1p(-u);

export function normal(mean: number, sd: number): Distribution {
  if (sd === 0) return fixed(mean);
  return {
    kind: 'normal',
    lower: -Infinity,
    upper: Infinity,
    quantile: (u) => mean + sd * normalQuantile(u),
    cdf: (x) => normalCdf((x - mean) / sd),
  };
}

/** Normal(mean, sd) restricted to [min, max]; the quantile works on the smaller tail so far truncations stay exact. */
export function truncatedNormal(mean: number, sd: number, min = -Infinity, max = Infinity): Distribution {
  const a = (min - mean) / sd;
  const b = (max - mean) / sd;
  const upperSide = a > 0; // whole interval in the upper tail: use complements
  const pa = upperSide ? normalCdf(-a) : normalCdf(a);
  const pb = upperSide ? normalCdf(-b) : normalCdf(b);
  const mass = Math.abs(pb - pa);
  if (!(mass > 0)) throw new CellspreadInputError('truncatedNormal', 'must keep some probability between min and max', [min, max]);
  const clamp = (x: number) => Math.min(max, Math.max(min, x));
  return {
    kind: 'truncatedNormal',
    lower: min,
    upper: max,
    quantile: (u) => clamp(upperSide ? mean - sd * normalQuantile(pa - u * (pa - pb)) : mean + sd * normalQuantile(pa + u * (pb - pa))),
    cdf: (x) => {
      if (x <= min) return 0;
      if (x >= max) return 1;
      const z = (x - mean) / sd;
      return upperSide ? (pa - normalCdf(-z)) / (pa - pb) : (normalCdf(z) - pa) / (pb - pa);
    },
  };
}

export function lognormal(mu: number, sd: number): Distribution {
  if (sd === 0) return fixed(exp(mu));
  return {
    kind: 'lognormal',
    lower: 0,
    upper: Infinity,
    quantile: (u) => exp(mu + sd * normalQuantile(u)),
    cdf: (x) => (x <= 0 ? 0 : normalCdf((log(x) - mu) / sd)),
  };
}

export function uniform(min: number, max: number): Distribution {
  return {
    kind: 'uniform',
    lower: min,
    upper: max,
    quantile: (u) => min + u * (max - min),
    cdf: (x) => (x <= min ? 0 : x >= max ? 1 : (x - min) / (max - min)),
  };
}

export function studentT(df: number, location = 0, scale = 1): Distribution {
  return {
    kind: 'studentT',
    lower: -Infinity,
    upper: Infinity,
    quantile: (u) => location + scale * studentTQuantile(u, df),
    cdf: (x) => studentTCdf((x - location) / scale, df),
  };
}

export function weibull(shape: number, scale: number, location = 0): Distribution {
  return {
    kind: 'weibull',
    lower: location,
    upper: Infinity,
    quantile: (u) => location + scale * pow(expTail(u), 1 / shape),
    cdf: (x) => (x <= location ? 0 : -expm1(-pow((x - location) / scale, shape))),
  };
}

export function fixed(value: number): Distribution {
  return { kind: 'fixed', lower: value, upper: value, quantile: () => value, cdf: (x) => (x < value ? 0 : 1) };
}

export function pareto(alpha: number, min = 1): Distribution {
  return {
    kind: 'pareto',
    lower: min,
    upper: Infinity,
    quantile: (u) => min * exp(expTail(u) / alpha),
    cdf: (x) => (x <= min ? 0 : -expm1(alpha * log(min / x))),
  };
}

export function generalizedPareto(shape: number, scale: number, location = 0): Distribution {
  const upper = shape < 0 ? location - scale / shape : Infinity;
  return {
    kind: 'generalizedPareto',
    lower: location,
    upper,
    quantile: (u) => (shape === 0 ? location + scale * expTail(u) : Math.min(upper, location + (scale * expm1(shape * expTail(u))) / shape)),
    cdf: (x) => {
      if (x <= location) return 0;
      if (x >= upper) return 1;
      const z = (x - location) / scale;
      return shape === 0 ? -expm1(-z) : -expm1((-1 / shape) * log1p(shape * z));
    },
  };
}

/**
 * A monotone increasing transform y = f(x) of a distribution (finv its inverse), e.g. ln of a multiplicative factor.
 */
export function transformed(d: Distribution, f: (x: number) => number, finv: (y: number) => number, kind = d.kind): Distribution {
  return { kind, lower: f(d.lower), upper: f(d.upper), quantile: (u) => f(d.quantile(u)), cdf: (y) => d.cdf(finv(y)) };
}

/**
 * Two-component mixture (1 - p) base + p defect with its exact inverse CDF: closed form where only one component has
 * mass below the answer (almost always: defects sit far in the upper tail), otherwise bisection on the mixture CDF to
 * full double precision. Monotone in u, so the largest u give the largest values (what rare-event designs need).
 */
export function mixture(p: number, base: Distribution, defect: Distribution, kind = 'defectMixture'): Distribution {
  if (!(p >= 0 && p <= 1)) throw new CellspreadInputError('mixture: probability', 'must be in [0, 1]', p);
  if (p === 0) return { ...base, kind };
  if (p === 1) return { ...defect, kind };
  const q = 1 - p;
  const cdf = (x: number) => q * base.cdf(x) + p * defect.cdf(x);
  return {
    kind,
    lower: Math.min(base.lower, defect.lower),
    upper: Math.max(base.upper, defect.upper),
    cdf,
    quantile: (u) => {
      if (u / q < 1) {
        const y = base.quantile(u / q);
        if (y < defect.lower || (y === defect.lower && defect.cdf(y) === 0)) return y;
      }
      if (u > q) {
        const y = defect.quantile((u - q) / p);
        if (y > base.upper) return y;
      }
      const bu = base.quantile(u);
      const du = defect.quantile(u);
      let lo = Math.max(Math.min(bu, du), base.quantile(Math.max(0, (u - p) / q)), defect.quantile(Math.max(0, (u - q) / p)));
      let hi = Math.min(Math.max(bu, du), base.quantile(Math.min(1, u / q)), defect.quantile(Math.min(1, u / p)));
      for (let i = 0; i < 200 && hi > lo; i++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (cdf(mid) < u) lo = mid;
        else hi = mid;
      }
      return hi;
    },
  };
}

/** The distribution a study-file entry describes, on its own (untransformed) variable. */
export function distributionFromSpec(s: DistributionSpec): Distribution {
  switch (s.distribution) {
    case 'normal':
      return normal(s.mean, s.sd);
    case 'truncatedNormal':
      return truncatedNormal(s.mean, s.sd, s.min ?? -Infinity, s.max ?? Infinity);
    case 'lognormal':
      return lognormal(s.mu, s.sd);
    case 'uniform':
      return uniform(s.min, s.max);
    case 'studentT':
      return studentT(s.df, s.location, s.scale);
    case 'weibull':
      return weibull(s.shape, s.scale, s.location);
    case 'fixed':
      return fixed(s.value);
    case 'pareto':
      return pareto(s.alpha, s.min);
    case 'generalizedPareto':
      return generalizedPareto(s.shape, s.scale, s.location);
    case 'defectMixture':
      return mixture(s.probability, distributionFromSpec(s.base), distributionFromSpec(s.factor));
  }
}

/** Lower end of the support of a study-file distribution (for "positive factor" checks). */
export function supportLower(s: DistributionSpec): number {
  return distributionFromSpec(s).lower;
}
