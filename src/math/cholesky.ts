/**
 * Cholesky factorization of a symmetric positive-definite matrix, the one the Gaussian copulas of the sampler
 * (src/variation/copula.ts) and of the sensitivity inputs (src/sensitivity/) share.
 */

/**
 * Lower factor L (row-major n x n) with A = L L^T of a row-major symmetric n x n matrix, or the first pivot that is not
 * positive: a pivot must exceed 1e-12 max(1, |a_jj|).
 */
export function cholesky(a: ArrayLike<number>, n: number): { l: Float64Array } | { failedAt: number; pivot: number } {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (!(s > 1e-12 * Math.max(1, Math.abs(a[j * n + j])))) return { failedAt: j, pivot: s };
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / d;
    }
  }
  return { l };
}
