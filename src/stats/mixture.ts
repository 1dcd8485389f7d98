/** A two-component mixture (1 - p) base + p defect: the defect mixture of welds and contacts. */
import { log } from '../math/elementary.ts';
import { requireParameter } from './parameters.ts';
import { continuous } from './continuous.ts';
import type { ContinuousDistribution } from './types.ts';

/**
 * Two-component mixture (1 - p) base + p defect with its exact inverse CDF: closed form where only one component has
 * mass below the answer (almost always: defects sit far in the upper tail), otherwise bisection on the mixture CDF to
 * full double precision. Monotone in q, so the largest q give the largest values (what rare-event designs need).
 */
export function mixture(p: number, base: ContinuousDistribution, defect: ContinuousDistribution, name = 'defectMixture'): ContinuousDistribution {
  requireParameter(p >= 0 && p <= 1, 'mixture', 'probability', 'must be in [0, 1]', p);
  if (p === 0) return { ...base, name };
  if (p === 1) return { ...defect, name };
  const q = 1 - p;
  const [baseLower, baseUpper] = base.support;
  const [defectLower, defectUpper] = defect.support;
  const cdf = (x: number) => q * base.cdf(x) + p * defect.cdf(x);
  const sf = (x: number) => q * base.sf(x) + p * defect.sf(x);
  const pdf = (x: number) => q * base.pdf(x) + p * defect.pdf(x);
  const moments = mixtureMoments(p, base, defect);
  const lower = Math.min(baseLower, defectLower);
  const upper = Math.max(baseUpper, defectUpper);
  return continuous({
    name,
    support: [lower, upper],
    cdf,
    sf,
    pdf,
    logpdf: (x) => log(pdf(x)),
    ...moments,
    ppf: (u) => {
      // The ends exactly (the brackets below assume u inside (0, 1): at u = 1 a bounded base would cap them).
      if (u <= 0) return lower;
      if (u >= 1) return upper;
      if (u / q < 1) {
        const y = base.ppf(u / q);
        if (y < defectLower || (y === defectLower && defect.cdf(y) === 0)) return y;
      }
      if (u > q) {
        const y = defect.ppf((u - q) / p);
        if (y > baseUpper) return y;
      }
      const bu = base.ppf(u);
      const du = defect.ppf(u);
      let lo = Math.max(Math.min(bu, du), base.ppf(Math.max(0, (u - p) / q)), defect.ppf(Math.max(0, (u - q) / p)));
      let hi = Math.min(Math.max(bu, du), base.ppf(Math.min(1, u / q)), defect.ppf(Math.min(1, u / p)));
      for (let i = 0; i < 200 && hi > lo; i++) {
        const mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (cdf(mid) < u) lo = mid;
        else hi = mid;
      }
      return hi;
    },
  });
}

/** Mean and variance by the law of total variance, where both components have them. */
function mixtureMoments(p: number, base: ContinuousDistribution, defect: ContinuousDistribution): { mean?: number; variance?: number } {
  if (base.mean === undefined || defect.mean === undefined) return {};
  const mean = (1 - p) * base.mean + p * defect.mean;
  if (base.variance === undefined || defect.variance === undefined) return { mean };
  const second = (1 - p) * (base.variance + base.mean * base.mean) + p * (defect.variance + defect.mean * defect.mean);
  return { mean, variance: second - mean * mean };
}
