/** The binomial distribution: the number of successes in n independent trials of probability p. */
import { exp, log, log1p } from '../math/elementary.ts';
import { logGamma, regularizedBeta } from '../math/special.ts';
import { requireParameter } from './parameters.ts';
import type { DiscreteDistribution } from './types.ts';

/**
 * Binomial(n, p). The CDF is the regularized incomplete beta, P(K <= k) = I_{1-p}(n - k, k + 1); the quantile is the
 * smallest k with P(K <= k) >= q, by bisection over the integers (the order-statistic ranks of quantile intervals).
 */
export function binomial(n: number, p: number): DiscreteDistribution {
  requireParameter(Number.isSafeInteger(n) && n >= 0, 'binomial', 'n', 'must be an integer >= 0', n);
  requireParameter(p >= 0 && p <= 1, 'binomial', 'p', 'must be in [0, 1]', p);
  const cdf = (x: number) => {
    const k = Math.floor(x);
    if (k < 0) return 0;
    if (k >= n) return 1;
    if (p <= 0) return 1;
    if (p >= 1) return 0;
    return regularizedBeta(1 - p, n - k, k + 1);
  };
  const sf = (x: number) => {
    const k = Math.floor(x);
    if (k < 0) return 1;
    if (k >= n) return 0;
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    return regularizedBeta(p, k + 1, n - k);
  };
  const logpmf = (k: number) => {
    if (!(Number.isInteger(k) && k >= 0 && k <= n)) return -Infinity;
    if (p === 0) return k === 0 ? 0 : -Infinity;
    if (p === 1) return k === n ? 0 : -Infinity;
    return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * log(p) + (n - k) * log1p(-p);
  };
  return {
    name: 'binomial',
    support: [p === 1 ? n : 0, p === 0 ? 0 : n],
    ppf: (q) => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (cdf(mid) >= q) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
    cdf,
    sf,
    pmf: (k) => exp(logpmf(k)),
    logpmf,
    mean: n * p,
    variance: n * p * (1 - p),
  };
}
