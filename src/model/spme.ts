/**
 * The SPMe + lumped thermal cell as a standalone f64 reference of the fixed-step scheme, until it is written into the
 * one cell-physics definition (docs/spme.md): the SPM's particles (exact eigenmodes, CellKernel.advanceParticles),
 * the electrolyte of ./electrolyte.ts, and the SPM's temperature update (exact cooling, Heun heat source) with every
 * heat term of PyBaMM's lumped model. Not yet a study model: `model: spme` is for the port.
 *
 * Voltage (PyBaMM's composite SPMe, x-averaged over each electrode <.>):
 *   V = U_p(y_s) - U_n(x_s) + <eta_p> - <eta_n> + eta_c + dphi_e - I (R_s + R_contact)
 *   eta_k(x) = (2RT/F) asinh(j_k / (2 j0_k(x))), j0 proportional to sqrt(c_e(x)) (the local electrolyte)
 *   eta_c = chi RT/F (<ln theta>_p - <ln theta>_n), dphi_e = -I R_e(T)
 * Heat [W]: electrolyte Ohmic -I (eta_c + dphi_e), solid Ohmic I^2 R_s, collectors I^2 R_cc, contact I^2 R_contact,
 * irreversible I (<eta_n> - <eta_p>), reversible I T (dU_n/dT - dU_p/dT).
 */
import { CellspreadInputError } from '../errors.ts';
import type { ParameterSet, SeriesFunction } from '../params/types.ts';
import { CellKernel, MODE_OFFSET, type ThermalMode } from './cell.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import { deriveCellParameters, type CellOverrides } from './derive.ts';
import {
  advanceElectrolyte,
  arrheniusFactor,
  DEFAULT_ELECTROLYTE_MESH,
  TRANSPORT_CONCENTRATION_MIN,
  deriveElectrolyteParameters,
  electrolyteModel,
  electrolyteScratch,
  ELECTROLYTE_SUMMARY,
  ELECTROLYTE_SUMMARY_INDEX as X,
  electrolyteStateLength,
  summarizeElectrolyte,
  type ElectrolyteKernelParameters,
  type ElectrolyteMesh,
  type ElectrolyteModel,
  type ElectrolyteScratch,
  type Rounding,
  type TimeScheme,
} from './electrolyte.ts';
import { CELL_STATE_INDEX, type CellKernelParameters } from './layout.ts';
import { illinois } from './roots.ts';
import { evaluateSeries, KINETIC_STOICH_MIN, OCP_STOICH_MIN, openCircuitPotential } from './series.ts';

export const HEAT_TERMS = ['ohmicElectrolyte', 'ohmicSolid', 'ohmicCollector', 'contact', 'irreversible', 'reversible'] as const;
export type HeatTerm = (typeof HEAT_TERMS)[number];
export type HeatBreakdown = Record<HeatTerm, number>;

export function zeroHeat(): HeatBreakdown {
  return { ohmicElectrolyte: 0, ohmicSolid: 0, ohmicCollector: 0, contact: 0, irreversible: 0, reversible: 0 };
}

export interface SpmeEvaluation {
  voltage: number;
  /** Total heat source [W] and its terms. */
  heat: number;
  heatTerms: HeatBreakdown;
  surfaceStoichNeg: number;
  surfaceStoichPos: number;
  /** U_p(y_s) - U_n(x_s) [V]. */
  surfaceOcv: number;
  /** X-averaged reaction overpotentials <eta_n>, <eta_p> [V]. */
  reactionOverpotentialNeg: number;
  reactionOverpotentialPos: number;
  /** eta_c [V], dphi_e [V] (both <= 0 on discharge). */
  concentrationOverpotential: number;
  electrolyteOhmicDrop: number;
}

export function newSpmeEvaluation(): SpmeEvaluation {
  return {
    voltage: 0,
    heat: 0,
    heatTerms: zeroHeat(),
    surfaceStoichNeg: 0,
    surfaceStoichPos: 0,
    surfaceOcv: 0,
    reactionOverpotentialNeg: 0,
    reactionOverpotentialPos: 0,
    concentrationOverpotential: 0,
    electrolyteOhmicDrop: 0,
  };
}

