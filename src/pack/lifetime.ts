/**
 * Lifetime runs of packs: a protocol with a repeated cycle (the study's `repeat` block), run by the host around
 * "one protocol step from a state buffer" backend calls, so cycling, per-cycle outputs, the per-cycle random walk of
 * the ageing rate and cycle jumping are written once for every backend (reference, WASM, WebGPU).
 *
 * Rounds. All packs of a chunk stand at the same step of their cycle (its `phase`); a round runs that step for every
 * pack still cycling, from the states the last round left, and collects each pack's outputs of the step (the 16 pack
 * outputs of that call) and its end states. Packs differ only in the cycle they are at, because each jumps on its own
 * schedule. The steps before the repeat block run once before the first round, those after it once at the end.
 *
 * Cycle jumping (docs/lifetime.md section 8). Slow state: every cell's SEI growth; everything else forgets its start
 * within a cycle. At the jump point (just before the step that re-anchors the state of charge, by default the first
 * charge or CC-CV step) a pack may skip k cycles: its cells' growth is extrapolated (predictor), one full cycle is
 * simulated from there, and the growth over the jump is corrected with what that cycle measured (trapezoid); the
 * difference of the two is the error estimate, accepted if at most tolerance + relativeTolerance x the lithium lost over
 * the jump (each cell's lithium over the nominal cell capacity, the worst cell counts), which also scales the next jump.
 * A cycle is split at the jump point into a head (steps before it) and a tail (from it): the growth of each is measured
 * per cell, divided by the cell's random-walk factor of that cycle (the deterministic part u, smooth in the cycle
 * number), and extrapolated linearly; the jumped growth is the sum of the exact factors times the extrapolated u over
 * the jumped heads and tails, so the random path is the same whether or not cycles are jumped. Jumps never land past
 * the second-to-last cycle (the last cycle is simulated) nor, with an end of life, past its predicted crossing (so the
 * end-of-life cycle is bracketed by simulated cycles).
 *
 * Outputs of jumped cycles: heads and tails are interpolated linearly between simulated ones; each cell's growth at the
 * end of a cycle by cubic Hermite between simulated cycle ends, with the measured growth per cycle as slopes.
 */
import { CellspreadInputError } from '../errors.ts';
import type { Backend, PackJob } from '../backends/types.ts';
import { S_SEI_GROWTH } from '../model/kernel.generated.ts';
import { CELL_PARAMETER_INDEX, cellParameters, cellStateLength, type LayoutEntry } from '../model/layout.ts';
import { exp } from '../math/elementary.ts';
import { Rng } from '../random/rng.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX as O, STOP_REASON } from './outputs.ts';
import { compileProtocol, type CompileContext, type PackProtocolStep, type Segment } from './protocol.ts';
import { cellCount } from './topology.ts';

/** Stream salt of the per-cycle random walk: Rng(seed, AGEING_STREAM, sample, cell, cycle). */
export const AGEING_STREAM = 0x41474531;

export interface JumpSettings {
  /** Absolute part of a jump's allowed error: lithium, as a fraction of the nominal cell capacity (default 1e-5). */
  tolerance: number;
  /** Relative part: a fraction of the lithium lost over the jump (default 1e-2). */
  relativeTolerance: number;
  /** Longest jump in cycles (default 50). */
  maxJump: number;
  /** Index of the cycle's step before which jumps are made (default: the first charge or CC-CV step). */
  jumpBefore: number;
}

/** A `repeat` block of a protocol: `steps` run `repeat` times; `jumping` turns on cycle jumping. */
export interface RepeatBlock {
  repeat: number;
  steps: PackProtocolStep[];
  jumping?: boolean | Partial<JumpSettings>;
}

export type LifetimeProtocolStep = PackProtocolStep | RepeatBlock;

export function isRepeatBlock(step: unknown): step is RepeatBlock {
  return typeof step === 'object' && step !== null && 'repeat' in step;
}

/** A compiled lifetime protocol: the segments of every step, step by step. */
export interface LifetimePlan {
  before: Segment[][];
  cycle: Segment[][];
  after: Segment[][];
  cycles: number;
  /** null: every cycle simulated. */
  jumping: JumpSettings | null;
}

