// The SPM + lumped thermal cell kernel in f64: an exact port of src/model/cell.ts (CellKernel).
// State, parameters and series coefficients live in linear memory; the layout is assembly/layout.generated.ts.
import {
  P_CAPACITY_NEG, P_CAPACITY_POS, P_DIFFUSION_TIME_NEG, P_DIFFUSION_TIME_POS, P_DIFFUSION_ACTIVATION_NEG,
  P_DIFFUSION_ACTIVATION_POS, P_KINETIC_CURRENT_NEG, P_KINETIC_CURRENT_POS, P_KINETIC_ACTIVATION_NEG,
  P_KINETIC_ACTIVATION_POS, P_CONTACT_RESISTANCE, P_COLLECTOR_RESISTANCE, P_HEAT_CAPACITY, P_COOLING_CONDUCTANCE,
  P_AMBIENT_TEMPERATURE, P_INITIAL_STOICH_NEG, P_INITIAL_STOICH_POS, P_INITIAL_TEMPERATURE,
  S_STOICH_NEG, S_STOICH_POS, S_TEMPERATURE_RISE, CELL_STATE_FIXED,
  GAS_CONSTANT, FARADAY, OCP_STOICH_MIN, OCP_REGULARISATION, KINETIC_STOICH_MIN,
} from './layout.generated';

const SECONDS_PER_HOUR: f64 = 3600;

/** f64 at index i of the array at p. */
// @ts-ignore: decorator
@inline export function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline export function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// ---- Kernel configuration (one model per instance, set by configureCell) ----
export let K: i32 = 10;
export let stateLength: i32 = CELL_STATE_FIXED + 20;
export let isothermal: bool = false;
export let referenceTemperature: f64 = 298.15;
export let tailCoefficient: f64 = 0;
/** mu_m^2, K values. */
export let eigenvalues: usize = 0;
/** Series functions: [constant, linear, nExp, nTanh, (amplitude, rate) x nExp, (amplitude, slope, center) x nTanh]. */
export let ocpNeg: usize = 0;
export let ocpPos: usize = 0;
export let entropicNeg: usize = 0;
export let entropicPos: usize = 0;
export let hasEntropic: bool = false;

export function configureCell(modes: i32, iso: bool, refT: f64, tail: f64, eig: usize, on: usize, op: usize, en: usize, ep: usize): void {
  K = modes;
  stateLength = CELL_STATE_FIXED + 2 * modes;
  isothermal = iso;
  referenceTemperature = refT;
  tailCoefficient = tail;
  eigenvalues = eig;
  ocpNeg = on;
  ocpPos = op;
  entropicNeg = en;
  entropicPos = ep;
  hasEntropic = !seriesIsZero(en) || !seriesIsZero(ep);
}

function seriesIsZero(f: usize): bool {
  return ld(f, 0) == 0 && ld(f, 1) == 0 && ld(f, 2) == 0 && ld(f, 3) == 0;
}

export function evaluateSeries(f: usize, s: f64): f64 {
  let u = ld(f, 0) + ld(f, 1) * s;
  const nExp = <i32>ld(f, 2);
  const nTanh = <i32>ld(f, 3);
  let q = 4;
  for (let i = 0; i < nExp; i++, q += 2) u += ld(f, q) * Math.exp(ld(f, q + 1) * s);
  for (let i = 0; i < nTanh; i++, q += 3) u += ld(f, q) * Math.tanh(ld(f, q + 1) * (s - ld(f, q + 2)));
  return u;
}

export function openCircuitPotential(f: usize, stoich: f64): f64 {
  const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
  return evaluateSeries(f, s) + OCP_REGULARISATION * (1 / s + 1 / (s - 1));
}

// @ts-ignore: decorator
@inline function clip(s: f64, eps: f64): f64 {
  return s < eps ? eps : s > 1 - eps ? 1 - eps : s;
}

// ---- Evaluation results (CellEvaluation) ----
export let evVoltage: f64 = 0;
export let evHeat: f64 = 0;
export let evSurfaceStoichNeg: f64 = 0;
export let evSurfaceStoichPos: f64 = 0;
export let evSurfaceOcv: f64 = 0;