export interface SpmeKernelOptions {
  modes?: number;
  thermal?: ThermalMode;
  mesh?: ElectrolyteMesh;
  scheme?: TimeScheme;
  /** Emulate an f32 electrolyte: Math.fround on every stored electrolyte intermediate and on the state. */
  f32Electrolyte?: boolean;
}

const S = CELL_STATE_INDEX;

export interface SpmeStepEnergy {
  heat: number;
  cooling: number;
  heatTerms: HeatBreakdown;
  voltageStart: number;
}

export class SpmeKernel {
  readonly cell: CellKernel;
  readonly model: ElectrolyteModel;
  readonly scheme: TimeScheme;
  /** Index of theta_0 in the state: the SPM state comes first, then theta, then the electrolyte summary. */
  readonly offset: number;
  readonly summaryOffset: number;
  readonly stateLength: number;
  private readonly r: Rounding;
  private readonly scratch: ElectrolyteScratch;
  private readonly ocpNeg: SeriesFunction;
  private readonly ocpPos: SeriesFunction;
  private readonly entropicNeg: SeriesFunction;
  private readonly entropicPos: SeriesFunction;
  private readonly hasEntropic: boolean;
  private readonly startScratch = newSpmeEvaluation();
  private readonly startTerms = zeroHeat();

  constructor(set: ParameterSet, options: SpmeKernelOptions = {}) {
    this.cell = new CellKernel(set, { modes: options.modes, thermal: options.thermal });
    this.model = electrolyteModel(set, options.mesh ?? DEFAULT_ELECTROLYTE_MESH);
    this.scheme = options.scheme ?? 'ros2';
    this.offset = this.cell.stateLength;
    this.summaryOffset = this.offset + electrolyteStateLength(this.model.mesh);
    this.stateLength = this.summaryOffset + ELECTROLYTE_SUMMARY.length;
    this.r = options.f32Electrolyte ? Math.fround : (x) => x;
    this.scratch = electrolyteScratch(this.model.mesh, options.f32Electrolyte);
    this.ocpNeg = set.negative.ocp;
    this.ocpPos = set.positive.ocp;
    this.entropicNeg = set.negative.entropicChange;
    this.entropicPos = set.positive.entropicChange;
    this.hasEntropic = [this.entropicNeg, this.entropicPos].some((f) => f.constant !== 0 || f.linear !== 0 || f.exp.length > 0 || f.tanh.length > 0);
  }

  initialState(p: CellKernelParameters, out: Float64Array = new Float64Array(this.stateLength)): Float64Array {
    this.cell.initialState(p, out);
    out.fill(1, this.offset, this.summaryOffset);
    summarizeElectrolyte(out, this.offset, this.model.mesh, out, this.summaryOffset);
    return out;
  }

  temperature(state: Float64Array): number {
    return this.cell.temperature(state);
  }

  /** Particle diffusion rate D(T) / R^2 [1/s]. */
  private diffusionRate(diffusionTime: number, activation: number, T: number): number {
    return arrheniusFactor(activation, this.cell.referenceTemperature, T) / diffusionTime;
  }

