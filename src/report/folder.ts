/** A results folder on disk (Node): read it for the report, write report.html next to it. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CellspreadInputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { RunSummary, SampleTable } from '../results/format.ts';
import { ARROW_FILE, CSV_FILE, parseSampleCsv, readArrowTable, REPORT_FILE, SUMMARY_FILE } from './read.ts';
import { renderReport } from './render.ts';
import { SpilledTable } from './spill.ts';

function fail(dir: string, rule: string, hint?: string): never {
  throw new CellspreadInputError('results folder', rule, dir, hint);
}

/** Read `<dir>/summary.json` and `<dir>/samples.arrow` (falling back to `<dir>/samples.csv`). */
export function readResultsFolder(dir: string): { summary: RunSummary; table: SampleTable } {
  const { abs, summary } = readSummary(dir);
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
    noTable(dir);
  }
  return { summary, table };
}

/** A sample table file at least this large is read column by column through scratch files (src/report/spill.ts). */
export const SPILL_ABOVE_BYTES = 64 * 2 ** 20;

/**
 * readResultsFolder for the report: a sample table file of at least `spillAboveBytes` is not read whole but spilled
 * column by column (bounded memory: a 2,000,000-sample folder's table is hundreds of MB); dispose() removes the scratch
 * files.
 */
export async function openResultsFolder(dir: string, spillAboveBytes = SPILL_ABOVE_BYTES): Promise<{ summary: RunSummary; table: SampleTable | SpilledTable }> {
  const { abs, summary } = readSummary(dir);
  const arrowPath = join(abs, ARROW_FILE);
  const csvPath = join(abs, CSV_FILE);
  const path = existsSync(arrowPath) ? arrowPath : csvPath;
  if (!existsSync(path) || statSync(path).size < spillAboveBytes) return readResultsFolder(dir);
  if (path === arrowPath) {
    try {
      return { summary, table: await SpilledTable.fromArrow(arrowPath) };
    } catch (e) {
      if (!existsSync(csvPath)) fail(dir, `has an unreadable ${ARROW_FILE}`, (e as Error).message);
    }
  }
  try {
    return { summary, table: await SpilledTable.fromCsv(csvPath) };
  } catch (e) {
    fail(dir, `has an unreadable ${CSV_FILE}`, (e as Error).message);
  }
}

function noTable(dir: string): never {
  fail(dir, `has neither ${ARROW_FILE} nor ${CSV_FILE}`, 'the per-sample table is needed for the histograms and tail plots');
}

function readSummary(dir: string): { abs: string; summary: RunSummary } {
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
  return { abs, summary };
}

function readCsvFile(dir: string, path: string): SampleTable {
  try {
    return parseSampleCsv(readFileSync(path, 'utf8'));
  } catch (e) {
    fail(dir, `has an unreadable ${CSV_FILE}`, (e as Error).message);
  }
}

function checkSummary(dir: string, s: unknown): asserts s is RunSummary {
  const o = s as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) fail(dir, `has a ${SUMMARY_FILE} that is not an object`);
  const missing = ['name', 'outputs'].filter((k) => !(k in o));
  if (missing.length > 0) fail(dir, `has a ${SUMMARY_FILE} without ${missing.join(', ')}`, 'not a cellspread results summary?');
  if (!Array.isArray(o.outputs)) fail(dir, `has a ${SUMMARY_FILE} whose outputs is not a list`);
}

/**
 * Read `<dir>` (summary.json + samples.arrow or samples.csv; a large table column by column, openResultsFolder), render
 * the report and write it atomically to `<dir>/report.html` (or `out`). Returns the path written.
 */
export async function writeReport(dir: string, out?: string, options: { spillAboveBytes?: number } = {}): Promise<string> {
  const { summary, table } = await openResultsFolder(dir, options.spillAboveBytes);
  let html: string;
  try {
    html = await renderReport(summary, table);
  } finally {
    if (table instanceof SpilledTable) table.dispose();
  }
  const path = resolve(out ?? join(dir, REPORT_FILE));
  writeFileAtomic(path, html);
  return path;
}
