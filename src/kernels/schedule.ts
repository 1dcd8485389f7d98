/**
 * Orders one kernel's graph for straight-line emission: scalar blocks and loop blocks alternate
 * (scalar 0, loops 1, scalar 1, loops 2, ...). A loop block holds every reduction, vector store, materialised vector
 * and tridiagonal solve's coefficients whose element expressions need only scalars and arrays of earlier blocks; loops
 * of the same length in one block become one loop. A solve's sweep runs at the start of the scalar block after the loop
 * that stored its coefficients, so its solution (like a vector) can be read from the next loop on. Values that do not
 * vary with the loop index are computed before the loop. Every emitter walks the same schedule.
 */
import type { KernelDecl, KernelOutput, KernelWrite, StateDecl } from './define.ts';
import { topological, type Node } from './ir.ts';

export interface ScalarBlock {
  readonly kind: 'scalar';
  /** Tridiagonal solves whose coefficients the previous loop block stored: their sweeps, first. */
  readonly solves: readonly Node[];
  /** Invariant nodes to bind, children first. */
  readonly nodes: readonly Node[];
}

export interface LoopBlock {
  readonly kind: 'loop';
  readonly length: string;
  /** Varying nodes to compute per element, children first. */
  readonly nodes: readonly Node[];
  /** Reductions closed by this loop. */
  readonly sums: readonly Node[];
  /** Vector stores of this loop. */
  readonly stores: readonly KernelWrite[];
  /** Vectors materialised (stored element by element) in this loop. */
  readonly vectors: readonly Node[];
  /** Tridiagonal solves whose coefficients (lower, diagonal, upper, right-hand side) this loop stores. */
  readonly solves: readonly Node[];
}

export interface Schedule {
  readonly blocks: ReadonlyArray<ScalarBlock | LoopBlock>;
  /** Nodes bound to a local variable (the others are written inline where used). */
  readonly locals: ReadonlySet<Node>;
  /** Number of uses of each node (roots count once). */
  readonly uses: ReadonlyMap<Node, number>;
  readonly outputs: readonly KernelOutput[];
  /** Scalar stores, written after every block. */
  readonly stores: readonly KernelWrite[];
}

const isLeaf = (n: Node) => n.args.length === 0;

/**
 * The element nodes of a loop body, children first, not descending into reductions and arrays: those of earlier loops
 * are values by now (this loop's own are its roots' parents, never reached).
 */
function bodyNodes(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const out: Node[] = [];
  const visit = (n: Node) => {
    if (seen.has(n)) return;
    seen.add(n);
    if (!closesLoop(n)) for (const a of n.args) visit(a);
    out.push(n);
  };
  for (const r of roots) visit(r);
  return out;
}
/** Nodes that are kernel-local arrays, not values: materialised vectors and solves. */
export const isArray = (n: Node) => n.kind === 'vector' || n.kind === 'solve';
/** Reductions and arrays: closed by a loop, available after it. */
const closesLoop = (n: Node) => n.kind === 'sum' || isArray(n);

export function schedule(k: KernelDecl, named: ReadonlyMap<Node, string>, states: readonly StateDecl[]): Schedule {
  const lengthOf = (w: KernelWrite) => states.find((s) => s.name === w.state)?.length;
  const loopLength = (w: KernelWrite) => lengthOf(w)!;
  const vectorStores = k.stores.filter((w) => lengthOf(w) !== undefined);
  for (const w of vectorStores) {
    if (w.node.loop !== null && w.node.loop !== lengthOf(w)) throw new Error(`kernels: ${k.name} stores into ${w.state} an element expression over ${w.node.loop}`);
  }
  const scalarStores = k.stores.filter((w) => !vectorStores.includes(w));
  const roots = [...k.outputs.map((o) => o.node), ...k.stores.map((w) => w.node)];
  const order = topological(roots);
  const uses = new Map<Node, number>();
  const varyingParent = new Set<Node>();
  for (const n of order) {
    for (const a of n.args) {
      uses.set(a, (uses.get(a) ?? 0) + 1);
      if (n.loop !== null && a.loop === null) varyingParent.add(a);
    }
  }
  for (const r of roots) uses.set(r, (uses.get(r) ?? 0) + 1);

  // stage: the scalar block an invariant node is computed in; need: the first loop block a varying node can run in.
  const stage = new Map<Node, number>();
  const need = new Map<Node, number>();
  for (const n of order) {
    if (n.loop !== null) {
      let s = 1;
      for (const a of n.args) s = Math.max(s, a.loop !== null ? need.get(a)! : stage.get(a)! + 1);
      need.set(n, s);
    } else if (closesLoop(n)) {
      let s = 1;
      for (const a of n.args) s = Math.max(s, a.loop !== null ? need.get(a)! : stage.get(a)! + 1);
      stage.set(n, s);
    } else {
      let s = 0;
      for (const a of n.args) s = Math.max(s, stage.get(a)!);
      stage.set(n, s);
    }
  }
  const storeStage = (w: KernelWrite) => (w.node.loop !== null ? need.get(w.node)! : stage.get(w.node)! + 1);

  const blocks: Array<ScalarBlock | LoopBlock> = [];
  let last = 0;
  for (const n of order) if (n.loop === null) last = Math.max(last, stage.get(n)!);
  for (const w of vectorStores) last = Math.max(last, storeStage(w));
  for (let b = 0; b <= last; b++) {
    if (b > 0) {
      const sums = order.filter((n) => n.kind === 'sum' && stage.get(n) === b);
      const arrays = order.filter((n) => isArray(n) && stage.get(n) === b);
      const stores = vectorStores.filter((w) => storeStage(w) === b);
      const lengths = [...new Set([...sums.map((s) => s.length), ...arrays.map((v) => v.length), ...stores.map(loopLength)])];
      for (const length of lengths) {
        const mySums = sums.filter((s) => s.length === length);
        const myArrays = arrays.filter((v) => v.length === length);
        const myStores = stores.filter((w) => loopLength(w) === length);
        const roots = [...mySums.map((s) => s.args[0]), ...myStores.map((w) => w.node), ...myArrays.flatMap((v) => v.args)];
        // An array stored by an earlier loop is read, not recomputed: the walk does not descend into it.
        const body = bodyNodes(roots).filter((n) => n.loop !== null);
        blocks.push({
          kind: 'loop',
          length,
          nodes: body,
          sums: mySums,
          stores: myStores,
          vectors: myArrays.filter((v) => v.kind === 'vector'),
          solves: myArrays.filter((v) => v.kind === 'solve'),
        });
      }
    }
    blocks.push({
      kind: 'scalar',
      solves: order.filter((n) => n.kind === 'solve' && stage.get(n) === b),
      nodes: order.filter((n) => n.loop === null && !closesLoop(n) && stage.get(n) === b && !isLeaf(n)),
    });
  }

  const locals = new Set<Node>();
  for (const n of order) {
    if (isLeaf(n) || isArray(n)) continue;
    // Series calls are bound (an emitter computes a series' value and slope at one argument in one call).
    if (n.kind === 'sum' || n.kind === 'series' || named.has(n) || (uses.get(n) ?? 0) > 1 || varyingParent.has(n)) locals.add(n);
  }
  return { blocks, locals, uses, outputs: k.outputs, stores: scalarStores };
}

