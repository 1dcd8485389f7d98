/**
 * Bracketed scalar root finding by the Illinois variant of regula falsi: superlinear, never leaves the bracket.
 * f(lo) and f(hi) must have opposite signs; returns NaN if they do not.
 */
export function illinois(f: (x: number) => number, lo: number, hi: number, tol = 1e-13, maxIter = 100): number {
  let flo = f(lo);
  let fhi = f(hi);
  if (flo === 0) return lo;
  if (fhi === 0) return hi;
  if (Math.sign(flo) === Math.sign(fhi)) return NaN;
  let side = 0;
  let x = lo;
  for (let i = 0; i < maxIter; i++) {
    x = (lo * fhi - hi * flo) / (fhi - flo);
    const fx = f(x);
    if (fx === 0 || Math.abs(hi - lo) < tol * Math.max(1, Math.abs(x))) return x;
    if (Math.sign(fx) === Math.sign(fhi)) {
      hi = x;
      fhi = fx;
      if (side === -1) flo /= 2;
      side = -1;
    } else {
      lo = x;
      flo = fx;
      if (side === 1) fhi /= 2;
      side = 1;
    }
  }
  return x;
}
