/**
 * The shape of a cell-physics definition (src/model/physics.ts is the one in use) and the builder it is written with.
 *
 * A definition declares, each with a unit and a description:
 *   parameters   per-cell kernel parameters (the parameter layout; derived from a parameter set by src/model/derive.ts)
 *   lengths      per-study vector lengths (the particle modes)
 *   constants    per-study scalars, with how to compute them from the parameter set and the numerical options
 *   tables       per-study vectors (the sphere eigenvalues)
 *   series       parameter-set functions of stoichiometry (OCPs, entropic changes), evaluated by every target
 *   states       per-cell state: scalars, and vectors of a declared length
 *   inputs       kernel arguments (current, temperature rise, step length, heat)
 *   derived      per-cell functions of the parameters (uploaded as rows by f32 targets)
 *   named        the named intermediate quantities (every emitter names its local variables after them)
 *   summaries    scalar states that are functions of the other states (x-averages of the electrolyte), stored so
 *                that every evaluation reads a few numbers: recomputed by init and, after each step, by apply
 * and six kernels as expression graphs (src/kernels/ir.ts):
 *   init         the initial state from the parameters
 *   evaluate     outputs (voltage, heat, ...) at a state, current and temperature rise
 *   advance      the exact per-state update over a step at constant current (must be affine in the current:
 *                the compiler splits it into the end state at zero current plus the current times its derivative)
 *   integrate    the update of the states that are NOT affine in the current (SEI growth): from the start state and
 *                the `rates` outputs of evaluate at the start and at the predicted end of the step (the step template
 *                evaluates them; inputs `<rate>Start`, `<rate>End`), into the end state 'e'
 *   thermal      the lumped temperature update over a step with a constant heat source
 *   soc          the reported state of charge
 *   limits       quantities a run stops on that are not the voltage (electrolyte depletion)
 * From these src/kernels/compile.ts derives, per target precision, the kernels every backend calls.
 */
import type { ParameterSet } from '../params/types.ts';
import type { StoichFunction } from '../model/series.ts';
import { constant, derived, elem, input, param, rebuild, rewrite, state, table, type Node } from './ir.ts';

export interface LayoutEntry {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
}

/**
 * A per-cell kernel parameter. `fromSet` derives it from a parameter set (`get` reads a dotted path of the set with
 * the cell's overrides applied); parameters without it are computed by src/model/derive.ts.
 */
export interface ParameterDecl extends LayoutEntry {
  readonly fromSet?: (get: (path: string) => number) => number;
}

export interface StudyContext {
  set: ParameterSet;
  /** Particle modes per electrode (the `modes` length). */
  modes: number;
  /** Finite volumes of the electrolyte per region (the SPMe's mesh). */
  mesh: { readonly negative: number; readonly separator: number; readonly positive: number };
  /** SEI growth law (PyBaMM's "SEI" option; default 'none'). */
  sei?: 'none' | 'solvent-diffusion limited' | 'reaction limited';
  /** The SEI film's Joule heat in the cell heat (default true; false reproduces PyBaMM's SPM). */
  filmHeat?: boolean;
}

export interface LengthDecl {
  readonly name: string;
  readonly description: string;
  /** Largest length any target supports (WGSL arrays are sized per study; AssemblyScript loops to it). */
  readonly max: number;
  value(ctx: StudyContext): number;
}

export interface ConstantDecl extends LayoutEntry {
  value(ctx: StudyContext): number;
}

export interface TableDecl extends LayoutEntry {
  readonly length: string;
  value(ctx: StudyContext): Float64Array;
}

/** A parameter-set function of stoichiometry: a closed-form series or a measured table (src/model/series.ts). */
export interface SeriesDecl extends LayoutEntry {
  value(set: ParameterSet): StoichFunction;
}

export interface StateDecl extends LayoutEntry {
  /** A vector state of this length (a LengthDecl name); scalar if absent. */
  readonly length?: string;
}

/** A summary state: a scalar function of the other states ('s' buffer reads), stored with them. */
export interface SummaryDecl {
  readonly name: string;
  readonly node: Node;
}

export interface DerivedDecl extends LayoutEntry {
  readonly node: Node;
}

export interface KernelOutput {
  readonly name: string;
  readonly node: Node;
}

/** A state written by a kernel: scalar (node invariant) or vector (node varies over the state's length). */
export interface KernelWrite {
  readonly buffer: string;
  readonly state: string;
  readonly node: Node;
}

export interface KernelDecl {
  readonly name: string;
  readonly description: string;
  /** Input names in argument order. */
  readonly inputs: readonly string[];
  /** State buffers read, in argument order ('s' state, 'ds' tangent, 'a'/'b' affine parts). */
  readonly reads: readonly string[];
  /** State buffers written, in argument order. */
  readonly writes: readonly string[];
  readonly outputs: readonly KernelOutput[];
  readonly stores: readonly KernelWrite[];
  /** Local names of this kernel's nodes (compiled kernels: the definition's names plus those of derivatives). */
  readonly names?: ReadonlyMap<Node, string>;
}

