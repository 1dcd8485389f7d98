/**
 * The one distribution family of cellspread, shaped like scipy.stats' frozen distributions: an object per
 * distribution with its parameters fixed, answering ppf (the inverse CDF), cdf, sf, pdf, logpdf and its support. The
 * sampler draws through ppf, the tail analysis and the sensitivity inputs use the same objects.
 */

/** A continuous distribution with fixed parameters (scipy.stats rv_continuous, frozen). */
export interface ContinuousDistribution {
  /** Name as in a study file: 'normal', 'generalizedPareto', 'defectMixture', ... */
  readonly name: string;
  /** [lower, upper]: the smallest interval holding all the probability (ends may be infinite). */
  readonly support: readonly [lower: number, upper: number];
  /**
   * Percent point function, the inverse CDF: the smallest x with cdf(x) >= q, for q in [0, 1]; q = 0 and q = 1 give
   * the ends of the support. Exact (to the last bits the functions allow) and monotone in q, so one uniform drives
   * one draw. Unchecked, as the sampler's hot path: outside [0, 1] it gives NaN or throws (normal-based members).
   */
  ppf(q: number): number;
  /** P(X <= x). */
  cdf(x: number): number;
  /** Survival function P(X > x) = 1 - cdf(x), computed without cancellation where the upper tail is small. */
  sf(x: number): number;
  /** ln sf(x), for tail probabilities far below the smallest double. */
  logsf(x: number): number;
  /** Density (Infinity at the point of a fixed value). */
  pdf(x: number): number;
  logpdf(x: number): number;
  /** Mean in closed form: Infinity where it diverges, NaN where it does not exist; absent without a closed form. */
  readonly mean?: number;
  /** Variance in closed form, as the mean. */
  readonly variance?: number;
}

/** A distribution on the integers with fixed parameters (scipy.stats rv_discrete, frozen). */
export interface DiscreteDistribution {
  readonly name: string;
  /** [lower, upper]: the smallest and largest values with positive probability. */
  readonly support: readonly [lower: number, upper: number];
  /** The smallest integer k with cdf(k) >= q, for q in [0, 1]. */
  ppf(q: number): number;
  /** P(K <= k). */
  cdf(k: number): number;
  /** P(K > k). */
  sf(k: number): number;
  /** P(K = k) (0 off the integers). */
  pmf(k: number): number;
  logpmf(k: number): number;
  readonly mean: number;
  readonly variance: number;
}
