/**
 * WGSL source assembly and the f32 upload layout of the WebGPU backend.
 *
 * The kernel is shaders/pack.wgsl (one invocation per pack: group Newton and protocol machines) with one of its two
 * working-memory variants, or shaders/pack-workgroup.wgsl (one workgroup per pack, an invocation per cell), each with
 * the machine functions both share (shaders/pack-common.wgsl), around the
 * step template (shaders/step.wgsl), the generated cell kernels of the study's model (shaders/kernel.generated.wgsl for
 * the SPM, kernel-spme.generated.wgsl for the SPMe, from src/model/physics.ts) and their layout (layout.generated.wgsl,
 * layout-spme.generated.wgsl); at load time they are joined with a prelude of study constants (the definition's
 * lengths, constants, tables and series functions, from the WGSL emitter; the pack shape, settings and thread mapping).
 */
import { CellspreadInputError } from '../../errors.ts';
import { currentPlatform, type Platform } from '../../platform/index.ts';
import { compiled } from '../../model/compiled.ts';
import { kernelLoopIterations } from '../../kernels/cost.ts';
import { wgslLiteral as lit, wgslStudyConstants } from '../../kernels/emit/wgsl.ts';
import { kernelConstants, type KernelConstants } from '../../model/cell.ts';
import * as SPM from '../../model/kernel.generated.ts';
import * as SPME from '../../model/kernel-spme.generated.ts';
import { jobParameterIndex, packMajorIndex, uploadIndex } from '../../model/kernel.generated.ts';
import { CELL_PARAMETER_INDEX, cellParameters, unpackCellParameters, type CellKernelParameters } from '../../model/layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength, type CellModel, type ElectrolyteMesh } from '../../model/physics.ts';
import { SEGMENT_FIELDS, SEGMENT_MODE } from '../../pack/protocol.ts';
import { cellCount, groupsPerModule } from '../../pack/topology.ts';
import type { PackJob } from '../types.ts';
import { BINDINGS, persistCellFields, PERSIST_FIELDS, workSlotCount, type WorkVariant } from './layout.ts';

export type { WorkVariant };

/** The derived rows of each model's f32 kernel (computed in f64 by its generated derivedRows). */
const DERIVED: Record<CellModel, { names: readonly string[]; rows: (p: CellKernelParameters, k: KernelConstants, out: Float64Array) => void }> = {
  spm: { names: SPM.DERIVED_ROWS, rows: SPM.derivedRows },
  spme: { names: SPME.DERIVED_ROWS, rows: SPME.derivedRows as unknown as (p: CellKernelParameters, k: KernelConstants, out: Float64Array) => void },
};

/** Parameter rows then the derived rows of a model's f32 kernel (D_* in its shaders/layout*.generated.wgsl). */
export function paramRows(model: CellModel = 'spm'): number {
  return cellParameters(model).length + DERIVED[model].names.length;
}
export { PERSIST_FIELDS };

/** The generated WGSL files of a model. */
export function modelFiles(model: CellModel = 'spm'): { layout: ShaderFile; kernel: ShaderFile } {
  return model === 'spm' ? { layout: 'layout.generated.wgsl', kernel: 'kernel.generated.wgsl' } : { layout: 'layout-spme.generated.wgsl', kernel: 'kernel-spme.generated.wgsl' };
}

/** The f32 state length for a model, mode count and electrolyte mesh. */
export function f32StateLength(modes: number, model: CellModel = 'spm', mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH): number {
  const m = compiled('f32', model);
  const lengths: Record<string, number> = { modes, electrolyteCells: electrolyteStateLength(mesh) };
  const fixed = m.states.filter((s) => !s.length).reduce((n, s) => n + (s.type === 'df' ? 2 : 1), 0);
  return fixed + m.states.filter((s) => s.length).reduce((n, s) => n + lengths[s.length!], 0);
}
/** Working slots per cell in the kernel (W_* in shaders/layout.generated.wgsl). */
export function workSlots(modes: number, model?: CellModel, mesh?: ElectrolyteMesh): number {
  return workSlotCount(f32StateLength(modes, model, mesh));
}
/** Per-cell fields kept between dispatches by the private variant (FC_*). */
export function persistFieldsPerCell(modes: number, model?: CellModel, mesh?: ElectrolyteMesh): number {
  return persistCellFields(f32StateLength(modes, model, mesh));
}
export const BIG = 1e30;

