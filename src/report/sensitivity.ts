/**
 * Sensitivity in the report: per output, a ranked table of factors (full names, wrapping) with total and first-order
 * indices as bars on a 0-100 % share-of-variance scale with their intervals, the statements in words; and the
 * dominant-factor plots, which show each output against its largest factor in that factor's physical quantity and unit.
 */
import type { InputColumn, RunSummary, SensitivitySummary } from '../results/format.ts';
import { distinguishable, formatQuantity, formatShare, formatShareRange, rankedFactors, sensitivityStatements } from '../study/headline.ts';
import type { TailSummary } from '../tail/index.ts';
import { scatterSpec } from './charts.ts';
import { escapeHtml as esc, fmt, fmtInt, note } from './html.ts';
import { chart, Columns, correlation, isObj, num, scrollBox } from './parts.ts';
import { physicalValue, scaledUnit, statisticWords, unitSymbol, withUnit, words } from './quantities.ts';

/** A share of variance as a bar on a 0-100 % track with its interval (inline SVG that stretches with its cell). */
function shareBar(value: number, lower: number | null, upper: number | null, faint: boolean): string {
  const c = (x: number) => (100 * Math.min(1, Math.max(0, x))).toFixed(2);
  const grid = [25, 50, 75].map((x) => `<line x1="${x}" x2="${x}" y1="0" y2="12" class="grid"/>`).join('');
  const ci =
    lower !== null && upper !== null
      ? `<line x1="${c(lower)}" x2="${c(upper)}" y1="6" y2="6" class="ci"/><line x1="${c(lower)}" x2="${c(lower)}" y1="3" y2="9" class="ci"/><line x1="${c(upper)}" x2="${c(upper)}" y1="3" y2="9" class="ci"/>`
      : '';
  return `<svg class="bar${faint ? ' faint' : ''}" viewBox="0 0 100 12" preserveAspectRatio="none" role="img" aria-label="${esc(`${formatShare(value)} %`)}"><rect x="0" y="0" width="100" height="12" class="track"/>${grid}<rect x="0" y="2.5" width="${c(value)}" height="7" class="value"/>${ci}</svg>`;
}

function indexCell(label: string, value: number, lower: number | null, upper: number | null): string {
  const sure = distinguishable(lower);
  const words = sure ? '' : '<span class="nd">not distinguishable from 0</span>';
  return `<td class="share"><span class="lbl">${esc(label)}</span><span class="num">${esc(formatShare(value))} %</span> <span class="ci">(${esc(formatShareRange(lower, upper))})</span>${shareBar(value, lower, upper, !sure)}${words}</td>`;
}

function sensitivityTable(s: SensitivitySummary): string {
  const ranked = rankedFactors(s);
  const shapley = s.method === 'shapley';
  const head = shapley
    ? '<th>Shapley effect</th>'
    : '<th>total index <small>(with interactions)</small></th><th>first-order index <small>(on its own)</small></th>';
  const rows = ranked
    .map((f, i) => {
      const first = f.first ? indexCell('first-order', f.first.value, f.first.lower, f.first.upper) : shapley ? '' : '<td class="share">–</td>';
      return `<tr><td class="rank">${i + 1}</td><td class="factor">${esc(f.factor)}</td>${indexCell(shapley ? 'Shapley effect' : 'total', f.value, f.lower, f.upper)}${first}</tr>`;
    })
    .join('');
  return scrollBox(`<table class="forest"><thead><tr><th>#</th><th>factor</th>${head}</tr></thead><tbody>${rows}</tbody></table>`);
}

