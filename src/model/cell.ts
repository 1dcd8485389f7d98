/**
 * The f64 reference step template around the generated kernels (src/model/kernel.generated.ts for the SPM,
 * src/model/kernel-spme.generated.ts for the SPMe, both from src/model/physics.ts): one time step of a cell at constant
 * current, its exact derivative dV/dI, and the heat of each term.
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
import * as SPM from './kernel.generated.ts';
import * as SPME from './kernel-spme.generated.ts';
import { checkElectrolyteMesh } from './electrolyte.ts';
import { cellStateLength, type CellKernelParameters } from './layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, DEFINITIONS, type CellModel, type ElectrolyteMesh, type SeiLaw } from './physics.ts';

export type ThermalMode = 'lumped' | 'isothermal';

export interface KernelOptions {
  /** The cell model (default 'spm'). */
  model?: CellModel;
  /** Particle eigenmodes kept per electrode (the modes beyond are held at their quasi-steady value). */
  modes?: number;
  thermal?: ThermalMode;
  /** Finite volumes of the SPMe's electrolyte per region (default 12 / 2 / 12). */
  mesh?: ElectrolyteMesh;
  /** SEI growth law (default 'none': the cell does not age). */
  sei?: SeiLaw;
  /** The SEI film's Joule heat in the cell heat (default true; false reproduces PyBaMM's SPM). */
  filmHeat?: boolean;
}

/** Per-study constants of a model's generated kernels (vector lengths, scalars, tables, series): the SPM's, and the SPMe's. */
export type KernelConstants = SPM.KernelConstants & Partial<SPME.KernelConstants>;

type Out = Record<string, number>;
type S = Float64Array;
type P = CellKernelParameters;
type KC = KernelConstants;
/** What every model's generated TypeScript module provides (the same kernels and arguments, src/kernels/compile.ts). */
interface GeneratedKernels {
  S_TEMPERATURE_RISE: number;
  init(s: S, p: P, k: KC): void;
  evaluate(s: S, p: P, k: KC, current: number, rise: number, out: Out): void;
  evaluateTangent(s: S, ds: S, p: P, k: KC, current: number, rise: number, riseTangent: number, out: Out): void;
  evaluateCurrentTangent(s: S, p: P, k: KC, current: number, rise: number, riseTangent: number, out: Out): void;
  evaluateHeat(s: S, p: P, k: KC, current: number, rise: number, out: Out): void;
  evaluateHeatTangent(s: S, ds: S, p: P, k: KC, current: number, rise: number, riseTangent: number, out: Out): void;
  evaluateStart(s: S, p: P, k: KC, current: number, rise: number, out: Out): void;
  evaluateStartTangent(s: S, p: P, k: KC, current: number, rise: number, riseTangent: number, out: Out): void;
  evaluatePredictor(s: S, p: P, k: KC, current: number, rise: number, out: Out): void;
  evaluatePredictorTangent(s: S, ds: S, p: P, k: KC, current: number, rise: number, riseTangent: number, out: Out): void;
  prepare(s: S, a: S, b: S, p: P, k: KC, dt: number, rise: number): void;
  apply(a: S, b: S, s: S, p: P, k: KC, current: number): void;
  applyTangent(a: S, b: S, s: S, p: P, k: KC, current: number): void;
  integrate(s: S, e: S, p: P, k: KC, seiDriveStart: number, seiDriveEnd: number, dt: number): void;
  integrateTangent(s: S, e: S, ds: S, p: P, k: KC, seiDriveStart: number, seiDriveEnd: number, dt: number, seiDriveStartTangent: number, seiDriveEndTangent: number): void;
  thermal(p: P, k: KC, rise: number, heat: number, dt: number, out: Out): void;
  soc(s: S, p: P, k: KC, out: Out): void;
  limits(s: S, p: P, k: KC, out: Out): void;
}

const GENERATED: Record<CellModel, GeneratedKernels> = { spm: SPM as unknown as GeneratedKernels, spme: SPME as unknown as GeneratedKernels };

/**
 * The heat terms a step integrates besides the contact and collector terms (I^2 R, known from the current alone): the
 * reaction, reversible, electrolyte and solid-phase Ohmic heat (the latter with the SEI film's Joule heat).
 */
export const HEAT_TERMS = ['irreversible', 'reversible', 'ohmicElectrolyte', 'ohmicSolid'] as const;
export type HeatTerm = (typeof HEAT_TERMS)[number];
export type HeatBreakdown = Record<HeatTerm, number>;
/** The evaluate output of each term. */
const HEAT_OUTPUT: Record<HeatTerm, string> = { irreversible: 'heatIrreversible', reversible: 'heatReversible', ohmicElectrolyte: 'heatOhmicElectrolyte', ohmicSolid: 'heatOhmicSolid' };