const SHADER_FILES = [
  'layout.generated.wgsl',
  'kernel.generated.wgsl',
  'layout-spme.generated.wgsl',
  'kernel-spme.generated.wgsl',
  'step.wgsl',
  'pack.wgsl',
  'work-private.wgsl',
  'work-storage.wgsl',
  'pack-workgroup.wgsl',
  'pack-common.wgsl',
  'conformance.wgsl',
] as const;
type ShaderFile = (typeof SHADER_FILES)[number];
type ShaderFiles = Record<(typeof SHADER_FILES)[number], string>;
let shaderFiles: Promise<ShaderFiles> | undefined;

/** The WGSL files the package ships (shaders/), found through the platform (Node: the file system; browsers: fetch). */
export function loadShaderFiles(platform: Platform = currentPlatform()): Promise<ShaderFiles> {
  shaderFiles ??= (async () => {
    const out = {} as ShaderFiles;
    for (const name of SHADER_FILES) {
      out[name] = await platform.readText({ path: `shaders/${name}`, url: new URL(`../../../shaders/${name}`, import.meta.url) });
    }
    return out;
  })();
  shaderFiles.catch(() => (shaderFiles = undefined));
  return shaderFiles;
}

export { lit };

export interface ShaderConfig {
  variant: WorkVariant;
  /** Invocations per workgroup: packs per workgroup (per-pack variants), or the invocations of one pack (workgroup). */
  workgroupSize: number;
}

/**
 * Loop iterations of one cell evaluation (the step template's state copies and kernels) and of one cell's prepare, as
 * if nothing were unrolled: the pack kernel counts them against its loop budget, so that an invocation pauses before
 * Mesa's llvmpipe ends its loops (65,535 iterations in total per invocation).
 */
export function loopCounts(model: CellModel, modes: number, mesh: ElectrolyteMesh): { evaluation: number; prepare: number } {
  const m = compiled('f32', model);
  const lengths = { modes, electrolyteCells: electrolyteStateLength(mesh) };
  const L = f32StateLength(modes, model, mesh);
  const it = (k: Parameters<typeof kernelLoopIterations>[1]) => kernelLoopIterations(m, k, lengths);
  return {
    // load the start and the prepared parts, store the end; apply, three evaluations, the depletion margin
    evaluation: 3 * L + it('apply') + it('evaluateCurrentTangent') + it('evaluateHeatTangent') + it('evaluateTangent') + it('limits') + 1,
    // load the start, store both prepared parts
    prepare: 2 * L + it('prepare') + 1,
  };
}

/**
 * The workgroup mapping's shape for a pack of n cells and s series groups, at most `maxInvocations` invocations: cells
 * and groups per invocation, and the workgroup memory it declares (bytes).
 */
export function workgroupShape(n: number, series: number, maxInvocations: number): { invocations: number; cellsPerInvocation: number; groupsPerInvocation: number; sharedBytes: number } {
  const cellsPerInvocation = Math.ceil(n / maxInvocations);
  const invocations = Math.ceil(n / cellsPerInvocation);
  const groupsPerInvocation = Math.ceil(series / invocations);
  // shaders/pack-workgroup.wgsl: 9 arrays per group, 14 f32 per invocation (pTerms a vec4), the round's scalars and 2
  // counters (and up to 16 bytes of alignment before the vec4 array).
  const sharedBytes = 4 * (9 * series + 14 * invocations + 12);
  return { invocations, cellsPerInvocation, groupsPerInvocation, sharedBytes };
}

/** Study constants as WGSL, from a job. Two jobs with equal preludes share a pipeline. */
export function prelude(job: PackJob, config: ShaderConfig): string {
  const { layout, settings, set } = job;
  const n = cellCount(layout);
  const model = settings.model ?? 'spm';
  const mesh = settings.mesh ?? DEFAULT_ELECTROLYTE_MESH;
  const loops = loopCounts(model, settings.modes, mesh);
  return [
    wgslStudyConstants(compiled('f32', model), { set, modes: settings.modes, mesh, sei: settings.sei, filmHeat: settings.filmHeat }),
    `// Pack constants (src/backends/webgpu/shader.ts).`,
    `const N_CELLS: u32 = ${n}u;`,
    `const N_SERIES: u32 = ${layout.series}u;`,
    `const N_PARALLEL: u32 = ${layout.parallel}u;`,
    `const CELLS_PER_MODULE: u32 = ${groupsPerModule(layout) * layout.parallel}u;`,
    `const DT: f32 = ${lit(settings.timeStep)};`,
    `const LUMPED: bool = ${settings.thermal === 'lumped'};`,
    `const AGING: bool = ${(settings.sei ?? 'none') !== 'none'};`,
    `const CONDUCTION: f32 = ${lit(settings.conduction)};`,
    `const STOP_AT_PACK: bool = ${settings.stopAt === 'pack'};`,
    `const WG_SIZE: u32 = ${config.workgroupSize}u;`,
    `const EVAL_LOOPS: u32 = ${loops.evaluation}u; // loop iterations of one cell evaluation`,
    `const PREPARE_LOOPS: u32 = ${loops.prepare}u; // ... of one cell's prepare`,
    ...(config.variant === 'workgroup'
      ? [
          `const CELLS_PER_INVOCATION: u32 = ${Math.ceil(n / config.workgroupSize)}u;`,
          `const GROUPS_PER_INVOCATION: u32 = ${Math.ceil(layout.series / config.workgroupSize)}u;`,
        ]
      : []),
    `// Cell states of lifetime runs in persist: after the per-cell pause fields of the private variant.`,
    `const F_STATES: u32 = ${config.variant === 'private' ? 'F_CELLS + PERSIST_CELL_FIELDS * N_CELLS' : 'F_CELLS'};`,
    ...BINDINGS.filter((b) => b.variants?.includes(config.variant)).map((b) => `// ${b.description}\n@group(0) @binding(${b.binding}) ${b.declaration};`),
    '',
  ].join('\n');
}

