/**
 * The f64 TypeScript reference kernels (src/model/kernel.generated.ts): scalar, readable, with the definition's
 * names. Parameters are the objects of src/model/layout.ts, study constants a KernelConstants object, states
 * Float64Arrays in the f64 layout.
 */
import { compileModel, type CompiledModel } from '../compile.ts';
import type { KernelDecl, KernelOutput, KernelWrite } from '../define.ts';
import type { Node } from '../ir.ts';
import { atom, call, cLikeOperation, cLikeSyntax, f64Literal, guardedRead, HEADER, infix, kernelBuffers, KernelEmitter, kernelOrder, PREC, shift, upperSnake, wrap, type Rendered, type SolveSyntax } from './common.ts';

const MATH: Record<string, string> = { exp: 'Math.exp', expm1: 'Math.expm1', log: 'Math.log', sqrt: 'Math.sqrt', tanh: 'Math.tanh', asinh: 'Math.asinh', sech2: 'sech2', min: 'Math.min', max: 'Math.max' };

class TypeScriptEmitter extends KernelEmitter {
  protected reserved(): Set<string> {
    return new Set(['s', 'ds', 'a', 'b', 'e', 'p', 'k', 'm', 'out', ...this.model.definition.inputs.map((i) => i.name), 'riseTangent']);
  }

  /** Module-level scratch arrays of the kernels emitted so far (allocated once, at their largest length). */
  readonly scratch: string[] = [];

  protected signature(k: KernelDecl): string[] {
    const args = [
      ...kernelBuffers(k).map((b) => `${b}: Float64Array`),
      `p: ${parameterType(this.model)}`,
      'k: KernelConstants',
      ...k.inputs.map((i) => `${i}: number`),
      ...(k.outputs.length ? [`out: ${outputsType(k)}`] : []),
    ];
    return [`/** ${k.description} */`, `export function ${k.name}(${args.join(', ')}): void {`];
  }

  protected leaf(n: Node): Rendered {
    switch (n.kind) {
      case 'const':
        return n.value < 0 ? { code: `-${f64Literal(-n.value)}`, prec: PREC.ADD } : atom(f64Literal(n.value));
      case 'param':
        return atom(`p.${n.name}`);
      case 'constant':
        return atom(`k.${n.name}`);
      case 'input':
        return atom(n.name);
      case 'table':
        return atom(`k.${n.name}[m]`);
      case 'state':
        return atom(`${n.buffer}[${stateIndex(n.name)}]`);
      case 'elem':
        return atom(`${n.buffer}[${this.vectorOffset(n.name, (l) => `k.${l}`)} + m]`);
      default:
        throw new Error(`typescript emitter: unexpected leaf ${n.kind}`);
    }
  }

  protected operation(n: Node, a: Rendered[]): Rendered {
    if (n.kind === 'derived') return a[0];
    if (n.kind === 'series') return atom(`evaluateSeries${n.op === 'slope' ? 'Slope' : ''}(k.${n.name}, ${a[0].code})`);
    if (n.op === 'arrhenius') return { code: `${wrap(a[0], PREC.UNARY)} === 0 ? 1 : Math.exp(${infix('*', a[0], a[1]).code})`, prec: 0 };
    const common = cLikeOperation(n.op, a);
    if (common) return common;
    const f = MATH[n.op];
    if (!f) throw new Error(`typescript emitter: no f64 form of ${n.op}`);
    return call(f, a);
  }

  protected declare(name: string, value: Rendered): string {
    return `const ${name} = ${value.code};`;
  }
  protected loopOpen(length: string): string {
    return `for (let m = 0; m < k.${length}; m++) {`;
  }
  protected loopClose(): string {
    return '}';
  }
  protected sumDeclare(name: string, n: Node): string {
    return n.op === 'min' ? `let ${name} = Infinity;` : n.op === 'mul' ? `let ${name} = 1;` : `let ${name} = 0;`;
  }
  protected sumAdd(name: string, body: Rendered, n: Node): string {
    return n.op === 'min' ? `${name} = Math.min(${name}, ${body.code});` : n.op === 'mul' ? `${name} *= ${body.code};` : `${name} += ${body.code};`;
  }
  protected store(w: KernelWrite, value: Rendered, vector: boolean): string {
    return vector ? `${w.buffer}[${this.vectorOffset(w.state, (l) => `k.${l}`)} + m] = ${value.code};` : `${w.buffer}[${stateIndex(w.state)}] = ${value.code};`;
  }
  protected output(o: KernelOutput, value: Rendered): string {
    return `out.${o.name} = ${value.code};`;
  }
  protected seriesPair(series: string, arg: Rendered, value: string, slope: string): string {
    return `const ${value} = evaluateSeriesBoth(k.${series}, ${arg.code}, SLOPE);\nconst ${slope} = SLOPE[0];`;
  }
  protected arrayDeclare(names: readonly string[], length: string): string[] {
    const max = this.model.definition.lengths.find((l) => l.name === length)!.max;
    return names.map((n) => {
      const global = `${this.kernel.name}_${n}`;
      this.scratch.push(`const ${global} = new Float64Array(${max});`);
      return `const ${n} = ${global};`;
    });
  }
  protected arrayStore(name: string, value: Rendered): string {
    return `${name}[m] = ${value.code};`;
  }
  protected arrayRead(name: string, length: string, offset: number): Rendered {
    return guarded(`${name}[${shift(offset)}]`, length, offset);
  }
  protected shiftedRead(n: Node, offset: number): Rendered {
    const code = n.kind === 'table' ? `k.${n.name}[${shift(offset)}]` : `${n.buffer}[${this.vectorOffset(n.name, (l) => `k.${l}`)} + ${shift(offset)}]`;
    return guarded(code, n.length, offset);
  }
  protected syntax(): SolveSyntax {
    return cLikeSyntax({ length: (l) => `k.${l}`, float: 'let', int: 'const', loopVar: 'let' });
  }
}

