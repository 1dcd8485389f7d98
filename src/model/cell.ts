/**
 * The f64 reference step template around the generated kernels (src/model/kernel.generated.ts, from
 * src/model/physics.ts): one time step of a cell at constant current, and its exact derivative dV/dI.
 *
 * A step is `prepare` (the exact particle update split as a + b I, done once per start state and step length), then
 * `finish` at a current I: the end state a + b I, and the temperature by Heun (the exact cooling exponential with the
 * heat averaged over the start and a predicted end). With `slope`, `finish` also carries the derivative of every
 * quantity in I through the same steps (the state's is b; the temperature's through both thermal updates), so the end
 * voltage's derivative is exact: what the pack's group Newton uses.
 *
 * With SEI growth (`sei` not 'none', an ageing step) the SEI state, which is not affine in the current, is integrated
 * alongside the Heun update: its drive at the start of the step, the growth predicted with it (integrate), the drive at
 * the predicted end (evaluatePredictor, with the predicted temperature), and the growth corrected with both. Its
 * derivative in the current travels the same way (integrateTangent writes it into b), so the slope stays exact.
 * The same template is written in assembly/step.ts, shaders/step.wgsl and bench/native/step.h.
 */
import type { ParameterSet } from '../params/types.ts';
import * as K from './kernel.generated.ts';
import { cellStateLength, type CellKernelParameters } from './layout.ts';
import { SPM_DEFINITION, type SeiLaw } from './physics.ts';

export type ThermalMode = 'lumped' | 'isothermal';

export interface KernelOptions {
  /** Particle eigenmodes kept per electrode (the modes beyond are held at their quasi-steady value). */
  modes?: number;
  thermal?: ThermalMode;
  /** SEI growth law (default 'none': the cell does not age). */
  sei?: SeiLaw;
  /** The SEI film's Joule heat in the cell heat (default true; false reproduces PyBaMM's SPM). */
  filmHeat?: boolean;
}

export const DEFAULT_MODES = 10;

/** What one evaluation of a cell at a given state, current and temperature yields. */
export interface CellEvaluation {
  voltage: number;
  /** Total heat source Q_rxn + Q_rev + Q_ohm [W]. */
  heat: number;
  surfaceStoichNeg: number;
  surfaceStoichPos: number;
  /** Open-circuit voltage at the particle surfaces U_p(y_s) - U_n(x_s) [V]. */
  surfaceOcv: number;
  /** The SEI growth law's driver (src/model/physics.ts seiDrive; 0 without SEI growth). */
  seiDrive: number;
  /** Distance of the particle surfaces from the ends of the stoichiometry range (min of s and 1 - s). */
  stoichiometryMargin: number;
}

export function newEvaluation(): CellEvaluation {
  return { voltage: 0, heat: 0, surfaceStoichNeg: 0, surfaceStoichPos: 0, surfaceOcv: 0, seiDrive: 0, stoichiometryMargin: 0 };
}

export interface StepEnergy {
  /** Heat generated in the cell over the step [J] (external heat excluded). */
  heat: number;
  /** Heat removed by cooling over the step [J]. */
  cooling: number;
  /** Terminal voltage at the start of the step with the step's current [V]. */
  voltageStart: number;
  /** Surface open-circuit voltage at the start of the step with the step's current [V]. */
  surfaceOcvStart: number;
}

/** Everything a finished step yields. */
export interface StepResult extends StepEnergy {
  /** End-of-step terminal voltage [V]. */
  voltage: number;
  /** dV/dI of the end voltage over the step [V/A] (NaN when not asked for). */
  slope: number;
  surfaceOcvEnd: number;
  surfaceStoichNeg: number;
  surfaceStoichPos: number;
  /** End-of-step distance of the particle surfaces from the ends of the stoichiometry range (min of s, 1 - s). */
  stoichiometryMargin: number;
  /** End-of-step heat source [W]. */
  heatEnd: number;
  /** End-of-step temperature rise [K]. */
  rise: number;
  /**
   * With a slope, the derivatives in the current of the thermal part (for `correct`): the end rise [K/A], the heat
   * [J/A], the cooling [J/A] and the start voltage [V/A]. 0 when not asked for.
   */
  riseTangent: number;
  heatTangent: number;
  coolingTangent: number;
  voltageStartTangent: number;
}

export function newStepResult(): StepResult {
  return {
    heat: 0, cooling: 0, voltageStart: 0, surfaceOcvStart: 0, voltage: 0, slope: NaN, surfaceOcvEnd: 0, surfaceStoichNeg: 0, surfaceStoichPos: 0, stoichiometryMargin: 0,
    heatEnd: 0, rise: 0, riseTangent: 0, heatTangent: 0, coolingTangent: 0, voltageStartTangent: 0,
  };
}

