/**
 * The WGSL f32 kernels (shaders/kernel.generated.wgsl) and the per-study constants they read (the prelude).
 *
 * Kernels are functions on private state arrays passed by pointer (`ptr<private, CellState>`), with the cell index `c`
 * for the parameter accessor `prm(row, c)` of the working-memory variant (shaders/work-*.wgsl); derived values are rows
 * uploaded after the parameters (computed in f64 on the host). Target forms live here: f32-stable expm1, tanh, asinh,
 * sech^2 and the Arrhenius factor, and the double-float arithmetic of src/model/physics-f32.ts (two_prod, df_add through
 * an opaque 1.0 that shader compilers cannot fold away).
 */
import type { ParameterSet, SeriesFunction } from '../../params/types.ts';
import type { PiecewiseCubic } from '../../math/spline.ts';
import { isPiecewiseCubic, type StoichFunction } from '../../model/series.ts';
import type { CompiledModel } from '../compile.ts';
import type { KernelDecl, KernelOutput, KernelWrite, StudyContext } from '../define.ts';
import type { Node } from '../ir.ts';
import { atom, call, cLikeOperation, cLikeSyntax, HEADER, infix, kernelBuffers, KernelEmitter, kernelOrder, PREC, upperSnake, wrap, type Rendered, type SolveSyntax } from './common.ts';

/** An f32 literal that WGSL parses as an abstract float. */
export function wgslLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`wgsl emitter: non-finite literal ${v}`);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return `${v}.0`;
  // Nine significant digits round-trip an f32.
  const [mantissa, exponent] = v.toPrecision(9).split('e');
  const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '.0') : `${mantissa}.0`;
  return exponent === undefined ? m : `${m}e${exponent}`;
}

const FN: Record<string, string> = {
  exp: 'exp', expm1: 'expm1_s', log: 'log', sqrt: 'sqrt', tanh: 'tanh_s', asinh: 'asinh_s', sech2: 'sech2_s', min: 'min', max: 'max',
  arrhenius: 'arrhenius_s', twoProd: 'two_prod', dfAdd: 'df_add', dfValue: 'df_value',
};

/** Words WGSL reserves that a definition name could take. */
const RESERVED = new Set(['target', 'type', 'module', 'filter', 'set', 'get', 'pass', 'match', 'self', 'from', 'of', 'as', 'do', 'new', 'null', 'public', 'common', 'precision', 'layout', 'shared', 'static', 'this', 'with', 'where', 'use', 'ref', 'move', 'meta', 'mod', 'enum', 'class', 'export', 'import', 'final']);

export const snake = (name: string) => upperSnake(name).toLowerCase();
export const wgslKernelName = (name: string) => `cell_${snake(name)}`;
export const outputsStruct = (k: KernelDecl) => `${k.name[0].toUpperCase()}${k.name.slice(1)}Outputs`;

class WgslEmitter extends KernelEmitter {
  protected reserved(): Set<string> {
    return new Set(['s', 'ds', 'a', 'b', 'e', 'c', 'm', 'result', ...RESERVED, ...this.model.definition.inputs.map((i) => i.name), 'riseTangent']);
  }

  protected signature(k: KernelDecl): string[] {
    const args = kernelBuffers(k).map((b) => `${b}: ptr<private, CellState>`);
    args.push('c: u32', ...k.inputs.map((i) => `${i}: f32`));
    const ret = k.outputs.length ? ` -> ${outputsStruct(k)}` : '';
    return [`// ${k.description}`, `fn ${wgslKernelName(k.name)}(${args.join(', ')})${ret} {`];
  }

  protected override prologue(): string[] {
    return this.kernel.outputs.length ? [`var result: ${outputsStruct(this.kernel)};`] : [];
  }
  protected override epilogue(): string[] {
    return this.kernel.outputs.length ? ['return result;'] : [];
  }

