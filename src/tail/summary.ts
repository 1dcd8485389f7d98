/**
 * One call for the study runner: everything the tail module can say about one output column against one limit, as a
 * JSON-serialisable object. It throws only for unusable input (empty column, NaN with nonFinite: 'error', a bad
 * limit or option); thin tails, zero exceedances and failed fits are reported in `reason` / `warnings` fields.
 */
import { CellspreadInputError } from '../errors.ts';
import { conditionalValueAtRiskOfSorted, exceedanceOfSorted, valueAtRiskOfSorted } from './empirical.ts';
import { fitGeneralizedParetoOfSorted, gpdExceedanceProbability } from './gpd.ts';
import { type TailDirection, type TailOption, checkConfidence, checkFinite, resolveTail, SortedColumn } from './validate.ts';

export interface TailSummaryOptions extends TailOption {
  /** The design limit (output units). Failure: above it (upper tail) or below it (lower tail). */
  limit: number;
  /** Name of the output column, echoed in the summary. */
  output?: string;
  /** Confidence level of every interval (default 0.95). */
  confidence?: number;
  /** Risk levels for VaR and CVaR (default [0.9, 0.99, 0.999]); levels with fewer than one tail sample are skipped. */
  levels?: number[];
  /** GPD threshold (default: the most extreme 10 % of the sample, at least 30 and at most 1000 samples). */
  threshold?: number;
  /** Fewest exceedances for the GPD fit (default 20). */
  minExceedances?: number;
  /** Fewest samples for the GPD fit (default 100). */
  minSamplesForFit?: number;
  /** 'error' (default): NaN or Infinity in the column is an input error; 'drop': drop them and count them. */
  nonFinite?: 'error' | 'drop';
}

export interface TailSummaryInterval {
  estimate: number;
  lower: number | null;
  upper: number | null;
}

