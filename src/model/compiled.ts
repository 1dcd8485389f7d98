/**
 * The cell definitions compiled for each target precision (src/kernels/compile.ts): what hosts need at run time (the
 * f32 state layout and derived rows, the per-study WGSL constants), without the emitters.
 */
import { compileModel, type CompiledModel, type Precision } from '../kernels/compile.ts';
import { F32_OVERRIDES } from './physics-f32.ts';
import { DEFINITIONS, type CellModel } from './physics.ts';

const models = new Map<string, CompiledModel>();

/** A model's definition compiled for f64 targets, or for f32 targets with the overrides of physics-f32.ts. */
export function compiled(precision: Precision, model: CellModel = 'spm'): CompiledModel {
  const key = `${model}/${precision}`;
  let m = models.get(key);
  if (!m) {
    const def = DEFINITIONS[model];
    m = precision === 'f32' ? compileModel(def, 'f32', F32_OVERRIDES) : compileModel(def, 'f64');
    models.set(key, m);
  }
  return m;
}