  protected leaf(n: Node): Rendered {
    switch (n.kind) {
      case 'const':
        return n.value < 0 ? { code: wgslLiteral(n.value), prec: PREC.ADD } : atom(wgslLiteral(n.value));
      case 'param':
        return atom(`prm(P_${upperSnake(n.name)}, c)`);
      case 'derived': {
        const row = `D_${upperSnake(n.name)}`;
        return atom(n.type === 'df' ? `vec2<f32>(prm(${row}, c), prm(${row}_TAIL, c))` : `prm(${row}, c)`);
      }
      case 'constant':
        return atom(upperSnake(n.name));
      case 'table':
        return atom(`${upperSnake(n.name)}[m]`);
      case 'input':
        return atom(n.name);
      case 'state': {
        const i = `S_${upperSnake(n.name)}`;
        return atom(n.type === 'df' ? `vec2<f32>((*${n.buffer})[${i}], (*${n.buffer})[${i}_TAIL])` : `(*${n.buffer})[${i}]`);
      }
      case 'elem':
        return atom(`(*${n.buffer})[${this.offset(n.name)} + m]`);
      default:
        throw new Error(`wgsl emitter: unexpected leaf ${n.kind}`);
    }
  }

  private offset(name: string): string {
    return this.vectorOffset(name, upperSnake).replace(/^\d+/, 'CELL_STATE_FIXED');
  }

  protected operation(n: Node, a: Rendered[]): Rendered {
    if (n.kind === 'derived') throw new Error(`wgsl emitter: derived ${n.name} must be a row`);
    if (n.kind === 'series') return atom(`series_${n.op === 'slope' ? 'slope_' : ''}${snake(n.name)}(${a[0].code})`);
    switch (n.op) {
      case 'gt':
      case 'lt':
        return atom(`(${cLikeOperation(n.op, a)!.code})`);
      case 'select':
        return atom(`select(${a[2].code}, ${a[1].code}, ${a[0].code})`);
      case 'dfOf':
        return atom(`vec2<f32>(${a[0].code}, 0.0)`);
    }
    const common = cLikeOperation(n.op, a);
    if (common) return common;
    const f = FN[n.op];
    if (!f) throw new Error(`wgsl emitter: no f32 form of ${n.op}`);
    return call(f, a);
  }

  protected declare(name: string, value: Rendered): string {
    return `let ${name} = ${value.code};`;
  }
  protected loopOpen(length: string): string {
    return `for (var m = 0u; m < ${upperSnake(length)}; m++) {`;
  }
  protected loopClose(): string {
    return '}';
  }
  protected sumDeclare(name: string, n: Node): string {
    if (n.op === 'min') return `var ${name} = 3.0e38;`;
    if (n.op === 'mul') return `var ${name} = 1.0;`;
    return n.type === 'df' ? `var ${name} = vec2<f32>(0.0, 0.0);` : `var ${name} = 0.0;`;
  }
  protected sumAdd(name: string, body: Rendered, n: Node): string {
    if (n.op === 'min') return `${name} = min(${name}, ${body.code});`;
    if (n.op === 'mul') return `${name} *= ${body.code};`;
    return n.type === 'df' ? `${name} = df_add(${name}, ${body.code});` : `${name} += ${body.code};`;
  }
  protected arrayDeclare(names: readonly string[], length: string): string[] {
    return names.map((n) => `var ${n}: array<f32, ${upperSnake(length)}>;`);
  }
  protected arrayStore(name: string, value: Rendered): string {
    return `${name}[m] = ${value.code};`;
  }
  protected arrayRead(name: string, length: string, offset: number): Rendered {
    return guarded((i) => `${name}[${i}]`, upperSnake(length), offset);
  }
  protected shiftedRead(n: Node, offset: number): Rendered {
    const at = (i: string) => (n.kind === 'table' ? `${upperSnake(n.name)}[${i}]` : `(*${n.buffer})[${this.offset(n.name)} + ${i}]`);
    return guarded(at, upperSnake(n.length), offset);
  }
  protected syntax(): SolveSyntax {
    // Indices as i32 (the loops count down as well as up); the lengths are u32 constants.
    return {
      ...cLikeSyntax({ length: (l) => `i32(${upperSnake(l)})`, float: 'var', int: 'let', loopVar: 'var', one: '1.0', zero: '0.0' }),
      pick: (cond, x, y) => `select(${y}, ${x}, ${cond})`,
      half: (n) => `(${n}) / 2`,
    };
  }