  /** Voltage, heat terms and the intermediate quantities at a state, current and temperature. */
  evaluate(
    state: Float64Array,
    p: CellKernelParameters,
    e: ElectrolyteKernelParameters,
    current: number,
    T: number,
    ev: SpmeEvaluation = newSpmeEvaluation(),
  ): SpmeEvaluation {
    const { cell } = this;
    // Surface stoichiometries: the SPM's modes plus the quasi-steady tail (src/model/cell.ts).
    const K = cell.modes;
    let sumNeg = 0;
    let sumPos = 0;
    for (let m = 0; m < K; m++) {
      sumNeg += state[MODE_OFFSET + m];
      sumPos += state[MODE_OFFSET + K + m];
    }
    const gNeg = current / (SECONDS_PER_HOUR * p.capacityNeg);
    const gPos = -current / (SECONDS_PER_HOUR * p.capacityPos);
    const xs = state[S.stoichNeg] + sumNeg - (cell.tailCoefficient * gNeg) / this.diffusionRate(p.diffusionTimeNeg, p.diffusionActivationNeg, T);
    const ys = state[S.stoichPos] + sumPos - (cell.tailCoefficient * gPos) / this.diffusionRate(p.diffusionTimePos, p.diffusionActivationPos, T);
    const dT = T - cell.referenceTemperature;
    let uNeg = openCircuitPotential(this.ocpNeg, xs);
    let uPos = openCircuitPotential(this.ocpPos, ys);
    let entropic = 0;
    if (this.hasEntropic) {
      const dUn = evaluateSeries(this.entropicNeg, clip(xs, OCP_STOICH_MIN));
      const dUp = evaluateSeries(this.entropicPos, clip(ys, OCP_STOICH_MIN));
      uNeg += dT * dUn;
      uPos += dT * dUp;
      entropic = dUn - dUp;
    }
    // Kinetics: j/(2 j0) at theta = 1, then divided by sqrt(theta) volume by volume.
    const sn = clip(xs, KINETIC_STOICH_MIN);
    const sp = clip(ys, KINETIC_STOICH_MIN);
    const ref = cell.referenceTemperature;
    const ratioNeg = current / (p.kineticCurrentNeg * arrheniusFactor(p.kineticActivationNeg, ref, T) * Math.sqrt(sn * (1 - sn)));
    const ratioPos = -current / (p.kineticCurrentPos * arrheniusFactor(p.kineticActivationPos, ref, T) * Math.sqrt(sp * (1 - sp)));
    const z = this.summaryOffset;
    const asinhNeg = meanAsinh(ratioNeg, state[z + X.nodeNeg1], state[z + X.nodeNeg2], state[z + X.weightNeg1]);
    const asinhPos = meanAsinh(ratioPos, state[z + X.nodePos1], state[z + X.nodePos2], state[z + X.weightPos1]);
    const thermalVoltage = (2 * GAS_CONSTANT * T) / FARADAY;
    const etaNeg = thermalVoltage * asinhNeg;
    const etaPos = thermalVoltage * asinhPos;
    const etaC = e.macinnesCoefficient * T * (state[z + X.lnMeanPos] - state[z + X.lnMeanNeg]);
    const dPhiE = (-current * e.electrolyteResistance) / arrheniusFactor(e.conductivityActivation, ref, T);
    ev.surfaceStoichNeg = xs;
    ev.surfaceStoichPos = ys;
    ev.surfaceOcv = uPos - uNeg;
    ev.reactionOverpotentialNeg = etaNeg;
    ev.reactionOverpotentialPos = etaPos;
    ev.concentrationOverpotential = etaC;
    ev.electrolyteOhmicDrop = dPhiE;
    ev.voltage = uPos - uNeg + etaPos - etaNeg + etaC + dPhiE - current * (e.solidResistance + p.contactResistance);
    const h = ev.heatTerms;
    h.ohmicElectrolyte = -current * (etaC + dPhiE);
    h.ohmicSolid = current * current * e.solidResistance;
    h.ohmicCollector = current * current * p.collectorResistance;
    h.contact = current * current * p.contactResistance;
    h.irreversible = current * (etaNeg - etaPos);
    h.reversible = current * T * entropic;
    ev.heat = h.ohmicElectrolyte + h.ohmicSolid + h.ohmicCollector + h.contact + h.irreversible + h.reversible;
    return ev;
  }

