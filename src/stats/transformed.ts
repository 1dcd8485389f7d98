/** The distribution of y = f(X) for a monotone increasing f (ln of a multiplicative factor, a shift and scale). */
import { CellspreadInputError } from '../errors.ts';
import { log } from '../math/elementary.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/**
 * Y = f(X) for an increasing f with inverse `finv`; `finvDerivative` (d finv / dy) gives the density
 * pdf_Y(y) = pdf_X(finv(y)) finvDerivative(y). Without it pdf and logpdf throw. Moments are not carried over.
 */
export function transformed(
  d: ContinuousDistribution,
  f: (x: number) => number,
  finv: (y: number) => number,
  name = d.name,
  finvDerivative?: (y: number) => number,
): ContinuousDistribution {
  const density = (): ((y: number) => number) => {
    if (finvDerivative) return finvDerivative;
    throw new CellspreadInputError(`transformed ${name}: pdf`, 'needs the derivative of the inverse transform (argument finvDerivative)', undefined);
  };
  return continuous({
    name,
    support: [f(d.support[0]), f(d.support[1])],
    ppf: (q) => f(d.ppf(q)),
    cdf: (y) => d.cdf(finv(y)),
    sf: (y) => d.sf(finv(y)),
    logsf: (y) => d.logsf(finv(y)),
    pdf: (y) => d.pdf(finv(y)) * density()(y),
    logpdf: (y) => d.logpdf(finv(y)) + log(density()(y)),
  });
}
