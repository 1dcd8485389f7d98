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

/**
 * A per-sample table read column by column (src/report/spill.ts: a large results folder, spilled to scratch files):
 * its numeric column names in table order, its row count, and a fresh copy of one column.
 */
export interface ColumnSource {
  readonly names: readonly string[];
  readonly rows: number;
  column(name: string): Float64Array;
}

function isSource(t: SampleTable | ColumnSource): t is ColumnSource {
  return typeof (t as ColumnSource).column === 'function';
}

/** Columns of a ColumnSource kept at once (the report's sections use one or two at a time). */
const KEPT_COLUMNS = 2;

/**
 * The sample table's columns by name (first occurrence wins); rows of invalid packs (status 1) read as NaN, so no chart
 * shows them. From a table in memory, or from a ColumnSource, whose columns are read on demand and only the last few
 * kept (bounded memory for a large folder).
 */
export class Columns {
  private readonly index = new Map<string, number>();
  private readonly source?: ColumnSource;
  private readonly kept = new Map<string, Float64Array>();
  private invalidRows?: Uint8Array;
  private readonly rowCount: number;
  constructor(readonly table: SampleTable | ColumnSource) {
    if (isSource(table)) {
      this.source = table;
      table.names.forEach((c, i) => {
        if (!this.index.has(c)) this.index.set(c, i);
      });
      this.rowCount = table.rows;
      const status = this.index.has(STATUS_COLUMN) ? table.column(STATUS_COLUMN) : undefined;
      if (status && status.some((v) => v === 1)) this.invalidRows = Uint8Array.from(status, (v) => (v === 1 ? 1 : 0));
      return;
    }
    const cols = Array.isArray(table?.columns) ? table.columns : [];
    cols.forEach((c, i) => {
      if (!this.index.has(c) && table.data?.[i]) this.index.set(c, i);
    });
    this.rowCount = table.data?.[0]?.length ?? 0;
    const status = this.get(STATUS_COLUMN);
    if (status && status.some((v) => v === 1)) {
      const data = table.data.map((col, i) => (cols[i] === 'sample' || cols[i] === STATUS_COLUMN ? col : col.map((v, r) => (status[r] === 1 ? NaN : v))));
      this.table = { columns: cols, data };
    }
  }
  get names(): string[] {
    return [...this.index.keys()];
  }
  get(name: string): Float64Array | undefined {
    const i = this.index.get(name);
    if (i === undefined) return undefined;
    if (!this.source) return (this.table as SampleTable).data[i];
    let col = this.kept.get(name);
    if (!col) {
      col = this.source.column(name);
      const invalid = this.invalidRows;
      if (invalid && name !== 'sample' && name !== STATUS_COLUMN) for (let r = 0; r < col.length; r++) if (invalid[r] === 1) col[r] = NaN;
      if (this.kept.size >= KEPT_COLUMNS) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(name, col);
    }
    return col;
  }
  get rows(): number {
    return this.rowCount;
  }
}

export function finiteValues(col: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i])) n++;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; i < col.length; i++) if (Number.isFinite(col[i])) out[j++] = col[i];
  return out;
}

/** Pearson r over the pairs where both are finite; NaN with fewer than 3 pairs or no spread. */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const m = Math.min(x.length, y.length);
  const both = (i: number) => Number.isFinite(x[i]) && Number.isFinite(y[i]);
  let n = 0;
  for (let i = 0; i < m; i++) if (both(i)) n++;
  if (n < 3) return NaN;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0, j = 0; i < m; i++) {
    if (both(i)) {
      a[j] = x[i];
      b[j++] = y[i];
    }
  }
  const r = sampleCorrelation(a as unknown as number[], b as unknown as number[]);
  return Number.isFinite(r) ? r : NaN;
}

/** A table that scrolls sideways inside its own box on narrow screens (the page never does). */
export function scrollBox(html: string): string {
  return `<div class="scroll">${html}</div>`;
}
