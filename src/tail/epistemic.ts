/**
 * Probabilities of failure under two kinds of uncertainty: what varies from cell to cell (aleatory, the inner loop)
 * and what we do not know but is the same for every cell (epistemic, the outer loop).
 *
 * Input: the outputs of a two-level Monte Carlo, value[e * inner + i] for outer sample e (one draw of the epistemic
 * quantities) and inner sample i (one draw of the manufacturing lottery). For each outer sample the conditional
 * probability of failure p_e = P(beyond limit | epistemic draw e) is the fraction of its inner samples beyond the
 * limit. Over the outer samples p_e is a distribution over what we do not know:
 *
 *  - pooled:  the mean of p_e, the probability of failure with the epistemic uncertainty averaged in (what a one-level
 *             study mixing both kinds would report). Standard error: 'nested' (independent inner samples per outer
 *             sample) s_p^2 / E; 'crossed' (inner sample i shares its aleatory draws across outer samples: common
 *             random numbers, as cellspread's studies do) s_p^2 / E + s_c^2 / I with s_c^2 the variance over i of the
 *             mean over e of the failure indicator (a two-way crossed design; slightly conservative). The interval is
 *             the normal one on the logit scale (delta method), so it stays inside (0, 1).
 *  - median and band: the quantiles of p_e (default the 5 % and 95 % quantiles: a 90 % band), each with a
 *             distribution-free order-statistic interval for the finite number of outer samples.
 *  - measure first: for each epistemic quantity k, the share of Var(p) it explains on its own, S_k = Var(E[p | k]) /
 *             Var(p): the expected reduction of the variance of P(failure) if k were measured exactly. Estimated from
 *             the outer samples as given data (correlation ratio over sqrt(E) bins of k, bias-adjusted as
 *             1 - (1 - eta^2) (E - 1) / (E - B)), with Spearman's rank correlation for the direction.
 *
 * Each p_e carries the inner sampling error of I samples; with common random numbers that error is mostly shared by
 * all outer samples, so it shifts the band rather than widening it.
 */
import { sampleRankCorrelation } from 'simple-statistics';
import { CellspreadInputError } from '../errors.ts';
import { sampleVariance } from '../math/moments.ts';
import { empiricalQuantile } from './empirical.ts';
import { normalCritical } from '../stats/index.ts';
import { checkConfidence, checkFinite, resolveTail, type TailDirection, type TailOption } from './validate.ts';

export interface EpistemicDraws {
  /** Quantity name, e.g. "negative.diffusivity". */
  name: string;
  /** Its value in each outer sample (length outer). */
  values: ArrayLike<number>;
}

export interface EpistemicTailOptions extends TailOption {
  /** Design limit (output units). */
  limit: number;
  /** Outer (epistemic) samples E and inner (aleatory) samples per outer sample I: values.length = E x I. */
  outer: number;
  inner: number;
  /** 'crossed' (default): inner sample i has the same aleatory draws in every outer sample. 'nested': independent. */
  design?: 'crossed' | 'nested';
  /** Central band of the epistemic distribution of p (default 0.9: the 5 % and 95 % quantiles). */
  band?: number;
  /** Confidence of the pooled interval and of the quantile intervals (default 0.95). */
  confidence?: number;
  /** The epistemic draws, for the measure-first ranking. */
  quantities?: EpistemicDraws[];
  /** Output name, echoed. */
  output?: string;
  /** 'error' (default) or 'drop': non-finite outputs are left out of their outer sample's fraction. */
  nonFinite?: 'error' | 'drop';
}

export interface EpistemicQuantile {
  /** Probability level of the quantile over outer samples. */
  p: number;
  estimate: number;
  /** Order-statistic interval for the finite number of outer samples (null: not bounded by so few). */
  lower: number | null;
  upper: number | null;
}

export interface MeasureFirst {
  quantity: string;
  /** Share of Var(P(failure)) explained by this quantity alone (bias-adjusted correlation ratio; NaN if p is constant). */
  firstOrder: number;
  /** Spearman rank correlation of the quantity with P(failure): its sign says which way it pushes. */
  rankCorrelation: number;
}

