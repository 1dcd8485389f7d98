/**
 * Cost of one SPMe cell step relative to one SPM cell step, both in the f64 TypeScript reference, one thread:
 * `npx tsx bench/spme-step.ts [rounds=5]`. Each case steps a Chen2020 cell through the first 1,000 s of a 1C discharge
 * (100 steps of 10 s), repeated; best of `rounds` interleaved rounds. The SPM figure is CellKernel.step (particles,
 * Heun temperature: three evaluations per step); the SPMe adds the electrolyte step and its terms in every evaluation.
 * A quick timing for the design of the port (docs/spme.md), not the WASM/GPU benchmark.
 */
import { CellKernel, newEvaluation } from '../src/model/cell.ts';
import { deriveCellParameters } from '../src/model/derive.ts';
import { deriveElectrolyteParameters, type ElectrolyteMesh, type TimeScheme } from '../src/model/electrolyte.ts';
import { newSpmeEvaluation, SpmeKernel } from '../src/model/spme.ts';
import { chen2020 } from '../src/params/index.ts';

const rounds = Number(process.argv[2] ?? 5);
const STEPS = 100;
const REPEATS = 200;
const p = deriveCellParameters(chen2020, 1);

function timeSpm(): number {
  const kernel = new CellKernel(chen2020);
  const state = kernel.initialState(p);
  const start = state.slice();
  const ev = newEvaluation();
  const t0 = performance.now();
  for (let r = 0; r < REPEATS; r++) {
    state.set(start);
    for (let k = 0; k < STEPS; k++) kernel.step(state, p, 5, 10, ev);
  }
  return (performance.now() - t0) / (REPEATS * STEPS);
}

function timeSpme(mesh: ElectrolyteMesh, scheme: TimeScheme): number {
  const kernel = new SpmeKernel(chen2020, { mesh, scheme });
  const e = deriveElectrolyteParameters(chen2020, mesh);
  const state = kernel.initialState(p);
  const start = state.slice();
  const ev = newSpmeEvaluation();
  const t0 = performance.now();
  for (let r = 0; r < REPEATS; r++) {
    state.set(start);
    for (let k = 0; k < STEPS; k++) kernel.step(state, p, e, 5, 10, ev);
  }
  return (performance.now() - t0) / (REPEATS * STEPS);
}

const cases: Array<{ label: string; run: () => number }> = [
  { label: 'SPM (10 modes)', run: timeSpm },
  ...([
    [8, 2, 8],
    [12, 2, 12],
    [16, 2, 16],
  ] as const).flatMap(([n, s, q]) =>
    (['ros2', 'euler'] as const).map((scheme) => ({
      label: `SPMe ${n}/${s}/${q} ${scheme}`,
      run: () => timeSpme({ negative: n, separator: s, positive: q }, scheme),
    })),
  ),
];
const best = new Map<string, number>();
for (let r = 0; r < rounds; r++) {
  for (const c of cases) best.set(c.label, Math.min(best.get(c.label) ?? Infinity, c.run()));
}
const spm = best.get('SPM (10 modes)')!;
console.log(`| model | us per cell-step | x SPM |`);
console.log(`|---|---|---|`);
for (const c of cases) console.log(`| ${c.label} | ${(best.get(c.label)! * 1000).toFixed(2)} | ${(best.get(c.label)! / spm).toFixed(2)} |`);
