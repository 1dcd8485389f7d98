import { CellspreadInputError } from '../errors.ts';
import { F64 } from '../kernels/tolerances.ts';
import { CellKernel, HEAT_TERMS, newEvaluation, newStepResult, type ThermalMode } from '../model/cell.ts';
import { S_TEMPERATURE_RISE } from '../model/kernel.generated.ts';
import type { CellKernelParameters } from '../model/layout.ts';
import { illinois } from '../model/roots.ts';
import type { CellModel, ElectrolyteMesh } from '../model/physics.ts';
import type { ParameterSet } from '../params/types.ts';
import type { SeiLaw } from '../model/physics.ts';
import { PACK_OUTPUT_NAMES, STOP_REASON, type PackOutputs } from './outputs.ts';
import { SEGMENT_MODE, type Segment } from './protocol.ts';
import { cellCount, chainedToNext, validateLayout, type PackLayout } from './topology.ts';

export interface PackSettings {
  timeStep: number;
  modes: number;
  thermal: ThermalMode;
  /** The cell model (default 'spm'). */
  model?: CellModel;
  /** The SPMe's electrolyte mesh (default 12 / 2 / 12). */
  mesh?: ElectrolyteMesh;
  /** Thermal conductance between neighbouring cells of a module [W/K] (0: none). */
  conduction: number;
  /** 'cell': stop a step when any cell reaches its voltage limit (as a BMS would); 'pack': when the pack voltage does. */
  stopAt: 'cell' | 'pack';
  /** SEI growth law (default 'none': the cells do not age). */
  sei?: SeiLaw;
  /** The SEI film's Joule heat in the cell heat (default true). */
  filmHeat?: boolean;
}

export interface PackSimulationInput {
  set: ParameterSet;
  layout: PackLayout;
  segments: readonly Segment[];
  settings: PackSettings;
  /** Kernel parameters of every cell, index group * parallel + j. */
  cells: readonly CellKernelParameters[];
  /** Resistance of the interconnect after each series group [Ohm]. */
  interconnect: ArrayLike<number>;
  /** Keep per-step, per-cell traces (for the worst pack's map). */
  record?: boolean;
  /** Start states of the cells (cell after cell, reference layout); absent: their initial states. */
  states?: Float64Array;
}

export interface PackTrace {
  time: number[];
  current: number[];
  packVoltage: number[];
  /** Per step, one value per cell. */
  cellTemperature: Float64Array[];
  cellCurrent: Float64Array[];
  cellSoc: Float64Array[];
}

export interface PackDiagnostics {
  /** Chemical energy released, sum over cells of the integral of I_c times the surface OCV [J]. */
  chemicalEnergyJ: number;
  /** Heat removed by cooling [J]. */
  coolingJ: number;
  /** Final cell temperatures [K] and sum of C_th (T - T0) [J]. */
  storedHeatJ: number;
  finalCellSoc: Float64Array;
  finalCellTemperature: Float64Array;
}

export interface PackSimulationResult {
  outputs: PackOutputs;
  /** Cell-steps taken on the committed path (Newton trials not counted). */
  cellSteps: number;
  /** Cell step evaluations, Newton trials and cut-off location included (cellEvaluations / cellSteps: the solver's cost). */
  cellEvaluations: number;
  /**
   * Group Newton updates evaluated by CellKernel.correct (the end voltage at the updated current, the thermal part
   * linearised) instead of a full step: about a third of a step's cost each.
   */
  cellCorrections: number;
  diagnostics: PackDiagnostics;
  trace?: PackTrace;
  /** End states of the cells (cell after cell, reference layout). */
  states: Float64Array;
}

/**
 * One pack through a compiled protocol with the f64 reference kernel.
 *
 * Each step solves Kirchhoff's laws in every parallel group at the END of the step: the cell currents I_j are those for
 * which every cell, advanced over the step with its own current, ends at the same terminal voltage and the currents sum
 * to the string current. Newton on each group uses the exact dV_j/dI_j of every cell over the step (generated from the
 * cell definition: the particle state is affine in the step current, and the derivative is carried through the Heun
 * thermal update), so it converges quadratically: ordinary steps take one or two Newton updates, two or three cell
 * evaluations (`cellEvaluations` in the result). The current-independent part of every cell's step (the particle
 * update) is prepared once per step and step length.
 * This is the implicit counterpart of the explicit per-step split used by established pack tools (e.g. liionpack),
 * which solves a linear network built from each cell's lagged OCV and internal resistance and can oscillate when a
 * cell's effective resistance is small compared with the step's change; see docs/packs.md.
 */
