/** The lognormal distribution: ln X ~ N(mu, sd^2), median exp(mu). */
import { exp, expm1, log } from '../math/elementary.ts';
import { LOG_SQRT_2PI, logNormalCdf, normalCdf, normalQuantile } from '../math/special.ts';
import { fixed } from './fixed.ts';
import { requireFinite, requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/** ln X ~ N(mu, sd^2); sd = 0 gives fixed(exp(mu)). */
export function lognormal(mu = 0, sd = 1): ContinuousDistribution {
  requireFinite('lognormal', 'mu', mu);
  requireParameter(sd >= 0 && sd < Infinity, 'lognormal', 'sd', 'must be a finite number >= 0', sd);
  if (sd === 0) return fixed(exp(mu));
  const logSd = log(sd);
  const logpdf = (x: number) => {
    if (!(x > 0)) return -Infinity;
    const lx = log(x);
    const z = (lx - mu) / sd;
    return -0.5 * z * z - LOG_SQRT_2PI - logSd - lx;
  };
  return continuous({
    name: 'lognormal',
    support: [0, Infinity],
    ppf: (q) => exp(mu + sd * normalQuantile(q)),
    cdf: (x) => (x <= 0 ? 0 : normalCdf((log(x) - mu) / sd)),
    sf: (x) => (x <= 0 ? 1 : normalCdf((mu - log(x)) / sd)),
    logsf: (x) => (x <= 0 ? 0 : logNormalCdf((mu - log(x)) / sd)),
    logpdf,
    mean: exp(mu + 0.5 * sd * sd),
    variance: expm1(sd * sd) * exp(2 * mu + sd * sd),
  });
}
