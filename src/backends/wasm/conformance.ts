/**
 * Kernel conformance on WebAssembly: one step of each of many cells through the AssemblyScript step template and the
 * generated f64x2 kernels (assembly/index.ts stepCells), in this thread, for test/kernels/conformance.test.ts.
 */
import { cellParameters } from '../../model/layout.ts';
import type { ModelOptions, ThermalMode } from '../../model/cell.ts';
import type { CellModel, ElectrolyteMesh } from '../../model/physics.ts';
import type { ParameterSet } from '../../params/types.ts';
import { STEP_OUTPUTS, stepCaseResult, type StepCase, type StepCaseResult } from '../webgpu/conformance.ts';
import { configureArguments, loadWasmModule } from './index.ts';

interface Exports {
  memory: { buffer: ArrayBuffer };
  alloc(bytes: number): number;
  resetHeap(): void;
  configure(...args: number[]): void;
  stepCells(states: number, params: number, inputs: number, count: number, outputs: number): void;
}

export async function wasmStepCells(
  set: ParameterSet,
  modes: number,
  thermal: ThermalMode,
  cases: readonly StepCase[],
  model: CellModel = 'spm',
  mesh?: ElectrolyteMesh,
  options: ModelOptions = {},
): Promise<StepCaseResult[]> {
  const module = await loadWasmModule();
  const wasm = (globalThis as unknown as { WebAssembly: { instantiate(m: object, imports: object): Promise<{ exports: unknown }> } }).WebAssembly;
  const instance = await wasm.instantiate(module, { env: { abort: () => { throw new Error('cellspread.wasm aborted'); } } });
  const x = instance.exports as Exports;
  x.resetHeap();
  const job = {
    set,
    settings: { timeStep: 10, modes, thermal, conduction: 0, stopAt: 'cell' as const, model, mesh, sei: options.sei, filmHeat: options.filmHeat },
    layout: { series: 1, parallel: 1, modules: 1 },
    segments: [{ step: 0, mode: 0 as const, value: 0, duration: 10, lowerCutoff: 0, upperCutoff: 10, currentCutoff: 0, maxCurrent: 0, continueOnLimit: 0 }],
  };
  const n = cases.length;
  const L = cases[0].state.length;
  const parameters = cellParameters(model);
  const P = parameters.length;
  const pending: Array<[number, Float64Array]> = [];
  const place = (a: Float64Array) => {
    const ptr = x.alloc(Math.max(8, a.length * 8));
    pending.push([ptr, a]);
    return ptr;
  };
  const args = configureArguments(job).map((a) => (a instanceof Float64Array ? place(a) : typeof a === 'boolean' ? (a ? 1 : 0) : a));
  const states = new Float64Array(n * L);
  const params = new Float64Array(n * P);
  const inputs = new Float64Array(3 * n);
  cases.forEach((c, i) => {
    states.set(c.state, i * L);
    parameters.forEach((p, r) => (params[i * P + r] = (c.params as Record<string, number>)[p.name]));
    inputs.set([c.current, c.dt, c.heat], 3 * i);
  });
  const sPtr = place(states);
  const pPtr = place(params);
  const iPtr = place(inputs);
  const S = STEP_OUTPUTS;
  const oPtr = x.alloc(8 * S * n);
  for (const [ptr, a] of pending) new Float64Array(x.memory.buffer, ptr, a.length).set(a);
  x.configure(...args);
  x.stepCells(sPtr, pPtr, iPtr, n, oPtr);
  const out = new Float64Array(x.memory.buffer, oPtr, S * n).slice();
  const end = new Float64Array(x.memory.buffer, sPtr, n * L).slice();
  return cases.map((_, i) => stepCaseResult(out, i, end.subarray(i * L, (i + 1) * L)));
}