export type KernelName = 'init' | 'evaluate' | 'advance' | 'integrate' | 'thermal' | 'soc' | 'limits';
export const KERNEL_NAMES: readonly KernelName[] = ['init', 'evaluate', 'advance', 'integrate', 'thermal', 'soc', 'limits'];

export interface CellDefinition {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly ParameterDecl[];
  readonly lengths: readonly LengthDecl[];
  readonly constants: readonly ConstantDecl[];
  readonly tables: readonly TableDecl[];
  readonly series: readonly SeriesDecl[];
  readonly states: readonly StateDecl[];
  readonly inputs: readonly LayoutEntry[];
  readonly derived: readonly DerivedDecl[];
  /** Named intermediates by name (and their unit and meaning). */
  readonly named: ReadonlyMap<string, { node: Node; unit: string; description: string }>;
  /** Summary states in declaration order (also in `states`); init stores them, the compiler's apply recomputes them. */
  readonly summaries: readonly SummaryDecl[];
  /** Outputs of `evaluate` whose derivative (along the current, the temperature rise and the state) is generated. */
  readonly tangents: readonly string[];
  /** Outputs of `evaluate` that drive the integrate kernel (evaluated at the start and the predicted end of a step). */
  readonly rates: readonly string[];
  readonly kernels: Readonly<Record<KernelName, KernelDecl>>;
}

/** Builds a definition: every declaration returns the node to write the physics with. */
export class CellBuilder {
  private readonly parameters: ParameterDecl[] = [];
  private readonly lengths: LengthDecl[] = [];
  private readonly constants: ConstantDecl[] = [];
  private readonly tables: TableDecl[] = [];
  private readonly seriesDecls: SeriesDecl[] = [];
  private readonly states: StateDecl[] = [];
  private readonly inputs: LayoutEntry[] = [];
  private readonly derivedDecls: DerivedDecl[] = [];
  private readonly named = new Map<string, { node: Node; unit: string; description: string }>();
  private readonly summaries: SummaryDecl[] = [];
  private readonly kernels = new Map<KernelName, KernelDecl>();
  private readonly names = new Set<string>();

  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  private claim(name: string): void {
    if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`kernels: ${name} must be lowerCamelCase`);
    if (this.names.has(name)) throw new Error(`kernels: ${name} is declared twice`);
    this.names.add(name);
  }

  parameter(e: ParameterDecl): Node {
    this.claim(e.name);
    this.parameters.push(e);
    return param(e.name);
  }

  length(d: LengthDecl): string {
    this.claim(d.name);
    this.lengths.push(d);
    return d.name;
  }

  constant(d: ConstantDecl): Node {
    this.claim(d.name);
    this.constants.push(d);
    return constant(d.name);
  }

  /** A per-study table; returns its element inside a loop over its length. */
  table(d: TableDecl): Node {
    this.claim(d.name);
    this.tables.push(d);
    return table(d.name, d.length);
  }

  series(d: SeriesDecl): string {
    this.claim(d.name);
    this.seriesDecls.push(d);
    return d.name;
  }

  /** A scalar state; returns its value in the state buffer. */
  state(d: LayoutEntry): Node {
    this.claim(d.name);
    this.states.push(d);
    return state(d.name);
  }

  /** A vector state; returns its element m inside a loop over its length. */
  vector(d: LayoutEntry & { length: string }): Node {
    this.claim(d.name);
    this.states.push(d);
    return elem(d.name, d.length);
  }

  /**
   * A summary state: a scalar function `node` of the other states (read from the 's' buffer), stored in the state so
   * that evaluations read it instead of recomputing it. Its value after init and after every step is `node` at the new
   * state (the compiler writes it; `advance` must not), and its derivative in the step current is refreshed by apply.
   */
  summary(d: LayoutEntry, node: Node): Node {
    this.claim(d.name);
    if (node.loop !== null) throw new Error(`kernels: summary ${d.name} must be a scalar`);
    this.states.push(d);
    this.summaries.push({ name: d.name, node });
    return state(d.name);
  }

  input(e: LayoutEntry): Node {
    this.claim(e.name);
    this.inputs.push(e);
    return input(e.name);
  }

  /** A per-cell function of parameters and study constants. */
  derived(e: LayoutEntry, node: Node): Node {
    this.claim(e.name);
    const n = derived(e.name, node);
    this.derivedDecls.push({ ...e, node: n });
    return n;
  }

  /** Name an intermediate quantity (emitters call their local variable after it). */
  let(name: string, unit: string, description: string, node: Node): Node {
    this.claim(name);
    this.named.set(name, { node, unit, description });
    return node;
  }

  kernel(k: KernelDecl & { name: KernelName }): void {
    if (this.kernels.has(k.name)) throw new Error(`kernels: kernel ${k.name} defined twice`);
    this.kernels.set(k.name, k);
  }

  build(tangents: readonly string[], rates: readonly string[] = []): CellDefinition {
    const kernels = {} as Record<KernelName, KernelDecl>;
    for (const k of KERNEL_NAMES) {
      const decl = this.kernels.get(k);
      if (!decl) throw new Error(`kernels: definition ${this.name} has no ${k} kernel`);
      kernels[k] = decl;
    }
    for (const w of kernels.advance.stores) {
      if (this.summaries.some((x) => x.name === w.state)) throw new Error(`kernels: advance writes summary ${w.state}; the compiler does`);
    }
    // init: the summaries of the initial state (their state reads replaced by what init stores).
    const initial = new Map(kernels.init.stores.map((w) => [w.state, w.node]));
    const atInit = (n: Node) =>
      rewrite(n, (x) => {
        if ((x.kind === 'state' || x.kind === 'elem') && x.buffer === 's') {
          const v = initial.get(x.name);
          if (!v) throw new Error(`kernels: summary reads ${x.name}, which init does not store`);
          return v;
        }
        return undefined;
      });
    kernels.init = { ...kernels.init, stores: [...kernels.init.stores, ...this.summaries.map((x) => ({ buffer: 's', state: x.name, node: atInit(x.node) }))] };
    return {
      name: this.name,
      description: this.description,
      parameters: this.parameters,
      lengths: this.lengths,
      constants: this.constants,
      tables: this.tables,
      series: this.seriesDecls,
      states: this.states,
      inputs: this.inputs,
      derived: this.derivedDecls,
      named: this.named,
      summaries: this.summaries,
      tangents: [...tangents, ...rates.filter((r) => !tangents.includes(r))],
      rates,
      kernels,
    };
  }
}

