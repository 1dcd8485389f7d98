/**
 * From a cell definition to the kernels every backend calls, for one target precision.
 *
 *   init             initial state from the parameters                                   (definition)
 *   evaluate         outputs at a state, current and temperature rise                     (definition)
 *   evaluateTangent  the same outputs plus the derivative of the `tangents` outputs along (current = 1, rise = the
 *                    `riseTangent` input, state = the 'ds' buffer)                        (forward-mode derivative)
 *   prepare          the advance split into its part at zero current ('a') and its derivative in the current ('b'):
 *                    under the exact modal update every state is affine in the step current, end = a + b I
 *   prepareFactors   the part of prepare that does not read the start state (f64 targets): every 'b' store that reads
 *   prepareStart     no state, and for each 'a' store of the form s_k X its factor X (buffer 'f'); prepareStart forms
 *                    the rest from the start state (a_k = s_k f_k). Together they write what prepare writes, bit for
 *                    bit; a host that steps a cell repeatedly with one step length keeps the factors while
 *                    `riseSensitive` is 0 (no Arrhenius factor with a non-zero activation in them)
 *   apply            end = a + b I (double-float states in double-float), then the summary states at the end state
 *   applyTangent     the same, and the summaries' derivative in the current (written into b's summary slots, so that b
 *                    is the end state's whole derivative in the current: the tangent the evaluation kernels read)
 *   integrate        the states that are not affine in the current (SEI growth), from the start state and the
 *                    definition's `rates` at the start and the predicted end of the step, into the end state 'e'
 *   integrateTangent the same, and the derivative of each such end state in the current into 'ds' (from the rates'
 *                    tangents, inputs `<input>Tangent`): the state tangent the end evaluation's derivative reads
 *   evaluatePredictor(Tangent)  the heat, its terms and the rates alone (the Heun predictor of an ageing step)
 *   evaluateStart(Tangent)      evaluate(CurrentTangent) with the rates (the start of an ageing step); the plain
 *                    evaluate kernels leave the rates out (no other evaluation needs them)
 *   thermal          the temperature update, its cooling energy, and the derivative of the new rise in the heat
 *   soc              the reported state of charge
 *   limits           the stop quantities other than the voltage
 *
 * f32 targets first apply the named per-target overrides of src/model/physics-f32.ts: intermediates replaced by
 * f32-stable forms, states carried as double-float, derived rows of their own.
 */
import type { CellDefinition, DerivedDecl, KernelDecl, KernelOutput, KernelWrite, LayoutEntry, StateDecl } from './define.ts';
import { add, derivedRow, dfAdd, elem, input, max, mul, neg, ONE, rebuild, rewrite, state, tangent, topological, twoProd, ZERO, type Node, type ValueType } from './ir.ts';

export type Precision = 'f64' | 'f32';

/** A state as a target stores it: df states take two slots (head, then tail). */
export interface TargetState extends StateDecl {
  readonly type: ValueType;
}

/** Per-precision changes to a definition (src/model/physics-f32.ts). */
export interface PrecisionOverrides {
  readonly description: string;
  /**
   * States carried with another type and meaning: `fromReference` gives the target's value from the reference state
   * (its states by name: numbers, vectors as arrays), `toReference` the reference value from the target's state
   * (double-float states read as head + tail). Hosts and tests convert states with them.
   */
  readonly states: Readonly<
    Record<
      string,
      {
        type: ValueType;
        description: string;
        fromReference(state: (name: string) => number | Float64Array): number;
        toReference(state: (name: string) => number | Float64Array): number;
      }
    >
  >;
  /** Replacement expressions of named intermediates or derived values, built from the definition's own nodes. */
  intermediates(get: (name: string) => Node): Record<string, Node>;
  /** Replacement state updates per kernel ('init', 'advance', 'integrate'). */
  stores(get: (name: string) => Node): Partial<Record<'init' | 'advance' | 'integrate', Record<string, Node>>>;
  /** Extra derived values of this precision (referenced by the replacements). */
  derived(get: (name: string) => Node): DerivedDecl[];
}

