/**
 * Cycle jumping: long lives at the cost of a few cycles. Full electrochemistry runs on selected cycles only; between
 * them the slow states are extrapolated, with an adaptive jump length under error control, and the fast states are
 * taken as the last full cycle left them. Prototype on one cell (src/model/cycling.ts); docs/lifetime.md describes
 * how the pack machines implement it.
 *
 * Slow states: `seiGrowth` (the only one of this model; plating, LAM, ... would join). Everything else (particle
 * stoichiometries and modes, temperature) is fast: it forgets its start within a cycle, so a jump leaves it as it is.
 * Because the stored negative stoichiometry excludes the SEI's lithium (src/model/sei.ts), extrapolating seiGrowth
 * alone moves exactly that lithium out of the particles: the state after a jump is what m cycles of a protocol
 * without voltage anchors would give. A protocol with an anchor (a CV hold, a cut-off) re-equilibrates the state, so
 * jumps are applied just before it (`jumpBefore`, default: the first charge or cccv step), and the discharge that is
 * measured next starts from a properly charged cell.
 *
 * Per jump, with d(c) the growth of one full cycle starting at the jump point of cycle c:
 *   predict   z_p = z_a + m d(a)                    (m cycles ahead, forward Euler on the cycle envelope)
 *   simulate  one full cycle from z_p, giving d(a+m)
 *   correct   z_c = z_a + m (d(a) + d(a+m)) / 2     (trapezoid), applied as a shift of the state after that cycle
 *   error     e = |z_c - z_p| = m |d(a+m) - d(a)| / 2, in lithium (Ah) over the nominal capacity
 *   accept if e <= tolerance, and grow m by min(2, 0.9 sqrt(tolerance / e)); else restore z_a and shrink m.
 * Cycles jumped over get outputs interpolated linearly between the full cycles on each side (`simulated: false`).
 */
import { CellspreadInputError } from '../errors.ts';
import { SeiCellCycler, type CycleOutputs, type CycleStep, type CyclingOptions } from './cycling.ts';
import { lithiumLostToSei } from './sei.ts';

export interface CycleJumpOptions {
  /** Total number of cycles. */
  cycles: number;
  /** One cycle of the protocol. */
  steps: readonly CycleStep[];
  /** Index of the step before which jumps are applied (default: the first charge or cccv step). */
  jumpBefore?: number;
  /** Absolute part of the allowed local error of one jump: lithium, as a fraction of the nominal capacity (default 1e-5). */
  tolerance?: number;
  /** Relative part: a fraction of the lithium lost over the jump (default 1e-2). A jump is accepted if its error
   * estimate is at most tolerance + relativeTolerance * (lithium lost over the jump) / nominal capacity. */
  relativeTolerance?: number;
  /** Longest jump in cycles (default 50). */
  maxJump?: number;
}

export interface LifetimeRow extends CycleOutputs {
  /** Whether the cycle's discharge was simulated (true) or interpolated between simulated cycles (false). */
  simulated: boolean;
}

export interface CycleJumpResult {
  rows: LifetimeRow[];
  /** Cycles of full electrochemistry run, rejected jumps included (each counted as one cycle). */
  simulatedCycles: number;
  /** Accepted jumps: from cycle, length, estimated error (fraction of nominal capacity). */
  jumps: Array<{ from: number; length: number; error: number }>;
  rejected: number;
}

/** Numeric fields interpolated between simulated cycles. */
const FIELDS = [
  'dischargeCapacityAh',
  'dischargeEnergyWh',
  'dischargeDurationS',
  'dischargeEndTemperatureK',
  'maxTemperatureK',
  'chargeCapacityAh',
  'lliPercent',
  'seiThicknessM',
  'capacityLostToSeiAh',
  'cycleHeatJ',
  'endTemperatureK',
  'durationS',
] as const satisfies ReadonlyArray<keyof CycleOutputs>;