/** The model options of the kernels' study constants (the SEI growth law and film heat). */
export interface ModelOptions {
  sei?: SeiLaw;
  filmHeat?: boolean;
}

/** The per-study constants of the generated kernels for a parameter set, mode count and model options. */
export function kernelConstants(set: ParameterSet, modes: number, model: ModelOptions = {}): K.KernelConstants {
  const def = SPM_DEFINITION;
  const ctx = { set, modes, sei: model.sei, filmHeat: model.filmHeat };
  const k: Record<string, unknown> = {};
  for (const l of def.lengths) k[l.name] = l.value(ctx);
  for (const c of def.constants) k[c.name] = c.value(ctx);
  for (const t of def.tables) k[t.name] = t.value(ctx);
  for (const s of def.series) k[s.name] = s.value(set);
  return k as unknown as K.KernelConstants;
}

const RISE = K.S_TEMPERATURE_RISE;

/** Index of the first negative-electrode mode in the state vector (the positive modes follow after `modes`). */
export const MODE_OFFSET = K.STATE_FIXED;

export class CellKernel {
  readonly modes: number;
  readonly thermal: ThermalMode;
  readonly referenceTemperature: number;
  readonly stateLength: number;
  readonly constants: K.KernelConstants;
  /** SEI growth is on (the integrate kernels run in every step). */
  readonly aging: boolean;
  readonly sei: SeiLaw;
  private readonly ev: K.EvaluateTangentOutputs & K.EvaluateStartTangentOutputs = {
    voltage: 0, heat: 0, surfaceOcv: 0, surfaceStoichNeg: 0, surfaceStoichPos: 0, seiDrive: 0, stoichiometryMargin: 0, voltageTangent: 0, heatTangent: 0, seiDriveTangent: 0,
  };
  private readonly th: K.ThermalOutputs = { rise: 0, cooling: 0, riseTangent: 0 };
  private readonly partA: Float64Array;
  private readonly partB: Float64Array;
  private readonly end: Float64Array;
  private readonly result = newStepResult();

  constructor(set: ParameterSet, options: KernelOptions = {}) {
    this.modes = options.modes ?? DEFAULT_MODES;
    this.thermal = options.thermal ?? 'lumped';
    this.sei = options.sei ?? 'none';
    this.aging = this.sei !== 'none';
    this.referenceTemperature = set.thermal.referenceTemperature;
    this.constants = kernelConstants(set, this.modes, { sei: this.sei, filmHeat: options.filmHeat });
    this.stateLength = cellStateLength(this.modes);
    this.partA = new Float64Array(this.stateLength);
    this.partB = new Float64Array(this.stateLength);
    this.end = new Float64Array(this.stateLength);
  }

  initialState(p: CellKernelParameters, out: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    K.init(out, p, this.constants);
    return out;
  }

  temperature(state: Float64Array): number {
    return this.referenceTemperature + state[RISE];
  }

  /** Terminal voltage, heat source and surface quantities at the given state, current and temperature [K]. */
  evaluate(state: Float64Array, p: CellKernelParameters, current: number, T: number, ev: CellEvaluation = newEvaluation()): CellEvaluation {
    if (this.aging) K.evaluateStart(state, p, this.constants, current, T - this.referenceTemperature, ev);
    else K.evaluate(state, p, this.constants, current, T - this.referenceTemperature, ev);
    return ev;
  }

  /** State of charge of a state (0 at the lower cut-off's negative stoichiometry, 1 at the upper's). */
  soc(state: Float64Array, p: CellKernelParameters): number {
    const out = { soc: 0 };
    K.soc(state, p, this.constants, out);
    return out.soc;
  }

  /** The current-independent work of a step from `start` over dt: the end state is a + b I. */
  prepare(start: Float64Array, p: CellKernelParameters, dt: number, a: Float64Array, b: Float64Array): void {
    K.prepare(start, a, b, p, this.constants, dt, start[RISE]);
  }

