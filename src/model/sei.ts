/**
 * SEI growth on the negative electrode for the fixed-step kernels: PyBaMM's "solvent-diffusion limited" and "reaction
 * limited" laws (`interface/sei/sei_growth.py`) with the film resistance in the voltage (and, optionally, the heat),
 * written as pure functions of (state, parameters, current, temperature, dt) so that each maps onto one named
 * expression or one per-state update of the cell-physics definition (docs/lifetime.md walks through the port).
 *
 * State: one number per cell, `seiGrowth` = L_sei - L_sei_0 [m], the growth since the cell was made. The lithium the
 * SEI holds, lithiumLostToSei = seiGrowth * lithiumPerThickness [Ah], is NOT subtracted from the stored negative
 * stoichiometry: the kernel keeps `stoichNeg` as moved by the external current only, and the physical particle average
 * is the derived quantity stoichNeg - lithiumLostToSei / capacityNeg. Lithium conservation (particles + SEI) is then
 * exact by construction, in f32 as in f64, and per-step SEI increments (1e-8 of a stoichiometry) are never added to a
 * number of order 1. The SEI current's own diffusion transient inside the negative particle is neglected (its surface
 * offset is below 1e-5 in stoichiometry, 1 uV in U_n; measured against the oracle, which keeps it).
 *
 * Per step (a current held constant over dt, temperature from the step's Heun average):
 *   solvent-diffusion limited: dL/dt = k_sol Arr(T) / L  =>  L1^2 = L0^2 + 2 k_sol Arr_mean dt, exact for a constant
 *     Arrhenius factor; the increment is formed as 2 k Arr dt / (L0 + sqrt(L0^2 + 2 k Arr dt)) (no cancellation).
 *   reaction limited: dL/dt = k_rxn Arr(T) exp(-F eta_SEI / (2 R T)), eta_SEI = eta_n + U_n(x_s) - U_sei, independent of
 *     L (PyBaMM's SPM: the film terms of delta_phi and of eta_SEI cancel), so the update is the trapezoid of the rates at
 *     the start and at the (predicted) end of the step.
 */
import type { ParameterSet } from '../params/types.ts';
import { CellKernel, newEvaluation, type CellEvaluation, type KernelOptions } from './cell.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import { CELL_STATE_INDEX, type CellKernelParameters, type LayoutEntry } from './layout.ts';
import { negativeOcp, negativeOcpCorrection, negativeOcpSpline } from './ocp-table.ts';
import type { PiecewiseCubic } from '../math/spline.ts';
import type { CellOverrides } from './derive.ts';
import { CellspreadInputError } from '../errors.ts';
import { KINETIC_STOICH_MIN } from './series.ts';

export type SeiGrowthLaw = 'solvent-diffusion limited' | 'reaction limited';
export const SEI_GROWTH_LAWS: readonly SeiGrowthLaw[] = ['solvent-diffusion limited', 'reaction limited'];

/** Per-cell SEI parameters in kernel form, derived once per cell (the layout rows the definition will add). */
export const SEI_PARAMETERS = [
  { name: 'seiInitialThickness', unit: 'm', description: 'initial SEI thickness L_sei_0' },
  { name: 'seiFilmResistivity', unit: 'Ohm/m', description: 'film resistance per metre of SEI: R_sei / (a_n L_n A n_elec)' },
  { name: 'seiLithiumPerThickness', unit: 'Ah/m', description: 'lithium held per metre of SEI: a_n L_n A n_elec z_sei F / (3600 V_bar_sei)' },
  { name: 'seiSolventGrowth', unit: 'm2/s', description: 'solvent-diffusion limited growth constant V_bar_sei D_sol c_sol / z_sei' },
  { name: 'seiReactionGrowth', unit: 'm/s', description: 'reaction limited growth rate V_bar_sei j0_sei / (F z_sei)' },
  { name: 'seiOcp', unit: 'V', description: 'SEI open-circuit potential U_sei' },
  { name: 'seiActivation', unit: 'K', description: 'SEI growth activation energy over R (E_sei / R)' },
] as const satisfies readonly LayoutEntry[];

export type SeiKernelParameters = Record<(typeof SEI_PARAMETERS)[number]['name'], number>;