  protected store(w: KernelWrite, value: Rendered, vector: boolean): string {
    if (vector) return `(*${w.buffer})[${this.offset(w.state)} + m] = ${value.code};`;
    const i = `S_${upperSnake(w.state)}`;
    if (w.node.type === 'df') {
      const t = `${w.buffer}_${snake(w.state)}`;
      return `let ${t} = ${value.code};\n(*${w.buffer})[${i}] = ${t}.x;\n(*${w.buffer})[${i}_TAIL] = ${t}.y;`;
    }
    return `(*${w.buffer})[${i}] = ${value.code};`;
  }
  protected output(o: KernelOutput, value: Rendered): string {
    return `result.${o.name} = ${value.code};`;
  }
  protected seriesPair(series: string, arg: Rendered, value: string, slope: string): string {
    const pair = `${value}_and_slope`;
    return `let ${pair} = series_both_${snake(series)}(${arg.code});\nlet ${value} = ${pair}.x;\nlet ${slope} = ${pair}.y;`;
  }
}

/**
 * A read at m + offset, 0 outside [0, length): the index is clamped into range (WGSL evaluates both sides of select).
 */
function guarded(read: (index: string) => string, length: string, offset: number): Rendered {
  if (offset === 0) return atom(read('m'));
  if (offset > 0) return atom(`select(0.0, ${read(`min(m + ${offset}u, ${length} - 1u)`)}, m + ${offset}u < ${length})`);
  return atom(`select(0.0, ${read(`max(m, ${-offset}u) - ${-offset}u`)}, m >= ${-offset}u)`);
}

/** Elementary functions in forms that stay accurate in f32, and double-float arithmetic. */
const F32_FORMS = `// ---- f32 forms of the elementary functions (the emitter's, never the physics')

// exp(x) - 1: Taylor polynomial for |x| < 0.5 (truncation < 3e-10 relative), exp(x) - 1 beyond (no cancellation).
fn expm1_s(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0
      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}

// tanh without overflow for any |x| and accurate near 0: -expm1(-2|x|) / (2 + expm1(-2|x|)).
fn tanh_s(x: f32) -> f32 {
  let e = expm1_s(-2.0 * min(abs(x), 40.0));
  let t = -e / (2.0 + e);
  return select(t, -t, x < 0.0);
}

// sech^2(x) = 4 e^{-2|x|} / (1 + e^{-2|x|})^2: no overflow, no cancellation.
fn sech2_s(x: f32) -> f32 {
  let e = exp(-2.0 * min(abs(x), 40.0));
  let d = 1.0 + e;
  return 4.0 * e / (d * d);
}

// log(1 + u) for u >= 0: 2 atanh(u / (2 + u)) series for small u.
fn log1p_s(u: f32) -> f32 {
  if (u < 0.5) {
    let z = u / (2.0 + u);
    let z2 = z * z;
    return 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (1.0 / 9.0 + z2 * (1.0 / 11.0))))));
  }
  return log(1.0 + u);
}

fn asinh_s(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1.0e4) {
    r = log(a) + 0.6931471805599453;
  } else {
    r = log1p_s(a + a * a / (1.0 + sqrt(1.0 + a * a)));
  }
  return select(r, -r, x < 0.0);
}

// exp(a x), exactly 1 where the activation a is 0.
fn arrhenius_s(a: f32, x: f32) -> f32 {
  if (a == 0.0) {
    return 1.0;
  }
  return exp(a * x);
}

// ---- double-float (head + tail) arithmetic
//
// Error-free transformations for the double-float states of src/model/physics-f32.ts. Shader compilers may simplify
// (a + b) - a to b (Mesa's NIR does: measured, the TwoSum error term came out 0 for every input on llvmpipe), so the
// subtraction that recovers the rounding error goes through ONE, a 1.0 the compiler cannot see (set from the
// dispatch uniform at the start of the entry point). Products are split by masking the low 12 significand bits
// (bitcast, so no rounding and nothing to simplify): the four partial products are exact, fused or not. Tested in
// test/webgpu.
var<private> ONE: f32;

fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s * ONE - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

fn split12(a: f32) -> vec2<f32> {
  let h = bitcast<f32>(bitcast<u32>(a) & 0xFFFFF000u);
  return vec2<f32>(h, a - h);
}

fn two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let x = split12(a);
  let y = split12(b);
  return vec2<f32>(p, ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y);
}

// (a.x + a.y) + (b.x + b.y) as a normalised head + tail.
fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let e = s.y + (a.y + b.y);
  let h = s.x + e;
  return vec2<f32>(h, e - (h * ONE - s.x));
}

fn df_value(a: vec2<f32>) -> f32 {
  return a.x + a.y;
}
`;

