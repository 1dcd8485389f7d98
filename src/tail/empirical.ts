/**
 * Empirical tail statistics: exceedance probability with a binomial interval, quantiles with distribution-free
 * order-statistic intervals, value-at-risk, conditional value-at-risk (expected shortfall), and the exceedance curve.
 * Lower tails are handled by negating the data, so every estimator is the same code for both tails.
 */
import { CellspreadInputError } from '../errors.ts';
import { beta, binomial, normalCritical } from '../stats/index.ts';
import {
  type TailDirection,
  type TailOption,
  checkConfidence,
  checkFinite,
  checkProbability,
  fmt,
  orientedData,
  resolveTail,
  SortedColumn,
  sortedQuantile,
} from './validate.ts';

export type BinomialIntervalMethod = 'clopper-pearson' | 'wilson';

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

/**
 * Confidence interval for a binomial proportion `count / n`. Clopper-Pearson (default) is exact: coverage is at least
 * the nominal level for every true p, which matters when the count is 0 or a handful. Wilson is shorter on average,
 * with coverage close to nominal.
 */
export function binomialInterval(
  count: number,
  n: number,
  confidence = 0.95,
  method: BinomialIntervalMethod = 'clopper-pearson',
): Interval {
  if (!Number.isSafeInteger(n) || n < 1) throw new CellspreadInputError('n', 'must be an integer >= 1', n);
  if (!Number.isSafeInteger(count) || count < 0 || count > n) throw new CellspreadInputError('count', `must be an integer in [0, ${n}]`, count);
  checkConfidence(confidence);
  const alpha = 1 - confidence;
  const phat = count / n;
  if (method === 'clopper-pearson') {
    const lower = count === 0 ? 0 : beta(count, n - count + 1).ppf(alpha / 2);
    const upper = count === n ? 1 : count === 0 ? 1 - Math.pow(alpha / 2, 1 / n) : beta(count + 1, n - count).ppf(1 - alpha / 2);
    return { estimate: phat, lower, upper };
  }
  if (method === 'wilson') {
    const z = normalCritical(confidence);
    const z2 = z * z;
    const denom = 1 + z2 / n;
    const centre = (phat + z2 / (2 * n)) / denom;
    const half = (z / denom) * Math.sqrt((phat * (1 - phat)) / n + z2 / (4 * n * n));
    return { estimate: phat, lower: count === 0 ? 0 : Math.max(0, centre - half), upper: count === n ? 1 : Math.min(1, centre + half) };
  }
  throw new CellspreadInputError('method', "must be 'clopper-pearson' or 'wilson'", method);
}

export interface ExceedanceOptions extends TailOption {
  /** Confidence level of the interval (default 0.95). */
  confidence?: number;
  /** Binomial interval (default 'clopper-pearson'). */
  method?: BinomialIntervalMethod;
}

export interface ExceedanceResult extends Interval {
  /** P(Y > limit) for the upper tail, P(Y < limit) for the lower tail. */
  estimate: number;
  lower: number;
  upper: number;
  /** Number of samples beyond the limit. */
  exceedances: number;
  n: number;
  limit: number;
  tail: TailDirection;
  confidence: number;
  method: BinomialIntervalMethod;
  /** Present when no sample reached the limit: the estimate is 0 and only the upper bound is informative. */
  note?: string;
}

/** Empirical probability that the output is beyond `limit` (strictly), with a binomial confidence interval. */
export function exceedanceProbability(data: ArrayLike<number>, limit: number, options: ExceedanceOptions = {}): ExceedanceResult {
  const tail = resolveTail(options);
  checkFinite('limit', limit, 'pass the design limit in the units of the output');
  const confidence = checkConfidence(options.confidence);
  const method = options.method ?? 'clopper-pearson';
  const x = orientedData(data, tail);
  const lim = tail === 'lower' ? -limit : limit;
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > lim) count++;
  return exceedanceResult(count, x.length, limit, tail, confidence, method);
}

