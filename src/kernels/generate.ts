/**
 * Every generated file, from the one cell definition (src/model/physics.ts, with src/model/physics-f32.ts for f32
 * targets), the pack layouts (outputs, segments, protocol modes, stop reasons) and the tolerance table.
 * `npx tsx scripts/generate.ts` writes them; test/kernels/generated.test.ts fails if a committed file is stale.
 */
import { SPM_DEFINITION } from '../model/physics.ts';
import { PACK_OUTPUTS, STOP_REASON } from '../pack/outputs.ts';
import { SEGMENT_FIELDS, SEGMENT_MODE } from '../pack/protocol.ts';
import { compileModel, stateLayout, type CompiledModel, type Precision } from './compile.ts';
import { assemblyscriptConfigure } from './configure.ts';
import { assemblyscriptKernels } from './emit/assemblyscript.ts';
import { HEADER, upperSnake } from './emit/common.ts';
import { typescriptKernels } from './emit/typescript.ts';
import { TOLERANCES } from './tolerances.ts';

/** Name, value, comment and kind of every layout constant of one target precision. */
export interface LayoutConstant {
  name: string;
  value: number;
  comment: string;
  kind: 'index' | 'float';
}

export function layoutConstants(model: CompiledModel): LayoutConstant[] {
  const out: LayoutConstant[] = [];
  const index = (name: string, value: number, comment: string) => out.push({ name, value, comment, kind: 'index' });
  const def = model.definition;
  def.parameters.forEach((p, i) => index(`P_${upperSnake(p.name)}`, i, `${p.description} [${p.unit}]`));
  index('CELL_PARAMETER_COUNT', def.parameters.length, 'per-cell parameters');
  const layout = stateLayout(model.states);
  for (const [name, i] of layout.scalar) {
    const s = model.states.find((x) => x.name === name)!;
    index(`S_${upperSnake(name)}`, i, `${s.description} [${s.unit}]${s.type === 'df' ? ' (double-float head)' : ''}`);
  }
  for (const [name, i] of layout.tail) index(`S_${upperSnake(name)}_TAIL`, i, `double-float tail of ${name}`);
  index('CELL_STATE_FIXED', layout.fixed, `state slots before the vectors (${layout.vectors.map((v) => `${v.name}[${v.length}]`).join(', ')})`);
  PACK_OUTPUTS.forEach((o, i) => index(`O_${upperSnake(o.name)}`, i, `${o.description} [${o.unit}]`));
  index('PACK_OUTPUT_COUNT', PACK_OUTPUTS.length, 'outputs per pack');
  SEGMENT_FIELDS.forEach((f, i) => index(`SEG_${upperSnake(f)}`, i, `segment field ${f}`));
  index('SEGMENT_FIELD_COUNT', SEGMENT_FIELDS.length, 'fields per segment row');
  for (const [k, v] of Object.entries(SEGMENT_MODE)) index(`MODE_${upperSnake(k)}`, v, `segment mode ${k}`);
  for (const [k, v] of Object.entries(STOP_REASON)) index(`STOP_${upperSnake(k)}`, v, `stop reason ${k}`);
  for (const [k, t] of Object.entries(TOLERANCES)) {
    const value = model.precision === 'f64' ? t.f64 : t.f32;
    out.push({ name: `TOL_${upperSnake(k)}`, value, comment: `${t.meaning} [${t.unit}]`, kind: 'count' in t && t.count ? 'index' : 'float' });
  }
  return out;
}

function assemblyscriptLayout(model: CompiledModel): string {
  const lines = layoutConstants(model).map((c) =>
    c.kind === 'index' ? `export const ${c.name}: i32 = ${c.value}; // ${c.comment}` : `export const ${c.name}: f64 = ${asFloat(c.value)}; // ${c.comment}`,
  );
  return [`// ${HEADER}`, '// Layout of parameters, state, outputs and segments, and the f64 column of src/kernels/tolerances.ts.', ...lines, ''].join('\n');
}

function asFloat(v: number): string {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v.toExponential();
}

export function compiled(precision: Precision): CompiledModel {
  return compileModel(SPM_DEFINITION, precision);
}

export function generatedFiles(): Record<string, string> {
  const f64 = compiled('f64');
  return {
    'src/model/kernel.generated.ts': typescriptKernels(f64),
    'assembly/layout.generated.ts': assemblyscriptLayout(f64),
    'assembly/kernel.generated.ts': assemblyscriptKernels(f64),
    'assembly/configure.generated.ts': assemblyscriptConfigure(SPM_DEFINITION, HEADER),
  };
}
