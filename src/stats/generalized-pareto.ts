/**
 * The generalized Pareto distribution (GPD): P(X > x) = (1 + shape (x - location) / scale)^(-1/shape) for x >=
 * location (exp(-(x - location) / scale) when shape = 0), bounded above at location - scale / shape when shape < 0.
 * scipy.stats.genpareto(c = shape, loc = location, scale = scale). The tail module fits it to excesses (src/tail/gpd.ts).
 */
import { exp, expm1, log, log1p } from '../math/elementary.ts';
import { requireFinite, requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

export function generalizedPareto(shape: number, scale: number, location = 0): ContinuousDistribution {
  requireFinite('generalizedPareto', 'shape', shape);
  requirePositive('generalizedPareto', 'scale', scale);
  requireFinite('generalizedPareto', 'location', location);
  const upper = shape < 0 ? location - scale / shape : Infinity;
  const logScale = log(scale);
  /** ln P(X > x) as -log1p(shape d / scale) / shape: the tail module bisects its intervals on these bits. */
  const logsf = (x: number) => {
    if (x <= location) return 0;
    const d = x - location;
    const w = (shape * d) / scale;
    return w <= -1 ? -Infinity : shape === 0 ? -d / scale : -log1p(w) / shape;
  };
  const logpdf = (x: number) => {
    if (!(x >= location && x <= upper)) return -Infinity;
    const z = (x - location) / scale;
    if (shape === 0) return -logScale - z;
    return shape === -1 ? -logScale : -logScale - (1 + 1 / shape) * log1p(shape * z); // shape -1: uniform on [location, upper]
  };
  return continuous({
    name: 'generalizedPareto',
    support: [location, upper],
    ppf: (q) => (shape === 0 ? location + scale * -log1p(-q) : Math.min(upper, location + (scale * expm1(shape * -log1p(-q))) / shape)),
    cdf: (x) => {
      if (x <= location) return 0;
      if (x >= upper) return 1;
      const z = (x - location) / scale;
      return shape === 0 ? -expm1(-z) : -expm1((-1 / shape) * log1p(shape * z));
    },
    sf: (x) => exp(logsf(x)),
    logsf,
    logpdf,
    mean: shape < 1 ? location + scale / (1 - shape) : Infinity,
    variance: shape < 0.5 ? (scale * scale) / ((1 - shape) * (1 - shape) * (1 - 2 * shape)) : Infinity,
  });
}
