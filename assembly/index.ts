// cellspread WebAssembly kernels: entry points used by src/backends/wasm (raw bindings, no loader).
// Memory protocol: the host calls resetHeap(), allocates its buffers with alloc(), writes them, calls configure()
// (generated: assembly/configure.generated.ts; it allocates the simulators' own buffers), then runPacks() for a range
// of packs of the job in memory.
import { PACK_OUTPUT_COUNT } from './layout.generated';
import { parameterCount, stateLength } from './kernel.generated';
import { runPair, sim, sim2 } from './pack';
import { ld, st } from './simd-math';
import {
  finish2, prepare2, r0Heat, r0Irreversible, r0Margin, r0OhmicElectrolyte, r0OhmicSolid, r0Reversible, r0Slope, r0Voltage, r0VoltageStart, r1Heat, r1Irreversible,
  r1Margin, r1OhmicElectrolyte, r1OhmicSolid, r1Reversible, r1Slope, r1Voltage, r1VoltageStart,
} from './step';

export { PACK_OUTPUT_COUNT, CELL_PARAMETER_COUNT, SEGMENT_FIELD_COUNT } from './layout.generated';
export { configure } from './configure.generated';

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function resetHeap(): void {
  heap.reset();
}

/** Address of pack i's states in a job's states array (0: none). */
function packState(states: usize, i: i32, packBytes: usize): usize {
  return states == 0 ? 0 : states + <usize>i * packBytes;
}

/** Cell step evaluations of the last runPacks call (Newton trials and cut-off location included). */
export let lastCellEvaluations: f64 = 0;
/** Group Newton updates evaluated with the thermal part linearised in the last runPacks call. */
export let lastCellCorrections: f64 = 0;

/**
 * Simulate packs [first, last) of a job of `count` packs whose parameters (SoA, src/backends/types.ts) and interconnect
 * resistances are at the given addresses; outputs row-major at `outputs` (row 0 = pack `first`). With `states` (not 0:
 * count x cells x stateLength f64, reference layout) the end states are written there, and with `statesIn` the packs
 * start from the states found there. Returns cell-steps.
 */
export function runPacks(jobParams: usize, jobInterconnect: usize, count: i32, first: i32, last: i32, outputs: usize, states: usize, statesIn: bool): f64 {
  const s = sim!;
  const s2 = sim2!;
  const packBytes = <usize>(s.n * s.L) << 3;
  const statesFrom = statesIn ? states : 0;
  let cellSteps: f64 = 0;
  let evaluations: f64 = 0;
  let corrections: f64 = 0;
  let i = first;
  if (s.n == 1) {
    // Single-cell packs: two at a time, one per SIMD lane.
    for (; i + 1 < last; i += 2) {
      s.load(jobParams, jobInterconnect, count, i, packState(statesFrom, i, packBytes));
      s2.load(jobParams, jobInterconnect, count, i + 1, packState(statesFrom, i + 1, packBytes));
      runPair(s, s2);
      s.writeOutputs(outputs + ((<usize>(i - first) * PACK_OUTPUT_COUNT) << 3));
      s2.writeOutputs(outputs + ((<usize>(i + 1 - first) * PACK_OUTPUT_COUNT) << 3));
      if (states != 0) {
        s.writeStates(packState(states, i, packBytes));
        s2.writeStates(packState(states, i + 1, packBytes));
      }
      cellSteps += s.cellSteps + s2.cellSteps;
      evaluations += s.cellEvaluations + s2.cellEvaluations;
      corrections += s.cellCorrections + s2.cellCorrections;
    }
  }
  for (; i < last; i++) {
    s.load(jobParams, jobInterconnect, count, i, packState(statesFrom, i, packBytes));
    s.runFrom(0, 0);
    s.writeOutputs(outputs + ((<usize>(i - first) * PACK_OUTPUT_COUNT) << 3));
    if (states != 0) s.writeStates(packState(states, i, packBytes));
    cellSteps += s.cellSteps;
    evaluations += s.cellEvaluations;
    corrections += s.cellCorrections;
  }
  lastCellEvaluations = evaluations;
  lastCellCorrections = corrections;
  return cellSteps;
}

/**
 * Kernel conformance (test/kernels/conformance.test.ts): one step of each of `count` cells with slopes, two per SIMD
 * call. `states`: count x stateLength() f64, start states in, end states out; `params`: count x parameterCount() (the
 * configured model's, cell-major); `inputs`: count x [current, dt, external heat]; `outputs`: count x [voltage, dV/dI, heat, start voltage, the four heat
 * terms, the depletion margin].
 */
export function stepCells(states: usize, params: usize, inputs: usize, count: i32, outputs: usize): void {
  const L = stateLength();
  const P = parameterCount();
  const bytes = <usize>L << 3;
  const scratch = heap.alloc(bytes * 6);
  const a0 = scratch;
  const b0 = scratch + bytes;
  const e0 = scratch + 2 * bytes;
  const a1 = scratch + 3 * bytes;
  const b1 = scratch + 4 * bytes;
  const e1 = scratch + 5 * bytes;
  for (let i = 0; i < count; i += 2) {
    const j = i + 1 < count ? i + 1 : i;
    const s0 = states + ((<usize>i * L) << 3);
    const s1 = states + ((<usize>j * L) << 3);
    const p0 = params + ((<usize>i * P) << 3);
    const p1 = params + ((<usize>j * P) << 3);
    prepare2(s0, a0, b0, p0, ld(inputs, 3 * i + 1), s1, a1, b1, p1, ld(inputs, 3 * j + 1));
    finish2(
      s0, a0, b0, e0, p0, ld(inputs, 3 * i), ld(inputs, 3 * i + 1), ld(inputs, 3 * i + 2),
      s1, a1, b1, e1, p1, ld(inputs, 3 * j), ld(inputs, 3 * j + 1), ld(inputs, 3 * j + 2),
      true,
    );
    st(outputs, 9 * i, r0Voltage);
    st(outputs, 9 * i + 1, r0Slope);
    st(outputs, 9 * i + 2, r0Heat);
    st(outputs, 9 * i + 3, r0VoltageStart);
    st(outputs, 9 * i + 4, r0Irreversible);
    st(outputs, 9 * i + 5, r0Reversible);
    st(outputs, 9 * i + 6, r0OhmicElectrolyte);
    st(outputs, 9 * i + 7, r0OhmicSolid);
    st(outputs, 9 * i + 8, r0Margin);
    st(outputs, 9 * j, r1Voltage);
    st(outputs, 9 * j + 1, r1Slope);
    st(outputs, 9 * j + 2, r1Heat);
    st(outputs, 9 * j + 3, r1VoltageStart);
    st(outputs, 9 * j + 4, r1Irreversible);
    st(outputs, 9 * j + 5, r1Reversible);
    st(outputs, 9 * j + 6, r1OhmicElectrolyte);
    st(outputs, 9 * j + 7, r1OhmicSolid);
    st(outputs, 9 * j + 8, r1Margin);
    memory.copy(s0, e0, bytes);
    memory.copy(s1, e1, bytes);
  }
}
