/**
 * Sample variance, the one definition the analyses share: divisor n - 1, two passes in index order (the mean, then
 * the squared deviations from it); 0 for fewer than two values. (simple-statistics' sampleVariance takes the mean from
 * a compensated sum, so its last bits differ; cellspread's published numbers come from this one.)
 */
export function sampleVariance(x: ArrayLike<number>, from = 0, count = x.length - from): number {
  if (count < 2) return 0;
  let m = 0;
  for (let i = 0; i < count; i++) m += x[from + i];
  m /= count;
  let s = 0;
  for (let i = 0; i < count; i++) s += (x[from + i] - m) ** 2;
  return s / (count - 1);
}
