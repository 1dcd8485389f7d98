/**
 * The C kernels (bench/native/kernel.generated.h): scalar f64 with the C library's elementary functions, the native
 * yardstick of bench/wasm.ts and a backend of the kernel conformance suite. Parameters are a double array in layout
 * order, study constants a KernelConstants struct (series flattened as in src/model/series.ts), states double arrays.
 */
import type { CompiledModel } from '../compile.ts';
import type { KernelDecl, KernelOutput, KernelWrite } from '../define.ts';
import type { Node } from '../ir.ts';
import { atom, call, cLikeOperation, cLikeSyntax, f64Literal, guardedRead, HEADER, infix, kernelBuffers, KernelEmitter, kernelOrder, PREC, shift, upperSnake, wrap, type Rendered, type SolveSyntax } from './common.ts';
import { TOLERANCES } from '../tolerances.ts';

const MATH: Record<string, string> = { exp: 'exp', expm1: 'expm1', log: 'log', sqrt: 'sqrt', tanh: 'tanh', asinh: 'asinh', sech2: 'sech2', min: 'fmin', max: 'fmax' };
const cap = (s: string) => s[0].toUpperCase() + s.slice(1);
export const cKernelName = (name: string) => `cell_${upperSnake(name).toLowerCase()}`;

class CEmitter extends KernelEmitter {
  protected reserved(): Set<string> {
    return new Set(['s', 'ds', 'a', 'b', 'e', 'p', 'k', 'm', 'out', 'exp', 'log', 'sqrt', 'tanh', 'asinh', 'expm1', ...this.model.definition.inputs.map((i) => i.name), 'riseTangent']);
  }

  protected signature(k: KernelDecl): string[] {
    const args = [
      ...kernelBuffers(k).map((b) => (k.writes.includes(b) ? `double *${b}` : `const double *${b}`)),
      'const double *p',
      'const KernelConstants *k',
      ...k.inputs.map((i) => `double ${i}`),
      ...(k.outputs.length ? [`${cap(k.name)}Outputs *out`] : []),
    ];
    return [`/* ${k.description} */`, `static void ${cKernelName(k.name)}(${args.join(', ')}) {`];
  }

  protected leaf(n: Node): Rendered {
    switch (n.kind) {
      case 'const':
        return n.value < 0 ? { code: `-${f64Literal(-n.value)}`, prec: PREC.ADD } : atom(f64Literal(n.value));
      case 'param':
        return atom(`p[P_${upperSnake(n.name)}]`);
      case 'constant':
        return atom(`k->${n.name}`);
      case 'input':
        return atom(n.name);
      case 'table':
        return atom(`k->${n.name}[m]`);
      case 'state':
        return atom(`${n.buffer}[S_${upperSnake(n.name)}]`);
      case 'elem':
        return atom(`${n.buffer}[${this.vectorOffset(n.name, (l) => `k->${l}`).replace(/^\d+/, 'CELL_STATE_FIXED')} + m]`);
      default:
        throw new Error(`c emitter: unexpected leaf ${n.kind}`);
    }
  }

  protected operation(n: Node, a: Rendered[]): Rendered {
    if (n.kind === 'derived') return a[0];
    if (n.kind === 'series') return atom(`series_${n.op === 'slope' ? 'slope' : 'value'}(k->${n.name}, ${a[0].code})`);
    if (n.op === 'arrhenius') return { code: `${wrap(a[0], PREC.UNARY)} == 0.0 ? 1.0 : exp(${infix('*', a[0], a[1]).code})`, prec: 0 };
    const common = cLikeOperation(n.op, a);
    if (common) return common;
    const f = MATH[n.op];
    if (!f) throw new Error(`c emitter: no f64 form of ${n.op}`);
    return call(f, a);
  }

  protected override prologue(): string[] {
    return ['(void)p;', '(void)k;'];
  }