const guarded = (code: string, length: string, offset: number) => guardedRead(code, `k.${length}`, offset, '0');

const stateIndex = (name: string) => `S_${upperSnake(name)}`;

/** The parameter type of a model's kernels in src/model/layout.ts (the SPM's, or a larger model's that extends it). */
function parameterType(model: CompiledModel): string {
  return model.definition.summaries.length ? 'SpmeKernelParameters' : 'CellKernelParameters';
}

function outputsType(k: KernelDecl): string {
  return `${k.name[0].toUpperCase()}${k.name.slice(1)}Outputs`;
}

/** src/model/kernel.generated.ts */
export function typescriptKernels(model: CompiledModel): string {
  if (model.precision !== 'f64') throw new Error('typescript emitter: f64 only');
  const def = model.definition;
  const emitter = new TypeScriptEmitter(model);
  const layout = emitter['layout'];
  const out: string[] = [
    `// ${HEADER}`,
    `// ${def.name}: ${def.description}.`,
    `import type { ${parameterType(model)} } from './layout.ts';`,
    "import { evaluateSeries, evaluateSeriesBoth, evaluateSeriesSlope, sech2, type StoichFunction } from './series.ts';",
    '',
    '/** The slope of the last evaluateSeriesBoth call. */',
    'const SLOPE = new Float64Array(1);',
    '',
    '/** Per-study constants of the kernels: vector lengths, scalars, tables and parameter-set functions. */',
    'export interface KernelConstants {',
    ...def.lengths.map((l) => `  /** ${l.description} */\n  ${l.name}: number;`),
    ...def.constants.map((c) => `  /** ${c.description} [${c.unit}] */\n  ${c.name}: number;`),
    ...def.tables.map((t) => `  /** ${t.description} (length ${t.length}) [${t.unit}] */\n  ${t.name}: Float64Array;`),
    ...def.series.map((f) => `  /** ${f.description} [${f.unit}] */\n  ${f.name}: StoichFunction;`),
    '}',
    '',
    '// State layout (f64): scalars, then the vectors in order.',
    ...[...layout.scalar].map(([name, i]) => `export const ${stateIndex(name)} = ${i};`),
    `export const STATE_FIXED = ${layout.fixed};`,
    '',
  ];
  const seen = new Set<string>();
  for (const k of kernelOrder(model)) {
    if (!k.outputs.length) continue;
    const type = outputsType(k);
    if (seen.has(type)) continue;
    seen.add(type);
    out.push(`export interface ${type} {`, ...k.outputs.map((o) => `  ${o.name}: number;`), '}', '');
  }
  const kernels = kernelOrder(model).map((k) => emitter.emit(k));
  if (emitter.scratch.length) out.push('// Scratch arrays of the kernels (vectors along a loop, tridiagonal solves), at their largest length.', ...emitter.scratch, '');
  for (const k of kernels) out.push(k, '');
  return out.join('\n');
}

/**
 * The derived rows an f32 target uploads after the parameters, computed here in f64 (double-float rows as head and
 * tail): appended to src/model/kernel.generated.ts for the WebGPU host.
 */
export function typescriptDerivedRows(f32: CompiledModel, rows: ReadonlyArray<{ name: string; df: boolean }>): string {
  const f64 = compileModel(f32.definition, 'f64');
  const emitter = new TypeScriptEmitter({ ...f64, names: new Map([...f64.names, ...f32.names]) });
  const outputs = f32.derived.map((d) => {
    let node = d.node.args[0];
    if (d.node.type === 'df') node = node.args[0]; // dfOf(x): the f64 value x, split below
    return { name: d.name, node };
  });
  const body = emitter.emit({ name: 'derivedValues', description: 'Derived values in f64.', inputs: [], reads: [], writes: [], outputs, stores: [] });
  const lines = [
    '',
    `/** The derived rows of the f32 (WGSL) kernel, in row order (D_* in shaders/layout.generated.wgsl). */`,
    `export const DERIVED_ROWS = [${rows.flatMap((r) => (r.df ? [`'${r.name}'`, `'${r.name}Tail'`] : [`'${r.name}'`])).join(', ')}] as const;`,
    '',
    'export interface DerivedValuesOutputs {',
    ...outputs.map((o) => `  ${o.name}: number;`),
    '}',
    '',
    body.replace('export function derivedValues', 'function derivedValues'),
    '',
    '/** The f32 kernel\'s derived rows of one cell, in f64, into out[0 .. DERIVED_ROWS.length). */',
    `export function derivedRows(p: ${parameterType(f32)}, k: KernelConstants, out: Float64Array): void {`,
    `  const v = {} as DerivedValuesOutputs;`,
    '  derivedValues(p, k, v);',
    ...(() => {
      const l: string[] = [];
      let i = 0;
      for (const r of rows) {
        if (r.df) {
          l.push(`  out[${i}] = Math.fround(v.${r.name});`, `  out[${i + 1}] = v.${r.name} - Math.fround(v.${r.name});`);
          i += 2;
        } else l.push(`  out[${i++}] = v.${r.name};`);
      }
      return l;
    })(),
    '}',
    '',
  ];
  return lines.join('\n');
}