/** shaders/kernel.generated.wgsl */
export function wgslKernels(model: CompiledModel): string {
  if (model.precision !== 'f32') throw new Error('wgsl emitter: f32 only');
  const def = model.definition;
  const emitter = new WgslEmitter(model);
  const out: string[] = [
    `// ${HEADER}`,
    `// ${def.name}: ${def.description}; f32, one cell per call. Needs the study prelude (src/kernels/emit/wgsl.ts`,
    '// wgslStudyConstants: lengths, constants, tables, series functions) and layout.generated.wgsl; the working-memory',
    '// variant provides prm(row, cell).',
    '',
    F32_FORMS,
    'alias CellState = array<f32, STATE_LEN>;',
    '',
  ];
  const seen = new Set<string>();
  for (const k of kernelOrder(model)) {
    if (!k.outputs.length || seen.has(outputsStruct(k))) continue;
    seen.add(outputsStruct(k));
    out.push(`struct ${outputsStruct(k)} {`, ...k.outputs.map((o) => `  ${o.name}: f32,`), '}', '');
  }
  for (const k of kernelOrder(model)) out.push(emitter.emit(k), '');
  return out.join('\n');
}

/**
 * A piecewise cubic as WGSL: a binary decision tree on the knots (literals; no array is indexed, so no backend has to
 * materialise a table per invocation) down to the interval's Horner polynomial, returning (value, slope).
 */
function splineFunctions(name: string, f: PiecewiseCubic): string[] {
  const lit = wgslLiteral;
  const x = f.knots;
  const c = f.coefficients;
  const lines = [`fn spline_${snake(name)}(s: f32) -> vec2<f32> {`];
  const tree = (lo: number, hi: number, depth: number) => {
    const pad = '  '.repeat(depth);
    if (lo === hi) {
      const [c0, c1, c2, c3] = [c[4 * lo], c[4 * lo + 1], c[4 * lo + 2], c[4 * lo + 3]];
      lines.push(`${pad}let t = s - ${lit(x[lo])};`);
      lines.push(`${pad}return vec2<f32>(${lit(c0)} + t * (${lit(c1)} + t * (${lit(c2)} + t * ${lit(c3)})), ${lit(c1)} + t * (${lit(2 * c2)} + t * ${lit(3 * c3)}));`);
      return;
    }
    const mid = (lo + hi + 1) >> 1;
    lines.push(`${pad}if (s < ${lit(x[mid])}) {`);
    tree(lo, mid - 1, depth + 1);
    lines.push(`${pad}} else {`);
    tree(mid, hi, depth + 1);
    lines.push(`${pad}}`);
  };
  tree(0, x.length - 2, 1);
  lines.push('}');
  return [
    ...lines,
    `fn series_${snake(name)}(s: f32) -> f32 { return spline_${snake(name)}(s).x; }`,
    `fn series_slope_${snake(name)}(s: f32) -> f32 { return spline_${snake(name)}(s).y; }`,
    `fn series_both_${snake(name)}(s: f32) -> vec2<f32> { return spline_${snake(name)}(s); }`,
  ];
}

function seriesFunctions(name: string, f: StoichFunction): string[] {
  if (isPiecewiseCubic(f)) return splineFunctions(name, f);
  return closedFormFunctions(name, f);
}

