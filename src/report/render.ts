/**
 * renderReport: a results folder's summary and per-sample table as one self-contained HTML page (inline SVG charts
 * rendered server-side with Vega-Lite, inline CSS, no scripts, no network). Every user-supplied name (study, outputs,
 * factors, inputs) is escaped; a section whose data is missing or malformed is replaced by a short note.
 */
import { sampleCorrelation } from 'simple-statistics';
import type { RunSummary, SampleTable, SensitivitySummary, WorstPackMap } from '../results/format.ts';
import { exceedanceCurve, fitGeneralizedPareto, gpdExceedanceProbability } from '../tail/index.ts';
import type { GpdFit, TailSummary } from '../tail/index.ts';
import {
  type CellDatum,
  type IndexRow,
  cellMapSpec,
  exceedanceSpec,
  histogramBins,
  histogramSpec,
  renderVegaLite,
  scatterSpec,
  sensitivitySpec,
} from './charts.ts';
import { epistemicSection, epistemicStatements, epistemicTails } from './epistemic.ts';
import { escapeHtml as esc, fmt, fmtInt, fmtInterval, fmtProb, fmtSeconds, kvTable, note, page } from './html.ts';

type Dict = Record<string, unknown>;
const isObj = (x: unknown): x is Dict => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const str = (x: unknown, fallback = ''): string => (typeof x === 'string' ? x : x === undefined || x === null ? fallback : String(x));
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
}

/** A chart, or a note saying why it could not be drawn (never a crash of the whole report). */
async function chart(spec: Dict, caption?: string): Promise<string> {
  try {
    return figure(await renderVegaLite(spec), caption);
  } catch (e) {
    return note(`chart could not be drawn: ${errText(e)}`);
  }
}

class Columns {
  private readonly index = new Map<string, number>();
  constructor(readonly table: SampleTable) {
    const cols = Array.isArray(table?.columns) ? table.columns : [];
    cols.forEach((c, i) => {
      if (!this.index.has(c) && table.data?.[i]) this.index.set(c, i);
    });
  }
  get names(): string[] {
    return [...this.index.keys()];
  }
  get(name: string): Float64Array | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.table.data[i];
  }
  get rows(): number {
    return this.table.data?.[0]?.length ?? 0;
  }
}