/** exceedanceProbability of a sorted column (tailSummary): the samples beyond the limit counted from the sorted end. */
export function exceedanceOfSorted(column: SortedColumn, limit: number, tail: TailDirection, confidence: number): ExceedanceResult {
  const a = column.ascending;
  const n = a.length;
  let count = 0;
  if (tail === 'upper') for (let i = n - 1; i >= 0 && a[i] > limit; i--) count++;
  else for (let i = 0; i < n && a[i] < limit; i++) count++;
  return exceedanceResult(count, n, limit, tail, confidence, 'clopper-pearson');
}

function exceedanceResult(count: number, n: number, limit: number, tail: TailDirection, confidence: number, method: BinomialIntervalMethod): ExceedanceResult {
  const ci = binomialInterval(count, n, confidence, method);
  const result: ExceedanceResult = { ...ci, exceedances: count, n, limit, tail, confidence, method };
  if (count === 0) {
    result.note =
      `no sample is ${tail === 'upper' ? 'above' : 'below'} the limit; the upper bound ${fmt(ci.upper)} is all the data can say ` +
      `(run more samples, use the GPD extrapolation, or a rare-event estimator)`;
  }
  return result;
}

export interface QuantileOptions {
  confidence?: number;
}

export interface QuantileResult extends Interval {
  /** The probability level p: the estimate is the p-quantile (P(Y <= q) = p). */
  p: number;
  /** Type-7 (linear interpolation) sample quantile. */
  estimate: number;
  /** Order-statistic bounds; -Infinity / Infinity where the sample is too small to bound that side. */
  lower: number;
  upper: number;
  /** 1-based ranks of the order statistics used as bounds (0 or n+1 when unbounded). */
  lowerRank: number;
  upperRank: number;
  n: number;
  confidence: number;
  /** Coverage probability of [x_(lowerRank), x_(upperRank)] under continuity, >= confidence when both are bounded. */
  coverage: number;
  note?: string;
}

function quantileFromSorted(sorted: Float64Array, p: number, confidence: number): QuantileResult {
  const n = sorted.length;
  const alpha = 1 - confidence;
  // P(x_(r) <= Q_p <= x_(s)) = P(r <= B <= s - 1), B ~ Binomial(n, p).
  // r: largest with P(B <= r - 1) <= alpha/2; s: smallest with P(B <= s - 1) >= 1 - alpha/2.
  const B = binomial(n, p);
  const r = B.ppf(alpha / 2); // smallest k with P(B <= k) >= alpha/2
  // By minimality P(B <= r - 1) < alpha/2, so P(x_(r) > Q_p) < alpha/2; r = 0 means no order statistic is low enough.
  const s = B.ppf(1 - alpha / 2) + 1;
  const lowerRank = r; // 0 means unbounded
  const upperRank = s; // n + 1 means unbounded
  const estimate = sortedQuantile(sorted, p);
  // Clamping to the point estimate only widens the interval (coverage kept) and keeps estimate inside it.
  const lower = lowerRank >= 1 ? Math.min(sorted[lowerRank - 1], estimate) : -Infinity;
  const upper = upperRank <= n ? Math.max(sorted[upperRank - 1], estimate) : Infinity;
  const coverage = B.cdf(upperRank - 1) - B.cdf(lowerRank - 1);
  const result: QuantileResult = {
    p,
    estimate,
    lower,
    upper,
    lowerRank,
    upperRank,
    n,
    confidence,
    coverage,
  };
  if (upperRank > n || lowerRank < 1) {
    const tailP = Math.min(p, 1 - p);
    const need = Math.ceil(Math.log(alpha / 2) / Math.log(1 - tailP));
    result.note = `too few samples to bound the ${p}-quantile on both sides at ${confidence} confidence; at least ${need} samples are needed`;
  }
  return result;
}