export interface EpistemicTailSummary {
  output?: string;
  tail: TailDirection;
  limit: number;
  outer: number;
  inner: number;
  design: 'crossed' | 'nested';
  band: number;
  confidence: number;
  /** Mean over outer samples of p_e, with its Monte Carlo standard error and a normal interval on the logit scale. */
  pooled: { estimate: number; standardError: number; lower: number; upper: number; exceedances: number; n: number };
  /** Median and band ends of p over what we do not know. */
  median: EpistemicQuantile;
  lower: EpistemicQuantile;
  upper: EpistemicQuantile;
  /** p_e per outer sample. */
  perOuter: number[];
  /** Epistemic quantities, largest share of Var(p) first: the one to measure first heads the list. */
  measureFirst: MeasureFirst[];
  warnings: string[];
}

function checkCount(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new CellspreadInputError(field, 'must be an integer >= 1', v);
  return v;
}

/** Bias-adjusted correlation ratio of y on x over `bins` equal-count bins of x. */
function correlationRatio(x: ArrayLike<number>, y: ArrayLike<number>, bins: number): number {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let sst = 0;
  for (let i = 0; i < n; i++) sst += (y[i] - mean) ** 2;
  if (!(sst > 0)) return NaN;
  let ssb = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    let m = 0;
    for (let k = from; k < to; k++) m += y[order[k]];
    m /= to - from;
    ssb += (to - from) * (m - mean) ** 2;
  }
  const eta2 = ssb / sst;
  return 1 - ((1 - eta2) * (n - 1)) / (n - bins);
}

function quantileOf(values: number[], p: number, confidence: number): EpistemicQuantile {
  const q = empiricalQuantile(values, p, { confidence });
  return { p, estimate: q.estimate, lower: Number.isFinite(q.lower) ? q.lower : null, upper: Number.isFinite(q.upper) ? q.upper : null };
}

/**
 * Probability of failure as a distribution over what we do not know: per outer sample, pooled, median and band, and
 * which epistemic quantity to measure first. `values[e * inner + i]` is the output of outer sample e, inner sample i.
 */
