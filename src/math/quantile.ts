/**
 * The one sample quantile of cellspread: type 7 of Hyndman & Fan (1996), linear interpolation between order
 * statistics (R's default, numpy's 'linear', d3-array's quantileSorted), on an ascending sorted array.
 */

/** Type-7 quantile of an ascending sorted array, p in [0, 1]; NaN for an empty array. */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return sorted[n - 1];
  if (lo < 0) return sorted[0];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}