  /**
   * A step from `start` over dt at current I, from its prepared parts a and b, with `externalHeat` [W] held over it:
   * the end state goes to `end`, the results to `r`; with `slope`, r.slope = dV_end/dI (exact).
   */
  finish(
    start: Float64Array,
    a: Float64Array,
    b: Float64Array,
    p: CellKernelParameters,
    current: number,
    dt: number,
    externalHeat: number,
    end: Float64Array,
    r: StepResult,
    slope: boolean,
  ): StepResult {
    const k = this.constants;
    const ev = this.ev;
    const th = this.th;
    const rise0 = start[RISE];
    K.apply(a, b, end, p, k, current);
    // Start of the step (the state does not depend on the step's current: its tangent is 0); an ageing step needs the
    // SEI drive there too.
    if (this.aging) {
      if (slope) K.evaluateStartTangent(start, p, k, current, rise0, 0, ev);
      else K.evaluateStart(start, p, k, current, rise0, ev);
    } else if (slope) K.evaluateCurrentTangent(start, p, k, current, rise0, 0, ev);
    else K.evaluate(start, p, k, current, rise0, ev);
    r.voltageStart = ev.voltage;
    r.surfaceOcvStart = ev.surfaceOcv;
    r.voltageStartTangent = slope ? ev.voltageTangent : 0;
    const heatStart = ev.heat;
    const heatStartTangent = slope ? ev.heatTangent : 0;
    const drive0 = ev.seiDrive;
    const drive0Tangent = slope ? ev.seiDriveTangent : 0;
    let rise1 = rise0;
    let rise1Tangent = 0;
    if (this.thermal === 'isothermal') {
      if (this.aging) {
        // SEI: predicted with the start drive, corrected with the drive at the predicted end.
        this.integrate(start, end, b, p, drive0, drive0, dt, drive0Tangent, drive0Tangent, slope);
        this.predictor(end, b, p, current, rise0, 0, slope);
        this.integrate(start, end, b, p, drive0, ev.seiDrive, dt, drive0Tangent, slope ? ev.seiDriveTangent : 0, slope);
      }
      if (slope) K.evaluateTangent(end, b, p, k, current, rise0, 0, ev);
      else K.evaluate(end, p, k, current, rise0, ev);
      r.heat = 0.5 * (heatStart + ev.heat) * dt;
      r.cooling = r.heat;
      r.heatTangent = slope ? 0.5 * (heatStartTangent + ev.heatTangent) * dt : 0;
      r.coolingTangent = r.heatTangent;
    } else {
      // Heun: predict the end temperature with the start heat, evaluate the end heat there, then average.
      K.thermal(p, k, rise0, heatStart + externalHeat, dt, th);
      const risePredicted = th.rise;
      const risePredictedTangent = th.riseTangent * heatStartTangent;
      let driveEnd = 0;
      let driveEndTangent = 0;
      if (this.aging) {
        // The SEI is predicted with the start drive; its drive at the predicted end comes with the end heat.
        this.integrate(start, end, b, p, drive0, drive0, dt, drive0Tangent, drive0Tangent, slope);
        this.predictor(end, b, p, current, risePredicted, risePredictedTangent, slope);
        driveEnd = ev.seiDrive;
        driveEndTangent = slope ? ev.seiDriveTangent : 0;
      } else if (slope) K.evaluateHeatTangent(end, b, p, k, current, risePredicted, risePredictedTangent, ev);
      // The predictor needs the heat alone (no OCPs: the heat-only kernels).
      else K.evaluateHeat(end, p, k, current, risePredicted, ev);
      const heat = 0.5 * (heatStart + ev.heat);
      const heatTangent = slope ? 0.5 * (heatStartTangent + ev.heatTangent) : 0;
      K.thermal(p, k, rise0, heat + externalHeat, dt, th);
      rise1 = th.rise;
      rise1Tangent = th.riseTangent * heatTangent;
      r.heat = heat * dt;
      r.cooling = th.cooling;
      // cooling = (heat + external) dt - C (rise1 - rise0) (the thermal kernel's bookkeeping).
      r.heatTangent = heatTangent * dt;
      r.coolingTangent = r.heatTangent - p.heatCapacity * rise1Tangent;
      if (this.aging) this.integrate(start, end, b, p, drive0, driveEnd, dt, drive0Tangent, driveEndTangent, slope);
      if (slope) K.evaluateTangent(end, b, p, k, current, rise1, rise1Tangent, ev);
      else K.evaluate(end, p, k, current, rise1, ev);
    }
    end[RISE] = rise1;
    r.rise = rise1;
    r.riseTangent = rise1Tangent;
    r.voltage = ev.voltage;
    r.slope = slope ? ev.voltageTangent : NaN;
    r.surfaceOcvEnd = ev.surfaceOcv;
    r.surfaceStoichNeg = ev.surfaceStoichNeg;
    r.surfaceStoichPos = ev.surfaceStoichPos;
    r.stoichiometryMargin = ev.stoichiometryMargin;
    r.heatEnd = ev.heat;
    return r;
  }

  /** The SEI growth of the end state from the drives (with `slope`, its derivative in the current into b). */
  private integrate(start: Float64Array, end: Float64Array, b: Float64Array, p: CellKernelParameters, drive0: number, drive1: number, dt: number, t0: number, t1: number, slope: boolean): void {
    if (slope) K.integrateTangent(start, end, b, p, this.constants, drive0, drive1, dt, t0, t1);
    else K.integrate(start, end, p, this.constants, drive0, drive1, dt);
  }

