/** The Weibull distribution: P(X > x) = exp(-((x - location) / scale)^shape) for x >= location. */
import { exp, expm1, log, log1p, pow } from '../math/elementary.ts';
import { logGamma } from '../math/special.ts';
import { requireFinite, requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function weibull(shape: number, scale: number, location = 0): ContinuousDistribution {
  requirePositive('weibull', 'shape', shape);
  requirePositive('weibull', 'scale', scale);
  requireFinite('weibull', 'location', location);
  const logShapeOverScale = log(shape / scale);
  const logpdf = (x: number) => {
    if (x < location) return -Infinity;
    const z = (x - location) / scale;
    if (z === 0) return shape === 1 ? logShapeOverScale : shape < 1 ? Infinity : -Infinity;
    return logShapeOverScale + (shape - 1) * log(z) - pow(z, shape);
  };
  const g1 = exp(logGamma(1 + 1 / shape));
  return continuous({
    name: 'weibull',
    support: [location, Infinity],
    ppf: (q) => location + scale * pow(-log1p(-q), 1 / shape),
    cdf: (x) => (x <= location ? 0 : -expm1(-pow((x - location) / scale, shape))),
    sf: (x) => (x <= location ? 1 : exp(-pow((x - location) / scale, shape))),
    logsf: (x) => (x <= location ? 0 : -pow((x - location) / scale, shape)),
    logpdf,
    mean: location + scale * g1,
    variance: scale * scale * (exp(logGamma(1 + 2 / shape)) - g1 * g1),
  });
}
