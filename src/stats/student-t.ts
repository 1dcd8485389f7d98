/** Student's t distribution: location + scale * T_df. */
import { log } from '../math/elementary.ts';
import { studentTCdf, studentTLogPdf, studentTQuantile } from '../math/special.ts';
import { requireFinite, requirePositive } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/** location + scale T with T ~ t_df; df need not be an integer. */
export function studentT(df: number, location = 0, scale = 1): ContinuousDistribution {
  requirePositive('studentT', 'df', df);
  requireFinite('studentT', 'location', location);
  requirePositive('studentT', 'scale', scale);
  const logScale = log(scale);
  const logpdf = (x: number) => studentTLogPdf((x - location) / scale, df) - logScale;
  const sf = (x: number) => studentTCdf((location - x) / scale, df);
  return continuous({
    name: 'studentT',
    support: [-Infinity, Infinity],
    ppf: (q) => location + scale * studentTQuantile(q, df),
    cdf: (x) => studentTCdf((x - location) / scale, df),
    sf,
    logpdf,
    mean: df > 1 ? location : NaN,
    variance: df > 2 ? (scale * scale * df) / (df - 2) : df > 1 ? Infinity : NaN,
  });
}
