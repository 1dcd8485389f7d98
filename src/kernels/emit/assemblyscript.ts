/**
 * The AssemblyScript f64x2 SIMD kernels (assembly/kernel.generated.ts): two cells per call, one per lane, each lane
 * with its own state, parameter and buffer pointers. Study constants are module globals set by `configureKernel`
 * (the WASM module is compiled once for every parameter set: series coefficients and eigenvalues are read from memory).
 * Outputs go to module globals `out<Name>` (v128, one value per lane). Elementary functions come from
 * assembly/simd-math.ts.
 */
import { stateLayout, type CompiledModel } from '../compile.ts';
import { studyConstantUnion, type KernelDecl, type KernelOutput, type KernelWrite } from '../define.ts';
import type { Node } from '../ir.ts';
import { atom, f64Literal, guardedRead, HEADER, KernelEmitter, kernelBuffers, kernelOrder, shift, upperSnake, type Rendered, type SolveSyntax } from './common.ts';

const FN: Record<string, string> = {
  add: 'f64x2.add', sub: 'f64x2.sub', mul: 'f64x2.mul', div: 'f64x2.div', min: 'f64x2.min', max: 'f64x2.max', gt: 'f64x2.gt', lt: 'f64x2.lt',
  neg: 'f64x2.neg', sqrt: 'f64x2.sqrt', exp: 'vexp', expm1: 'vexpm1', log: 'vlog', tanh: 'vtanh', asinh: 'vasinh', sech2: 'vsech2', arrhenius: 'varrhenius',
};

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
export const outName = (o: string) => `out${cap(o)}`;

class AssemblyScriptEmitter extends KernelEmitter {
  constructor(
    model: CompiledModel,
    /** Prefix of this model's kernel functions and scratch arrays. */
    readonly prefix: string,
    /** The constant holding this model's CELL_STATE_FIXED. */
    private readonly fixedName: string,
  ) {
    super(model);
  }

  get fixed(): number {
    return this.layout.fixed;
  }

  protected reserved(): Set<string> {
    const buffers = ['s', 'ds', 'a', 'b', 'e'].flatMap((b) => [`${b}0`, `${b}1`]);
    return new Set([...buffers, 'p0', 'p1', 'm', ...this.model.definition.inputs.map((i) => i.name), 'riseTangent', ...this.model.definition.parameters.map((p) => `p_${p.name}`)]);
  }

  protected signature(k: KernelDecl): string[] {
    const args = kernelBuffers(k).flatMap((b) => [`${b}0: usize`, `${b}1: usize`]);
    args.push('p0: usize', 'p1: usize', ...k.inputs.map((i) => `${i}: v128`));
    return [`/** ${k.description} */`, `function ${this.prefix}${k.name}(${args.join(', ')}): void {`];
  }

  protected override prologue(): string[] {
    const params = new Set<string>();
    for (const n of this.kernelNodesDeep()) if (n.kind === 'param') params.add(n.name);
    return this.model.definition.parameters.filter((p) => params.has(p.name)).map((p) => `const p_${p.name} = at(p0, p1, P_${upperSnake(p.name)});`);
  }

  /** Every node reachable from the kernel's roots (leaves included). */
  private kernelNodesDeep(): Node[] {
    const seen = new Set<Node>();
    const visit = (n: Node) => {
      if (seen.has(n)) return;
      seen.add(n);
      n.args.forEach(visit);
    };
    for (const o of this.kernel.outputs) visit(o.node);
    for (const w of this.kernel.stores) visit(w.node);
    return [...seen];
  }

  protected leaf(n: Node): Rendered {
    switch (n.kind) {
      case 'const':
        return atom(`sp(${f64Literal(n.value)})`);
      case 'param':
        return atom(`p_${n.name}`);
      case 'constant':
        return atom(`sp(${n.name})`);
      case 'input':
        return atom(n.name);
      case 'table':
        return atom(`sp(ld(${n.name}, m))`);
      case 'state':
        return atom(`at(${n.buffer}0, ${n.buffer}1, S_${upperSnake(n.name)})`);
      case 'elem':
        return atom(`at(${n.buffer}0, ${n.buffer}1, ${this.offset(n.name)} + m)`);
      default:
        throw new Error(`assemblyscript emitter: unexpected leaf ${n.kind}`);
    }
  }

