import { cellParameters } from '../model/layout.ts';
import type { StudySpec } from '../spec/schema.ts';
import { compileStudy } from './design.ts';
import { sampleChunk, type SampleChunk } from './sample.ts';

export interface SampleTable {
  columns: string[];
  /** Units of the columns ('' for indices). */
  units: string[];
  /** One row per (sample, cell). */
  rows: number[][];
}

/**
 * Per-cell table of samples start .. start+count-1: indices (sample, module, group, position, cell), the initial SOC,
 * every kernel parameter, every varied quantity's physical value (columns `varied.<quantity>`), and the interconnect resistance after the cell's
 * series group. For `cellspread sample study.yaml --out params.csv`.
 */
export function sampleTable(spec: StudySpec, start: number, count: number, chunk: SampleChunk = sampleChunk(spec, start, count)): SampleTable {
  const c = compileStudy(spec);
  const { cellsPerPack, groupsPerPack } = chunk;
  const parallel = spec.pack.parallel;
  const q = chunk.cellQuantities;
  const parameters = cellParameters(spec.simulation.model);
  const columns = [
    'sample',
    'module',
    'group',
    'position',
    'cell',
    'initialSoc',
    ...parameters.map((p) => p.name),
    ...q.names.map((n) => `varied.${n}`),
    'interconnectResistance',
  ];
  const units = ['', '', '', '', '', '-', ...parameters.map((p) => p.unit), ...q.units, 'Ohm'];
  const rows: number[][] = [];
  for (let s = 0; s < chunk.count; s++) {
    for (let cell = 0; cell < cellsPerPack; cell++) {
      const g = c.groupOfCell[cell];
      const row = [chunk.start + s, c.moduleOfCell[cell], g, cell % parallel, cell, chunk.initialSoc[s * cellsPerPack + cell]];
      for (let p = 0; p < parameters.length; p++) row.push(chunk.kernelParameters[(p * chunk.count + s) * cellsPerPack + cell]);
      for (let k = 0; k < q.names.length; k++) row.push(q.values[(k * chunk.count + s) * cellsPerPack + cell]);
      row.push(chunk.interconnectResistance[s * groupsPerPack + g]);
      rows.push(row);
    }
  }
  return { columns, units, rows };
}

/** The table as CSV text (header line included when `header`), numbers in shortest round-trip form. */
export function sampleCsv(spec: StudySpec, start: number, count: number, header = start === 0): string {
  const t = sampleTable(spec, start, count);
  const lines = header ? [t.columns.join(',')] : [];
  for (const r of t.rows) lines.push(r.map((x) => String(x)).join(','));
  return lines.join('\n') + '\n';
}