/** Per-cycle outputs of a pack, in this order (cycle outputs rows). */
export const CYCLE_OUTPUTS = [
  { name: 'dischargeCapacityAh', unit: 'Ah', description: 'charge delivered by the steps of the cycle that deliver net charge' },
  { name: 'dischargeEnergyWh', unit: 'Wh', description: 'energy delivered at the terminals by those steps' },
  { name: 'chargeCapacityAh', unit: 'Ah', description: 'charge taken by the steps that take net charge' },
  { name: 'maxTemperatureK', unit: 'K', description: 'maximum cell temperature over the cycle' },
  { name: 'maxTemperatureSpreadK', unit: 'K', description: 'maximum temperature spread across cells over the cycle' },
  { name: 'limitingCell', unit: '-', description: 'the cell that ended the discharge (group * parallel + j), -1 if none did' },
  { name: 'dischargeSocSpread', unit: '-', description: 'imbalance: spread (max - min) of cell SOC at the end of the discharge' },
  { name: 'maxCurrentImbalance', unit: '-', description: 'maximum of a cell current over its group mean' },
  { name: 'heatJ', unit: 'J', description: 'heat generated in the cells over the cycle' },
  { name: 'durationS', unit: 's', description: 'duration of the cycle' },
  { name: 'lliPercent', unit: '%', description: "loss of lithium inventory of the pack at the cycle's end: lithium in the SEI over the cells' inventory at manufacture" },
  { name: 'maxCellLliPercent', unit: '%', description: 'largest loss of lithium inventory of a cell' },
  { name: 'meanSeiThicknessM', unit: 'm', description: 'mean SEI thickness over the cells' },
  { name: 'maxSeiThicknessM', unit: 'm', description: 'largest SEI thickness of a cell' },
  { name: 'simulated', unit: '-', description: "1 when the cycle's discharge was simulated, 0 when it was interpolated between simulated cycles (cycle jumping)" },
] as const satisfies readonly LayoutEntry[];

export type CycleOutputName = (typeof CYCLE_OUTPUTS)[number]['name'];
export const CYCLE_OUTPUT_COUNT = CYCLE_OUTPUTS.length;
export const CYCLE_OUTPUT_INDEX = Object.fromEntries(CYCLE_OUTPUTS.map((o, i) => [o.name, i])) as Record<CycleOutputName, number>;

/** Split compiled segments by their protocol step (renumbered from 0 within each step). */
function byStep(segments: readonly Segment[], steps: number): Segment[][] {
  const out: Segment[][] = Array.from({ length: steps }, () => []);
  for (const s of segments) out[s.step].push({ ...s, step: 0 });
  return out;
}

/**
 * The lifetime plan of a protocol with one `repeat` block (its steps compiled as compileProtocol compiles any), or
 * null when the protocol has none.
 */
export function compileLifetimeProtocol(protocol: readonly LifetimeProtocolStep[], ctx: CompileContext, name = 'protocol'): LifetimePlan | null {
  const at = protocol.map((s, i) => (isRepeatBlock(s) ? i : -1)).filter((i) => i >= 0);
  if (at.length === 0) return null;
  if (at.length > 1) throw new CellspreadInputError(`${name}[${at[1]}]`, 'must not be a second repeat block (a protocol holds at most one)', 'repeat');
  const r = at[0];
  const block = protocol[r] as RepeatBlock;
  const f = `${name}[${r}]`;
  if (!(Number.isInteger(block.repeat) && block.repeat >= 1)) throw new CellspreadInputError(`${f}.repeat`, 'must be an integer >= 1', block.repeat);
  if (!Array.isArray(block.steps) || block.steps.length === 0) throw new CellspreadInputError(`${f}.steps`, 'must be a non-empty list of steps', block.steps);
  block.steps.forEach((s, i) => {
    if (isRepeatBlock(s)) throw new CellspreadInputError(`${f}.steps[${i}]`, 'must not be a repeat block (repeats do not nest)', 'repeat');
  });
  const compile = (steps: readonly PackProtocolStep[], label: string, first = 0) => (steps.length ? byStep(compileProtocol(steps, ctx, label, first), steps.length) : []);
  const before = protocol.slice(0, r) as PackProtocolStep[];
  const after = protocol.slice(r + 1) as PackProtocolStep[];
  let jumping: JumpSettings | null = null;
  if (block.jumping) {
    const j = block.jumping === true ? {} : block.jumping;
    const firstCharge = block.steps.findIndex((s) => s.type === 'charge' || s.type === 'cccv');
    jumping = {
      tolerance: j.tolerance ?? 1e-5,
      relativeTolerance: j.relativeTolerance ?? 1e-2,
      maxJump: j.maxJump ?? 50,
      jumpBefore: j.jumpBefore ?? Math.max(0, firstCharge),
    };
    if (!(jumping.tolerance > 0)) throw new CellspreadInputError(`${f}.jumping.tolerance`, 'must be > 0', jumping.tolerance);
    if (!(jumping.relativeTolerance > 0)) throw new CellspreadInputError(`${f}.jumping.relativeTolerance`, 'must be > 0', jumping.relativeTolerance);
    if (!(Number.isInteger(jumping.maxJump) && jumping.maxJump >= 1)) throw new CellspreadInputError(`${f}.jumping.maxJump`, 'must be an integer >= 1', jumping.maxJump);
    if (!(Number.isInteger(jumping.jumpBefore) && jumping.jumpBefore >= 0 && jumping.jumpBefore < block.steps.length)) {
      throw new CellspreadInputError(`${f}.jumping.jumpBefore`, `must be the index of a step of the block (0 to ${block.steps.length - 1})`, jumping.jumpBefore);
    }
  }
  return {
    before: compile(before, name),
    cycle: compile(block.steps, `${f}.steps`),
    after: compile(after, name, r + 1),
    cycles: block.repeat,
    jumping,
  };
}

