// cellspread WebAssembly kernels: entry points used by src/backends/wasm (raw bindings, no loader).
// Memory protocol: the host calls resetHeap(), allocates its buffers with alloc(), writes them, calls configure()
// (generated: assembly/configure.generated.ts; it allocates the simulators' own buffers), then runPacks() for a range
// of packs of the job in memory.
import { PACK_OUTPUT_COUNT } from './layout.generated';
import { runPair, sim, sim2 } from './pack';

export { PACK_OUTPUT_COUNT, CELL_PARAMETER_COUNT, SEGMENT_FIELD_COUNT } from './layout.generated';
export { configure } from './configure.generated';

export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function resetHeap(): void {
  heap.reset();
}

/** Cell step evaluations of the last runPacks call (Newton trials and cut-off location included). */
export let lastCellEvaluations: f64 = 0;

/**
 * Simulate packs [first, last) of a job of `count` packs whose parameters (SoA, src/backends/types.ts) and interconnect
 * resistances are at the given addresses; outputs row-major at `outputs` (row 0 = pack `first`). Returns cell-steps.
 */
export function runPacks(jobParams: usize, jobInterconnect: usize, count: i32, first: i32, last: i32, outputs: usize): f64 {
  const s = sim!;
  const s2 = sim2!;
  let cellSteps: f64 = 0;
  let evaluations: f64 = 0;
  let i = first;
  if (s.n == 1) {
    // Single-cell packs: two at a time, one per SIMD lane.
    for (; i + 1 < last; i += 2) {
      s.load(jobParams, jobInterconnect, count, i);
      s2.load(jobParams, jobInterconnect, count, i + 1);
      runPair(s, s2);
      s.writeOutputs(outputs + ((<usize>(i - first) * PACK_OUTPUT_COUNT) << 3));
      s2.writeOutputs(outputs + ((<usize>(i + 1 - first) * PACK_OUTPUT_COUNT) << 3));
      cellSteps += s.cellSteps + s2.cellSteps;
      evaluations += s.cellEvaluations + s2.cellEvaluations;
    }
  }
  for (; i < last; i++) {
    s.load(jobParams, jobInterconnect, count, i);
    s.runFrom(0, 0);
    s.writeOutputs(outputs + ((<usize>(i - first) * PACK_OUTPUT_COUNT) << 3));
    cellSteps += s.cellSteps;
    evaluations += s.cellEvaluations;
  }
  lastCellEvaluations = evaluations;
  return cellSteps;
}