export async function shaderSource(job: PackJob, config: ShaderConfig, platform?: Platform): Promise<string> {
  const files = await loadShaderFiles(platform);
  const generated = modelFiles(job.settings.model);
  const mapping =
    config.variant === 'workgroup'
      ? [files['pack-workgroup.wgsl'], files['pack-common.wgsl']]
      : [files['pack.wgsl'], files['pack-common.wgsl'], config.variant === 'private' ? files['work-private.wgsl'] : files['work-storage.wgsl']];
  return [files[generated.layout], prelude(job, config), files[generated.kernel], files['step.wgsl'], ...mapping].join('\n');
}

/** Check a job before it reaches the GPU; the errors name the field and the sample, as the reference's do. */
export function validateJob(job: PackJob): void {
  const { layout, settings } = job;
  for (const k of ['series', 'parallel', 'modules'] as const) {
    if (!Number.isInteger(layout[k]) || layout[k] < 1) throw new CellspreadInputError(`pack.${k}`, 'must be an integer >= 1', layout[k]);
  }
  if (layout.series % layout.modules !== 0) throw new CellspreadInputError('pack.modules', `must divide the series count ${layout.series}`, layout.modules);
  const n = cellCount(layout);
  if (!Number.isInteger(job.count) || job.count < 0) throw new CellspreadInputError('job.count', 'must be an integer >= 0', job.count);
  const P = cellParameters(settings.model).length;
  if (job.kernelParameters.length !== P * job.count * n) {
    throw new CellspreadInputError('job.kernelParameters', `must hold ${P} x ${job.count} x ${n} values`, job.kernelParameters.length);
  }
  if (job.interconnectResistance.length !== job.count * layout.series) {
    throw new CellspreadInputError('job.interconnectResistance', `must hold ${job.count} x ${layout.series} values`, job.interconnectResistance.length);
  }
  if (!(settings.timeStep > 0 && Number.isFinite(settings.timeStep))) throw new CellspreadInputError('simulation.timeStep', 'must be a number > 0', settings.timeStep);
  if (!(Number.isInteger(settings.modes) && settings.modes >= 1 && settings.modes <= 64)) throw new CellspreadInputError('simulation.modes', 'must be an integer in 1..64', settings.modes);
  if (settings.thermal !== 'lumped' && settings.thermal !== 'isothermal') throw new CellspreadInputError('simulation.thermal', 'must be lumped or isothermal', settings.thermal);
  if (!Array.isArray(job.segments) || job.segments.length === 0) throw new CellspreadInputError('protocol', 'must compile to at least one segment', job.segments?.length);
  job.segments.forEach((s, i) => {
    if (!Object.values(SEGMENT_MODE).includes(s.mode)) throw new CellspreadInputError(`segments[${i}].mode`, 'must be 0, 1 or 2', s.mode);
    if (!(s.duration > 0 && Number.isFinite(s.duration))) throw new CellspreadInputError(`segments[${i}].duration`, 'must be a finite number > 0', s.duration);
    if (!Number.isFinite(s.value)) throw new CellspreadInputError(`segments[${i}].value`, 'must be finite', s.value);
  });
  const G = settings.conduction;
  if (!(G >= 0 && Number.isFinite(G))) throw new CellspreadInputError('pack.conduction', 'must be a number >= 0', G);
  const p = job.kernelParameters;
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i])) {
      const cell = i % n;
      const sample = Math.floor(i / n) % job.count;
      const row = Math.floor(i / (n * job.count));
      throw new CellspreadInputError(`sample ${job.firstSample + sample} cell ${cell} parameter #${row}`, 'must be finite', p[i]);
    }
  }
  for (let i = 0; i < job.interconnectResistance.length; i++) {
    if (!Number.isFinite(job.interconnectResistance[i])) throw new CellspreadInputError(`sample ${job.firstSample + Math.floor(i / layout.series)} interconnect`, 'must be finite', job.interconnectResistance[i]);
  }
  if (G > 0 && settings.thermal === 'lumped') {
    let cMin = Infinity;
    const hc = CELL_PARAMETER_INDEX.heatCapacity;
    for (let i = hc * job.count * n; i < (hc + 1) * job.count * n; i++) cMin = Math.min(cMin, p[i]);
    const limit = cMin / (2 * settings.timeStep);
    if (G >= limit) {
      throw new CellspreadInputError(
        'pack.conduction',
        `must be below C_th / (2 timeStep) = ${limit.toPrecision(3)} W/K for the explicit conduction exchange to be stable; lower it or the time step`,
        G,
      );
    }
  }
}

