import type { ParameterSet, SeriesFunction } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import { CELL_STATE, CELL_STATE_INDEX, cellStateLength, type CellKernelParameters } from './layout.ts';
import { evaluateSeries, KINETIC_STOICH_MIN, openCircuitPotential, OCP_STOICH_MIN } from './series.ts';
import { sphereEigenvalues, truncatedTail } from './spectral.ts';

export type ThermalMode = 'lumped' | 'isothermal';

export interface KernelOptions {
  /** Particle eigenmodes kept per electrode (the modes beyond are held at their quasi-steady value). */
  modes?: number;
  thermal?: ThermalMode;
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
}

export function newEvaluation(): CellEvaluation {
  return { voltage: 0, heat: 0, surfaceStoichNeg: 0, surfaceStoichPos: 0, surfaceOcv: 0 };
}

const S = CELL_STATE_INDEX;
/** Index of the first negative-electrode mode in the state vector. */
export const MODE_OFFSET = CELL_STATE.length;

/**
 * The SPM + lumped thermal cell kernel in f64: the readable reference every other backend is tested against.
 *
 * Numerics (docs/numerics.md): the particle concentration is the particle average plus Neumann eigenmodes of the
 * sphere; for a current held constant over a step every mode is integrated exactly (exponential update), so diffusion
 * has no time-step error under constant current. Modes beyond `modes` are held at their quasi-steady value.
 * Temperature uses the exact exponential solution of the cooling term with the heat source averaged over the step
 * (Heun: trapezoid of the start heat and the heat at the predicted end state), second order in the time step.
 */
export class CellKernel {
  readonly modes: number;
  readonly thermal: ThermalMode;
  readonly referenceTemperature: number;
  /** mu_m^2 for m = 1..modes. */
  readonly eigenvalues: Float64Array;
  /** (2/3) * (1/10 - sum 1/mu_m^2): quasi-steady tail coefficient. */
  readonly tailCoefficient: number;
  readonly stateLength: number;
  private readonly ocpNeg: SeriesFunction;
  private readonly ocpPos: SeriesFunction;
  private readonly entropicNeg: SeriesFunction;
  private readonly entropicPos: SeriesFunction;
  private readonly hasEntropic: boolean;
  private readonly scratch: Float64Array;
  private readonly evalScratch = newEvaluation();

  constructor(set: ParameterSet, options: KernelOptions = {}) {
    this.modes = options.modes ?? DEFAULT_MODES;
    this.thermal = options.thermal ?? 'lumped';
    this.referenceTemperature = set.thermal.referenceTemperature;
    const mu = sphereEigenvalues(this.modes);
    this.eigenvalues = mu.map((m) => m * m);
    this.tailCoefficient = (2 / 3) * truncatedTail(mu);
    this.stateLength = cellStateLength(this.modes);
    this.ocpNeg = set.negative.ocp;
    this.ocpPos = set.positive.ocp;
    this.entropicNeg = set.negative.entropicChange;
    this.entropicPos = set.positive.entropicChange;
    this.hasEntropic = [this.entropicNeg, this.entropicPos].some((f) => f.constant !== 0 || f.linear !== 0 || f.exp.length > 0 || f.tanh.length > 0);
    this.scratch = new Float64Array(this.stateLength);
  }

  initialState(p: CellKernelParameters, out: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    out.fill(0);
    out[S.stoichNeg] = p.initialStoichNeg;
    out[S.stoichPos] = p.initialStoichPos;
    out[S.temperatureRise] = p.initialTemperature - this.referenceTemperature;
    return out;
  }

  temperature(state: Float64Array): number {
    return this.referenceTemperature + state[S.temperatureRise];
  }

  /** Particle diffusion rate D(T) / R^2 [1/s] of one electrode. */
  private diffusionRate(diffusionTime: number, activation: number, T: number): number {
    return activation === 0 ? 1 / diffusionTime : Math.exp(activation * (1 / this.referenceTemperature - 1 / T)) / diffusionTime;
  }