/** The p-quantile of the data with a distribution-free confidence interval from order statistics (binomial ranks). */
export function empiricalQuantile(data: ArrayLike<number>, p: number, options: QuantileOptions = {}): QuantileResult {
  checkProbability('p', p, 'e.g. 0.99 for the 99th percentile');
  const confidence = checkConfidence(options.confidence);
  return quantileFromSorted(SortedColumn.of(data).ascending, p, confidence);
}

export interface RiskOptions extends TailOption {
  confidence?: number;
}

export interface ValueAtRiskResult extends QuantileResult {
  /** Risk level: the tail beyond the VaR has probability 1 - level. */
  level: number;
  tail: TailDirection;
}

/**
 * Value-at-risk at `level` (e.g. 0.99): the level-quantile for the upper tail, the (1 - level)-quantile for the lower
 * tail, with the order-statistic interval.
 */
export function valueAtRisk(data: ArrayLike<number>, level: number, options: RiskOptions = {}): ValueAtRiskResult {
  checkProbability('level', level, 'e.g. 0.99: the tail beyond the VaR has probability 1 - level');
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  return valueAtRiskOfSorted(SortedColumn.of(data), level, tail, confidence);
}

/** valueAtRisk of a sorted column (tailSummary). */
export function valueAtRiskOfSorted(column: SortedColumn, level: number, tail: TailDirection, confidence: number): ValueAtRiskResult {
  checkProbability('level', level, 'e.g. 0.99: the tail beyond the VaR has probability 1 - level');
  const q = quantileFromSorted(column.ascending, tail === 'upper' ? level : 1 - level, confidence);
  return { ...q, level, tail };
}

export interface CvarResult extends Interval {
  level: number;
  tail: TailDirection;
  /** Expected shortfall: mean of the worst (1 - level) fraction of outcomes (upper tail: the largest). */
  estimate: number;
  /** Normal-approximation interval from the influence function of the estimator. */
  lower: number;
  upper: number;
  standardError: number;
  /** The VaR (quantile) at the same level, from the same estimator. */
  valueAtRisk: number;
  /** n (1 - level): the effective number of tail samples averaged. */
  tailSamples: number;
  n: number;
  confidence: number;
  note?: string;
}

/**
 * Conditional value-at-risk (expected shortfall) at `level`: the average of the outcomes in the worst 1 - level
 * fraction (Acerbi & Tasche 2002 estimator, with a fractional weight on the boundary order statistic). The interval is
 * estimate +/- z * sd((Y - VaR)+) / ((1 - level) sqrt(n)), the asymptotic variance of the Rockafellar-Uryasev form.
 */
export function conditionalValueAtRisk(data: ArrayLike<number>, level: number, options: RiskOptions = {}): CvarResult {
  checkProbability('level', level, 'e.g. 0.99: average over the worst 1 % of outcomes');
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  return conditionalValueAtRiskOfSorted(SortedColumn.of(data), level, tail, confidence);
}

/** conditionalValueAtRisk of a sorted column (tailSummary). */
export function conditionalValueAtRiskOfSorted(column: SortedColumn, level: number, tail: TailDirection, confidence: number): CvarResult {
  checkProbability('level', level, 'e.g. 0.99: average over the worst 1 % of outcomes');
  const x = column.oriented(tail); // upper tail of x is the risk
  const n = column.length;
  const beta = 1 - level;
  let m = n * beta;
  if (Math.abs(m - Math.round(m)) < 1e-9 * n) m = Math.round(m); // 10000 * (1 - 0.99) is 100, not 99.99999999999
  if (m < 1) {
    throw new CellspreadInputError(
      'level',
      `must leave at least one sample in the tail (n * (1 - level) >= 1)`,
      level,
      `with ${n} samples use level <= ${fmt(1 - 1 / n)}, or run more samples`,
    );
  }
  const whole = Math.floor(m);
  let sum = 0;
  for (let i = 0; i < whole; i++) sum += x(n - 1 - i);
  const frac = m - whole;
  if (frac > 0) sum += frac * x(n - 1 - whole);
  const es = sum / m;
  const varQ = x(Math.max(0, n - 1 - whole));
  // Influence-function variance: Var((Y - VaR)+) / beta^2 / n.
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x(i);
    const e = xi > varQ ? xi - varQ : 0;
    s1 += e;
    s2 += e * e;
  }
  const meanE = s1 / n;
  const varE = Math.max(0, s2 / n - meanE * meanE);
  const se = Math.sqrt(varE / n) / beta;
  const z = normalCritical(confidence);
  const sign = tail === 'lower' ? -1 : 1;
  const lo = es - z * se;
  const hi = es + z * se;
  const result: CvarResult = {
    level,
    tail,
    estimate: sign * es,
    lower: sign === 1 ? lo : -hi,
    upper: sign === 1 ? hi : -lo,
    standardError: se,
    valueAtRisk: sign * varQ,
    tailSamples: m,
    n,
    confidence,
  };
  if (m < 10) result.note = `only ${fmt(m)} tail samples: the normal interval is rough; run more samples or lower the level`;
  return result;
}