export class PackSimulator {
  private readonly kernel: CellKernel;
  private readonly layout: PackLayout;
  private readonly settings: PackSettings;
  private readonly cells: readonly CellKernelParameters[];
  private readonly n: number;
  private readonly L: number;
  private readonly states: Float64Array;
  private readonly start: Float64Array;
  private readonly trial: Float64Array;
  private readonly partA: Float64Array;
  private readonly partB: Float64Array;
  /** Per-cell views of start, trial, partA, partB. */
  private readonly views: Array<{ start: Float64Array; trial: Float64Array; a: Float64Array; b: Float64Array }>;
  private readonly current: Float64Array;
  private readonly voltage: Float64Array;
  private readonly slope: Float64Array;
  private readonly heatIn: Float64Array;
  private readonly stepHeat: Float64Array;
  private readonly stepCooling: Float64Array;
  private readonly stepVoltageStart: Float64Array;
  private readonly stepOcvStart: Float64Array;
  private readonly stepOcvEnd: Float64Array;
  /** Per cell: the end-of-step distance of its particle surfaces from the ends of the stoichiometry range. */
  private readonly stepStoichMargin: Float64Array;
  /** ... at the group Newton's current iterate. */
  private readonly iterateStoichMargin: Float64Array;
  /** Per cell, the heat of each term over the trial step [J] (HEAT_TERMS order), and its end's depletion margin and c_e minimum. */
  private readonly stepTerms: Float64Array;
  private readonly stepMargin: Float64Array;
  private readonly stepMinimum: Float64Array;
  /** Of the last evaluation with a slope, per cell: end rise and the thermal part's derivatives (CellKernel.correct). */
  private readonly stepRise: Float64Array;
  private readonly stepRiseTangent: Float64Array;
  private readonly stepHeatTangent: Float64Array;
  private readonly stepCoolingTangent: Float64Array;
  private readonly stepVoltageStartTangent: Float64Array;
  private readonly groupVoltage: Float64Array;
  private readonly trialI: Float64Array;
  private readonly trialV: Float64Array;
  private readonly trialS: Float64Array;
  private readonly deltas: Float64Array;
  private readonly interconnectTotal: number;
  private readonly ev = newEvaluation();
  private readonly result = newStepResult();
  /** Step length the prepared parts are for (NaN: none since the start state changed). */
  private preparedDt = NaN;
  /** Cell currents of the last three commits (latest first), and how many consecutive commits of one segment had length historyDt. */
  private readonly committed: [Float64Array, Float64Array, Float64Array];
  /** Cell currents of the last solve that ended in a valid state, while a step is located (see probe). */
  private readonly validCurrents: Float64Array;
  private history = 0;
  private historyDt = NaN;
  private historySegment = -1;
  private segmentIndex = -1;
  /** The next pack solve is the first of a step. */
  private firstSolve = false;
  /** Whether the drive being solved needs the pack's slope (power), so single cells compute theirs. */
  private wantSlope = false;
  private packSlope = 0;
  private stringCurrent = 0;
  private time = 0;
  private readonly out: PackOutputs;
  private readonly diag: PackDiagnostics;
  private cellSteps = 0;
  private cellEvaluations = 0;
  /** The cell that made the last invalid state invalid (-1: the pack voltage). */
  private invalidCell = -1;
  private cellCorrections = 0;
  private readonly trace?: PackTrace;

  constructor(private readonly input: PackSimulationInput) {
    this.layout = validateLayout(input.layout);
    this.settings = input.settings;
    this.cells = input.cells;
    this.n = cellCount(this.layout);
    if (input.cells.length !== this.n) {
      throw new CellspreadInputError('cells', `must hold one parameter set per cell (${this.n})`, input.cells.length);
    }
    if (input.interconnect.length !== this.layout.series) {
      throw new CellspreadInputError('interconnect', `must hold one resistance per series group (${this.layout.series})`, input.interconnect.length);
    }
    this.kernel = new CellKernel(input.set, {
      model: this.settings.model,
      modes: this.settings.modes,
      thermal: this.settings.thermal,
      mesh: this.settings.mesh,
      sei: this.settings.sei,
      filmHeat: this.settings.filmHeat,
    });
    const L = (this.L = this.kernel.stateLength);
    this.states = new Float64Array(this.n * L);
    if (input.states) {
      if (input.states.length !== this.n * L) throw new CellspreadInputError('states', `must hold ${this.n} cells x ${L} state values`, input.states.length);
      this.states.set(input.states);
    } else for (let c = 0; c < this.n; c++) this.kernel.initialState(this.cells[c], this.states.subarray(c * L, (c + 1) * L));
    this.start = new Float64Array(this.states.length);
    this.trial = new Float64Array(this.states.length);
    this.partA = new Float64Array(this.states.length);
    this.partB = new Float64Array(this.states.length);
    this.views = Array.from({ length: this.n }, (_, c) => ({
      start: this.start.subarray(c * L, (c + 1) * L),
      trial: this.trial.subarray(c * L, (c + 1) * L),
      a: this.partA.subarray(c * L, (c + 1) * L),
      b: this.partB.subarray(c * L, (c + 1) * L),
    }));
    this.current = new Float64Array(this.n);
    this.committed = [new Float64Array(this.n), new Float64Array(this.n), new Float64Array(this.n)];
    this.validCurrents = new Float64Array(this.n);
    this.voltage = new Float64Array(this.n);
    this.slope = new Float64Array(this.n).fill(NaN);
    this.heatIn = new Float64Array(this.n);
    this.stepHeat = new Float64Array(this.n);
    this.stepCooling = new Float64Array(this.n);
    this.stepVoltageStart = new Float64Array(this.n);
    this.stepOcvStart = new Float64Array(this.n);
    this.stepOcvEnd = new Float64Array(this.n);
    this.stepStoichMargin = new Float64Array(this.n);
    this.iterateStoichMargin = new Float64Array(this.n);
    this.stepTerms = new Float64Array(this.n * HEAT_TERMS.length);
    this.stepMargin = new Float64Array(this.n).fill(1);
    this.stepMinimum = new Float64Array(this.n).fill(1);
    this.stepRise = new Float64Array(this.n);
    this.stepRiseTangent = new Float64Array(this.n);
    this.stepHeatTangent = new Float64Array(this.n);
    this.stepCoolingTangent = new Float64Array(this.n);
    this.stepVoltageStartTangent = new Float64Array(this.n);
    this.groupVoltage = new Float64Array(this.layout.series);
    const np = this.layout.parallel;
    this.trialI = new Float64Array(np);
    this.trialV = new Float64Array(np);
    this.trialS = new Float64Array(np);
    this.deltas = new Float64Array(np);
    let r = 0;
    for (let g = 0; g < this.layout.series; g++) r += input.interconnect[g];
    this.interconnectTotal = r;
    this.checkConductionStability();
    this.out = Object.fromEntries(PACK_OUTPUT_NAMES.map((k) => [k, 0])) as PackOutputs;
    this.out.cutoffCell = -1;
    this.out.minCellVoltageV = Infinity;
    this.out.maxCellVoltageV = -Infinity;
    this.out.minElectrolyteFraction = 1;
    this.diag = {
      chemicalEnergyJ: 0,
      coolingJ: 0,
      storedHeatJ: 0,
      finalCellSoc: new Float64Array(this.n),
      finalCellTemperature: new Float64Array(this.n),
    };
    if (input.record) this.trace = { time: [], current: [], packVoltage: [], cellTemperature: [], cellCurrent: [], cellSoc: [] };
    // Initial open-circuit state: group voltages at zero current (cells in a group may differ slightly before the
    // first step equalises them; the common voltage is their mean).
    this.beginStep();
    this.solveAll(0, 0);
    this.observe(0);
    this.record();
  }

