/**
 * The AssemblyScript f64x2 SIMD kernels (assembly/kernel.generated.ts): two cells per call, one per lane, each lane
 * with its own state, parameter and buffer pointers. Study constants are module globals set by `configureKernel`
 * (the WASM module is compiled once for every parameter set: series coefficients and eigenvalues are read from memory).
 * Outputs go to module globals `out<Name>` (v128, one value per lane). Elementary functions come from
 * assembly/simd-math.ts.
 */
import type { CompiledModel } from '../compile.ts';
import type { KernelDecl, KernelOutput, KernelWrite } from '../define.ts';
import type { Node } from '../ir.ts';
import { atom, f64Literal, HEADER, KernelEmitter, kernelOrder, upperSnake, type Rendered } from './common.ts';

const FN: Record<string, string> = {
  add: 'f64x2.add', sub: 'f64x2.sub', mul: 'f64x2.mul', div: 'f64x2.div', min: 'f64x2.min', max: 'f64x2.max', gt: 'f64x2.gt', lt: 'f64x2.lt',
  neg: 'f64x2.neg', sqrt: 'f64x2.sqrt', exp: 'vexp', expm1: 'vexpm1', log: 'vlog', tanh: 'vtanh', asinh: 'vasinh', sech2: 'vsech2', arrhenius: 'varrhenius',
};

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
export const outName = (o: string) => `out${cap(o)}`;

class AssemblyScriptEmitter extends KernelEmitter {
  protected reserved(): Set<string> {
    const buffers = ['s', 'ds', 'a', 'b', 'e'].flatMap((b) => [`${b}0`, `${b}1`]);
    return new Set([...buffers, 'p0', 'p1', 'm', ...this.model.definition.inputs.map((i) => i.name), 'riseTangent', ...this.model.definition.parameters.map((p) => `p_${p.name}`)]);
  }

  protected signature(k: KernelDecl): string[] {
    const args = [...k.reads, ...k.writes].flatMap((b) => [`${b}0: usize`, `${b}1: usize`]);
    args.push('p0: usize', 'p1: usize', ...k.inputs.map((i) => `${i}: v128`));
    return [`/** ${k.description} */`, `export function ${k.name}(${args.join(', ')}): void {`];
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
    return this.vectorOffset(name, (l) => l).replace(/^\d+/, 'CELL_STATE_FIXED');
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
  protected sumDeclare(name: string): string {
    return `let ${name} = sp(0);`;
  }
  protected sumAdd(name: string, body: Rendered): string {
    return `${name} = f64x2.add(${name}, ${body.code});`;
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
}

/** assembly/kernel.generated.ts */
export function assemblyscriptKernels(model: CompiledModel): string {
  if (model.precision !== 'f64') throw new Error('assemblyscript emitter: f64 only');
  const def = model.definition;
  const emitter = new AssemblyScriptEmitter(model);
  const outputs = [...new Set(kernelOrder(model).flatMap((k) => k.outputs.map((o) => o.name)))];
  const params = def.parameters.map((p) => `P_${upperSnake(p.name)}`);
  const states = model.states.filter((s) => !s.length).map((s) => `S_${upperSnake(s.name)}`);
  const configArgs = [
    ...def.lengths.map((l) => `${l.name}In: i32`),
    ...def.constants.map((c) => `${c.name}In: f64`),
    ...def.tables.map((t) => `${t.name}In: usize`),
    ...def.series.map((s) => `${s.name}In: usize`),
  ];
  const lines = [
    `// ${HEADER}`,
    `// ${def.name}: ${def.description}; f64x2, one cell per lane.`,
    `import { ${[...params, ...states, 'CELL_STATE_FIXED'].join(', ')} } from './layout.generated';`,
    "import { at, ld, put, seriesSlope, sp, varrhenius, vasinh, vexp, vexpm1, vlog, vsech2, vseries, vseriesBoth, vseriesSlope, vtanh } from './simd-math';",
    '',
    '// ---- Study constants (configureKernel): vector lengths, scalars, tables and series in linear memory',
    ...def.lengths.map((l) => `/** ${l.description} */\nexport let ${l.name}: i32 = 0;`),
    ...def.constants.map((c) => `/** ${c.description} [${c.unit}] */\nexport let ${c.name}: f64 = 0;`),
    ...def.tables.map((t) => `/** ${t.description}: ${t.length} f64 [${t.unit}] */\nexport let ${t.name}: usize = 0;`),
    ...def.series.map((s) => `/** ${s.description} (flattened series, src/model/series.ts) [${s.unit}] */\nexport let ${s.name}: usize = 0;`),
    '',
    `export function configureKernel(${configArgs.join(', ')}): void {`,
    ...[...def.lengths, ...def.constants, ...def.tables, ...def.series].map((x) => `  ${x.name} = ${x.name}In;`),
    '}',
    '',
    '/** State length for the configured vector lengths. */',
    `export function stateLength(): i32 {`,
    `  return ${emitter.stateLengthExpression((l) => l, 'CELL_STATE_FIXED')};`,
    '}',
    '',
    '// ---- Outputs of the last kernel call, one value per lane',
    ...outputs.map((o) => `export let ${outName(o)}: v128 = f64x2.splat(0);`),
    '',
  ];
  for (const k of kernelOrder(model)) lines.push(emitter.emit(k), '');
  return lines.join('\n');
}