/** The per-cycle random walk of each cell's ageing rate: log f(n+1) = rho log f(n) + sigma sqrt(1 - rho^2) eps(n+1). */
export interface RateWalk {
  seed: number;
  /** Standard deviation of log f: per cycle for rho = 1 (a random walk), stationary for rho < 1. */
  sigma: number;
  /** Correlation of log f from one cycle to the next, in [0, 1] (1: a pure random walk from f(1) = 1). */
  rho: number;
}

export interface LifetimeJob {
  /** The packs (everything of a PackJob but the segments and states): kernel parameters are the cycle-1 values. */
  packs: Omit<PackJob, 'segments' | 'states' | 'returnStates'>;
  plan: LifetimePlan;
  /** Nominal cell capacity [Ah]: the scale of the jump tolerances. */
  nominalCapacity: number;
  walk?: RateWalk;
  /** The key of each pack's walk streams (default its sample index firstSample + i). */
  walkKeys?: ArrayLike<number>;
  /** End of life, to keep jumps from landing past it: a fraction of the reference cycle's discharge capacity. */
  endOfLife?: { fraction: number; reference: 'first' | 'second' };
  /** Keep every cell's SEI growth at the end of every cycle (cells x cycles per pack). */
  recordCells?: boolean;
}

export interface LifetimeChunkResult {
  cycles: number;
  /** count x cycles x CYCLE_OUTPUT_COUNT, row-major. */
  cycleOutputs: Float64Array;
  /** count x PACK_OUTPUT_COUNT: the outputs of the steps before and after the repeat block (NaN rows when none). */
  beforeOutputs: Float64Array;
  afterOutputs: Float64Array;
  /** Per pack: cycles of full electrochemistry run (rejected jumps included), accepted and rejected jumps. */
  simulatedCycles: Int32Array;
  jumps: Int32Array;
  rejectedJumps: Int32Array;
  /** count x cycles x cells SEI growth [m] at each cycle's end (recordCells). */
  cellGrowth?: Float32Array;
  /** End states, count x cells x stateLength (reference layout). */
  states: Float64Array;
  cellSteps: number;
  /** Backend calls (protocol steps x rounds). */
  calls: number;
}

// ---- a cycle's head or tail: the outputs of its steps, aggregated
const PART = { dischargeAh: 0, dischargeWh: 1, chargeAh: 2, maxT: 3, maxTSpread: 4, limitingCell: 5, socSpread: 6, maxImbalance: 7, heatJ: 8, durationS: 9 } as const;
const PART_SIZE = 10;

function emptyPart(): Float64Array {
  const p = new Float64Array(PART_SIZE);
  p[PART.maxT] = -Infinity;
  p[PART.limitingCell] = -1;
  return p;
}

/** Add one step's pack outputs to a part. */
function addStep(part: Float64Array, out: Float64Array, at: number): void {
  const q = out[at + O.capacityAh];
  if (q > 0) {
    part[PART.dischargeAh] += q;
    part[PART.dischargeWh] += out[at + O.energyWh];
    part[PART.socSpread] = out[at + O.finalSocSpread];
    const stop = out[at + O.stopReason];
    part[PART.limitingCell] = stop === STOP_REASON.cellLimit || stop === STOP_REASON.packLimit ? out[at + O.cutoffCell] : -1;
  } else part[PART.chargeAh] -= q;
  part[PART.maxT] = Math.max(part[PART.maxT], out[at + O.maxTemperatureK]);
  part[PART.maxTSpread] = Math.max(part[PART.maxTSpread], out[at + O.maxTemperatureSpreadK]);
  part[PART.maxImbalance] = Math.max(part[PART.maxImbalance], out[at + O.maxCurrentImbalance]);
  part[PART.heatJ] += out[at + O.heatJ];
  part[PART.durationS] += out[at + O.durationS];
}

/** Fill the missing parts of cycles 1..N by linear interpolation between known ones (held at the ends; indices held). */
function interpolateParts(parts: Array<Float64Array | undefined>, N: number): Float64Array[] {
  const known: number[] = [];
  for (let i = 1; i <= N; i++) if (parts[i]) known.push(i);
  const out: Float64Array[] = new Array(N + 1);
  let k = 0;
  for (let i = 1; i <= N; i++) {
    if (parts[i]) {
      out[i] = parts[i]!;
      continue;
    }
    while (k + 1 < known.length && known[k + 1] < i) k++;
    const lo = known[k] < i ? known[k] : known[0];
    const hi = known.find((x) => x > i) ?? lo;
    const a = parts[lo]!;
    const b = parts[hi]!;
    const w = hi === lo ? 0 : (i - lo) / (hi - lo);
    const row = new Float64Array(PART_SIZE);
    for (let f = 0; f < PART_SIZE; f++) row[f] = f === PART.limitingCell ? a[f] : a[f] + w * (b[f] - a[f]);
    out[i] = row;
  }
  return out;
}