function closedFormFunctions(name: string, f: SeriesFunction): string[] {
  const lit = wgslLiteral;
  const value = [`fn series_${snake(name)}(s: f32) -> f32 {`, `  var u = ${lit(f.constant)} + ${lit(f.linear)} * s;`];
  const slope = [`fn series_slope_${snake(name)}(s: f32) -> f32 {`, `  var d = ${lit(f.linear)};`];
  for (const e of f.exp) {
    value.push(`  u += ${lit(e.amplitude)} * exp(${lit(e.rate)} * s);`);
    slope.push(`  d += ${lit(e.amplitude * e.rate)} * exp(${lit(e.rate)} * s);`);
  }
  for (const t of f.tanh) {
    value.push(`  u += ${lit(t.amplitude)} * tanh_s(${lit(t.slope)} * (s - ${lit(t.center)}));`);
    slope.push(`  d += ${lit(t.amplitude * t.slope)} * sech2_s(${lit(t.slope)} * (s - ${lit(t.center)}));`);
  }
  for (const t of f.sech2 ?? []) {
    value.push(`  u += ${lit(t.amplitude)} * sech2_s(${lit(t.slope)} * (s - ${lit(t.center)}));`);
    slope.push(`  { let x = ${lit(t.slope)} * (s - ${lit(t.center)}); d -= ${lit(2 * t.amplitude * t.slope)} * sech2_s(x) * tanh_s(x); }`);
  }
  value.push('  return u;', '}');
  slope.push('  return d;', '}');
  // Value and slope together (one evaluation of each exponential).
  const both = [`fn series_both_${snake(name)}(s: f32) -> vec2<f32> {`, `  var u = ${lit(f.constant)} + ${lit(f.linear)} * s;`, `  var d = ${lit(f.linear)};`];
  for (const e of f.exp) both.push(`  { let x = ${lit(e.amplitude)} * exp(${lit(e.rate)} * s); u += x; d += ${lit(e.rate)} * x; }`);
  for (const t of f.tanh) both.push(`  { let th = tanh_s(${lit(t.slope)} * (s - ${lit(t.center)})); u += ${lit(t.amplitude)} * th; d += ${lit(t.amplitude * t.slope)} * (1.0 - th * th); }`);
  for (const t of f.sech2 ?? []) both.push(`  { let x = ${lit(t.slope)} * (s - ${lit(t.center)}); let h = sech2_s(x); u += ${lit(t.amplitude)} * h; d -= ${lit(2 * t.amplitude * t.slope)} * h * tanh_s(x); }`);
  both.push('  return vec2<f32>(u, d);', '}');
  return [...value, ...slope, ...both];
}

/** The per-study constants of the WGSL kernels (prefixed to the shader by the host). */
export function wgslStudyConstants(model: CompiledModel, ctx: StudyContext, set: ParameterSet = ctx.set): string {
  const def = model.definition;
  const lines = [`// Study constants of ${def.name} (src/kernels/emit/wgsl.ts wgslStudyConstants).`];
  const lengths: Record<string, number> = {};
  for (const l of def.lengths) {
    lengths[l.name] = l.value(ctx);
    lines.push(`const ${upperSnake(l.name)}: u32 = ${lengths[l.name]}u; // ${l.description}`);
  }
  const layoutFixed = emitterLayoutFixed(model);
  const vectorTotal = model.states.filter((s) => s.length).reduce((n, s) => n + lengths[s.length!], 0);
  lines.push(`const STATE_LEN: u32 = ${layoutFixed + vectorTotal}u; // state slots (f32 layout)`);
  for (const c of def.constants) lines.push(`const ${upperSnake(c.name)}: f32 = ${wgslLiteral(c.value(ctx))}; // ${c.description} [${c.unit}]`);
  for (const t of def.tables) {
    const v = t.value(ctx);
    lines.push(`const ${upperSnake(t.name)} = array<f32, ${v.length}>(${Array.from(v, wgslLiteral).join(', ')}); // ${t.description}`);
  }
  for (const s of def.series) lines.push(...seriesFunctions(s.name, s.value(set)));
  return lines.join('\n');
}

function emitterLayoutFixed(model: CompiledModel): number {
  let k = 0;
  for (const s of model.states) if (!s.length) k += s.type === 'df' ? 2 : 1;
  return k;
}