export type CompiledKernelName =
  | 'init'
  | 'evaluate'
  | 'evaluateTangent'
  | 'evaluateCurrentTangent'
  | 'evaluateStart'
  | 'evaluateStartTangent'
  | 'evaluateHeat'
  | 'evaluateHeatTangent'
  | 'evaluatePredictor'
  | 'evaluatePredictorTangent'
  | 'prepare'
  | 'prepareFactors'
  | 'prepareStart'
  | 'apply'
  | 'applyTangent'
  | 'integrate'
  | 'integrateTangent'
  | 'thermal'
  | 'soc'
  | 'limits';

export interface CompiledModel {
  readonly definition: CellDefinition;
  readonly precision: Precision;
  readonly overrides?: PrecisionOverrides;
  readonly states: readonly TargetState[];
  readonly derived: readonly DerivedDecl[];
  readonly kernels: Readonly<Record<CompiledKernelName, KernelDecl>>;
  /** Local-variable names of nodes (named intermediates, derived values and their derivatives). */
  readonly names: ReadonlyMap<Node, string>;
}

/** Inputs every compiled kernel may take besides the definition's own. */
export const RISE_TANGENT: LayoutEntry = { name: 'riseTangent', unit: 'K/A', description: 'derivative of the temperature rise in the current' };

