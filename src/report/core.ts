// The report without file access (browsers and Node): renderReport and the readers of a results folder's files as data.
export { renderReport, columnForFactor, dominantFactor, tailChartData } from './render.ts';
export { parseSampleCsv, readArrowTable, REPORT_FILE, SUMMARY_FILE, ARROW_FILE, CSV_FILE } from './read.ts';
export { escapeHtml } from './html.ts';
export { renderVegaLite, histogramBins } from './charts.ts';
