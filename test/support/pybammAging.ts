/**
 * The PyBaMM SPM + SEI reference (OKane2022, 50 cycles, ../shared/reference/pybamm) as committed fixtures:
 * test/fixtures/pybamm-aging, written by scripts/extract-pybamm-aging.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type PybammSeiCase = 'solvent-diffusion limited' | 'reaction limited';

const FILE_PART: Record<PybammSeiCase, string> = {
  'solvent-diffusion limited': 'sei_solvent_diffusion',
  'reaction limited': 'sei_reaction_limited',
};

function readCsv(name: string): Record<string, number[]> {
  const path = fileURLToPath(new URL(`../fixtures/pybamm-aging/${name}`, import.meta.url));
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  const header = lines[0].split(',');
  const out: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, [] as number[]]));
  for (const line of lines.slice(1)) line.split(',').forEach((v, i) => out[header[i]].push(Number(v)));
  return out;
}

/** One row per cycle: discharge_capacity_Ah, lli_percent, sei_thickness_m, ... (columns of the reference README). */
export function pybammCycles(sei: PybammSeiCase): Record<string, number[]> {
  return readCsv(`aging_spm_okane2022_${FILE_PART[sei]}_50cyc_cycles.csv`);
}

/** Discharge (step 1) of cycles 1 and 50: cycle, time_s (since the experiment started), voltage_V, temperature_K, ... */
export function pybammDischargeTraces(sei: PybammSeiCase): Record<string, number[]> {
  return readCsv(`aging_${FILE_PART[sei]}_discharge_cycles_1_50.csv`);
}

/** Linear interpolation of (xs, ys) at x (xs increasing). */
export function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[hi]) return ys[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return ys[lo] + ((x - xs[lo]) / (xs[hi] - xs[lo])) * (ys[hi] - ys[lo]);
}