export function zeroHeat(): HeatBreakdown {
  return { irreversible: 0, reversible: 0, ohmicElectrolyte: 0, ohmicSolid: 0 };
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
  /** Its terms [J] (Heun averages, as the temperature sees them); the rest is contact and collectors, I^2 R dt. */
  heatTerms: HeatBreakdown;
  /** Heat removed by cooling over the step [J]. */
  cooling: number;
  /** Terminal voltage at the start of the step with the step's current [V]. */
  voltageStart: number;
  /** Surface open-circuit voltage at the start of the step with the step's current [V]. */
  surfaceOcvStart: number;
  /** Lowest c_e / c_e0 over the electrolyte at the end of the step (1 for the SPM). */
  electrolyteMinimum: number;
  /** Its margin to depletion (10 mol/m3): the step crossed into depletion where it is <= 0. */
  depletionMargin: number;
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
    heat: 0, heatTerms: zeroHeat(), cooling: 0, voltageStart: 0, surfaceOcvStart: 0, voltage: 0, slope: NaN, surfaceOcvEnd: 0, surfaceStoichNeg: 0,
    surfaceStoichPos: 0, stoichiometryMargin: 0, heatEnd: 0, electrolyteMinimum: 1, depletionMargin: 1,
    rise: 0, riseTangent: 0, heatTangent: 0, coolingTangent: 0, voltageStartTangent: 0,
  };
}

/** The model options of the kernels' study constants (the SEI growth law and film heat). */
export interface ModelOptions {
  sei?: SeiLaw;
  filmHeat?: boolean;
}

/** The per-study constants of a model's generated kernels for a parameter set, mode count, electrolyte mesh and options. */
export function kernelConstants(
  set: ParameterSet,
  modes: number,
  model: CellModel = 'spm',
  mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH,
  options: ModelOptions = {},
): KernelConstants {
  const def = DEFINITIONS[model];
  const ctx = { set, modes, mesh, sei: options.sei, filmHeat: options.filmHeat };
  const k: Record<string, unknown> = {};
  for (const l of def.lengths) k[l.name] = l.value(ctx);
  for (const c of def.constants) k[c.name] = c.value(ctx);
  for (const t of def.tables) k[t.name] = t.value(ctx);
  for (const s of def.series) k[s.name] = s.value(set);
  // A copy in fast-property mode: keyed stores of this many properties leave `k` a dictionary in V8, whose every
  // property read in the kernels' loops is a hash lookup (the SPMe's prepare ran 15x slower).
  return { ...k } as unknown as KernelConstants;
}

const RISE = SPM.S_TEMPERATURE_RISE;


export class CellKernel {
  readonly model: CellModel;
  readonly modes: number;
  readonly mesh: Readonly<ElectrolyteMesh>;
  readonly thermal: ThermalMode;
  readonly referenceTemperature: number;
  readonly stateLength: number;
  readonly constants: KernelConstants;
  /** SEI growth is on (the integrate kernels run in every step). */
  readonly aging: boolean;
  readonly sei: SeiLaw;
  private readonly K: GeneratedKernels;
  private readonly ev: Out = {};
  private readonly heatOut: Out = {};
  private readonly th: Out = {};
  private readonly lim: Out = {};
  private readonly startTerms = zeroHeat();
  private readonly partA: Float64Array;
  private readonly partB: Float64Array;
  private readonly end: Float64Array;
  private readonly result = newStepResult();

  constructor(set: ParameterSet, options: KernelOptions = {}) {
    this.model = options.model ?? 'spm';
    this.modes = options.modes ?? DEFAULT_MODES;
    this.mesh = { ...(options.mesh ?? DEFAULT_ELECTROLYTE_MESH) };
    if (this.model === 'spme') checkElectrolyteMesh(this.mesh);
    this.thermal = options.thermal ?? 'lumped';
    this.sei = options.sei ?? 'none';
    this.aging = this.sei !== 'none';
    this.referenceTemperature = set.thermal.referenceTemperature;
    this.K = GENERATED[this.model];
    this.constants = kernelConstants(set, this.modes, this.model, this.mesh, { sei: this.sei, filmHeat: options.filmHeat });
    this.stateLength = cellStateLength(this.modes, this.model, this.mesh);
    this.partA = new Float64Array(this.stateLength);
    this.partB = new Float64Array(this.stateLength);
    this.end = new Float64Array(this.stateLength);
  }

