/** Pareto type I: P(X > x) = (min / x)^alpha for x >= min (scipy.stats.pareto with b = alpha, scale = min). */
import { exp, expm1, log, log1p } from '../math/elementary.ts';
import { requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function pareto(alpha: number, min = 1): ContinuousDistribution {
  requirePositive('pareto', 'alpha', alpha);
  requirePositive('pareto', 'min', min);
  const logsf = (x: number) => (x <= min ? 0 : alpha * log(min / x));
  const logpdf = (x: number) => (x < min ? -Infinity : log(alpha / x) + alpha * log(min / x));
  return continuous({
    name: 'pareto',
    support: [min, Infinity],
    ppf: (q) => min * exp(-log1p(-q) / alpha),
    cdf: (x) => (x <= min ? 0 : -expm1(alpha * log(min / x))),
    sf: (x) => exp(logsf(x)),
    logsf,
    logpdf,
    mean: alpha > 1 ? (alpha * min) / (alpha - 1) : Infinity,
    variance: alpha > 2 ? (min * min * alpha) / ((alpha - 1) * (alpha - 1) * (alpha - 2)) : Infinity,
  });
}
