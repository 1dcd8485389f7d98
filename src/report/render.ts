/**
 * renderReport: a results folder's summary and per-sample table as one self-contained HTML page (inline SVG charts
 * rendered server-side with Vega-Lite, inline CSS under a hash-pinned Content-Security-Policy, no scripts, no
 * network). The answer comes first (the headline), then the evidence (tail, sensitivity, dominant factors), the
 * distributions, the worst pack and the run's metadata. Every user-supplied name (study, outputs, factors, inputs) is
 * escaped; a section whose data is missing or malformed is replaced by a short note.
 */
import { STOP_REASON } from '../pack/outputs.ts';
import type { RunSummary, SampleTable, SensitivitySummary, WorstPackMap } from '../results/format.ts';
import { formatProbability, formatQuantity } from '../study/headline.ts';
import { exceedanceCurveOfSorted } from '../tail/empirical.ts';
import { fitGeneralizedParetoOfSorted } from '../tail/gpd.ts';
import { gpdExceedanceProbability } from '../tail/index.ts';
import { SortedColumn } from '../tail/validate.ts';
import type { GpdFit, TailSummary } from '../tail/index.ts';
import { type CellDatum, cellMapSpec, exceedanceSpec, histogramBins, histogramSpec } from './charts.ts';
import { headlineOf, headlineSection } from './headline.ts';
import { escapeHtml as esc, fmt, fmtInt, fmtInterval, fmtSeconds, kvTable, note, page } from './html.ts';
import { chart, type ColumnSource, Columns, type Dict, errText, finiteValues, isObj, num, scrollBox, str } from './parts.ts';
import { unitSymbol, withUnit } from './quantities.ts';
import { dominantSection, sensitivitySection } from './sensitivity.ts';
import { epistemicSection, epistemicTails } from './epistemic.ts';
import { heatSection } from './heat.ts';
import { lifetimeOf, lifetimeSection } from './lifetime.ts';

export { columnForFactor, dominantFactor } from './sensitivity.ts';

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

