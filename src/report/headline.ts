/**
 * The report's first section: the headline of summary.json (the strings `cellspread run` prints), as one card per
 * design limit (statement, verdict, how it was estimated, what drives the output) plus the drivers of sensitivity
 * outputs that have no limit. Results written before the headline existed get it rebuilt from their tail and
 * sensitivity entries by the same function.
 */
import type { Headline, HeadlineDrivers, HeadlineLimit, RunSummary, SensitivitySummary } from '../results/format.ts';
import { bandText, buildHeadline, driversTitle, formatShare, formatShareRange } from '../study/headline.ts';
import type { TailSummary } from '../tail/index.ts';
import { escapeHtml as esc, note } from './html.ts';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function isHeadline(h: unknown): h is Headline {
  return isObj(h) && Array.isArray(h.limits) && Array.isArray(h.drivers) && h.limits.every((l) => isObj(l) && typeof l.statement === 'string' && typeof l.title === 'string');
}

/** summary.headline, or (older results) the headline rebuilt from the summary's tail, sensitivity and spec. */
export function headlineOf(summary: RunSummary, tails: TailSummary[], sens: SensitivitySummary[], units: Record<string, string>): { headline: Headline; rebuilt: boolean } {
  if (isHeadline(summary.headline)) return { headline: summary.headline, rebuilt: false };
  const spec = isObj(summary.spec) ? summary.spec : {};
  const analysis = isObj(spec.analysis) ? spec.analysis : {};
  const limits = Array.isArray(analysis.tail) ? (analysis.tail as { output: string; limit: number; target?: number }[]) : undefined;
  return { headline: buildHeadline({ tail: tails, sensitivity: sens, units, limits }), rebuilt: true };
}

const VERDICT_LABEL: Record<HeadlineLimit['verdict'], string> = {
  meets: 'meets target',
  misses: 'misses target',
  undecided: 'not decided',
  'no-target': 'no target',
};

function driversHtml(d: HeadlineDrivers): string {
  const items =
    d.top.length === 0
      ? `<p>${esc(d.text)}</p>`
      : `<ol class="drivers">${d.top
          .map((f) => `<li><span class="factor">${esc(f.factor)}</span> <span class="num">${esc(formatShare(f.share))} %</span> <span class="ci">(${esc(formatShareRange(f.lower, f.upper))})</span></li>`)
          .join('')}</ol>`;
  return `<div class="driverbox"><p class="label">${esc(driversTitle(d))}</p>${items}</div>`;
}

/** The statement with its interval on a line of its own (the text is unchanged: "P of packs (1 in N); interval"). */
function statementHtml(statement: string): string {
  const cut = statement.indexOf('; ');
  if (cut < 0) return esc(statement);
  return `<span class="p">${esc(statement.slice(0, cut + 1))}</span> <span class="iv">${esc(statement.slice(cut + 2))}</span>`;
}

function limitCard(l: HeadlineLimit, drivers: HeadlineDrivers | undefined): string {
  const bands = (l.bands ?? []).map((b) => `<p class="band">${esc(bandText(b))}</p>`).join('');
  return `<article class="limit ${esc(l.verdict)}">
<h3>${esc(l.title)} <span class="verdict">${esc(VERDICT_LABEL[l.verdict] ?? l.verdict)}</span></h3>
<p class="statement">${statementHtml(l.statement)}</p>${bands}
<p class="verdict-text">${esc(l.verdictText)}</p>
<p class="how">${esc(l.how)}</p>
${drivers ? driversHtml(drivers) : ''}</article>`;
}

/** The headline section's HTML. */
export function headlineSection(h: Headline, context: { packs: string; rebuilt: boolean }): string {
  const parts: string[] = [];
  if (h.limits.length === 0) {
    parts.push(note('No design limits in this study: there is no probability to quote. Give one per output in analysis.tail, e.g. { output: maxTemperatureK, limit: 318, tail: upper, target: 1.0e-3 }.'));
  } else {
    parts.push(
      `<p class="lede">${esc(context.packs)}. Per design limit: how likely a pack is to pass it, how sure we are, and what drives it.</p>`,
    );
  }
  const shown = new Set<string>();
  const cards = h.limits.map((l) => {
    const d = h.drivers.find((x) => x.output === l.output);
    if (d) shown.add(d.output);
    return limitCard(l, d);
  });
  if (cards.length) parts.push(`<div class="cards">${cards.join('')}</div>`);
  const rest = h.drivers.filter((d) => !shown.has(d.output));
  if (rest.length) parts.push(`<div class="cards">${rest.map((d) => `<article class="limit">${driversHtml(d)}</article>`).join('')}</div>`);
  if (h.drivers.length) {
    parts.push(
      '<p class="fine">Drivers are ranked by total Sobol index (or Shapley effect): the share of the output\'s variance a factor accounts for, its interactions included, so shares can add up to more than 100 %. They rank what spreads the whole output, not the rare tail alone: the Dominant factor plots mark the packs beyond each limit.</p>',
    );
  }
  if (context.rebuilt) parts.push(note('These results have no stored headline (written by an older cellspread): it is rebuilt here from the tail and sensitivity entries.'));
  return parts.join('\n');
}