  /**
   * Advance both particles over `dt` with the current `current` [A, > 0 discharge] held constant: exact for the
   * linear diffusion, with D evaluated at the temperature at the start of the step.
   */
  advanceParticles(state: Float64Array, p: CellKernelParameters, current: number, dt: number): void {
    const T = this.temperature(state);
    const K = this.modes;
    const gNeg = current / (SECONDS_PER_HOUR * p.capacityNeg);
    const gPos = -current / (SECONDS_PER_HOUR * p.capacityPos);
    const rNeg = this.diffusionRate(p.diffusionTimeNeg, p.diffusionActivationNeg, T);
    const rPos = this.diffusionRate(p.diffusionTimePos, p.diffusionActivationPos, T);
    state[S.stoichNeg] -= gNeg * dt;
    state[S.stoichPos] -= gPos * dt;
    const base = MODE_OFFSET;
    for (let m = 0; m < K; m++) {
      const mu2 = this.eigenvalues[m];
      let lambda = mu2 * rNeg;
      let target = (-(2 / 3) * gNeg) / lambda;
      let i = base + m;
      state[i] = target + (state[i] - target) * Math.exp(-lambda * dt);
      lambda = mu2 * rPos;
      target = (-(2 / 3) * gPos) / lambda;
      i = base + K + m;
      state[i] = target + (state[i] - target) * Math.exp(-lambda * dt);
    }
  }

  /** Surface stoichiometries at `current` (the truncated modes answer the current instantly), written into `ev`. */
  private surfaceStoichiometries(state: Float64Array, p: CellKernelParameters, current: number, T: number, ev: CellEvaluation): void {
    const K = this.modes;
    const base = MODE_OFFSET;
    let sumNeg = 0;
    let sumPos = 0;
    for (let m = 0; m < K; m++) {
      sumNeg += state[base + m];
      sumPos += state[base + K + m];
    }
    const gNeg = current / (SECONDS_PER_HOUR * p.capacityNeg);
    const gPos = -current / (SECONDS_PER_HOUR * p.capacityPos);
    const rNeg = this.diffusionRate(p.diffusionTimeNeg, p.diffusionActivationNeg, T);
    const rPos = this.diffusionRate(p.diffusionTimePos, p.diffusionActivationPos, T);
    ev.surfaceStoichNeg = state[S.stoichNeg] + sumNeg - (this.tailCoefficient * gNeg) / rNeg;
    ev.surfaceStoichPos = state[S.stoichPos] + sumPos - (this.tailCoefficient * gPos) / rPos;
  }

  /** Terminal voltage, heat source and surface quantities at the given state, current and temperature. */
  evaluate(state: Float64Array, p: CellKernelParameters, current: number, T: number, ev: CellEvaluation = newEvaluation()): CellEvaluation {
    this.surfaceStoichiometries(state, p, current, T, ev);
    const xs = ev.surfaceStoichNeg;
    const ys = ev.surfaceStoichPos;
    const dT = T - this.referenceTemperature;
    let uNeg = openCircuitPotential(this.ocpNeg, xs);
    let uPos = openCircuitPotential(this.ocpPos, ys);
    let reversible = 0;
    if (this.hasEntropic) {
      const dUn = evaluateSeries(this.entropicNeg, clip(xs, OCP_STOICH_MIN));
      const dUp = evaluateSeries(this.entropicPos, clip(ys, OCP_STOICH_MIN));
      uNeg += dT * dUn;
      uPos += dT * dUp;
      reversible = current * T * (dUn - dUp);
    }
    const invTdiff = 1 / this.referenceTemperature - 1 / T;
    const sn = clip(xs, KINETIC_STOICH_MIN);
    const sp = clip(ys, KINETIC_STOICH_MIN);
    const i0Neg = p.kineticCurrentNeg * Math.exp(p.kineticActivationNeg * invTdiff) * Math.sqrt(sn * (1 - sn));
    const i0Pos = p.kineticCurrentPos * Math.exp(p.kineticActivationPos * invTdiff) * Math.sqrt(sp * (1 - sp));
    const thermalVoltage = (2 * GAS_CONSTANT * T) / FARADAY;
    const etaNeg = thermalVoltage * Math.asinh(current / i0Neg);
    const etaPos = thermalVoltage * Math.asinh(-current / i0Pos);
    ev.surfaceOcv = uPos - uNeg;
    ev.voltage = uPos - uNeg + etaPos - etaNeg - current * p.contactResistance;
    ev.heat = current * (etaNeg - etaPos) + reversible + current * current * (p.contactResistance + p.collectorResistance);
    return ev;
  }

