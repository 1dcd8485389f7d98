/**
 * Peaks over threshold: generalized Pareto (GPD) fits to the excesses over a threshold, with standard errors from the
 * observed information, profile-likelihood intervals, return levels and extrapolated exceedance probabilities, plus
 * the threshold-choice diagnostics (mean residual life, parameter stability).
 *
 * GPD of the excess Y = X - u given X > u:  P(Y > y) = (1 + xi y / sigma)^(-1/xi),  (exp(-y/sigma) when xi = 0).
 */
import { CellspreadInputError } from '../errors.ts';
import { chiSquare, generalizedPareto, normalCritical } from '../stats/index.ts';
import {
  type TailDirection,
  type TailOption,
  checkConfidence,
  checkFinite,
  checkPositiveInteger,
  fmt,
  orientedData,
  resolveTail,
  SortedColumn,
  sortedCopy,
  sortedQuantile,
} from './validate.ts';

// ---------------------------------------------------------------------------------------------------------------
// Likelihood and its derivatives
// ---------------------------------------------------------------------------------------------------------------

/** GPD log-likelihood of the excesses y; -Infinity outside the support or parameter space. */
export function gpdLogLikelihood(y: ArrayLike<number>, scale: number, shape: number): number {
  const k = y.length;
  if (!(scale > 0) || !Number.isFinite(shape)) return -Infinity;
  let s = 0;
  if (shape === 0) {
    for (let i = 0; i < k; i++) s += y[i];
    return -k * Math.log(scale) - s / scale;
  }
  for (let i = 0; i < k; i++) {
    const t = (shape * y[i]) / scale;
    if (!(t > -1)) return -Infinity;
    s += Math.log1p(t);
  }
  return -k * Math.log(scale) - (1 + 1 / shape) * s;
}

/** Hessian of the log-likelihood in (scale, shape) order, analytic, with a series form near shape = 0. */
function gpdHessian(y: Float64Array, sigma: number, xi: number): [number, number, number] {
  const k = y.length;
  let f = 0; // sum a/z
  let g = 0; // sum a/z^2
  let h = 0; // sum a^2/z^2
  let L = 0; // sum log z
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  for (let i = 0; i < k; i++) {
    const a = y[i] / sigma;
    const z = 1 + xi * a;
    f += a / z;
    g += a / (z * z);
    h += (a * a) / (z * z);
    L += Math.log1p(xi * a);
    s2 += a * a;
    s3 += a * a * a;
    s4 += a * a * a * a;
  }
  const hss = (k - (xi + 1) * (f + g)) / (sigma * sigma);
  const hsx = (f - (xi + 1) * h) / sigma;
  const hxx = Math.abs(xi) < 1e-5 ? s2 - (2 / 3) * s3 + xi * (1.5 * s4 - 2 * s3) : (-2 * L) / xi ** 3 + (2 * f) / xi ** 2 + (1 + 1 / xi) * h;
  return [hss, hsx, hxx];
}

/** For fixed shape, the scale that maximizes the likelihood (unique root of the score), or NaN for shape <= -1. */
function profileScale(y: Float64Array, ymax: number, xi: number): number {
  if (!(xi > -1)) return NaN;
  const k = y.length;
  const smin = xi < 0 ? -xi * ymax : 0;
  const score = (sigma: number) => {
    let s = 0;
    for (let i = 0; i < k; i++) s += y[i] / (sigma + xi * y[i]);
    return (xi + 1) * s - k;
  };
  // Bisect on t = log(sigma - smin); score decreases in sigma.
  let lo = Math.log(ymax) - 40;
  let hi = Math.log(ymax) + 40;
  if (score(smin + Math.exp(lo)) < 0) return smin + Math.exp(lo);
  if (score(smin + Math.exp(hi)) > 0) return smin + Math.exp(hi);
  for (let it = 0; it < 100; it++) {
    const mid = 0.5 * (lo + hi);
    if (score(smin + Math.exp(mid)) > 0) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-13) break;
  }
  return smin + Math.exp(0.5 * (lo + hi));
}

function profileShapeLogLik(y: Float64Array, ymax: number, xi: number): number {
  const sigma = profileScale(y, ymax, xi);
  return Number.isFinite(sigma) ? gpdLogLikelihood(y, sigma, xi) : -Infinity;
}