  private checkConductionStability(): void {
    const g = this.settings.conduction;
    if (!(g >= 0 && Number.isFinite(g))) throw new CellspreadInputError('pack.conduction', 'must be a number >= 0', g);
    if (g === 0 || this.settings.thermal === 'isothermal') return;
    let cMin = Infinity;
    for (const p of this.cells) cMin = Math.min(cMin, p.heatCapacity);
    const limit = cMin / (2 * this.settings.timeStep);
    if (g >= limit) {
      throw new CellspreadInputError(
        'pack.conduction',
        `must be below C_th / (2 timeStep) = ${limit.toPrecision(3)} W/K for the explicit conduction exchange to be stable; lower it or the time step`,
        g,
      );
    }
  }

  private cellTemperature(c: number, states = this.states): number {
    return this.kernel.referenceTemperature + states[c * this.L + S_TEMPERATURE_RISE];
  }

  /** A new step starts from the committed states: the prepared parts are stale. */
  private beginStep(): void {
    this.start.set(this.states);
    this.preparedDt = NaN;
    this.firstSolve = true;
  }

  /** Conduction heat into each cell from its chain neighbours, from the temperatures at the start of the step. */
  private computeConduction(): void {
    this.heatIn.fill(0);
    const G = this.settings.conduction;
    if (G === 0 || this.settings.thermal === 'isothermal') return;
    for (let c = 0; c < this.n; c++) {
      if (!chainedToNext(this.layout, c)) continue;
      const flow = G * (this.cellTemperature(c + 1, this.start) - this.cellTemperature(c, this.start));
      this.heatIn[c] += flow;
      this.heatIn[c + 1] -= flow;
    }
  }

  /** The current-independent part of every cell's step over dt (once per start state and step length). */
  private prepareAll(dt: number): void {
    if (this.preparedDt === dt) return;
    for (let c = 0; c < this.n; c++) {
      const v = this.views[c];
      this.kernel.prepare(v.start, this.cells[c], dt, v.a, v.b);
    }
    this.preparedDt = dt;
  }

  /**
   * Cell c from the start state over dt at current I into the trial buffer: its end voltage, and with `slope` its exact
   * dV/dI in this.result.slope (trials are not counted as cell-steps, but as cell evaluations).
   */
  private trialCell(c: number, I: number, dt: number, slope: boolean): number {
    const v = this.views[c];
    const r = this.kernel.finish(v.start, v.a, v.b, this.cells[c], I, dt, this.heatIn[c], v.trial, this.result, slope);
    this.cellEvaluations++;
    this.stepHeat[c] = r.heat;
    this.stepCooling[c] = r.cooling;
    this.stepVoltageStart[c] = r.voltageStart;
    this.stepOcvStart[c] = r.surfaceOcvStart;
    this.stepOcvEnd[c] = r.surfaceOcvEnd;
    this.stepStoichMargin[c] = r.stoichiometryMargin;
    HEAT_TERMS.forEach((t, i) => (this.stepTerms[c * HEAT_TERMS.length + i] = r.heatTerms[t]));
    this.stepMargin[c] = r.depletionMargin;
    this.stepMinimum[c] = r.electrolyteMinimum;
    this.stepRise[c] = r.rise;
    this.stepRiseTangent[c] = r.riseTangent;
    this.stepHeatTangent[c] = r.heatTangent;
    this.stepCoolingTangent[c] = r.coolingTangent;
    this.stepVoltageStartTangent[c] = r.voltageStartTangent;
    return r.voltage;
  }

  /**
   * Cell c at `current` from its last evaluation with a slope at current - delta (CellKernel.correct: the particle
   * states exact, the thermal part to first order in delta) into the trial buffer; returns the end voltage.
   */
  private correctCell(c: number, current: number, delta: number, dt: number): number {
    const v = this.views[c];
    const r = this.result;
    r.heat = this.stepHeat[c];
    r.cooling = this.stepCooling[c];
    r.voltageStart = this.stepVoltageStart[c];
    r.rise = this.stepRise[c];
    r.riseTangent = this.stepRiseTangent[c];
    r.heatTangent = this.stepHeatTangent[c];
    r.coolingTangent = this.stepCoolingTangent[c];
    r.voltageStartTangent = this.stepVoltageStartTangent[c];
    const T = HEAT_TERMS.length;
    HEAT_TERMS.forEach((t, i) => (r.heatTerms[t] = this.stepTerms[c * T + i]));
    this.kernel.correct(v.a, v.b, this.cells[c], current, delta, dt, v.trial, r);
    this.cellCorrections++;
    this.stepHeat[c] = r.heat;
    this.stepCooling[c] = r.cooling;
    this.stepVoltageStart[c] = r.voltageStart;
    this.stepOcvEnd[c] = r.surfaceOcvEnd;
    this.stepStoichMargin[c] = r.stoichiometryMargin;
    this.stepRise[c] = r.rise;
    HEAT_TERMS.forEach((t, i) => (this.stepTerms[c * T + i] = r.heatTerms[t]));
    this.stepMargin[c] = r.depletionMargin;
    this.stepMinimum[c] = r.electrolyteMinimum;
    return r.voltage;
  }

