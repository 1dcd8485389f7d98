/** The normal distribution N(mean, sd^2), and the two-sided normal critical value of confidence intervals. */
import { log } from '../math/elementary.ts';
import { LOG_SQRT_2PI, logNormalCdf, normalCdf, normalQuantile } from '../math/special.ts';
import { fixed } from './fixed.ts';
import { requireFinite, requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/** N(mean, sd^2); sd = 0 gives fixed(mean). Quantile by Wichura's AS241, CDF through erfc. */
export function normal(mean = 0, sd = 1): ContinuousDistribution {
  requireFinite('normal', 'mean', mean);
  requireParameter(sd >= 0 && sd < Infinity, 'normal', 'sd', 'must be a finite number >= 0', sd);
  if (sd === 0) return fixed(mean);
  const logSd = log(sd);
  return continuous({
    name: 'normal',
    support: [-Infinity, Infinity],
    ppf: (q) => mean + sd * normalQuantile(q),
    cdf: (x) => normalCdf((x - mean) / sd),
    sf: (x) => normalCdf((mean - x) / sd),
    logsf: (x) => logNormalCdf((mean - x) / sd),
    logpdf: (x) => {
      const z = (x - mean) / sd;
      return -0.5 * z * z - LOG_SQRT_2PI - logSd;
    },
    mean,
    variance: sd * sd,
  });
}

/** Two-sided standard-normal critical value: P(|Z| <= z) = confidence, e.g. 1.959964 for 0.95. */
export function normalCritical(confidence: number): number {
  return normalQuantile(0.5 + confidence / 2);
}
