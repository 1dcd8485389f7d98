/** The normal distribution N(mean, sd^2) restricted to [min, max]. */
import { CellspreadInputError } from '../errors.ts';
import { exp, log } from '../math/elementary.ts';
import { LOG_SQRT_2PI, normalCdf, normalQuantile } from '../math/special.ts';
import { requireFinite, requirePositive, requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/** Standard normal density, 0 at +-Infinity. */
const phi = (z: number) => exp(-0.5 * z * z - LOG_SQRT_2PI);

/**
 * N(mean, sd^2) restricted to [min, max] (either end may be infinite). When the whole interval lies in the upper tail
 * the quantile and CDF work with complements (upper-tail probabilities), so far truncations stay exact.
 */
export function truncatedNormal(mean: number, sd: number, min = -Infinity, max = Infinity): ContinuousDistribution {
  requireFinite('truncatedNormal', 'mean', mean);
  requirePositive('truncatedNormal', 'sd', sd);
  requireParameter(max > min, 'truncatedNormal', 'max', `must be > min (${min})`, max);
  const a = (min - mean) / sd;
  const b = (max - mean) / sd;
  const upperSide = a > 0; // whole interval in the upper tail: use complements
  const pa = upperSide ? normalCdf(-a) : normalCdf(a);
  const pb = upperSide ? normalCdf(-b) : normalCdf(b);
  const mass = Math.abs(pb - pa);
  if (!(mass > 0)) throw new CellspreadInputError('truncatedNormal', 'must keep some probability between min and max', [min, max]);
  const sfB = normalCdf(-b); // P(Z > b)
  const clamp = (x: number) => Math.min(max, Math.max(min, x));
  const logNorm = log(sd * mass);
  const logpdf = (x: number) => {
    if (x < min || x > max) return -Infinity;
    const z = (x - mean) / sd;
    return -0.5 * z * z - LOG_SQRT_2PI - logNorm;
  };
  const sf = (x: number) => {
    if (x <= min) return 1;
    if (x >= max) return 0;
    return (normalCdf((mean - x) / sd) - sfB) / mass;
  };
  // Moments: with phi(+-Infinity) = 0 and a phi(a) = 0 at an infinite end.
  const pA = phi(a);
  const pB = phi(b);
  const shift = (pA - pB) / mass;
  const spread = (Number.isFinite(a) ? a * pA : 0) - (Number.isFinite(b) ? b * pB : 0);
  return continuous({
    name: 'truncatedNormal',
    support: [min, max],
    ppf: (q) => {
      if (q <= 0) return min;
      if (q >= 1) return max;
      return clamp(upperSide ? mean - sd * normalQuantile(pa - q * (pa - pb)) : mean + sd * normalQuantile(pa + q * (pb - pa)));
    },
    cdf: (x) => {
      if (x <= min) return 0;
      if (x >= max) return 1;
      const z = (x - mean) / sd;
      return upperSide ? (pa - normalCdf(-z)) / (pa - pb) : (normalCdf(z) - pa) / (pb - pa);
    },
    sf,
    logpdf,
    mean: mean + sd * shift,
    variance: sd * sd * (1 + spread / mass - shift * shift),
  });
}
