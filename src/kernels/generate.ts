/**
 * Every generated file, from the one cell definition (src/model/physics.ts, with src/model/physics-f32.ts for f32
 * targets), the pack layouts (outputs, segments, protocol modes, stop reasons) and the tolerance table.
 * `npx tsx scripts/generate.ts` writes them; test/kernels/generated.test.ts fails if a committed file is stale.
 */
import { BINDINGS, DISPATCH_FIELDS, PERSIST_CELL_SLOTS, PERSIST_FIELDS_LIST, WORK_SLOTS } from '../backends/webgpu/layout.ts';
import { compiled } from '../model/compiled.ts';
import { CELL_MODELS } from '../model/physics.ts';
import { PACK_OUTPUTS, STOP_REASON } from '../pack/outputs.ts';
import { SEGMENT_FIELDS, SEGMENT_MODE } from '../pack/protocol.ts';
import { stateLayout, type CompiledModel } from './compile.ts';
import { assemblyscriptConfigure } from './configure.ts';
import { assemblyscriptKernels } from './emit/assemblyscript.ts';
import { cKernels } from './emit/c.ts';
import { HEADER, upperSnake } from './emit/common.ts';
import { typescriptDerivedRows, typescriptKernels } from './emit/typescript.ts';
import { wgslKernels, wgslLiteral } from './emit/wgsl.ts';
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
  return [`// ${HEADER}`, '// Layout of parameters, state, outputs and segments, and the f64 column of src/kernels/tolerances.ts.', ...lines, ...indexers('as'), ''].join('\n');
}

function asFloat(v: number): string {
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v.toExponential();
}

/**
 * Index arithmetic of the job and upload layouts, written once and generated into TypeScript, AssemblyScript and
 * WGSL (so no port hand-writes an SoA index).
 */
export const INDEXERS = [
  {
    name: 'jobParameterIndex',
    args: ['k', 'count', 'sample', 'cells', 'c'],
    body: '(k * count + sample) * cells + c',
    description: 'parameter k of cell c of pack `sample` in a job of `count` packs of `cells` cells (PackJob.kernelParameters, SoA)',
    targets: ['ts', 'as'],
  },
  {
    name: 'uploadIndex',
    args: ['row', 'cell', 'pack', 'cells', 'packs'],
    body: '(row * cells + cell) * packs + pack',
    description: 'the WebGPU upload and working layout [row][cell][pack]: neighbouring packs in neighbouring words',
    targets: ['ts', 'wgsl'],
  },
  {
    name: 'packMajorIndex',
    args: ['row', 'cell', 'pack', 'cells', 'rows'],
    body: '(pack * rows + row) * cells + cell',
    description: 'the WebGPU workgroup-per-pack layout [pack][row][cell] (parameters, working slots): neighbouring cells of a pack in neighbouring words',
    targets: ['ts', 'wgsl'],
  },
] as const;

function indexers(target: 'ts' | 'as' | 'wgsl'): string[] {
  const out: string[] = [];
  for (const f of INDEXERS) {
    if (!(f.targets as readonly string[]).includes(target)) continue;
    if (target === 'ts') out.push(`/** Index of ${f.description}. */`, `export function ${f.name}(${f.args.map((a) => `${a}: number`).join(', ')}): number {`, `  return ${f.body};`, '}', '');
    if (target === 'as') out.push(`/** Index of ${f.description}. */`, '// @ts-ignore: decorator', `@inline export function ${f.name}(${f.args.map((a) => `${a}: i32`).join(', ')}): i32 {`, `  return ${f.body};`, '}');
    if (target === 'wgsl') out.push(`// Index of ${f.description}.`, `fn ${f.name}(${f.args.map((a) => `${a}: u32`).join(', ')}) -> u32 {`, `  return ${f.body};`, '}');
  }
  return out;
}

/** The derived rows an f32 target uploads after the parameters: [name, df]. */
export function derivedRowList(model: CompiledModel): Array<{ name: string; df: boolean; description: string }> {
  return model.derived.map((d) => ({ name: d.name, df: d.node.type === 'df', description: `${d.description} [${d.unit}]` }));
}

