// One pack through a compiled protocol: the AssemblyScript port of src/pack/simulate.ts (PackSimulator), around the
// step template of assembly/step.ts. All buffers live in linear memory (heap.alloc, stub runtime); a PackSim is
// reused for every pack of a job. Tolerances and iteration limits are the f64 column of src/kernels/tolerances.ts.
import {
  CELL_PARAMETER_COUNT, P_CONTACT_RESISTANCE, P_COLLECTOR_RESISTANCE, P_HEAT_CAPACITY, S_TEMPERATURE_RISE,
  O_CAPACITY_AH, O_ENERGY_WH, O_DURATION_S, O_TIME_TO_FIRST_CUTOFF_S, O_CUTOFF_CELL, O_MAX_TEMPERATURE_K,
  O_MAX_TEMPERATURE_SPREAD_K, O_MAX_CURRENT_IMBALANCE, O_MIN_CELL_VOLTAGE_V, O_MAX_CELL_VOLTAGE_V, O_FINAL_SOC_SPREAD,
  O_WELD_LOSS_J, O_INTERCONNECT_LOSS_J, O_HEAT_J, O_FINAL_PACK_VOLTAGE_V, O_STOP_REASON, PACK_OUTPUT_COUNT,
  O_HEAT_IRREVERSIBLE_J, O_HEAT_REVERSIBLE_J, O_HEAT_OHMIC_ELECTROLYTE_J, O_HEAT_OHMIC_SOLID_J, O_HEAT_COLLECTOR_J, O_MIN_ELECTROLYTE_FRACTION,
  SEG_MODE, SEG_VALUE, SEG_DURATION, SEG_LOWER_CUTOFF, SEG_UPPER_CUTOFF, SEG_CURRENT_CUTOFF, SEG_MAX_CURRENT,
  SEG_CONTINUE_ON_LIMIT, SEG_STEP, SEGMENT_FIELD_COUNT, MODE_CURRENT, MODE_POWER, MODE_CONSTANT_VOLTAGE,
  STOP_COMPLETED, STOP_CELL_LIMIT, STOP_PACK_LIMIT, STOP_POWER_LIMIT, STOP_ELECTROLYTE_DEPLETED, STOP_CELL_EXHAUSTED, STOP_VOLTAGE_OUT_OF_RANGE,
  TOL_STOICHIOMETRY_MARGIN, TOL_MAX_CELL_VOLTAGE, TOL_GROUP_CURRENT, TOL_GROUP_VOLTAGE, TOL_GROUP_CURRENT_RESOLUTION, TOL_POWER, TOL_CROSSING, TOL_CONSTANT_VOLTAGE,
  TOL_FALLBACK_SLOPE, TOL_LINEARISED_RISE, TOL_MAX_NEWTON, TOL_MAX_BACKTRACK, TOL_MAX_ILLINOIS, jobParameterIndex,
} from './layout.generated';
import { evaluate, init, limits, outDepletionMargin, outElectrolyteMinimum, outSoc, outVoltage, parameterCount, referenceTemperature, soc, stateLength } from './kernel.generated';
import { lane0, ld, sp, st } from './simd-math';
import {
  aging, correct2, finish2, isothermal, KEPT_DT, KEPT_FIELDS, prepareKept2, r0Cooling, r0Heat, r0HeatTangent, r0Irreversible, r0Margin, r0Minimum, r0OcvEnd,
  r0OcvStart, r0OhmicElectrolyte, r0OhmicSolid, r0Reversible, r0Rise, r0RiseTangent, r0Slope, r0StoichMargin, r0Voltage, r0VoltageStart, r0VoltageStartTangent,
  r1Cooling, r1Heat, r1HeatTangent, r1Irreversible, r1Margin, r1Minimum, r1OcvEnd, r1OcvStart, r1OhmicElectrolyte, r1OhmicSolid, r1Reversible, r1Rise,
  r1RiseTangent, r1Slope, r1StoichMargin, r1Voltage, r1VoltageStart, r1VoltageStartTangent,
} from './step';

/** Result of runSegment when no limit ended the segment. */
const NO_STOP: i32 = -1;
/** invalidState's answer for a valid state. */
const VALID: i32 = -1;

/** Stop reasons that end the whole run (a voltage limit ends only its protocol step). */
// @ts-ignore: decorator
@inline function endsRun(reason: i32): bool {
  return reason == STOP_POWER_LIMIT || reason == STOP_ELECTROLYTE_DEPLETED || reason == STOP_CELL_EXHAUSTED || reason == STOP_VOLTAGE_OUT_OF_RANGE;
}

// ---- Study configuration shared by every pack of a job ----
export let series: i32 = 1;
export let parallel: i32 = 1;
export let modules: i32 = 1;
export let timeStep: f64 = 10;
export let conduction: f64 = 0;
export let stopAtPack: bool = false;
export let segments: usize = 0;
export let segmentCount: i32 = 0;

/** The two simulators of a job (the pair runner needs two); allocated by configurePack. */
export let sim: PackSim | null = null;
export let sim2: PackSim | null = null;

/** The pack settings of a study, in the order of src/kernels/configure.ts PACK_CONFIGURE_ARGUMENTS. */
export function configurePack(s: i32, p: i32, m: i32, dt: f64, g: f64, atPack: bool, seg: usize, nseg: i32): void {
  series = s;
  parallel = p;
  modules = m;
  timeStep = dt;
  conduction = g;
  stopAtPack = atPack;
  segments = seg;
  segmentCount = nseg;
  sim = new PackSim();
  sim2 = new PackSim();
}

// @ts-ignore: decorator
@inline function sf(seg: i32, field: i32): f64 {
  return ld(segments, seg * SEGMENT_FIELD_COUNT + field);
}

// @ts-ignore: decorator
@inline function sign(x: f64): f64 {
  return x > 0 ? 1 : x < 0 ? -1 : x;
}

function alloc64(count: i32): usize {
  return heap.alloc(<usize>max(count, 1) << 3);
}

export class PackSim {
  n: i32;
  L: i32;
  params: usize; // n x CELL_PARAMETER_COUNT (cell-major copy of this pack's parameters; the model's first parameterCount() used)
  states: usize;
  start: usize;
  trial: usize;
  partA: usize;
  partB: usize;
  factors: usize; // the kept prepare factors (step.ts prepareKept2)
  kept: usize; // n x KEPT_FIELDS: what they were computed for
  current: usize;
  voltage: usize;
  slope: usize;
  heatIn: usize;
  stepHeat: usize;
  stepCooling: usize;
  stepVStart: usize;
  stepOcvStart: usize;
  stepOcvEnd: usize;
  stepStoichMargin: usize; // end-of-step distance of each cell's particle surfaces from the ends of the stoichiometry range
  iterateStoichMargin: usize; // ... at the group Newton's current iterate
  validCurrents: usize; // cell currents of the last valid solve while a step is located (see probe)
  stepTerms: usize; // n x 4: heat terms of the trial step [J] (irreversible, reversible, electrolyte Ohmic, solid Ohmic)
  stepMinimum: usize; // lowest c_e / c_e0 of the trial end state
  stepMargin: usize; // its margin to depletion
  // Of the last evaluation with a slope, per cell: the end rise and the thermal part's derivatives (correctPair).
  stepRise: usize;
  stepRiseTangent: usize;
  stepHeatTangent: usize;
  stepVStartTangent: usize;
  committed1: usize; // cell currents of the last three commits, latest first
  committed2: usize;
  committed3: usize;
  groupVoltage: usize;
  trialI: usize;
  trialV: usize;
  trialS: usize;
  deltas: usize;
  out: usize; // PACK_OUTPUT_COUNT outputs of the current pack
  interconnectTotal: f64 = 0;
  packSlope: f64 = 0;
  stringCurrent: f64 = 0;
  time: f64 = 0;
  cellSteps: f64 = 0;
  cellEvaluations: f64 = 0;
  cellCorrections: f64 = 0;
  preparedDt: f64 = NaN;
  wantSlope: bool = false;
  firstSolve: bool = false;
  history: i32 = 0;
  historyDt: f64 = NaN;
  historySegment: i32 = -1;
  segmentIndex: i32 = -1;
  // Results of limitExcess: how far past a limit, the group (voltage) or cell (depletion), whether depletion.
  excess: f64 = 0;
  excessGroup: i32 = -1;
  /** The cell that made the last invalid state invalid (-1: the pack voltage). */
  invalidCell: i32 = -1;
  excessCell: i32 = -1;
  depleted: bool = false;

