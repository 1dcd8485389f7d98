// HTML report of a results folder: renderReport (pure), readResultsFolder, writeReport. See docs/report.md.
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { readResultsFolder, REPORT_FILE } from './read.ts';
import { renderReport } from './render.ts';

export { renderReport, columnForFactor, dominantFactor, tailChartData } from './render.ts';
export { readResultsFolder, parseSampleCsv, readArrowTable, REPORT_FILE } from './read.ts';
export { escapeHtml } from './html.ts';
export { renderVegaLite, histogramBins } from './charts.ts';

/**
 * Read `<dir>` (summary.json + samples.arrow or samples.csv), render the report and write it atomically to
 * `<dir>/report.html` (or `out`). Returns the path written.
 */
export async function writeReport(dir: string, out?: string): Promise<string> {
  const { summary, table } = readResultsFolder(dir);
  const html = await renderReport(summary, table);
  const path = resolve(out ?? join(dir, REPORT_FILE));
  writeFileAtomic(path, html);
  return path;
}
