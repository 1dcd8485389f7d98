/**
 * Special functions used by the tail-risk module: log-gamma, the regularized incomplete beta function and its inverse,
 * binomial CDF/quantile. Written here so that cellspread needs no numerical dependency.
 */
import { normalQuantile } from '../random/rng.ts';

import { logGamma, regularizedBeta } from '../math/special.ts';

export { logGamma, regularizedBeta };

/** Quantile of the Beta(a, b) distribution: the x with I_x(a, b) = p (bisection, about 1e-15 relative). */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  // Bisect on a scale that keeps relative precision near 0 and 1.
  for (let i = 0; i < 200; i++) {
    const mid = lo > 0 && hi < 1e-3 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (regularizedBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-15 * hi) break;
  }
  return 0.5 * (lo + hi);
}

/** P(B <= k) for B ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return regularizedBeta(1 - p, n - k, k + 1);
}

/** Smallest k in [0, n] with P(B <= k) >= q, for B ~ Binomial(n, p). */
export function binomialQuantile(q: number, n: number, p: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (binomialCdf(mid, n, p) >= q) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Two-sided standard-normal critical value for a confidence level, e.g. 1.95996 for 0.95. */
export function normalCritical(confidence: number): number {
  return normalQuantile(0.5 + confidence / 2);
}

/** Quantile of the chi-square distribution with one degree of freedom. */
export function chiSquare1Quantile(p: number): number {
  const z = normalQuantile(0.5 + p / 2);
  return z * z;
}
