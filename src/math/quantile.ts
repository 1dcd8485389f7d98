/**
 * The one sample quantile of cellspread: type 7 of Hyndman & Fan (1996), linear interpolation between order
 * statistics (R's default, numpy's 'linear'). With 0-based order statistics x_(0) <= ... <= x_(n-1), h = (n - 1) p and
 * lo = floor(h):  Q(p) = x_(lo) + (h - lo) (x_(lo+1) - x_(lo)),  and x_(n-1) at p = 1.
 *
 * simple-statistics' quantileSorted computes the same rule to the same bits (a test compares them), as does d3-array's
 * quantileSorted, but both need the whole sorted array; results/statistics.ts finds only the order statistics it needs
 * (bounded memory), so the rule is written once here for both. An empty sample gives NaN (simple-statistics throws,
 * d3-array returns undefined).
 */

/** The 0-based ranks of the two order statistics the type-7 p-quantile of n values interpolates between. */
export function type7Ranks(n: number, p: number): [number, number] {
  const lo = Math.floor((n - 1) * p);
  return [lo, Math.min(n - 1, lo + 1)];
}

/** Type-7 p-quantile (p in [0, 1]) of n values given their order statistics `at(rank)`, rank 0-based; NaN when n = 0. */
export function orderStatisticQuantile(n: number, p: number, at: (rank: number) => number): number {
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  if (lo >= n - 1) return at(n - 1);
  if (lo < 0) return at(0);
  return at(lo) + (h - lo) * (at(lo + 1) - at(lo));
}

/** Type-7 quantile of an ascending sorted array, p in [0, 1]; NaN for an empty array. */
export function sortedQuantile(sorted: ArrayLike<number>, p: number): number {
  return orderStatisticQuantile(sorted.length, p, (rank) => sorted[rank]);
}