  private offset(name: string): string {
    return this.vectorOffset(name, (l) => l).replace(/^\d+/, this.fixedName);
  }

  protected operation(n: Node, a: Rendered[]): Rendered {
    if (n.kind === 'derived') return a[0];
    if (n.kind === 'series') return atom(`vseries${n.op === 'slope' ? 'Slope' : ''}(${n.name}, ${a[0].code})`);
    if (n.op === 'select') return atom(`v128.bitselect(${a[1].code}, ${a[2].code}, ${a[0].code})`);
    const f = FN[n.op];
    if (!f) throw new Error(`assemblyscript emitter: no f64x2 form of ${n.op}`);
    return atom(`${f}(${a.map((x) => x.code).join(', ')})`);
  }

  protected declare(name: string, value: Rendered): string {
    return `const ${name} = ${value.code};`;
  }
  protected loopOpen(length: string): string {
    return `for (let m = 0; m < ${length}; m++) {`;
  }
  protected loopClose(): string {
    return '}';
  }
  protected sumDeclare(name: string, n: Node): string {
    return n.op === 'min' ? `let ${name} = sp(Infinity);` : n.op === 'mul' ? `let ${name} = sp(1);` : `let ${name} = sp(0);`;
  }
  protected sumAdd(name: string, body: Rendered, n: Node): string {
    if (n.op === 'min') return `${name} = f64x2.min(${name}, ${body.code});`;
    return n.op === 'mul' ? `${name} = f64x2.mul(${name}, ${body.code});` : `${name} = f64x2.add(${name}, ${body.code});`;
  }
  protected store(w: KernelWrite, value: Rendered, vector: boolean): string {
    const index = vector ? `${this.offset(w.state)} + m` : `S_${upperSnake(w.state)}`;
    return `put(${w.buffer}0, ${w.buffer}1, ${index}, ${value.code});`;
  }
  protected output(o: KernelOutput, value: Rendered): string {
    return `${outName(o.name)} = ${value.code};`;
  }
  protected seriesPair(series: string, arg: Rendered, value: string, slope: string): string {
    return `const ${value} = vseriesBoth(${series}, ${arg.code});\nconst ${slope} = seriesSlope;`;
  }
  /** Module-level scratch arrays (static memory, two lanes per element) of the kernels emitted so far. */
  readonly scratch: string[] = [];
  protected arrayDeclare(names: readonly string[], length: string): string[] {
    const max = this.model.definition.lengths.find((l) => l.name === length)!.max;
    return names.map((n) => {
      const global = `${this.prefix}${this.kernel.name}_${n}`;
      this.scratch.push(`const ${global}: usize = memory.data(${16 * max}, 16);`);
      return `const ${n} = ${global};`;
    });
  }
  protected arrayStore(name: string, value: Rendered): string {
    return `vst(${name}, m, ${value.code});`;
  }
  protected arrayRead(name: string, length: string, offset: number): Rendered {
    return guarded(`vld(${name}, ${shift(offset)})`, length, offset);
  }
  protected shiftedRead(n: Node, offset: number): Rendered {
    const code = n.kind === 'table' ? `sp(ld(${n.name}, ${shift(offset)}))` : `at(${n.buffer}0, ${n.buffer}1, ${this.offset(n.name)} + ${shift(offset)})`;
    return guarded(code, n.length, offset);
  }
  protected syntax(): SolveSyntax {
    return {
      length: (l) => l,
      half: (n) => `(${n}) >> 1`,
      let: (name, value) => `let ${name} = ${value};`,
      int: (name, value) => `const ${name}: i32 = ${value};`,
      loop: (i, from, to, body) => [`for (let ${i}: i32 = ${from}; ${i} <= ${to}; ${i}++) {`, ...body.map((l) => `  ${l}`), '}'],
      get: (array, index) => `vld(${array}, ${index})`,
      set: (array, index, value) => `vst(${array}, ${index}, ${value});`,
      add: (x, y) => `f64x2.add(${x}, ${y})`,
      sub: (x, y) => `f64x2.sub(${x}, ${y})`,
      mul: (x, y) => `f64x2.mul(${x}, ${y})`,
      div: (x, y) => `f64x2.div(${x}, ${y})`,
      one: 'sp(1)',
      zero: 'sp(0)',
      pick: (cond, x, y) => `(${cond} ? ${x} : ${y})`,
      when: (cond, body) => [`if (${cond}) {`, ...body.map((l) => `  ${l}`), '}'],
    };
  }
}