interface Measurement {
  /** Cycle index of the measured head or tail. */
  i: number;
  /** Growth per cell over it, divided by the cell's walk factor of that cycle. */
  u: Float64Array;
}

interface PendingJump {
  from: number;
  k: number;
  za: Float64Array;
  zp: Float64Array;
  /** Sums of the walk factors over the jumped tails (cycles from .. from+k-1) and heads (from+1 .. from+k): sum f, sum f i. */
  tail: { f0: Float64Array; f1: Float64Array; last: Measurement };
  head: { f0: Float64Array; f1: Float64Array; last: Measurement };
  states: Float64Array;
  walk: Float64Array;
  boundary: Float64Array;
}

/** One pack's cycle counter, records and jump schedule. */
class PackLife {
  cycle = 1;
  done = false;
  readonly head: Array<Float64Array | undefined>;
  readonly tail: Array<Float64Array | undefined>;
  /** Growth per cell at the end of simulated cycles, and the growth per cycle around them. */
  readonly knots = new Map<number, { z: Float64Array; slope?: Float64Array }>();
  /** Growth at the start of the current cycle, and at the last jump point (or landing point). */
  boundary: Float64Array;
  jumpPoint: Float64Array | undefined;
  /** log f per cell at the current cycle, and f of the cycle before (the one whose tail the next jump point measures). */
  walk: Float64Array;
  previousFactor: Float64Array;
  tails: Measurement[] = [];
  heads: Measurement[] = [];
  nextJump = 0;
  pending: PendingJump | undefined;
  simulated = 0;
  accepted = 0;
  rejected = 0;
  before = emptyPart();
  after = emptyPart();
  beforeSteps = 0;
  afterSteps = 0;

  constructor(
    readonly index: number,
    readonly sample: number,
    readonly n: number,
    readonly N: number,
  ) {
    this.head = new Array(N + 2).fill(undefined);
    this.tail = new Array(N + 2).fill(undefined);
    this.boundary = new Float64Array(n);
    this.walk = new Float64Array(n);
    this.previousFactor = new Float64Array(n).fill(1);
  }
}

/** The job's kernel parameters for some of its packs, with each cell's SEI rate factor times its walk factor. */
function subJob(job: LifetimeJob, lives: readonly PackLife[], segments: Segment[], states: Float64Array, perPack: number, walkOn: boolean): PackJob {
  const src = job.packs;
  const n = cellCount(src.layout);
  const count = lives.length;
  // Every row of the job's model (the SPMe's electrolyte rows follow the SPM's).
  const rows = cellParameters(src.settings.model).length;
  const params = new Float64Array(rows * count * n);
  const rate = CELL_PARAMETER_INDEX.seiRateFactor;
  for (let k = 0; k < rows; k++) {
    lives.forEach((life, j) => {
      const from = (k * src.count + life.index) * n;
      const to = (k * count + j) * n;
      if (k === rate && walkOn) for (let c = 0; c < n; c++) params[to + c] = src.kernelParameters[from + c] * exp(life.walk[c]);
      else params.set(src.kernelParameters.subarray(from, from + n), to);
    });
  }
  const S = src.layout.series;
  const interconnect = new Float64Array(count * S);
  const sub = new Float64Array(count * perPack);
  lives.forEach((life, j) => {
    interconnect.set(src.interconnectResistance.subarray(life.index * S, (life.index + 1) * S), j * S);
    sub.set(states.subarray(life.index * perPack, (life.index + 1) * perPack), j * perPack);
  });
  return { ...src, count, firstSample: src.firstSample + (lives[0]?.index ?? 0), segments, kernelParameters: params, interconnectResistance: interconnect, states: sub, returnStates: true };
}

/** Cubic Hermite between (0, y0, m0) and (1, y1, m1) at t. */
function hermite(t: number, y0: number, y1: number, m0: number, m1: number): number {
  const t2 = t * t;
  const t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * m1;
}

/**
 * Run a chunk of packs through a lifetime plan on a backend (see the module comment). The packs start from their
 * initial states; `onCycle` reports progress (the smallest cycle any pack stands at).
 */
