/**
 * The expression graph of the cell-physics definition (src/model/physics.ts), its derivatives and rewrites.
 *
 * A node is an immutable, hash-consed value: building the same expression twice gives the same node, so common
 * subexpressions are shared by construction and every emitter sees one DAG. Nodes are scalar (type 'f'), double-float
 * pairs for f32 targets ('df', see src/model/physics-f32.ts) or booleans ('b', comparisons feeding `select`).
 *
 * Leaves:
 *   const                a number
 *   param                a per-cell kernel parameter (one row of the parameter layout)
 *   derived              a per-cell value computed from parameters and study constants (f32 targets upload it as a
 *                        row computed in f64; f64 targets compute it inline)
 *   constant             a per-study scalar (reference temperature, tail coefficient)
 *   input                a kernel argument (current, temperature rise, step length, heat)
 *   state                a scalar state read from a state buffer ('s' the state, 'a'/'b' the affine parts, 'ds' the tangent)
 *   elem                 element m of a vector state in a buffer, inside a loop over its length
 *   table                element m of a per-study table (the sphere eigenvalues), inside a loop
 * Operations: arithmetic, elementary functions, min/max, comparisons, select, `series` (a parameter-set function of
 * the SeriesFunction shape, or its slope), `sum` and `minimum` (reductions over a loop), and the double-float
 * primitives twoProd, dfAdd, dfOf and dfValue used by f32 overrides.
 * Vectors along a loop (the finite volumes of the electrolyte):
 *   vector               an element expression stored over its whole loop (a kernel-local array), so that later loops
 *                        can read neighbouring elements
 *   solve                the solution of a tridiagonal system along a loop (lower, diagonal, upper, right-hand side as
 *                        element expressions; the Thomas algorithm in every target), a kernel-local array
 *   at                   element m + offset of a vector state, a table, a vector or a solve, inside a loop (0 outside
 *                        the loop's range)
 *
 * A node that depends on an elem, table or at varies with the loop index: `loop` names the loop length ('modes').
 * Reductions, vectors and solves close a loop; a loop body never contains another loop.
 */

export type ValueType = 'f' | 'df' | 'b';

export type UnaryOp = 'neg' | 'exp' | 'expm1' | 'log' | 'sqrt' | 'tanh' | 'asinh' | 'sech2' | 'dfOf' | 'dfValue';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max' | 'gt' | 'lt' | 'arrhenius' | 'twoProd' | 'dfAdd';
export type OpName = UnaryOp | BinaryOp | 'select';

export type NodeKind = 'const' | 'param' | 'derived' | 'constant' | 'input' | 'state' | 'elem' | 'table' | 'op' | 'series' | 'sum' | 'vector' | 'solve' | 'at';

/** The reductions of a `sum` node: '' (sum), 'min' (minimum) or 'mul' (product). */
export type Reduction = '' | 'min' | 'mul';

let nextId = 0;
const interned = new Map<string, Node>();

export class Node {
  readonly id = nextId++;
  /** Loop length this node varies over (null: invariant). */
  readonly loop: string | null;
  constructor(
    readonly kind: NodeKind,
    readonly type: ValueType,
    /** Leaf name (param, derived, constant, input, state, table, series) or the segment of an elem. */
    readonly name: string,
    readonly args: readonly Node[],
    /** const: the value. */
    readonly value = 0,
    /** op: the operation; series: 'value' or 'slope'; sum: the reduction ('' for a sum, 'min', 'mul'). */
    readonly op: OpName | 'value' | 'slope' | Reduction = '',
    /** state/elem: the buffer read. */
    readonly buffer = '',
    /** elem/table/sum/vector/solve/at: the loop length. */
    readonly length = '',
  ) {
    if (kind === 'elem' || kind === 'table' || kind === 'at') this.loop = length;
    else if (kind === 'sum' || kind === 'vector' || kind === 'solve') this.loop = null;
    else {
      let loop: string | null = null;
      for (const a of args) {
        if (a.loop !== null) {
          if (loop !== null && loop !== a.loop) throw new Error(`kernels: one expression mixes loops ${loop} and ${a.loop}`);
          loop = a.loop;
        }
      }
      this.loop = loop;
    }
  }

  get isConst(): boolean {
    return this.kind === 'const';
  }

  /** at: the offset from the loop index. */
  get offset(): number {
    return this.value;
  }

  toString(): string {
    return describe(this);
  }
}