export function compileModel(def: CellDefinition, precision: Precision, overrides?: PrecisionOverrides): CompiledModel {
  const names = new Map<Node, string>();
  for (const [name, { node }] of def.named) if (!names.has(node)) names.set(node, name);
  for (const d of def.derived) names.set(d.node, d.name);

  let states: TargetState[] = def.states.map((s) => ({ ...s, type: 'f' as ValueType }));
  let derivedDecls: DerivedDecl[] = [...def.derived];
  // The summaries travel as a pseudo-kernel, so that the f32 rewrites reach them as they reach every kernel.
  const summaries: KernelDecl = {
    name: 'summaries',
    description: 'summary states as functions of the state',
    inputs: [],
    reads: ['s'],
    writes: [],
    outputs: [],
    stores: def.summaries.map((x) => ({ buffer: 's', state: x.name, node: x.node })),
  };
  let kernels: Record<string, KernelDecl> = { ...def.kernels, summaries };

  if (precision === 'f32' && overrides) {
    const get = lookup(def, derivedDecls);
    const extra = overrides.derived(get);
    for (const d of extra) names.set(d.node, d.name);
    derivedDecls = [...derivedDecls, ...extra];
    const getAll = lookup(def, derivedDecls);
    states = states.map((s) => {
      const o = overrides.states[s.name];
      if (!o) return s;
      if (s.length) throw new Error(`kernels: vector state ${s.name} cannot change type`);
      return { ...s, type: o.type, description: o.description };
    });
    const replacements = new Map<Node, Node>();
    for (const [name, node] of Object.entries(overrides.intermediates(getAll))) {
      const original = getAll(name);
      replacements.set(original, node);
      names.set(node, name);
    }
    const replaced = replacer(replacements, names);
    const storeOverrides = overrides.stores(getAll);
    kernels = Object.fromEntries(
      Object.entries(kernels).map(([k, decl]) => {
        const storeOverride = storeOverrides[k as 'init' | 'advance' | 'integrate'] ?? {};
        const stores = decl.stores.map((w) => {
          const o = storeOverride[w.state];
          return { ...w, node: replaced(o ?? w.node) };
        });
        return [k, { ...decl, outputs: decl.outputs.map((o) => ({ ...o, node: replaced(o.node) })), stores }];
      }),
    );
    checkStateTypes(states, Object.values(kernels).filter((k) => k.name !== 'summaries'));
  }

  if (precision === 'f32') kernels = withDerivedRows(kernels, names);

  // evaluate without the rates (what every evaluation but an ageing step's start needs), and with them.
  const evaluate = kernels.evaluate;
  const advance = kernels.advance;
  const thermal = kernels.thermal;
  const prepare = prepareKernel(advance, states, names);
  const rated = new Set([...def.rates, ...def.rates.map((r) => `${r}Tangent`)]);
  const withoutRates = (k: KernelDecl, name: string) => only(k, name, k.outputs.map((o) => o.name).filter((o) => !rated.has(o)), k.description);
  const compiled: Record<CompiledKernelName, KernelDecl> = {
    init: kernels.init,
    evaluate: withoutRates(evaluate, 'evaluate'),
    evaluateTangent: withoutRates(evaluateTangentKernel(def, evaluate, names, true), 'evaluateTangent'),
    evaluateCurrentTangent: withoutRates(evaluateTangentKernel(def, evaluate, names, false), 'evaluateCurrentTangent'),
    evaluateStart: { ...evaluate, name: 'evaluateStart', description: `${evaluate.description} With the rates (${def.rates.join(', ')}): the start of an ageing step.` },
    evaluateStartTangent: { ...evaluateTangentKernel(def, evaluate, names, false), name: 'evaluateStartTangent' },
    evaluateHeat: only(evaluate, 'evaluateHeat', heatOutputs(evaluate), 'The heat source and its terms alone (the Heun predictor needs no voltage).'),
    evaluateHeatTangent: only(
      evaluateTangentKernel(def, evaluate, names, true),
      'evaluateHeatTangent',
      [...heatOutputs(evaluate), 'heatTangent'],
      'The heat source, its terms and its derivative alone.',
    ),
    evaluatePredictor: only(evaluate, 'evaluatePredictor', [...heatOutputs(evaluate), ...def.rates], `The heat source, its terms and the rates (${def.rates.join(', ')}) alone (the Heun predictor of an ageing step).`),
    evaluatePredictorTangent: only(
      evaluateTangentKernel(def, evaluate, names, true),
      'evaluatePredictorTangent',
      [...heatOutputs(evaluate), 'heatTangent', ...def.rates, ...def.rates.map((r) => `${r}Tangent`)],
      'The heat source, its terms, the rates and their derivatives alone.',
    ),
    prepare,
    ...splitPrepare(prepare, states),
    apply: applyKernel(advance, kernels.summaries, states, names, false),
    applyTangent: applyKernel(advance, kernels.summaries, states, names, true),
    integrate: kernels.integrate,
    integrateTangent: integrateTangentKernel(def, kernels.integrate, names),
    thermal: thermalKernel(thermal, names),
    soc: kernels.soc,
    limits: kernels.limits,
  };
  for (const k of Object.values(compiled)) checkBuffers(k);
  return { definition: def, precision, overrides: precision === 'f32' ? overrides : undefined, states, derived: derivedDecls, kernels: compiled, names };
}

/** f32 targets read derived values as rows computed in f64 on the host. */
function withDerivedRows(kernels: Record<string, KernelDecl>, names: Map<Node, string>): Record<string, KernelDecl> {
  const memo = new Map<Node, Node>();
  const visit = (n: Node): Node => {
    const hit = memo.get(n);
    if (hit) return hit;
    const r = n.kind === 'derived' && n.args.length > 0 ? derivedRow(n.name, n.type) : rebuild(n, n.args.map(visit));
    memo.set(n, r);
    const name = names.get(n);
    if (name && !names.has(r)) names.set(r, name);
    return r;
  };
  return Object.fromEntries(
    Object.entries(kernels).map(([k, d]) => [
      k,
      { ...d, outputs: d.outputs.map((o) => ({ ...o, node: visit(o.node) })), stores: d.stores.map((w) => ({ ...w, node: visit(w.node) })) },
    ]),
  );
}

function lookup(def: CellDefinition, derivedDecls: readonly DerivedDecl[]): (name: string) => Node {
  return (name: string) => {
    const n = def.named.get(name)?.node ?? derivedDecls.find((d) => d.name === name)?.node;
    if (!n) throw new Error(`kernels: no named intermediate or derived value ${name} in ${def.name}`);
    return n;
  };
}