/** Segments as f32 rows (generated SEG_* layout) and their step counts and last-step lengths computed in f64. */
export function segmentBuffers(job: PackJob): { rows: Float32Array; aux: Float32Array } {
  const F = SEGMENT_FIELDS.length;
  const rows = new Float32Array(job.segments.length * F);
  const aux = new Float32Array(job.segments.length * 2);
  const dt = job.settings.timeStep;
  job.segments.forEach((s, i) => {
    SEGMENT_FIELDS.forEach((f, k) => {
      const v = s[f];
      rows[i * F + k] = Number.isFinite(v) ? v : v > 0 ? BIG : -BIG;
    });
    const steps = Math.ceil(s.duration / dt - 1e-9);
    if (steps > 2 ** 24) throw new CellspreadInputError(`segments[${i}].duration`, `must take at most 2^24 steps of ${dt} s`, s.duration);
    aux[2 * i] = steps;
    aux[2 * i + 1] = s.duration - (steps - 1) * dt;
  });
  return { rows, aux };
}

/**
 * Per-cell parameters of packs [first, first + count) of a job as f32 rows (the parameter rows, then the derived rows
 * computed in f64 by the generated derivedRows) in the variant's layout: [row][cell][pack] (uploadIndex) for the
 * per-pack variants, [pack][row][cell] (packMajorIndex) for the workgroup one; and the per-pack interconnect totals.
 */
export function packInputs(job: PackJob, first: number, count: number, variant: WorkVariant = 'private'): { params: Float32Array; interconnect: Float32Array } {
  const n = cellCount(job.layout);
  const P = job.count;
  const src = job.kernelParameters;
  const model = job.settings.model ?? 'spm';
  const R = cellParameters(model).length;
  const params = new Float32Array(paramRows(model) * n * count);
  const k = kernelConstants(job.set, job.settings.modes, model, job.settings.mesh, { sei: job.settings.sei, filmHeat: job.settings.filmHeat });
  const cell = new Float64Array(R);
  const derived = DERIVED[model];
  const rows = new Float64Array(derived.names.length);
  const rowCount = paramRows(model);
  const index = variant === 'workgroup' ? (r: number, c: number, p: number) => packMajorIndex(r, c, p, n, rowCount) : (r: number, c: number, p: number) => uploadIndex(r, c, p, n, count);
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < count; p++) {
      for (let r = 0; r < R; r++) {
        cell[r] = src[jobParameterIndex(r, P, first + p, n, c)];
        params[index(r, c, p)] = cell[r];
      }
      derived.rows(unpackCellParameters(cell, 0, model), k, rows);
      for (let d = 0; d < rows.length; d++) params[index(R + d, c, p)] = rows[d];
    }
  }
  const s = job.layout.series;
  const interconnect = new Float32Array(count);
  for (let p = 0; p < count; p++) {
    let r = 0;
    for (let g = 0; g < s; g++) r += job.interconnectResistance[(first + p) * s + g];
    interconnect[p] = r;
  }
  return { params, interconnect };
}

/** The derived rows of one cell of a model in f64 (the f32 kernel's D_* rows), and their names. */
export function derivedRowsOf(model: CellModel, p: CellKernelParameters, k: KernelConstants): Float64Array {
  const d = DERIVED[model];
  const out = new Float64Array(d.names.length);
  d.rows(p, k, out);
  return out;
}
