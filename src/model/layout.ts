/**
 * The layout of the cell kernel, taken from the one definition (src/model/physics.ts): per-cell parameters and the
 * per-cell state. Every backend indexes parameters and state by these positions; the generated files in the other
 * languages (scripts/generate.ts) carry the same numbers and a test fails if they are stale.
 */
import type { LayoutEntry } from '../kernels/define.ts';
import { stateLayout, stateLength, type TargetState } from '../kernels/compile.ts';
import { CELL_PARAMETERS, SPM_DEFINITION } from './physics.ts';

export type { LayoutEntry };
export { CELL_PARAMETERS };

export type CellParameterName = (typeof CELL_PARAMETERS)[number]['name'];
export type CellKernelParameters = Record<CellParameterName, number>;
export const CELL_PARAMETER_COUNT = CELL_PARAMETERS.length;

/** Position of each parameter in a packed per-cell vector. */
export const CELL_PARAMETER_INDEX = Object.fromEntries(CELL_PARAMETERS.map((p, i) => [p.name, i])) as Record<CellParameterName, number>;

/**
 * Per-cell state (f64 layout): the scalars (stoichiometries, temperature rise over the reference, kept so f32 kernels
 * resolve small increments), then the particle modes, `modes` for the negative electrode then `modes` for the positive.
 */
export const CELL_STATE: readonly (LayoutEntry & { length?: string })[] = SPM_DEFINITION.states;

const F64_LAYOUT = stateLayout(SPM_DEFINITION.states.map((s): TargetState => ({ ...s, type: 'f' })));

/** Position of each scalar state in the state vector (the vectors follow, from CELL_STATE_FIXED). */
export const CELL_STATE_INDEX = Object.fromEntries(F64_LAYOUT.scalar) as Record<'stoichNeg' | 'stoichPos' | 'temperatureRise' | 'seiGrowth', number>;

/** Total state length for a model with `modes` particle modes per electrode. */
export function cellStateLength(modes: number): number {
  return stateLength(F64_LAYOUT, { modes });
}

/** Pack the named parameters into a vector in layout order. */
export function packCellParameters(p: CellKernelParameters, out = new Float64Array(CELL_PARAMETER_COUNT), offset = 0): Float64Array {
  for (let i = 0; i < CELL_PARAMETER_COUNT; i++) out[offset + i] = p[CELL_PARAMETERS[i].name];
  return out;
}

export function unpackCellParameters(v: ArrayLike<number>, offset = 0): CellKernelParameters {
  const p = {} as CellKernelParameters;
  for (let i = 0; i < CELL_PARAMETER_COUNT; i++) p[CELL_PARAMETERS[i].name] = v[offset + i];
  return p;
}
