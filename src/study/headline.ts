/**
 * The answer first, in plain words: for each design limit, how likely a pack is to pass it (the tail summary's
 * recommended estimate with its interval), how that was estimated, and a verdict against the spec's target; for each
 * sensitivity output, the factors that drive its variance, ranked by total index with their intervals.
 *
 * buildHeadline is pure; summary.json stores its result as `headline`, `cellspread run` prints headlineLines of it
 * and the report renders the same strings, so the three can never disagree.
 */
import type { Headline, HeadlineDriver, HeadlineDrivers, HeadlineLimit, SensitivitySummary } from '../results/format.ts';
import { normalCritical } from '../stats/index.ts';
import type { EpistemicTailSummary, TailSummary } from '../tail/index.ts';

// ---------------------------------------------------------------------------------------------------------------
// Numbers in words

/** Significant digits, without float noise or trailing zeros ("309", "9.6", "0.367"). */
function sig(x: number, digits: number): string {
  return String(Number(x.toPrecision(digits)));
}

/**
 * A probability: percent (3 significant digits) from 0.1 %, else exponent form ("1.17 %", "0.367 %", "3.2e-5").
 * `scaleOf` picks the form from another value so an estimate and its interval read in one form.
 */
export function formatProbability(p: number | null, scaleOf: number | null = p): string {
  if (p === null || !Number.isFinite(p)) return '?';
  if (p === 0) return scaleOf !== null && scaleOf < 1e-3 && scaleOf > 0 ? '0' : '0 %';
  if ((scaleOf ?? p) >= 1e-3) return `${sig(p * 100, 3)} %`;
  return p.toExponential(1);
}

/** "about 1 in 86" (two significant digits), or '' for 0. */
function oneIn(p: number): string {
  if (!(p > 0)) return '';
  const n = 1 / p;
  return `about 1 in ${n < 10 ? sig(n, 2) : Math.round(Number(n.toPrecision(2))).toLocaleString('en-US')}`;
}

/** A share of variance in percent, clamped to [0, 100] % (estimates stray outside by sampling error; shares cannot). */
export function formatShare(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '?';
  const pct = 100 * Math.min(1, Math.max(0, x));
  if (pct === 0) return '0';
  if (pct < 0.1) return '<0.1';
  if (pct < 10) return sig(pct, 2);
  return pct.toFixed(0);
}

/** "56–100 %" (one value when both ends read the same: "<0.1 %") */
export function formatShareRange(lower: number | null, upper: number | null): string {
  const lo = formatShare(lower);
  const hi = formatShare(upper);
  return lo === hi ? `${lo} %` : `${lo}–${hi} %`;
}

/** A limit or threshold as given, in its unit ("316 K", "9.6 Ah"); '-' is no unit. */
export function formatQuantity(x: number, unit: string): string {
  return `${sig(x, 6)}${unit && unit !== '-' ? ` ${unit}` : ''}`;
}

const confidencePct = (c: number): string => `${sig(100 * c, 3)} %`;

// ---------------------------------------------------------------------------------------------------------------
// Limits

type FittedGpd = Extract<TailSummary['gpd'], { status: 'fitted' }>;

/** A tail entry of a two-level study carries its epistemic analysis (src/study/epistemic.ts). */
type TwoLevelTail = TailSummary & { epistemic?: EpistemicTailSummary };

function howEstimated(t: TwoLevelTail, unit: string): string {
  const r = t.recommended;
  const e = t.epistemic;
  if (r.source === 'two-level' && e) {
    const first = e.measureFirst[0];
    const measure =
      first && Number.isFinite(first.firstOrder)
        ? ` Measure first: ${first.quantity} (explains ${formatShare(first.firstOrder)} % of that spread; higher values ${first.rankCorrelation > 0 ? 'raise' : 'lower'} the probability).`
        : '';
    return (
      `Two-level: ${e.outer.toLocaleString('en-US')} draws of what we do not know (epistemic), each with the same ${e.inner.toLocaleString('en-US')} packs; ` +
      `the probability pooled over the draws (${confidencePct(e.confidence)} interval from the crossed-design standard error), and its spread over them.${measure}`
    );
  }
  const k = t.empirical.exceedances;
  const n = t.n;
  const packs = (m: number) => `${m.toLocaleString('en-US')} pack${m === 1 ? '' : 's'}`;
  const counted = `${formatProbability(t.empirical.estimate, t.empirical.upper)} [${formatProbability(t.empirical.lower, t.empirical.upper)}, ${formatProbability(t.empirical.upper)}]`;
  if (r.source === 'empirical') {
    return `Counted: ${packs(k)} of ${n.toLocaleString('en-US')} passed the limit (Clopper-Pearson ${confidencePct(t.confidence)} interval).`;
  }
  if (r.source === 'gpd') {
    const g = t.gpd as FittedGpd;
    const side = t.tail === 'upper' ? 'highest' : 'lowest';
    const interval = g.exceedanceProbability?.interval === 'delta' ? 'delta-method' : 'profile-likelihood';
    return (
      `Extrapolated: a generalized Pareto fit to the ${g.exceedances} ${side} of ${n.toLocaleString('en-US')} packs (beyond ${formatQuantity(g.threshold, unit)}; ` +
      `${interval} interval), because only ${packs(k)} passed the limit, too few to count (counting gives ${counted}).`
    );
  }
  const why = t.gpd.status === 'skipped' ? ` (no tail fit: ${t.gpd.reason})` : '';
  const counted0 = k === 0 ? `no pack of ${n.toLocaleString('en-US')} passed the limit` : `only ${packs(k)} of ${n.toLocaleString('en-US')} passed the limit`;
  return `Counted: ${counted0} and there is no extrapolation${why}; rely on the upper end of the interval.`;
}

