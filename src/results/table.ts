/** The per-sample table of a study result and its two file forms (samples.csv, samples.arrow), without file access. */
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { StudyResult } from '../study/runner.ts';
import type { SampleTable } from './format.ts';

/** One row per sample: `sample`, the per-sample inputs, then the study's output columns (result.outputNames). */
export function studyResultTable(result: StudyResult): SampleTable {
  const n = result.counts.samples;
  const columns = ['sample', ...result.inputNames, ...result.outputNames];
  const W = result.outputNames.length;
  const data: Float64Array[] = [Float64Array.from({ length: n }, (_, i) => result.range.start + i)];
  const ni = result.inputNames.length;
  for (let k = 0; k < ni; k++) data.push(Float64Array.from({ length: n }, (_, s) => result.inputs[s * ni + k]));
  for (let k = 0; k < W; k++) data.push(Float64Array.from({ length: n }, (_, s) => result.outputs[s * W + k]));
  return { columns, data };
}

/** A lifetime study's per-cycle outputs as CSV: one row per sample and cycle (`sample`, `cycle`, the cycle outputs). */
export function cycleTableCsv(result: StudyResult): string {
  const l = result.lifetime;
  if (!l) return '';
  const lines = [['sample', 'cycle', ...l.names].join(',')];
  const n = l.cycleOutputs.length / (l.cycles * l.width);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < l.cycles; i++) {
      const at = (s * l.cycles + i) * l.width;
      lines.push([result.range.start + s, i + 1, ...Array.from(l.cycleOutputs.subarray(at, at + l.width), csvNumber)].join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

function csvNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
}

/** samples.csv: a header line, then the numbers in shortest round-trip form (NaN and infinities spelt out). */
export function sampleTableCsv(table: SampleTable): string {
  const lines = [table.columns.map(csvField).join(',')];
  const n = table.data[0]?.length ?? 0;
  for (let r = 0; r < n; r++) lines.push(table.data.map((col) => csvNumber(col[r])).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** samples.arrow: an Arrow IPC file of Float64 columns (`sample` Int32). */
export function sampleTableArrow(table: SampleTable): Uint8Array {
  const cols: Record<string, Float64Array | Int32Array> = {};
  table.columns.forEach((name, i) => (cols[name] = name === 'sample' ? Int32Array.from(table.data[i]) : table.data[i]));
  return tableToIPC(tableFromArrays(cols), 'file');
}

