/**
 * Special functions for the Student-t distribution: log-gamma, the regularized incomplete beta function and the
 * t quantile. Self-contained so that the variation module has no dependency on other areas' internals.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; relative accuracy about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b), 0 <= x <= 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const bt = Math.exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return (bt * betaContinuedFraction(a, b, x)) / a;
  return 1 - (bt * betaContinuedFraction(b, a, 1 - x)) / b;
}

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
  return Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Standard Student-t quantile. Closed forms for df = 1, 2, 4; otherwise a Cornish-Fisher/tail starting value refined
 * by safeguarded Newton steps on the exact CDF (working on the smaller tail, so precision holds far out).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`studentTQuantile: p must be in [0, 1], got ${p}`);
  }
  if (p === 0.5) return 0;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p; // tail probability, < 0.5
  let t: number;
  if (df === 1) {
    t = -1 / Math.tan(Math.PI * q);
    return lower ? t : -t;
  }
  if (df === 2) {
    const a = 4 * q * (1 - q);
    t = -Math.sqrt(2 / a) * (1 - 2 * q);
    return lower ? t : -t;
  }
  // Starting value: Hill (1970) style expansion in the normal quantile, or the power tail for small q.
  const z = -Math.abs(approxNormalQuantile(q));
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  t = z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
  // Far tail: P(T < t) ~ K nu^((nu-1)/2) |t|^-nu, K = Gamma((nu+1)/2) / (Gamma(nu/2) sqrt(nu pi)).
  const logK = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const tailStart = -Math.exp((logK + ((df - 1) / 2) * Math.log(df) - Math.log(q)) / df);
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
  const r = Math.sqrt(-2 * Math.log(q));
  const x = r - (2.515517 + 0.802853 * r + 0.010328 * r * r) / (1 + 1.432788 * r + 0.189269 * r * r + 0.001308 * r * r * r);
  return p < 0.5 ? -x : x;
}