/** Packs a plain count needs to decide p against the target at this confidence, if p holds (normal approximation). */
function packsToDecide(p: number, target: number, confidence: number): number | null {
  if (p === 0) return Math.ceil(-Math.log(1 - confidence) / target); // no event expected: the "rule of three"
  const gap = Math.abs(p - target);
  if (gap < 1e-3 * target) return null;
  const z = normalCritical(confidence);
  return Math.ceil((z * z * p * (1 - p)) / (gap * gap));
}

function verdictOf(p: HeadlineLimit['probability'], target: number | null, samples: number): Pick<HeadlineLimit, 'verdict' | 'verdictText'> {
  if (target === null) {
    return { verdict: 'no-target', verdictText: 'No target set: give analysis.tail[].target (the largest acceptable share of packs) for a verdict.' };
  }
  const t = formatProbability(target);
  const scale = Math.max(p.upper ?? p.estimate, target);
  if (p.upper !== null && p.upper <= target) {
    return { verdict: 'meets', verdictText: `Meets the target of ${t}: even the upper end of the interval (${formatProbability(p.upper, scale)}) is below it.` };
  }
  if (p.lower !== null && p.lower > target) {
    return { verdict: 'misses', verdictText: `Misses the target of ${t}: even the lower end of the interval (${formatProbability(p.lower, scale)}) is above it.` };
  }
  const need = packsToDecide(p.estimate, target, p.confidence);
  const advice =
    need === null
      ? 'The estimate sits on the target; more samples narrow the interval.'
      : need > samples
        ? `Counting alone would need roughly ${need.toLocaleString('en-US')} packs to decide if the estimate holds (this run: ${samples.toLocaleString('en-US')}).`
        : 'More samples narrow the interval.';
  return { verdict: 'undecided', verdictText: `Not decided against the target of ${t}: the interval contains it. ${advice}` };
}