function finiteValues(col: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i])) out.push(col[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs

interface OutputInfo {
  name: string;
  unit: string;
  description: string;
  statistics?: Dict;
}

function outputsOf(summary: RunSummary): OutputInfo[] {
  const list = Array.isArray(summary.outputs) ? summary.outputs : [];
  return list.filter(isObj).map((o) => ({
    name: str(o.name),
    unit: str(o.unit),
    description: str(o.description),
    statistics: isObj(o.statistics) ? o.statistics : undefined,
  }));
}

function axisTitle(name: string, unit: string): string {
  return unit && unit !== '-' ? `${name} [${unit}]` : name;
}

function tailsOf(summary: RunSummary): TailSummary[] {
  return (Array.isArray(summary.tail) ? summary.tail : []).filter(
    (t): t is TailSummary => isObj(t) && typeof t.output === 'string' && typeof t.limit === 'number',
  );
}

function sensitivitiesOf(summary: RunSummary): { valid: SensitivitySummary[]; invalid: number } {
  const list = Array.isArray(summary.sensitivity) ? summary.sensitivity : [];
  const valid = list.filter(
    (s): s is SensitivitySummary =>
      isObj(s) && typeof s.output === 'string' && Array.isArray(s.factors) && s.factors.every((f) => typeof f === 'string'),
  );
  return { valid, invalid: list.length - valid.length };
}

async function statisticsSection(outputs: OutputInfo[]): Promise<string> {
  if (outputs.length === 0) return note('The summary lists no outputs.');
  const keys = ['mean', 'sd', 'min', 'p05', 'p50', 'p95', 'max'];
  const head = `<thead><tr><th>output</th><th>unit</th>${keys.map((k) => `<th>${k}</th>`).join('')}</tr></thead>`;
  const body = outputs
    .map(
      (o) =>
        `<tr><td title="${esc(o.description)}">${esc(o.name)}</td><td>${esc(o.unit)}</td>${keys
          .map((k) => `<td>${fmt(o.statistics?.[k])}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  return `<table class="grid">${head}<tbody>${body}</tbody></table>`;
}

async function histogramsSection(outputs: OutputInfo[], cols: Columns, tails: TailSummary[]): Promise<string> {
  const parts: string[] = [];
  const missing: string[] = [];
  for (const o of outputs) {
    const col = cols.get(o.name);
    if (!col) {
      missing.push(o.name);
      continue;
    }
    const { bins, finite, discrete } = histogramBins(col);
    if (bins.length === 0) {
      parts.push(note(`${o.name}: no finite values`));
      continue;
    }
    const limits = tails.filter((t) => t.output === o.name).map((t) => ({ value: t.limit, label: 'limit' }));
    const dropped = col.length - finite;
    const caption = `${o.description}${dropped > 0 ? ` (${dropped} non-finite values left out)` : ''}${limits.length ? '; dashed: design limit' : ''}`;
    parts.push(await chart(histogramSpec(o.name, axisTitle(o.name, o.unit), bins, discrete ? [] : limits, discrete), caption));
  }
  let html = `<div class="charts">${parts.join('')}</div>`;
  if (missing.length > 0) html += note(`Not in the sample table, so no histogram: ${missing.join(', ')}.`);
  return html;
}

// ---------------------------------------------------------------------------------------------------------------
// Sensitivity

/** Index of the dominant factor: the largest total index (Sobol) or Shapley effect. */
export function dominantFactor(s: SensitivitySummary): number {
  const v = (s.method === 'shapley' ? s.effects : s.total) ?? s.total ?? s.effects ?? s.first;
  if (!Array.isArray(v) || v.length === 0) return -1;
  let best = -1;
  for (let i = 0; i < Math.min(v.length, s.factors.length); i++) if (Number.isFinite(v[i]) && (best < 0 || v[i] > v[best])) best = i;
  return best;
}

async function sensitivitySection(list: SensitivitySummary[], invalid: number, outputs: OutputInfo[]): Promise<string> {
  const parts: string[] = [];
  for (const s of list) {
    const series: { key: 'first' | 'total' | 'effects'; ci: 'firstCI' | 'totalCI' | 'effectsCI'; label: string }[] =
      s.method === 'shapley'
        ? [{ key: 'effects', ci: 'effectsCI', label: 'Shapley effect' }]
        : [
            { key: 'first', ci: 'firstCI', label: 'first-order S1' },
            { key: 'total', ci: 'totalCI', label: 'total ST' },
          ];
    const present = series.filter((k) => Array.isArray(s[k.key]));
    const rank = rankFactors(s);
    const rows: IndexRow[] = [];
    for (const k of present) {
      const vals = s[k.key] as number[];
      const ci = s[k.ci];
      s.factors.forEach((factor, i) => {
        const value = vals[i];
        if (!Number.isFinite(value)) return;
        const c = Array.isArray(ci) && Array.isArray(ci[i]) ? ci[i] : null;
        rows.push({
          factor,
          rank: rank[i],
          index: k.label,
          value,
          lower: c && Number.isFinite(c[0]) ? c[0] : null,
          upper: c && Number.isFinite(c[1]) ? c[1] : null,
        });
      });
    }
    const unit = outputs.find((o) => o.name === s.output)?.unit ?? '';
    if (typeof s.error === 'string') {
      parts.push(`<h3>${esc(s.output)}</h3>`, note(`No indices: ${s.error}`));
      continue;
    }
    parts.push(`<h3>${esc(s.output)} <small>(${esc(s.method === 'shapley' ? 'Shapley effects' : 'Sobol indices')}, ${fmtInt(s.evaluations)} model evaluations)</small></h3>`);
    if (Array.isArray(s.statements) && s.statements.length > 0) {
      parts.push(`<ul class="statements">${s.statements.slice(0, 6).map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`);
    }
    if (rows.length === 0) {
      parts.push(note(`No finite indices for ${s.output}.`));
      continue;
    }
    const title = `Sensitivity of ${axisTitle(s.output, unit)}`;
    parts.push(
      await chart(
        sensitivitySpec(title, rows, present.map((k) => k.label)),
        `Bars: estimates; black lines: ${s.method === 'shapley' ? 'confidence intervals of the effects' : 'confidence intervals'} where given.`,
      ),
    );
    parts.push(secondOrderTable(s));
  }
  if (invalid > 0) parts.push(note(`${invalid} sensitivity entr${invalid === 1 ? 'y' : 'ies'} in summary.json could not be read and ${invalid === 1 ? 'is' : 'are'} left out.`));
  return parts.join('');
}

/** Second-order Sobol indices (analysis.sensitivity.secondOrder), largest pairs first. */
function secondOrderTable(s: SensitivitySummary): string {
  if (!Array.isArray(s.second)) return '';
  const pairs = s.second.filter((p) => isObj(p) && Array.isArray(p.factors) && p.factors.length === 2 && typeof p.index === 'number');
  if (pairs.length === 0) return '';
  const shown = pairs.slice(0, 12);
  const body = shown
    .map((p) => `<tr><td>${esc(p.factors[0])} × ${esc(p.factors[1])}</td><td>${fmt(p.index, 3)}</td><td>${Array.isArray(p.ci) ? fmtInterval(p.ci[0], p.ci[1], (x) => fmt(x, 3)) : '–'}</td></tr>`)
    .join('');
  const more = pairs.length > shown.length ? note(`${pairs.length - shown.length} smaller pairs are in summary.json.`) : '';
  return `<table class="grid"><thead><tr><th>pair (second-order interaction)</th><th>S2</th><th>interval</th></tr></thead><tbody>${body}</tbody></table>${more}`;
}

function rankFactors(s: SensitivitySummary): number[] {
  const v = (s.method === 'shapley' ? s.effects : s.total) ?? s.first ?? s.effects ?? [];
  const order = s.factors.map((_, i) => i).sort((a, b) => (Number.isFinite(v[b]) ? v[b] : -Infinity) - (Number.isFinite(v[a]) ? v[a] : -Infinity));
  const rank = new Array<number>(s.factors.length);
  order.forEach((i, r) => (rank[i] = r));
  return rank;
}

// ---------------------------------------------------------------------------------------------------------------
// Tail

interface CurvePoint {
  value: number;
  probability: number;
  lower: number;
  upper: number;
}

/** The exceedance curve and GPD fit (re-fitted at the summary's threshold) of one tail entry, as chart data. */
export function tailChartData(
  values: number[],
  t: TailSummary,
): { empirical: CurvePoint[]; fit: CurvePoint[]; atLimit: CurvePoint | null; threshold: number | null; fitted: GpdFit | null; notes: string[] } {
  const notes: string[] = [];
  const confidence = num(t.confidence) ?? 0.95;
  const tail = t.tail === 'lower' ? 'lower' : 'upper';
  const curve = exceedanceCurve(values, { tail, confidence, maxPoints: 120 });
  const empirical: CurvePoint[] = curve.points
    .filter((p) => p.probability > 0)
    .map((p) => ({ value: p.value, probability: p.probability, lower: p.lower, upper: p.upper }));
  const fit: CurvePoint[] = [];
  let fitted: GpdFit | null = null;
  let threshold: number | null = null;
  let atLimit: CurvePoint | null = null;
  const g = t.gpd as Dict | undefined;
  if (isObj(g) && g.status === 'fitted' && num(g.threshold) !== undefined) {
    threshold = g.threshold as number;
    try {
      fitted = fitGeneralizedPareto(values, {
        tail,
        confidence,
        threshold,
        minExceedances: 3,
        method: g.method === 'pwm' ? 'pwm' : 'mle',
      });
      const sExc = num(g.exceedances);
      const sShape = num(g.shape);
      if (sExc !== undefined && sExc !== fitted.exceedances) {
        notes.push(`the re-fit at threshold ${fmt(threshold)} uses ${fitted.exceedances} exceedances, the summary ${sExc}: the sample table may not be the one the summary was computed from`);
      } else if (sShape !== undefined && Math.abs(sShape - fitted.shape) > 1e-6 * Math.max(1, Math.abs(sShape))) {
        notes.push(`re-fitted shape ${fmt(fitted.shape)} differs from the summary's ${fmt(sShape)}`);
      }
      const sign = tail === 'lower' ? -1 : 1;
      let extreme = values[0];
      for (const v of values) if (sign * v > sign * extreme) extreme = v;
      const u = fitted.threshold;
      let far = sign * Math.max(sign * extreme, sign * t.limit);
      far = far + sign * 0.08 * Math.abs(far - u);
      if (fitted.endpoint !== null && sign * far > sign * fitted.endpoint) far = fitted.endpoint;
      const steps = 48;
      const xs: number[] = [];
      for (let i = 1; i <= steps; i++) xs.push(u + ((far - u) * i) / steps);
      if (sign * t.limit > sign * u && sign * t.limit < sign * far) xs.push(t.limit);
      xs.sort((a, b) => sign * (a - b));
      // Band: pointwise delta-method interval on the log scale (cheap at every grid point); the profile-likelihood
      // interval the summary quotes at the limit is drawn there as an error bar.
      for (const x of xs) {
        try {
          let p;
          try {
            p = gpdExceedanceProbability(fitted, x, { confidence, interval: 'delta' });
          } catch {
            p = gpdExceedanceProbability(fitted, x, { confidence, interval: 'profile' });
          }
          if (p.estimate > 0 && Number.isFinite(p.estimate)) fit.push({ value: x, probability: p.estimate, lower: p.lower, upper: p.upper });
        } catch {
          // a point the band cannot be computed at (e.g. at the endpoint): leave it out
        }
      }
      const ep = isObj(g.exceedanceProbability) ? g.exceedanceProbability : undefined;
      if (ep && num(ep.estimate) !== undefined && (ep.estimate as number) > 0) {
        atLimit = {
          value: t.limit,
          probability: ep.estimate as number,
          lower: num(ep.lower) ?? 0,
          upper: num(ep.upper) ?? 1,
        };
      }
    } catch (e) {
      notes.push(`GPD re-fit failed: ${errText(e)}`);
    }
  } else if (isObj(g) && g.status === 'skipped') {
    notes.push(`no GPD fit: ${str(g.reason)}`);
  }
  // Keep the y range readable: the fit is drawn down to well below 1/n (or the probability at the limit), not on
  // towards a finite endpoint where it plunges to 0.
  const fitFloor = Math.min(0.1 / Math.max(1, values.length), atLimit ? atLimit.probability / 10 : Infinity);
  const keptFit = fit.filter((p) => p.probability >= fitFloor);
  fit.length = 0;
  fit.push(...keptFit);
  // Log axis: clamp lower bounds (often 0) to well below the smallest plotted probability.
  const all = atLimit ? [...empirical, ...fit, atLimit] : [...empirical, ...fit];
  const positives = all.map((p) => p.probability).filter((p) => p > 0);
  const floor = positives.length > 0 ? positives.reduce((a, b) => Math.min(a, b), Infinity) / 20 : 1e-12;
  for (const p of all) {
    p.lower = Number.isFinite(p.lower) && p.lower > floor ? p.lower : floor;
    p.upper = Number.isFinite(p.upper) && p.upper > 0 ? Math.min(1, p.upper) : Math.min(1, p.probability);
  }
  return { empirical, fit, atLimit, threshold, fitted, notes };
}

async function tailSection(tails: TailSummary[], cols: Columns, outputs: OutputInfo[]): Promise<string> {
  const parts: string[] = [];
  for (const t of tails) {
    const name = t.output as string;
    const unit = outputs.find((o) => o.name === name)?.unit ?? '';
    const side = t.tail === 'lower' ? 'below' : 'above';
    const block: string[] = [`<div class="tailblock"><h3>${esc(name)} ${side} ${esc(fmt(t.limit))} ${esc(unit === '-' ? '' : unit)}</h3>`];
    const rec = isObj(t.recommended) ? t.recommended : undefined;
    const emp = isObj(t.empirical) ? t.empirical : undefined;
    const g = isObj(t.gpd) ? (t.gpd as Dict) : undefined;
    const rows: [string, string][] = [];
    if (rec) rows.push(['recommended estimate', `${fmtProb(rec.estimate)} ${fmtInterval(rec.lower, rec.upper, fmtProb)} (${str(rec.source)})`]);
    const [epi] = epistemicTails([t]);
    if (epi) rows.push(['given what we do not know', epistemicStatements(epi)[1]]);
    if (emp) rows.push(['empirical', `${fmtProb(emp.estimate)} ${fmtInterval(emp.lower, emp.upper, fmtProb)}, ${fmtInt(emp.exceedances)} of ${fmtInt(t.n)} samples beyond`]);
    if (g?.status === 'fitted') {
      const ep = isObj(g.exceedanceProbability) ? g.exceedanceProbability : undefined;
      rows.push([
        'GPD fit',
        `shape ξ ${fmt(g.shape)}, scale σ ${fmt(g.scale)}, threshold ${fmt(g.threshold)} (${fmtInt(g.exceedances)} exceedances, ${str(g.method)})`,
      ]);
      rows.push(['GPD P(beyond limit)', ep ? `${fmtProb(ep.estimate)} ${fmtInterval(ep.lower, ep.upper, fmtProb)} (${str(ep.interval)})` : str(g.extrapolationNote, 'not available')]);
    } else if (g?.status === 'skipped') rows.push(['GPD fit', `skipped: ${str(g.reason)}`]);
    if (Array.isArray(t.valueAtRisk) && t.valueAtRisk.length > 0) {
      rows.push(['value at risk', t.valueAtRisk.map((v) => `${fmt(v.level)}: ${fmt(v.estimate)} ${fmtInterval(v.lower, v.upper)}`).join('; ')]);
    }
    if (Array.isArray(t.conditionalValueAtRisk) && t.conditionalValueAtRisk.length > 0) {
      rows.push(['conditional VaR', t.conditionalValueAtRisk.map((v) => `${fmt(v.level)}: ${fmt(v.estimate)}`).join('; ')]);
    }
    const col = cols.get(name);
    let chartHtml: string;
    const extraNotes: string[] = [];
    if (!col) chartHtml = note(`${name} is not in the sample table: no exceedance curve.`);
    else {
      try {
        const values = finiteValues(col);
        const d = tailChartData(values, t);
        extraNotes.push(...d.notes);
        const yLabel = t.tail === 'lower' ? `P(${name} < x)` : `P(${name} > x)`;
        chartHtml = await chart(
          exceedanceSpec(`Exceedance curve of ${name}`, axisTitle(name, unit), { empirical: d.empirical, fit: d.fit, atLimit: d.atLimit, limit: t.limit, threshold: d.threshold }, yLabel),
          `Blue: empirical exceedance probability with ${fmt((num(t.confidence) ?? 0.95) * 100)} % Clopper-Pearson band; orange: generalized Pareto fit beyond the threshold with its pointwise (delta-method) band, ${d.atLimit ? ` and, at the limit, the summary's quoted estimate and ${str(isObj(g?.exceedanceProbability) ? (g.exceedanceProbability as Dict).interval : '')} interval (diamond)` : ''}; red line: the limit.`,
        );
      } catch (e) {
        chartHtml = note(`exceedance curve of ${name} could not be computed: ${errText(e)}`);
      }
    }
    const warnings = [...(Array.isArray(t.warnings) ? t.warnings : []), ...(g?.status === 'fitted' && Array.isArray(g.warnings) ? (g.warnings as unknown[]) : [])];
    block.push(`<div class="cols"><div>${chartHtml}</div><div>${kvTable(rows)}`);
    for (const w of [...extraNotes, ...warnings.map((w) => str(w))]) block.push(note(w));
    block.push('</div></div></div>');
    parts.push(block.join(''));
  }
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Dominant factor scatter

/**
 * The per-sample input column behind a sensitivity factor: "cell-level contactResistance" maps to a column starting
 * with `contactResistance@cell` (`:max` preferred for contact/weld resistance, where the worst weld matters, else
 * `:mean`); "pack-level X" to `X@pack`. Unknown forms fall back to `X:mean` / `X:max` or any column starting with X.
 */
export function columnForFactor(factor: string, columns: readonly string[]): string | undefined {
  const m = /^\s*(pack|module|cell)-level\s+(.+?)\s*$/.exec(factor);
  const key = m ? m[2] : factor.trim();
  const level = m ? m[1] : undefined;
  const weld = /contact|weld/i.test(key);
  const suffixes = weld ? [':max', ':mean', ':min'] : [':mean', ':max', ':min'];
  const candidates: string[] = [];
  if (level) {
    const prefix = `${key}@${level}`;
    candidates.push(prefix, ...suffixes.map((s) => prefix + s));
    const any = columns.find((c) => c.startsWith(prefix));
    if (any) candidates.push(any);
  }
  candidates.push(key, ...suffixes.map((s) => key + s));
  for (const c of candidates) if (columns.includes(c)) return c;
  return columns.find((c) => c.startsWith(`${key}@`) || c.startsWith(`${key}:`));
}

const NON_INPUTS = new Set(['sample']);

function inputColumns(summary: RunSummary, cols: Columns, outputs: OutputInfo[]): string[] {
  const fromSummary = Array.isArray(summary.inputs) ? summary.inputs.filter(isObj).map((i) => str(i.name)) : [];
  const outNames = new Set(outputs.map((o) => o.name));
  const listed = fromSummary.filter((n) => cols.get(n));
  if (listed.length > 0) return listed;
  return cols.names.filter((n) => !outNames.has(n) && !NON_INPUTS.has(n));
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) {
      a.push(x[i]);
      b.push(y[i]);
    }
  }
  if (a.length < 3) return NaN;
  const r = sampleCorrelation(a, b);
  return Number.isFinite(r) ? r : NaN;
}

async function scatterSection(
  summary: RunSummary,
  sens: SensitivitySummary[],
  tails: TailSummary[],
  cols: Columns,
  outputs: OutputInfo[],
): Promise<string> {
  const inputs = inputColumns(summary, cols, outputs);
  const pairs: { output: string; column: string; why: string }[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const s of sens) {
    const i = dominantFactor(s);
    if (i < 0) continue;
    const factor = s.factors[i];
    const column = columnForFactor(factor, inputs.length > 0 ? inputs : cols.names);
    if (!column) {
      notes.push(`No per-sample input column matches the dominant factor "${factor}" of ${s.output}.`);
      continue;
    }
    if (!cols.get(s.output)) {
      notes.push(`${s.output} is not in the sample table: no scatter.`);
      continue;
    }
    const key = `${column}\u0000${s.output}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ output: s.output, column, why: `dominant factor "${factor}" (largest ${s.method === 'shapley' ? 'Shapley effect' : 'total index'}), shown through its column ${column}` });
  }
  if (sens.length === 0) {
    const target = tails.find((t) => cols.get(t.output as string))?.output ?? outputs.find((o) => cols.get(o.name))?.name;
    if (!target) return note('No sensitivity results and no output column to correlate with: no scatter.');
    const y = cols.get(target) as Float64Array;
    let best: { column: string; r: number } | undefined;
    for (const c of inputs) {
      const r = correlation(cols.get(c) as Float64Array, y);
      if (Number.isFinite(r) && (!best || Math.abs(r) > Math.abs(best.r))) best = { column: c, r };
    }
    if (!best) return note(`No sensitivity results, and no input column correlates with ${target}: no scatter.`);
    notes.push(`No sensitivity results in this run: showing the input most correlated with ${target}${tails.length ? ' (the first tail output)' : ''}.`);
    pairs.push({ output: target, column: best.column, why: `most correlated input (Pearson r = ${fmt(best.r, 3)})` });
  }
  const parts: string[] = notes.map((n) => note(n));
  const charts: string[] = [];
  for (const p of pairs) {
    const x = cols.get(p.column) as Float64Array;
    const y = cols.get(p.output) as Float64Array;
    const t = tails.find((tt) => tt.output === p.output);
    const limit = t ? t.limit : null;
    const beyond = (v: number) => limit !== null && (t?.tail === 'lower' ? v < limit : v > limit);
    const points: { x: number; y: number; beyond: boolean }[] = [];
    const n = Math.min(x.length, y.length);
    const maxPoints = 2500;
    const stride = Math.max(1, Math.ceil(n / maxPoints));
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
      const b = beyond(y[i]);
      if (i % stride === 0 || b) points.push({ x: x[i], y: y[i], beyond: b });
    }
    const unit = outputs.find((o) => o.name === p.output)?.unit ?? '';
    const r = correlation(x, y);
    charts.push(
      await chart(
        scatterSpec(`${p.output} against ${p.column}`, p.column, axisTitle(p.output, unit), points, limit),
        `${p.why}; r = ${fmt(r, 3)}${stride > 1 ? `; every ${stride}th sample shown, plus all beyond the limit` : ''}.`,
      ),
    );
  }
  parts.push(`<div class="charts">${charts.join('')}</div>`);
  return parts.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Worst pack

function worstPackProblem(w: WorstPackMap): string | null {
  const ints = ['series', 'parallel', 'modules'] as const;
  for (const k of ints) if (!Number.isInteger(w[k]) || w[k] < 1) return `${k} is not a positive integer`;
  const cells = w.series * w.parallel;
  if (!Array.isArray(w.cellMaxTemperatureK) || w.cellMaxTemperatureK.length !== cells) return `cellMaxTemperatureK does not hold ${cells} cells`;
  return null;
}

async function worstPackSection(w: WorstPackMap): Promise<string> {
  const problem = worstPackProblem(w);
  if (problem) return note(`The worst-pack map in summary.json is malformed (${problem}): left out.`);
  const { series, parallel, modules } = w;
  const groupsPerModule = Math.ceil(series / modules);
  const moduleOf = (g: number) => Math.min(modules - 1, Math.floor(g / groupsPerModule));
  const moduleOrder = Array.from({ length: modules }, (_, m) => `module ${m + 1}`);
  const labels = series * parallel <= 96;
  const maps: { title: string; legend: string; values: unknown; scheme: string; digits: number; mid?: 'mean' }[] = [
    { title: 'Maximum temperature [K]', legend: 'K', values: w.cellMaxTemperatureK, scheme: 'orangered', digits: 1 },
    { title: 'Current at the end [A]', legend: 'A', values: w.cellFinalCurrentA, scheme: 'blueorange', digits: 2, mid: 'mean' },
    { title: 'Contact resistance [mΩ]', legend: 'mΩ', values: w.cellContactResistanceOhm, scheme: 'purples', digits: 2 },
  ];
  const out: string[] = [];
  const skipped: string[] = [];
  for (const m of maps) {
    if (!Array.isArray(m.values) || m.values.length !== series * parallel) {
      skipped.push(m.title);
      continue;
    }
    const scale = m.legend === 'mΩ' ? 1000 : 1;
    const vals = (m.values as unknown[]).map((v) => (typeof v === 'number' ? v * scale : NaN));
    const cells: CellDatum[] = [];
    for (let g = 0; g < series; g++) {
      for (let j = 0; j < parallel; j++) {
        const v = vals[g * parallel + j];
        if (!Number.isFinite(v)) continue;
        cells.push({ module: moduleOrder[moduleOf(g)], group: g + 1, position: j + 1, value: v, label: v.toFixed(m.digits) });
      }
    }
    const finite = vals.filter(Number.isFinite);
    const mid = m.mid === 'mean' && finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : undefined;
    out.push(await chart(cellMapSpec(m.title, m.legend, cells, { scheme: m.scheme, labels, domainMid: mid, moduleOrder })));
  }
  const head = kvTable([
    ['sample', fmtInt(w.sample)],
    ['picked by', str(w.criterion)],
    ['layout', `${series}s${parallel}p in ${modules} module${modules === 1 ? '' : 's'} (columns: series groups, rows: parallel positions)`],
  ]);
  let html = `${head}<div class="charts">${out.join('')}</div>`;
  if (skipped.length) html += note(`Missing per-cell data, not drawn: ${skipped.join(', ')}.`);
  return html;
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata

function metadataSection(s: RunSummary, cols: Columns): string {
  const dict = (x: unknown): Dict => (isObj(x) ? x : {});
  const rng = dict(s.rng);
  const be = dict(s.backend);
  const counts = dict(s.counts);
  const tm = dict(s.timings);
  const range = isObj(s.range) ? s.range : undefined;
  const shard = isObj(s.shard) ? s.shard : undefined;
  const cellSteps = num(counts.cellSteps);
  const simS = num(tm.simulateSeconds);
  const totS = num(tm.totalSeconds);
  const thr = cellSteps !== undefined && simS !== undefined && simS > 0 ? cellSteps / simS : undefined;
  const thrTotal = cellSteps !== undefined && totS !== undefined && totS > 0 ? cellSteps / totS : undefined;
  const fallbacks = Array.isArray(be.fallbacks) ? be.fallbacks.filter(isObj) : [];
  const rows: [string, string][] = [
    ['study', str(s.name)],
    ['created', str(s.createdAt, '–')],
    ['completed', s.completed === false ? 'no (partial results)' : 'yes'],
    ['spec hash', str(s.specHash, '–')],
    ['RNG', `${str(rng.name, '?')} v${str(rng.version, '?')}, seed ${str(rng.seed, '?')}, keying ${str(rng.keying, '?')}, normals ${str(rng.normal, '?')}`],
    ['backend', `${str(be.name, '?')} on ${str(be.device, '?')}`],
  ];
  if (fallbacks.length) rows.push(['backend fallbacks', fallbacks.map((f) => `${str(f.name)}: ${str(f.reason)}`).join('; ')]);
  if (range) rows.push(['sample range', `${fmtInt(range.start)} … ${fmtInt(num(range.end) !== undefined ? (range.end as number) - 1 : undefined)}`]);
  if (shard) rows.push(['shard', `${fmtInt(num(shard.index) !== undefined ? (shard.index as number) + 1 : undefined)} of ${fmtInt(shard.count)}`]);
  rows.push(
    ['samples', num(counts.designRows) ? `${fmtInt(counts.samples)} Monte Carlo + ${fmtInt(counts.designRows)} sensitivity design rows` : fmtInt(counts.samples)],
    ['cells simulated', fmtInt(counts.cells)],
    ['cell-steps', fmtInt(cellSteps)],
    ['chunks', fmtInt(counts.chunks)],
    ['sample table', `${fmtInt(cols.rows)} rows × ${fmtInt(cols.names.length)} columns`],
    [
      'timings',
      `sampling ${fmtSeconds(tm.sampleSeconds)}, simulation ${fmtSeconds(tm.simulateSeconds)}, analysis ${fmtSeconds(tm.analysisSeconds)}, total ${fmtSeconds(tm.totalSeconds)}`,
    ],
    ['throughput', thr !== undefined ? `${fmt(thr, 3)} cell-steps/s (simulation)${thrTotal !== undefined ? `, ${fmt(thrTotal, 3)} cell-steps/s overall` : ''}` : '–'],
  );
  const nonFinite = Array.isArray(s.nonFiniteSamples) ? s.nonFiniteSamples : [];
  rows.push(['non-finite samples', nonFinite.length === 0 ? 'none' : `${nonFinite.length}: ${nonFinite.slice(0, 20).join(', ')}${nonFinite.length > 20 ? ', …' : ''}`]);
  const version = isObj(s.cellspread) ? `${str(s.cellspread.version, '?')} (results format ${str(s.cellspread.resultsFormat, '?')})` : '–';
  rows.push(['cellspread', version]);
  let specText: string;
  try {
    specText = JSON.stringify(s.spec, null, 2) ?? 'null';
  } catch {
    specText = String(s.spec);
  }
  return `${kvTable(rows)}<details><summary>The spec as run</summary><pre><code>${esc(specText)}</code></pre></details>`;
}

// ---------------------------------------------------------------------------------------------------------------

/** Render the report for a run summary and its per-sample table. Pure: returns the HTML text. */
export async function renderReport(summary: RunSummary, table: SampleTable): Promise<string> {
  const cols = new Columns(table ?? { columns: [], data: [] });
  const outputs = outputsOf(summary);
  const tails = tailsOf(summary);
  const { valid: sens, invalid: badSens } = sensitivitiesOf(summary);
  const sections: { id: string; title: string; html: string }[] = [];

  sections.push({ id: 'run', title: 'Run', html: metadataSection(summary, cols) });
  sections.push({ id: 'statistics', title: 'Output statistics', html: await statisticsSection(outputs) });
  sections.push({
    id: 'histograms',
    title: 'Distributions',
    html: cols.rows === 0 ? note('The sample table is empty: no histograms.') : await histogramsSection(outputs, cols, tails),
  });
  const rawTails = Array.isArray(summary.tail) ? summary.tail.length : 0;
  sections.push({
    id: 'tail',
    title: 'Tail risk',
    html:
      tails.length === 0
        ? note(rawTails > 0 ? 'The tail entries in summary.json could not be read: section left out.' : 'No tail analysis in this run (add analysis.tail to the spec).')
        : (await tailSection(tails, cols, outputs)) + (rawTails > tails.length ? note(`${rawTails - tails.length} unreadable tail entries left out.`) : ''),
  });
  if (epistemicTails(summary.tail).length > 0) {
    sections.push({ id: 'epistemic', title: 'What we do not know', html: await epistemicSection(summary, chart) });
  }
  sections.push({
    id: 'sensitivity',
    title: 'Sensitivity',
    html:
      sens.length === 0
        ? note(badSens > 0 ? 'The sensitivity entries in summary.json could not be read: section left out.' : 'No sensitivity analysis in this run.')
        : await sensitivitySection(sens, badSens, outputs),
  });
  sections.push({
    id: 'dominant',
    title: 'Dominant factor',
    html: cols.rows === 0 ? note('The sample table is empty: no scatter.') : await scatterSection(summary, sens, tails, cols, outputs),
  });
  sections.push({
    id: 'worst-pack',
    title: 'Worst pack',
    html: isObj(summary.worstPack) ? await worstPackSection(summary.worstPack) : note('No worst-pack map in this run.'),
  });

  const name = str(summary.name, 'unnamed study');
  const completed = summary.completed !== false;
  const header = `<h1>${esc(name)}<span class="badge ${completed ? 'ok' : 'partial'}">${completed ? 'complete' : 'partial'}</span></h1><div class="sub">cellspread report · ${fmtInt(
    isObj(summary.counts) ? summary.counts.samples : undefined,
  )} samples · spec ${esc(str(summary.specHash, '–').slice(0, 16))} · ${esc(str(summary.createdAt, ''))}</div>`;
  const nav = sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('');
  const body = sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>${s.html}</section>`).join('\n');
  return page(`cellspread report: ${name}`, header, nav, body);
}
