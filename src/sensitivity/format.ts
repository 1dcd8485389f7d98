import type { SobolResult } from './sobol-indices.ts';
import type { ShapleyResult } from './shapley.ts';

function table(headers: string[], names: string[], columns: number[][]): string {
  const w = Math.max(...names.map((n) => n.length));
  const cells = columns.map((c) => c.map((v) => (Number.isFinite(v) ? v.toFixed(6) : String(v))));
  const widths = headers.map((h, j) => Math.max(h.length, ...cells[j].map((s) => s.length)));
  const lines = [' '.repeat(w) + headers.map((h, j) => '  ' + h.padStart(widths[j])).join('')];
  names.forEach((n, i) => lines.push(n.padEnd(w) + cells.map((c, j) => '  ' + c[i].padStart(widths[j])).join('')));
  return lines.join('\n');
}

/** SALib-style text tables (ST / ST_conf, S1 / S1_conf, then S2 / S2_conf by pair; conf = half-width at the result's level). */
export function formatSobolResult(r: SobolResult): string {
  const parts = [table(['ST', 'ST_conf'], r.names, [r.total, r.totalConf]), table(['S1', 'S1_conf'], r.names, [r.first, r.firstConf])];
  if (r.second) {
    const pairs: string[] = [];
    const values: number[] = [];
    const conf: number[] = [];
    r.names.forEach((a, g) =>
      r.names.forEach((b, h) => {
        if (h <= g) return;
        pairs.push(`(${a}, ${b})`);
        values.push(r.second!.indices[g][h]);
        conf.push(r.second!.conf[g][h]);
      }),
    );
    parts.push(table(['S2', 'S2_conf'], pairs, [values, conf]));
  }
  return parts.join('\n');
}

/** Text table of Shapley effects with standard errors. */
export function formatShapleyResult(r: ShapleyResult): string {
  return table(['Shapley', 'SE'], r.names, [r.effects, r.standardErrors]);
}