  /**
   * One time step at constant current: particles exactly (at the start temperature), electrolyte by the implicit
   * step (D_e at the start state and temperature), temperature by the SPM's Heun update with the SPMe heat. Returns
   * the heat [J] per term (Heun average, as the temperature sees it), the cooling [J] and the start voltage.
   */
  step(
    state: Float64Array,
    p: CellKernelParameters,
    e: ElectrolyteKernelParameters,
    current: number,
    dt: number,
    ev: SpmeEvaluation = newSpmeEvaluation(),
    externalHeat = 0,
  ): SpmeStepEnergy {
    const { cell } = this;
    const T0 = cell.temperature(state);
    const start = this.evaluate(state, p, e, current, T0, this.startScratch);
    const voltageStart = start.voltage;
    const heatStart = start.heat;
    const startTerms = Object.assign(this.startTerms, start.heatTerms);
    cell.advanceParticles(state, p, current, dt);
    // Both store every value through this.r: an f32 electrolyte state when f32Electrolyte is set.
    advanceElectrolyte(state, this.offset, this.model, e, current, T0, dt, this.scratch, this.scheme, this.r);
    summarizeElectrolyte(state, this.offset, this.model.mesh, state, this.summaryOffset, this.r);
    const heatTerms = zeroHeat();
    if (cell.thermal === 'isothermal') {
      this.evaluate(state, p, e, current, T0, ev);
      for (const k of HEAT_TERMS) heatTerms[k] = 0.5 * (startTerms[k] + ev.heatTerms[k]) * dt;
      const heat = 0.5 * (heatStart + ev.heat) * dt;
      return { heat, cooling: heat, heatTerms, voltageStart };
    }
    const rise0 = state[S.temperatureRise];
    cell.advanceTemperature(state, p, heatStart + externalHeat, dt);
    const predicted = this.evaluate(state, p, e, current, cell.temperature(state), ev);
    for (const k of HEAT_TERMS) heatTerms[k] = 0.5 * (startTerms[k] + predicted.heatTerms[k]) * dt;
    const heat = 0.5 * (heatStart + predicted.heat);
    state[S.temperatureRise] = rise0;
    const energy = cell.advanceTemperature(state, p, heat + externalHeat, dt);
    this.evaluate(state, p, e, current, cell.temperature(state), ev);
    return { heat: heat * dt, cooling: energy.cooling, heatTerms, voltageStart };
  }
}

/** w1 asinh(u s1) + (1 - w1) asinh(u s2): the x-average of asinh(u theta^(-1/2)) by the summary's Gauss rule. */
export function meanAsinh(u: number, s1: number, s2: number, w1: number): number {
  return w1 * Math.asinh(u * s1) + (1 - w1) * Math.asinh(u * s2);
}

function clip(s: number, eps: number): number {
  return s < eps ? eps : s > 1 - eps ? 1 - eps : s;
}

// ---------------------------------------------------------------------------------------------------------------
// Constant-current discharge (the measurements of docs/numerics.md)
// ---------------------------------------------------------------------------------------------------------------

export interface SpmeDischargeOptions extends SpmeKernelOptions {
  /** Discharge current [A] (> 0). */
  current: number;
  /** Lower cut-off [V] (default: the set's). */
  cutoff?: number;
  soc?: number;
  /** Fixed time step [s] (default 10). */
  timeStep?: number;
  overrides?: CellOverrides;
  /** Stop here [s] if the cut-off comes later. */
  duration?: number;
}

export interface SpmeDischargeResult {
  time: number[];
  voltage: number[];
  temperature: number[];
  /** Electrolyte concentration [mol/m3] extrapolated to x = 0 and x = L_x (zero slope there), per recorded time. */
  ceNegativeCc: number[];
  cePositiveCc: number[];
  capacityAh: number;
  durationS: number;
  finalTemperatureK: number;
  /** Heat per term and in total [J], and cooling [J], over the run. */
  heatJ: HeatBreakdown & { total: number };
  coolingJ: number;
  /** 'electrolyte-depleted': c_e fell to 10 mol/m3 somewhere (the SPMe's limit) before the cut-off. */
  endReason: 'cutoff' | 'duration' | 'electrolyte-depleted';
  finalState: Float64Array;
  /** Total salt in the electrolyte per electrode area relative to the start (1 = conserved). */
  saltRatio: number;
}

/**
 * Discharge one cell at constant current to the cut-off on the fixed grid; the crossing is located inside the last
 * step by re-integrating it (Illinois on the step length), as the SPM's simulateCell does.
 */