export interface TailSummary {
  output?: string;
  tail: TailDirection;
  limit: number;
  confidence: number;
  n: number;
  droppedNonFinite: number;
  /** Empirical P(beyond limit) with a Clopper-Pearson interval. */
  empirical: TailSummaryInterval & { exceedances: number; note?: string };
  /** Value-at-risk (quantile) at each level with an order-statistic interval (null = unbounded by this sample). */
  valueAtRisk: (TailSummaryInterval & { level: number; note?: string })[];
  /** Conditional value-at-risk (expected shortfall) at each level. */
  conditionalValueAtRisk: (TailSummaryInterval & { level: number; tailSamples: number; note?: string })[];
  /** GPD peaks-over-threshold fit and the extrapolated probability of passing the limit, or why there is none. */
  gpd:
    | {
        status: 'fitted';
        threshold: number;
        shape: number;
        scale: number;
        exceedances: number;
        exceedanceRate: number;
        method: 'mle' | 'pwm';
        standardErrors: { shape: number; scale: number } | null;
        shapeInterval: { lower: number | null; upper: number | null } | null;
        endpoint: number | null;
        /** P(beyond limit) from the fit, or null when the limit is not beyond the threshold (see extrapolationNote). */
        exceedanceProbability: (TailSummaryInterval & { interval: 'profile' | 'delta' }) | null;
        extrapolationNote?: string;
        warnings: string[];
      }
    | { status: 'skipped'; reason: string };
  /**
   * The estimate to quote: empirical when at least 10 samples pass the limit, else the GPD extrapolation if any; in a
   * two-level study (src/study/epistemic.ts) the pooled two-level estimate.
   */
  recommended: TailSummaryInterval & { source: 'empirical' | 'gpd' | 'empirical-bound' | 'two-level' };
  /** Levels or sections left out, and why. */
  warnings: string[];
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Tail summary of one output column for one analysis entry `{ output, limit, tail | direction }`: empirical
 * exceedance with CI, VaR and CVaR at several levels, GPD fit with extrapolated exceedance probability where the
 * data allow, and a recommended estimate. JSON-serialisable (non-finite bounds become null). The column is checked and
 * sorted once, in one copy, and every estimator reads that copy.
 */
export function tailSummary(values: ArrayLike<number>, options: TailSummaryOptions): TailSummary {
  return summarise(values, options, false);
}

/**
 * tailSummary of a column the caller hands over (the study's analysis, which reads each column afresh): its finite
 * values are compacted and sorted in place, so no copy is made. The same summary, to the bit.
 */
export function tailSummaryOfOwnColumn(values: Float64Array, options: TailSummaryOptions): TailSummary {
  return summarise(values, options, true);
}

function summarise(values: ArrayLike<number>, options: TailSummaryOptions, own: boolean): TailSummary {
  if (!options || typeof options !== 'object') throw new CellspreadInputError('options', 'must give at least { limit }', options);
  const tail = resolveTail(options);
  const limit = checkFinite('limit', options.limit, 'the design limit in the units of the output');
  const confidence = checkConfidence(options.confidence);
  const levels = options.levels ?? [0.9, 0.99, 0.999];
  const nonFinite = options.nonFinite ?? 'error';
  if (nonFinite !== 'error' && nonFinite !== 'drop') throw new CellspreadInputError('nonFinite', "must be 'error' or 'drop'", nonFinite);
  if (values === null || values === undefined || typeof values.length !== 'number') {
    throw new CellspreadInputError(options.output ?? 'values', 'must be an array of numbers', values);
  }
  const field = options.output ?? 'values';
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  let dropped = 0;
  let data: SortedColumn;
  if (own && values instanceof Float64Array && (nonFinite === 'drop' || values.every(finite))) {
    let kept = 0;
    for (let i = 0; i < values.length; i++) if (finite(values[i])) values[kept++] = values[i];
    dropped = values.length - kept;
    data = SortedColumn.adopt(values.subarray(0, kept), field);
  } else if (nonFinite === 'drop') {
    let kept = 0;
    for (let i = 0; i < values.length; i++) if (finite(values[i])) kept++;
    const copy = new Float64Array(kept);
    for (let i = 0, j = 0; i < values.length; i++) if (finite(values[i])) copy[j++] = values[i];
    dropped = values.length - kept;
    data = SortedColumn.adopt(copy, field);
  } else {
    // Validation errors (empty column, NaN) surface here as CellspreadInputError naming the column.
    data = SortedColumn.of(values, field);
  }
  const warnings: string[] = [];
  if (dropped > 0) warnings.push(`${dropped} non-finite values dropped (failed samples bias the tail if failures correlate with it)`);

  const emp = exceedanceOfSorted(data, limit, tail, confidence);
  const n = emp.n;

  const varOut: TailSummary['valueAtRisk'] = [];
  const cvarOut: TailSummary['conditionalValueAtRisk'] = [];
  for (const level of levels) {
    try {
      const v = valueAtRiskOfSorted(data, level, tail, confidence);
      varOut.push({ level, estimate: v.estimate, lower: fin(v.lower), upper: fin(v.upper), ...(v.note ? { note: v.note } : {}) });
    } catch (e) {
      warnings.push(`valueAtRisk at level ${level} skipped: ${errText(e)}`);
    }
    try {
      const c = conditionalValueAtRiskOfSorted(data, level, tail, confidence);
      cvarOut.push({ level, estimate: c.estimate, lower: fin(c.lower), upper: fin(c.upper), tailSamples: c.tailSamples, ...(c.note ? { note: c.note } : {}) });
    } catch (e) {
      warnings.push(`conditionalValueAtRisk at level ${level} skipped: ${errText(e)}`);
    }
  }

  let gpd: TailSummary['gpd'];
  const minSamples = options.minSamplesForFit ?? 100;
  if (n < minSamples) {
    gpd = { status: 'skipped', reason: `only ${n} samples; a peaks-over-threshold fit needs at least ${minSamples} (run more samples)` };
  } else {
    try {
      const fit = fitGeneralizedParetoOfSorted(data, { tail, confidence, threshold: options.threshold, minExceedances: options.minExceedances ?? 20 });
      let ep: TailSummaryInterval & { interval: 'profile' | 'delta' } = { estimate: NaN, lower: null, upper: null, interval: 'delta' };
      let note: string | undefined;
      let hasEp = false;
      try {
        const p = gpdExceedanceProbability(fit, limit, { confidence });
        ep = { estimate: p.estimate, lower: fin(p.lower), upper: fin(p.upper), interval: p.interval };
        hasEp = true;
        if (p.note) note = p.note;
      } catch (e) {
        note = `no extrapolation: ${errText(e)}`;
      }
      gpd = {
        status: 'fitted',
        threshold: fit.threshold,
        shape: fit.shape,
        scale: fit.scale,
        exceedances: fit.exceedances,
        exceedanceRate: fit.exceedanceRate,
        method: fit.method,
        standardErrors: fit.standardErrors,
        shapeInterval: fit.shapeInterval ? { lower: fin(fit.shapeInterval.lower), upper: fin(fit.shapeInterval.upper) } : null,
        endpoint: fit.endpoint,
        exceedanceProbability: hasEp ? ep : null,
        ...(note ? { extrapolationNote: note } : {}),
        warnings: fit.warnings,
      };
    } catch (e) {
      gpd = { status: 'skipped', reason: errText(e) };
    }
  }

  let recommended: TailSummary['recommended'];
  if (emp.exceedances >= 10) {
    recommended = { estimate: emp.estimate, lower: emp.lower, upper: emp.upper, source: 'empirical' };
  } else if (gpd.status === 'fitted' && gpd.exceedanceProbability) {
    recommended = { ...gpd.exceedanceProbability, source: 'gpd' };
    delete (recommended as { interval?: unknown }).interval;
  } else {
    recommended = { estimate: emp.estimate, lower: emp.lower, upper: emp.upper, source: 'empirical-bound' };
    warnings.push(
      `only ${emp.exceedances} samples pass the limit and no GPD extrapolation is available: quote the upper bound, or use a rare-event estimator (subsetSimulation)`,
    );
  }

  return {
    ...(options.output !== undefined ? { output: options.output } : {}),
    tail,
    limit,
    confidence,
    n,
    droppedNonFinite: dropped,
    empirical: { estimate: emp.estimate, lower: emp.lower, upper: emp.upper, exceedances: emp.exceedances, ...(emp.note ? { note: emp.note } : {}) },
    valueAtRisk: varOut,
    conditionalValueAtRisk: cvarOut,
    gpd,
    recommended,
    warnings,
  };
}