function intern(kind: NodeKind, type: ValueType, name: string, args: readonly Node[], value = 0, op: Node['op'] = '', buffer = '', length = ''): Node {
  const key = `${kind}|${type}|${name}|${op}|${buffer}|${length}|${kind === 'const' || kind === 'at' ? numberKey(value) : ''}|${args.map((a) => a.id).join(',')}`;
  let n = interned.get(key);
  if (!n) {
    n = new Node(kind, type, name, args, value, op, buffer, length);
    interned.set(key, n);
  }
  return n;
}

function numberKey(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

// ---------------------------------------------------------------- leaves

export type Num = Node | number;
const lift = (x: Num): Node => (typeof x === 'number' ? num(x) : x);

export function num(value: number): Node {
  return intern('const', 'f', '', [], value);
}
export const ZERO = num(0);
export const ONE = num(1);

export function param(name: string): Node {
  return intern('param', 'f', name, []);
}
export function derived(name: string, expr: Node): Node {
  if (expr.loop) throw new Error(`kernels: derived ${name} varies with loop ${expr.loop}`);
  return intern('derived', expr.type, name, [expr]);
}
/** A derived value read as a per-cell row (f32 targets: computed in f64 on the host, uploaded once). */
export function derivedRow(name: string, type: ValueType = 'f'): Node {
  return intern('derived', type, name, []);
}
export function constant(name: string): Node {
  return intern('constant', 'f', name, []);
}
export function input(name: string): Node {
  return intern('input', 'f', name, []);
}
/** Scalar state `name` read from buffer `buffer` ('s' unless given). */
export function state(name: string, buffer = 's', type: ValueType = 'f'): Node {
  return intern('state', type, name, [], 0, '', buffer);
}
/** Element m of vector state `segment` (loop length `length`) read from `buffer`. */
export function elem(segment: string, length: string, buffer = 's'): Node {
  return intern('elem', 'f', segment, [], 0, '', buffer, length);
}
/** Element m of the per-study table `name` (loop length `length`). */
export function table(name: string, length: string): Node {
  return intern('table', 'f', name, [], 0, '', '', length);
}

// ---------------------------------------------------------------- operations (simplified as they are built)

function op(o: OpName, type: ValueType, args: Node[]): Node {
  return intern('op', type, '', args, 0, o);
}

export function add(...xs: Num[]): Node {
  let acc = lift(xs[0]);
  for (let i = 1; i < xs.length; i++) acc = add2(acc, lift(xs[i]));
  return acc;
}
function add2(a: Node, b: Node): Node {
  if (a.isConst && b.isConst) return num(a.value + b.value);
  if (a.isConst && a.value === 0) return b;
  if (b.isConst && b.value === 0) return a;
  if (b.kind === 'op' && b.op === 'neg') return sub(a, b.args[0]);
  return op('add', 'f', [a, b]);
}
export function sub(a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  if (x.isConst && y.isConst) return num(x.value - y.value);
  if (y.isConst && y.value === 0) return x;
  if (x.isConst && x.value === 0) return neg(y);
  if (y.kind === 'op' && y.op === 'neg') return add(x, y.args[0]);
  return op('sub', 'f', [x, y]);
}
export function mul(...xs: Num[]): Node {
  let acc = lift(xs[0]);
  for (let i = 1; i < xs.length; i++) acc = mul2(acc, lift(xs[i]));
  return acc;
}
function mul2(a: Node, b: Node): Node {
  if (a.isConst && b.isConst) return num(a.value * b.value);
  // A structural zero: the derivative of something that does not depend on the variable. (Not IEEE: 0 * inf.)
  if ((a.isConst && a.value === 0) || (b.isConst && b.value === 0)) return ZERO;
  if (a.isConst && a.value === 1) return b;
  if (b.isConst && b.value === 1) return a;
  if (a.isConst && a.value === -1) return neg(b);
  if (b.isConst && b.value === -1) return neg(a);
  return op('mul', 'f', [a, b]);
}
export function div(a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  if (x.isConst && y.isConst) return num(x.value / y.value);
  if (x.isConst && x.value === 0) return ZERO;
  if (y.isConst && y.value === 1) return x;
  return op('div', 'f', [x, y]);
}
export function neg(a: Num): Node {
  const x = lift(a);
  if (x.isConst) return num(-x.value);
  if (x.kind === 'op' && x.op === 'neg') return x.args[0];
  return op('neg', 'f', [x]);
}
function unary(o: UnaryOp, f: (v: number) => number) {
  return (a: Num): Node => {
    const x = lift(a);
    return x.isConst ? num(f(x.value)) : op(o, 'f', [x]);
  };
}
export const exp = unary('exp', Math.exp);
export const expm1 = unary('expm1', Math.expm1);
export const log = unary('log', Math.log);
export const sqrt = unary('sqrt', Math.sqrt);
export const tanh = unary('tanh', Math.tanh);
export const asinh = unary('asinh', Math.asinh);
/** sech^2(x) = 1 - tanh^2(x), formed without cancellation by the emitters. */
export const sech2 = unary('sech2', (v) => 1 / Math.cosh(v) ** 2);

export function min(a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  return x.isConst && y.isConst ? num(Math.min(x.value, y.value)) : op('min', 'f', [x, y]);
}
export function max(a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  return x.isConst && y.isConst ? num(Math.max(x.value, y.value)) : op('max', 'f', [x, y]);
}
/** x clipped to [lo, hi]. */
export function clamp(x: Num, lo: Num, hi: Num): Node {
  return min(max(x, lo), hi);
}
export function gt(a: Num, b: Num): Node {
  return op('gt', 'b', [lift(a), lift(b)]);
}
export function lt(a: Num, b: Num): Node {
  return op('lt', 'b', [lift(a), lift(b)]);
}
/** cond ? a : b (both sides are evaluated by SIMD targets; keep them finite or harmless). */
export function select(cond: Node, a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  if (x === y) return x;
  return op('select', x.type, [cond, x, y]);
}
/**
 * exp(activation * x), the Arrhenius factor with activation = E/R and x = 1/T_ref - 1/T. Targets skip the exponential
 * where the activation is 0 (exactly 1), which most parameter sets have for some processes.
 */
export function arrhenius(activation: Num, x: Num): Node {
  const a = lift(activation);
  const b = lift(x);
  if (a.isConst && a.value === 0) return ONE;
  if (a.isConst && b.isConst) return num(Math.exp(a.value * b.value));
  return op('arrhenius', 'f', [a, b]);
}

/** A parameter-set function of stoichiometry (src/params/types.ts SeriesFunction) at `arg`, or its slope dU/ds. */
export function series(name: string, arg: Node, slope = false): Node {
  return intern('series', 'f', name, [arg], 0, slope ? 'slope' : 'value');
}

/** Sum over m < length of a body that varies with m (a loop over a vector state or table). */
export function sum(length: string, body: Num): Node {
  const b = lift(body);
  if (b.type === 'b') throw new Error('kernels: cannot sum booleans');
  if (b.loop === null) {
    if (b.isConst && b.value === 0) return b.type === 'df' ? dfOf(ZERO) : ZERO;
    throw new Error(`kernels: sum over ${length} of a body that does not vary with the loop`);
  }
  if (b.loop !== length) throw new Error(`kernels: sum over ${length} of a body that varies over ${b.loop}`);
  return intern('sum', b.type, '', [b], 0, '', '', length);
}

/**
 * Product over m < length of a body that varies with m. One logarithm of a product replaces a sum of logarithms (keep
 * the factors where their product cannot leave the target's range).
 */
export function product(length: string, body: Num): Node {
  const b = lift(body);
  if (b.type !== 'f') throw new Error('kernels: product of a non-float body');
  if (b.loop === null) {
    if (b.isConst && b.value === 1) return ONE;
    throw new Error(`kernels: product over ${length} of a body that does not vary with the loop`);
  }
  if (b.loop !== length) throw new Error(`kernels: product over ${length} of a body that varies over ${b.loop}`);
  return intern('sum', 'f', '', [b], 0, 'mul', '', length);
}

/** Minimum over m < length of a body that varies with m (no derivative: a stop criterion, never differentiated). */
export function minimum(length: string, body: Num): Node {
  const b = lift(body);
  if (b.type !== 'f') throw new Error('kernels: minimum of a non-float body');
  if (b.loop === null) return b;
  if (b.loop !== length) throw new Error(`kernels: minimum over ${length} of a body that varies over ${b.loop}`);
  return intern('sum', 'f', '', [b], 0, 'min', '', length);
}

// ---- vectors along a loop: materialised element expressions, tridiagonal solves, neighbouring elements

/**
 * The element expression `body` stored over its whole loop as the kernel-local array `name`; read it with `at`. Use
 * where a later loop needs neighbouring elements (face values between finite volumes).
 */
export function vector(name: string, body: Num): Node {
  const b = lift(body);
  if (b.type !== 'f') throw new Error(`kernels: vector ${name} of a non-float body`);
  // A body that does not vary (a rewrite made it uniform, e.g. the initial state) needs no array: it is its own value.
  if (b.loop === null) return b;
  return intern('vector', 'f', name, [b], 0, '', '', b.loop);
}

/**
 * The solution x of the tridiagonal system lower_m x_{m-1} + diag_m x_m + upper_m x_{m+1} = rhs_m along a loop (lower
 * at the first and upper at the last element are not used), by the Thomas algorithm without pivoting: for diagonally
 * dominant matrices (a mass term plus conductances: every pivot positive). A kernel-local array; read it with `at`.
 */
export function solve(lower: Num, diag: Num, upper: Num, rhs: Num): Node {
  const args = [lift(lower), lift(diag), lift(upper), lift(rhs)];
  const loop = args.find((a) => a.loop !== null)?.loop;
  if (!loop) throw new Error('kernels: a tridiagonal solve needs coefficients that vary along a loop');
  if (args.some((a) => a.loop !== null && a.loop !== loop)) throw new Error('kernels: a tridiagonal solve mixes loops');
  if (args.some((a) => a.type !== 'f')) throw new Error('kernels: a tridiagonal solve of non-float coefficients');
  return intern('solve', 'f', '', args, 0, '', '', loop);
}

/**
 * Element m + offset of a vector state (elem), a table, a vector or a solve, inside a loop over its length; 0 where
 * m + offset is outside [0, length).
 */
export function at(source: Node, offset: number): Node {
  if (!Number.isInteger(offset)) throw new Error('kernels: at() takes an integer offset');
  if (source.loop === null && source.kind !== 'vector' && source.kind !== 'solve') {
    // A uniform vector (see vector()): element m is the value itself.
    if (offset === 0) return source;
    throw new Error('kernels: at() of a uniform value away from the element itself');
  }
  if (source.kind === 'elem' || source.kind === 'table') {
    if (offset === 0) return source;
  } else if (source.kind !== 'vector' && source.kind !== 'solve') {
    throw new Error(`kernels: at() reads a vector state, a table, a vector or a solve, not ${source.kind}`);
  }
  return intern('at', 'f', '', [source], offset, '', '', source.length);
}

// ---- double-float primitives (f32 overrides): a df value is an unevaluated sum head + tail.
/** The exact product a * b as head + tail. */
export function twoProd(a: Num, b: Num): Node {
  const x = lift(a);
  const y = lift(b);
  if ((x.isConst && x.value === 0) || (y.isConst && y.value === 0)) return dfOf(ZERO);
  return op('twoProd', 'df', [x, y]);
}
/** Double-float sum. */
export function dfAdd(a: Node, b: Node): Node {
  if (a.type !== 'df' || b.type !== 'df') throw new Error('kernels: dfAdd takes two double-float values');
  if (isDfZero(b)) return a;
  if (isDfZero(a)) return b;
  return op('dfAdd', 'df', [a, b]);
}
/** A float as a double-float (tail 0). */
export function dfOf(a: Num): Node {
  return op('dfOf', 'df', [lift(a)]);
}
/** head + tail rounded to one float. */
export function dfValue(a: Node): Node {
  if (a.type !== 'df') throw new Error('kernels: dfValue takes a double-float value');
  if (a.kind === 'op' && a.op === 'dfOf') return a.args[0];
  return op('dfValue', 'f', [a]);
}
function isDfZero(n: Node): boolean {
  return n.kind === 'op' && n.op === 'dfOf' && n.args[0].isConst && n.args[0].value === 0;
}

// ---------------------------------------------------------------- rewriting

/**
 * Rebuild `root` bottom-up, replacing each node for which `replace` returns a node (the replacement is not visited
 * again). Shared subgraphs are rebuilt once (memo), so the result stays a DAG.
 */
export function rewrite(root: Node, replace: (n: Node) => Node | undefined, memo = new Map<Node, Node>()): Node {
  const visit = (n: Node): Node => {
    const hit = memo.get(n);
    if (hit) return hit;
    const r = replace(n) ?? rebuild(n, n.args.map(visit));
    memo.set(n, r);
    return r;
  };
  return visit(root);
}

/** The node `n` with new arguments (re-simplified). */
export function rebuild(n: Node, args: Node[]): Node {
  if (args.length === n.args.length && args.every((a, i) => a === n.args[i])) return n;
  switch (n.kind) {
    case 'derived':
      return args.length ? derived(n.name, args[0]) : n;
    case 'series':
      return series(n.name, args[0], n.op === 'slope');
    case 'sum':
      return n.op === 'min' ? minimum(n.length, args[0]) : n.op === 'mul' ? product(n.length, args[0]) : sum(n.length, args[0]);
    case 'vector':
      return vector(n.name, args[0]);
    case 'solve':
      return solve(args[0], args[1], args[2], args[3]);
    case 'at':
      return at(args[0], n.value);
    case 'op':
      return applyOp(n.op as OpName, args);
    default:
      return n;
  }
}

export function applyOp(o: OpName, a: Node[]): Node {
  switch (o) {
    case 'add':
      return add(a[0], a[1]);
    case 'sub':
      return sub(a[0], a[1]);
    case 'mul':
      return mul(a[0], a[1]);
    case 'div':
      return div(a[0], a[1]);
    case 'neg':
      return neg(a[0]);
    case 'exp':
      return exp(a[0]);
    case 'expm1':
      return expm1(a[0]);
    case 'log':
      return log(a[0]);
    case 'sqrt':
      return sqrt(a[0]);
    case 'tanh':
      return tanh(a[0]);
    case 'asinh':
      return asinh(a[0]);
    case 'sech2':
      return sech2(a[0]);
    case 'min':
      return min(a[0], a[1]);
    case 'max':
      return max(a[0], a[1]);
    case 'gt':
      return gt(a[0], a[1]);
    case 'lt':
      return lt(a[0], a[1]);
    case 'select':
      return select(a[0], a[1], a[2]);
    case 'arrhenius':
      return arrhenius(a[0], a[1]);
    case 'twoProd':
      return twoProd(a[0], a[1]);
    case 'dfAdd':
      return dfAdd(a[0], a[1]);
    case 'dfOf':
      return dfOf(a[0]);
    case 'dfValue':
      return dfValue(a[0]);
  }
}

// ---------------------------------------------------------------- derivatives (forward mode)

/**
 * The directional derivative of `root`: `leaf(n)` gives the tangent of each leaf (undefined: 0). Double-float
 * operations differentiate as the sums and products they represent; the tangent is always a float.
 * Throws for slopes of slopes (the definition never needs second derivatives).
 */
export function tangent(root: Node, leaf: (n: Node) => Node | undefined, memo = new Map<Node, Node>()): Node {
  const d = (n: Node): Node => {
    const hit = memo.get(n);
    if (hit) return hit;
    const r = rule(n);
    memo.set(n, r);
    return r;
  };
  const rule = (n: Node): Node => {
    switch (n.kind) {
      case 'const':
      case 'constant':
      case 'table':
      case 'param':
        return leaf(n) ?? ZERO;
      case 'derived':
        return leaf(n) ?? ZERO;
      case 'input':
      case 'state':
      case 'elem':
        return leaf(n) ?? ZERO;
      case 'series':
        if (n.op === 'slope') throw new Error(`kernels: second derivative of series ${n.name} requested`);
        return mul(series(n.name, n.args[0], true), d(n.args[0]));
      case 'sum': {
        const body = d(n.args[0]);
        if (body.isConst && body.value === 0) return ZERO;
        if (n.op === 'min') throw new Error('kernels: derivative of a minimum requested');
        // d(prod x) = prod x * sum dx / x
        if (n.op === 'mul') return mul(n, sum(n.length, div(body, n.args[0])));
        return sum(n.length, body);
      }
      case 'at':
        return atTangent(n);
      case 'vector':
      case 'solve':
        throw new Error(`kernels: a ${n.kind} is read through at(), its derivative too`);
      case 'op': {
        const [a, b, c] = n.args;
        switch (n.op as OpName) {
          case 'add':
          case 'dfAdd':
            return add(d(a), d(b));
          case 'sub':
            return sub(d(a), d(b));
          case 'mul':
          case 'twoProd':
            return add(mul(d(a), b), mul(a, d(b)));
          case 'div': {
            const da = d(a);
            const db = d(b);
            return sub(div(da, b), div(mul(n, db), b));
          }
          case 'neg':
            return neg(d(a));
          case 'exp':
            return mul(n, d(a));
          case 'expm1':
            return mul(add(n, 1), d(a));
          case 'log':
            return div(d(a), a);
          case 'sqrt':
            return div(d(a), mul(2, n));
          case 'tanh':
            return mul(sub(1, mul(n, n)), d(a));
          case 'asinh':
            return div(d(a), sqrt(add(mul(a, a), 1)));
          case 'sech2':
            return mul(mul(-2, mul(n, tanh(a))), d(a));
          case 'arrhenius':
            return mul(n, add(mul(d(a), b), mul(a, d(b))));
          case 'min':
            return select(lt(a, b), d(a), d(b));
          case 'max':
            return select(gt(a, b), d(a), d(b));
          case 'select':
            return select(a, d(b), d(c));
          case 'dfOf':
          case 'dfValue':
            return d(a);
          case 'gt':
          case 'lt':
            throw new Error('kernels: derivative of a comparison');
        }
      }
    }
    throw new Error(`kernels: no derivative rule for ${n.kind}`);
  };
  /** The derivative of a materialised array, as an array (null: 0). */
  const vectors = new Map<Node, Node | null>();
  const arrayTangent = (v: Node): Node | null => {
    if (vectors.has(v)) return vectors.get(v)!;
    let r: Node | null;
    if (v.kind === 'vector') {
      const body = d(v.args[0]);
      r = body.isConst && body.value === 0 ? null : vector(`${v.name}Tangent`, body);
    } else {
      // A x = r: A dx = dr - dA x, the same matrix (one more solve).
      const [lower, diag, upper, rhs] = v.args;
      const x = (k: number) => at(v, k);
      const residual = sub(d(rhs), add(add(mul(d(lower), x(-1)), mul(d(diag), x(0))), mul(d(upper), x(1))));
      r = residual.isConst && residual.value === 0 ? null : solve(lower, diag, upper, residual);
    }
    vectors.set(v, r);
    return r;
  };
  const atTangent = (n: Node): Node => {
    const source = n.args[0];
    if (source.kind === 'table') return ZERO;
    if (source.kind === 'elem') {
      const t = leaf(source);
      if (t === undefined || (t.isConst && t.value === 0)) return ZERO;
      if (t.kind !== 'elem') throw new Error(`kernels: the derivative of ${describe(n)} needs an element tangent`);
      return at(t, n.value);
    }
    const t = arrayTangent(source);
    return t === null ? ZERO : at(t, n.value);
  };
  return d(root);
}

// ---------------------------------------------------------------- inspection

/** Every node reachable from the roots, children before parents. */
export function topological(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const out: Node[] = [];
  const stack: Array<[Node, number]> = [];
  for (const r of roots) {
    if (seen.has(r)) continue;
    stack.push([r, 0]);
    seen.add(r);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      if (i < n.args.length) {
        top[1]++;
        const c = n.args[i];
        if (!seen.has(c)) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        out.push(n);
      }
    }
  }
  return out;
}

