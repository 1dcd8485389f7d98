/**
 * The heat breakdown section: where each pack's heat comes from (the heat terms of src/pack/outputs.ts, which add up to
 * heatJ), over all packs and over the hottest ones, so a reader sees which loss drives the packs in the temperature
 * tail. The SPM has no electrolyte or solid-phase Ohmic heat (but for the SEI film's Joule heat when cells age, which the
 * solid-phase term carries); the section says so when the study ran it.
 */
import { HEAT_TERM_OUTPUTS } from '../pack/outputs.ts';
import type { RunSummary } from '../results/format.ts';
import { escapeHtml as esc, fmt, note } from './html.ts';
import { chart, type Columns, isObj, scrollBox, str } from './parts.ts';
import { CHART_WIDTH } from './charts.ts';

const LABELS: Record<(typeof HEAT_TERM_OUTPUTS)[number], string> = {
  heatIrreversibleJ: 'irreversible',
  heatReversibleJ: 'reversible',
  heatOhmicElectrolyteJ: 'electrolyte Ohmic',
  heatOhmicSolidJ: 'solid Ohmic',
  heatCollectorJ: 'collectors',
  weldLossJ: 'contact (welds)',
};

/** The share of packs, by maximum temperature, that count as the hottest. */
const HOTTEST = 0.05;

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const x = p * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

export async function heatSection(summary: RunSummary, cols: Columns): Promise<string> {
  const total = cols.get('heatJ');
  const terms = HEAT_TERM_OUTPUTS.map((name) => ({ name, values: cols.get(name) }));
  const missing = terms.filter((t) => !t.values).map((t) => t.name);
  if (!total || missing.length === terms.length) return note('The sample table has no heat terms (a run from before they were recorded): no breakdown.');
  const temperature = cols.get('maxTemperatureK');
  const n = total.length;
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(total[i]) && terms.every((t) => !t.values || Number.isFinite(t.values[i])));
  if (rows.length === 0) return note('No pack has finite heat terms: no breakdown.');
  // The hottest packs: the top 5 % by maximum temperature (at least one).
  const byT = temperature ? [...rows].sort((a, b) => temperature[b] - temperature[a]) : [];
  const hot = byT.slice(0, Math.max(1, Math.round(HOTTEST * rows.length)));
  const heatAll = mean(rows.map((i) => total[i]));
  const heatHot = hot.length ? mean(hot.map((i) => total[i])) : NaN;
  const data: { term: string; group: string; heat: number }[] = [];
  const table: string[] = [];
  let sumAll = 0;
  for (const t of terms) {
    if (!t.values) continue;
    const v = t.values;
    const all = rows.map((i) => v[i]);
    const sorted = [...all].sort((a, b) => a - b);
    const m = mean(all);
    const h = hot.length ? mean(hot.map((i) => v[i])) : NaN;
    sumAll += m;
    data.push({ term: LABELS[t.name], group: 'all packs', heat: m / 1000 });
    if (hot.length && temperature) data.push({ term: LABELS[t.name], group: `hottest ${fmt(100 * HOTTEST, 2)} %`, heat: h / 1000 });
    table.push(
      `<tr><td title="${esc(t.name)}">${esc(LABELS[t.name])}</td><td>${fmt(m / 1000)}</td><td>${fmt(quantile(sorted, 0.05) / 1000)} – ${fmt(quantile(sorted, 0.95) / 1000)}</td><td>${fmt((100 * m) / heatAll, 3)} %</td><td>${temperature ? `${fmt(h / 1000)} (${fmt((100 * h) / heatHot, 3)} %)` : '–'}</td></tr>`,
    );
  }
  const spec = {
    title: 'Heat by source, mean per pack',
    // Narrower than the histograms: the term names take the rest of a phone's column.
    width: CHART_WIDTH - 120,
    height: { step: 12 },
    data: { values: data },
    mark: { type: 'bar', aria: false },
    encoding: {
      y: { field: 'term', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      yOffset: { field: 'group', sort: null },
      x: { field: 'heat', type: 'quantitative', title: 'heat [kJ]', axis: { tickCount: 4 } },
      color: { field: 'group', type: 'nominal', sort: null, title: null, scale: { range: ['#4c78a8', '#e45756'] }, legend: { orient: 'bottom' } },
    },
  };
  const head = `<thead><tr><th>term</th><th>mean [kJ]</th><th>5–95 % [kJ]</th><th>share of the heat</th><th>hottest ${fmt(100 * HOTTEST, 2)} % [kJ] (share)</th></tr></thead>`;
  let html = `<div class="cols"><div>${await chart(spec, `Each pack's heat split by source (the terms add up to heatJ: mean ${fmt(heatAll / 1000)} kJ, terms ${fmt(sumAll / 1000)} kJ). Red: the packs with the highest maximum temperature.`)}</div><div>${scrollBox(`<table class="grid">${head}<tbody>${table.join('')}</tbody></table>`)}</div></div>`;
  const spec0 = isObj(summary.spec) ? summary.spec : {};
  const model = isObj(spec0.simulation) ? str(spec0.simulation.model, 'spm') : 'spm';
  // The film's Joule heat is in the solid-phase term only when cells age and simulation.filmHeat is not false.
  const filmHeat = isObj(spec0.simulation) && str(spec0.simulation.sei, 'none') !== 'none' && spec0.simulation.filmHeat !== false;
  if (model === 'spm') {
    html += note(
      filmHeat
        ? "This study ran the SPM, which has no electrolyte or electrode Ohmic heat: its solid-phase term is the SEI film's Joule heat alone, its electrolyte term 0. The SPMe (simulation.model: spme) has every heat source."
        : 'This study ran the SPM, which has no electrolyte or solid-phase Ohmic heat (their terms are 0): the SPMe (simulation.model: spme) has every heat source.',
    );
  } else if (filmHeat) html += note("The solid-phase Ohmic term includes the SEI film's Joule heat.");
  if (missing.length) html += note(`Not in the sample table: ${missing.join(', ')}.`);
  return html;
}