  /** The heat and the SEI drive at the end state (into this.ev), with derivatives along b when `slope`. */
  private predictor(end: Float64Array, b: Float64Array, p: CellKernelParameters, current: number, rise: number, riseTangent: number, slope: boolean): void {
    if (slope) K.evaluatePredictorTangent(end, b, p, this.constants, current, rise, riseTangent, this.ev);
    else K.evaluatePredictor(end, p, this.constants, current, rise, this.ev);
  }

  /**
   * The same step at `current`, from the last `finish` with slope at current - delta (its results in r, its prepared
   * parts a and b): the particle states exactly (a + b I: the update is affine in the current), the thermal part (end
   * rise, heat, cooling, start voltage) to first order in delta, and the end voltage evaluated there. The
   * neglected second-order rise is at most about (dt / C_th) |dV/dI| delta^2 (the heat's curvature in the current is
   * about twice the cell's resistance); the pack's group Newton uses this for its first update when that bound is
   * below the tolerance table's linearisedRise. The start surface OCV (diagnostics only) stays at the first current. Updates r
   * (the slope is the first evaluation's) and writes the end state.
   */
  correct(a: Float64Array, b: Float64Array, p: CellKernelParameters, current: number, delta: number, end: Float64Array, r: StepResult): StepResult {
    if (this.aging) throw new Error('CellKernel.correct: the SEI growth of an ageing step is not affine in the current');
    const ev = this.ev;
    K.apply(a, b, end, p, this.constants, current);
    const rise = r.rise + r.riseTangent * delta;
    end[RISE] = rise;
    K.evaluate(end, p, this.constants, current, rise, ev);
    r.rise = rise;
    r.heat += r.heatTangent * delta;
    r.cooling += r.coolingTangent * delta;
    r.voltageStart += r.voltageStartTangent * delta;
    r.voltage = ev.voltage;
    r.surfaceOcvEnd = ev.surfaceOcv;
    r.surfaceStoichNeg = ev.surfaceStoichNeg;
    r.surfaceStoichPos = ev.surfaceStoichPos;
    r.stoichiometryMargin = ev.stoichiometryMargin;
    r.heatEnd = ev.heat;
    return r;
  }

  /**
   * One full time step of a cell at constant current, in place. `externalHeat` [W] is heat arriving from outside the
   * cell (conduction from neighbours), constant over the step. Writes the end evaluation into `ev` and returns the
   * heat [J] and cooling [J] over the step.
   */
  step(state: Float64Array, p: CellKernelParameters, current: number, dt: number, ev: CellEvaluation = newEvaluation(), externalHeat = 0): StepEnergy {
    this.prepare(state, p, dt, this.partA, this.partB);
    const r = this.finish(state, this.partA, this.partB, p, current, dt, externalHeat, this.end, this.result, false);
    state.set(this.end);
    ev.voltage = r.voltage;
    ev.heat = r.heatEnd;
    ev.surfaceOcv = r.surfaceOcvEnd;
    ev.surfaceStoichNeg = r.surfaceStoichNeg;
    ev.surfaceStoichPos = r.surfaceStoichPos;
    ev.stoichiometryMargin = r.stoichiometryMargin;
    return { heat: r.heat, cooling: r.cooling, voltageStart: r.voltageStart, surfaceOcvStart: r.surfaceOcvStart };
  }

  // ---- Building blocks of a step, for the hand-written SPMe prototype (src/model/spme.ts) until it is ported into the
  // definition (the SEI prototype was: SEI growth is in src/model/physics.ts).

  /** (2/3) (1/10 - sum 1/mu_m^2): the quasi-steady tail coefficient. */
  get tailCoefficient(): number {
    return this.constants.tailCoefficient;
  }

  /** The particles over dt at constant current, in place (D at the state's temperature): prepare, then apply. */
  advanceParticles(state: Float64Array, p: CellKernelParameters, current: number, dt: number): void {
    K.prepare(state, this.partA, this.partB, p, this.constants, dt, state[RISE]);
    K.apply(this.partA, this.partB, state, p, this.constants, current);
  }

  /** The exact lumped temperature update with the heat held over dt, in place; the heat [J] and cooling [J]. */
  advanceTemperature(state: Float64Array, p: CellKernelParameters, heat: number, dt: number): { heat: number; cooling: number } {
    K.thermal(p, this.constants, state[RISE], heat, dt, this.th);
    state[RISE] = this.th.rise;
    return { heat: heat * dt, cooling: this.th.cooling };
  }

  /** Copy of a state (for re-integration from the start of a step). */
  copyState(src: Float64Array, dst: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    dst.set(src);
    return dst;
  }
}