  initialState(p: CellKernelParameters, out: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    this.K.init(out, p, this.constants);
    return out;
  }

  /** Lowest c_e / c_e0 of a state and its margin to depletion (the SPM: 1 and 1). */
  limits(state: Float64Array, p: CellKernelParameters): { electrolyteMinimum: number; depletionMargin: number } {
    this.K.limits(state, p, this.constants, this.lim);
    return { electrolyteMinimum: this.lim.electrolyteMinimum, depletionMargin: this.lim.depletionMargin };
  }

  temperature(state: Float64Array): number {
    return this.referenceTemperature + state[RISE];
  }

  /** Terminal voltage, heat source and surface quantities at the given state, current and temperature [K]. */
  evaluate(state: Float64Array, p: CellKernelParameters, current: number, T: number, ev: CellEvaluation = newEvaluation()): CellEvaluation {
    const o = this.ev;
    if (this.aging) this.K.evaluateStart(state, p, this.constants, current, T - this.referenceTemperature, o);
    else this.K.evaluate(state, p, this.constants, current, T - this.referenceTemperature, o);
    ev.voltage = o.voltage;
    ev.heat = o.heat;
    ev.surfaceOcv = o.surfaceOcv;
    ev.surfaceStoichNeg = o.surfaceStoichNeg;
    ev.surfaceStoichPos = o.surfaceStoichPos;
    ev.seiDrive = this.aging ? o.seiDrive : 0;
    return ev;
  }

  /** Every output of the generated evaluate kernel (heat terms included) at a state, current and temperature [K]. */
  evaluateAll(state: Float64Array, p: CellKernelParameters, current: number, T: number): Readonly<Record<string, number>> {
    const out: Out = {};
    this.K.evaluate(state, p, this.constants, current, T - this.referenceTemperature, out);
    return out;
  }

  /** State of charge of a state (0 at the lower cut-off's negative stoichiometry, 1 at the upper's). */
  soc(state: Float64Array, p: CellKernelParameters): number {
    const out = { soc: 0 };
    this.K.soc(state, p, this.constants, out);
    return out.soc;
  }

  /** The current-independent work of a step from `start` over dt: the end state is a + b I. */
  prepare(start: Float64Array, p: CellKernelParameters, dt: number, a: Float64Array, b: Float64Array): void {
    this.K.prepare(start, a, b, p, this.constants, dt, start[RISE]);
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
    const K = this.K;
    const k = this.constants;
    const ev = this.ev;
    const th = this.th;
    const terms = r.heatTerms;
    const startTerms = this.startTerms;
    const rise0 = start[RISE];
    const mid = this.heatOut;
    // With the slope, b becomes the end state's whole derivative in I (the summaries' too).
    if (slope) K.applyTangent(a, b, end, p, k, current);
    else K.apply(a, b, end, p, k, current);
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
    for (const t of HEAT_TERMS) startTerms[t] = ev[HEAT_OUTPUT[t]];
    const drive0 = this.aging ? ev.seiDrive : 0;
    const drive0Tangent = this.aging && slope ? ev.seiDriveTangent : 0;
    let rise1 = rise0;
    let rise1Tangent = 0;
    if (this.thermal === 'isothermal') {
      if (this.aging) {
        // SEI: predicted with the start drive, corrected with the drive at the predicted end.
        this.integrate(start, end, b, p, drive0, drive0, dt, drive0Tangent, drive0Tangent, slope);
        this.predictor(end, b, p, current, rise0, 0, slope, mid);
        this.integrate(start, end, b, p, drive0, mid.seiDrive, dt, drive0Tangent, slope ? mid.seiDriveTangent : 0, slope);
      }
      if (slope) K.evaluateTangent(end, b, p, k, current, rise0, 0, ev);
      else K.evaluate(end, p, k, current, rise0, ev);
      r.heat = 0.5 * (heatStart + ev.heat) * dt;
      r.cooling = r.heat;
      for (const t of HEAT_TERMS) terms[t] = 0.5 * (startTerms[t] + ev[HEAT_OUTPUT[t]]) * dt;
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
        this.predictor(end, b, p, current, risePredicted, risePredictedTangent, slope, mid);
        driveEnd = mid.seiDrive;
        driveEndTangent = slope ? mid.seiDriveTangent : 0;
      } else if (slope) K.evaluateHeatTangent(end, b, p, k, current, risePredicted, risePredictedTangent, mid);
      // The predictor needs the heat alone (no OCPs: the heat-only kernels).
      else K.evaluateHeat(end, p, k, current, risePredicted, mid);
      const heat = 0.5 * (heatStart + mid.heat);
      const heatTangent = slope ? 0.5 * (heatStartTangent + mid.heatTangent) : 0;
      for (const t of HEAT_TERMS) terms[t] = 0.5 * (startTerms[t] + mid[HEAT_OUTPUT[t]]) * dt;
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
    r.slope = slope ? ev.voltageTangent : NaN;
    this.endResults(end, p, r);
    return r;
  }