  protected declare(name: string, value: Rendered): string {
    return `const double ${name} = ${value.code};`;
  }
  protected loopOpen(length: string): string {
    return `for (int m = 0; m < k->${length}; m++) {`;
  }
  protected loopClose(): string {
    return '}';
  }
  protected sumDeclare(name: string, n: Node): string {
    return n.op === 'min' ? `double ${name} = INFINITY;` : n.op === 'mul' ? `double ${name} = 1.0;` : `double ${name} = 0.0;`;
  }
  protected sumAdd(name: string, body: Rendered, n: Node): string {
    if (n.op === 'min') return `{ const double x = ${body.code}; if (x < ${name}) ${name} = x; }`;
    return n.op === 'mul' ? `${name} *= ${body.code};` : `${name} += ${body.code};`;
  }
  protected store(w: KernelWrite, value: Rendered, vector: boolean): string {
    const index = vector ? `${this.vectorOffset(w.state, (l) => `k->${l}`).replace(/^\d+/, 'CELL_STATE_FIXED')} + m` : `S_${upperSnake(w.state)}`;
    return `${w.buffer}[${index}] = ${value.code};`;
  }
  protected output(o: KernelOutput, value: Rendered): string {
    return `out->${o.name} = ${value.code};`;
  }
  protected seriesPair(series: string, arg: Rendered, value: string, slope: string): string {
    return `double ${slope};\nconst double ${value} = series_both(k->${series}, ${arg.code}, &${slope});`;
  }
  protected arrayDeclare(names: readonly string[], length: string): string[] {
    const max = this.model.definition.lengths.find((l) => l.name === length)!.max;
    return names.map((n) => `double ${n}[${max}];`);
  }
  protected arrayStore(name: string, value: Rendered): string {
    return `${name}[m] = ${value.code};`;
  }
  protected arrayRead(name: string, length: string, offset: number): Rendered {
    return guarded(`${name}[${shift(offset)}]`, length, offset);
  }
  protected shiftedRead(n: Node, offset: number): Rendered {
    const code = n.kind === 'table'
      ? `k->${n.name}[${shift(offset)}]`
      : `${n.buffer}[${this.vectorOffset(n.name, (l) => `k->${l}`).replace(/^\d+/, 'CELL_STATE_FIXED')} + ${shift(offset)}]`;
    return guarded(code, n.length, offset);
  }
  protected syntax(): SolveSyntax {
    return cLikeSyntax({ length: (l) => `k->${l}`, float: 'double', int: 'const int', loopVar: 'int', one: '1.0', zero: '0.0' });
  }
}

const guarded = (code: string, length: string, offset: number) => guardedRead(code, `k->${length}`, offset, '0.0');