/** The per-cell SEI state (appended to the cell state). */
export const SEI_STATE = [{ name: 'seiGrowth', unit: 'm', description: 'SEI growth since manufacture L_sei - L_sei_0' }] as const satisfies readonly LayoutEntry[];

function pick(o: CellOverrides | undefined, path: string, base: number): number {
  const v = o?.[path];
  return v === undefined ? base : v;
}

/** SEI kernel parameters of one cell from a set with an `sei` block and optional per-cell overrides ("sei.*", geometry). */
export function deriveSeiParameters(set: ParameterSet, overrides?: CellOverrides): SeiKernelParameters {
  const sei = set.sei;
  if (!sei) throw new CellspreadInputError('params', `must have an sei block for SEI growth (${set.name} has none)`, set.name);
  const v = (key: keyof typeof sei) => pick(overrides, `sei.${key}`, sei[key]);
  const area =
    pick(overrides, 'geometry.electrodeHeight', set.geometry.electrodeHeight) *
    pick(overrides, 'geometry.electrodeWidth', set.geometry.electrodeWidth) *
    pick(overrides, 'geometry.electrodeCount', set.geometry.electrodeCount);
  const epsS = pick(overrides, 'negative.activeMaterialVolumeFraction', set.negative.activeMaterialVolumeFraction);
  const thickness = pick(overrides, 'negative.thickness', set.negative.thickness);
  const radius = pick(overrides, 'negative.particleRadius', set.negative.particleRadius);
  const interfacialArea = ((3 * epsS) / radius) * thickness * area; // a_n L_n A n_elec [m2]
  for (const key of ['initialThickness', 'partialMolarVolume', 'lithiumPerSeiMole'] as const) {
    if (!(v(key) > 0 && Number.isFinite(v(key)))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number > 0', v(key));
  }
  for (const key of ['resistivity', 'solventDiffusivity', 'bulkSolventConcentration', 'reactionExchangeCurrentDensity'] as const) {
    if (!(v(key) >= 0 && Number.isFinite(v(key)))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number >= 0', v(key));
  }
  for (const key of ['openCircuitPotential', 'activationEnergy'] as const) {
    if (!Number.isFinite(v(key))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number', v(key));
  }
  const z = v('lithiumPerSeiMole');
  const vBar = v('partialMolarVolume');
  return {
    seiInitialThickness: v('initialThickness'),
    seiFilmResistivity: v('resistivity') / interfacialArea,
    seiLithiumPerThickness: (interfacialArea * z * FARADAY) / (SECONDS_PER_HOUR * vBar),
    seiSolventGrowth: (vBar * v('solventDiffusivity') * v('bulkSolventConcentration')) / z,
    seiReactionGrowth: (vBar * v('reactionExchangeCurrentDensity')) / (FARADAY * z),
    seiOcp: v('openCircuitPotential'),
    seiActivation: v('activationEnergy') / GAS_CONSTANT,
  };
}

// --- named quantities (one expression each in the definition) ---------------------------------------------------

/** L_sei [m]. */
export function seiThickness(s: SeiKernelParameters, growth: number): number {
  return s.seiInitialThickness + growth;
}

/** SEI film resistance L_sei R_sei / (a_n L_n A n_elec) [Ohm]; its drop I R_film is -eta_sei. */
export function filmResistance(s: SeiKernelParameters, growth: number): number {
  return s.seiFilmResistivity * seiThickness(s, growth);
}

/** Lithium held by the SEI grown since manufacture [Ah] (PyBaMM's "Loss of capacity to negative SEI [Ah]"). */
export function lithiumLostToSei(s: SeiKernelParameters, growth: number): number {
  return s.seiLithiumPerThickness * growth;
}

/** exp(E_sei/R (1/T_ref - 1/T)), written so that T close to T_ref loses no digits in f32. */
export function seiArrhenius(s: SeiKernelParameters, T: number, Tref: number): number {
  return Math.exp((s.seiActivation * (T - Tref)) / (T * Tref));
}

/**
 * Growth rate dL_sei/dt [m/s]. `etaSei` = eta_n + U_n(x_s) - U_sei is needed by the reaction limited law only.
 */
export function seiGrowthRate(law: SeiGrowthLaw, s: SeiKernelParameters, growth: number, T: number, Tref: number, etaSei: number): number {
  const arrhenius = seiArrhenius(s, T, Tref);
  if (law === 'solvent-diffusion limited') return (s.seiSolventGrowth * arrhenius) / seiThickness(s, growth);
  return s.seiReactionGrowth * arrhenius * Math.exp((-0.5 * FARADAY * etaSei) / (GAS_CONSTANT * T));
}

/** The rate of lithium consumption by the SEI [A] at a growth rate [m/s] (positive: lithium lost). */
export function seiCurrent(s: SeiKernelParameters, rate: number): number {
  return rate * s.seiLithiumPerThickness * SECONDS_PER_HOUR;
}

/**
 * The per-step update of `seiGrowth` given the rates at the start and at the end of the step (the end from the Heun
 * predictor). Solvent-diffusion limited: exact in L for the mean Arrhenius factor, recovered from the rates as
 * rate * L = k_sol Arr. Reaction limited: the trapezoid. Returns the increment (to be added to the state).
 */
export function seiGrowthIncrement(law: SeiGrowthLaw, s: SeiKernelParameters, growth: number, rateStart: number, rateEnd: number, growthEnd: number, dt: number): number {
  if (law === 'reaction limited') return 0.5 * (rateStart + rateEnd) * dt;
  const L = seiThickness(s, growth);
  const twiceKdt = (rateStart * L + rateEnd * seiThickness(s, growthEnd)) * dt; // 2 k_sol Arr_mean dt
  return twiceKdt / (L + Math.sqrt(L * L + twiceKdt));
}

// --- the SPM + SEI cell step, combining the existing SPM kernel with the SEI terms -------------------------------

export interface SeiOptions extends KernelOptions {
  law: SeiGrowthLaw;
  /**
   * Add the film's Joule heat I^2 R_film to the cell heat (default true: the film's voltage drop is dissipated in the
   * cell, and the energy balance closes). PyBaMM's SPM leaves it out; `false` reproduces PyBaMM. docs/lifetime.md
   * gives the measured difference (about 1 K after 50 reaction limited cycles).
   */
  filmHeat?: boolean;
}

export interface SeiEvaluation extends CellEvaluation {
  /** Growth rate dL_sei/dt [m/s]. */
  seiRate: number;
  /** Lithium consumed by the SEI [A]. */
  seiCurrent: number;
  /** Film resistance [Ohm]. */
  filmResistance: number;
  /** Negative overpotential eta_n [V] (from the total current, PyBaMM's inverse kinetics). */
  overpotentialNeg: number;
}

export function newSeiEvaluation(): SeiEvaluation {
  return { ...newEvaluation(), seiRate: 0, seiCurrent: 0, filmResistance: 0, overpotentialNeg: 0 };
}

export interface SeiStepEnergy {
  /** Heat generated in the cell over the step [J]. */
  heat: number;
  /** Heat removed by cooling over the step [J]. */
  cooling: number;
  /** Terminal voltage at the start of the step with the step's current [V]. */
  voltageStart: number;
}

const S = CELL_STATE_INDEX;

/**
 * The SPM + lumped thermal cell (src/model/cell.ts, unchanged) with SEI growth: particles advance exactly with the
 * external current (CellKernel.advanceParticles), temperature exactly for the Heun-averaged heat
 * (CellKernel.advanceTemperature), the SEI as above. State: the cell state followed by `seiGrowth`.
 */
export class SeiCellKernel {
  readonly kernel: CellKernel;
  readonly law: SeiGrowthLaw;
  readonly filmHeat: boolean;
  readonly stateLength: number;
  /** Index of `seiGrowth` in the state. */
  readonly growthIndex: number;
  private readonly set: ParameterSet;
  private readonly spline: PiecewiseCubic | undefined;
  private readonly view: Float64Array;
  private readonly base = newEvaluation();
  private readonly predicted = newSeiEvaluation();

  constructor(set: ParameterSet, options: SeiOptions) {
    if (!SEI_GROWTH_LAWS.includes(options.law)) throw new CellspreadInputError('sei', `must be one of ${SEI_GROWTH_LAWS.join(', ')}`, options.law);
    this.kernel = new CellKernel(set, options);
    this.law = options.law;
    this.filmHeat = options.filmHeat ?? true;
    this.growthIndex = this.kernel.stateLength;
    this.stateLength = this.kernel.stateLength + SEI_STATE.length;
    this.set = set;
    this.spline = negativeOcpSpline(set);
    this.view = new Float64Array(this.kernel.stateLength);
  }

  initialState(p: CellKernelParameters, out: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    this.kernel.initialState(p, out.subarray(0, this.kernel.stateLength));
    out[this.growthIndex] = 0;
    return out;
  }

  temperature(state: Float64Array): number {
    return this.kernel.temperature(state);
  }

  /** Particle-average negative stoichiometry with the SEI's lithium taken out (the physical one). */
  stoichNegAverage(state: Float64Array, p: CellKernelParameters, s: SeiKernelParameters): number {
    return state[S.stoichNeg] - lithiumLostToSei(s, state[this.growthIndex]) / p.capacityNeg;
  }

  /** Voltage (film drop and table OCP included), heat, surface quantities and SEI rate at a state, current and T. */
  evaluate(state: Float64Array, p: CellKernelParameters, s: SeiKernelParameters, current: number, T: number, ev: SeiEvaluation = newSeiEvaluation()): SeiEvaluation {
    const growth = state[this.growthIndex];
    const view = this.view;
    view.set(state.subarray(0, this.kernel.stateLength));
    view[S.stoichNeg] = this.stoichNegAverage(state, p, s);
    const base = this.kernel.evaluate(view, p, current, T, this.base);
    const xs = base.surfaceStoichNeg;
    const rFilm = filmResistance(s, growth);
    const Tref = this.kernel.referenceTemperature;
    const sn = Math.min(Math.max(xs, KINETIC_STOICH_MIN), 1 - KINETIC_STOICH_MIN);
    const i0 = p.kineticCurrentNeg * Math.exp(p.kineticActivationNeg * (1 / Tref - 1 / T)) * Math.sqrt(sn * (1 - sn));
    const etaN = ((2 * GAS_CONSTANT * T) / FARADAY) * Math.asinh(current / i0);
    const etaSei = etaN + negativeOcp(this.set, this.spline, xs) - s.seiOcp;
    const correction = negativeOcpCorrection(this.set, this.spline, xs);
    ev.surfaceStoichNeg = xs;
    ev.surfaceStoichPos = base.surfaceStoichPos;
    ev.surfaceOcv = base.surfaceOcv + correction;
    ev.voltage = base.voltage + correction - current * rFilm;
    ev.heat = base.heat + (this.filmHeat ? current * current * rFilm : 0);
    ev.filmResistance = rFilm;
    ev.overpotentialNeg = etaN;
    ev.seiRate = seiGrowthRate(this.law, s, growth, T, Tref, etaSei);
    ev.seiCurrent = seiCurrent(s, ev.seiRate);
    return ev;
  }

  /**
   * One step at constant current: particles exactly, temperature with the Heun heat, SEI with the rates at the start
   * and the Heun-predicted end. Writes the end-of-step evaluation into `ev`.
   */
  step(state: Float64Array, p: CellKernelParameters, s: SeiKernelParameters, current: number, dt: number, ev: SeiEvaluation = newSeiEvaluation()): SeiStepEnergy {
    const k = this.kernel;
    const G = this.growthIndex;
    const start = this.evaluate(state, p, s, current, k.temperature(state), ev);
    const voltageStart = start.voltage;
    const heatStart = start.heat;
    const rateStart = start.seiRate;
    const growth0 = state[G];
    k.advanceParticles(state, p, current, dt);
    // Predictor: end temperature from the start heat, growth from the start rate.
    const rise0 = state[S.temperatureRise];
    if (k.thermal === 'lumped') k.advanceTemperature(state, p, heatStart, dt);
    state[G] = growth0 + seiGrowthIncrement(this.law, s, growth0, rateStart, rateStart, growth0, dt);
    const predicted = this.evaluate(state, p, s, current, k.temperature(state), this.predicted);
    const growthPredicted = state[G];
    state[S.temperatureRise] = rise0;
    const heat = 0.5 * (heatStart + predicted.heat);
    let cooling = heat * dt;
    if (k.thermal === 'lumped') cooling = k.advanceTemperature(state, p, heat, dt).cooling;
    state[G] = growth0 + seiGrowthIncrement(this.law, s, growth0, rateStart, predicted.seiRate, growthPredicted, dt);
    this.evaluate(state, p, s, current, k.temperature(state), ev);
    return { heat: heat * dt, cooling, voltageStart };
  }
}