/**
 * A definition derived from another: extra parameters, and named intermediates replaced by new expressions (built
 * from the base's own nodes, `get(name)`); every kernel is rewritten with the replacements. The worked example of
 * docs/kernels.md (a film resistance) is this on a test-only definition; a term that belongs to the model is written
 * into src/model/physics.ts itself.
 */
export function extendDefinition(
  base: CellDefinition,
  extension: {
    name: string;
    description: string;
    parameters?: readonly ParameterDecl[];
    replace: (get: (name: string) => Node) => Record<string, Node>;
  },
): CellDefinition {
  const get = (name: string) => {
    const n = base.named.get(name)?.node;
    if (!n) throw new Error(`kernels: ${base.name} has no named intermediate ${name}`);
    return n;
  };
  const replacements = new Map<Node, Node>();
  const named = new Map(base.named);
  for (const [name, node] of Object.entries(extension.replace(get))) {
    replacements.set(get(name), node);
    named.set(name, { ...base.named.get(name)!, node });
  }
  const memo = new Map<Node, Node>();
  const visit = (n: Node): Node => {
    const hit = memo.get(n);
    if (hit) return hit;
    const target = replacements.get(n);
    if (target) {
      // A replacement may use the node it replaces (voltage' = voltage - I R): there it stays the original.
      memo.set(n, n);
      const r = rebuild(target, target.args.map(visit));
      memo.set(n, r);
      return r;
    }
    const r = rebuild(n, n.args.map(visit));
    memo.set(n, r);
    return r;
  };
  const kernels = Object.fromEntries(
    Object.entries(base.kernels).map(([k, d]) => [k, { ...d, outputs: d.outputs.map((o) => ({ ...o, node: visit(o.node) })), stores: d.stores.map((w) => ({ ...w, node: visit(w.node) })) }]),
  ) as unknown as CellDefinition['kernels'];
  for (const [name, v] of named) named.set(name, { ...v, node: visit(v.node) });
  const summaries = base.summaries.map((x) => ({ ...x, node: visit(x.node) }));
  return { ...base, name: extension.name, description: extension.description, parameters: [...base.parameters, ...(extension.parameters ?? [])], named, summaries, kernels };
}

/** The union, by name, of the study constants of several definitions (the largest definition's order first). */
export function studyConstantUnion(defs: readonly CellDefinition[]) {
  const union = <T extends { name: string }>(pick: (d: CellDefinition) => readonly T[]) => {
    const out = new Map<string, T>();
    for (const d of [...defs].sort((a, b) => b.parameters.length - a.parameters.length)) for (const x of pick(d)) if (!out.has(x.name)) out.set(x.name, x);
    return [...out.values()];
  };
  return { lengths: union((d) => d.lengths), constants: union((d) => d.constants), tables: union((d) => d.tables), series: union((d) => d.series) };
}