  /** The end state's evaluation (this.ev) and its electrolyte limits into the step's results. */
  private endResults(end: Float64Array, p: CellKernelParameters, r: StepResult): void {
    const ev = this.ev;
    r.voltage = ev.voltage;
    r.surfaceOcvEnd = ev.surfaceOcv;
    r.surfaceStoichNeg = ev.surfaceStoichNeg;
    r.surfaceStoichPos = ev.surfaceStoichPos;
    r.stoichiometryMargin = ev.stoichiometryMargin;
    r.heatEnd = ev.heat;
    this.K.limits(end, p, this.constants, this.lim);
    r.electrolyteMinimum = this.lim.electrolyteMinimum;
    r.depletionMargin = this.lim.depletionMargin;
  }

  /** The SEI growth of the end state from the drives (with `slope`, its derivative in the current into b). */
  private integrate(start: Float64Array, end: Float64Array, b: Float64Array, p: CellKernelParameters, drive0: number, drive1: number, dt: number, t0: number, t1: number, slope: boolean): void {
    if (slope) this.K.integrateTangent(start, end, b, p, this.constants, drive0, drive1, dt, t0, t1);
    else this.K.integrate(start, end, p, this.constants, drive0, drive1, dt);
  }

  /** The heat, its terms and the SEI drive at the end state (into `out`), with derivatives along b when `slope`. */
  private predictor(end: Float64Array, b: Float64Array, p: CellKernelParameters, current: number, rise: number, riseTangent: number, slope: boolean, out: Out): void {
    if (slope) this.K.evaluatePredictorTangent(end, b, p, this.constants, current, rise, riseTangent, out);
    else this.K.evaluatePredictor(end, p, this.constants, current, rise, out);
  }

  /**
   * The same step at `current`, from the last `finish` with slope at current - delta (its results in r, its prepared
   * parts a and b): the particle (and the SPMe's electrolyte) states exactly (a + b I: the update is affine in the
   * current; the SPMe's summaries are formed from that end state by apply), the thermal part (end rise, heat, cooling,
   * start voltage) to first order in delta, the end voltage and the electrolyte limits evaluated there. The heat terms
   * have no derivatives of their own: their sum moves with the heat less the contact and collector heat (exact in the
   * current, I^2 R dt), shared out in proportion to the terms, so they keep adding up to the heat (docs/packs.md). The
   * neglected second-order rise is at most about (dt / C_th) |dV/dI| delta^2 (the heat's curvature in the current is
   * about twice the cell's resistance); the pack's group Newton uses this for its first update when that bound is
   * below the tolerance table's linearisedRise. The start surface OCV (diagnostics only) stays at the first current. Updates r
   * (the slope is the first evaluation's) and writes the end state.
   */
  correct(a: Float64Array, b: Float64Array, p: CellKernelParameters, current: number, delta: number, dt: number, end: Float64Array, r: StepResult): StepResult {
    if (this.aging) throw new Error('CellKernel.correct: the SEI growth of an ageing step is not affine in the current');
    const K = this.K;
    const ev = this.ev;
    K.apply(a, b, end, p, this.constants, current);
    const rise = r.rise + r.riseTangent * delta;
    end[RISE] = rise;
    K.evaluate(end, p, this.constants, current, rise, ev);
    r.rise = rise;
    const heatChange = r.heatTangent * delta;
    const previous = current - delta;
    const terms = r.heatTerms;
    let sum = 0;
    for (const t of HEAT_TERMS) sum += terms[t];
    const termsChange = heatChange - (current * current - previous * previous) * (p.contactResistance + p.collectorResistance) * dt;
    if (sum !== 0) for (const t of HEAT_TERMS) terms[t] += termsChange * (terms[t] / sum);
    r.heat += heatChange;
    r.cooling += r.coolingTangent * delta;
    r.voltageStart += r.voltageStartTangent * delta;
    this.endResults(end, p, r);
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
    return {
      heat: r.heat,
      heatTerms: { ...r.heatTerms },
      cooling: r.cooling,
      voltageStart: r.voltageStart,
      surfaceOcvStart: r.surfaceOcvStart,
      electrolyteMinimum: r.electrolyteMinimum,
      depletionMargin: r.depletionMargin,
    };
  }
}
