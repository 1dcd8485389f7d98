/**
 * Special functions for the Student-t distribution: log-gamma, the regularized incomplete beta function and the
 * t quantile (log-gamma and the incomplete beta come from src/math/special.ts).
 */

import { CellspreadInputError } from '../errors.ts';
import { logGamma, regularizedBeta } from '../math/special.ts';
import { exp, log, log1p, tan } from '../math/elementary.ts';

export { logGamma, regularizedBeta };

/** Standard Student-t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  // Lower tail probability P(T < -|t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2.
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Lower-tail probability P(T <= -|t|) without cancellation (for tails). */
function studentTTail(t: number, df: number): number {
  return 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

function studentTPdf(t: number, df: number): number {
  return exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * log(df * Math.PI) - ((df + 1) / 2) * log1p((t * t) / df));
}

/**
 * Standard Student-t quantile. Closed forms for df = 1, 2, 4; otherwise a Cornish-Fisher/tail starting value refined
 * by safeguarded Newton steps on the exact CDF (working on the smaller tail, so precision holds far out).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new CellspreadInputError('studentTQuantile: p', 'must be in [0, 1]', p);
  }
  if (p === 0.5) return 0;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // tail probability, < 0.5
  let t: number;
  if (df === 1) {
    t = -1 / tan(Math.PI * q);
    return lower ? t : -t;
  }
  if (df === 2) {
    const a = 4 * q * (1 - q);
    t = -Math.sqrt(2 / a) * (1 - 2 * q);
    return lower ? t : -t;
  }
  // Starting value: Hill (1970) style expansion in the normal quantile, or the power tail for small q.
  const z = -Math.abs(approxNormalQuantile(q));
  // Integer powers as products: the same bits in every engine (x ** n goes through the engine's pow).
  const z2 = z * z;
  const z3 = z2 * z;
  const z5 = z3 * z2;
  const z7 = z5 * z2;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  t = z + g1 / df + g2 / (df * df) + g3 / (df * df * df);
  // Far tail: P(T < t) ~ K nu^((nu-1)/2) |t|^-nu, K = Gamma((nu+1)/2) / (Gamma(nu/2) sqrt(nu pi)).
  const logK = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * log(df * Math.PI);
  const tailStart = -exp((logK + ((df - 1) / 2) * log(df) - log(q)) / df);
  if (Number.isFinite(tailStart) && tailStart < t && q < 1e-3) t = tailStart;
  // Safeguarded Newton on the tail probability, bracketing as it goes.
  let lo = -Infinity;
  let hi = 0;
  for (let i = 0; i < 100; i++) {
    const f = studentTTail(t, df) - q;
    if (f > 0) hi = Math.min(hi, t);
    else lo = Math.max(lo, t);
    const step = f / studentTPdf(t, df);
    let next = t - step;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) next = Number.isFinite(lo) ? 0.5 * (lo + hi) : 2 * Math.min(t, -1);
    if (Math.abs(next - t) <= 1e-15 * Math.abs(t) + 1e-300) {
      t = next;
      break;
    }
    t = next;
  }
  return lower ? t : -t;
}

/** Rough normal quantile for a starting value (Abramowitz & Stegun 26.2.23, |error| < 4.5e-4). */
function approxNormalQuantile(p: number): number {
  const q = p < 0.5 ? p : 1 - p;
  const r = Math.sqrt(-2 * log(q));
  const x = r - (2.515517 + 0.802853 * r + 0.010328 * r * r) / (1 + 1.432788 * r + 0.189269 * r * r + 0.001308 * r * r * r);
  return p < 0.5 ? -x : x;
}
