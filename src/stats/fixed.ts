/** A fixed value: all the probability at one point (a degenerate distribution). */
import { requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function fixed(value: number): ContinuousDistribution {
  requireParameter(typeof value === 'number' && !Number.isNaN(value), 'fixed', 'value', 'must be a number', value);
  return continuous({
    name: 'fixed',
    support: [value, value],
    ppf: () => value,
    cdf: (x) => (x < value ? 0 : 1),
    sf: (x) => (x < value ? 1 : 0),
    logsf: (x) => (x < value ? 0 : -Infinity),
    pdf: (x) => (x === value ? Infinity : 0),
    logpdf: (x) => (x === value ? Infinity : -Infinity),
    mean: value,
    variance: 0,
  });
}
