/**
 * The files of a results folder (src/results/format.ts) as data: their names and the per-sample table from
 * Arrow or CSV bytes. No file access here (that is src/report/folder.ts, Node only), so a browser can read them too.
 */
import { tableFromIPC } from 'apache-arrow';
import { STATUS_COLUMN, type SampleTable } from '../results/format.ts';

export const SUMMARY_FILE = 'summary.json';
export const ARROW_FILE = 'samples.arrow';
export const CSV_FILE = 'samples.csv';
export const REPORT_FILE = 'report.html';

/**
 * The `status` column of a sample table ("valid" / "invalid") as numbers: 0 valid, 1 invalid; the `reason` text
 * column is not numeric and is left out of the table.
 */
export { STATUS_COLUMN };
const TEXT_COLUMNS = new Set(['reason']);
export function isTextColumn(name: string): boolean {
  return TEXT_COLUMNS.has(name);
}
export function statusCode(v: unknown): number {
  return v === 'invalid' ? 1 : v === 'valid' ? 0 : NaN;
}

/** Arrow IPC (file or stream) to columns; nulls become NaN. */
export function readArrowTable(bytes: Uint8Array): SampleTable {
  const t = tableFromIPC(bytes);
  const columns: string[] = [];
  const data: Float64Array[] = [];
  const n = t.numRows;
  t.schema.fields.forEach((f, i) => {
    if (TEXT_COLUMNS.has(f.name)) return;
    const col = t.getChildAt(i);
    const out = new Float64Array(n);
    if (col) {
      for (let r = 0; r < n; r++) {
        const v = col.get(r) as unknown;
        out[r] = f.name === STATUS_COLUMN ? statusCode(v) : v === null || v === undefined ? NaN : Number(v);
      }
    }
    columns.push(f.name);
    data.push(out);
  });
  return { columns, data };
}

export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** samples.csv: a header line, then numbers (empty, NaN or unparsable cells become NaN). */
export function parseSampleCsv(text: string): SampleTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('empty file (no header line)');
  const header = splitCsvLine(lines[0]).map((c) => c.trim());
  const keep = header.map((c, i) => ({ c, i })).filter(({ c }) => !TEXT_COLUMNS.has(c));
  const rows = lines.length - 1;
  const data = keep.map(() => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    const cells = splitCsvLine(lines[r + 1]);
    if (cells.length !== header.length) throw new Error(`line ${r + 2} has ${cells.length} fields, the header ${header.length}`);
    keep.forEach(({ c, i }, k) => {
      const s = cells[i].trim();
      data[k][r] = c === STATUS_COLUMN ? statusCode(s) : s === '' ? NaN : Number(s);
    });
  }
  return { columns: keep.map(({ c }) => c), data };
}