/** Whether `root` depends on a node for which `pred` holds. */
export function dependsOn(root: Node, pred: (n: Node) => boolean): boolean {
  return topological([root]).some(pred);
}

export function describe(n: Node, depth = 3): string {
  if (depth < 0) return '…';
  switch (n.kind) {
    case 'const':
      return String(n.value);
    case 'param':
    case 'constant':
    case 'input':
    case 'derived':
      return n.name;
    case 'state':
      return `${n.buffer}.${n.name}`;
    case 'elem':
      return `${n.buffer}.${n.name}[m]`;
    case 'table':
      return `${n.name}[m]`;
    case 'series':
      return `${n.name}${n.op === 'slope' ? "'" : ''}(${describe(n.args[0], depth - 1)})`;
    case 'sum':
      return `${n.op === 'min' ? 'min' : n.op === 'mul' ? 'prod' : 'sum'}(${describe(n.args[0], depth - 1)})`;
    case 'vector':
      return `${n.name}[]`;
    case 'solve':
      return `solve(${n.args.map((a) => describe(a, depth - 1)).join(', ')})`;
    case 'at':
      return `${describe(n.args[0], depth - 1)}@${n.value}`;
    case 'op':
      return `${n.op}(${n.args.map((a) => describe(a, depth - 1)).join(', ')})`;
  }
}
