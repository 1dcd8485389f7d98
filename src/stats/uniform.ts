/** The uniform distribution on [min, max]. */
import { log } from '../math/elementary.ts';
import { requireFinite, requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function uniform(min = 0, max = 1): ContinuousDistribution {
  requireFinite('uniform', 'min', min);
  requireFinite('uniform', 'max', max);
  requireParameter(max > min, 'uniform', 'max', `must be > min (${min})`, max);
  const width = max - min;
  const logWidth = log(width);
  return continuous({
    name: 'uniform',
    support: [min, max],
    ppf: (q) => Math.min(max, min + q * (max - min)), // rounding would put q near 1 above max
    cdf: (x) => (x <= min ? 0 : x >= max ? 1 : (x - min) / (max - min)),
    sf: (x) => (x <= min ? 1 : x >= max ? 0 : (max - x) / (max - min)),
    logsf: (x) => (x <= min ? 0 : x >= max ? -Infinity : log((max - x) / (max - min))),
    pdf: (x) => (x < min || x > max ? 0 : 1 / width),
    logpdf: (x) => (x < min || x > max ? -Infinity : -logWidth),
    mean: 0.5 * (min + max),
    variance: (width * width) / 12,
  });
}