  constructor() {
    const n = series * parallel;
    this.n = n;
    this.L = stateLength();
    const nL = n * this.L;
    this.params = alloc64(n * CELL_PARAMETER_COUNT);
    this.states = alloc64(nL);
    this.start = alloc64(nL);
    this.trial = alloc64(nL);
    this.partA = alloc64(nL);
    this.partB = alloc64(nL);
    this.factors = alloc64(nL);
    this.kept = alloc64(n * KEPT_FIELDS);
    this.current = alloc64(n);
    this.voltage = alloc64(n);
    this.slope = alloc64(n);
    this.heatIn = alloc64(n);
    this.stepHeat = alloc64(n);
    this.stepCooling = alloc64(n);
    this.stepVStart = alloc64(n);
    this.stepOcvStart = alloc64(n);
    this.stepOcvEnd = alloc64(n);
    this.stepStoichMargin = alloc64(n);
    this.iterateStoichMargin = alloc64(n);
    this.validCurrents = alloc64(n);
    this.stepTerms = alloc64(4 * n);
    this.stepMinimum = alloc64(n);
    this.stepMargin = alloc64(n);
    this.stepRise = alloc64(n);
    this.stepRiseTangent = alloc64(n);
    this.stepHeatTangent = alloc64(n);
    this.stepVStartTangent = alloc64(n);
    this.committed1 = alloc64(n);
    this.committed2 = alloc64(n);
    this.committed3 = alloc64(n);
    this.groupVoltage = alloc64(series);
    this.trialI = alloc64(parallel);
    this.trialV = alloc64(parallel);
    this.trialS = alloc64(parallel);
    this.deltas = alloc64(parallel);
    this.out = alloc64(PACK_OUTPUT_COUNT);
  }

  // @ts-ignore: decorator
  @inline cellParams(c: i32): usize {
    return this.params + ((<usize>c * CELL_PARAMETER_COUNT) << 3);
  }
  // @ts-ignore: decorator
  @inline cellState(buf: usize, c: i32): usize {
    return buf + ((<usize>c * this.L) << 3);
  }
  // @ts-ignore: decorator
  @inline cellTemperature(c: i32, buf: usize): f64 {
    return referenceTemperature + ld(buf, c * this.L + S_TEMPERATURE_RISE);
  }

  /**
   * Load pack `sample` of a job (SoA parameters jobParameterIndex, interconnect sample * series + g); its cells start
   * from `statesIn` (this pack's n x L states, reference layout) when it is not 0, else from their initial states.
   */
  load(jobParams: usize, jobInterconnect: usize, count: i32, sample: i32, statesIn: usize): void {
    const n = this.n;
    const P = parameterCount();
    for (let c = 0; c < n; c++) {
      for (let k = 0; k < P; k++) st(this.params, c * CELL_PARAMETER_COUNT + k, ld(jobParams, jobParameterIndex(k, count, sample, n, c)));
    }
    let r: f64 = 0;
    for (let g = 0; g < series; g++) r += ld(jobInterconnect, sample * series + g);
    this.interconnectTotal = r;
    for (let c = 0; c < n; c++) {
      const s = this.cellState(this.states, c);
      const p = this.cellParams(c);
      if (statesIn != 0) memory.copy(s, statesIn + ((<usize>c * this.L) << 3), <usize>this.L << 3);
      else init(s, s, p, p);
      st(this.kept, c * KEPT_FIELDS + KEPT_DT, NaN);
      st(this.current, c, 0);
      st(this.voltage, c, 0);
      st(this.slope, c, NaN);
      st(this.heatIn, c, 0);
      st(this.stepHeat, c, 0);
      st(this.stepCooling, c, 0);
      st(this.stepVStart, c, 0);
      st(this.stepOcvStart, c, 0);
      st(this.stepOcvEnd, c, 0);
      st(this.stepStoichMargin, c, 0);
      for (let t = 0; t < 4; t++) st(this.stepTerms, 4 * c + t, 0);
      st(this.stepMinimum, c, 1);
      st(this.stepMargin, c, 1);
      st(this.committed1, c, 0);
      st(this.committed2, c, 0);
      st(this.committed3, c, 0);
    }
    for (let g = 0; g < series; g++) st(this.groupVoltage, g, 0);
    for (let k = 0; k < PACK_OUTPUT_COUNT; k++) st(this.out, k, 0);
    st(this.out, O_CUTOFF_CELL, -1);
    st(this.out, O_MIN_CELL_VOLTAGE_V, Infinity);
    st(this.out, O_MAX_CELL_VOLTAGE_V, -Infinity);
    st(this.out, O_MIN_ELECTROLYTE_FRACTION, 1);
    this.packSlope = 0;
    this.stringCurrent = 0;
    this.time = 0;
    this.cellSteps = 0;
    this.cellEvaluations = 0;
    this.cellCorrections = 0;
    this.history = 0;
    this.historyDt = NaN;
    this.historySegment = -1;
    this.segmentIndex = -1;
    this.wantSlope = false;
    this.beginStep();
    this.solveAll(0, 0);
    this.observe(0);
  }

  /** A new step starts from the committed states: the prepared parts are stale. */
  beginStep(): void {
    memory.copy(this.start, this.states, <usize>(this.n * this.L) << 3);
    this.preparedDt = NaN;
    this.firstSolve = true;
  }

  chainedToNext(c: i32): bool {
    const cellsPerModule = (series / modules) * parallel;
    return c + 1 < this.n && c / cellsPerModule == (c + 1) / cellsPerModule;
  }

  computeConduction(): void {
    const n = this.n;
    for (let c = 0; c < n; c++) st(this.heatIn, c, 0);
    const G = conduction;
    if (G == 0 || isothermal) return;
    for (let c = 0; c < n; c++) {
      if (!this.chainedToNext(c)) continue;
      const flow = G * (this.cellTemperature(c + 1, this.start) - this.cellTemperature(c, this.start));
      st(this.heatIn, c, ld(this.heatIn, c) + flow);
      st(this.heatIn, c + 1, ld(this.heatIn, c + 1) - flow);
    }
  }