/** Rewrites that replace nodes by their overrides, recursively (an override may use other overridden nodes). */
function replacer(replacements: ReadonlyMap<Node, Node>, names: Map<Node, string>): (n: Node) => Node {
  const memo = new Map<Node, Node>();
  const visit = (n: Node): Node => {
    const hit = memo.get(n);
    if (hit) return hit;
    const target = replacements.get(n);
    const r = target ? visit(target) : rebuild(n, n.args.map(visit));
    memo.set(n, r);
    const name = names.get(n);
    if (name && !names.has(r)) names.set(r, name);
    return r;
  };
  return visit;
}

function checkStateTypes(states: readonly TargetState[], kernels: readonly KernelDecl[]): void {
  const types = new Map(states.map((s) => [s.name, s.type]));
  for (const k of kernels) {
    const roots = [...k.outputs.map((o) => o.node), ...k.stores.map((w) => w.node)];
    for (const n of topological(roots)) {
      if (n.kind === 'state' && n.buffer === 's' && types.get(n.name) !== n.type) {
        throw new Error(`kernels: ${k.name} reads state ${n.name} as ${n.type}, but this target stores it as ${types.get(n.name)}`);
      }
    }
    for (const w of k.stores) {
      const t = types.get(w.state);
      if (t === undefined) throw new Error(`kernels: ${k.name} writes unknown state ${w.state}`);
      if (w.node.type !== t) throw new Error(`kernels: ${k.name} writes ${w.state} as ${w.node.type}, but this target stores it as ${t}`);
    }
  }
}

/** The evaluate outputs the heat-only kernels keep: the heat and its terms (outputs named heat...). */
function heatOutputs(evaluate: KernelDecl): string[] {
  return evaluate.outputs.filter((o) => o.name.startsWith('heat')).map((o) => o.name);
}

/**
 * No kernel reads a slot it writes, so no generated loop can read a value it has already overwritten: a buffer both
 * read and written (apply's b: the affine parts read, the summaries' derivatives written) holds disjoint states.
 */
function checkBuffers(k: KernelDecl): void {
  const roots = [...k.outputs.map((o) => o.node), ...k.stores.map((w) => w.node)];
  const nodes = topological(roots);
  for (const w of k.writes) {
    if (!k.reads.includes(w)) continue;
    const read = new Set(nodes.filter((n) => (n.kind === 'state' || n.kind === 'elem') && n.buffer === w).map((n) => n.name));
    for (const st of k.stores) if (st.buffer === w && read.has(st.state)) throw new Error(`kernels: ${k.name} reads and writes ${st.state} in buffer ${w}`);
  }
  for (const n of nodes) {
    if ((n.kind === 'state' || n.kind === 'elem') && !k.reads.includes(n.buffer)) {
      throw new Error(`kernels: ${k.name} reads ${n.name} from buffer ${n.buffer}, which it does not declare`);
    }
    if (n.kind === 'input' && !k.inputs.includes(n.name)) throw new Error(`kernels: ${k.name} uses input ${n.name}, which it does not declare`);
  }
}

/** A kernel restricted to some outputs (everything only the others need drops out of the generated code). */
function only(k: KernelDecl, name: string, outputs: readonly string[], description: string): KernelDecl {
  return { ...k, name, description, outputs: k.outputs.filter((o) => outputs.includes(o.name)) };
}

/** The kernel's own names: the model's, plus `<name>Tangent` for the derivative of each named node. */
function tangentNames(memo: ReadonlyMap<Node, Node>, names: ReadonlyMap<Node, string>): Map<Node, string> {
  const own = new Map(names);
  for (const [n, t] of memo) {
    const name = names.get(n);
    if (name && !t.isConst && !own.has(t)) own.set(t, `${name}Tangent`);
  }
  return own;
}

/**
 * The derivative of the tangent outputs along current = 1, rise = riseTangent and (withState) state = the 'ds' buffer;
 * without it the state is held (the start of a step, which does not depend on the step's current).
 */