// ---- Step results (StepEnergy) ----
export let stepHeatJ: f64 = 0;
export let stepCoolingJ: f64 = 0;
export let stepVoltageStart: f64 = 0;
export let stepSurfaceOcvStart: f64 = 0;

export function initialState(s: usize, p: usize): void {
  for (let i = 0; i < stateLength; i++) st(s, i, 0);
  st(s, S_STOICH_NEG, ld(p, P_INITIAL_STOICH_NEG));
  st(s, S_STOICH_POS, ld(p, P_INITIAL_STOICH_POS));
  st(s, S_TEMPERATURE_RISE, ld(p, P_INITIAL_TEMPERATURE) - referenceTemperature);
}

// @ts-ignore: decorator
@inline export function temperature(s: usize): f64 {
  return referenceTemperature + ld(s, S_TEMPERATURE_RISE);
}

// @ts-ignore: decorator
@inline function diffusionRate(diffusionTime: f64, activation: f64, T: f64): f64 {
  return activation == 0 ? 1 / diffusionTime : Math.exp(activation * (1 / referenceTemperature - 1 / T)) / diffusionTime;
}

export function advanceParticles(s: usize, p: usize, current: f64, dt: f64): void {
  const T = temperature(s);
  const gNeg = current / (SECONDS_PER_HOUR * ld(p, P_CAPACITY_NEG));
  const gPos = -current / (SECONDS_PER_HOUR * ld(p, P_CAPACITY_POS));
  const rNeg = diffusionRate(ld(p, P_DIFFUSION_TIME_NEG), ld(p, P_DIFFUSION_ACTIVATION_NEG), T);
  const rPos = diffusionRate(ld(p, P_DIFFUSION_TIME_POS), ld(p, P_DIFFUSION_ACTIVATION_POS), T);
  st(s, S_STOICH_NEG, ld(s, S_STOICH_NEG) - gNeg * dt);
  st(s, S_STOICH_POS, ld(s, S_STOICH_POS) - gPos * dt);
  const base = CELL_STATE_FIXED;
  for (let m = 0; m < K; m++) {
    const mu2 = ld(eigenvalues, m);
    let lambda = mu2 * rNeg;
    let target = (-(2.0 / 3.0) * gNeg) / lambda;
    let i = base + m;
    st(s, i, target + (ld(s, i) - target) * Math.exp(-lambda * dt));
    lambda = mu2 * rPos;
    target = (-(2.0 / 3.0) * gPos) / lambda;
    i = base + K + m;
    st(s, i, target + (ld(s, i) - target) * Math.exp(-lambda * dt));
  }
}