const guarded = (code: string, length: string, offset: number) => guardedRead(code, length, offset, 'sp(0)');

/**
 * assembly/kernel.generated.ts: the kernels of every model (`models`, in model-index order) in one module, each model's
 * functions prefixed with its key, and one exported function per kernel that dispatches on the configured model. The
 * models' parameter layouts and scalar states must extend each other (the smaller a prefix of the larger), so the one
 * layout module (assembly/layout.generated.ts, of the largest) indexes them all.
 */
export function assemblyscriptKernels(models: ReadonlyArray<{ key: string; model: CompiledModel }>): string {
  for (const { model } of models) if (model.precision !== 'f64') throw new Error('assemblyscript emitter: f64 only');
  const largest = [...models].sort((a, b) => b.model.definition.parameters.length - a.model.definition.parameters.length)[0].model;
  checkPrefixes(models.map((m) => m.model), largest);
  const study = studyConstantUnion(models.map((m) => m.model.definition));
  const params = largest.definition.parameters.map((p) => `P_${upperSnake(p.name)}`);
  const states = largest.states.filter((s) => !s.length).map((s) => `S_${upperSnake(s.name)}`);
  const configArgs = [
    'modelIn: i32',
    ...study.lengths.map((l) => `${l.name}In: i32`),
    ...study.constants.map((c) => `${c.name}In: f64`),
    ...study.tables.map((t) => `${t.name}In: usize`),
    ...study.series.map((s) => `${s.name}In: usize`),
  ];
  const emitters = models.map(({ key, model }) => ({ key, model, emitter: new AssemblyScriptEmitter(model, `${key}_`, `STATE_FIXED_${key.toUpperCase()}`) }));
  const outputs = [...new Set(models.flatMap(({ model }) => kernelOrder(model).flatMap((k) => k.outputs.map((o) => o.name))))];
  const lines = [
    `// ${HEADER}`,
    `// ${models.map(({ key, model }) => `${key} (${model.definition.name}): ${model.definition.description}`).join('; ')}. f64x2, one cell per lane.`,
    `import { ${[...new Set([...params, ...states])].join(', ')} } from './layout.generated';`,
    "import { at, ld, put, seriesSlope, sp, varrhenius, vasinh, vexp, vexpm1, vld, vlog, vsech2, vseries, vseriesBoth, vseriesSlope, vst, vtanh } from './simd-math';",
    '',
    `// ---- The model of the study (configureKernel): ${models.map(({ key }, i) => `${i} ${key}`).join(', ')}`,
    'export let model: i32 = 0;',
    ...models.map(({ key }, i) => `export const MODEL_${key.toUpperCase()}: i32 = ${i};`),
    ...emitters.map(({ key, emitter }) => `/** State slots before the vectors (${key}). */
const STATE_FIXED_${key.toUpperCase()}: i32 = ${emitter.fixed};`),
    ...models.map(({ key, model }) => `/** Per-cell parameters (${key}). */
const PARAMETERS_${key.toUpperCase()}: i32 = ${model.definition.parameters.length};`),
    '',
    '// ---- Study constants (configureKernel): vector lengths, scalars, tables and series in linear memory',
    ...study.lengths.map((l) => `/** ${l.description} */\nexport let ${l.name}: i32 = 0;`),
    ...study.constants.map((c) => `/** ${c.description} [${c.unit}] */\nexport let ${c.name}: f64 = 0;`),
    ...study.tables.map((t) => `/** ${t.description}: ${t.length} f64 [${t.unit}] */\nexport let ${t.name}: usize = 0;`),
    ...study.series.map((s) => `/** ${s.description} (flattened series, src/model/series.ts) [${s.unit}] */\nexport let ${s.name}: usize = 0;`),
    '',
    `export function configureKernel(${configArgs.join(', ')}): void {`,
    '  model = modelIn;',
    ...[...study.lengths, ...study.constants, ...study.tables, ...study.series].map((x) => `  ${x.name} = ${x.name}In;`),
    '}',
    '',
    '/** State length of the configured model for the configured vector lengths. */',
    `export function stateLength(): i32 {`,
    ...emitters.map(({ key, emitter }) => `  if (model == MODEL_${key.toUpperCase()}) return ${emitter.stateLengthExpression((l) => l, `STATE_FIXED_${key.toUpperCase()}`)};`),
    '  return 0;',
    '}',
    '',
    '/** Per-cell parameters of the configured model (a prefix of the layout of assembly/layout.generated.ts). */',
    'export function parameterCount(): i32 {',
    ...models.map(({ key }) => `  if (model == MODEL_${key.toUpperCase()}) return PARAMETERS_${key.toUpperCase()};`),
    '  return 0;',
    '}',
    '',
    '// ---- Outputs of the last kernel call, one value per lane (outputs a model does not have keep their last value)',
    ...outputs.map((o) => `export let ${outName(o)}: v128 = f64x2.splat(0);`),
    '',
  ];
  const bodies: string[] = [];
  for (const { emitter, model } of emitters) for (const k of kernelOrder(model)) bodies.push(emitter.emit(k), '');
  lines.push('// ---- Scratch arrays of the kernels (vectors along a loop, tridiagonal solves): two lanes per element', ...emitters.flatMap((e) => e.emitter.scratch), '');
  lines.push(...bodies);
  lines.push('// ---- One function per kernel, dispatching on the configured model');
  const reference = kernelOrder(emitters[0].model);
  for (const k of reference) {
    const args = [...kernelBuffers(k).flatMap((b) => [`${b}0: usize`, `${b}1: usize`]), 'p0: usize', 'p1: usize', ...k.inputs.map((i) => `${i}: v128`)];
    const names = args.map((a) => a.split(':')[0]);
    for (const { key, model } of emitters) {
      const other = kernelOrder(model).find((x) => x.name === k.name)!;
      if (kernelBuffers(other).join() !== kernelBuffers(k).join() || other.inputs.join() !== k.inputs.join()) {
        throw new Error(`assemblyscript emitter: kernel ${k.name} of ${key} takes other arguments than ${emitters[0].key}'s`);
      }
    }
    lines.push(`/** ${k.description} */`, `export function ${k.name}(${args.join(', ')}): void {`);
    emitters.forEach(({ key }, i) => {
      const call = `${key}_${k.name}(${names.join(', ')});`;
      lines.push(i < emitters.length - 1 ? `  ${i ? 'else ' : ''}if (model == MODEL_${key.toUpperCase()}) ${call}` : `  else ${call}`);
    });
    lines.push('}', '');
  }
  return lines.join('\n');
}

/** Every model's parameters and scalar states are a prefix of the largest model's, so one layout indexes them all. */
function checkPrefixes(models: readonly CompiledModel[], largest: CompiledModel): void {
  const scalars = (m: CompiledModel) => stateLayout(m.states).scalar;
  for (const m of models) {
    m.definition.parameters.forEach((p, i) => {
      if (largest.definition.parameters[i]?.name !== p.name) throw new Error(`assemblyscript emitter: parameter ${p.name} of ${m.definition.name} is not at its place in ${largest.definition.name}`);
    });
    for (const [name, i] of scalars(m)) {
      if (scalars(largest).get(name) !== i) throw new Error(`assemblyscript emitter: state ${name} of ${m.definition.name} is not at its place in ${largest.definition.name}`);
    }
  }
}
