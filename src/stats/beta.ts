/** The beta distribution on [0, 1] with shapes a, b > 0 (the Clopper-Pearson interval's quantiles are its ppf). */
import { log, log1p } from '../math/elementary.ts';
import { inverseRegularizedBeta, logGamma, regularizedBeta } from '../math/special.ts';
import { requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function beta(a: number, b: number): ContinuousDistribution {
  requirePositive('beta', 'a', a);
  requirePositive('beta', 'b', b);
  const logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
  const logpdf = (x: number) => {
    if (!(x >= 0 && x <= 1)) return -Infinity;
    // (a - 1) ln x with the limit 0 at a = 1 (ln 0 = -Infinity would give NaN).
    return (a === 1 ? 0 : (a - 1) * log(x)) + (b === 1 ? 0 : (b - 1) * log1p(-x)) - logBeta;
  };
  const sf = (x: number) => (x <= 0 ? 1 : x >= 1 ? 0 : regularizedBeta(1 - x, b, a));
  return continuous({
    name: 'beta',
    support: [0, 1],
    ppf: (q) => inverseRegularizedBeta(q, a, b),
    cdf: (x) => regularizedBeta(x, a, b),
    sf,
    logpdf,
    mean: a / (a + b),
    variance: (a * b) / ((a + b) * (a + b) * (a + b + 1)),
  });
}