export interface ExceedanceCurvePoint {
  /** The output value y. */
  value: number;
  /** P(Y > value) (upper tail) or P(Y < value) (lower tail). */
  probability: number;
  exceedances: number;
  lower: number;
  upper: number;
}

export interface ExceedanceCurveOptions extends TailOption {
  confidence?: number;
  method?: BinomialIntervalMethod;
  /** At most this many points, spaced evenly in log(exceedance count) (default 100). */
  maxPoints?: number;
}

export interface ExceedanceCurve {
  tail: TailDirection;
  n: number;
  confidence: number;
  /** Ordered from the bulk towards the extreme tail (probability decreasing). */
  points: ExceedanceCurvePoint[];
}

/** The empirical exceedance (survival) curve with pointwise binomial intervals, sampled on a log scale of counts. */
export function exceedanceCurve(data: ArrayLike<number>, options: ExceedanceCurveOptions = {}): ExceedanceCurve {
  const tail = resolveTail(options);
  const confidence = checkConfidence(options.confidence);
  const method = options.method ?? 'clopper-pearson';
  const maxPoints = options.maxPoints ?? 100;
  if (!Number.isSafeInteger(maxPoints) || maxPoints < 2) throw new CellspreadInputError('maxPoints', 'must be an integer >= 2', maxPoints);
  return exceedanceCurveOfSorted(SortedColumn.of(data), tail, confidence, method, maxPoints);
}

/** exceedanceCurve of a sorted column (the report's exceedance chart, which fits the GPD to the same copy). */
export function exceedanceCurveOfSorted(column: SortedColumn, tail: TailDirection, confidence: number, method: BinomialIntervalMethod, maxPoints: number): ExceedanceCurve {
  const x = column.oriented(tail);
  const n = column.length;
  const sign = tail === 'lower' ? -1 : 1;
  // Candidate counts k = number of samples strictly beyond x_(n-k): log-spaced from n-1 down to 1, plus 0 at the max.
  const ks = new Set<number>();
  const ratio = Math.max(1, n - 1);
  for (let j = 0; j < maxPoints - 1; j++) ks.add(Math.round(Math.exp((Math.log(ratio) * j) / Math.max(1, maxPoints - 2))));
  ks.add(0);
  const points: ExceedanceCurvePoint[] = [];
  const seen = new Set<number>();
  for (const k of [...ks].sort((a, b) => b - a)) {
    if (k > n - 1) continue;
    const idx = n - 1 - k;
    const v = x(idx);
    if (seen.has(v)) continue;
    seen.add(v);
    // count strictly greater than v (handles ties)
    let hi = idx;
    while (hi + 1 < n && x(hi + 1) === v) hi++;
    const count = n - 1 - hi;
    const ci = binomialInterval(count, n, confidence, method);
    points.push({ value: sign * v, probability: ci.estimate, exceedances: count, lower: ci.lower, upper: ci.upper });
  }
  return { tail, n, confidence, points };
}