/** Terminal voltage, heat source and surface quantities at the given state, current and temperature (into ev*). */
export function evaluate(s: usize, p: usize, current: f64, T: f64): void {
  // Surface stoichiometries.
  const base = CELL_STATE_FIXED;
  let sumNeg: f64 = 0;
  let sumPos: f64 = 0;
  for (let m = 0; m < K; m++) {
    sumNeg += ld(s, base + m);
    sumPos += ld(s, base + K + m);
  }
  const gNeg = current / (SECONDS_PER_HOUR * ld(p, P_CAPACITY_NEG));
  const gPos = -current / (SECONDS_PER_HOUR * ld(p, P_CAPACITY_POS));
  const rNeg = diffusionRate(ld(p, P_DIFFUSION_TIME_NEG), ld(p, P_DIFFUSION_ACTIVATION_NEG), T);
  const rPos = diffusionRate(ld(p, P_DIFFUSION_TIME_POS), ld(p, P_DIFFUSION_ACTIVATION_POS), T);
  const xs = ld(s, S_STOICH_NEG) + sumNeg - (tailCoefficient * gNeg) / rNeg;
  const ys = ld(s, S_STOICH_POS) + sumPos - (tailCoefficient * gPos) / rPos;
  evSurfaceStoichNeg = xs;
  evSurfaceStoichPos = ys;
  const dT = T - referenceTemperature;
  let uNeg = openCircuitPotential(ocpNeg, xs);
  let uPos = openCircuitPotential(ocpPos, ys);
  let reversible: f64 = 0;
  if (hasEntropic) {
    const dUn = evaluateSeries(entropicNeg, clip(xs, OCP_STOICH_MIN));
    const dUp = evaluateSeries(entropicPos, clip(ys, OCP_STOICH_MIN));
    uNeg += dT * dUn;
    uPos += dT * dUp;
    reversible = current * T * (dUn - dUp);
  }
  const invTdiff = 1 / referenceTemperature - 1 / T;
  const sn = clip(xs, KINETIC_STOICH_MIN);
  const sp = clip(ys, KINETIC_STOICH_MIN);
  const i0Neg = ld(p, P_KINETIC_CURRENT_NEG) * Math.exp(ld(p, P_KINETIC_ACTIVATION_NEG) * invTdiff) * Math.sqrt(sn * (1 - sn));
  const i0Pos = ld(p, P_KINETIC_CURRENT_POS) * Math.exp(ld(p, P_KINETIC_ACTIVATION_POS) * invTdiff) * Math.sqrt(sp * (1 - sp));
  const thermalVoltage = (2 * GAS_CONSTANT * T) / FARADAY;
  const etaNeg = thermalVoltage * Math.asinh(current / i0Neg);
  const etaPos = thermalVoltage * Math.asinh(-current / i0Pos);
  const rc = ld(p, P_CONTACT_RESISTANCE);
  evSurfaceOcv = uPos - uNeg;
  evVoltage = uPos - uNeg + etaPos - etaNeg - current * rc;
  evHeat = current * (etaNeg - etaPos) + reversible + current * current * (rc + ld(p, P_COLLECTOR_RESISTANCE));
}

/** Exact solution of C dT/dt = Q - hA (T - T_amb) over dt with Q constant; returns the cooling energy [J]. */
export function advanceTemperature(s: usize, p: usize, heat: f64, dt: f64): f64 {
  const C = ld(p, P_HEAT_CAPACITY);
  const hA = ld(p, P_COOLING_CONDUCTANCE);
  const rise0 = ld(s, S_TEMPERATURE_RISE);
  const ambientRise = ld(p, P_AMBIENT_TEMPERATURE) - referenceTemperature;
  let rise1: f64;
  if (hA > 0) {
    const decay = -Math.expm1((-hA * dt) / C);
    const steady = ambientRise + heat / hA;
    rise1 = rise0 + (steady - rise0) * decay;
  } else {
    rise1 = rise0 + (heat * dt) / C;
  }
  st(s, S_TEMPERATURE_RISE, rise1);
  const heatEnergy = heat * dt;
  return heatEnergy - C * (rise1 - rise0);
}

/** One full time step at constant current (CellKernel.step): results in step* and ev*. */
export function step(s: usize, p: usize, current: f64, dt: f64, externalHeat: f64): void {
  const T0 = temperature(s);
  evaluate(s, p, current, T0);
  stepVoltageStart = evVoltage;
  stepSurfaceOcvStart = evSurfaceOcv;
  const heatStart = evHeat;
  if (isothermal) {
    advanceParticles(s, p, current, dt);
    evaluate(s, p, current, T0);
    stepHeatJ = 0.5 * (heatStart + evHeat) * dt;
    stepCoolingJ = 0.5 * (heatStart + evHeat) * dt;
    return;
  }
  advanceParticles(s, p, current, dt);
  const rise0 = ld(s, S_TEMPERATURE_RISE);
  advanceTemperature(s, p, heatStart + externalHeat, dt);
  evaluate(s, p, current, temperature(s));
  const heatEndPredicted = evHeat;
  st(s, S_TEMPERATURE_RISE, rise0);
  const heat = 0.5 * (heatStart + heatEndPredicted);
  const cooling = advanceTemperature(s, p, heat + externalHeat, dt);
  evaluate(s, p, current, temperature(s));
  stepHeatJ = heat * dt;
  stepCoolingJ = cooling;
}
