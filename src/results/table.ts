/** The per-sample table of a study result and its two file forms (samples.csv, samples.arrow), without file access. */
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray, type Vector } from 'apache-arrow';
import type { StudyResult } from '../study/runner.ts';
import { STATUS_COLUMN, type SampleTable } from './format.ts';

/**
 * One row per sample: `sample`, the per-sample inputs, the study's output columns (result.outputNames), then `status`
 * (0 valid, 1 invalid, as the readers of samples.csv give it) with each invalid pack's reason aside: the columns
 * `cellspread run` streams to samples.csv and samples.arrow.
 */
export function studyResultTable(result: StudyResult): SampleTable {
  const n = result.counts.samples;
  const columns = ['sample', ...result.inputNames, ...result.outputNames, STATUS_COLUMN];
  const W = result.outputNames.length;
  const data: Float64Array[] = [Float64Array.from({ length: n }, (_, i) => result.range.start + i)];
  const ni = result.inputNames.length;
  for (let k = 0; k < ni; k++) data.push(Float64Array.from({ length: n }, (_, s) => result.inputs[s * ni + k]));
  for (let k = 0; k < W; k++) data.push(Float64Array.from({ length: n }, (_, s) => result.outputs[s * W + k]));
  const reasons = Array.from({ length: n }, () => '');
  const status = new Float64Array(n);
  for (const p of result.invalid) {
    const s = p.sample - result.range.start;
    if (s >= 0 && s < n) {
      status[s] = 1;
      reasons[s] = p.reason;
    }
  }
  data.push(status);
  return { columns, data, reasons };
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

export function csvNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const statusText = (code: number): string => (code === 1 ? 'invalid' : code === 0 ? 'valid' : '');

/**
 * samples.csv: a header line, then the numbers in shortest round-trip form (NaN and infinities spelt out); a `status`
 * column as text (valid, invalid) and, when the table holds reasons, a `reason` column after the others.
 */
export function sampleTableCsv(table: SampleTable): string {
  const reasons = table.reasons;
  const lines = [[...table.columns, ...(reasons ? ['reason'] : [])].map(csvField).join(',')];
  const n = table.data[0]?.length ?? 0;
  const status = table.columns.indexOf(STATUS_COLUMN);
  for (let r = 0; r < n; r++) {
    const row = table.data.map((col, k) => (k === status ? statusText(col[r]) : csvNumber(col[r])));
    if (reasons) row.push(csvField(reasons[r]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** samples.arrow: an Arrow IPC file of Float64 columns (`sample` Int32; `status` and `reason` Utf8), as samples.csv's. */
export function sampleTableArrow(table: SampleTable): Uint8Array {
  const vectors: Record<string, Vector> = {};
  table.columns.forEach((name, i) => {
    const col = table.data[i];
    vectors[name] =
      name === 'sample' ? makeVector(Int32Array.from(col)) : name === STATUS_COLUMN ? vectorFromArray(Array.from(col, statusText), new Utf8()) : makeVector(col);
  });
  if (table.reasons) vectors.reason = vectorFromArray(table.reasons, new Utf8());
  return tableToIPC(new Table(vectors), 'file');
}