function limitOf(t: TwoLevelTail, unit: string, target: number | null): HeadlineLimit {
  const r = t.recommended;
  const probability = { estimate: r.estimate, lower: r.lower, upper: r.upper, confidence: t.confidence };
  const output = t.output ?? 'output';
  const scale = r.upper ?? r.estimate;
  const share = r.estimate > 0 ? `${formatProbability(r.estimate, scale)} of packs (${oneIn(r.estimate)})` : `No pack of ${t.n.toLocaleString('en-US')} passed it`;
  return {
    output,
    unit,
    tail: t.tail,
    limit: t.limit,
    title: `${output} ${t.tail === 'upper' ? 'above' : 'below'} ${formatQuantity(t.limit, unit)}`,
    probability,
    method: r.source,
    samples: t.n,
    exceedances: t.empirical.exceedances,
    statement: `${share}; ${confidencePct(t.confidence)} interval ${formatProbability(r.lower, scale)} to ${formatProbability(r.upper, scale)}`,
    how: howEstimated(t, unit),
    target,
    ...verdictOf(probability, target, t.n),
    ...(t.epistemic
      ? {
          bands: [
            {
              label: `given what we do not know: median and ${Math.round(t.epistemic.band * 100)} % band over ${t.epistemic.outer} epistemic draws`,
              estimate: t.epistemic.median.estimate,
              lower: t.epistemic.lower.estimate,
              upper: t.epistemic.upper.estimate,
            },
          ],
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Drivers and sensitivity statements

interface RankedFactor {
  factor: string;
  value: number;
  lower: number | null;
  upper: number | null;
  first?: { value: number; lower: number | null; upper: number | null };
}

const finiteOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** Factors of one sensitivity result ranked by total index (Sobol) or Shapley effect, largest first. */
export function rankedFactors(s: SensitivitySummary): RankedFactor[] {
  const shapley = s.method === 'shapley';
  const values = (shapley ? s.effects : s.total) ?? [];
  const ci = (shapley ? s.effectsCI : s.totalCI) ?? [];
  const out: RankedFactor[] = [];
  s.factors.forEach((factor, i) => {
    const value = finiteOrNull(values[i]);
    if (value === null) return;
    const f: RankedFactor = { factor, value, lower: finiteOrNull(ci[i]?.[0]), upper: finiteOrNull(ci[i]?.[1]) };
    const first = finiteOrNull(s.first?.[i]);
    if (!shapley && first !== null) f.first = { value: first, lower: finiteOrNull(s.firstCI?.[i]?.[0]), upper: finiteOrNull(s.firstCI?.[i]?.[1]) };
    out.push(f);
  });
  return out.sort((a, b) => b.value - a.value);
}

/** An index is distinguishable from 0 when its interval lies above 0 (no interval: not shown to be). */
export function distinguishable(lower: number | null): boolean {
  return lower !== null && lower > 0;
}

/**
 * One sentence per factor, ranked by total index (Sobol) or Shapley effect, each with its interval; a factor whose
 * interval covers 0 is said to be "not distinguishable from 0".
 */
export function sensitivityStatements(s: SensitivitySummary): string[] {
  const c = confidencePct(s.confidence ?? 0.95);
  const shapley = s.method === 'shapley';
  return rankedFactors(s).map((f) => {
    const range = `${c} interval ${formatShareRange(f.lower, f.upper)}`;
    if (!distinguishable(f.lower)) {
      return `${f.factor}: not distinguishable from 0 (${shapley ? 'Shapley effect' : 'total index'} ${formatShare(f.value)} %, ${range})`;
    }
    if (shapley) return `${f.factor}: ${formatShare(f.value)} % of the variance of ${s.output} (Shapley effect, ${range})`;
    const head = `${f.factor}: ${formatShare(f.value)} % of the variance of ${s.output} with its interactions (total index, ${range})`;
    if (!f.first) return head;
    const firstRange = formatShareRange(f.first.lower, f.first.upper);
    return distinguishable(f.first.lower)
      ? `${head}; ${formatShare(f.first.value)} % on its own (first-order, ${firstRange})`
      : `${head}; on its own not distinguishable from 0 (first-order ${formatShare(f.first.value)} %, ${firstRange})`;
  });
}

function driversOf(s: SensitivitySummary): HeadlineDrivers {
  const index = s.method === 'shapley' ? 'shapley' : 'total';
  const confidence = s.confidence ?? 0.95;
  if (typeof s.error === 'string') return { output: s.output, index, evaluations: s.evaluations, confidence, top: [], text: `no indices: ${s.error}` };
  const top: HeadlineDriver[] = rankedFactors(s)
    .filter((f) => distinguishable(f.lower))
    .slice(0, 3)
    .map((f) => ({ factor: f.factor, share: f.value, lower: f.lower, upper: f.upper, distinguishable: true }));
  const what = index === 'shapley' ? 'Shapley effect' : 'total index';
  const text =
    top.length === 0
      ? `no factor's ${what} is distinguishable from 0 with ${s.evaluations.toLocaleString('en-US')} model runs (raise analysis.sensitivity.n)`
      : top.map((d) => `${d.factor} ${formatShare(d.share)} % (${formatShareRange(d.lower, d.upper)})`).join('; ');
  return { output: s.output, index, evaluations: s.evaluations, confidence, top, text };
}

// ---------------------------------------------------------------------------------------------------------------

export interface HeadlineInputs {
  tail: readonly TailSummary[];
  sensitivity: readonly SensitivitySummary[];
  /** Output units by name ('-': none). */
  units: Readonly<Record<string, string>>;
  /** analysis.tail of the spec, in the same order as `tail` (for the targets). */
  limits?: readonly { output: string; limit: number; target?: number }[];
}

/** The headline of a study's results. Pure. */
export function buildHeadline(inputs: HeadlineInputs): Headline {
  const limits = inputs.tail.map((t, i) => {
    const spec = inputs.limits?.[i];
    const target = spec && spec.output === t.output && spec.limit === t.limit && spec.target !== undefined ? spec.target : null;
    return limitOf(t, inputs.units[t.output ?? ''] ?? '', target);
  });
  return { limits, drivers: inputs.sensitivity.map(driversOf) };
}

/** What a driver entry is, in words: "what drives maxTemperatureK (total index: share of variance, 95 % interval)". */
export function driversTitle(d: HeadlineDrivers): string {
  return `What drives ${d.output} (${d.index === 'shapley' ? 'Shapley effect' : 'total Sobol index'}: share of its variance, ${confidencePct(d.confidence)} interval)`;
}

/** A band in words: "epistemic median and 90 % band: 1.1 % [0.4 %, 2.5 %]". */
export function bandText(b: NonNullable<HeadlineLimit['bands']>[number]): string {
  const scale = b.upper;
  return `${b.label}: ${b.estimate !== undefined ? `${formatProbability(b.estimate, scale)} ` : ''}[${formatProbability(b.lower, scale)}, ${formatProbability(b.upper, scale)}]`;
}

/** The headline as terminal lines (what `cellspread run` prints last). */
export function headlineLines(h: Headline): string[] {
  const lines: string[] = [];
  const shown = new Set<string>();
  for (const l of h.limits) {
    lines.push(`${l.title}: ${l.statement}`);
    for (const b of l.bands ?? []) lines.push(`    ${bandText(b)}`);
    lines.push(`    ${l.how}`);
    lines.push(`    ${l.verdictText}`);
    const d = h.drivers.find((x) => x.output === l.output);
    if (d) {
      lines.push(`    ${driversTitle(d)}: ${d.text}`);
      shown.add(d.output);
    }
  }
  for (const d of h.drivers) if (!shown.has(d.output)) lines.push(`${driversTitle(d)}: ${d.text}`);
  return lines;
}
