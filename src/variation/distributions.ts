/**
 * Distributions as written in a study file, and the thin mapping from such an entry to its object of the distribution
 * family (src/stats/): the sampler draws each quantity by that object's exact inverse CDF (ppf) from one uniform, so
 * Monte Carlo, scrambled Sobol' and arbitrary latent designs (Shapley, rare-event) drive the sampler the same way.
 */
import {
  fixed,
  generalizedPareto,
  lognormal,
  mixture,
  normal,
  pareto,
  studentT,
  truncatedNormal,
  uniform,
  weibull,
  type ContinuousDistribution,
} from '../stats/index.ts';

/** The sampler's view of a distribution: an object of the family in src/stats/ (the name it had before it moved). */
export type Distribution = ContinuousDistribution;

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

/** The distribution a study-file entry describes, on its own (untransformed) variable. */
export function distributionFromSpec(s: DistributionSpec): ContinuousDistribution {
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