/** The outputs of a cycle assembled from its part before the jump point (`a`) and from it (`b`). */
function join(cycle: number, a: CycleOutputs, b: CycleOutputs): CycleOutputs {
  return {
    cycle,
    dischargeCapacityAh: a.dischargeCapacityAh + b.dischargeCapacityAh,
    dischargeEnergyWh: a.dischargeEnergyWh + b.dischargeEnergyWh,
    dischargeDurationS: a.dischargeDurationS + b.dischargeDurationS,
    dischargeEndTemperatureK: Number.isNaN(b.dischargeEndTemperatureK) ? a.dischargeEndTemperatureK : b.dischargeEndTemperatureK,
    maxTemperatureK: Math.max(a.maxTemperatureK, b.maxTemperatureK),
    chargeCapacityAh: a.chargeCapacityAh + b.chargeCapacityAh,
    lliPercent: b.lliPercent,
    seiThicknessM: b.seiThicknessM,
    capacityLostToSeiAh: b.capacityLostToSeiAh,
    cycleHeatJ: a.cycleHeatJ + b.cycleHeatJ,
    endTemperatureK: b.endTemperatureK,
    durationS: a.durationS + b.durationS,
  };
}

/** Fill the cycles a segment was not simulated for by linear interpolation between the simulated ones (held at the ends). */
function interpolateSegments(outs: Array<CycleOutputs | undefined>): CycleOutputs[] {
  const known = outs.flatMap((o, i) => (o ? [i] : []));
  return outs.map((o, i) => {
    if (o) return o;
    const hi = known.find((k) => k > i) ?? known[known.length - 1];
    const lo = [...known].reverse().find((k) => k < i) ?? hi;
    const a = outs[lo]!;
    const b = outs[hi]!;
    const w = hi === lo ? 0 : (i - lo) / (hi - lo);
    const row = { ...a, cycle: i + 1 };
    for (const f of FIELDS) row[f] = a[f] + w * (b[f] - a[f]);
    return row;
  });
}

/**
 * Growth at the end of every cycle from the simulated ones: cubic Hermite between them, with the per-cycle growth of
 * the full cycle around each as its slope (the envelope is smooth, so this is fourth order in the jump length).
 */
function interpolateGrowth(growth: Array<number | undefined>, slope: Array<number | undefined>): number[] {
  const known = growth.flatMap((g, i) => (g === undefined ? [] : [i]));
  return growth.map((g, i) => {
    if (g !== undefined) return g;
    const hi = known.find((k) => k > i);
    const lo = [...known].reverse().find((k) => k < i);
    if (hi === undefined || lo === undefined) return growth[(hi ?? lo)!]!;
    const h = hi - lo;
    const t = (i - lo) / h;
    const [y0, y1, m0, m1] = [growth[lo]!, growth[hi]!, slope[lo]! * h, slope[hi]! * h];
    const t2 = t * t;
    const t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * m0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * m1;
  });
}