function evaluateTangentKernel(def: CellDefinition, evaluate: KernelDecl, names: Map<Node, string>, withState: boolean): KernelDecl {
  const current = input('current');
  const rise = input('rise');
  const riseTangent = input(RISE_TANGENT.name);
  const memo = new Map<Node, Node>();
  const leaf = (n: Node): Node | undefined => {
    if (n === current) return ONE;
    if (n === rise) return riseTangent;
    if (withState && n.kind === 'state' && n.buffer === 's') return state(n.name, 'ds');
    if (withState && n.kind === 'elem' && n.buffer === 's') return elem(n.name, n.length, 'ds');
    return undefined;
  };
  const outputs: KernelOutput[] = [...evaluate.outputs];
  for (const name of def.tangents) {
    const o = evaluate.outputs.find((x) => x.name === name);
    if (!o) throw new Error(`kernels: tangent of unknown output ${name}`);
    outputs.push({ name: `${name}Tangent`, node: tangent(o.node, leaf, memo) });
  }
  const own = tangentNames(memo, names);
  const along = withState ? 'the current (1), the temperature rise (riseTangent) and the state (the ds buffer)' : 'the current (1) and the temperature rise (riseTangent), the state held';
  return {
    name: withState ? 'evaluateTangent' : 'evaluateCurrentTangent',
    description: `${evaluate.description} With the derivatives ${def.tangents.map((t) => `${t}Tangent`).join(', ')} along ${along}.`,
    inputs: [...evaluate.inputs, RISE_TANGENT.name],
    reads: withState ? [...evaluate.reads, 'ds'] : evaluate.reads,
    writes: [],
    outputs,
    stores: [],
    names: own,
  };
}

/** advance = a + b I: a is the update at zero current, b its derivative in the current (which must not depend on it). */
function prepareKernel(advance: KernelDecl, states: readonly TargetState[], names: Map<Node, string>): KernelDecl {
  const current = input('current');
  const zeroMemo = new Map<Node, Node>();
  const atZero = (n: Node): Node => {
    const visit = (x: Node): Node => {
      const hit = zeroMemo.get(x);
      if (hit) return hit;
      const r = x === current ? ZERO : rebuild(x, x.args.map(visit));
      zeroMemo.set(x, r);
      return r;
    };
    return visit(n);
  };
  const slopeMemo = new Map<Node, Node>();
  const stores: KernelWrite[] = [];
  for (const w of advance.stores) {
    const a = atZero(w.node);
    const b = tangent(w.node, (n) => (n === current ? ONE : undefined), slopeMemo);
    if (topological([b]).includes(current)) throw new Error(`kernels: the update of ${w.state} is not affine in the current`);
    const t = states.find((s) => s.name === w.state)!;
    if (a.type !== t.type) throw new Error(`kernels: prepare of ${w.state}: ${a.type} for a ${t.type} state`);
    stores.push({ buffer: 'a', state: w.state, node: a }, { buffer: 'b', state: w.state, node: b });
  }
  const own = tangentNames(slopeMemo, names);
  for (const [n, z] of zeroMemo) {
    const name = names.get(n);
    if (name && !z.isConst && !own.has(z)) own.set(z, name);
  }
  return {
    name: 'prepare',
    description: 'The update over a step split as end = a + b I: a at zero current, b the derivative in the current.',
    inputs: advance.inputs.filter((i) => i !== 'current'),
    reads: advance.reads,
    writes: ['a', 'b'],
    outputs: [],
    stores,
    names: own,
  };
}

/**
 * prepare in two parts (see the header): the stores that do not read the start state, and the factor X of every store
 * a_k = s_k X, go to `prepareFactors`; the rest, and a_k = s_k f_k, to `prepareStart`. `riseSensitive` (output of
 * prepareFactors) is 0 when the factors reach the temperature rise only through Arrhenius factors whose activation is 0
 * for this cell (they are then exactly 1), else positive: a host may reuse the factors for another start state while
 * the step length is the same and riseSensitive is 0.
 */
