/**
 * The cell definition compiled for each target precision (src/kernels/compile.ts): what hosts need at run time (the
 * f32 state layout and derived rows, the per-study WGSL constants), without the emitters.
 */
import { compileModel, type CompiledModel, type Precision } from '../kernels/compile.ts';
import { F32_OVERRIDES } from './physics-f32.ts';
import { SPM_DEFINITION } from './physics.ts';

const models = new Map<Precision, CompiledModel>();

/** The SPM definition compiled for f64 targets, or for f32 targets with the overrides of physics-f32.ts. */
export function compiled(precision: Precision): CompiledModel {
  let m = models.get(precision);
  if (!m) {
    m = precision === 'f32' ? compileModel(SPM_DEFINITION, 'f32', F32_OVERRIDES) : compileModel(SPM_DEFINITION, 'f64');
    models.set(precision, m);
  }
  return m;
}