/** Golden-section maximization of f on [a, b]. */
function goldenMax(f: (t: number) => number, a: number, b: number, tol = 1e-10, maxIter = 200): { x: number; f: number } {
  const gr = (Math.sqrt(5) - 1) / 2;
  let c = b - gr * (b - a);
  let d = a + gr * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < maxIter && Math.abs(b - a) > tol * (1 + Math.abs(a) + Math.abs(b)); i++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - gr * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + gr * (b - a);
      fd = f(d);
    }
  }
  return fc >= fd ? { x: c, f: fc } : { x: d, f: fd };
}

/** Grid search then golden refinement of a 1-D function. */
function gridMax(f: (t: number) => number, a: number, b: number, steps: number): { x: number; f: number; atEdge: boolean } {
  let best = -Infinity;
  let bi = -1;
  const vals: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = a + ((b - a) * i) / steps;
    const v = f(t);
    vals.push(v);
    if (v > best) {
      best = v;
      bi = i;
    }
  }
  if (bi < 0) return { x: NaN, f: -Infinity, atEdge: true };
  const h = (b - a) / steps;
  const lo = a + h * Math.max(0, bi - 1);
  const hi = a + h * Math.min(steps, bi + 1);
  const r = goldenMax(f, lo, hi);
  const atEdge = bi === 0 || bi === steps || !Number.isFinite(vals[bi - 1]) || !Number.isFinite(vals[bi + 1]);
  return r.f >= best ? { ...r, atEdge } : { x: a + h * bi, f: best, atEdge };
}

interface RawFit {
  scale: number;
  shape: number;
  logLikelihood: number;
  method: 'mle' | 'pwm';
  warnings: string[];
}

/**
 * Maximum likelihood through Grimshaw's (1993) reduction: with theta = xi / sigma the likelihood maximized over xi is
 * a function of theta alone, l*(theta) = -k log(xi(theta)/theta) - S(theta) - k with S = sum log(1 + theta y) and
 * xi(theta) = S / k. theta is searched over (-1/ymax, inf) on a grid in c = log(1 + theta ymax), then refined.
 * Local maxima with xi <= -1 are excluded (the likelihood is unbounded there).
 */
function mleGrimshaw(y: Float64Array, ymax: number, ymean: number): RawFit | null {
  const k = y.length;
  const lstar = (c: number) => {
    const tau = Math.expm1(c);
    const theta = tau / ymax;
    if (theta === 0) return -k * Math.log(ymean) - k;
    let S = 0;
    for (let i = 0; i < k; i++) S += Math.log1p(theta * y[i]);
    const xi = S / k;
    if (!(xi > -1)) return -Infinity;
    const sigma = xi / theta;
    if (!(sigma > 0) || !Number.isFinite(sigma)) return -Infinity;
    return -k * Math.log(sigma) - S - k;
  };
  const steps = k > 20000 ? 200 : 500;
  const r = gridMax(lstar, -35, 15, steps);
  if (!Number.isFinite(r.f)) return null;
  const theta = Math.expm1(r.x) / ymax;
  let xi: number;
  let sigma: number;
  if (theta === 0) {
    xi = 0;
    sigma = ymean;
  } else {
    let S = 0;
    for (let i = 0; i < k; i++) S += Math.log1p(theta * y[i]);
    xi = S / k;
    sigma = xi / theta;
  }
  if (r.atEdge && xi < -0.9) return null; // maximum sits at the xi = -1 boundary: no interior MLE
  if (r.atEdge && r.x > 14) return null; // unbounded heavy tail: no interior MLE
  // Polish sigma for the found xi (profile root), which is exact at the optimum.
  const s2 = profileScale(y, ymax, xi);
  if (Number.isFinite(s2) && gpdLogLikelihood(y, s2, xi) >= gpdLogLikelihood(y, sigma, xi)) sigma = s2;
  const warnings: string[] = [];
  if (xi < -0.5) warnings.push(`shape ${fmt(xi)} < -0.5: the likelihood is non-regular, standard errors are not reliable`);
  return { scale: sigma, shape: xi, logLikelihood: gpdLogLikelihood(y, sigma, xi), method: 'mle', warnings };
}