function splitPrepare(prepare: KernelDecl, states: readonly TargetState[]): { prepareFactors: KernelDecl; prepareStart: KernelDecl } {
  const readsState = (n: Node) => topological([n]).some((x) => (x.kind === 'state' || x.kind === 'elem') && x.buffer === 's');
  const factorStores: KernelWrite[] = [];
  const startStores: KernelWrite[] = [];
  for (const w of prepare.stores) {
    if (w.buffer === 'b') {
      (readsState(w.node) ? startStores : factorStores).push(w);
      continue;
    }
    const t = states.find((s) => s.name === w.state)!;
    const own = t.length ? elem(w.state, t.length, 's') : state(w.state, 's', t.type);
    const n = w.node;
    if (n === own) {
      startStores.push(w);
      continue;
    }
    const factor = n.kind === 'op' && n.op === 'mul' && t.type === 'f' ? (n.args[0] === own ? n.args[1] : n.args[1] === own ? n.args[0] : undefined) : undefined;
    if (factor && !readsState(factor)) {
      const f = t.length ? elem(w.state, t.length, 'f') : state(w.state, 'f');
      factorStores.push({ buffer: 'f', state: w.state, node: factor });
      // The product in the order prepare forms it (IEEE multiplication commutes, but keep the text identical).
      startStores.push({ buffer: 'a', state: w.state, node: n.args[0] === own ? mul(own, f) : mul(f, own) });
    } else startStores.push(w);
  }
  return {
    prepareFactors: {
      name: 'prepareFactors',
      description: 'The part of prepare that does not read the start state: the b parts that read no state and the factors f of a = s f; riseSensitive is 0 when they do not depend on the temperature rise.',
      inputs: prepare.inputs,
      reads: [],
      writes: ['b', 'f'],
      outputs: [{ name: 'riseSensitive', node: riseSensitivity(factorStores.map((w) => w.node)) }],
      stores: factorStores,
      names: prepare.names,
    },
    prepareStart: {
      name: 'prepareStart',
      description: 'The rest of prepare from the start state and the factors of prepareFactors (together: what prepare writes).',
      inputs: prepare.inputs,
      reads: ['s', 'f'],
      writes: ['a', 'b'],
      outputs: [],
      stores: startStores,
      names: prepare.names,
    },
  };
}

/** 0 when `roots` reach the input `rise` only through Arrhenius factors with zero activation, else positive. */
function riseSensitivity(roots: readonly Node[]): Node {
  const rise = input('rise');
  const dependsOnRise = (n: Node) => topological([n]).includes(rise);
  const activations: Node[] = [];
  let other = false;
  const seen = new Set<Node>();
  const visit = (n: Node): void => {
    if (seen.has(n) || other) return;
    seen.add(n);
    if (n === rise) {
      other = true;
      return;
    }
    if (n.kind === 'op' && n.op === 'arrhenius') {
      if (dependsOnRise(n.args[0])) other = true;
      else if (dependsOnRise(n.args[1])) activations.push(n.args[0]);
      visit(n.args[0]);
      return;
    }
    n.args.forEach(visit);
  };
  roots.forEach(visit);
  if (other) return ONE;
  return activations.length ? add(...activations.map((a) => max(a, neg(a)))) : ZERO;
}

/**
 * integrate, plus the derivative of every state it writes in the current, into 'ds': along the inputs that carry the
 * definition's rates (`<rate>Start`, `<rate>End`), whose tangents are inputs `<input>Tangent`; the start state does
 * not depend on the step's current.
 */