function tailsOf(summary: RunSummary): TailSummary[] {
  return (Array.isArray(summary.tail) ? summary.tail : []).filter(
    (t): t is TailSummary => isObj(t) && typeof t.output === 'string' && typeof t.limit === 'number' && isObj(t.recommended) && isObj(t.empirical),
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

function statisticsTable(outputs: OutputInfo[]): string {
  if (outputs.length === 0) return note('The summary lists no outputs.');
  const keys = ['mean', 'sd', 'min', 'p05', 'p50', 'p95', 'max'];
  const head = `<thead><tr><th>output</th><th>unit</th>${keys.map((k) => `<th>${k}</th>`).join('')}</tr></thead>`;
  const body = outputs
    .map(
      (o) =>
        `<tr><td title="${esc(o.description)}">${esc(o.name)}</td><td>${esc(unitSymbol(o.unit))}</td>${
          o.statistics?.count === 0
            ? `<td colspan="${keys.length}">no finite values</td>`
            : keys.map((k) => `<td>${fmt(o.statistics?.[k])}</td>`).join('')
        }</tr>`,
    )
    .join('');
  return scrollBox(`<table class="grid">${head}<tbody>${body}</tbody></table>`);
}

/** stopReason's codes by name, for its bars (keyed by STOP_REASON's names: a new kernel reason needs its label). */
const STOP_REASON_NAMES: Record<keyof typeof STOP_REASON, string> = {
  completed: 'protocol completed',
  cellLimit: 'cell voltage limit',
  packLimit: 'pack voltage limit',
  powerLimit: 'power not deliverable',
  electrolyteDepleted: 'electrolyte depleted',
  cellExhausted: 'cell exhausted',
  voltageOutOfRange: 'voltage out of range',
};
const STOP_REASON_LABELS: Record<number, string> = Object.fromEntries(
  Object.entries(STOP_REASON_NAMES).map(([name, label]) => [STOP_REASON[name as keyof typeof STOP_REASON], label]),
);

async function distributionsSection(outputs: OutputInfo[], cols: Columns, tails: TailSummary[]): Promise<string> {
  const charts: string[] = [];
  const constant: string[] = [];
  const missing: string[] = [];
  for (const o of outputs) {
    const col = cols.get(o.name);
    if (!col) {
      missing.push(o.name);
      continue;
    }
    const { bins, finite, kind } = histogramBins(col);
    const dropped = col.length - finite;
    const droppedText = dropped > 0 ? ` (${dropped} non-finite values left out)` : '';
    if (bins.length === 0) {
      constant.push(`<li><strong>${esc(o.name)}</strong>: no finite values</li>`);
      continue;
    }
    if (kind === 'constant') {
      const { start: lo, end: hi } = bins[0];
      const mid = (lo + hi) / 2;
      const code = o.name === 'stopReason' ? STOP_REASON_LABELS[Math.round(mid)] : undefined;
      const value = `${fmt(mid, 6)}${unitSymbol(o.unit) ? ` ${unitSymbol(o.unit)}` : ''}${code ? ` (${code})` : ''}`;
      const spread = hi > lo ? `, spread ${fmt(hi - lo, 2)} (rounding)` : '';
      constant.push(`<li><strong>${esc(o.name)}</strong> = ${esc(value)} in all ${fmtInt(finite)} packs${esc(spread)}${esc(droppedText)}${code ? '' : `: ${esc(o.description)}`}</li>`);
      continue;
    }
    const limits = tails.filter((t) => t.output === o.name).map((t) => ({ value: t.limit, label: 'limit' }));
    const codes = o.name === 'stopReason' ? STOP_REASON_LABELS : undefined;
    const caption = `${o.description}${droppedText}${limits.length && kind === 'continuous' ? '; dashed: design limit' : ''}`;
    const axis = o.name === 'cutoffCell' ? `${o.name} (cell index; −1: none)` : withUnit(o.name, o.unit);
    charts.push(await chart(histogramSpec(o.name, axis, bins, kind === 'continuous' ? limits : [], kind, codes), caption));
  }
  let html = statisticsTable(outputs);
  if (constant.length > 0) html += `<h3>The same in every pack</h3><ul class="constants">${constant.join('')}</ul>`;
  html += `<div class="charts">${charts.join('')}</div>`;
  if (missing.length > 0) html += note(`Not in the sample table, so no histogram: ${missing.join(', ')}.`);
  return html;
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
  values: ArrayLike<number>,
  t: TailSummary,
): { empirical: CurvePoint[]; fit: CurvePoint[]; atLimit: CurvePoint | null; threshold: number | null; fitted: GpdFit | null; notes: string[] } {
  const notes: string[] = [];
  const confidence = num(t.confidence) ?? 0.95;
  const tail = t.tail === 'lower' ? 'lower' : 'upper';
  // One sorted copy for the curve and the re-fit.
  const column = SortedColumn.of(values);
  const curve = exceedanceCurveOfSorted(column, tail, confidence, 'clopper-pearson', 120);
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
      fitted = fitGeneralizedParetoOfSorted(column, {
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
      for (let i = 0; i < values.length; i++) if (sign * values[i] > sign * extreme) extreme = values[i];
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
    const unit = unitSymbol(outputs.find((o) => o.name === name)?.unit);
    const side = t.tail === 'lower' ? 'below' : 'above';
    const block: string[] = [`<div class="tailblock"><h3>${esc(name)} ${side} ${esc(formatQuantity(t.limit, unit))}</h3>`];
    const rec = t.recommended;
    const emp = t.empirical;
    const g = isObj(t.gpd) ? (t.gpd as Dict) : undefined;
    const prob = (x: unknown, scale: unknown) => formatProbability(num(x) ?? null, num(scale) ?? num(x) ?? null);
    const interval = (lo: unknown, hi: unknown) => `[${prob(lo, hi)}, ${prob(hi, hi)}]`;
    const rows: [string, string][] = [];
    const source = { gpd: 'GPD extrapolation', empirical: 'counted', 'two-level': 'pooled over the epistemic draws', 'empirical-bound': 'counted, too few beyond the limit' }[rec.source];
    rows.push(['recommended P(beyond limit)', `${prob(rec.estimate, rec.upper)} ${interval(rec.lower, rec.upper)} (${source})`]);
    const [epi] = epistemicTails([t]);
    if (epi) rows.push(['given what we do not know', `median ${prob(epi.median.estimate, epi.upper.estimate)}, ${Math.round(epi.band * 100)} % band ${interval(epi.lower.estimate, epi.upper.estimate)} over ${fmtInt(epi.outer)} epistemic draws`]);
    rows.push(['counted', `${prob(emp.estimate, emp.upper)} ${interval(emp.lower, emp.upper)}, ${fmtInt(emp.exceedances)} of ${fmtInt(t.n)} packs beyond`]);
    if (g?.status === 'fitted') {
      const ep = isObj(g.exceedanceProbability) ? g.exceedanceProbability : undefined;
      rows.push(['GPD fit', `shape ξ ${fmt(g.shape)}, scale σ ${fmt(g.scale)} ${unit}, threshold ${fmt(g.threshold)} ${unit} (${fmtInt(g.exceedances)} packs beyond it, ${str(g.method)})`]);
      rows.push(['GPD P(beyond limit)', ep ? `${prob(ep.estimate, ep.upper)} ${interval(ep.lower, ep.upper)} (${str(ep.interval)} interval)` : str(g.extrapolationNote, 'not available')]);
    } else if (g?.status === 'skipped') rows.push(['GPD fit', `skipped: ${str(g.reason)}`]);
    if (Array.isArray(t.valueAtRisk) && t.valueAtRisk.length > 0) {
      rows.push(['value at risk', t.valueAtRisk.map((v) => `${fmt(v.level)}: ${fmt(v.estimate)} ${fmtInterval(v.lower, v.upper)}`).join('; ') + (unit ? ` ${unit}` : '')]);
    }
    if (Array.isArray(t.conditionalValueAtRisk) && t.conditionalValueAtRisk.length > 0) {
      rows.push(['conditional VaR', t.conditionalValueAtRisk.map((v) => `${fmt(v.level)}: ${fmt(v.estimate)}`).join('; ') + (unit ? ` ${unit}` : '')]);
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
        const c = `${fmt((num(t.confidence) ?? 0.95) * 100)} %`;
        const atLimit = d.atLimit ? ` Diamond at the limit: the recommended GPD estimate with its ${str(isObj(g?.exceedanceProbability) ? (g.exceedanceProbability as Dict).interval : '')} interval.` : '';
        chartHtml = await chart(
          exceedanceSpec(`Exceedance curve of ${name}`, withUnit(name, unit), { empirical: d.empirical, fit: d.fit, atLimit: d.atLimit, limit: t.limit, threshold: d.threshold }, yLabel),
          `Blue: share of packs beyond x, counted, with its ${c} Clopper-Pearson band. Orange: generalized Pareto fit beyond the threshold with its pointwise (delta-method) band.${atLimit} Red line: the limit.`,
        );
      } catch (e) {
        chartHtml = note(`exceedance curve of ${name} could not be computed: ${errText(e)}`);
      }
    }
    const warnings = [...(Array.isArray(t.warnings) ? t.warnings : []), ...(g?.status === 'fitted' && Array.isArray(g.warnings) ? (g.warnings as unknown[]) : [])];
    block.push(`<div class="cols"><div>${chartHtml}</div><div class="tailtable">${scrollBox(kvTable(rows))}`);
    for (const w of [...extraNotes, ...warnings.map((w) => str(w))]) block.push(note(w));
    block.push('</div></div></div>');
    parts.push(block.join(''));
  }
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
    out.push(await chart(cellMapSpec(m.title, m.legend, cells, { scheme: m.scheme, labels, domainMid: mid, moduleOrder }), undefined, 'map'));
  }
  const head = kvTable([
    ['sample', fmtInt(w.sample)],
    ['picked by', str(w.criterion)],
    ['layout', `${series}s${parallel}p in ${modules} module${modules === 1 ? '' : 's'} (one panel per module; columns: series groups, rows: parallel positions)`],
  ]);
  let html = `${head}<div class="charts">${out.join('')}</div>`;
  if (skipped.length) html += note(`Missing per-cell data, not drawn: ${skipped.join(', ')}.`);
  return html;
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata

function packOf(s: RunSummary): { series: number; parallel: number; modules?: number } | undefined {
  const spec = isObj(s.spec) ? s.spec : {};
  const pack = isObj(spec.pack) ? spec.pack : {};
  const series = num(pack.series);
  const parallel = num(pack.parallel);
  return series !== undefined && parallel !== undefined ? { series, parallel, modules: num(pack.modules) } : undefined;
}

function metadataSection(s: RunSummary, cols: Columns): string {
  const dict = (x: unknown): Dict => (isObj(x) ? x : {});
  const rng = dict(s.rng);
  const be = dict(s.backend);
  const counts = dict(s.counts);
  const tm = dict(s.timings);
  const range = isObj(s.range) ? s.range : undefined;
  const shard = isObj(s.shard) ? s.shard : undefined;
  const pack = packOf(s);
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
  rows.push(['packs (samples)', num(counts.designRows) ? `${fmtInt(counts.samples)} Monte Carlo, then ${fmtInt(counts.designRows)} sensitivity design rows` : fmtInt(counts.samples)]);
  if (pack) {
    const modules = pack.modules !== undefined ? ` in ${pack.modules} module${pack.modules === 1 ? '' : 's'}` : '';
    rows.push(['pack', `${pack.series}s${pack.parallel}p${modules}: ${fmtInt(pack.series * pack.parallel)} cells per pack`]);
  }
  rows.push(
    ['cells in the run', fmtInt(counts.cells)],
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
  const validity = isObj(s.validity) ? s.validity : undefined;
  const nonFiniteCount = num(validity?.nonFiniteSamples) ?? nonFinite.length;
  rows.push(['non-finite samples', nonFiniteCount === 0 ? 'none' : `${nonFiniteCount}: ${nonFinite.slice(0, 20).join(', ')}${nonFiniteCount > 20 ? ', …' : ''}`]);
  if (validity) rows.push(['invalid packs', num(validity.invalidSamples) ? `${fmtInt(validity.invalidSamples)} (left out of every statistic and chart; see "Invalid packs")` : 'none']);
  const version = isObj(s.cellspread) ? `${str(s.cellspread.version, '?')} (results format ${str(s.cellspread.resultsFormat, '?')})` : '–';
  rows.push(['cellspread', version]);
  let specText: string;
  try {
    specText = JSON.stringify(s.spec, null, 2) ?? 'null';
  } catch {
    specText = String(s.spec);
  }
  return `${scrollBox(kvTable(rows))}<details><summary>The spec as run</summary><pre><code>${esc(specText)}</code></pre></details>`;
}

/** The invalid packs of the run (summary.validity), or '' when there are none. */
function invalidPacksSection(s: RunSummary): string {
  const v = isObj(s.validity) ? s.validity : undefined;
  const count = num(v?.invalidSamples) ?? 0;
  if (!v || count === 0) return '';
  const listed = (Array.isArray(v.invalid) ? v.invalid : []).filter(isObj);
  const shown = listed.slice(0, 50);
  const rows = shown.map((p) => `<tr><td>${fmtInt(p.sample)}</td><td style="text-align:left">${esc(str(p.reason, '?'))}</td></tr>`).join('');
  const total = num(isObj(s.counts) ? s.counts.samples : undefined);
  return (
    note(
      `${fmtInt(count)}${total !== undefined ? ` of ${fmtInt(total)}` : ''} packs ended in a state the physics cannot produce. They are not results: every statistic, tail estimate and chart above leaves them out. samples.csv marks each with status "invalid" and its reason.`,
    ) +
    `<table class="grid"><thead><tr><th>sample</th><th style="text-align:left">reason</th></tr></thead><tbody>${rows}</tbody></table>` +
    (count > shown.length ? note(`${fmtInt(count - shown.length)} more not shown here.`) : '')
  );
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Render the report for a run summary and its per-sample table (in memory, or a ColumnSource read column by column).
 * Pure: returns the HTML text.
 */
export async function renderReport(summary: RunSummary, table: SampleTable | ColumnSource): Promise<string> {
  const cols = new Columns(table ?? { columns: [], data: [] });
  const outputs = outputsOf(summary);
  const tails = tailsOf(summary);
  const { valid: sens, invalid: badSens } = sensitivitiesOf(summary);
  const units = Object.fromEntries(outputs.map((o) => [o.name, unitSymbol(o.unit)]));
  const pack = packOf(summary);
  const samples = isObj(summary.counts) ? num(summary.counts.samples) : undefined;
  const packs = `${fmtInt(samples)} packs${pack ? ` of ${pack.series}s${pack.parallel}p (${fmtInt(pack.series * pack.parallel)} cells each)` : ''} simulated`;
  const sections: { id: string; title: string; html: string }[] = [];

  const { headline, rebuilt } = headlineOf(summary, tails, sens, units);
  sections.push({ id: 'headline', title: 'Headline', html: headlineSection(headline, { packs, rebuilt }) });
  const rawTails = Array.isArray(summary.tail) ? summary.tail.length : 0;
  sections.push({
    id: 'tail',
    title: 'Tail risk: the evidence',
    html:
      tails.length === 0
        ? note(rawTails > 0 ? 'The tail entries in summary.json could not be read: section left out.' : 'No tail analysis in this run (add analysis.tail to the spec).')
        : (await tailSection(tails, cols, outputs)) + (rawTails > tails.length ? note(`${rawTails - tails.length} unreadable tail entries left out.`) : ''),
  });
  const lifetime = lifetimeOf(summary);
  if (lifetime) sections.push({ id: 'lifetime', title: 'Lifetime: capacity fade and end of life', html: await lifetimeSection(lifetime) });
  if (epistemicTails(summary.tail).length > 0) {
    sections.push({ id: 'epistemic', title: 'What we do not know', html: await epistemicSection(summary, chart) });
  }
  sections.push({
    id: 'sensitivity',
    title: 'Sensitivity',
    html:
      sens.length === 0
        ? note(badSens > 0 ? 'The sensitivity entries in summary.json could not be read: section left out.' : 'No sensitivity analysis in this run.')
        : sensitivitySection(sens, badSens),
  });
  sections.push({
    id: 'dominant',
    title: 'Dominant factors',
    html: cols.rows === 0 ? note('The sample table is empty: no plot.') : await dominantSection(summary, sens, tails, cols, outputs),
  });
  sections.push({
    id: 'heat',
    title: 'Heat by source',
    html: cols.rows === 0 ? note('The sample table is empty: no breakdown.') : await heatSection(summary, cols),
  });
  sections.push({
    id: 'distributions',
    title: 'Distributions of the outputs',
    html: cols.rows === 0 ? statisticsTable(outputs) + note('The sample table is empty: no histograms.') : await distributionsSection(outputs, cols, tails),
  });
  const invalidHtml = invalidPacksSection(summary);
  if (invalidHtml) sections.push({ id: 'invalid', title: 'Invalid packs', html: invalidHtml });
  sections.push({
    id: 'worst-pack',
    title: 'Worst pack',
    html: isObj(summary.worstPack) ? await worstPackSection(summary.worstPack) : note('No worst-pack map in this run.'),
  });
  sections.push({ id: 'run', title: 'Run', html: metadataSection(summary, cols) });

  const name = str(summary.name, 'unnamed study');
  const completed = summary.completed !== false;
  const invalidCount = isObj(summary.validity) ? (num(summary.validity.invalidSamples) ?? 0) : 0;
  const invalidBadge = invalidCount > 0 ? `<span class="badge partial">${fmtInt(invalidCount)} invalid pack${invalidCount === 1 ? '' : 's'}</span>` : '';
  const header = `<h1>${esc(name)}<span class="badge ${completed ? 'ok' : 'partial'}">${completed ? 'complete' : 'partial'}</span>${invalidBadge}</h1><div class="sub">cellspread report · ${esc(packs)} · ${esc(str(summary.createdAt, ''))}</div>`;
  const nav = sections.map((s) => `<a href="#${s.id}">${esc(s.title)}</a>`).join('');
  const body = sections.map((s) => `<section id="${s.id}"><h2>${esc(s.title)}</h2>${s.html}</section>`).join('\n');
  return await page(`cellspread report: ${name}`, header, nav, body);
}