  /**
   * One full time step of a cell at constant current: particles exactly, temperature with the Heun heat source.
   * `externalHeat` [W] is heat arriving from outside the cell (conduction from neighbours), constant over the step.
   * Returns the evaluation at the end of the step (voltage, heat) and the heat [J] and cooling [J] over it.
   */
  step(
    state: Float64Array,
    p: CellKernelParameters,
    current: number,
    dt: number,
    ev: CellEvaluation = newEvaluation(),
    externalHeat = 0,
  ): StepEnergy {
    const T0 = this.temperature(state);
    const start = this.evaluate(state, p, current, T0, this.evalScratch);
    const voltageStart = start.voltage;
    const surfaceOcvStart = start.surfaceOcv;
    if (this.thermal === 'isothermal') {
      const heatStart = start.heat;
      this.advanceParticles(state, p, current, dt);
      this.evaluate(state, p, current, T0, ev);
      return { heat: 0.5 * (heatStart + ev.heat) * dt, cooling: 0.5 * (heatStart + ev.heat) * dt, voltageStart, surfaceOcvStart };
    }
    const heatStart = start.heat;
    this.advanceParticles(state, p, current, dt);
    // Heun: predict the end temperature with the start heat, evaluate the end heat there, then average.
    const rise0 = state[S.temperatureRise];
    this.advanceTemperature(state, p, heatStart + externalHeat, dt);
    const heatEndPredicted = this.evaluate(state, p, current, this.temperature(state), ev).heat;
    state[S.temperatureRise] = rise0;
    const heat = 0.5 * (heatStart + heatEndPredicted);
    const energy = this.advanceTemperature(state, p, heat + externalHeat, dt);
    this.evaluate(state, p, current, this.temperature(state), ev);
    return { heat: heat * dt, cooling: energy.cooling, voltageStart, surfaceOcvStart };
  }

  /**
   * Exact solution of C dT/dt = Q - hA (T - T_amb) over dt with Q constant. Returns heat and cooling energies [J];
   * their difference is C times the temperature change.
   */
  advanceTemperature(state: Float64Array, p: CellKernelParameters, heat: number, dt: number): { heat: number; cooling: number } {
    const C = p.heatCapacity;
    const hA = p.coolingConductance;
    const rise0 = state[S.temperatureRise];
    const ambientRise = p.ambientTemperature - this.referenceTemperature;
    let rise1: number;
    if (hA > 0) {
      const decay = -Math.expm1((-hA * dt) / C); // 1 - exp(-dt/tau), accurate for small dt/tau
      const steady = ambientRise + heat / hA;
      rise1 = rise0 + (steady - rise0) * decay;
    } else {
      rise1 = rise0 + (heat * dt) / C;
    }
    state[S.temperatureRise] = rise1;
    const heatEnergy = heat * dt;
    return { heat: heatEnergy, cooling: heatEnergy - C * (rise1 - rise0) };
  }

  /** Copy of a state (for re-integration from the start of a step). */
  copyState(src: Float64Array, dst: Float64Array = this.scratch): Float64Array {
    dst.set(src);
    return dst;
  }
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

function clip(s: number, eps: number): number {
  return s < eps ? eps : s > 1 - eps ? 1 - eps : s;
}
