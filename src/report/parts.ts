/** Pieces every report section uses: tolerant readers of summary fields, the sample table by column, charts. */
import { STATUS_COLUMN } from './read.ts';
import { sampleCorrelation } from 'simple-statistics';
import type { SampleTable } from '../results/format.ts';
import { renderVegaLite } from './charts.ts';
import { escapeHtml as esc, note } from './html.ts';

export type Dict = Record<string, unknown>;
export const isObj = (x: unknown): x is Dict => typeof x === 'object' && x !== null && !Array.isArray(x);
export const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
export const str = (x: unknown, fallback = ''): string => (typeof x === 'string' ? x : x === undefined || x === null ? fallback : String(x));
export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * A chart, or a note saying why it could not be drawn (never a crash of the whole report). The spec's title becomes
 * an HTML heading (it wraps on a narrow screen; a long SVG title would widen the drawing and shrink its text).
 * `kind` picks how it sizes: 'chart' scales with its column (never below a readable size; it scrolls inside its box
 * instead), 'map' keeps its drawn size and scrolls inside its box.
 */
export async function chart(spec: Dict, caption?: string, kind: 'chart' | 'map' = 'chart'): Promise<string> {
  const { title, ...rest } = spec;
  try {
    const svg = await renderVegaLite(rest);
    const heading = typeof title === 'string' && title ? `<div class="title">${esc(title)}</div>` : '';
    return `<figure class="${kind}">${heading}<div class="plot">${svg}</div>${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
  } catch (e) {
    return note(`chart could not be drawn: ${errText(e)}`);
  }
}

/** The per-sample table by column name (first occurrence wins). */
/** The sample table's columns; rows of invalid packs (status 1) read as NaN, so no chart shows them. */
export class Columns {
  private readonly index = new Map<string, number>();
  constructor(readonly table: SampleTable) {
    const cols = Array.isArray(table?.columns) ? table.columns : [];
    cols.forEach((c, i) => {
      if (!this.index.has(c) && table.data?.[i]) this.index.set(c, i);
    });
    const status = this.get(STATUS_COLUMN);
    if (status && status.some((v) => v === 1)) {
      const data = this.table.data.map((col, i) => (cols[i] === 'sample' || cols[i] === STATUS_COLUMN ? col : col.map((v, r) => (status[r] === 1 ? NaN : v))));
      this.table = { columns: cols, data };
    }
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

export function finiteValues(col: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i])) out.push(col[i]);
  return out;
}

/** Pearson r over the pairs where both are finite; NaN with fewer than 3 pairs or no spread. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
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

/** A table that scrolls sideways inside its own box on narrow screens (the page never does). */
export function scrollBox(html: string): string {
  return `<div class="scroll">${html}</div>`;
}
