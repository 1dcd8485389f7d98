/**
 * Operations per cell-step of the f32 kernel, counted on the generated kernels' graphs (bench/webgpu.ts prints it
 * next to measured rates, and the GPU occupancy arithmetic in docs/webgpu.md uses it). Arithmetic, comparisons and the
 * hardware exp/log/sqrt count 1; the emitter's f32 forms count their own arithmetic; a series call counts its terms.
 */
import type { SeriesFunction } from '../params/types.ts';
import type { CompiledModel, CompiledKernelName } from './compile.ts';
import { topological } from './ir.ts';
import { schedule } from './schedule.ts';

const WEIGHT: Record<string, number> = {
  add: 1, sub: 1, mul: 1, div: 1, neg: 1, min: 1, max: 1, gt: 1, lt: 1, select: 1, exp: 1, log: 1, sqrt: 1,
  // f32 forms (src/kernels/emit/wgsl.ts): their arithmetic
  expm1: 20, tanh: 24, asinh: 32, sech2: 6, arrhenius: 3, twoProd: 17, dfAdd: 11, dfOf: 0, dfValue: 1,
};

function seriesCost(f: SeriesFunction, slope: boolean): number {
  const terms = f.exp.length * (slope ? 4 : 3) + f.tanh.length * (slope ? 30 : 27) + (f.sech2?.length ?? 0) * (slope ? 40 : 9);
  return 2 + terms;
}

/** Operations of one call of a compiled kernel for the given vector lengths and series. */
export function kernelOperations(model: CompiledModel, kernel: CompiledKernelName, lengths: Readonly<Record<string, number>>, series: Readonly<Record<string, SeriesFunction>>): number {
  const k = model.kernels[kernel];
  const roots = [...k.outputs.map((o) => o.node), ...k.stores.map((w) => w.node)];
  let total = 0;
  for (const n of topological(roots)) {
    const times = n.loop !== null ? lengths[n.loop] : 1;
    if (n.kind === 'op') total += (WEIGHT[n.op] ?? 1) * times;
    else if (n.kind === 'series') total += seriesCost(series[n.name], n.op === 'slope') * times;
    else if (n.kind === 'sum') total += lengths[n.length];
    // Thomas: forward elimination (a division and four operations per row) and back substitution (three per row).
    else if (n.kind === 'solve') total += 8 * lengths[n.length];
  }
  return total;
}

/**
 * Loop iterations of one call of a compiled kernel (its loops over vector lengths, the tridiagonal sweeps), counted as
 * if no loop were unrolled: what Mesa's llvmpipe counts against its 65,535 iterations per invocation
 * (src/backends/webgpu/shader.ts budgets the pack kernel with it).
 */
export function kernelLoopIterations(model: CompiledModel, kernel: CompiledKernelName, lengths: Readonly<Record<string, number>>): number {
  const k = model.kernels[kernel];
  const sched = schedule(k, k.names ?? model.names, model.states);
  let total = 0;
  for (const b of sched.blocks) {
    if (b.kind === 'loop') total += lengths[b.length];
    else if (b.solves.length) {
      // Forward elimination once per matrix, back substitution once per right-hand side.
      const L = lengths[b.solves[0].length];
      const matrices = new Set(b.solves.map((v) => v.args.slice(0, 3).map((a) => a.id).join())).size;
      total += (matrices + b.solves.length) * L;
    }
  }
  return total;
}

/**
 * One cell-step of the step template (prepare, apply, start and end evaluations, the heat-only predictor, two thermal
 * updates, the depletion margin), without (single cells) or with (pack Newton: applyTangent) the exact slope.
 */
export function stepOperations(model: CompiledModel, lengths: Readonly<Record<string, number>>, series: Readonly<Record<string, SeriesFunction>>, slope: boolean): number {
  const ops = (k: CompiledKernelName) => kernelOperations(model, k, lengths, series);
  const evaluate = slope ? ops('evaluateTangent') : ops('evaluate');
  const start = slope ? ops('evaluateCurrentTangent') : ops('evaluate');
  const predictor = slope ? ops('evaluateHeatTangent') : ops('evaluateHeat');
  return ops('prepare') + (slope ? ops('applyTangent') : ops('apply')) + start + predictor + evaluate + 2 * ops('thermal') + ops('limits') + 10;
}