/** Probability-weighted moments (Hosking & Wallis 1987); defined for shape < 1, efficient near shape 0. */
function pwmFit(sortedY: Float64Array): RawFit {
  const k = sortedY.length;
  let a0 = 0;
  let a1 = 0;
  for (let i = 0; i < k; i++) {
    const p = (i + 1 - 0.35) / k;
    a0 += sortedY[i];
    a1 += (1 - p) * sortedY[i];
  }
  a0 /= k;
  a1 /= k;
  const shape = 2 - a0 / (a0 - 2 * a1);
  const scale = (2 * a0 * a1) / (a0 - 2 * a1);
  return {
    scale,
    shape,
    logLikelihood: gpdLogLikelihood(sortedY, scale, shape),
    method: 'pwm',
    warnings: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Fit
// ---------------------------------------------------------------------------------------------------------------

export interface GpdFitOptions extends TailOption {
  /**
   * Threshold u in the units of the data. Upper tail: excesses are x - u for x > u; lower tail: u - x for x < u.
   * Default: leaves the most extreme 10 % of the sample, but at least 30 samples when n allows and at most 1000.
   */
  threshold?: number;
  /** Confidence level for intervals (default 0.95). */
  confidence?: number;
  /** 'mle' (default; falls back to 'pwm' when no interior maximum exists) or 'pwm'. */
  method?: 'mle' | 'pwm';
  /** Fewest exceedances accepted (default 10). Fits with fewer than 50 carry a warning. */
  minExceedances?: number;
  /** Compute the profile-likelihood interval of the shape (default: true up to 20 000 exceedances, where it is cheap). */
  profile?: boolean;
}

export interface GpdFit {
  /** Tail index xi (> 0 heavy Pareto-type tail, 0 exponential, < 0 bounded). */
  shape: number;
  /** Scale sigma of the excesses. */
  scale: number;
  /** Threshold u, in the units of the data. */
  threshold: number;
  /** Number of samples beyond the threshold (the sample size of the fit). */
  exceedances: number;
  /** Total sample size. */
  n: number;
  /** exceedances / n: the estimated probability of exceeding the threshold. */
  exceedanceRate: number;
  tail: TailDirection;
  method: 'mle' | 'pwm';
  logLikelihood: number;
  confidence: number;
  /** From the observed information (expected information if the observed one is not positive definite). */
  standardErrors: { shape: number; scale: number } | null;
  /** Covariance of (shape, scale): [[var shape, cov], [cov, var scale]]. */
  covariance: [[number, number], [number, number]] | null;
  /** Profile-likelihood interval of the shape (MLE fits with profile = true). */
  shapeInterval: { lower: number; upper: number; method: 'profile-likelihood' } | null;
  /** The finite end of the support in data units when shape < 0 (u + sigma/|xi| upper, u - sigma/|xi| lower), else null. */
  endpoint: number | null;
  warnings: string[];
  /** The excesses (non-enumerable, so JSON.stringify leaves them out); needed for profile-likelihood intervals. */
  readonly excesses?: Float64Array;
}

function defaultThresholdIndex(n: number): number {
  // number of exceedances k: 10 % of n, at least min(30, n - 1), at most 1000 (for big n a higher threshold has less
  // bias and 1000 exceedances already give a shape SE of about 0.035)
  return Math.max(Math.min(Math.round(0.1 * n), 1000), Math.min(30, n - 1));
}

/**
 * Fit a generalized Pareto distribution to the excesses over `threshold` by maximum likelihood (Grimshaw's
 * reduction), falling back to probability-weighted moments when the likelihood has no interior maximum.
 */
export function fitGeneralizedPareto(data: ArrayLike<number>, options: GpdFitOptions = {}): GpdFit {
  return fitSorted(() => {
    const sorted = sortedCopy(orientedData(data, resolveTail(options)));
    return { n: sorted.length, at: (i) => sorted[i] };
  }, options);
}

/** fitGeneralizedPareto of a sorted column (tailSummary). */
export function fitGeneralizedParetoOfSorted(column: SortedColumn, options: GpdFitOptions = {}): GpdFit {
  return fitSorted(() => ({ n: column.length, at: column.oriented(resolveTail(options)) }), options);
}

/** The fit, with the options checked before the oriented values ascending (n of them, the i-th at(i)) are asked for. */
function fitSorted(oriented: () => { n: number; at: (i: number) => number }, options: GpdFitOptions): GpdFit {
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  const minExceedances = checkPositiveInteger('minExceedances', options.minExceedances ?? 10, 3);
  const { n, at: sorted } = oriented();
  const sign = tail === 'lower' ? -1 : 1;
  let u: number;
  if (options.threshold === undefined) {
    const k0 = defaultThresholdIndex(n);
    u = sorted(n - 1 - k0);
  } else {
    u = sign * checkFinite('threshold', options.threshold, 'a value in the units of the data, e.g. its 0.9 quantile');
  }
  const side = tail === 'upper' ? 'above' : 'below';
  const suggestIdx = n - 1 - Math.min(n - 1, Math.max(minExceedances, Math.round(0.1 * n)));
  const suggestion = n > minExceedances ? `e.g. ${fmt(sign * sorted(suggestIdx))}, which leaves ${n - 1 - suggestIdx} samples ${side} it` : 'run more samples';
  if (u >= sorted(n - 1)) {
    throw new CellspreadInputError(
      'threshold',
      `must be ${tail === 'upper' ? 'below the largest' : 'above the smallest'} data value ${fmt(sign * sorted(n - 1))}`,
      sign * u,
      `no sample is ${side} it; choose a threshold inside the data, ${suggestion}`,
    );
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (sorted(i) > u) count++;
  if (count < minExceedances) {
    throw new CellspreadInputError(
      'threshold',
      `must leave at least ${minExceedances} samples ${side} it to fit a GPD`,
      sign * u,
      `only ${count} of ${n} samples are ${side} it; ${n > minExceedances ? `move the threshold into the data, ${suggestion}` : 'run more samples'}`,
    );
  }
  const y = new Float64Array(count);
  for (let i = n - count, j = 0; i < n; i++, j++) y[j] = sorted(i) - u; // ascending excesses
  const ymax = y[count - 1];
  let ymean = 0;
  for (let i = 0; i < count; i++) ymean += y[i];
  ymean /= count;
  if (ymax === y[0]) {
    throw new CellspreadInputError('data', `must vary ${side} the threshold to fit a GPD`, sign * (u + ymax), `all ${count} exceedances are equal; the output looks discrete or clipped`);
  }

  let raw: RawFit | null = null;
  const warnings: string[] = [];
  if ((options.method ?? 'mle') === 'mle') {
    raw = mleGrimshaw(y, ymax, ymean);
    if (!raw) warnings.push('maximum likelihood has no interior maximum for these excesses; fell back to probability-weighted moments');
  } else if (options.method !== 'pwm') {
    throw new CellspreadInputError('method', "must be 'mle' or 'pwm'", options.method);
  }
  if (!raw) raw = pwmFit(y);
  warnings.push(...raw.warnings);
  if (raw.method === 'pwm' && raw.shape >= 0.5) warnings.push(`PWM shape ${fmt(raw.shape)} >= 0.5: PWM is unreliable for such heavy tails`);
  if (count < 50) warnings.push(`only ${count} exceedances: GPD estimates are rough; a lower threshold or more samples would help`);

  const { scale, shape } = raw;
  // Standard errors from the observed information; expected information as fallback.
  let covariance: GpdFit['covariance'] = null;
  if (raw.method === 'mle') {
    const [hss, hsx, hxx] = gpdHessian(y, scale, shape);
    const a = -hss;
    const b = -hsx;
    const c = -hxx;
    const det = a * c - b * b;
    if (a > 0 && c > 0 && det > 0) {
      covariance = [
        [a / det, -b / det],
        [-b / det, c / det],
      ];
    }
  }
  if (!covariance && shape > -0.5) {
    // Expected information (Smith 1984): Cov(xi, sigma) = (1 + xi)/k [[1 + xi, -sigma], [-sigma, 2 sigma^2]]
    const f = (1 + shape) / count;
    covariance = [
      [f * (1 + shape), -f * scale],
      [-f * scale, f * 2 * scale * scale],
    ];
    if (raw.method === 'mle') warnings.push('observed information not positive definite; standard errors use the expected information');
  }
  const standardErrors = covariance ? { shape: Math.sqrt(covariance[0][0]), scale: Math.sqrt(covariance[1][1]) } : null;

  let shapeInterval: GpdFit['shapeInterval'] = null;
  if (raw.method === 'mle' && (options.profile ?? count <= 20000)) {
    const crit = chiSquare(1).ppf(confidence);
    const lhat = raw.logLikelihood;
    const dev = (xi: number) => 2 * (lhat - profileShapeLogLik(y, ymax, xi));
    const step = Math.max(0.02, standardErrors ? standardErrors.shape : 0.1);
    const lo = profileRoot(dev, shape, -step, -0.999, crit);
    const hi = profileRoot(dev, shape, step, 20, crit);
    shapeInterval = { lower: lo.value, upper: hi.bounded ? hi.value : Infinity, method: 'profile-likelihood' };
  }

  const endpoint = shape < 0 ? sign * (u + scale / -shape) : null;
  const fit: GpdFit = {
    shape,
    scale,
    threshold: sign * u,
    exceedances: count,
    n,
    exceedanceRate: count / n,
    tail,
    method: raw.method,
    logLikelihood: raw.logLikelihood,
    confidence,
    standardErrors,
    covariance,
    shapeInterval,
    endpoint,
    warnings,
  };
  Object.defineProperty(fit, 'excesses', { value: y, enumerable: false, writable: false });
  return fit;
}

/**
 * Walk from t0 in steps of `step` (doubling) until dev(t) > crit or `limit` is passed, then bisect the crossing.
 * Returns the crossing point, or the limit with bounded = false when the deviance never reaches crit.
 */
function profileRoot(dev: (t: number) => number, t0: number, step: number, limit: number, crit: number): { value: number; bounded: boolean } {
  let inside = t0;
  let h = step;
  let outside = NaN;
  for (let i = 0; i < 60; i++) {
    let t = inside + h;
    const past = step > 0 ? t >= limit : t <= limit;
    if (past) t = limit;
    const d = dev(t);
    if (!(d <= crit)) {
      // NaN / Infinity count as outside (parameter not supported by the data)
      outside = t;
      break;
    }
    inside = t;
    if (past) return { value: limit, bounded: false };
    h *= 2;
  }
  if (Number.isNaN(outside)) return { value: inside, bounded: false };
  for (let i = 0; i < 60; i++) {
    const mid = 0.5 * (inside + outside);
    if (dev(mid) <= crit) inside = mid;
    else outside = mid;
    if (Math.abs(outside - inside) < 1e-9 * (1 + Math.abs(inside))) break;
  }
  return { value: 0.5 * (inside + outside), bounded: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Return levels and extrapolated exceedance probabilities
// ---------------------------------------------------------------------------------------------------------------

/** (r^xi - 1) / xi, continuous at xi = 0 (log r). */
function boxCox(r: number, xi: number): number {
  const lr = Math.log(r);
  return Math.abs(xi * lr) < 1e-12 ? lr : Math.expm1(xi * lr) / xi;
}

/**
 * Profile log-likelihood of "the conditional exceedance probability of excess d is q": sigma is eliminated through
 * sigma(xi) = xi d / (q^-xi - 1), and the likelihood is maximized over xi.
 */
function quantileProfileLogLik(y: Float64Array, d: number, logq: number, xiMax: number): number {
  const f = (xi: number) => {
    const denom = Math.abs(xi) < 1e-12 ? -logq : Math.expm1(-xi * logq) / xi;
    const sigma = d / denom;
    return gpdLogLikelihood(y, sigma, xi);
  };
  return gridMax(f, -0.999, xiMax, 50).f;
}

export interface ReturnLevelOptions {
  confidence?: number;
  /** 'profile' (default for MLE fits with at most 5000 exceedances) or 'delta' (default otherwise). */
  interval?: 'profile' | 'delta';
}

export interface ReturnLevelResult {
  /** Return period m in samples: the level is exceeded on average once in m samples (probability 1/m per sample). */
  returnPeriod: number;
  estimate: number;
  lower: number;
  upper: number;
  interval: 'profile' | 'delta';
  confidence: number;
}

function checkFit(fit: GpdFit): void {
  if (!fit || typeof fit.shape !== 'number' || typeof fit.scale !== 'number' || typeof fit.threshold !== 'number') {
    throw new CellspreadInputError('fit', 'must be a result of fitGeneralizedPareto', fit);
  }
}

/**
 * The m-sample return level z_m = u + sigma/xi ((m zeta)^xi - 1) (u + sigma log(m zeta) when xi = 0), zeta the
 * threshold exceedance rate: the value exceeded with probability 1/m per sample (lower tail: undershot).
 */
export function gpdReturnLevel(fit: GpdFit, returnPeriod: number, options: ReturnLevelOptions = {}): ReturnLevelResult {
  checkFit(fit);
  const confidence = checkConfidence(options.confidence ?? fit.confidence);
  const m = returnPeriod;
  const zeta = fit.exceedanceRate;
  if (typeof m !== 'number' || !Number.isFinite(m) || !(m * zeta > 1)) {
    throw new CellspreadInputError(
      'returnPeriod',
      `must exceed 1 / exceedanceRate = ${fmt(1 / zeta)} (return levels below the threshold are not GPD territory)`,
      m,
      'use empiricalQuantile for levels inside the bulk of the data',
    );
  }
  const sign = fit.tail === 'lower' ? -1 : 1;
  const u = sign * fit.threshold;
  const { shape: xi, scale: sigma } = fit;
  const r = m * zeta;
  const dhat = sigma * boxCox(r, xi);
  const method = options.interval ?? (fit.excesses && fit.method === 'mle' && fit.exceedances <= 5000 ? 'profile' : 'delta');
  let lo: number;
  let hi: number;
  if (method === 'profile') {
    const y = fit.excesses;
    if (!y) throw new CellspreadInputError('interval', "'profile' needs the fit's excesses (not kept after JSON round trips)", method, "use interval: 'delta'");
    const logq = -Math.log(r);
    const xiMax = Math.max(3, xi + 2);
    const lhat = Math.max(fit.logLikelihood, quantileProfileLogLik(y, dhat, logq, xiMax));
    const crit = chiSquare(1).ppf(confidence);
    // Parameterize by t = log d.
    const dev = (t: number) => 2 * (lhat - quantileProfileLogLik(y, Math.exp(t), logq, xiMax));
    const t0 = Math.log(dhat);
    const a = profileRoot(dev, t0, -0.05, t0 - 30, crit);
    const b = profileRoot(dev, t0, 0.05, t0 + 30, crit);
    lo = a.bounded ? Math.exp(a.value) : 0;
    hi = b.bounded ? Math.exp(b.value) : Infinity;
  } else if (method === 'delta') {
    if (!fit.covariance) throw new CellspreadInputError('fit', 'has no covariance (shape <= -0.5), so no delta-method interval', fit.shape);
    const lr = Math.log(r);
    const dSigma = boxCox(r, xi);
    const dXi = Math.abs(xi) < 1e-6 ? (sigma * lr * lr) / 2 : (-sigma / (xi * xi)) * Math.expm1(xi * lr) + (sigma / xi) * Math.exp(xi * lr) * lr;
    const dZeta = (sigma * Math.exp(xi * lr)) / zeta;
    const [[vxx, vxs], [, vss]] = fit.covariance;
    const variance = dXi * dXi * vxx + 2 * dXi * dSigma * vxs + dSigma * dSigma * vss + (dZeta * dZeta * zeta * (1 - zeta)) / fit.n;
    const z = normalCritical(confidence);
    lo = dhat - z * Math.sqrt(variance);
    hi = dhat + z * Math.sqrt(variance);
  } else {
    throw new CellspreadInputError('interval', "must be 'profile' or 'delta'", method);
  }
  const est = sign * (u + dhat);
  const l = sign * (u + lo);
  const h = sign * (u + hi);
  return { returnPeriod: m, estimate: est, lower: Math.min(l, h), upper: Math.max(l, h), interval: method, confidence };
}

export interface TailProbabilityOptions {
  confidence?: number;
  /** 'profile' (default for MLE fits with at most 5000 exceedances) or 'delta' (on the log scale; default otherwise). */
  interval?: 'profile' | 'delta';
}

export interface TailProbabilityResult {
  limit: number;
  /** P(Y > limit) (lower tail: P(Y < limit)) = exceedanceRate * (1 + xi (limit - u)/sigma)^(-1/xi). */
  estimate: number;
  lower: number;
  upper: number;
  /** The probability given the threshold is exceeded, P(Y > limit | Y > u). */
  conditional: number;
  interval: 'profile' | 'delta';
  confidence: number;
  /** True when the limit lies beyond every sample (genuine extrapolation). */
  extrapolated: boolean;
  note?: string;
}

/**
 * Extrapolated probability of exceeding `limit` from a GPD fit, with an interval. The profile interval is for the
 * conditional probability, widened on the log scale by the binomial uncertainty of the threshold rate.
 */
export function gpdExceedanceProbability(fit: GpdFit, limit: number, options: TailProbabilityOptions = {}): TailProbabilityResult {
  checkFit(fit);
  checkFinite('limit', limit);
  const confidence = checkConfidence(options.confidence ?? fit.confidence);
  const sign = fit.tail === 'lower' ? -1 : 1;
  const u = sign * fit.threshold;
  const d = sign * limit - u;
  if (!(d > 0)) {
    throw new CellspreadInputError(
      'limit',
      `must be ${fit.tail === 'upper' ? 'above' : 'below'} the GPD threshold ${fmt(fit.threshold)}`,
      limit,
      'use exceedanceProbability for limits inside the data, or fit with a threshold beyond the bulk but short of the limit',
    );
  }
  const { shape: xi, scale: sigma } = fit;
  const zeta = fit.exceedanceRate;
  const k = fit.exceedances;
  const excess = generalizedPareto(xi, sigma); // the fitted distribution of the excesses over the threshold
  const logCond = excess.logsf(d);
  const cond = excess.sf(d);
  const w = (xi * d) / sigma;
  const y = fit.excesses;
  const method = options.interval ?? (y && fit.method === 'mle' && fit.exceedances <= 5000 ? 'profile' : 'delta');
  const z = normalCritical(confidence);
  const varLogZeta = (1 - zeta) / k;
  let lo: number;
  let hi: number;
  if (method === 'profile') {
    if (!y) throw new CellspreadInputError('interval', "'profile' needs the fit's excesses (not kept after JSON round trips)", method, "use interval: 'delta'");
    const xiMax = Math.max(3, xi + 2);
    const crit = chiSquare(1).ppf(confidence);
    const lhat = fit.logLikelihood;
    const L0 = Number.isFinite(logCond) ? Math.max(logCond, -700) : -700;
    const dev = (L: number) => 2 * (lhat - quantileProfileLogLik(y, d, L, xiMax));
    const a = L0 <= -700 ? { value: -Infinity, bounded: false } : profileRoot(dev, L0, -0.1, -745, crit);
    const b = profileRoot(dev, L0, 0.1, -1e-12, crit);
    // Widen by the threshold-rate uncertainty, on the log scale.
    const hw = (L: number) => Math.sqrt((L - L0) ** 2 + z * z * varLogZeta);
    const logLo = a.bounded ? L0 - hw(a.value) : -Infinity;
    const logHi = b.bounded ? L0 + hw(b.value) : 0;
    lo = Number.isFinite(logCond) ? Math.exp(Math.log(zeta) + logLo) : 0;
    hi = Math.min(1, Math.exp(Math.log(zeta) + logHi));
    if (!Number.isFinite(logCond)) hi = Math.min(1, Math.exp(Math.log(zeta) + b.value + z * Math.sqrt(varLogZeta)));
  } else if (method === 'delta') {
    if (!fit.covariance) throw new CellspreadInputError('fit', 'has no covariance (shape <= -0.5), so no delta-method interval', fit.shape);
    if (!Number.isFinite(logCond)) {
      lo = 0;
      hi = 0;
    } else {
      const dSigma = d / (sigma * sigma) / (1 + w);
      const dXi = Math.abs(xi) < 1e-6 ? (d * d) / (2 * sigma * sigma) : Math.log1p(w) / (xi * xi) - d / sigma / (xi * (1 + w));
      const [[vxx, vxs], [, vss]] = fit.covariance;
      const v = dXi * dXi * vxx + 2 * dXi * dSigma * vxs + dSigma * dSigma * vss + varLogZeta;
      const logp = Math.log(zeta) + logCond;
      lo = Math.exp(logp - z * Math.sqrt(v));
      hi = Math.min(1, Math.exp(logp + z * Math.sqrt(v)));
    }
  } else {
    throw new CellspreadInputError('interval', "must be 'profile' or 'delta'", method);
  }
  const result: TailProbabilityResult = {
    limit,
    estimate: zeta * cond,
    lower: lo,
    upper: hi,
    conditional: cond,
    interval: method,
    confidence,
    extrapolated: y ? d > y[y.length - 1] : true,
  };
  if (!Number.isFinite(logCond)) result.note = `the limit is beyond the fitted finite endpoint ${fmt(fit.endpoint ?? NaN)}: estimated probability 0`;
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Threshold diagnostics
// ---------------------------------------------------------------------------------------------------------------

export interface ThresholdDiagnosticOptions extends TailOption {
  /** Thresholds to evaluate (data units). Default: `count` values evenly spaced between the median and the value leaving `minExceedances`. */
  thresholds?: number[];
  count?: number;
  confidence?: number;
  minExceedances?: number;
}

export interface MeanResidualLifePoint {
  threshold: number;
  /** Mean excess e(u) = E[Y - u | Y > u] (lower tail: E[u - Y | Y < u]). Linear in u above a valid GPD threshold. */
  meanExcess: number;
  lower: number;
  upper: number;
  exceedances: number;
}

function diagnosticThresholds(sorted: Float64Array, count: number, minK: number, sign: number, given?: number[]): number[] {
  if (given) return given.map((t, i) => sign * checkFinite(`thresholds[${i}]`, t));
  const n = sorted.length;
  const a = sortedQuantile(sorted, 0.5);
  const b = sorted[Math.max(0, n - 1 - minK)];
  if (!(b > a)) return [a];
  return Array.from({ length: count }, (_, i) => a + ((b - a) * i) / Math.max(1, count - 1));
}

/** Mean residual life (mean excess) plot data with normal intervals (Coles 2001, section 4.3.1). */
export function meanResidualLife(data: ArrayLike<number>, options: ThresholdDiagnosticOptions = {}): MeanResidualLifePoint[] {
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  const count = checkPositiveInteger('count', options.count ?? 50, 1);
  const minK = checkPositiveInteger('minExceedances', options.minExceedances ?? 10, 2);
  const sorted = sortedCopy(orientedData(data, tail));
  const sign = tail === 'lower' ? -1 : 1;
  const z = normalCritical(confidence);
  const out: MeanResidualLifePoint[] = [];
  for (const u of diagnosticThresholds(sorted, count, minK, sign, options.thresholds)) {
    let k = 0;
    let s = 0;
    let s2 = 0;
    for (let i = sorted.length - 1; i >= 0 && sorted[i] > u; i--) {
      const e = sorted[i] - u;
      k++;
      s += e;
      s2 += e * e;
    }
    if (k < 2) continue;
    const mean = s / k;
    const sd = Math.sqrt(Math.max(0, (s2 - k * mean * mean) / (k - 1)));
    out.push({ threshold: sign * u, meanExcess: mean, lower: mean - (z * sd) / Math.sqrt(k), upper: mean + (z * sd) / Math.sqrt(k), exceedances: k });
  }
  return out;
}

export interface ThresholdStabilityPoint {
  threshold: number;
  exceedances: number;
  shape: number;
  shapeLower: number;
  shapeUpper: number;
  /** sigma* = sigma - xi (u - u0) relative to the first threshold u0 (oriented): constant above a valid threshold. */
  modifiedScale: number;
  modifiedScaleLower: number;
  modifiedScaleUpper: number;
  method: 'mle' | 'pwm';
}

/** GPD parameter stability across thresholds: shape and modified scale with delta-method intervals (Coles 2001, 4.3.4). */
export function thresholdStability(data: ArrayLike<number>, options: ThresholdDiagnosticOptions = {}): ThresholdStabilityPoint[] {
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  const count = checkPositiveInteger('count', options.count ?? 20, 1);
  const minK = checkPositiveInteger('minExceedances', options.minExceedances ?? 30, 3);
  const oriented = orientedData(data, tail);
  const sorted = sortedCopy(oriented);
  const sign = tail === 'lower' ? -1 : 1;
  const z = normalCritical(confidence);
  const out: ThresholdStabilityPoint[] = [];
  const us = diagnosticThresholds(sorted, count, minK, sign, options.thresholds);
  const u0 = us[0];
  for (const u of us) {
    let fit: GpdFit;
    try {
      fit = fitGeneralizedPareto(oriented, { threshold: u, confidence, minExceedances: Math.min(minK, 10), profile: false });
    } catch {
      continue;
    }
    const se = fit.standardErrors;
    const du = u - u0;
    const ms = fit.scale - fit.shape * du;
    let msSe = NaN;
    if (fit.covariance) {
      const [[vxx, vxs], [, vss]] = fit.covariance;
      msSe = Math.sqrt(Math.max(0, vss - 2 * du * vxs + du * du * vxx));
    }
    out.push({
      threshold: sign * u,
      exceedances: fit.exceedances,
      shape: fit.shape,
      shapeLower: se ? fit.shape - z * se.shape : NaN,
      shapeUpper: se ? fit.shape + z * se.shape : NaN,
      modifiedScale: ms,
      modifiedScaleLower: ms - z * msSe,
      modifiedScaleUpper: ms + z * msSe,
      method: fit.method,
    });
  }
  return out;
}
