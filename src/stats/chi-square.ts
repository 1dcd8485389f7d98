/** The chi-square distribution with df degrees of freedom (the profile-likelihood intervals' critical values). */
import { log } from '../math/elementary.ts';
import { logGamma, normalQuantile, regularizedGamma, regularizedGammaComplement } from '../math/special.ts';
import { requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/**
 * Chi-square(df): the CDF is the regularized incomplete gamma P(df/2, x/2). The quantile is Z^2 at the (1 + q)/2
 * normal quantile for df = 1 (exact), otherwise the root of the CDF (or, above the median, of the survival function)
 * by bisection to about 1e-15 relative.
 */
export function chiSquare(df: number): ContinuousDistribution {
  requirePositive('chiSquare', 'df', df);
  const k = df / 2;
  const logNorm = k * log(2) + logGamma(k);
  const cdf = (x: number) => regularizedGamma(k, x / 2);
  const sf = (x: number) => regularizedGammaComplement(k, x / 2);
  const logpdf = (x: number) => {
    if (x < 0) return -Infinity;
    if (x === 0) return k === 1 ? -logNorm : k < 1 ? Infinity : -Infinity;
    return (k - 1) * log(x) - x / 2 - logNorm;
  };
  const ppf = (q: number): number => {
    if (df === 1) {
      const z = normalQuantile(0.5 + q / 2);
      return z * z;
    }
    if (!(q > 0)) return 0;
    if (!(q < 1)) return Infinity;
    // Work on the smaller tail: f increases with x and crosses 0 at the answer.
    const f = q <= 0.5 ? (x: number) => cdf(x) - q : (x: number) => 1 - q - sf(x);
    let lo = 0;
    let hi = Math.max(1, df);
    while (f(hi) < 0) {
      lo = hi;
      hi *= 2;
    }
    for (let i = 0; i < 400; i++) {
      // Geometric steps while the bracket spans decades (small quantiles keep their relative precision).
      const mid = lo > 0 && hi > 4 * lo ? Math.sqrt(lo * hi) : lo === 0 && hi > 1e-300 ? hi / 16 : 0.5 * (lo + hi);
      if (!(mid > lo && mid < hi)) break;
      if (f(mid) < 0) lo = mid;
      else hi = mid;
      if (hi - lo <= 1e-15 * hi) break;
    }
    return 0.5 * (lo + hi);
  };
  return continuous({
    name: 'chiSquare',
    support: [0, Infinity],
    ppf,
    cdf,
    sf,
    logpdf,
    mean: df,
    variance: 2 * df,
  });
}
