/**
 * Kernel conformance on the GPU: one step of each of many cells through the f32 step template and generated kernels
 * (shaders/conformance.wgsl), for the suite in test/kernels/conformance.test.ts. States are given and returned in the
 * reference (f64) layout; the f32 layout's conversions come from the definition's f32 overrides.
 */
import { toReferenceState, toTargetState } from '../../kernels/compile.ts';
import { compiled } from '../../model/compiled.ts';
import { wgslStudyConstants } from '../../kernels/emit/wgsl.ts';
import { kernelConstants, type ModelOptions, type ThermalMode } from '../../model/cell.ts';
import { cellParameters, type CellKernelParameters } from '../../model/layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength, type CellModel, type ElectrolyteMesh } from '../../model/physics.ts';
import type { ParameterSet } from '../../params/types.ts';
import type { GpuContext } from './gpu.ts';
import { derivedRowsOf, loadShaderFiles, modelFiles, paramRows } from './shader.ts';

export interface StepCase {
  state: Float64Array;
  params: CellKernelParameters;
  current: number;
  dt: number;
  heat: number;
}

export interface StepCaseResult {
  voltage: number;
  slope: number;
  heatJ: number;
  voltageStart: number;
  /** Heat terms over the step [J]: irreversible, reversible, electrolyte Ohmic, solid Ohmic. */
  terms: ArrayLike<number>;
  /** The end state's margin to electrolyte depletion (1 for the SPM). */
  margin: number;
  state: Float64Array;
}

/** Values per case in the conformance outputs: voltage, slope, heat, start voltage, four heat terms, margin. */
export const STEP_OUTPUTS = 9;

/** Case i's result from the conformance outputs (STEP_OUTPUTS values a case) and its end state (reference layout). */
export function stepCaseResult(out: Float32Array | Float64Array, i: number, state: Float64Array): StepCaseResult {
  const S = STEP_OUTPUTS;
  return {
    voltage: out[S * i],
    slope: out[S * i + 1],
    heatJ: out[S * i + 2],
    voltageStart: out[S * i + 3],
    terms: out.subarray(S * i + 4, S * i + 8),
    margin: out[S * i + 8],
    state,
  };
}

export async function webgpuStepCells(
  gpu: GpuContext,
  set: ParameterSet,
  modes: number,
  thermal: ThermalMode,
  cases: readonly StepCase[],
  model: CellModel = 'spm',
  mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH,
  options: ModelOptions = {},
): Promise<StepCaseResult[]> {
  const files = await loadShaderFiles();
  const F32 = compiled('f32', model);
  const generated = modelFiles(model);
  const code = [
    files[generated.layout],
    wgslStudyConstants(F32, { set, modes, mesh, sei: options.sei, filmHeat: options.filmHeat }),
    `const LUMPED: bool = ${thermal === 'lumped'};`,
    `const AGING: bool = ${(options.sei ?? 'none') !== 'none'};`,
    files[generated.kernel],
    files['step.wgsl'],
    files['conformance.wgsl'],
  ].join('\n');
  const device = gpu.device;
  const module = device.createShaderModule({ code, label: 'cellspread conformance' });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) throw new Error(`webgpu conformance shader: ${errors.map((m) => `line ${m.lineNum}: ${m.message}`).join('; ')}`);
  const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'conformance' } });
  const n = cases.length;
  const lengths = { modes, electrolyteCells: electrolyteStateLength(mesh) };
  const L = toTargetState(F32, cases[0].state, lengths).length;
  const parameters = cellParameters(model);
  const params = new Float32Array(paramRows(model) * n);
  const states = new Float32Array(L * n);
  const inputs = new Float32Array(3 * n);
  const k = kernelConstants(set, modes, model, mesh, options);
  cases.forEach((c, i) => {
    parameters.forEach((p, r) => (params[r * n + i] = (c.params as Record<string, number>)[p.name]));
    derivedRowsOf(model, c.params, k).forEach((v, d) => (params[(parameters.length + d) * n + i] = v));
    states.set(toTargetState(F32, c.state, lengths), i * L);
    inputs.set([c.current, c.dt, c.heat], 3 * i);
  });
  const buffer = (data: ArrayBufferView & { byteLength: number }, usage: number) => {
    const b = device.createBuffer({ size: Math.max(16, data.byteLength), usage });
    device.queue.writeBuffer(b, 0, data as unknown as ArrayBuffer);
    return b;
  };
  const STORAGE = 0x80;
  const COPY_DST = 0x8;
  const COPY_SRC = 0x4;
  const uniform = buffer(new Uint32Array([n, 0, 0, 0]), 0x40 | COPY_DST);
  const paramBuf = buffer(params, STORAGE | COPY_DST);
  const stateBuf = buffer(states, STORAGE | COPY_DST | COPY_SRC);
  const inputBuf = buffer(inputs, STORAGE | COPY_DST);
  const outBytes = 4 * STEP_OUTPUTS * n;
  const outBuf = device.createBuffer({ size: outBytes, usage: STORAGE | COPY_SRC });
  const readState = device.createBuffer({ size: states.byteLength, usage: 0x1 | COPY_DST });
  const readOut = device.createBuffer({ size: outBytes, usage: 0x1 | COPY_DST });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 10, resource: { buffer: uniform } },
      { binding: 11, resource: { buffer: paramBuf } },
      { binding: 12, resource: { buffer: stateBuf } },
      { binding: 13, resource: { buffer: inputBuf } },
      { binding: 14, resource: { buffer: outBuf } },
    ],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(n / 64));
  pass.end();
  encoder.copyBufferToBuffer(stateBuf, 0, readState, 0, states.byteLength);
  encoder.copyBufferToBuffer(outBuf, 0, readOut, 0, outBytes);
  device.queue.submit([encoder.finish()]);
  await readState.mapAsync(0x1);
  await readOut.mapAsync(0x1);
  const endStates = new Float32Array(readState.getMappedRange().slice(0));
  const out = new Float32Array(readOut.getMappedRange().slice(0));
  readState.unmap();
  readOut.unmap();
  for (const b of [uniform, paramBuf, stateBuf, inputBuf, outBuf, readState, readOut]) b.destroy();
  return cases.map((_, i) => stepCaseResult(out, i, toReferenceState(F32, endStates.subarray(i * L, (i + 1) * L), lengths)));
}
