/**
 * What we do not know, in the report and the CLI: each tail probability of a two-level study as a distribution over
 * the epistemic draws (src/tail/epistemic.ts). `epistemicStatements` gives the plain-language lines (short enough for
 * a headline); `epistemicSection` the report section with tables and charts.
 */
import { formatProbability } from '../study/headline.ts';
import type { EpistemicTailSummary } from '../tail/index.ts';
import { CHART_WIDTH } from './charts.ts';
import { escapeHtml as esc, fmt, fmtInterval, kvTable, note } from './html.ts';
import { scrollBox } from './parts.ts';

type Dict = Record<string, unknown>;
const isObj = (x: unknown): x is Dict => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The tail entries of a summary that carry a two-level analysis (well-formed enough to show). */
export function epistemicTails(tail: unknown): EpistemicTailSummary[] {
  const list = Array.isArray(tail) ? tail : [];
  return list
    .map((t) => (isObj(t) ? t.epistemic : undefined))
    .filter(
      (e): e is EpistemicTailSummary =>
        isObj(e) && isObj(e.pooled) && isObj(e.median) && isObj(e.lower) && isObj(e.upper) && Array.isArray(e.perOuter) && Array.isArray(e.measureFirst),
    );
}

function percent(x: number): string {
  return `${(100 * Math.min(1, Math.max(0, x))).toFixed(0)} %`;
}

/**
 * "P(capacityAh < 4.75) = 8.17 % pooled over what we do not know (95 % interval [4.24 %, 15.2 %])",
 * "given what we do not know it lies between 0 % and 43.2 % (90 % band), median 1.67 %; 60 epistemic draws x 60 packs each",
 * "measure first: negative.diffusivity (explains 71 % of that spread; higher values lower the probability)".
 */
export function epistemicStatements(e: EpistemicTailSummary): string[] {
  const side = e.tail === 'lower' ? '<' : '>';
  // One form (percent or exponent) per statement, picked by its largest number.
  const pooled = (x: number) => formatProbability(x, e.pooled.upper);
  const band = (x: number) => formatProbability(x, e.upper.estimate);
  const lines = [
    `P(${e.output ?? 'output'} ${side} ${fmt(e.limit)}) = ${pooled(e.pooled.estimate)} pooled over what we do not know (${Math.round(e.confidence * 100)} % interval ${fmtInterval(e.pooled.lower, e.pooled.upper, (x) => pooled(x as number))})`,
    `given what we do not know it lies between ${band(e.lower.estimate)} and ${band(e.upper.estimate)} (${Math.round(e.band * 100)} % band), median ${band(e.median.estimate)}; ${e.outer} epistemic draws x ${e.inner} packs each`,
  ];
  const first = e.measureFirst[0];
  if (first && Number.isFinite(first.firstOrder)) {
    const way = Number.isFinite(first.rankCorrelation) && Math.abs(first.rankCorrelation) > 0.1 ? `; higher values ${first.rankCorrelation > 0 ? 'raise' : 'lower'} the probability` : '';
    lines.push(`measure first: ${first.quantity} (explains ${percent(first.firstOrder)} of that spread${way})`);
  }
  return lines;
}