/** bench/native/kernel.generated.h */
export function cKernels(model: CompiledModel): string {
  if (model.precision !== 'f64') throw new Error('c emitter: f64 only');
  const def = model.definition;
  const emitter = new CEmitter(model);
  const layout = emitter['layout'];
  const lines = [
    `/* ${HEADER} */`,
    `/* ${def.name}: ${def.description}; scalar f64. */`,
    '#ifndef CELLSPREAD_KERNEL_GENERATED_H',
    '#define CELLSPREAD_KERNEL_GENERATED_H',
    `#define CELLSPREAD_MODEL "${def.name}"`,
    '#include <math.h>',
    '',
    ...def.parameters.map((p, i) => `#define P_${upperSnake(p.name)} ${i} /* ${p.description} [${p.unit}] */`),
    `#define CELL_PARAMETER_COUNT ${def.parameters.length}`,
    ...[...layout.scalar].map(([name, i]) => `#define S_${upperSnake(name)} ${i}`),
    `#define CELL_STATE_FIXED ${layout.fixed}`,
    ...Object.entries(TOLERANCES).map(([name, t]) => `#define TOL_${upperSnake(name)} ${t.f64 === Infinity ? 'INFINITY' : f64Literal(t.f64)} /* ${t.meaning} */`),
    '',
    '/* Per-study constants: vector lengths, scalars, tables, series flattened as in src/model/series.ts. */',
    'typedef struct {',
    ...def.lengths.map((l) => `  int ${l.name}; /* ${l.description} */`),
    ...def.constants.map((c) => `  double ${c.name}; /* ${c.description} [${c.unit}] */`),
    ...def.tables.map((t) => `  const double *${t.name}; /* ${t.description} */`),
    ...def.series.map((s) => `  const double *${s.name}; /* ${s.description} [${s.unit}] */`),
    '} KernelConstants;',
    '',
    `static inline int cell_state_length(const KernelConstants *k) { return ${emitter.stateLengthExpression((l) => `k->${l}`, 'CELL_STATE_FIXED')}; }`,
    '',
    '/* The study constants from a flat f64 stream in definition order (src/kernels/configure.ts flattenKernelConstants):',
    ' * lengths, scalars, tables (their length\'s values), series (each its length, then its flattened values). The',
    ' * pointers point into the stream; returns the position after it. */',
    'static const double *kernel_constants_read(KernelConstants *k, const double *in) {',
    ...def.lengths.map((l) => `  k->${l.name} = (int)*in++;`),
    ...def.constants.map((c) => `  k->${c.name} = *in++;`),
    ...def.tables.map((t) => `  k->${t.name} = in;\n  in += k->${t.length};`),
    ...def.series.map((f) => `  { const long n = (long)*in++; k->${f.name} = in; in += n; }`),
    '  return in;',
    '}',
    '',
    '/* sech^2(x) = 4 e^{-2|x|} / (1 + e^{-2|x|})^2: no overflow, no cancellation. */',
    'static inline double sech2(double x) { const double e = exp(-2.0 * fabs(x)); const double d = 1.0 + e; return 4.0 * e / (d * d); }',
    '',
    '/* A piecewise cubic (flattened with nExp = -1, src/model/series.ts): its value, returned, and its slope. */',
    'static double spline_both(const double *f, double s, double *slope) {',
    '  const int n = (int)f[3];',
    '  const double *x = f + 5, *c = f + 5 + n;',
    '  int lo = 0, hi = n - 2;',
    '  while (lo < hi) { const int mid = (lo + hi + 1) >> 1; if (x[mid] <= s) lo = mid; else hi = mid - 1; }',
    '  const double t = s - x[lo];',
    '  const double *q = c + 4 * lo;',
    '  *slope = q[1] + t * (2.0 * q[2] + t * 3.0 * q[3]);',
    '  return q[0] + t * (q[1] + t * (q[2] + t * q[3]));',
    '}',
    '',
    'static double series_value(const double *f, double s) {',
    '  if (f[2] < 0) { double d; return spline_both(f, s, &d); }',
    '  double u = f[0] + f[1] * s;',
    '  const int ne = (int)f[2], nt = (int)f[3], nh = (int)f[4];',
    '  int q = 5;',
    '  for (int i = 0; i < ne; i++, q += 2) u += f[q] * exp(f[q + 1] * s);',
    '  for (int i = 0; i < nt; i++, q += 3) u += f[q] * tanh(f[q + 1] * (s - f[q + 2]));',
    '  for (int i = 0; i < nh; i++, q += 3) u += f[q] * sech2(f[q + 1] * (s - f[q + 2]));',
    '  return u;',
    '}',
    '',
    '/* U(s), returned, and dU/ds: one evaluation of the exponentials serves both. */',
    'static double series_both(const double *f, double s, double *slope) {',
    '  if (f[2] < 0) return spline_both(f, s, slope);',
    '  double u = f[0] + f[1] * s, d = f[1];',
    '  const int ne = (int)f[2], nt = (int)f[3], nh = (int)f[4];',
    '  int q = 5;',
    '  for (int i = 0; i < ne; i++, q += 2) { const double x = f[q] * exp(f[q + 1] * s); u += x; d += f[q + 1] * x; }',
    '  for (int i = 0; i < nt; i++, q += 3) { const double th = tanh(f[q + 1] * (s - f[q + 2])); u += f[q] * th; d += f[q] * f[q + 1] * (1.0 - th * th); }',
    '  for (int i = 0; i < nh; i++, q += 3) { const double x = f[q + 1] * (s - f[q + 2]); const double h = sech2(x); u += f[q] * h; d -= 2.0 * f[q] * f[q + 1] * h * tanh(x); }',
    '  *slope = d;',
    '  return u;',
    '}',
    '',
    'static double series_slope(const double *f, double s) {',
    '  if (f[2] < 0) { double d; spline_both(f, s, &d); return d; }',
    '  double d = f[1];',
    '  const int ne = (int)f[2], nt = (int)f[3], nh = (int)f[4];',
    '  int q = 5;',
    '  for (int i = 0; i < ne; i++, q += 2) d += f[q] * f[q + 1] * exp(f[q + 1] * s);',
    '  for (int i = 0; i < nt; i++, q += 3) { const double th = tanh(f[q + 1] * (s - f[q + 2])); d += f[q] * f[q + 1] * (1.0 - th * th); }',
    '  for (int i = 0; i < nh; i++, q += 3) { const double x = f[q + 1] * (s - f[q + 2]); d -= 2.0 * f[q] * f[q + 1] * sech2(x) * tanh(x); }',
    '  return d;',
    '}',
    '',
  ];
  const seen = new Set<string>();
  for (const k of kernelOrder(model)) {
    if (!k.outputs.length || seen.has(k.name)) continue;
    seen.add(k.name);
    lines.push(`typedef struct { ${k.outputs.map((o) => `double ${o.name};`).join(' ')} } ${cap(k.name)}Outputs;`);
  }
  lines.push('');
  for (const k of kernelOrder(model)) lines.push(emitter.emit(k), '');
  lines.push('#endif', '');
  return lines.join('\n');
}
