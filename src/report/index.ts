// HTML report of a results folder: renderReport (pure, src/report/core.ts), readResultsFolder and writeReport (Node,
// src/report/folder.ts). See docs/report.md.
export * from './core.ts';
export { readResultsFolder, writeReport } from './folder.ts';
