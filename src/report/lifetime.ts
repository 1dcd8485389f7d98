/**
 * The report's lifetime section (a study with a repeat block): the capacity-fade fan chart (quantile bands of each
 * pack's discharge capacity relative to its initial, over cycles), the loss of lithium inventory, and the end-of-life
 * distribution with its censored packs, from summary.json's `lifetime` (src/study/lifetime.ts LifetimeSummary).
 */
import type { LifetimeSummary } from '../study/lifetime.ts';
import { fanSpec, histogramSpec } from './charts.ts';
import { escapeHtml as esc, fmt, fmtInt, kvTable, note } from './html.ts';
import { chart, isObj } from './parts.ts';

/** The lifetime summary, if summary.json holds a readable one. */
export function lifetimeOf(summary: { lifetime?: unknown }): LifetimeSummary | undefined {
  const l = summary.lifetime;
  if (!isObj(l) || !isObj(l.fan) || !isObj(l.eol) || !Array.isArray((l.fan as Record<string, unknown>).cycle)) return undefined;
  return l as unknown as LifetimeSummary;
}

export async function lifetimeSection(l: LifetimeSummary): Promise<string> {
  const e = l.eol;
  const percent = (x: number) => `${fmt(100 * x, 3)} %`;
  const cycles = (x: number | null) => (x === null ? `> ${fmtInt(l.cycles)}` : fmt(x, 4));
  const facts = kvTable([
    ['cycles', fmtInt(l.cycles)],
    ['end of life', `${percent(l.endOfLife)} of the ${l.reference === 'first' ? 'first' : 'second'} cycle's discharge capacity`],
    ['packs at end of life within the run', `${fmtInt(e.reached)} of ${fmtInt(e.packs)} (${fmtInt(e.censored)} censored: still above it at cycle ${fmtInt(l.cycles)})`],
    ['cycles to end of life, p05 / p50 / p95', `${cycles(e.p05)} / ${cycles(e.p50)} / ${cycles(e.p95)}`],
    ['median capacity at the last cycle', percent(l.fan.p50.at(-1) ?? NaN)],
    ['cycles simulated per pack (cycle jumping)', `${fmt(l.simulatedCycles.mean, 3)} on average (${fmtInt(l.simulatedCycles.min)} to ${fmtInt(l.simulatedCycles.max)})`],
  ]);
  const fade = await chart(
    fanSpec('Capacity fade', 'discharge capacity / initial', {
      cycle: l.fan.cycle,
      bands: [
        { label: '5-95 %', lower: l.fan.p05, upper: l.fan.p95 },
        { label: '25-75 %', lower: l.fan.p25, upper: l.fan.p75 },
      ],
      median: l.fan.p50,
      rules: [{ value: l.endOfLife, label: 'end of life' }],
    }),
    `Each pack's discharge capacity over its ${l.reference} cycle's: median (line), 25-75 % and 5-95 % of packs (bands); dashed: end of life.`,
  );
  const lli = await chart(
    fanSpec('Loss of lithium inventory', 'LLI of the pack [%]', { cycle: l.lliFan.cycle, bands: [{ label: '5-95 %', lower: l.lliFan.p05, upper: l.lliFan.p95 }], median: l.lliFan.p50 }),
    'Lithium held by the SEI over the cells\' inventory at manufacture: median and 5-95 % of packs.',
  );
  const bins = e.bins.filter((b) => b.count > 0 || e.reached > 0);
  const eol =
    e.reached > 0
      ? await chart(
          histogramSpec('Cycles to end of life', 'cycles', bins.map((b) => ({ start: b.from, end: b.to, count: b.count }))),
          `Packs that reached the end of life within the run; ${fmtInt(e.censored)} more did not (censored at ${fmtInt(l.cycles)} cycles: survivors for any limit up to it).`,
        )
      : note(`No pack reached its end of life within the ${fmtInt(l.cycles)} cycles: every pack is censored (a survivor for any limit up to ${fmtInt(l.cycles)} cycles).`);
  return `${facts}<div class="charts">${fade}${lli}${eol}</div>${note(`Per cycle and pack: cycles.csv (${esc(l.cycleOutputs.map((o) => o.name).join(', '))}).`)}`;
}