  /**
   * The current-independent part of every cell's step over dt, two cells per SIMD call (once per start state and dt),
   * the modal decay factors kept while the step length stays the same.
   */
  prepareAll(dt: f64): void {
    if (this.preparedDt == dt) return;
    const n = this.n;
    let c = 0;
    for (; c + 1 < n; c += 2) prepareCells(this, c, dt, this, c + 1, dt);
    if (c < n) prepareCells(this, c, dt, this, c, dt);
    this.preparedDt = dt;
  }

  /** Store lane results of the last finish2 for cell c. */
  // @ts-ignore: decorator
  @inline storeLane0(c: i32): void {
    st(this.stepHeat, c, r0Heat);
    st(this.stepCooling, c, r0Cooling);
    st(this.stepVStart, c, r0VoltageStart);
    st(this.stepOcvStart, c, r0OcvStart);
    st(this.stepOcvEnd, c, r0OcvEnd);
    st(this.stepStoichMargin, c, r0StoichMargin);
    st(this.stepTerms, 4 * c, r0Irreversible);
    st(this.stepTerms, 4 * c + 1, r0Reversible);
    st(this.stepTerms, 4 * c + 2, r0OhmicElectrolyte);
    st(this.stepTerms, 4 * c + 3, r0OhmicSolid);
    st(this.stepMinimum, c, r0Minimum);
    st(this.stepMargin, c, r0Margin);
    st(this.stepRise, c, r0Rise);
    st(this.stepRiseTangent, c, r0RiseTangent);
    st(this.stepHeatTangent, c, r0HeatTangent);
    st(this.stepVStartTangent, c, r0VoltageStartTangent);
  }
  // @ts-ignore: decorator
  @inline storeLane1(c: i32): void {
    st(this.stepHeat, c, r1Heat);
    st(this.stepCooling, c, r1Cooling);
    st(this.stepVStart, c, r1VoltageStart);
    st(this.stepOcvStart, c, r1OcvStart);
    st(this.stepOcvEnd, c, r1OcvEnd);
    st(this.stepStoichMargin, c, r1StoichMargin);
    st(this.stepTerms, 4 * c, r1Irreversible);
    st(this.stepTerms, 4 * c + 1, r1Reversible);
    st(this.stepTerms, 4 * c + 2, r1OhmicElectrolyte);
    st(this.stepTerms, 4 * c + 3, r1OhmicSolid);
    st(this.stepMinimum, c, r1Minimum);
    st(this.stepMargin, c, r1Margin);
    st(this.stepRise, c, r1Rise);
    st(this.stepRiseTangent, c, r1RiseTangent);
    st(this.stepHeatTangent, c, r1HeatTangent);
    st(this.stepVStartTangent, c, r1VoltageStartTangent);
  }

  /** Cell c from the start state over dt at current I into the trial buffer: its end voltage (slope in r0Slope). */
  trialCell(c: i32, I: f64, dt: f64, slope: bool): f64 {
    const s = this.cellState(this.start, c);
    const a = this.cellState(this.partA, c);
    const b = this.cellState(this.partB, c);
    const e = this.cellState(this.trial, c);
    const p = this.cellParams(c);
    const q = ld(this.heatIn, c);
    finish2(s, a, b, e, p, I, dt, q, s, a, b, e, p, I, dt, q, slope);
    this.cellEvaluations += 1;
    this.storeLane0(c);
    return r0Voltage;
  }

  /** Cells c and c + 1 together (one SIMD step, a cell per lane). */
  trialPair(c: i32, I0: f64, I1: f64, dt: f64, slope: bool): void {
    finish2(
      this.cellState(this.start, c), this.cellState(this.partA, c), this.cellState(this.partB, c), this.cellState(this.trial, c), this.cellParams(c), I0, dt, ld(this.heatIn, c),
      this.cellState(this.start, c + 1), this.cellState(this.partA, c + 1), this.cellState(this.partB, c + 1), this.cellState(this.trial, c + 1), this.cellParams(c + 1), I1, dt, ld(this.heatIn, c + 1),
      slope,
    );
    this.cellEvaluations += 2;
    this.storeLane0(c);
    this.storeLane1(c + 1);
  }

  /**
   * Cells c and c1 (c1 == c: one cell) at currents I0, I1 from their last evaluations with a slope at I - delta: the
   * reference's correctCell (CellKernel.correct), one SIMD call.
   */
  correctPair(c: i32, I0: f64, delta0: f64, c1: i32, I1: f64, delta1: f64, dt: f64): void {
    correct2(
      this.cellState(this.partA, c), this.cellState(this.partB, c), this.cellState(this.trial, c), this.cellParams(c), I0, delta0, ld(this.stepRise, c), ld(this.stepRiseTangent, c),
      this.cellState(this.partA, c1), this.cellState(this.partB, c1), this.cellState(this.trial, c1), this.cellParams(c1), I1, delta1, ld(this.stepRise, c1), ld(this.stepRiseTangent, c1),
    );
    this.updateCorrected(c, I0, delta0, dt, r0Rise, r0OcvEnd, r0StoichMargin, r0Minimum, r0Margin);
    if (c1 != c) this.updateCorrected(c1, I1, delta1, dt, r1Rise, r1OcvEnd, r1StoichMargin, r1Minimum, r1Margin);
  }

  /**
   * The host's part of CellKernel.correct: the heat and start voltage to first order; the heat terms' sum moves with the
   * heat less the contact and collector heat (I^2 R dt, exact), shared out in proportion to the terms.
   */
  // @ts-ignore: decorator
  @inline updateCorrected(c: i32, I: f64, delta: f64, dt: f64, rise: f64, ocvEnd: f64, stoichMargin: f64, minimum: f64, margin: f64): void {
    const heatChange = ld(this.stepHeatTangent, c) * delta;
    const previous = I - delta;
    const p = this.cellParams(c);
    const termsChange = heatChange - (I * I - previous * previous) * (ld(p, P_CONTACT_RESISTANCE) + ld(p, P_COLLECTOR_RESISTANCE)) * dt;
    let sum = 0.0;
    for (let t = 0; t < 4; t++) sum += ld(this.stepTerms, 4 * c + t);
    if (sum != 0) {
      for (let t = 0; t < 4; t++) {
        const term = ld(this.stepTerms, 4 * c + t);
        st(this.stepTerms, 4 * c + t, term + termsChange * (term / sum));
      }
    }
    st(this.stepHeat, c, ld(this.stepHeat, c) + heatChange);
    st(this.stepVStart, c, ld(this.stepVStart, c) + ld(this.stepVStartTangent, c) * delta);
    st(this.stepOcvEnd, c, ocvEnd);
    st(this.stepStoichMargin, c, stoichMargin);
    st(this.stepRise, c, rise);
    st(this.stepMinimum, c, minimum);
    st(this.stepMargin, c, margin);
    this.cellCorrections += 1;
  }

  /** The reference's correctGroup: every cell of the group from `from` to `to`, voltages into `voltages`; the spread. */
  correctGroup(c0: i32, np: i32, from: usize, to: usize, dt: f64, voltages: usize): f64 {
    let j = 0;
    for (; j + 1 < np; j += 2) {
      this.correctPair(c0 + j, ld(to, j), ld(to, j) - ld(from, j), c0 + j + 1, ld(to, j + 1), ld(to, j + 1) - ld(from, j + 1), dt);
      st(voltages, j, r0Voltage);
      st(voltages, j + 1, r1Voltage);
    }
    if (j < np) {
      this.correctPair(c0 + j, ld(to, j), ld(to, j) - ld(from, j), c0 + j, ld(to, j), ld(to, j) - ld(from, j), dt);
      st(voltages, j, r0Voltage);
    }
    let lo = Infinity;
    let hi = -Infinity;
    let inRange = true;
    for (j = 0; j < np; j++) {
      const v = ld(voltages, j);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      inRange = inRange && ld(this.stepStoichMargin, c0 + j) > TOL_STOICHIOMETRY_MARGIN;
    }
    // As in evaluateGroup: a cell past the end of its stoichiometry range counts as an infinite spread.
    return inRange && isFinite(hi - lo) ? hi - lo : Infinity;
  }