/** The per-outer probabilities against one epistemic quantity, and their sorted distribution with the band. */
async function charts(e: EpistemicTailSummary, draws: { name: string; form?: string; values: number[] } | undefined, render: (spec: Dict, caption: string) => Promise<string>): Promise<string> {
  const probs = e.perOuter.filter((p) => Number.isFinite(p));
  const sorted = [...probs].sort((a, b) => a - b);
  const ecdf = sorted.map((p, k) => ({ p, f: (k + 1) / sorted.length }));
  const names = [`${Math.round(e.lower.p * 100)} %`, 'median', `${Math.round(e.upper.p * 100)} %`, 'pooled'];
  const marks = [e.lower.estimate, e.median.estimate, e.upper.estimate, e.pooled.estimate].map((p, k) => ({ p, what: names[k] })).filter((m) => Number.isFinite(m.p));
  const distribution: Dict = {
    title: `P(failure) over what we do not know: ${e.output ?? ''}`,
    width: CHART_WIDTH,
    height: 200,
    layer: [
      {
        data: { values: ecdf },
        mark: { type: 'line', interpolate: 'step-after', point: { size: 14 } },
        encoding: {
          x: { field: 'p', type: 'quantitative', title: 'P(failure) given the draw', axis: { format: '~g' } },
          y: { field: 'f', type: 'quantitative', title: 'fraction of draws', scale: { domain: [0, 1] } },
        },
      },
      {
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3] },
        encoding: {
          x: { field: 'p', type: 'quantitative' },
          color: { field: 'what', type: 'nominal', title: null, scale: { domain: names, range: ['#888', '#d62728', '#888', '#2ca02c'] }, legend: { orient: 'bottom' } },
        },
      },
    ],
  };
  const parts = [await render(distribution, `Each step is one epistemic draw (${e.outer} in all); dashed: the band ends, the median and the pooled value.`)];
  if (draws && draws.values.length === e.perOuter.length) {
    const points = draws.values.map((x, k) => ({ x, y: e.perOuter[k] })).filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y));
    parts.push(
      await render(
        {
          title: `P(failure) against ${draws.name}`,
          width: CHART_WIDTH,
          height: 200,
          data: { values: points },
          mark: { type: 'point', filled: true, size: 28 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: draws.name, scale: { zero: false }, axis: { format: ',~r' } },
            y: { field: 'y', type: 'quantitative', title: 'P(failure)', axis: { format: '~g' } },
          },
        },
        `One point per epistemic draw: the quantity to measure first (largest share of the spread)${draws.form ? `, as ${draws.form}` : ''}, against the probability of failure it gives.`,
      ),
    );
  }
  return `<div class="charts">${parts.join('')}</div>`;
}

/** The report section "What we do not know": statements, numbers, ranking and charts per tail entry. */
export async function epistemicSection(summary: { tail?: unknown; epistemic?: unknown }, render: (spec: Dict, caption: string) => Promise<string>): Promise<string> {
  const list = epistemicTails(summary.tail);
  if (list.length === 0) return note('No epistemic block in this study: every uncertain quantity is treated as varying from cell to cell.');
  const perOuter = isObj(summary.epistemic) && Array.isArray(summary.epistemic.quantities) ? (summary.epistemic.quantities as Dict[]) : [];
  const drawsOf = (name: string) => {
    const q = perOuter.find((x) => x.name === name);
    return q && Array.isArray(q.values) ? { name, ...(typeof q.form === 'string' ? { form: q.form } : {}), values: q.values as number[] } : undefined;
  };
  const parts: string[] = [];
  for (const e of list) {
    const side = e.tail === 'lower' ? 'below' : 'above';
    parts.push(`<div class="tailblock"><h3>${esc(e.output ?? '')} ${side} ${esc(fmt(e.limit))}</h3>`);
    parts.push(`<ul class="statements">${epistemicStatements(e).map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`);
    const P = (x: unknown) => formatProbability(typeof x === 'number' ? x : null);
    const q = (x: { estimate: number; lower: number | null; upper: number | null }) => `${P(x.estimate)} ${fmtInterval(x.lower, x.upper, P)}`;
    const rows: [string, string][] = [
      ['pooled', `${P(e.pooled.estimate)} ${fmtInterval(e.pooled.lower, e.pooled.upper, P)} (standard error ${P(e.pooled.standardError)}, ${e.design} design)`],
      [`band low (${Math.round(e.lower.p * 100)} % quantile)`, q(e.lower)],
      ['median', q(e.median)],
      [`band high (${Math.round(e.upper.p * 100)} % quantile)`, q(e.upper)],
      ['draws', `${e.outer} epistemic (outer) x ${e.inner} aleatory (inner): ${e.outer * e.inner} packs; intervals at ${Math.round(e.confidence * 100)} %`],
    ];
    parts.push(scrollBox(kvTable(rows)));
    if (e.measureFirst.length > 0) {
      const body = e.measureFirst
        .map((m) => `<tr><td>${esc(m.quantity)}</td><td>${Number.isFinite(m.firstOrder) ? percent(m.firstOrder) : '–'}</td><td>${fmt(m.rankCorrelation, 2)}</td></tr>`)
        .join('');
      parts.push(
        scrollBox(
          `<table class="grid"><thead><tr><th>epistemic quantity (measure first at the top)</th><th>share of the spread of P(failure)</th><th>rank correlation</th></tr></thead><tbody>${body}</tbody></table>`,
        ),
      );
    }
    parts.push(await charts(e, e.measureFirst[0] ? drawsOf(e.measureFirst[0].quantity) : undefined, render));
    for (const w of e.warnings ?? []) parts.push(note(String(w)));
    parts.push('</div>');
  }
  return parts.join('');
}
