/**
 * cellspread's special functions, in one place (what scipy.special is to scipy.stats): log-gamma, the regularized
 * incomplete beta and gamma functions and the beta inverse, the complementary error function, the standard normal CDF
 * and quantile, and the standard Student-t CDF and quantile. The distribution family (src/stats/) is built on them.
 *
 * Written here so that cellspread needs no numerical dependency, and with src/math/elementary.ts only (no engine
 * Math.exp/log/...), because the sampler draws through them: the same bits in every JavaScript engine.
 */
import { CellspreadInputError } from '../errors.ts';
import { exp, log, log1p, sin, tan } from './elementary.ts';

// ---------------------------------------------------------------------------------------------------------------
// Gamma and beta functions
// ---------------------------------------------------------------------------------------------------------------

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0 (Lanczos, g = 7, about 1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return log(Math.PI / Math.abs(sin(Math.PI * x))) - logGamma(1 - x);
  const xx = x - 1;
  let a = LANCZOS[0];
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (xx + i);
  return 0.5 * log(2 * Math.PI) + (xx + 0.5) * log(t) - t + log(a);
}

/** Continued fraction for the incomplete beta function (modified Lentz), Numerical Recipes betacf. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const FPMIN = 1e-300;
  const EPS = 1e-16;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  const maxIter = 200_000;
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b) for a, b > 0, x in [0, 1] (scipy.special.betainc). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (exp(lbt) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (exp(lbt) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The x in [0, 1] with I_x(a, b) = p (scipy.special.betaincinv): bisection, about 1e-15 relative; near 0 it bisects
 * on a logarithmic scale, so small quantiles keep their relative precision.
 */
export function inverseRegularizedBeta(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200; i++) {
    const mid = lo > 0 && hi < 1e-3 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (regularizedBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-15 * hi) break;
  }
  return 0.5 * (lo + hi);
}

/**
 * Regularized lower incomplete gamma P(a, x) = gamma(a, x) / Gamma(a) for a > 0, x >= 0 (scipy.special.gammainc):
 * the series below x = a + 1, the continued fraction above (Numerical Recipes gser / gcf), about 1e-15 relative.
 */
export function regularizedGamma(a: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 - P(a, x), without cancellation for large x (scipy.special.gammaincc). */
export function regularizedGammaComplement(a: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/** x^a e^-x / Gamma(a), the common factor of the series and the continued fraction. */
function gammaPrefactor(a: number, x: number): number {
  return exp(a * log(x) - x - logGamma(a));
}

function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < 100_000; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * gammaPrefactor(a, x);
}

function gammaContinuedFraction(a: number, x: number): number {
  const FPMIN = 1e-300;
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return gammaPrefactor(a, x) * h;
}

// ---------------------------------------------------------------------------------------------------------------
// Error function and the standard normal
// ---------------------------------------------------------------------------------------------------------------

/** Complementary error function, relative accuracy about 1e-15 (Cody 1969 / Numerical Recipes erfccheb). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = ERFC_COF;
  let d = 0;
  let dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j];
    dd = tmp;
  }
  const res = t * exp(-z * z + 0.5 * (cof[0] + ty * d) - dd);
  return x >= 0 ? res : 2 - res;
}

const ERFC_COF = [
  -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8,
  -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12,
  -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];

/** Standard normal CDF Phi(x) through erfc, about 1e-15 relative, also far in the lower tail (scipy.special.ndtr). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** ln sqrt(2 pi). */
export const LOG_SQRT_2PI = 0.9189385332046728;

/**
 * ln Phi(x) (scipy.special.log_ndtr): log1p(-Phi(-x)) above 0, ln Phi(x) down to x = -37, below that (where Phi(x)
 * leaves the doubles) the asymptotic series ln(phi(x)/|x|) + ln(1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8), whose
 * truncation error there is below 1e-13.
 */
export function logNormalCdf(x: number): number {
  if (x > 0) return log1p(-normalCdf(-x));
  if (x > -37) return log(normalCdf(x));
  const r = 1 / (x * x);
  return -0.5 * x * x - log(-x) - LOG_SQRT_2PI + log1p(-r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r))));
}

/**
 * Standard normal quantile Phi^-1(p), Wichura (1988) algorithm AS241 (PPND16), relative accuracy about 1e-16
 * (scipy.special.ndtri). p = 0 and 1 give -Infinity and Infinity; p outside [0, 1] throws.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new CellspreadInputError('normalQuantile: p', 'must be in [0, 1]', p);
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
          133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
        42.313330701600911252) * r + 1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
        4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
        2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
        5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
        0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

// ---------------------------------------------------------------------------------------------------------------
// Student's t
// ---------------------------------------------------------------------------------------------------------------

/** Standard Student-t CDF with `df` degrees of freedom (scipy.special.stdtr). */
export function studentTCdf(t: number, df: number): number {
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = studentTTail(t, df);
  return t > 0 ? 1 - tail : tail;
}

/**
 * Tail probability P(T <= -|t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2, without cancellation. For |t| < 1 that argument
 * nears 1 and its complement loses digits, so there 1/2 - I_{t^2/(df+t^2)}(1/2, df/2) / 2 (the tail is above
 * Phi(-1) = 0.16 for every df, so the subtraction costs under 3 bits).
 */
export function studentTTail(t: number, df: number): number {
  const t2 = t * t;
  if (t2 < 1) return 0.5 - 0.5 * regularizedBeta(t2 / (df + t2), 0.5, df / 2);
  return 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5);
}

/** Log density of the standard Student t. */
export function studentTLogPdf(t: number, df: number): number {
  return logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * log(df * Math.PI) - ((df + 1) / 2) * log1p((t * t) / df);
}

/**
 * Standard Student-t quantile (scipy.special.stdtrit). Closed forms for df = 1, 2; otherwise a Cornish-Fisher/tail
 * starting value refined by safeguarded Newton steps on the exact CDF (working on the smaller tail, so precision holds
 * far out).
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
    const step = f / exp(studentTLogPdf(t, df));
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