function integrateTangentKernel(def: CellDefinition, integrate: KernelDecl, names: Map<Node, string>): KernelDecl {
  const driven = integrate.inputs.filter((i) => def.rates.some((r) => i === `${r}Start` || i === `${r}End`));
  const leaves = new Map(driven.map((i) => [input(i), input(`${i}Tangent`)]));
  const memo = new Map<Node, Node>();
  const stores: KernelWrite[] = [];
  for (const w of integrate.stores) {
    stores.push(w, { buffer: 'ds', state: w.state, node: tangent(w.node, (n) => leaves.get(n), memo) });
  }
  return {
    name: 'integrateTangent',
    description: `${integrate.description} With the derivative of each end state in the current into ds (along ${driven.map((i) => `${i}Tangent`).join(', ')}).`,
    inputs: [...integrate.inputs, ...driven.map((i) => `${i}Tangent`)],
    reads: integrate.reads,
    writes: [...integrate.writes, 'ds'],
    outputs: [],
    stores,
    names: tangentNames(memo, names),
  };
}

/**
 * The end state a + b I; then every summary at that end state (its state reads replaced by a + b I), and (withTangent)
 * its exact derivative in the current, written into b's summary slot: b is then the whole end state's derivative in I.
 */
function applyKernel(advance: KernelDecl, summaries: KernelDecl, states: readonly TargetState[], names: Map<Node, string>, withTangent: boolean): KernelDecl {
  const current = input('current');
  const ends = new Map<string, Node>();
  const stores: KernelWrite[] = advance.stores.map((w) => {
    const s = states.find((x) => x.name === w.state)!;
    let node: Node;
    if (s.length) node = add(elem(w.state, s.length, 'a'), mul(elem(w.state, s.length, 'b'), current));
    else if (s.type === 'df') node = dfAdd(state(w.state, 'a', 'df'), twoProd(state(w.state, 'b'), current));
    else node = add(state(w.state, 'a'), mul(state(w.state, 'b'), current));
    ends.set(w.state, node);
    return { buffer: 's', state: w.state, node };
  });
  const memo = new Map<Node, Node>();
  const atEnd = (n: Node) =>
    rewrite(
      n,
      (x) => {
        if ((x.kind !== 'state' && x.kind !== 'elem') || x.buffer !== 's') return undefined;
        const end = ends.get(x.name);
        if (!end) throw new Error(`kernels: summary reads ${x.name}, which advance does not update`);
        return end;
      },
      memo,
    );
  const slopeMemo = new Map<Node, Node>();
  for (const w of summaries.stores) {
    const node = atEnd(w.node);
    stores.push({ buffer: 's', state: w.state, node });
    if (withTangent) stores.push({ buffer: 'b', state: w.state, node: tangent(node, (n) => (n === current ? ONE : undefined), slopeMemo) });
  }
  const own = tangentNames(slopeMemo, names);
  for (const [n, e] of memo) {
    const name = names.get(n);
    if (name && !e.isConst && !own.has(e)) own.set(e, name);
  }
  const tangents = withTangent && summaries.stores.length > 0;
  return {
    name: withTangent ? 'applyTangent' : 'apply',
    description: !summaries.stores.length
      ? 'The end state of a step at current I from its prepared parts: a + b I.'
      : tangents
        ? 'The end state of a step at current I from its prepared parts, a + b I, its summaries, and their derivatives in I (into b).'
        : 'The end state of a step at current I from its prepared parts, a + b I, and its summaries.',
    inputs: ['current'],
    reads: ['a', 'b'],
    // b is written (its summary slots) whenever the model has summaries, so that apply and applyTangent take the same
    // arguments in every target; apply leaves it as it is.
    writes: summaries.stores.length ? ['s', 'b'] : ['s'],
    outputs: [],
    stores,
    names: own,
  };
}

/** The thermal update with the derivative of the new rise in the heat (for the slope through the Heun step). */
function thermalKernel(thermal: KernelDecl, names: Map<Node, string>): KernelDecl {
  const heat = input('heat');
  const rise = thermal.outputs.find((o) => o.name === 'rise');
  if (!rise) throw new Error('kernels: the thermal kernel must output rise');
  const memo = new Map<Node, Node>();
  const slope = tangent(rise.node, (n) => (n === heat ? ONE : undefined), memo);
  return { ...thermal, outputs: [...thermal.outputs, { name: 'riseTangent', node: slope }], names: tangentNames(memo, names) };
}