  /**
   * The reference's linearisable: no SEI growth (not affine in the current), and the bound (dt / C_th) |dV/dI| delta^2
   * below TOL_LINEARISED_RISE for every cell.
   */
  linearisable(c0: i32, np: i32, dt: f64, alpha: f64): bool {
    if (aging) return false;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      const d = alpha * ld(this.deltas, j);
      if (!((dt / ld(this.cellParams(c), P_HEAT_CAPACITY)) * Math.abs(ld(this.slope, c)) * d * d <= TOL_LINEARISED_RISE)) return false;
    }
    return true;
  }

  solveGroup(g: i32, I: f64, dt: f64): f64 {
    const np = parallel;
    const c0 = g * np;
    if (np == 1) {
      st(this.current, c0, I);
      const v = this.trialCell(c0, I, dt, this.wantSlope);
      st(this.voltage, c0, v);
      st(this.slope, c0, r0Slope);
      st(this.groupVoltage, g, v);
      return v;
    }
    // Starting split: extrapolated from the last committed steps on the first solve of a step that continues a run
    // of equal steps (quadratic after three, linear after two), else the last solve's; shifted to sum to I.
    const order = this.firstSolve && sameLength(dt, this.historyDt) ? min(this.history - 1, 2) : 0;
    let guessSum: f64 = 0;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      if (order == 2) st(this.current, c, 3 * ld(this.committed1, c) - 3 * ld(this.committed2, c) + ld(this.committed3, c));
      else if (order == 1) st(this.current, c, 2 * ld(this.committed1, c) - ld(this.committed2, c));
      guessSum += ld(this.current, c);
    }
    const shift = (I - guessSum) / <f64>np;
    for (let j = 0; j < np; j++) st(this.current, c0 + j, ld(this.current, c0 + j) + shift);
    const tolerance = TOL_GROUP_CURRENT * Math.max(1, Math.abs(I));
    const cap = 0.5 * (Math.abs(I) / <f64>np + 1);
    const trialI = this.trialI;
    const trialV = this.trialV;
    const trialS = this.trialS;
    const deltas = this.deltas;
    const cur = this.current + (<usize>c0 << 3);
    const vol = this.voltage + (<usize>c0 << 3);
    const slo = this.slope + (<usize>c0 << 3);
    let spread = this.evaluateGroup(c0, np, dt, cur, vol, slo, true);
    const marginBytes = <usize>np << 3;
    const cellOffset = <usize>c0 << 3;
    memory.copy(this.iterateStoichMargin + cellOffset, this.stepStoichMargin + cellOffset, marginBytes);
    for (let iter = 0; iter < TOL_MAX_NEWTON; iter++) {
      let sumI: f64 = 0;
      let sumInv: f64 = 0;
      let sumVoverS: f64 = 0;
      for (let j = 0; j < np; j++) {
        const c = c0 + j;
        const s = usableSlope(ld(this.slope, c));
        sumI += ld(this.current, c);
        sumInv += 1 / s;
        sumVoverS += ld(this.voltage, c) / s;
      }
      const common = (I - sumI + sumVoverS) / sumInv;
      let worst: f64 = 0;
      let converged = true;
      for (let j = 0; j < np; j++) {
        const c = c0 + j;
        const d = (common - ld(this.voltage, c)) / usableSlope(ld(this.slope, c));
        st(deltas, j, d);
        worst = Math.max(worst, Math.abs(d));
        converged = converged && Math.abs(d) < tolerance
          && (Math.abs(common - ld(this.voltage, c)) < TOL_GROUP_VOLTAGE || Math.abs(d) < TOL_GROUP_CURRENT_RESOLUTION * Math.max(1, Math.abs(ld(this.current, c))));
      }
      if (converged) break;
      // The slopes of the solve's first evaluation serve the next update (a chord step); afresh after a halving or
      // from the third iteration on; that first update evaluated with the thermal part linearised where the tolerance
      // table allows (the reference's rules).
      let alpha = Math.min(1, cap / worst);
      let windowed = false;
      for (let attempt = 0; ; attempt++) {
        for (let j = 0; j < np; j++) st(trialI, j, ld(this.current, c0 + j) + alpha * ld(deltas, j));
        const fresh = attempt > 0 || iter >= 1;
        if (!fresh) memory.copy(trialS, slo, <usize>np << 3);
        const newSpread = !fresh && this.linearisable(c0, np, dt, alpha)
          ? this.correctGroup(c0, np, cur, trialI, dt, trialV)
          : this.evaluateGroup(c0, np, dt, trialI, trialV, trialS, fresh);
        if (newSpread < spread || attempt >= TOL_MAX_BACKTRACK) {
          memory.copy(cur, trialI, <usize>np << 3);
          memory.copy(vol, trialV, <usize>np << 3);
          memory.copy(slo, trialS, <usize>np << 3);
          memory.copy(this.iterateStoichMargin + cellOffset, this.stepStoichMargin + cellOffset, marginBytes);
          spread = newSpread;
          break;
        }
        // A step that took a cell past the end of its stoichiometry range: once per update, the middle of the step
        // lengths that keep every cell in range (the reference's rangeWindow). Else halve.
        const inRange = newSpread == Infinity && !windowed ? this.rangeWindow(c0, np, alpha) : 0;
        if (inRange > 0) windowed = true;
        alpha = inRange > 0 ? inRange : 0.5 * alpha;
      }
    }
    // The trial states are those of the last evaluation: the accepted currents. The group voltage: the linearised
    // Kirchhoff solve there, each cell weighted by its conductance (the reference's).
    let sumI: f64 = 0;
    let sumInv: f64 = 0;
    let sumVoverS: f64 = 0;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      const s = usableSlope(ld(this.slope, c));
      sumI += ld(this.current, c);
      sumInv += 1 / s;
      sumVoverS += ld(this.voltage, c) / s;
    }
    const gv = (I - sumI + sumVoverS) / sumInv;
    st(this.groupVoltage, g, gv);
    return gv;
  }

  /** The reference's rangeWindow: the middle of the step lengths in (0, alpha) that keep every cell of the group in range, else 0. */
  rangeWindow(c0: i32, np: i32, alpha: f64): f64 {
    let lo: f64 = 0;
    let hi = alpha;
    for (let j = 0; j < np; j++) {
      const m0 = ld(this.iterateStoichMargin, c0 + j);
      const rate = (ld(this.stepStoichMargin, c0 + j) - m0) / alpha;
      const bound = (TOL_STOICHIOMETRY_MARGIN - m0) / rate;
      if (rate > 0) lo = Math.max(lo, bound);
      else if (rate < 0) hi = Math.min(hi, bound);
      else if (!(m0 > TOL_STOICHIOMETRY_MARGIN)) return 0;
    }
    return lo < hi ? 0.5 * (lo + hi) : 0;
  }

  /** Trial-step every cell of a group at the given currents, with slopes if asked (cells paired into SIMD lanes); returns the spread. */
  evaluateGroup(c0: i32, np: i32, dt: f64, currents: usize, voltages: usize, slopes: usize, slope: bool): f64 {
    let j = 0;
    for (; j + 1 < np; j += 2) {
      this.trialPair(c0 + j, ld(currents, j), ld(currents, j + 1), dt, slope);
      st(voltages, j, r0Voltage);
      st(voltages, j + 1, r1Voltage);
      if (slope) {
        st(slopes, j, r0Slope);
        st(slopes, j + 1, r1Slope);
      }
    }
    if (j < np) {
      st(voltages, j, this.trialCell(c0 + j, ld(currents, j), dt, slope));
      if (slope) st(slopes, j, r0Slope);
    }
    let lo = Infinity;
    let hi = -Infinity;
    let inRange = true;
    for (j = 0; j < np; j++) {
      const v = ld(voltages, j);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      inRange = inRange && ld(this.stepStoichMargin, c0 + j) > TOL_STOICHIOMETRY_MARGIN;
    }
    // A cell past the end of its stoichiometry range counts as an infinite spread: the backtracking never steps there.
    return inRange && isFinite(hi - lo) ? hi - lo : Infinity;
  }

  solveAll(I: f64, dt: f64): f64 {
    this.computeConduction();
    if (dt > 0) this.prepareAll(dt);
    let v: f64 = 0;
    let slope: f64 = 0;
    const np = parallel;
    for (let g = 0; g < series; g++) {
      v += dt > 0 ? this.solveGroup(g, I, dt) : this.openCircuitGroup(g);
      let inv: f64 = 0;
      for (let j = 0; j < np; j++) inv += 1 / usableSlope(ld(this.slope, g * np + j));
      slope += 1 / inv;
    }
    this.packSlope = slope - this.interconnectTotal;
    this.firstSolve = false;
    return v - I * this.interconnectTotal;
  }

  openCircuitGroup(g: i32): f64 {
    const np = parallel;
    let sum: f64 = 0;
    for (let j = 0; j < np; j++) {
      const c = g * np + j;
      const s = this.cellState(this.start, c);
      const p = this.cellParams(c);
      evaluate(s, s, p, p, sp(0), sp(ld(s, S_TEMPERATURE_RISE)));
      const v = lane0(outVoltage);
      st(this.voltage, c, v);
      sum += v;
      // A step of length 0 ends where it starts: the start state's electrolyte margin.
      limits(s, s, p, p);
      st(this.stepMinimum, c, lane0(outElectrolyteMinimum));
      st(this.stepMargin, c, lane0(outDepletionMargin));
    }
    const gv = sum / <f64>np;
    st(this.groupVoltage, g, gv);
    return gv;
  }

  maxGroupVoltage(): f64 {
    let vmax = -Infinity;
    for (let g = 0; g < series; g++) vmax = Math.max(vmax, ld(this.groupVoltage, g));
    return vmax;
  }

  cvExcess(I: f64, dt: f64, target: f64): f64 {
    this.solveAll(I, dt);
    return this.maxGroupVoltage() - target;
  }

  /**
   * illinois(f, lo, hi, tol) of src/model/roots.ts with f(I) = max group voltage - target (the CV drive).
   * AssemblyScript has no closures, so each root-finding site carries its own copy of the iteration.
   */
  illinoisCV(lo: f64, hi: f64, tol: f64, dt: f64, target: f64): f64 {
    let flo = this.cvExcess(lo, dt, target);
    let fhi = this.cvExcess(hi, dt, target);
    if (flo == 0) return lo;
    if (fhi == 0) return hi;
    if (sign(flo) == sign(fhi)) return NaN;
    let side = 0;
    let x = lo;
    for (let i = 0; i < TOL_MAX_ILLINOIS; i++) {
      x = (lo * fhi - hi * flo) / (fhi - flo);
      const fx = this.cvExcess(x, dt, target);
      if (fx == 0 || Math.abs(hi - lo) < tol * Math.max(1, Math.abs(x))) return x;
      if (sign(fx) == sign(fhi)) {
        hi = x;
        fhi = fx;
        if (side == -1) flo /= 2;
        side = -1;
      } else {
        lo = x;
        flo = fx;
        if (side == 1) fhi /= 2;
        side = 1;
      }
    }
    return x;
  }

  drive(seg: i32, dt: f64): f64 {
    const mode = <i32>sf(seg, SEG_MODE);
    this.wantSlope = mode == MODE_POWER;
    if (mode == MODE_CURRENT) {
      const I = sf(seg, SEG_VALUE);
      this.solveAll(I, dt);
      return I;
    }
    if (mode == MODE_POWER) {
      const P = sf(seg, SEG_VALUE);
      const fv = ld(this.out, O_FINAL_PACK_VOLTAGE_V);
      let I = this.stringCurrent != 0 && sign(this.stringCurrent) == sign(P) ? this.stringCurrent : P / (fv != 0 && !isNaN(fv) ? fv : 1);
      for (let iter = 0; iter < TOL_MAX_NEWTON; iter++) {
        const v = this.solveAll(I, dt);
        const f = I * v - P;
        const df = v + I * this.packSlope;
        if (Math.abs(f) < TOL_POWER * Math.abs(P)) return I;
        if (P > 0 && df <= 0) return NaN;
        const next = I - f / df;
        I = sign(next) == sign(P) || next == 0 ? next : I / 2;
      }
      return I;
    }
    const target = sf(seg, SEG_VALUE);
    const maxI = sf(seg, SEG_MAX_CURRENT);
    let I = this.illinoisCV(-maxI, 0, TOL_CONSTANT_VOLTAGE, dt, target);
    if (!isFinite(I)) I = this.cvExcess(0, dt, target) >= 0 ? 0 : -maxI;
    this.solveAll(I, dt);
    return I;
  }

  /**
   * limitExcess of the reference: the larger of the voltage excess and the depletion excess (minus the lowest margin
   * of a cell); sets this.excess, this.depleted and this.excessGroup (voltage) or this.excessCell (depletion).
   */
  limitExcess(seg: i32, I: f64): void {
    this.voltageExcess(seg, I);
    let margin = Infinity;
    let cell = -1;
    for (let c = 0; c < this.n; c++) {
      const m = ld(this.stepMargin, c);
      if (m < margin) {
        margin = m;
        cell = c;
      }
    }
    this.depleted = -margin > this.excess;
    this.excessCell = -1;
    if (this.depleted) {
      this.excess = -margin;
      this.excessGroup = -1;
      this.excessCell = cell;
    }
  }

  /** voltageExcess of the reference: sets this.excess and this.excessGroup. */
  voltageExcess(seg: i32, I: f64): void {
    let worstGroup = -1;
    this.excessGroup = -1;
    if (I > 0) {
      if (stopAtPack) {
        this.excess = <f64>series * sf(seg, SEG_LOWER_CUTOFF) - this.packVoltage(I);
        return;
      }
      let vmin = Infinity;
      for (let g = 0; g < series; g++) {
        const v = ld(this.groupVoltage, g);
        if (v < vmin) {
          vmin = v;
          worstGroup = g;
        }
      }
      this.excess = sf(seg, SEG_LOWER_CUTOFF) - vmin;
      this.excessGroup = worstGroup;
      return;
    }
    if (I < 0 && <i32>sf(seg, SEG_MODE) != MODE_CONSTANT_VOLTAGE) {
      if (stopAtPack) {
        this.excess = this.packVoltage(I) - <f64>series * sf(seg, SEG_UPPER_CUTOFF);
        return;
      }
      let vmax = -Infinity;
      for (let g = 0; g < series; g++) {
        const v = ld(this.groupVoltage, g);
        if (v > vmax) {
          vmax = v;
          worstGroup = g;
        }
      }
      this.excess = vmax - sf(seg, SEG_UPPER_CUTOFF);
      this.excessGroup = worstGroup;
      return;
    }
    this.excess = -Infinity;
  }

  packVoltage(I: f64): f64 {
    let v: f64 = 0;
    for (let g = 0; g < series; g++) v += ld(this.groupVoltage, g);
    return v - I * this.interconnectTotal;
  }

  commit(I: f64, dt: f64): void {
    const np = parallel;
    const out = this.out;
    let vStart: f64 = 0;
    for (let g = 0; g < series; g++) {
      let s: f64 = 0;
      for (let j = 0; j < np; j++) s += ld(this.stepVStart, g * np + j);
      vStart += s / <f64>np;
    }
    vStart -= I * this.interconnectTotal;
    const vEnd = this.packVoltage(I);
    st(out, O_ENERGY_WH, ld(out, O_ENERGY_WH) + (0.5 * I * (vStart + vEnd) * dt) / 3600);
    st(out, O_CAPACITY_AH, ld(out, O_CAPACITY_AH) + (I * dt) / 3600);
    st(out, O_INTERCONNECT_LOSS_J, ld(out, O_INTERCONNECT_LOSS_J) + I * I * this.interconnectTotal * dt);
    let weld = ld(out, O_WELD_LOSS_J);
    let heat = ld(out, O_HEAT_J);
    let collector = ld(out, O_HEAT_COLLECTOR_J);
    let irreversible = ld(out, O_HEAT_IRREVERSIBLE_J);
    let reversible = ld(out, O_HEAT_REVERSIBLE_J);
    let electrolyte = ld(out, O_HEAT_OHMIC_ELECTROLYTE_J);
    let solid = ld(out, O_HEAT_OHMIC_SOLID_J);
    let minimum = ld(out, O_MIN_ELECTROLYTE_FRACTION);
    for (let c = 0; c < this.n; c++) {
      const ic = ld(this.current, c);
      weld += ic * ic * ld(this.cellParams(c), P_CONTACT_RESISTANCE) * dt;
      collector += ic * ic * ld(this.cellParams(c), P_COLLECTOR_RESISTANCE) * dt;
      irreversible += ld(this.stepTerms, 4 * c);
      reversible += ld(this.stepTerms, 4 * c + 1);
      electrolyte += ld(this.stepTerms, 4 * c + 2);
      solid += ld(this.stepTerms, 4 * c + 3);
      minimum = Math.min(minimum, ld(this.stepMinimum, c));
      heat += ld(this.stepHeat, c);
    }
    st(out, O_WELD_LOSS_J, weld);
    st(out, O_HEAT_J, heat);
    st(out, O_HEAT_COLLECTOR_J, collector);
    st(out, O_HEAT_IRREVERSIBLE_J, irreversible);
    st(out, O_HEAT_REVERSIBLE_J, reversible);
    st(out, O_HEAT_OHMIC_ELECTROLYTE_J, electrolyte);
    st(out, O_HEAT_OHMIC_SOLID_J, solid);
    st(out, O_MIN_ELECTROLYTE_FRACTION, minimum);
    memory.copy(this.states, this.trial, <usize>(this.n * this.L) << 3);
    const bytes = <usize>this.n << 3;
    memory.copy(this.committed3, this.committed2, bytes);
    memory.copy(this.committed2, this.committed1, bytes);
    memory.copy(this.committed1, this.current, bytes);
    if (this.segmentIndex == this.historySegment && sameLength(dt, this.historyDt)) this.history++;
    else {
      this.history = 1;
      this.historySegment = this.segmentIndex;
      this.historyDt = dt;
    }
    this.time += dt;
    this.stringCurrent = I;
    this.cellSteps += <f64>this.n;
    this.observe(I);
  }

  observe(I: f64): void {
    const np = parallel;
    const out = this.out;
    let tMin = Infinity;
    let tMax = -Infinity;
    for (let c = 0; c < this.n; c++) {
      const T = this.cellTemperature(c, this.states);
      tMin = Math.min(tMin, T);
      tMax = Math.max(tMax, T);
    }
    st(out, O_MAX_TEMPERATURE_K, Math.max(ld(out, O_MAX_TEMPERATURE_K), tMax));
    st(out, O_MAX_TEMPERATURE_SPREAD_K, Math.max(ld(out, O_MAX_TEMPERATURE_SPREAD_K), tMax - tMin));
    for (let g = 0; g < series; g++) {
      st(out, O_MIN_CELL_VOLTAGE_V, Math.min(ld(out, O_MIN_CELL_VOLTAGE_V), ld(this.groupVoltage, g)));
      st(out, O_MAX_CELL_VOLTAGE_V, Math.max(ld(out, O_MAX_CELL_VOLTAGE_V), ld(this.groupVoltage, g)));
    }
    if (Math.abs(I) > 1e-9) {
      const mean = Math.abs(I) / <f64>np;
      let imb = ld(out, O_MAX_CURRENT_IMBALANCE);
      for (let c = 0; c < this.n; c++) imb = Math.max(imb, Math.abs(ld(this.current, c)) / mean);
      st(out, O_MAX_CURRENT_IMBALANCE, imb);
    }
    st(out, O_FINAL_PACK_VOLTAGE_V, this.packVoltage(I));
  }

  cellSoc(c: i32): f64 {
    const s = this.cellState(this.states, c);
    const p = this.cellParams(c);
    soc(s, s, p, p);
    return lane0(outSoc);
  }

  /**
   * The rest of one step of a segment after its drive gave I over h: CV current cut-off, a limit or an invalid state
   * located within the step, or commit. Returns a stop reason if the segment ended here, else NO_STOP.
   */
  finishStep(seg: i32, I: f64, h: f64): i32 {
    if (isNaN(I)) return STOP_POWER_LIMIT;
    const mode = <i32>sf(seg, SEG_MODE);
    const currentCutoff = sf(seg, SEG_CURRENT_CUTOFF);
    if (mode == MODE_CONSTANT_VOLTAGE && -I <= currentCutoff) {
      const previous = -this.stringCurrent;
      const frac = previous > currentCutoff ? (previous - currentCutoff) / (previous + I) : 1;
      const tau = Math.max(0, Math.min(1, frac)) * h;
      if (tau > 0) this.commit(this.drive(seg, tau), tau);
      return STOP_COMPLETED;
    }
    const invalid = this.invalidState(I);
    let excess: f64 = NaN;
    if (invalid == VALID) {
      this.limitExcess(seg, I);
      excess = this.excess;
    }
    if (excess < 0) {
      this.commit(I, h);
      return NO_STOP;
    }
    return this.stopWithinStep(seg, h, excess, invalid);
  }

  /** The reference's stopWithinStep: the first instant, then one bracket (Illinois on the limit, bisection on an invalid state). */
  stopWithinStep(seg: i32, h: f64, excess: f64, invalid: i32): i32 {
    memory.copy(this.validCurrents, invalid == VALID ? this.current : this.committed1, <usize>this.n << 3);
    const first = TOL_CROSSING * Math.max(1, h);
    const I0 = this.probe(seg, first);
    const invalid0 = this.invalidDrive(I0);
    if (!isNaN(I0)) {
      this.limitExcess(seg, I0);
      if (this.excess >= 0) return this.limitReached(seg, I0, this.excessGroup, this.depleted, this.excessCell);
    }
    if (invalid0 != VALID) return this.stopInvalid(invalid0);
    let lo = first;
    let flo = this.excess;
    let hi = h;
    let fhi = excess;
    let hiReason = invalid;
    let hiCell = this.invalidCell;
    let side = 0;
    let x = h;
    for (let it = 0; it < TOL_MAX_ILLINOIS; it++) {
      x = hiReason == VALID ? (lo * fhi - hi * flo) / (fhi - flo) : 0.5 * (lo + hi);
      const I = this.probe(seg, x);
      const reason = this.invalidDrive(I);
      let fx: f64 = NaN;
      if (reason != VALID) {
        hi = x;
        hiReason = reason;
        hiCell = this.invalidCell;
        side = 0;
      } else {
        this.limitExcess(seg, I);
        fx = this.excess;
        if (fx >= 0) {
          if (hiReason != VALID) side = 0;
          else if (side == -1) flo /= 2;
          hi = x;
          fhi = fx;
          hiReason = VALID;
          side = -1;
        } else {
          if (side == 1) fhi /= 2;
          lo = x;
          flo = fx;
          side = 1;
        }
      }
      if (fx == 0 || hi - lo < TOL_CROSSING * Math.max(1, x)) break;
    }
    if (hiReason != VALID) {
      const I = this.probe(seg, lo);
      if (this.invalidDrive(I) == VALID) this.commit(I, lo);
      this.invalidCell = hiCell;
      return this.stopInvalid(hiReason);
    }
    const Ic = this.probe(seg, x);
    const invalidC = this.invalidDrive(Ic);
    if (invalidC != VALID) return this.stopInvalid(invalidC);
    this.limitExcess(seg, Ic);
    const group = this.excessGroup;
    const depleted = this.depleted;
    const depletedCell = this.excessCell;
    this.commit(Ic, x);
    return this.limitReached(seg, Ic, group, depleted, depletedCell);
  }

  /** The drive over a sub-step of the step being located, from the last valid solve's cell currents (the reference's probe). */
  probe(seg: i32, tau: f64): f64 {
    const bytes = <usize>this.n << 3;
    memory.copy(this.current, this.validCurrents, bytes);
    const I = this.drive(seg, tau);
    if (this.invalidDrive(I) == VALID) memory.copy(this.validCurrents, this.current, bytes);
    return I;
  }

  /** A limit was reached at string current I: a cell's electrolyte depleted (the SPMe: it ends the run), or the segment's voltage limit. */
  limitReached(seg: i32, I: f64, group: i32, depleted: bool, depletedCell: i32): i32 {
    if (depleted) {
      this.markDepleted(depletedCell);
      return STOP_ELECTROLYTE_DEPLETED;
    }
    if (sf(seg, SEG_CONTINUE_ON_LIMIT) != 0) return STOP_COMPLETED;
    this.markCutoff(I, group);
    return stopAtPack ? STOP_PACK_LIMIT : STOP_CELL_LIMIT;
  }

  /** Valid states only (the reference's invalidState): VALID, or the stop reason with this.invalidCell. */
  invalidState(I: f64): i32 {
    const n = this.n;
    for (let c = 0; c < n; c++) {
      if (!(ld(this.stepStoichMargin, c) > TOL_STOICHIOMETRY_MARGIN) || ld(this.voltage, c) <= 0) {
        this.invalidCell = c;
        return STOP_CELL_EXHAUSTED;
      }
    }
    for (let c = 0; c < n; c++) {
      if (!(ld(this.voltage, c) <= TOL_MAX_CELL_VOLTAGE)) {
        this.invalidCell = c;
        return STOP_VOLTAGE_OUT_OF_RANGE;
      }
    }
    if (!(this.packVoltage(I) > 0)) {
      this.invalidCell = -1;
      return STOP_VOLTAGE_OUT_OF_RANGE;
    }
    return VALID;
  }

  invalidDrive(I: f64): i32 {
    return isNaN(I) ? STOP_POWER_LIMIT : this.invalidState(I);
  }

  /** The run stops on an invalid state (or power not deliverable): the cell responsible is the first event's. */
  stopInvalid(reason: i32): i32 {
    const out = this.out;
    if (reason != STOP_POWER_LIMIT && ld(out, O_CUTOFF_CELL) < 0 && this.invalidCell >= 0) {
      st(out, O_TIME_TO_FIRST_CUTOFF_S, this.time);
      st(out, O_CUTOFF_CELL, <f64>this.invalidCell);
    }
    return reason;
  }

  /** Length of step k of `steps` of a segment that started at t0. */
  // @ts-ignore: decorator
  @inline stepLength(seg: i32, k: i32, steps: i32, t0: f64): f64 {
    return (k == steps ? t0 + sf(seg, SEG_DURATION) : t0 + <f64>k * timeStep) - this.time;
  }

  runSegment(seg: i32): i32 {
    const steps = <i32>Math.ceil(sf(seg, SEG_DURATION) / timeStep - 1e-9);
    const t0 = this.time;
    for (let k = 1; k <= steps; k++) {
      const h = this.stepLength(seg, k, steps, t0);
      this.beginStep();
      const I = this.drive(seg, h);
      const r = this.finishStep(seg, I, h);
      if (r != NO_STOP) return r;
    }
    return NO_STOP;
  }

  // ---- Pieces of one constant-current step of a single-cell pack, for the SIMD pair runner ----

  /** What runSegment -> drive -> solveAll -> solveGroup do before the cell's step (1s1p, current drive). */
  beginStep1(I: f64): void {
    this.beginStep();
    this.wantSlope = false;
    this.computeConduction();
    st(this.current, 0, I);
  }

  /** ... and after it (the step results already stored, v its end voltage): voltages, pack slope, counts. */
  endStep1(v: f64, dt: f64): void {
    st(this.voltage, 0, v);
    st(this.slope, 0, NaN);
    st(this.groupVoltage, 0, v);
    this.packSlope = usableSlope(NaN) - this.interconnectTotal;
    this.preparedDt = dt;
    this.firstSolve = false;
    this.cellEvaluations += 1;
  }

  /** The electrolyte of cell `cell` depleted: the first limit event, if no voltage limit came before. */
  markDepleted(cell: i32): void {
    if (ld(this.out, O_CUTOFF_CELL) >= 0) return;
    st(this.out, O_TIME_TO_FIRST_CUTOFF_S, this.time);
    st(this.out, O_CUTOFF_CELL, <f64>cell);
  }

  markCutoff(I: f64, group: i32): void {
    const out = this.out;
    if (ld(out, O_CUTOFF_CELL) >= 0) return;
    st(out, O_TIME_TO_FIRST_CUTOFF_S, this.time);
    const np = parallel;
    if (group < 0) {
      let best = 0;
      for (let g = 1; g < series; g++) {
        const vg = ld(this.groupVoltage, g);
        const vb = ld(this.groupVoltage, best);
        if (I > 0 ? vg < vb : vg > vb) best = g;
      }
      group = best;
    }
    let cell = group * np;
    let extreme = I > 0 ? Infinity : -Infinity;
    for (let j = 0; j < np; j++) {
      const c = group * np + j;
      const own = ld(this.groupVoltage, group) + ld(this.current, c) * ld(this.cellParams(c), P_CONTACT_RESISTANCE);
      if (I > 0 ? own < extreme : own > extreme) {
        extreme = own;
        cell = c;
      }
    }
    st(out, O_CUTOFF_CELL, <f64>cell);
  }

  /**
   * The reference's run() loop from segment `first` on, with `stopReason` so far; a runner that handled some segments
   * elsewhere (the SIMD pair runner) hands over here. Also does the final bookkeeping.
   */
  runFrom(first: i32, reasonSoFar: i32): void {
    let stopReason = reasonSoFar;
    for (let s = first; s < segmentCount; s++) {
      this.segmentIndex = s;
      const reason = this.runSegment(s);
      const next = this.afterSegment(s, reason, stopReason);
      if (next < 0) {
        stopReason = reason;
        break;
      }
      if (reason != NO_STOP && reason != STOP_COMPLETED) stopReason = reason;
      s = next;
    }
    this.finish(stopReason);
  }

  /** Segment bookkeeping after segment s ended with `reason`: returns the last segment to skip to, or -1 to stop. */
  afterSegment(s: i32, reason: i32, stopReason: i32): i32 {
    if (endsRun(reason)) {
      if (ld(this.out, O_CUTOFF_CELL) < 0) st(this.out, O_TIME_TO_FIRST_CUTOFF_S, this.time);
      return -1;
    }
    if (reason != NO_STOP) {
      while (s + 1 < segmentCount && sf(s + 1, SEG_STEP) == sf(s, SEG_STEP) && reason != STOP_COMPLETED) s++;
    }
    return s;
  }

  finish(stopReason: i32): void {
    const out = this.out;
    st(out, O_DURATION_S, this.time);
    if (ld(out, O_CUTOFF_CELL) < 0) st(out, O_TIME_TO_FIRST_CUTOFF_S, this.time);
    st(out, O_STOP_REASON, <f64>stopReason);
    let socMin = Infinity;
    let socMax = -Infinity;
    for (let c = 0; c < this.n; c++) {
      const q = this.cellSoc(c);
      socMin = Math.min(socMin, q);
      socMax = Math.max(socMax, q);
    }
    st(out, O_FINAL_SOC_SPREAD, socMax - socMin);
  }

  writeOutputs(dst: usize): void {
    memory.copy(dst, this.out, <usize>PACK_OUTPUT_COUNT << 3);
  }

  /** Copy every cell's state (n x L, reference layout) to dst. */
  writeStates(dst: usize): void {
    memory.copy(dst, this.states, <usize>(this.n * this.L) << 3);
  }
}

