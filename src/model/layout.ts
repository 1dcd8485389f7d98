/**
 * The layout of the cell kernels, taken from the one definition (src/model/physics.ts): per-cell parameters and the
 * per-cell state of each model. Every backend indexes parameters and state by these positions; the generated files in
 * the other languages (scripts/generate.ts) carry the same numbers and a test fails if they are stale. The SPM's
 * parameters and scalar states are a prefix of the SPMe's.
 */
import type { LayoutEntry } from '../kernels/define.ts';
import { stateLayout, stateLength, type TargetState } from '../kernels/compile.ts';
import { CELL_PARAMETERS, DEFAULT_ELECTROLYTE_MESH, DEFINITIONS, ELECTROLYTE_PARAMETERS, electrolyteStateLength, type CellModel, type ElectrolyteMesh } from './physics.ts';

export type { LayoutEntry };
export { CELL_PARAMETERS };

export type CellParameterName = (typeof CELL_PARAMETERS)[number]['name'];
export type CellKernelParameters = Record<CellParameterName, number>;
export type ElectrolyteParameterName = (typeof ELECTROLYTE_PARAMETERS)[number]['name'];
/** The SPMe's kernel parameters: the SPM's, then the electrolyte's. */
export type SpmeKernelParameters = CellKernelParameters & Record<ElectrolyteParameterName, number>;
/** The SPM's parameter count (the first CELL_PARAMETER_COUNT parameters of every model). */
export const CELL_PARAMETER_COUNT = CELL_PARAMETERS.length;

/** Position of each parameter in a packed per-cell vector (the SPM's; the SPMe's continue with ELECTROLYTE_PARAMETERS). */
export const CELL_PARAMETER_INDEX = Object.fromEntries(CELL_PARAMETERS.map((p, i) => [p.name, i])) as Record<CellParameterName, number>;

/** The per-cell kernel parameters of a model, in layout order. */
export function cellParameters(model: CellModel = 'spm'): readonly LayoutEntry[] {
  return DEFINITIONS[model].parameters;
}

/**
 * Per-cell state of the SPM (f64 layout): the scalars (stoichiometries, temperature rise over the reference, kept so
 * f32 kernels resolve small increments), then the particle modes, `modes` for the negative electrode then `modes` for
 * the positive. The SPMe's (cellState('spme')) adds its summary scalars and the electrolyte vector.
 */
export const CELL_STATE: readonly (LayoutEntry & { length?: string })[] = DEFINITIONS.spm.states;

export function cellState(model: CellModel = 'spm'): readonly (LayoutEntry & { length?: string })[] {
  return DEFINITIONS[model].states;
}

const F64_LAYOUTS = Object.fromEntries(
  Object.entries(DEFINITIONS).map(([k, d]) => [k, stateLayout(d.states.map((s): TargetState => ({ ...s, type: 'f' })))]),
) as Record<CellModel, ReturnType<typeof stateLayout>>;

/** Position of each scalar state the models share in the state vector (the vectors follow the scalars). */
export const CELL_STATE_INDEX = Object.fromEntries(F64_LAYOUTS.spm.scalar) as Record<'stoichNeg' | 'stoichPos' | 'temperatureRise' | 'seiGrowth', number>;

/** Total state length of a model with `modes` particle modes per electrode (and the SPMe's electrolyte mesh). */
export function cellStateLength(modes: number, model: CellModel = 'spm', mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH): number {
  return stateLength(F64_LAYOUTS[model], { modes, electrolyteCells: electrolyteStateLength(mesh) });
}

/** Offset of a vector state in a model's f64 state. */
export function vectorOffset(name: string, modes: number, model: CellModel = 'spm', mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH): number {
  const layout = F64_LAYOUTS[model];
  const lengths: Record<string, number> = { modes, electrolyteCells: electrolyteStateLength(mesh) };
  let k = layout.fixed;
  for (const v of layout.vectors) {
    if (v.name === name) return k;
    k += lengths[v.length];
  }
  throw new Error(`${name} is not a vector state of the ${model}`);
}

/** Position of a scalar state of a model (summaries included). */
export function scalarStateIndex(name: string, model: CellModel = 'spm'): number {
  const i = F64_LAYOUTS[model].scalar.get(name);
  if (i === undefined) throw new Error(`${name} is not a scalar state of the ${model}`);
  return i;
}

/** Pack the named parameters of a model into a vector in layout order. */
export function packCellParameters(p: CellKernelParameters, out?: Float64Array, offset = 0, model: CellModel = 'spm'): Float64Array {
  const list = cellParameters(model);
  const o = out ?? new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) o[offset + i] = (p as Record<string, number>)[list[i].name];
  return o;
}

export function unpackCellParameters(v: ArrayLike<number>, offset = 0, model: CellModel = 'spm'): CellKernelParameters {
  const p = {} as Record<string, number>;
  const list = cellParameters(model);
  for (let i = 0; i < list.length; i++) p[list[i].name] = v[offset + i];
  return p as CellKernelParameters;
}