export function sensitivitySection(list: SensitivitySummary[], invalid: number): string {
  const parts: string[] = [];
  for (const s of list) {
    const c = `${fmt(100 * (s.confidence ?? 0.95))} %`;
    const what = s.method === 'shapley' ? `Shapley effects from ${fmtInt(s.evaluations)} model runs` : `Sobol indices from ${fmtInt(s.evaluations)} model runs`;
    parts.push(`<h3>${esc(s.output)} <small>(${esc(what)})</small></h3>`);
    if (typeof s.error === 'string') {
      parts.push(note(`No indices: ${s.error}`));
      continue;
    }
    if (rankedFactors(s).length === 0) {
      parts.push(note(`No finite indices for ${s.output}.`));
      continue;
    }
    parts.push(sensitivityTable(s));
    parts.push(
      `<p class="fine">Bars: share of variance of ${esc(s.output)}, on a scale from 0 to 100 %; black line: the ${esc(c)} interval. Ranked by ${s.method === 'shapley' ? 'Shapley effect' : 'total index'}.</p>`,
    );
    parts.push(secondOrderTable(s));
    const statements = sensitivityStatements(s);
    parts.push(`<details><summary>In words (${statements.length} factors)</summary><ul class="statements">${statements.map((t) => `<li>${esc(t)}</li>`).join('')}</ul></details>`);
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
  const c = `${fmt(100 * (s.confidence ?? 0.95))} %`;
  const body = shown
    .map((p) => `<tr><td>${esc(p.factors[0])} × ${esc(p.factors[1])}</td><td>${fmt(p.index, 3)}</td><td>${Array.isArray(p.ci) ? `[${fmt(p.ci[0], 3)}, ${fmt(p.ci[1], 3)}]` : '–'}</td></tr>`)
    .join('');
  const more = pairs.length > shown.length ? note(`${pairs.length - shown.length} smaller pairs are in summary.json.`) : '';
  return `${scrollBox(`<table class="grid"><thead><tr><th>pair (second-order interaction)</th><th>S2</th><th>${esc(c)} interval</th></tr></thead><tbody>${body}</tbody></table>`)}${more}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Dominant factor

/** Index of the dominant factor: the largest total index (Sobol) or Shapley effect. */
export function dominantFactor(s: SensitivitySummary): number {
  const top = rankedFactors(s)[0];
  return top ? s.factors.indexOf(top.factor) : -1;
}

/**
 * The per-sample input column behind a sensitivity factor, for results without input descriptions: "cell-level
 * contactResistance" maps to a column starting with `contactResistance@cell` (`:max` preferred for contact/weld
 * resistance, else `:mean`); "pack-level X" to `X@pack`. Unknown forms fall back to `X:mean` / `X:max`.
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

/** Described input columns of the summary that are in the table (older results: names only). */
function describedInputs(summary: RunSummary, cols: Columns): InputColumn[] {
  const list = Array.isArray(summary.inputs) ? summary.inputs.filter(isObj) : [];
  return list.filter((c) => typeof c.name === 'string' && cols.get(c.name as string)).map((c) => c as unknown as InputColumn);
}

/** The factor's level columns (mean/min/max over its modules or cells, or the pack draw), from the descriptions. */
function columnsOfFactor(factor: string, inputs: InputColumn[]): InputColumn[] {
  const m = /^(pack|module|cell)-level (.+)$/.exec(factor) ?? /^(epistemic) (.+)$/.exec(factor);
  if (!m) return [];
  return inputs.filter((c) => c.level === m[1] && c.quantity === m[2]);
}

interface ScatterPick {
  output: string;
  factor: string;
  share: number | null;
  method: SensitivitySummary['method'];
  column: InputColumn;
  r: number;
  chosenFrom: number;
}

function pickColumn(s: SensitivitySummary, factor: string, inputs: InputColumn[], cols: Columns): { column: InputColumn; r: number; chosenFrom: number } | undefined {
  const y = cols.get(s.output);
  if (!y) return undefined;
  const described = columnsOfFactor(factor, inputs);
  if (described.length > 0) {
    // Of the factor's columns (e.g. the mean, lowest and highest module), the one that tracks the output best.
    let best: { column: InputColumn; r: number } | undefined;
    for (const c of described) {
      const r = correlation(cols.get(c.name) as Float64Array, y);
      if (Number.isFinite(r) && (!best || Math.abs(r) > Math.abs(best.r))) best = { column: c, r };
    }
    return best ? { ...best, chosenFrom: described.length } : { column: described[0], r: NaN, chosenFrom: described.length };
  }
  const name = columnForFactor(factor, inputs.length ? inputs.map((c) => c.name) : cols.names);
  return name ? { column: { name }, r: correlation(cols.get(name) as Float64Array, y), chosenFrom: 1 } : undefined;
}

/** The x axis of a dominant-factor plot: the physical quantity in words and unit, and the values to plot. */
function physicalAxis(c: InputColumn, values: Float64Array, counts: { modules?: number; cells?: number }): { title: string[]; x: Float64Array; physical: boolean } {
  const toPhysical = physicalValue(c);
  if (!toPhysical || !c.quantity) return { title: [c.name], x: values, physical: false };
  const phys = values.map(toPhysical);
  const typical = c.nominal ?? phys.find(Number.isFinite) ?? 1;
  const { unit, factor } = scaledUnit(c.unit, typical);
  const x = factor === 1 ? phys : phys.map((v) => v * factor);
  return { title: [withUnit(words(c.quantity), unit), statisticWords(c, counts)], x, physical: true };
}

export async function dominantSection(
  summary: RunSummary,
  sens: SensitivitySummary[],
  tails: TailSummary[],
  cols: Columns,
  outputs: { name: string; unit: string }[],
): Promise<string> {
  const inputs = describedInputs(summary, cols);
  const spec = isObj(summary.spec) ? summary.spec : {};
  const pack = isObj(spec.pack) ? spec.pack : {};
  const counts = { modules: num(pack.modules), cells: num(pack.series) !== undefined && num(pack.parallel) !== undefined ? (pack.series as number) * (pack.parallel as number) : undefined };
  const notes: string[] = [];
  const picks: ScatterPick[] = [];
  for (const s of sens) {
    const top = rankedFactors(s)[0];
    if (!top) continue;
    if (!cols.get(s.output)) {
      notes.push(`${s.output} is not in the sample table: no plot.`);
      continue;
    }
    const got = pickColumn(s, top.factor, inputs, cols);
    if (!got) {
      notes.push(`No per-sample input column matches the dominant factor "${top.factor}" of ${s.output}.`);
      continue;
    }
    picks.push({ output: s.output, factor: top.factor, share: top.value, method: s.method, ...got });
  }
  if (sens.length === 0) {
    const target = tails.find((t) => cols.get(t.output as string))?.output ?? outputs.find((o) => cols.get(o.name))?.name;
    if (!target) return note('No sensitivity results and no output column to correlate with: no plot.');
    const y = cols.get(target) as Float64Array;
    const candidates = inputs.length ? inputs : cols.names.filter((n) => n !== 'sample' && !outputs.some((o) => o.name === n)).map((name) => ({ name }));
    let best: { column: InputColumn; r: number } | undefined;
    for (const c of candidates) {
      const r = correlation(cols.get(c.name) as Float64Array, y);
      if (Number.isFinite(r) && (!best || Math.abs(r) > Math.abs(best.r))) best = { column: c, r };
    }
    if (!best) return note(`No sensitivity results, and no input column correlates with ${target}: no plot.`);
    notes.push(`No sensitivity results in this run: showing the input most correlated with ${target}${tails.length ? ' (the first tail output)' : ''}.`);
    picks.push({ output: target, factor: best.column.quantity ?? best.column.name, share: null, method: 'sobol', column: best.column, r: best.r, chosenFrom: candidates.length });
  }
  const parts: string[] = notes.map((n) => note(n));
  const charts: string[] = [];
  for (const p of picks) {
    const raw = cols.get(p.column.name) as Float64Array;
    const y = cols.get(p.output) as Float64Array;
    const axis = physicalAxis(p.column, raw, counts);
    const t = tails.find((tt) => tt.output === p.output);
    const limit = t ? t.limit : null;
    const beyond = (v: number) => limit !== null && (t?.tail === 'lower' ? v < limit : v > limit);
    const points: { x: number; y: number; beyond: boolean }[] = [];
    const n = Math.min(axis.x.length, y.length);
    const stride = Math.max(1, Math.ceil(n / 2500));
    let beyondCount = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(axis.x[i]) || !Number.isFinite(y[i])) continue;
      const b = beyond(y[i]);
      if (b) beyondCount++;
      if (i % stride === 0 || b) points.push({ x: axis.x[i], y: y[i], beyond: b });
    }
    const unit = outputs.find((o) => o.name === p.output)?.unit ?? '';
    const why =
      p.share !== null
        ? `Largest ${p.method === 'shapley' ? 'Shapley effect' : 'total index'} of ${p.output}: ${p.factor} (${formatShare(p.share)} % of its variance).`
        : `Input most correlated with ${p.output}.`;
    const which =
      p.chosenFrom > 1 && p.share !== null
        ? ` Shown through the column ${p.column.name}, of the factor's ${p.chosenFrom} per-pack columns the one most correlated with ${p.output} (Pearson r = ${fmt(p.r, 3)}).`
        : ` Column ${p.column.name}, Pearson r = ${fmt(p.r, 3)}.`;
    const physical = axis.physical ? '' : ' (no description of this column in summary.json: its raw value is shown)';
    const red = limit !== null ? ` Red: the ${beyondCount} pack${beyondCount === 1 ? '' : 's'} beyond the limit ${formatQuantity(limit, unitSymbol(unit))}.` : '';
    const thinned = stride > 1 ? ` Every ${stride}th pack is drawn, plus all beyond the limit.` : '';
    const level = p.column.level === 'epistemic' ? 'epistemic ' : p.column.level ? `${p.column.level}-level ` : '';
    const title = `${p.output} against ${p.column.quantity ? `${level}${words(p.column.quantity)}` : p.column.name}`;
    charts.push(await chart(scatterSpec(title, axis.title, withUnit(p.output, unit), points, limit), `${why}${which}${physical}${red}${thinned}`));
  }
  parts.push(`<div class="charts">${charts.join('')}</div>`);
  return parts.join('');
}