/** Cycle one cell `cycles` times with cycle jumping (see the module comment). */
export function cycleCellWithJumps(options: CyclingOptions & CycleJumpOptions): CycleJumpResult {
  const N = options.cycles;
  if (!(Number.isInteger(N) && N >= 1)) throw new CellspreadInputError('cycles', 'must be an integer >= 1', N);
  const steps = options.steps;
  const j = options.jumpBefore ?? steps.findIndex((s) => s.type === 'charge' || s.type === 'cccv');
  if (!(Number.isInteger(j) && j >= 0 && j < steps.length)) {
    throw new CellspreadInputError('jumpBefore', `must be the index of a step (0 to ${steps.length - 1})`, options.jumpBefore);
  }
  const rtol = options.relativeTolerance ?? 1e-2;
  const atol = options.tolerance ?? 1e-5;
  if (!(rtol > 0)) throw new CellspreadInputError('relativeTolerance', 'must be > 0', rtol);
  if (!(atol > 0)) throw new CellspreadInputError('tolerance', 'must be > 0', atol);
  const maxJump = options.maxJump ?? 50;
  if (!(Number.isInteger(maxJump) && maxJump >= 1)) throw new CellspreadInputError('maxJump', 'must be an integer >= 1', maxJump);
  const before = steps.slice(0, j);
  const after = steps.slice(j);
  const run = new SeiCellCycler(options);
  const G = run.cell.growthIndex;
  const nominal = options.overrides?.['electrical.nominalCapacity'] ?? run.set.electrical.nominalCapacity;
  const lithium = (growth: number) => lithiumLostToSei(run.s, growth);

  // Segment A of cycle c: the steps before the jump point; segment B: from it (index c - 1). For each simulated B,
  // the growth at its end and the growth of the full cycle it starts (the envelope slope there).
  const A: Array<CycleOutputs | undefined> = new Array(N).fill(undefined);
  const B: Array<CycleOutputs | undefined> = new Array(N).fill(undefined);
  const growthAtEnd: Array<number | undefined> = new Array(N).fill(undefined);
  const slopeAtEnd: Array<number | undefined> = new Array(N).fill(undefined);
  const jumps: CycleJumpResult['jumps'] = [];
  let simulated = 0;
  let rejected = 0;

  A[0] = run.runSteps(before);
  let c = 1; // the run stands at the jump point of cycle c
  // d(i): growth of the full cycle from the jump point of cycle i to that of i + 1, known at the last two simulated i.
  let last = { i: 0, d: 0 };
  let previous: { i: number; d: number } | undefined;
  let m = 0; // cycles to skip next; the first full cycles are simulated to learn d
  let cycleSeconds = 0;
  while (c < N) {
    const k = c < 3 ? 0 : Math.min(m, maxJump, N - 1 - c);
    const saved = k > 0 ? { state: run.state.slice(), time: run.time } : undefined;
    const za = run.state[G];
    // Predictor: the sum of d(c) .. d(c+k-1), d extrapolated linearly from the last two simulated cycles (AB2).
    const slope = previous ? (last.d - previous.d) / (last.i - previous.i) : 0;
    const zp = za + k * last.d + (slope * k * (k + 1)) / 2;
    run.state[G] = zp;
    run.time += k * cycleSeconds;
    const t0 = run.time;
    const tail = run.runSteps(after);
    const growthAfterTail = run.state[G];
    const head = run.runSteps(before);
    const growth = run.state[G] - zp;
    simulated++;
    let shift = 0;
    if (k > 0) {
      // Corrector: d linear between the cycle before the jump and the one after it (the trapezoid).
      const zc = za + (k * (last.d + growth)) / 2;
      const error = lithium(Math.abs(zc - zp)) / nominal;
      const allowed = atol + (rtol * lithium(Math.abs(zc - za))) / nominal;
      // Local errors of the predictor and corrector are both third order in the jump length.
      const factor = Math.min(2, Math.max(0.2, 0.9 * Math.cbrt(allowed / Math.max(error, Number.MIN_VALUE))));
      if (error > allowed) {
        rejected++;
        run.state.set(saved!.state);
        run.time = saved!.time;
        m = Math.floor(k * factor); // may be 0: a full cycle next
        continue;
      }
      shift = zc - zp;
      run.state[G] += shift;
      jumps.push({ from: c, length: k, error });
      m = Math.max(1, Math.round(k * factor));
    } else m = Math.max(1, 2 * m);
    B[c + k - 1] = tail;
    growthAtEnd[c + k - 1] = growthAfterTail + shift;
    slopeAtEnd[c + k - 1] = growth;
    A[c + k] = head;
    cycleSeconds = run.time - t0;
    previous = last;
    last = { i: c + k, d: growth };
    c += k + 1;
  }
  B[N - 1] = run.runSteps(after);
  growthAtEnd[N - 1] = run.state[G];
  slopeAtEnd[N - 1] = last.d;
  simulated++;
  const a = interpolateSegments(A);
  const b = interpolateSegments(B);
  const growth = interpolateGrowth(growthAtEnd, slopeAtEnd);
  const rows = a.map((head, i) => ({
    ...join(i + 1, head, b[i]),
    lliPercent: (100 * lithium(growth[i])) / run.lithiumInventory,
    seiThicknessM: run.s.seiInitialThickness + growth[i],
    capacityLostToSeiAh: lithium(growth[i]),
    simulated: A[i] !== undefined,
  }));
  return { rows, simulatedCycles: simulated, jumps, rejected };
}