function wgslLayout(model: CompiledModel): string {
  const lines: string[] = [`// ${HEADER}`, '// Layout of parameters, derived rows, state, outputs, segments and working memory, the dispatch bindings,', '// and the f32 column of src/kernels/tolerances.ts.'];
  for (const c of layoutConstants(model)) {
    if (c.kind === 'float') lines.push(`const ${c.name}: f32 = ${wgslLiteral(c.value)}; // ${c.comment}`);
    else if (c.name.startsWith('TOL_')) lines.push(`const ${c.name}: i32 = ${c.value}; // ${c.comment}`);
    else lines.push(`const ${c.name}: u32 = ${c.value}u; // ${c.comment}`);
  }
  lines.push('', '// Derived rows after the parameter rows (computed in f64 on the host: src/model/kernel.generated.ts derivedRows).');
  let row = 0;
  for (const d of derivedRowList(model)) {
    lines.push(`const D_${upperSnake(d.name)}: u32 = CELL_PARAMETER_COUNT + ${row++}u; // ${d.description}`);
    if (d.df) lines.push(`const D_${upperSnake(d.name)}_TAIL: u32 = CELL_PARAMETER_COUNT + ${row++}u; // its f32 tail`);
  }
  lines.push(`const PARAM_ROWS: u32 = CELL_PARAMETER_COUNT + ${row}u;`);
  lines.push('', '// Working slots per cell (src/backends/webgpu/layout.ts): state-sized slots, then scalars.');
  let states = 0;
  let scalars = 0;
  const offset = () => (states === 0 ? `${scalars}u` : `${states}u * STATE_LEN + ${scalars}u`);
  for (const w of WORK_SLOTS) {
    lines.push(`const W_${upperSnake(w.name)}: u32 = ${offset()}; // ${w.description}`);
    if (w.state) states++;
    else scalars++;
  }
  lines.push(`const WORK_SLOTS: u32 = ${offset()};`);
  lines.push('', '// Per-pack fields a paused pack keeps in `persist` (src/backends/webgpu/layout.ts), then the per-cell ones.');
  let f = 0;
  for (const p of PERSIST_FIELDS_LIST) {
    lines.push(`const F_${upperSnake(p.name)}: u32 = ${f}u; // ${p.description}${p.size > 1 ? ` (${p.size})` : ''}`);
    f += p.size;
  }
  lines.push(`const F_CELLS: u32 = ${f}u;`);
  states = 0;
  scalars = 0;
  for (const name of PERSIST_CELL_SLOTS) {
    lines.push(`const FC_${upperSnake(name)}: u32 = ${offset()}; // saved W_${upperSnake(name)} (private variant)`);
    if (WORK_SLOTS.find((w) => w.name === name)!.state) states++;
    else scalars++;
  }
  lines.push(`const PERSIST_CELL_FIELDS: u32 = ${offset()};`);
  lines.push(`const OUT_STRIDE: u32 = PACK_OUTPUT_COUNT + 1u; // outputs then the committed step count`);
  lines.push('', 'struct Dispatch {', ...DISPATCH_FIELDS.map((d) => `  ${d.name}: u32, // ${d.description}`), '}', '');
  for (const b of BINDINGS) if (!b.variants) lines.push(`// ${b.description}`, `@group(0) @binding(${b.binding}) ${b.declaration};`);
  lines.push('', ...indexers('wgsl'), '');
  return lines.join('\n');
}

/**
 * The generated files: per model for the TypeScript, WGSL and C targets (the SPM's without a suffix, the SPMe's with
 * `-spme`: a host or a build picks one per study), and one AssemblyScript module holding every model (the WebAssembly
 * module is built once and configured per study, model included).
 */
export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const model of CELL_MODELS) {
    const f64 = compiled('f64', model);
    const f32 = compiled('f32', model);
    const suffix = model === 'spm' ? '' : `-${model}`;
    files[`src/model/kernel${suffix}.generated.ts`] = [typescriptKernels(f64), typescriptDerivedRows(f32, derivedRowList(f32)), ...(model === 'spm' ? indexers('ts') : [])].join('\n');
    files[`shaders/layout${suffix}.generated.wgsl`] = wgslLayout(f32);
    files[`shaders/kernel${suffix}.generated.wgsl`] = wgslKernels(f32);
    files[`bench/native/kernel${suffix}.generated.h`] = cKernels(f64);
  }
  const all = CELL_MODELS.map((key) => ({ key, model: compiled('f64', key) }));
  files['assembly/layout.generated.ts'] = assemblyscriptLayout(compiled('f64', 'spme'));
  files['assembly/kernel.generated.ts'] = assemblyscriptKernels(all);
  files['assembly/configure.generated.ts'] = assemblyscriptConfigure(all.map((m) => m.model.definition), HEADER);
  return files;
}