  /**
   * Whether the group's first Newton update may be evaluated with the thermal part linearised: no SEI growth (its
   * update is not affine in the current), and for every cell the bound on the neglected second-order rise,
   * (dt / C_th) |dV/dI| delta^2, is below the tolerance table's linearisedRise.
   */
  private linearisable(c0: number, np: number, dt: number, alpha: number): boolean {
    // SEI growth (ageing) is integrated from the drives, not affine in the current: no correction there.
    if (this.kernel.aging) return false;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      const d = alpha * this.deltas[j];
      if (!((dt / this.cells[c].heatCapacity) * Math.abs(this.slope[c]) * d * d <= F64.linearisedRise)) return false;
    }
    return true;
  }

  /** Solve the current sharing of group g carrying `I` over `dt`; leaves the trial states at the solution. */
  private solveGroup(g: number, I: number, dt: number): number {
    const np = this.layout.parallel;
    const c0 = g * np;
    if (np === 1) {
      this.current[c0] = I;
      const v = this.trialCell(c0, I, dt, this.wantSlope);
      this.voltage[c0] = v;
      this.slope[c0] = this.result.slope;
      this.groupVoltage[g] = v;
      return v;
    }
    // Starting split: on the first solve of a step that continues a run of equal steps, the committed currents
    // extrapolated in time (quadratically after three such steps, linearly after two); otherwise the last solve's.
    // Then shifted equally so that they sum to I.
    const order = this.firstSolve && sameLength(dt, this.historyDt) ? Math.min(this.history - 1, 2) : 0;
    const [c1, c2, c3] = this.committed;
    let guessSum = 0;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      if (order === 2) this.current[c] = 3 * c1[c] - 3 * c2[c] + c3[c];
      else if (order === 1) this.current[c] = 2 * c1[c] - c2[c];
      guessSum += this.current[c];
    }
    const shift = (I - guessSum) / np;
    for (let j = 0; j < np; j++) this.current[c0 + j] += shift;
    const tolerance = F64.groupCurrent * Math.max(1, Math.abs(I));
    // Largest change of a cell current per iteration: Newton steps beyond this are damped.
    const cap = 0.5 * (Math.abs(I) / np + 1);
    const { trialI, trialV, trialS, deltas } = this;
    let spread = this.evaluateGroup(c0, np, dt, this.current.subarray(c0, c0 + np), this.voltage.subarray(c0, c0 + np), this.slope.subarray(c0, c0 + np), true);
    this.iterateStoichMargin.set(this.stepStoichMargin.subarray(c0, c0 + np), c0);
    for (let iter = 0; iter < F64.maxNewton; iter++) {
      // Linearised Kirchhoff solve: common voltage V and updates delta_j with sum(delta_j) = I - sum(I_j).
      const common = this.kirchhoffVoltage(c0, np, I);
      let worst = 0;
      let converged = true;
      for (let j = 0; j < np; j++) {
        const c = c0 + j;
        const d = (common - this.voltage[c]) / usableSlope(this.slope[c]);
        deltas[j] = d;
        worst = Math.max(worst, Math.abs(d));
        converged &&= Math.abs(d) < tolerance && (Math.abs(common - this.voltage[c]) < F64.groupVoltage || Math.abs(d) < F64.groupCurrentResolution * Math.max(1, Math.abs(this.current[c])));
      }
      if (converged) break;
      // Damped step with backtracking: accept the first step length that shrinks the voltage mismatch. The slopes of
      // the step's first evaluation serve the next update (a chord step: the slope changes by ~1e-5 relative over an
      // update); they are taken afresh after a halving or from the third iteration on. That first update is evaluated
      // by CellKernel.correct where the tolerance table allows (the particle update is affine in the current: only the
      // thermal part is linearised).
      let alpha = Math.min(1, cap / worst);
      let windowed = false;
      for (let attempt = 0; ; attempt++) {
        for (let j = 0; j < np; j++) trialI[j] = this.current[c0 + j] + alpha * deltas[j];
        const fresh = attempt > 0 || iter >= 1;
        if (!fresh) trialS.set(this.slope.subarray(c0, c0 + np));
        const newSpread =
          !fresh && this.linearisable(c0, np, dt, alpha)
            ? this.correctGroup(c0, np, this.current.subarray(c0, c0 + np), trialI, dt, trialV)
            : this.evaluateGroup(c0, np, dt, trialI, trialV, trialS, fresh);
        if (newSpread < spread || attempt >= F64.maxBacktrack) {
          this.current.set(trialI, c0);
          this.voltage.set(trialV, c0);
          this.slope.set(trialS, c0);
          this.iterateStoichMargin.set(this.stepStoichMargin.subarray(c0, c0 + np), c0);
          spread = newSpread;
          break;
        }
        // A step that took a cell past the end of its stoichiometry range: once per update, go straight to the middle
        // of the step lengths that keep every cell in range (the margins are affine in the step length), a window
        // that halving can miss near a cell's cliff. Else halve.
        const inRange: number = newSpread === Infinity && !windowed ? this.rangeWindow(c0, np, alpha) : 0;
        windowed ||= inRange > 0;
        alpha = inRange > 0 ? inRange : 0.5 * alpha;
      }
    }
    // The trial states are those of the last evaluation: the accepted currents. The group's common voltage is the
    // linearised Kirchhoff solve there, each cell weighted by its conductance -1/slope: the cells' voltage at the
    // solution (and, in f32, insensitive to a cell on the steep end of its OCP).
    this.groupVoltage[g] = this.kirchhoffVoltage(c0, np, I);
    return this.groupVoltage[g];
  }

  /**
   * The common voltage V of the linearised Kirchhoff solve of a group carrying I: each cell at V carries
   * I_j + (V - V_j) / slope_j, and the currents sum to I.
   */
  private kirchhoffVoltage(c0: number, np: number, I: number): number {
    let sumI = 0;
    let sumInv = 0;
    let sumVoverS = 0;
    for (let j = 0; j < np; j++) {
      const c = c0 + j;
      const s = usableSlope(this.slope[c]);
      sumI += this.current[c];
      sumInv += 1 / s;
      sumVoverS += this.voltage[c] / s;
    }
    return (I - sumI + sumVoverS) / sumInv;
  }

  /**
   * The middle of the step lengths in (0, alpha) that keep every cell of the group inside its stoichiometry range, 0
   * if there are none: each cell's margin is affine in its own current (the end state is a + b I), so in the step
   * length, through its value at the iterate (this.iterateStoichMargin) and at the trial of length alpha (this.stepStoichMargin).
   */
  private rangeWindow(c0: number, np: number, alpha: number): number {
    let lo = 0;
    let hi = alpha;
    for (let j = 0; j < np; j++) {
      const m0 = this.iterateStoichMargin[c0 + j];
      const rate = (this.stepStoichMargin[c0 + j] - m0) / alpha;
      const bound = (F64.stoichiometryMargin - m0) / rate;
      if (rate > 0) lo = Math.max(lo, bound);
      else if (rate < 0) hi = Math.min(hi, bound);
      else if (!(m0 > F64.stoichiometryMargin)) return 0;
    }
    return lo < hi ? 0.5 * (lo + hi) : 0;
  }

  /**
   * Trial-step every cell of a group at the given currents (with `slope`: and their exact slopes, else the slopes are
   * left as they are); returns the spread (max - min) of end voltages.
   */
  private evaluateGroup(c0: number, np: number, dt: number, currents: ArrayLike<number>, voltages: Float64Array, slopes: Float64Array, slope: boolean): number {
    let lo = Infinity;
    let hi = -Infinity;
    let inRange = true;
    for (let j = 0; j < np; j++) {
      const v = this.trialCell(c0 + j, currents[j], dt, slope);
      voltages[j] = v;
      if (slope) slopes[j] = this.result.slope;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      inRange &&= this.stepStoichMargin[c0 + j] > F64.stoichiometryMargin;
    }
    // A cell past the end of its stoichiometry range counts as an infinite spread: the backtracking never steps there.
    return inRange && Number.isFinite(hi - lo) ? hi - lo : Infinity;
  }

  /** correctCell for every cell of a group from `from` to `to` (voltages into `voltages`); returns the spread. */
  private correctGroup(c0: number, np: number, from: ArrayLike<number>, to: ArrayLike<number>, dt: number, voltages: Float64Array): number {
    let lo = Infinity;
    let hi = -Infinity;
    let inRange = true;
    for (let j = 0; j < np; j++) {
      const v = this.correctCell(c0 + j, to[j], to[j] - from[j], dt);
      voltages[j] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      inRange &&= this.stepStoichMargin[c0 + j] > F64.stoichiometryMargin;
    }
    // As in evaluateGroup: a cell past the end of its stoichiometry range counts as an infinite spread.
    return inRange && Number.isFinite(hi - lo) ? hi - lo : Infinity;
  }

  /** All groups at string current I over dt from the start states; returns the pack voltage. */
  private solveAll(I: number, dt: number): number {
    this.computeConduction();
    if (dt > 0) this.prepareAll(dt);
    let v = 0;
    let slope = 0;
    const np = this.layout.parallel;
    for (let g = 0; g < this.layout.series; g++) {
      v += dt > 0 ? this.solveGroup(g, I, dt) : this.openCircuitGroup(g);
      let inv = 0;
      for (let j = 0; j < np; j++) inv += 1 / usableSlope(this.slope[g * np + j]);
      slope += 1 / inv;
    }
    this.packSlope = slope - this.interconnectTotal;
    this.firstSolve = false;
    return v - I * this.interconnectTotal;
  }

  private openCircuitGroup(g: number): number {
    const np = this.layout.parallel;
    let sum = 0;
    for (let j = 0; j < np; j++) {
      const c = g * np + j;
      const s = this.start.subarray(c * this.L, (c + 1) * this.L);
      const e = this.kernel.evaluate(s, this.cells[c], 0, this.cellTemperature(c, this.start), this.ev);
      this.voltage[c] = e.voltage;
      sum += e.voltage;
      // A step of length 0 ends where it starts: the start state's electrolyte margin.
      const lim = this.kernel.limits(s, this.cells[c]);
      this.stepMargin[c] = lim.depletionMargin;
      this.stepMinimum[c] = lim.electrolyteMinimum;
    }
    this.groupVoltage[g] = sum / np;
    return this.groupVoltage[g];
  }

  /** Solve the drive of a segment over dt: returns the string current, or NaN if the power cannot be delivered. */
  private drive(seg: Segment, dt: number): number {
    this.wantSlope = seg.mode === SEGMENT_MODE.power;
    if (seg.mode === SEGMENT_MODE.current) {
      this.solveAll(seg.value, dt);
      return seg.value;
    }
    if (seg.mode === SEGMENT_MODE.power) {
      const P = seg.value;
      let I = this.stringCurrent !== 0 && Math.sign(this.stringCurrent) === Math.sign(P) ? this.stringCurrent : P / (this.out.finalPackVoltageV || 1);
      for (let iter = 0; iter < F64.maxNewton; iter++) {
        const v = this.solveAll(I, dt);
        const f = I * v - P;
        const df = v + I * this.packSlope;
        if (Math.abs(f) < F64.power * Math.abs(P)) return I;
        if (P > 0 && df <= 0) return NaN; // past the maximum-power point: the demand cannot be met
        const next = I - f / df;
        I = Math.sign(next) === Math.sign(P) || next === 0 ? next : I / 2;
      }
      return I;
    }
    // Constant voltage on the highest cell (charge): the string current that lands max group voltage on the CV value.
    const target = seg.value;
    const f = (I: number) => {
      this.solveAll(I, dt);
      let vmax = -Infinity;
      for (let g = 0; g < this.layout.series; g++) vmax = Math.max(vmax, this.groupVoltage[g]);
      return vmax - target;
    };
    let I = illinois(f, -seg.maxCurrent, 0, F64.constantVoltage, F64.maxIllinois);
    if (!Number.isFinite(I)) I = f(0) >= 0 ? 0 : -seg.maxCurrent;
    this.solveAll(I, dt);
    return I;
  }

  /**
   * How far the pack is past a limit (> 0 means crossed): the segment's voltage limit for the current direction, or
   * the electrolyte's depletion in any cell (its margin below 0; the SPM's never is). The larger of the two; with it,
   * whether depletion is the one, and the group or cell concerned.
   */
  private limitExcess(seg: Segment, I: number): { excess: number; group: number; depleted: boolean; cell: number } {
    const v = this.voltageExcess(seg, I);
    let cell = -1;
    let margin = Infinity;
    for (let c = 0; c < this.n; c++) if (this.stepMargin[c] < margin) [margin, cell] = [this.stepMargin[c], c];
    return -margin > v.excess ? { excess: -margin, group: -1, depleted: true, cell } : { ...v, depleted: false, cell: -1 };
  }

  /** How far the pack is past the segment's voltage limit (> 0 means crossed), for the current direction. */
  private voltageExcess(seg: Segment, I: number): { excess: number; group: number } {
    let worstGroup = -1;
    if (I > 0) {
      if (this.settings.stopAt === 'pack') return { excess: this.series() * seg.lowerCutoff - this.packVoltage(I), group: -1 };
      let vmin = Infinity;
      for (let g = 0; g < this.layout.series; g++) if (this.groupVoltage[g] < vmin) [vmin, worstGroup] = [this.groupVoltage[g], g];
      return { excess: seg.lowerCutoff - vmin, group: worstGroup };
    }
    if (I < 0 && seg.mode !== SEGMENT_MODE.constantVoltage) {
      if (this.settings.stopAt === 'pack') return { excess: this.packVoltage(I) - this.series() * seg.upperCutoff, group: -1 };
      let vmax = -Infinity;
      for (let g = 0; g < this.layout.series; g++) if (this.groupVoltage[g] > vmax) [vmax, worstGroup] = [this.groupVoltage[g], g];
      return { excess: vmax - seg.upperCutoff, group: worstGroup };
    }
    return { excess: -Infinity, group: -1 };
  }

  private series(): number {
    return this.layout.series;
  }

  private packVoltage(I: number): number {
    let v = 0;
    for (let g = 0; g < this.layout.series; g++) v += this.groupVoltage[g];
    return v - I * this.interconnectTotal;
  }

  /** Accept the trial states as the new state after a step of length dt at string current I. */
  private commit(I: number, dt: number): void {
    const np = this.layout.parallel;
    // Energy at the terminals by the trapezoid rule over the step.
    let vStart = 0;
    for (let g = 0; g < this.layout.series; g++) {
      let s = 0;
      for (let j = 0; j < np; j++) s += this.stepVoltageStart[g * np + j];
      vStart += s / np;
    }
    vStart -= I * this.interconnectTotal;
    const vEnd = this.packVoltage(I);
    this.out.energyWh += (0.5 * I * (vStart + vEnd) * dt) / 3600;
    this.out.capacityAh += (I * dt) / 3600;
    this.out.interconnectLossJ += I * I * this.interconnectTotal * dt;
    const T = HEAT_TERMS.length;
    for (let c = 0; c < this.n; c++) {
      const ic = this.current[c];
      this.out.weldLossJ += ic * ic * this.cells[c].contactResistance * dt;
      this.out.heatCollectorJ += ic * ic * this.cells[c].collectorResistance * dt;
      this.out.heatIrreversibleJ += this.stepTerms[c * T];
      this.out.heatReversibleJ += this.stepTerms[c * T + 1];
      this.out.heatOhmicElectrolyteJ += this.stepTerms[c * T + 2];
      this.out.heatOhmicSolidJ += this.stepTerms[c * T + 3];
      this.out.minElectrolyteFraction = Math.min(this.out.minElectrolyteFraction, this.stepMinimum[c]);
      this.out.heatJ += this.stepHeat[c];
      this.diag.coolingJ += this.stepCooling[c];
      this.diag.chemicalEnergyJ += 0.5 * ic * (this.stepOcvStart[c] + this.stepOcvEnd[c]) * dt;
    }
    this.states.set(this.trial);
    const [c1, c2, c3] = this.committed;
    c3.set(c2);
    c2.set(c1);
    c1.set(this.current);
    if (this.segmentIndex === this.historySegment && sameLength(dt, this.historyDt)) this.history++;
    else {
      this.history = 1;
      this.historySegment = this.segmentIndex;
      this.historyDt = dt;
    }
    this.time += dt;
    this.stringCurrent = I;
    this.cellSteps += this.n;
    this.observe(I);
    this.record();
  }

  private observe(I: number): void {
    const np = this.layout.parallel;
    let tMin = Infinity;
    let tMax = -Infinity;
    for (let c = 0; c < this.n; c++) {
      const T = this.cellTemperature(c);
      tMin = Math.min(tMin, T);
      tMax = Math.max(tMax, T);
    }
    this.out.maxTemperatureK = Math.max(this.out.maxTemperatureK, tMax);
    this.out.maxTemperatureSpreadK = Math.max(this.out.maxTemperatureSpreadK, tMax - tMin);
    for (let g = 0; g < this.layout.series; g++) {
      this.out.minCellVoltageV = Math.min(this.out.minCellVoltageV, this.groupVoltage[g]);
      this.out.maxCellVoltageV = Math.max(this.out.maxCellVoltageV, this.groupVoltage[g]);
    }
    if (Math.abs(I) > 1e-9) {
      const mean = Math.abs(I) / np;
      for (let c = 0; c < this.n; c++) this.out.maxCurrentImbalance = Math.max(this.out.maxCurrentImbalance, Math.abs(this.current[c]) / mean);
    }
    this.out.finalPackVoltageV = this.packVoltage(I);
  }

  private cellSoc(c: number): number {
    return this.kernel.soc(this.states.subarray(c * this.L, (c + 1) * this.L), this.cells[c]);
  }

  private record(): void {
    if (!this.trace) return;
    this.trace.time.push(this.time);
    this.trace.current.push(this.stringCurrent);
    this.trace.packVoltage.push(this.out.finalPackVoltageV);
    const T = new Float64Array(this.n);
    const soc = new Float64Array(this.n);
    for (let c = 0; c < this.n; c++) {
      T[c] = this.cellTemperature(c);
      soc[c] = this.cellSoc(c);
    }
    this.trace.cellTemperature.push(T);
    this.trace.cellCurrent.push(Float64Array.from(this.current));
    this.trace.cellSoc.push(soc);
  }

  /** Run a segment; returns the stop reason if a limit or an invalid state ended it, else null. */
  private runSegment(seg: Segment): number | null {
    const dt = this.settings.timeStep;
    const steps = Math.ceil(seg.duration / dt - 1e-9);
    const t0 = this.time;
    for (let k = 1; k <= steps; k++) {
      const h = (k === steps ? t0 + seg.duration : t0 + k * dt) - this.time;
      this.beginStep();
      const I = this.drive(seg, h);
      if (Number.isNaN(I)) return STOP_REASON.powerLimit;
      if (seg.mode === SEGMENT_MODE.constantVoltage && -I <= seg.currentCutoff) {
        // The charge current falls through its cut-off inside this step: end at the interpolated crossing.
        const previous = -this.stringCurrent;
        const frac = previous > seg.currentCutoff ? (previous - seg.currentCutoff) / (previous + I) : 1;
        const tau = Math.max(0, Math.min(1, frac)) * h;
        if (tau > 0) this.commit(this.drive(seg, tau), tau);
        return STOP_REASON.completed;
      }
      const invalid = this.invalidState(I);
      const excess = invalid === VALID ? this.limitExcess(seg, I).excess : NaN;
      if (excess < 0) {
        this.commit(I, h);
        continue;
      }
      return this.stopWithinStep(seg, h, excess, invalid);
    }
    return null;
  }

  /**
   * The step of length h ends the segment: at its end the limit is crossed (`excess` >= 0) or the state is invalid
   * (`invalid`, a stop reason, else VALID). Finds what happened first within the step, commits up to there and
   * returns the stop reason:
   * - already at the step's first instant (the drive over TOL crossing x max(1 s, h)): the step ends at once with
   *   0 Ah and its reason, the limit before an invalid state (SOC 0 then a discharge, charging a full pack);
   * - else one bracket on the sub-step length, from the first instant (valid, within the limit) to the step's end:
   *   Illinois on the limit excess while the far end is past the limit, bisection while it is an invalid state. A
   *   limit is located where the excess vanishes and the step is committed there; an invalid state at the last valid
   *   sub-step, where the run stops.
   */
  private stopWithinStep(seg: Segment, h: number, excess: number, invalid: number): number {
    this.validCurrents.set(invalid === VALID ? this.current : this.committed[0]);
    const first = F64.crossing * Math.max(1, h);
    const I0 = this.probe(seg, first);
    const invalid0 = this.invalidDrive(I0);
    const start = Number.isNaN(I0) ? { excess: NaN, group: -1, depleted: false, cell: -1 } : this.limitExcess(seg, I0);
    if (start.excess >= 0) return this.limitReached(seg, I0, start);
    if (invalid0 !== VALID) return this.stopInvalid(invalid0);
    let [lo, flo, hi, fhi, hiReason, hiCell, side, x] = [first, start.excess, h, excess, invalid, this.invalidCell, 0, h];
    for (let it = 0; it < F64.maxIllinois; it++) {
      x = hiReason === VALID ? (lo * fhi - hi * flo) / (fhi - flo) : 0.5 * (lo + hi);
      const I = this.probe(seg, x);
      const reason = this.invalidDrive(I);
      const fx = reason === VALID ? this.limitExcess(seg, I).excess : NaN;
      if (reason !== VALID) [hi, hiReason, hiCell, side] = [x, reason, this.invalidCell, 0];
      else if (fx >= 0) {
        if (hiReason !== VALID) side = 0;
        else if (side === -1) flo /= 2;
        [hi, fhi, hiReason, side] = [x, fx, VALID, -1];
      } else {
        if (side === 1) fhi /= 2;
        [lo, flo, side] = [x, fx, 1];
      }
      if (fx === 0 || hi - lo < F64.crossing * Math.max(1, x)) break;
    }
    if (hiReason !== VALID) {
      // The last valid sub-step; the run stops there.
      const I = this.probe(seg, lo);
      if (this.invalidDrive(I) === VALID) this.commit(I, lo);
      this.invalidCell = hiCell;
      return this.stopInvalid(hiReason);
    }
    const Ic = this.probe(seg, x);
    const invalidC = this.invalidDrive(Ic);
    if (invalidC !== VALID) return this.stopInvalid(invalidC);
    const cross = this.limitExcess(seg, Ic);
    this.commit(Ic, x);
    return this.limitReached(seg, Ic, cross);
  }

  /**
   * The drive over a sub-step of the step being located. Its current sharing starts from the last valid solve's cell
   * currents (this.validCurrents), never from a solve that left the valid states: near a cell's cliff (its surface
   * close to full or empty) the group Newton cannot come back from such a start.
   */
  private probe(seg: Segment, tau: number): number {
    this.current.set(this.validCurrents);
    const I = this.drive(seg, tau);
    if (this.invalidDrive(I) === VALID) this.validCurrents.set(this.current);
    return I;
  }

  /**
   * A limit was reached at string current I (limitExcess's `cross`): a cell's electrolyte depleted (the SPMe; it ends
   * the run), or the segment's voltage limit (group: the limiting group, -1 for the pack).
   */
  private limitReached(seg: Segment, I: number, cross: { group: number; depleted: boolean; cell: number }): number {
    if (cross.depleted) {
      this.markDepleted(cross.cell);
      return STOP_REASON.electrolyteDepleted;
    }
    // A CC phase ending at its CV voltage hands over to the CV segment: no cut-off event.
    if (seg.continueOnLimit) return STOP_REASON.completed;
    this.markCutoff(I, cross.group);
    return this.settings.stopAt === 'pack' ? STOP_REASON.packLimit : STOP_REASON.cellLimit;
  }

  /**
   * Valid states only: VALID when the trial states of the last solve at string current I are a state the model
   * describes, else the stop reason (and this.invalidCell). A cell whose particle surface reached the end of its
   * stoichiometry range, or whose voltage collapsed to 0 V (on the OCP's cliff at that end), is exhausted; a cell
   * voltage that is not finite or above TOL maxCellVoltage, or a pack voltage <= 0 (negative energy), is out of range.
   * The particle average lies between the surface and the centre, so the surface leaves the range first.
   */
  private invalidState(I: number): number {
    for (let c = 0; c < this.n; c++) {
      if (!(this.stepStoichMargin[c] > F64.stoichiometryMargin) || this.voltage[c] <= 0) {
        this.invalidCell = c;
        return STOP_REASON.cellExhausted;
      }
    }
    for (let c = 0; c < this.n; c++) {
      if (!(this.voltage[c] <= F64.maxCellVoltage)) {
        this.invalidCell = c;
        return STOP_REASON.voltageOutOfRange;
      }
    }
    if (!(this.packVoltage(I) > 0)) {
      this.invalidCell = -1;
      return STOP_REASON.voltageOutOfRange;
    }
    return VALID;
  }

  /** invalidState after a drive: a power the pack cannot deliver (NaN) is its own stop. */
  private invalidDrive(I: number): number {
    return Number.isNaN(I) ? STOP_REASON.powerLimit : this.invalidState(I);
  }

  /** The run stops on an invalid state (or power not deliverable): the cell responsible is the first event's. */
  private stopInvalid(reason: number): number {
    if (reason !== STOP_REASON.powerLimit && this.out.cutoffCell < 0 && this.invalidCell >= 0) {
      this.out.timeToFirstCutoffS = this.time;
      this.out.cutoffCell = this.invalidCell;
    }
    return reason;
  }

  /** The electrolyte of cell `cell` depleted: the first limit event, if no voltage limit came before. */
  private markDepleted(cell: number): void {
    if (this.out.cutoffCell >= 0) return;
    this.out.timeToFirstCutoffS = this.time;
    this.out.cutoffCell = cell;
  }

  private markCutoff(I: number, group: number): void {
    if (this.out.cutoffCell >= 0) return;
    this.out.timeToFirstCutoffS = this.time;
    const np = this.layout.parallel;
    if (group < 0) {
      // Pack limit: report the group with the most extreme voltage.
      let best = 0;
      for (let g = 1; g < this.layout.series; g++) {
        if (I > 0 ? this.groupVoltage[g] < this.groupVoltage[best] : this.groupVoltage[g] > this.groupVoltage[best]) best = g;
      }
      group = best;
    }
    // Within the group the terminal voltages are equal (the group voltage); the cell whose own voltage (before its
    // weld) is most extreme is the limiting cell.
    let cell = group * np;
    let extreme = I > 0 ? Infinity : -Infinity;
    for (let j = 0; j < np; j++) {
      const c = group * np + j;
      const own = this.groupVoltage[group] + this.current[c] * this.cells[c].contactResistance;
      if (I > 0 ? own < extreme : own > extreme) [extreme, cell] = [own, c];
    }
    this.out.cutoffCell = cell;
  }

  run(): PackSimulationResult {
    const segments = this.input.segments;
    let stopReason: number = STOP_REASON.completed;
    for (let s = 0; s < segments.length; s++) {
      this.segmentIndex = s;
      const reason = this.runSegment(segments[s]);
      if (reason !== null && ENDS_RUN.has(reason)) {
        stopReason = reason;
        if (this.out.cutoffCell < 0) this.out.timeToFirstCutoffS = this.time;
        break;
      }
      if (reason !== null) {
        if (reason !== STOP_REASON.completed) stopReason = reason;
        // A limit ends the whole protocol step: skip its remaining segments.
        while (s + 1 < segments.length && segments[s + 1].step === segments[s].step && reason !== STOP_REASON.completed) s++;
      }
    }
    this.out.durationS = this.time;
    if (this.out.cutoffCell < 0) this.out.timeToFirstCutoffS = this.time;
    this.out.stopReason = stopReason;
    let socMin = Infinity;
    let socMax = -Infinity;
    let stored = 0;
    for (let c = 0; c < this.n; c++) {
      const soc = this.cellSoc(c);
      this.diag.finalCellSoc[c] = soc;
      this.diag.finalCellTemperature[c] = this.cellTemperature(c);
      socMin = Math.min(socMin, soc);
      socMax = Math.max(socMax, soc);
      stored += this.cells[c].heatCapacity * (this.cellTemperature(c) - this.cells[c].initialTemperature);
    }
    this.diag.storedHeatJ = stored;
    this.out.finalSocSpread = socMax - socMin;
    return {
      outputs: { ...this.out },
      cellSteps: this.cellSteps,
      cellEvaluations: this.cellEvaluations,
      cellCorrections: this.cellCorrections,
      diagnostics: this.diag,
      trace: this.trace,
      states: Float64Array.from(this.states),
    };
  }
}

export function simulatePack(input: PackSimulationInput): PackSimulationResult {
  return new PackSimulator(input).run();
}

/** invalidState's answer for a valid state. */
const VALID = -1;

/** Stop reasons that end the whole run (a voltage limit ends only its protocol step). */
const ENDS_RUN = new Set<number>([STOP_REASON.powerLimit, STOP_REASON.electrolyteDepleted, STOP_REASON.cellExhausted, STOP_REASON.voltageOutOfRange]);

/** A cell's slope as the linearised solves use it: the fallback where it is not a finite negative number. */
function usableSlope(s: number): number {
  return s < 0 && Number.isFinite(s) ? s : F64.fallbackSlope;
}

/** Step lengths equal but for the rounding of the time grid. */
function sameLength(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(a, b);
}