/**
 * Two single-cell (1s1p) packs in lockstep through their constant-current segments, one pack per SIMD lane: each step
 * is one prepare (factors kept, prepareKept2) + finish2 for both cells, then each pack's own bookkeeping (limit check, crossing, commit) in scalar
 * code. A pack whose segment ends first waits while the other steps with a single lane; when the packs reach different
 * segments or a non-current segment, each finishes alone with runFrom. Every pack performs exactly the operations it
 * would alone.
 */
export function runPair(A: PackSim, B: PackSim): void {
  let sA = 0;
  let sB = 0;
  let rA = STOP_COMPLETED;
  let rB = STOP_COMPLETED;
  while (sA < segmentCount && sA == sB && <i32>sf(sA, SEG_MODE) == MODE_CURRENT) {
    const seg = sA;
    A.segmentIndex = seg;
    B.segmentIndex = seg;
    const I = sf(seg, SEG_VALUE);
    const steps = <i32>Math.ceil(sf(seg, SEG_DURATION) / timeStep - 1e-9);
    const t0A = A.time;
    const t0B = B.time;
    let kA = 1;
    let kB = 1;
    let doneA = steps < 1;
    let doneB = steps < 1;
    let resA = NO_STOP;
    let resB = NO_STOP;
    while (!doneA || !doneB) {
      const hA = doneA ? 0 : A.stepLength(seg, kA, steps, t0A);
      const hB = doneB ? 0 : B.stepLength(seg, kB, steps, t0B);
      if (!doneA) A.beginStep1(I);
      if (!doneB) B.beginStep1(I);
      // Lane 0 is A unless A is done; lane 1 is B (or a copy of the single pack).
      const X = doneA ? B : A;
      const Y = doneA || doneB ? X : B;
      const hX = doneA ? hB : hA;
      const hY = doneA || doneB ? hX : hB;
      prepareCells(X, 0, hX, Y, 0, hY);
      finish2(
        X.start, X.partA, X.partB, X.trial, X.params, I, hX, ld(X.heatIn, 0),
        Y.start, Y.partA, Y.partB, Y.trial, Y.params, I, hY, ld(Y.heatIn, 0),
        false,
      );
      X.storeLane0(0);
      if (Y != X) Y.storeLane1(0);
      const vA = r0Voltage; // lane 0 is A whenever A stepped
      const vB = doneA ? r0Voltage : r1Voltage;
      if (!doneA) {
        A.endStep1(vA, hA);
        resA = A.finishStep(seg, I, hA);
        if (resA != NO_STOP || ++kA > steps) doneA = true;
      }
      if (!doneB) {
        B.endStep1(vB, hB);
        resB = B.finishStep(seg, I, hB);
        if (resB != NO_STOP || ++kB > steps) doneB = true;
      }
    }
    const nextA = A.afterSegment(seg, resA, rA);
    const nextB = B.afterSegment(seg, resB, rB);
    if (resA != NO_STOP && resA != STOP_COMPLETED) rA = resA;
    if (resB != NO_STOP && resB != STOP_COMPLETED) rB = resB;
    if (nextA < 0) rA = resA;
    if (nextB < 0) rB = resB;
    sA = nextA < 0 ? segmentCount : nextA + 1;
    sB = nextB < 0 ? segmentCount : nextB + 1;
  }
  A.runFrom(sA, rA);
  B.runFrom(sB, rB);
}

/** Cell cA of pack A over dtA and cell cB of pack B over dtB (one SIMD call; the same cell twice for one). */
function prepareCells(A: PackSim, cA: i32, dtA: f64, B: PackSim, cB: i32, dtB: f64): void {
  prepareKept2(
    A.cellState(A.start, cA), A.cellState(A.partA, cA), A.cellState(A.partB, cA), A.cellState(A.factors, cA), A.kept + ((<usize>cA * KEPT_FIELDS) << 3), A.cellParams(cA), dtA,
    B.cellState(B.start, cB), B.cellState(B.partA, cB), B.cellState(B.partB, cB), B.cellState(B.factors, cB), B.kept + ((<usize>cB * KEPT_FIELDS) << 3), B.cellParams(cB), dtB,
  );
}

/** A cell's slope as the linearised solves use it: the fallback where it is not a finite negative number. */
// @ts-ignore: decorator
@inline function usableSlope(s: f64): f64 {
  return s < 0 && isFinite(s) ? s : TOL_FALLBACK_SLOPE;
}

/** Step lengths equal but for the rounding of the time grid. */
// @ts-ignore: decorator
@inline function sameLength(a: f64, b: f64): bool {
  return Math.abs(a - b) <= 1e-9 * Math.max(a, b);
}