export function epistemicTailSummary(values: ArrayLike<number>, options: EpistemicTailOptions): EpistemicTailSummary {
  if (!options || typeof options !== 'object') throw new CellspreadInputError('options', 'must give at least { limit, outer, inner }', options);
  const tail = resolveTail(options);
  const limit = checkFinite('limit', options.limit, 'the design limit in the units of the output');
  const E = checkCount('outer', options.outer);
  const I = checkCount('inner', options.inner);
  const design = options.design ?? 'crossed';
  if (design !== 'crossed' && design !== 'nested') throw new CellspreadInputError('design', "must be 'crossed' or 'nested'", design);
  const band = options.band ?? 0.9;
  if (typeof band !== 'number' || !(band > 0 && band < 1)) throw new CellspreadInputError('band', 'must be in (0, 1)', band, 'e.g. 0.9 for the 5 % to 95 % quantiles');
  const confidence = checkConfidence(options.confidence);
  const nonFinite = options.nonFinite ?? 'error';
  if (nonFinite !== 'error' && nonFinite !== 'drop') throw new CellspreadInputError('nonFinite', "must be 'error' or 'drop'", nonFinite);
  if (values === null || values === undefined || typeof values.length !== 'number') throw new CellspreadInputError(options.output ?? 'values', 'must be an array of numbers', values);
  if (values.length !== E * I) {
    throw new CellspreadInputError(`${options.output ?? 'values'} length`, `must equal outer x inner = ${E} x ${I} = ${E * I}`, values.length);
  }
  const warnings: string[] = [];
  const beyond = (v: number) => (tail === 'upper' ? v > limit : v < limit);

  // Failure indicators (NaN: dropped), per outer sample and per inner sample.
  const perOuter: number[] = [];
  const colSum = new Float64Array(I);
  const colCount = new Float64Array(I);
  let exceedances = 0;
  let n = 0;
  let dropped = 0;
  for (let e = 0; e < E; e++) {
    let fails = 0;
    let kept = 0;
    for (let i = 0; i < I; i++) {
      const v = values[e * I + i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        if (nonFinite === 'error') throw new CellspreadInputError(`${options.output ?? 'values'}[${e * I + i}]`, "must be a finite number (or pass nonFinite: 'drop')", v, `outer sample ${e}, inner sample ${i}`);
        dropped++;
        continue;
      }
      const f = beyond(v) ? 1 : 0;
      fails += f;
      kept++;
      colSum[i] += f;
      colCount[i]++;
    }
    if (kept === 0) throw new CellspreadInputError(options.output ?? 'values', `must hold a finite value in every outer sample (outer sample ${e} has none)`, 'all non-finite');
    perOuter.push(fails / kept);
    exceedances += fails;
    n += kept;
  }
  if (dropped > 0) warnings.push(`${dropped} non-finite values dropped from their outer samples' fractions (failed samples bias the tail if failures correlate with it)`);

  // Pooled probability and its standard error.
  let pooled = 0;
  for (const p of perOuter) pooled += p;
  pooled /= E;
  let se2 = sampleVariance(perOuter) / E;
  if (design === 'crossed') {
    const cols: number[] = [];
    for (let i = 0; i < I; i++) if (colCount[i] > 0) cols.push(colSum[i] / colCount[i]);
    se2 += sampleVariance(cols) / I;
  }
  const se = Math.sqrt(se2);
  // Normal interval on the logit scale (delta method): inside (0, 1) and asymmetric, as a small probability's is.
  const z = normalCritical(confidence);
  const logit = (x: number) => Math.log(x / (1 - x));
  const expit = (x: number) => 1 / (1 + Math.exp(-x));
  const halfWidth = (z * se) / (pooled * (1 - pooled));
  let lowerP = pooled > 0 && pooled < 1 ? expit(logit(pooled) - halfWidth) : pooled;
  let upperP = pooled > 0 && pooled < 1 ? expit(logit(pooled) + halfWidth) : pooled;
  if (exceedances === 0) {
    // No failure seen: a one-sided bound from the independent draws (I aleatory packs when crossed, E x I nested).
    const nEff = design === 'crossed' ? I : n;
    lowerP = 0;
    upperP = 1 - ((1 - confidence) / 2) ** (1 / nEff);
    warnings.push(`no sample passes the limit: the pooled upper bound uses the ${nEff} independent aleatory draws`);
  }
  if (E < 20) warnings.push(`only ${E} outer samples: the band ends are rough (see their intervals)`);

  const tailP = Number(((1 - band) / 2).toPrecision(12)); // 0.05, not 0.04999999999999999
  const median = quantileOf(perOuter, 0.5, confidence);
  const lower = quantileOf(perOuter, tailP, confidence);
  const upper = quantileOf(perOuter, 1 - tailP, confidence);

  // Which quantity to measure first.
  const measureFirst: MeasureFirst[] = [];
  const bins = Math.max(2, Math.min(Math.floor(Math.sqrt(E)), Math.floor(E / 2)));
  const spread = sampleVariance(perOuter) > 0;
  if (!spread && (options.quantities?.length ?? 0) > 0) warnings.push('P(failure) is the same in every outer sample: no epistemic quantity moves it here');
  for (const [k, q] of (options.quantities ?? []).entries()) {
    if (!q || typeof q.name !== 'string' || q.values === null || typeof q.values?.length !== 'number' || q.values.length !== E) {
      throw new CellspreadInputError(`quantities[${k}]`, `must be { name, values } with one value per outer sample (${E})`, q);
    }
    const x = Array.from(q.values);
    const firstOrder = spread && E >= 4 ? correlationRatio(x, perOuter, bins) : NaN;
    const rank = spread && E >= 3 ? sampleRankCorrelation(x, perOuter) : NaN;
    measureFirst.push({ quantity: q.name, firstOrder, rankCorrelation: Number.isFinite(rank) ? rank : NaN });
  }
  measureFirst.sort((a, b) => (Number.isFinite(b.firstOrder) ? b.firstOrder : -Infinity) - (Number.isFinite(a.firstOrder) ? a.firstOrder : -Infinity));

  return {
    ...(options.output !== undefined ? { output: options.output } : {}),
    tail,
    limit,
    outer: E,
    inner: I,
    design,
    band,
    confidence,
    pooled: { estimate: pooled, standardError: se, lower: lowerP, upper: upperP, exceedances, n },
    median,
    lower,
    upper,
    perOuter,
    measureFirst,
    warnings,
  };
}
