/**
 * Every generated file, from the one cell definition (src/model/physics.ts, with src/model/physics-f32.ts for f32
 * targets), the pack and protocol layouts and the tolerance table. `npx tsx scripts/generate.ts` writes them;
 * test/kernels/generated.test.ts fails if a committed file is stale.
 */
import { SPM_DEFINITION } from '../model/physics.ts';
import { compileModel } from './compile.ts';
import { typescriptKernels } from './emit/typescript.ts';

export function generatedFiles(): Record<string, string> {
  const f64 = compileModel(SPM_DEFINITION, 'f64');
  return {
    'src/model/kernel.generated.ts': typescriptKernels(f64),
  };
}