export function simulateSpmeDischarge(set: ParameterSet, options: SpmeDischargeOptions): SpmeDischargeResult {
  const I = options.current;
  if (!(I > 0 && Number.isFinite(I))) throw new CellspreadInputError('current', 'must be a finite number > 0', I);
  const dt = options.timeStep ?? 10;
  if (!(dt > 0 && Number.isFinite(dt))) throw new CellspreadInputError('timeStep', 'must be a number > 0', dt);
  const cutoff = options.cutoff ?? options.overrides?.['electrical.lowerVoltageCutoff'] ?? set.electrical.lowerVoltageCutoff;
  const kernel = new SpmeKernel(set, options);
  const p = deriveCellParameters(set, options.soc ?? 1, options.overrides);
  const e = deriveElectrolyteParameters(set, kernel.model.mesh, options.overrides);
  const state = kernel.initialState(p);
  const trial = new Float64Array(kernel.stateLength);
  const ev = newSpmeEvaluation();
  const o = kernel.offset;
  const n = electrolyteStateLength(kernel.model.mesh);
  const pore = poreWidths(kernel.model.mesh, e);
  const salt = (s: Float64Array) => pore.reduce((sum, w, j) => sum + w * s[o + j], 0);
  const salt0 = salt(state);
  const out: SpmeDischargeResult = {
    time: [],
    voltage: [],
    temperature: [],
    ceNegativeCc: [],
    cePositiveCc: [],
    capacityAh: 0,
    durationS: 0,
    finalTemperatureK: kernel.temperature(state),
    heatJ: { ...zeroHeat(), total: 0 },
    coolingJ: 0,
    endReason: 'duration',
    finalState: state,
    saltRatio: 1,
  };
  const record = (t: number, s: Float64Array, voltage: number) => {
    out.time.push(t);
    out.voltage.push(voltage);
    out.temperature.push(kernel.temperature(s));
    out.ceNegativeCc.push(e.electrolyteConcentration * ((9 * s[o] - s[o + 1]) / 8));
    out.cePositiveCc.push(e.electrolyteConcentration * ((9 * s[o + n - 1] - s[o + n - 2]) / 8));
  };
  record(0, state, kernel.evaluate(state, p, e, I, kernel.temperature(state), ev).voltage);
  const tEnd = options.duration ?? Infinity;
  const limit = (1.5 * SECONDS_PER_HOUR * Math.max(p.capacityNeg, p.capacityPos)) / I;
  // The SPMe holds while the electrolyte does: below 10 mol/m3 (PyBaMM's floor inside D_e and kappa_e) it stops.
  const depleted = TRANSPORT_CONCENTRATION_MIN / e.electrolyteConcentration;
  const minTheta = (s: Float64Array) => {
    let m = Infinity;
    for (let j = 0; j < n; j++) m = Math.min(m, s[o + j]);
    return m;
  };
  const stepTo = (tau: number) => {
    trial.set(state);
    return kernel.step(trial, p, e, I, tau, ev);
  };
  let t = 0;
  for (let k = 1; ; k++) {
    const h = Math.min(k * dt, tEnd) - t;
    let energy = stepTo(h);
    let taken = h;
    const belowCutoff = ev.voltage <= cutoff;
    const dry = minTheta(trial) <= depleted;
    if (belowCutoff || dry) {
      // The earlier of the two crossings, each located by re-integrating the step from its start.
      const cross = (f: (tau: number) => number) => {
        const tau = illinois(f, 0, h, 1e-12);
        return Number.isFinite(tau) ? tau : h;
      };
      const tauV = belowCutoff ? cross((tau) => (stepTo(tau), ev.voltage - cutoff)) : Infinity;
      const tauE = dry ? cross((tau) => (stepTo(tau), minTheta(trial) - depleted)) : Infinity;
      taken = Math.min(tauV, tauE);
      out.endReason = tauV <= tauE ? 'cutoff' : 'electrolyte-depleted';
      energy = stepTo(taken);
    }
    state.set(trial);
    t += taken;
    for (const term of HEAT_TERMS) out.heatJ[term] += energy.heatTerms[term];
    out.heatJ.total += energy.heat;
    out.coolingJ += energy.cooling;
    record(t, state, out.endReason === 'cutoff' ? cutoff : ev.voltage);
    if (out.endReason !== 'duration' || t >= tEnd) break;
    if (t > limit) throw new CellspreadInputError('cutoff', 'was never reached within the full electrode capacity', cutoff);
  }
  out.capacityAh = (I * t) / SECONDS_PER_HOUR;
  out.durationS = t;
  out.finalTemperatureK = kernel.temperature(state);
  out.saltRatio = salt(state) / salt0;
  return out;
}

/** eps_j h_j of every finite volume. */
export function poreWidths(mesh: ElectrolyteMesh, e: ElectrolyteKernelParameters): number[] {
  return [
    ...Array<number>(mesh.negative).fill(e.poreWidthNeg),
    ...Array<number>(mesh.separator).fill(e.poreWidthSep),
    ...Array<number>(mesh.positive).fill(e.poreWidthPos),
  ];
}