export async function runLifetime(
  backend: Backend,
  job: LifetimeJob,
  options: {
    signal?: AbortSignal;
    onRound?: (cycle: number, cycles: number) => void;
    /**
     * After every backend call: the protocol step's segments, the packs it ran (indices in the chunk), their output rows
     * (PACK_OUTPUT_COUNT each, in that order) and where each pack stood (for a validity check's message).
     */
    onStep?: (segments: readonly Segment[], packs: readonly number[], outputs: Float64Array, where: (j: number) => string) => void;
  } = {},
): Promise<LifetimeChunkResult> {
  const { packs, plan } = job;
  const n = cellCount(packs.layout);
  const N = plan.cycles;
  const S = plan.cycle.length;
  const L = cellStateLength(packs.settings.modes, packs.settings.model, packs.settings.mesh);
  const perPack = n * L;
  const count = packs.count;
  const walk = job.walk && job.walk.sigma > 0 ? job.walk : undefined;
  if (walk && !(walk.rho >= 0 && walk.rho <= 1)) throw new CellspreadInputError('ageing.randomWalk.rho', 'must be in [0, 1]', walk.rho);
  const jumping = plan.jumping;
  const J = jumping ? jumping.jumpBefore : S;
  const lives = Array.from({ length: count }, (_, i) => new PackLife(i, job.walkKeys?.[i] ?? packs.firstSample + i, n, N));
  const lpt = (life: PackLife, c: number) => packs.kernelParameters[(CELL_PARAMETER_INDEX.seiLithiumPerThickness * count + life.index) * n + c];
  const nominal = job.nominalCapacity;
  const states = new Float64Array(count * perPack);
  let started = false;
  let cellSteps = 0;
  let calls = 0;

  const growth = (life: PackLife) => {
    const z = new Float64Array(n);
    for (let c = 0; c < n; c++) z[c] = states[life.index * perPack + c * L + S_SEI_GROWTH];
    return z;
  };
  const setGrowth = (life: PackLife, z: Float64Array) => {
    for (let c = 0; c < n; c++) states[life.index * perPack + c * L + S_SEI_GROWTH] = z[c];
  };
  const draw = (life: PackLife, c: number, cycle: number) => new Rng(walk!.seed, AGEING_STREAM, life.sample, c, cycle).normal();
  /** The walk from cycle `cycle` to the next, in place (x holds log f per cell). */
  const stepWalk = (life: PackLife, x: Float64Array, cycle: number) => {
    if (!walk) return;
    const innovation = walk.rho === 1 ? walk.sigma : walk.sigma * Math.sqrt(1 - walk.rho * walk.rho);
    for (let c = 0; c < n; c++) x[c] = walk.rho * x[c] + innovation * draw(life, c, cycle + 1);
  };
  if (walk && walk.rho < 1) for (const life of lives) for (let c = 0; c < n; c++) life.walk[c] = walk.sigma * draw(life, c, 1);

  /** Run one protocol step for some packs; `record` gets each pack's output row. */
  const runStep = async (segments: Segment[], active: PackLife[], record: (life: PackLife, out: Float64Array, at: number) => void, where: (life: PackLife) => string) => {
    if (active.length === 0) return;
    options.signal?.throwIfAborted();
    const sub = subJob(job, active, segments, states, perPack, walk !== undefined);
    if (!started) {
      // The very first call: every pack from its initial state (the backend's own init).
      sub.states = undefined;
      started = true;
    }
    const r = await backend.simulate(sub, options.signal);
    calls++;
    cellSteps += r.cellSteps;
    if (!r.states) throw new Error(`backend ${backend.name} returned no end states (lifetime runs need PackJob.returnStates)`);
    active.forEach((life, j) => {
      states.set(r.states!.subarray(j * perPack, (j + 1) * perPack), life.index * perPack);
      record(life, r.outputs, j * PACK_OUTPUT_COUNT);
    });
    options.onStep?.(segments, active.map((l) => l.index), r.outputs, (j) => where(active[j]));
  };

  /** Sums of the walk factors over cycles [a, b] from log f at cycle `from` (x): f0 = sum f, f1 = sum f i, per cell. */
  const factorSums = (life: PackLife, from: number, a: number, b: number) => {
    const f0 = new Float64Array(n);
    const f1 = new Float64Array(n);
    const x = Float64Array.from(life.walk);
    for (let i = from; i <= b; i++) {
      if (i > from) stepWalk(life, x, i - 1);
      if (i < a) continue;
      for (let c = 0; c < n; c++) {
        const f = walk ? exp(x[c]) : 1;
        f0[c] += f;
        f1[c] += f * i;
      }
    }
    return { f0, f1 };
  };

  /** sum over the jumped cycles of f u, u linear through (i2, u2) with slope s: u2 f0 + s (f1 - i2 f0). */
  const linearSum = (u2: number, i2: number, slope: number, f0: number, f1: number) => u2 * f0 + slope * (f1 - i2 * f0);


  /** Discharge capacity of simulated cycles (the part with the discharge), newest last. */
  const capacities = (life: PackLife): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let i = 1; i <= N; i++) {
      const h = life.head[i];
      const t = life.tail[i];
      if (h && h[PART.dischargeAh] > 0) out.push([i, h[PART.dischargeAh]]);
      else if (t && t[PART.dischargeAh] > 0) out.push([i, t[PART.dischargeAh]]);
    }
    return out;
  };

  /** Longest jump from the jump point of `cycle` that lands before the predicted end of life (Infinity: no limit). */
  const eolLimit = (life: PackLife, cycle: number): number => {
    const eol = job.endOfLife;
    if (!eol) return Infinity;
    const caps = capacities(life);
    const ref = caps.find(([i]) => i === (eol.reference === 'second' ? 2 : 1));
    if (!ref || caps.length < 2) return 0;
    const threshold = eol.fraction * ref[1];
    const [i1, q1] = caps[caps.length - 2];
    const [i2, q2] = caps[caps.length - 1];
    if (caps.some(([, q]) => q < threshold)) return Infinity; // reached: nothing left to bracket
    const rate = (q1 - q2) / (i2 - i1);
    if (!(rate > 0)) return Infinity;
    const crossing = i2 + (q2 - threshold) / rate;
    const dischargeInHead = J > 0 && (life.head[1]?.[PART.dischargeAh] ?? 0) > 0;
    const firstMeasured = dischargeInHead ? cycle + 1 : cycle;
    return Math.max(0, Math.floor(crossing) - 1 - firstMeasured);
  };

  /** The pack stands at the jump point of its cycle (before step J): measure, correct a pending jump, maybe jump. */
  const atJumpPoint = (life: PackLife) => {
    const c = life.cycle;
    const z = growth(life);
    const f = (cell: number) => (walk ? exp(life.walk[cell]) : 1);
    if (life.jumpPoint) {
      // The full cycle since the last jump point: the tail of c - 1 and the head of c.
      const uTail = new Float64Array(n);
      const uHead = new Float64Array(n);
      const slope = new Float64Array(n);
      const pending = life.pending;
      for (let cell = 0; cell < n; cell++) {
        const gTail = life.boundary[cell] - life.jumpPoint[cell];
        const gHead = z[cell] - life.boundary[cell];
        uTail[cell] = gTail / life.previousFactor[cell];
        uHead[cell] = gHead / f(cell);
        slope[cell] = gTail + gHead;
      }
      const knot = life.knots.get(c - 1);
      if (knot) knot.slope = slope;
      if (pending) {
        life.pending = undefined;
        // Corrector: u linear between the last measurement before the jump and the one after it.
        const { tail, head, za, zp, k } = pending;
        const zc = new Float64Array(n);
        let error = 0;
        let lost = 0;
        for (let cell = 0; cell < n; cell++) {
          const sTail = (uTail[cell] - tail.last.u[cell]) / (c - 1 - tail.last.i);
          const sHead = (uHead[cell] - head.last.u[cell]) / (c - head.last.i);
          zc[cell] =
            za[cell] +
            linearSum(tail.last.u[cell], tail.last.i, sTail, tail.f0[cell], tail.f1[cell]) +
            linearSum(head.last.u[cell], head.last.i, sHead, head.f0[cell], head.f1[cell]);
          const scale = lpt(life, cell) / nominal;
          error = Math.max(error, Math.abs(zc[cell] - zp[cell]) * scale);
          lost = Math.max(lost, Math.abs(zc[cell] - za[cell]) * scale);
        }
        const allowed = jumping!.tolerance + jumping!.relativeTolerance * lost;
        // Local errors of the predictor and the corrector are both third order in the jump length.
        const factor = Math.min(2, Math.max(0.2, 0.9 * Math.cbrt(allowed / Math.max(error, Number.MIN_VALUE))));
        if (error > allowed) {
          // Rejected: back to the jump point the jump left from, and a shorter jump.
          life.rejected++;
          states.set(pending.states, life.index * perPack);
          life.walk = pending.walk;
          life.boundary = pending.boundary;
          life.head[c] = undefined;
          life.tail[c - 1] = undefined;
          life.knots.delete(c - 1);
          life.cycle = pending.from;
          life.jumpPoint = za;
          life.nextJump = Math.floor(k * factor);
          decide(life, za);
          return;
        }
        life.accepted++;
        const shift = new Float64Array(n);
        for (let cell = 0; cell < n; cell++) shift[cell] = zc[cell] - zp[cell];
        for (let cell = 0; cell < n; cell++) z[cell] += shift[cell];
        setGrowth(life, z);
        if (knot) for (let cell = 0; cell < n; cell++) knot.z[cell] += shift[cell];
        life.nextJump = Math.max(1, Math.round(k * factor));
      } else life.nextJump = Math.max(1, 2 * life.nextJump);
      life.tails.push({ i: c - 1, u: uTail });
      life.heads.push({ i: c, u: uHead });
      if (life.tails.length > 2) life.tails.shift();
      if (life.heads.length > 2) life.heads.shift();
    }
    decide(life, z);
  };

  /** Jump from the jump point of the pack's cycle, or not (then the cycle is simulated). */
  const decide = (life: PackLife, z: Float64Array) => {
    const c = life.cycle;
    let k = c < 3 || life.tails.length < 2 ? 0 : Math.min(life.nextJump, jumping!.maxJump, N - 1 - c);
    k = Math.max(0, Math.min(k, eolLimit(life, c)));
    life.jumpPoint = z;
    if (k <= 0) return;
    // Predictor: u extrapolated linearly from the last two measurements of heads and of tails.
    const [t1, t2] = life.tails;
    const [h1, h2] = life.heads;
    const tail = { ...factorSums(life, c, c, c + k - 1), last: t2 };
    const head = { ...factorSums(life, c, c + 1, c + k), last: h2 };
    const zp = new Float64Array(n);
    for (let cell = 0; cell < n; cell++) {
      const sTail = (t2.u[cell] - t1.u[cell]) / (t2.i - t1.i);
      const sHead = (h2.u[cell] - h1.u[cell]) / (h2.i - h1.i);
      zp[cell] = z[cell] + linearSum(t2.u[cell], t2.i, sTail, tail.f0[cell], tail.f1[cell]) + linearSum(h2.u[cell], h2.i, sHead, head.f0[cell], head.f1[cell]);
    }
    const saved: PendingJump = {
      from: c,
      k,
      za: z,
      zp,
      tail,
      head,
      states: states.slice(life.index * perPack, (life.index + 1) * perPack),
      walk: Float64Array.from(life.walk),
      boundary: life.boundary,
    };
    // Land at the jump point of cycle c + k: the walk there, the extrapolated growth.
    for (let i = c; i < c + k; i++) stepWalk(life, life.walk, i);
    setGrowth(life, zp);
    life.cycle = c + k;
    life.jumpPoint = zp;
    life.pending = saved;
  };

  /** The pack finished its cycle's last step. */
  const endCycle = (life: PackLife) => {
    const z = growth(life);
    life.knots.set(life.cycle, { z });
    life.previousFactor = Float64Array.from(life.walk, (x) => (walk ? exp(x) : 1));
    life.boundary = z;
    stepWalk(life, life.walk, life.cycle);
    life.cycle++;
    life.simulated++;
    if (life.cycle > N) life.done = true;
  };

  // ---- the rounds
  for (const [k, segments] of plan.before.entries()) {
    await runStep(
      segments,
      lives,
      (life, out, at) => {
        addStep(life.before, out, at);
        life.beforeSteps++;
      },
      () => `step ${k} before the repeat block`,
    );
  }
  let phase = 0;
  for (;;) {
    const active = lives.filter((l) => !l.done);
    if (active.length === 0) break;
    if (jumping && phase === J) for (const life of active) atJumpPoint(life);
    await runStep(
      plan.cycle[phase],
      active,
      (life, out, at) => {
        const parts = phase < J ? life.head : life.tail;
        const part = (parts[life.cycle] ??= emptyPart());
        addStep(part, out, at);
      },
      (life) => `cycle ${life.cycle}, step ${phase} of the repeat block`,
    );
    phase++;
    if (phase === S) {
      phase = 0;
      for (const life of active) endCycle(life);
    }
    options.onRound?.(Math.min(...lives.map((l) => l.cycle)), N);
  }
  for (const [k, segments] of plan.after.entries()) {
    await runStep(
      segments,
      lives,
      (life, out, at) => {
        addStep(life.after, out, at);
        life.afterSteps++;
      },
      () => `step ${k} after the repeat block`,
    );
  }

  // ---- per-cycle outputs
  const K = CYCLE_OUTPUT_COUNT;
  const cycleOutputs = new Float64Array(count * N * K);
  const cellGrowth = job.recordCells ? new Float32Array(count * N * n) : undefined;
  const P = (name: CycleOutputName) => CYCLE_OUTPUT_INDEX[name];
  for (const life of lives) {
    const heads = J > 0 ? interpolateParts(life.head, N) : Array.from({ length: N + 1 }, emptyPart);
    const tails = J < S ? interpolateParts(life.tail, N) : Array.from({ length: N + 1 }, emptyPart);
    const knots = [...life.knots.keys()].sort((a, b) => a - b);
    let k = 0;
    const z = new Float64Array(n);
    for (let i = 1; i <= N; i++) {
      // Each cell's growth at the end of cycle i: the simulated value, else Hermite between the simulated cycles.
      while (k + 1 < knots.length && knots[k + 1] <= i) k++;
      const lo = knots[k];
      const hi = knots[k + 1];
      const a = life.knots.get(lo)!;
      if (lo >= i || hi === undefined) z.set(a.z);
      else {
        const b = life.knots.get(hi)!;
        const h = hi - lo;
        const t = (i - lo) / h;
        for (let c = 0; c < n; c++) {
          const m0 = (a.slope ?? b.slope ?? new Float64Array(n))[c] * h;
          const m1 = (b.slope ?? a.slope ?? new Float64Array(n))[c] * h;
          z[c] = hermite(t, a.z[c], b.z[c], m0, m1);
        }
      }
      let lostAh = 0;
      let inventory = 0;
      let maxLli = 0;
      let meanL = 0;
      let maxL = 0;
      for (let c = 0; c < n; c++) {
        const par = (name: 'seiLithiumPerThickness' | 'seiInitialThickness' | 'initialStoichNeg' | 'capacityNeg' | 'initialStoichPos' | 'capacityPos') =>
          packs.kernelParameters[(CELL_PARAMETER_INDEX[name] * count + life.index) * n + c];
        const lost = z[c] * par('seiLithiumPerThickness');
        const cellInventory = par('initialStoichNeg') * par('capacityNeg') + par('initialStoichPos') * par('capacityPos');
        lostAh += lost;
        inventory += cellInventory;
        maxLli = Math.max(maxLli, (100 * lost) / cellInventory);
        const thick = par('seiInitialThickness') + z[c];
        meanL += thick / n;
        maxL = Math.max(maxL, thick);
        if (cellGrowth) cellGrowth[(life.index * N + i - 1) * n + c] = z[c];
      }
      const hd = heads[i];
      const tl = tails[i];
      const row = (life.index * N + i - 1) * K;
      const dis = tl[PART.dischargeAh] > 0 ? tl : hd;
      cycleOutputs[row + P('dischargeCapacityAh')] = hd[PART.dischargeAh] + tl[PART.dischargeAh];
      cycleOutputs[row + P('dischargeEnergyWh')] = hd[PART.dischargeWh] + tl[PART.dischargeWh];
      cycleOutputs[row + P('chargeCapacityAh')] = hd[PART.chargeAh] + tl[PART.chargeAh];
      cycleOutputs[row + P('maxTemperatureK')] = Math.max(hd[PART.maxT], tl[PART.maxT]);
      cycleOutputs[row + P('maxTemperatureSpreadK')] = Math.max(hd[PART.maxTSpread], tl[PART.maxTSpread]);
      cycleOutputs[row + P('limitingCell')] = dis[PART.limitingCell];
      cycleOutputs[row + P('dischargeSocSpread')] = dis[PART.socSpread];
      cycleOutputs[row + P('maxCurrentImbalance')] = Math.max(hd[PART.maxImbalance], tl[PART.maxImbalance]);
      cycleOutputs[row + P('heatJ')] = hd[PART.heatJ] + tl[PART.heatJ];
      cycleOutputs[row + P('durationS')] = hd[PART.durationS] + tl[PART.durationS];
      cycleOutputs[row + P('lliPercent')] = (100 * lostAh) / inventory;
      cycleOutputs[row + P('maxCellLliPercent')] = maxLli;
      cycleOutputs[row + P('meanSeiThicknessM')] = meanL;
      cycleOutputs[row + P('maxSeiThicknessM')] = maxL;
      const headKnown = J === 0 || life.head[i] !== undefined;
      const tailKnown = J === S || life.tail[i] !== undefined;
      const dischargeKnown = dis === tl ? tailKnown : hd[PART.dischargeAh] > 0 ? headKnown : headKnown && tailKnown;
      cycleOutputs[row + P('simulated')] = dischargeKnown ? 1 : 0;
    }
  }
  const partRows = (pick: (l: PackLife) => Float64Array, steps: (l: PackLife) => number) => {
    const out = new Float64Array(count * PACK_OUTPUT_COUNT).fill(NaN);
    for (const life of lives) {
      if (steps(life) === 0) continue;
      const p = pick(life);
      const at = life.index * PACK_OUTPUT_COUNT;
      out.fill(0, at, at + PACK_OUTPUT_COUNT);
      out[at + O.capacityAh] = p[PART.dischargeAh] - p[PART.chargeAh];
      out[at + O.energyWh] = p[PART.dischargeWh];
      out[at + O.durationS] = p[PART.durationS];
      out[at + O.maxTemperatureK] = p[PART.maxT];
      out[at + O.maxTemperatureSpreadK] = p[PART.maxTSpread];
      out[at + O.maxCurrentImbalance] = p[PART.maxImbalance];
      out[at + O.cutoffCell] = p[PART.limitingCell];
      out[at + O.finalSocSpread] = p[PART.socSpread];
      out[at + O.heatJ] = p[PART.heatJ];
    }
    return out;
  };
  return {
    cycles: N,
    cycleOutputs,
    beforeOutputs: partRows((l) => l.before, (l) => l.beforeSteps),
    afterOutputs: partRows((l) => l.after, (l) => l.afterSteps),
    simulatedCycles: Int32Array.from(lives, (l) => l.simulated),
    jumps: Int32Array.from(lives, (l) => l.accepted),
    rejectedJumps: Int32Array.from(lives, (l) => l.rejected),
    cellGrowth,
    states,
    cellSteps,
    calls,
  };
}