/** Slot offsets of a target's states: scalars first (df: head then tail), then vectors in order. */
export interface StateLayout {
  /** Scalar slots before the first vector. */
  readonly fixed: number;
  /** Slot of each scalar state (head for df). */
  readonly scalar: ReadonlyMap<string, number>;
  /** Tail slot of each df state. */
  readonly tail: ReadonlyMap<string, number>;
  /** Vectors in order: offset = fixed + sum of previous lengths. */
  readonly vectors: ReadonlyArray<{ name: string; length: string }>;
}

export function stateLayout(states: readonly TargetState[]): StateLayout {
  const scalar = new Map<string, number>();
  const tail = new Map<string, number>();
  let k = 0;
  for (const s of states) if (!s.length) scalar.set(s.name, k++);
  for (const s of states) if (!s.length && s.type === 'df') tail.set(s.name, k++);
  return { fixed: k, scalar, tail, vectors: states.filter((s) => s.length).map((s) => ({ name: s.name, length: s.length! })) };
}

/** Total state length for the given vector lengths. */
export function stateLength(layout: StateLayout, lengths: Readonly<Record<string, number>>): number {
  return layout.fixed + layout.vectors.reduce((n, v) => n + lengths[v.length], 0);
}

/** A reference (f64 layout) state in a target's layout, as f64 numbers (double-float states split head + tail). */
export function toTargetState(model: CompiledModel, reference: Float64Array, lengths: Readonly<Record<string, number>>): Float64Array {
  const ref = stateLayout(model.definition.states.map((s) => ({ ...s, type: 'f' as ValueType })));
  const target = stateLayout(model.states);
  const read = reader(ref, reference, lengths);
  const out = new Float64Array(stateLength(target, lengths));
  for (const s of model.states) {
    if (s.length) {
      out.set(read(s.name) as Float64Array, vectorOffset(target, s.name, lengths));
      continue;
    }
    const o = model.overrides?.states[s.name];
    const v = o ? o.fromReference(read) : (read(s.name) as number);
    const i = target.scalar.get(s.name)!;
    if (s.type === 'df') {
      out[i] = Math.fround(v);
      out[target.tail.get(s.name)!] = v - Math.fround(v);
    } else out[i] = v;
  }
  return out;
}

/** A target state back in the reference (f64) layout. */
export function toReferenceState(model: CompiledModel, state: ArrayLike<number>, lengths: Readonly<Record<string, number>>): Float64Array {
  const ref = stateLayout(model.definition.states.map((s) => ({ ...s, type: 'f' as ValueType })));
  const target = stateLayout(model.states);
  const read = reader(target, state, lengths);
  const out = new Float64Array(stateLength(ref, lengths));
  for (const s of model.definition.states) {
    if (s.length) {
      out.set(read(s.name) as Float64Array, vectorOffset(ref, s.name, lengths));
      continue;
    }
    const o = model.overrides?.states[s.name];
    out[ref.scalar.get(s.name)!] = o ? o.toReference(read) : (read(s.name) as number);
  }
  return out;
}

function vectorOffset(layout: StateLayout, name: string, lengths: Readonly<Record<string, number>>): number {
  let k = layout.fixed;
  for (const v of layout.vectors) {
    if (v.name === name) return k;
    k += lengths[v.length];
  }
  throw new Error(`kernels: ${name} is not a vector state`);
}

function reader(layout: StateLayout, state: ArrayLike<number>, lengths: Readonly<Record<string, number>>): (name: string) => number | Float64Array {
  return (name) => {
    const i = layout.scalar.get(name);
    if (i !== undefined) {
      const tail = layout.tail.get(name);
      return tail === undefined ? state[i] : state[i] + state[tail];
    }
    const v = layout.vectors.find((x) => x.name === name);
    if (!v) throw new Error(`kernels: no state ${name}`);
    const k = vectorOffset(layout, name, lengths);
    return Float64Array.from({ length: lengths[v.length] }, (_, m) => state[k + m]);
  };
}
