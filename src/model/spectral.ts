/**
 * Neumann eigenmodes of diffusion in a sphere. With phi_m(r) = sin(mu_m r) / r and tan(mu_m) = mu_m, the deviation of
 * the concentration from its particle average decomposes into independent modes (see docs/numerics.md).
 * Sum over all m of 1 / mu_m^2 is exactly 1/10; the truncated tail of that sum gives the quasi-steady correction.
 */
import { cos, sin } from '../math/elementary.ts';

/** The first `count` positive roots of tan(mu) = mu (4.4934..., 7.7252..., ...), accurate to machine precision. */
export function sphereEigenvalues(count: number): Float64Array {
  const roots = new Float64Array(count);
  for (let m = 1; m <= count; m++) {
    // The m-th root lies in (m pi, (m + 1/2) pi); f(mu) = sin(mu) - mu cos(mu) changes sign there.
    let lo = m * Math.PI + 1e-12;
    let hi = (m + 0.5) * Math.PI - 1e-12;
    const f = (x: number) => sin(x) - x * cos(x);
    let flo = f(lo);
    for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
      const mid = 0.5 * (lo + hi);
      const fm = f(mid);
      if (fm === 0) {
        lo = hi = mid;
        break;
      }
      if (Math.sign(fm) === Math.sign(flo)) {
        lo = mid;
        flo = fm;
      } else hi = mid;
    }
    roots[m - 1] = 0.5 * (lo + hi);
  }
  return roots;
}

/** 1/10 - sum_{m<=K} 1/mu_m^2: the share of the quasi-steady surface offset carried by the modes beyond K. */
export function truncatedTail(mu: Float64Array): number {
  let s = 0;
  for (const m of mu) s += 1 / (m * m);
  return 0.1 - s;
}
