/** Read a results folder (src/results/format.ts): summary.json and the per-sample table (Arrow, else CSV). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { CellspreadInputError } from '../errors.ts';
import type { RunSummary, SampleTable } from '../results/format.ts';

export const SUMMARY_FILE = 'summary.json';
export const ARROW_FILE = 'samples.arrow';
export const CSV_FILE = 'samples.csv';
export const REPORT_FILE = 'report.html';

function fail(dir: string, rule: string, hint?: string): never {
  throw new CellspreadInputError('results folder', rule, dir, hint);
}

/** Read `<dir>/summary.json` and `<dir>/samples.arrow` (falling back to `<dir>/samples.csv`). */
export function readResultsFolder(dir: string): { summary: RunSummary; table: SampleTable } {
  if (typeof dir !== 'string' || dir.trim() === '') fail(String(dir), 'must be a folder path');
  const abs = resolve(dir);
  if (!existsSync(abs)) fail(dir, 'does not exist', 'give the folder a study run wrote, e.g. results/<study>/');
  if (!statSync(abs).isDirectory()) fail(dir, 'is not a folder', 'give the folder that holds summary.json, not a file in it');
  const summaryPath = join(abs, SUMMARY_FILE);
  if (!existsSync(summaryPath)) fail(dir, `has no ${SUMMARY_FILE}`, 'the run may not have finished; summary.json is written last');
  let summary: RunSummary;
  try {
    summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RunSummary;
  } catch (e) {
    fail(dir, `has an unreadable ${SUMMARY_FILE}`, (e as Error).message);
  }
  checkSummary(dir, summary);
  const arrowPath = join(abs, ARROW_FILE);
  const csvPath = join(abs, CSV_FILE);
  let table: SampleTable;
  if (existsSync(arrowPath)) {
    try {
      table = readArrowTable(readFileSync(arrowPath));
    } catch (e) {
      if (!existsSync(csvPath)) fail(dir, `has an unreadable ${ARROW_FILE}`, (e as Error).message);
      table = readCsvFile(dir, csvPath);
    }
  } else if (existsSync(csvPath)) {
    table = readCsvFile(dir, csvPath);
  } else {
    fail(dir, `has neither ${ARROW_FILE} nor ${CSV_FILE}`, 'the per-sample table is needed for the histograms and tail plots');
  }
  return { summary, table };
}

function checkSummary(dir: string, s: unknown): asserts s is RunSummary {
  const o = s as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) fail(dir, `has a ${SUMMARY_FILE} that is not an object`);
  const missing = ['name', 'outputs'].filter((k) => !(k in o));
  if (missing.length > 0) fail(dir, `has a ${SUMMARY_FILE} without ${missing.join(', ')}`, 'not a cellspread results summary?');
  if (!Array.isArray(o.outputs)) fail(dir, `has a ${SUMMARY_FILE} whose outputs is not a list`);
}

function readCsvFile(dir: string, path: string): SampleTable {
  try {
    return parseSampleCsv(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(dir, `has an unreadable ${CSV_FILE}`, (e as Error).message);
  }
}

/**
 * The `status` column of a sample table ("valid" / "invalid") as numbers: 0 valid, 1 invalid; the `reason` text
 * column is not numeric and is left out of the table.
 */
export const STATUS_COLUMN = 'status';
const TEXT_COLUMNS = new Set(['reason']);
function statusCode(v: unknown): number {
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

function splitCsvLine(line: string): string[] {
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
