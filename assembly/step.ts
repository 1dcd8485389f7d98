// The step template around the generated kernels (assembly/kernel.generated.ts), two cells at a time, one per f64x2
// lane: the AssemblyScript copy of src/model/cell.ts (CellKernel.prepare / finish), SEI growth included (`aging`). A
// single cell runs with both lanes on the same inputs, which makes a pack's outputs independent of how packs were
// paired or split.
import { S_TEMPERATURE_RISE } from './layout.generated';
import {
  apply, applyTangent, evaluate, evaluateCurrentTangent, evaluateHeat, evaluateHeatTangent, evaluatePredictor, evaluatePredictorTangent, evaluateStart,
  evaluateStartTangent, evaluateTangent, integrate, integrateTangent, limits, outCooling, outDepletionMargin, outElectrolyteMinimum, outHeat,
  outHeatIrreversible, outHeatOhmicElectrolyte, outHeatOhmicSolid, outHeatReversible, outHeatTangent, outRise, outRiseSensitive, outRiseTangent, outSeiDrive,
  outSeiDriveTangent, outStoichiometryMargin, outSurfaceOcv, outVoltage, outVoltageTangent, prepare, prepareFactors, prepareStart, thermal,
} from './kernel.generated';
import { at, lane0, lane1, ld, put, sp, st, two } from './simd-math';

export let isothermal: bool = false;
/** SEI growth is on: the integrate kernels run in every step. */
export let aging: bool = false;

export function configureStep(iso: bool, ageing: bool): void {
  isothermal = iso;
  aging = ageing;
}

/** The SEI growth of the end states from the drives (with `slope`, its derivative in the current into b). */
// @ts-ignore: decorator
@inline function grow(s0: usize, s1: usize, e0: usize, e1: usize, b0: usize, b1: usize, p0: usize, p1: usize, d0: v128, d1: v128, dt: v128, t0: v128, t1: v128, slope: bool): void {
  if (slope) integrateTangent(s0, s1, e0, e1, b0, b1, p0, p1, d0, d1, dt, t0, t1);
  else integrate(s0, s1, e0, e1, p0, p1, d0, d1, dt);
}

// ---- Per-lane results of the last finish2
export let r0Voltage: f64 = 0;
export let r0Slope: f64 = 0;
export let r0Heat: f64 = 0;
export let r0Cooling: f64 = 0;
export let r0VoltageStart: f64 = 0;
export let r0OcvStart: f64 = 0;
export let r0OcvEnd: f64 = 0;
export let r0StoichMargin: f64 = 0;
// With a slope, the end rise and the thermal part's derivatives in the current (for correct2); 0 without.
export let r0Rise: f64 = 0;
export let r0RiseTangent: f64 = 0;
export let r0HeatTangent: f64 = 0;
export let r0VoltageStartTangent: f64 = 0;
export let r1Voltage: f64 = 0;
export let r1Slope: f64 = 0;
export let r1Heat: f64 = 0;
export let r1Cooling: f64 = 0;
export let r1VoltageStart: f64 = 0;
export let r1OcvStart: f64 = 0;
export let r1OcvEnd: f64 = 0;
export let r1StoichMargin: f64 = 0;
// Heat terms over the step [J] (irreversible, reversible, electrolyte Ohmic, solid Ohmic: Heun averages), and the end
// state's lowest c_e / c_e0 and margin to depletion.
export let r0Irreversible: f64 = 0;
export let r0Reversible: f64 = 0;
export let r0OhmicElectrolyte: f64 = 0;
export let r0OhmicSolid: f64 = 0;
export let r0Minimum: f64 = 1;
export let r0Margin: f64 = 1;
export let r1Irreversible: f64 = 0;
export let r1Reversible: f64 = 0;
export let r1OhmicElectrolyte: f64 = 0;
export let r1OhmicSolid: f64 = 0;
export let r1Minimum: f64 = 1;
export let r1Margin: f64 = 1;
export let r1Rise: f64 = 0;
export let r1RiseTangent: f64 = 0;
export let r1HeatTangent: f64 = 0;
export let r1VoltageStartTangent: f64 = 0;

/** The current-independent part of a step from start states s over dt: end = a + b I. */
export function prepare2(s0: usize, a0: usize, b0: usize, p0: usize, dt0: f64, s1: usize, a1: usize, b1: usize, p1: usize, dt1: f64): void {
  prepare(s0, s1, a0, a1, b0, b1, p0, p1, two(dt0, dt1), at(s0, s1, S_TEMPERATURE_RISE));
}

/** Per-cell record of the factors a cell keeps (prepareKept2): the step length, the temperature rise, riseSensitive. */
export const KEPT_DT = 0;
export const KEPT_RISE = 1;
export const KEPT_SENSITIVE = 2;
export const KEPT_FIELDS = 3;

// @ts-ignore: decorator
@inline function keptValid(k: usize, dt: f64, rise: f64): bool {
  return ld(k, KEPT_DT) == dt && (ld(k, KEPT_SENSITIVE) == 0 || ld(k, KEPT_RISE) == rise);
}

/**
 * prepare2 with the factors f (exponentials of the modal decay) kept per cell: prepareFactors runs only when the step
 * length changed, or the temperature changed and the factors depend on it (Arrhenius diffusivities), prepareStart every
 * time. Bit for bit what prepare2 writes (test/kernels/prepare-split.test.ts). `k`: the cell's KEPT_FIELDS record (a
 * NaN step length: nothing kept); b is written only with the factors, so it must be the cell's own buffer.
 */
export function prepareKept2(
  s0: usize, a0: usize, b0: usize, f0: usize, k0: usize, p0: usize, dt0: f64,
  s1: usize, a1: usize, b1: usize, f1: usize, k1: usize, p1: usize, dt1: f64,
): void {
  const rise = at(s0, s1, S_TEMPERATURE_RISE);
  const r0 = lane0(rise);
  const r1 = lane1(rise);
  const dt = two(dt0, dt1);
  if (!keptValid(k0, dt0, r0) || !keptValid(k1, dt1, r1)) {
    prepareFactors(b0, b1, f0, f1, p0, p1, dt, rise);
    st(k0, KEPT_DT, dt0);
    st(k0, KEPT_RISE, r0);
    st(k0, KEPT_SENSITIVE, lane0(outRiseSensitive));
    st(k1, KEPT_DT, dt1);
    st(k1, KEPT_RISE, r1);
    st(k1, KEPT_SENSITIVE, lane1(outRiseSensitive));
  }
  prepareStart(s0, s1, f0, f1, a0, a1, b0, b1, p0, p1, dt, rise);
}

/**
 * A step from start states s at currents I over dt with external heat q, from the prepared parts a and b: end states
 * to e, results to r0* and r1*; with `slope`, r*Slope = dV_end/dI (exact, through the Heun thermal update).
 */
export function finish2(
  s0: usize, a0: usize, b0: usize, e0: usize, p0: usize, I0: f64, dt0: f64, q0: f64,
  s1: usize, a1: usize, b1: usize, e1: usize, p1: usize, I1: f64, dt1: f64, q1: f64,
  slope: bool,
): void {
  const I = two(I0, I1);
  const dt = two(dt0, dt1);
  const q = two(q0, q1);
  // With the slope, b becomes the end state's whole derivative in I (the summaries' too).
  if (slope) applyTangent(a0, a1, b0, b1, e0, e1, p0, p1, I);
  else apply(a0, a1, b0, b1, e0, e1, p0, p1, I);
  const rise0 = at(s0, s1, S_TEMPERATURE_RISE);
  // An ageing step needs the SEI drive at the start too.
  if (aging) {
    if (slope) evaluateStartTangent(s0, s1, p0, p1, I, rise0, sp(0));
    else evaluateStart(s0, s1, p0, p1, I, rise0);
  } else if (slope) evaluateCurrentTangent(s0, s1, p0, p1, I, rise0, sp(0));
  else evaluate(s0, s1, p0, p1, I, rise0);
  const voltageStart = outVoltage;
  const voltageStartTangent = slope ? outVoltageTangent : sp(0);
  const ocvStart = outSurfaceOcv;
  const heatStart = outHeat;
  const heatStartTangent = slope ? outHeatTangent : sp(0);
  const irreversibleStart = outHeatIrreversible;
  const reversibleStart = outHeatReversible;
  const electrolyteStart = outHeatOhmicElectrolyte;
  const solidStart = outHeatOhmicSolid;
  const drive0 = outSeiDrive;
  const drive0Tangent = slope ? outSeiDriveTangent : sp(0);
  let rise1 = rise0;
  let rise1Tangent = sp(0);
  let heatJ: v128;
  let heatJTangent = sp(0);
  let cooling: v128;
  if (isothermal) {
    if (aging) {
      // SEI: predicted with the start drive, corrected with the drive at the predicted end.
      grow(s0, s1, e0, e1, b0, b1, p0, p1, drive0, drive0, dt, drive0Tangent, drive0Tangent, slope);
      if (slope) evaluatePredictorTangent(e0, e1, b0, b1, p0, p1, I, rise0, sp(0));
      else evaluatePredictor(e0, e1, p0, p1, I, rise0);
      grow(s0, s1, e0, e1, b0, b1, p0, p1, drive0, outSeiDrive, dt, drive0Tangent, slope ? outSeiDriveTangent : sp(0), slope);
    }
    if (slope) evaluateTangent(e0, e1, b0, b1, p0, p1, I, rise0, sp(0));
    else evaluate(e0, e1, p0, p1, I, rise0);
    heatJ = f64x2.mul(f64x2.mul(sp(0.5), f64x2.add(heatStart, outHeat)), dt);
    if (slope) heatJTangent = f64x2.mul(f64x2.mul(sp(0.5), f64x2.add(heatStartTangent, outHeatTangent)), dt);
    cooling = heatJ;
    storeTerms(irreversibleStart, reversibleStart, electrolyteStart, solidStart, dt);
  } else {
    // Heun: predict the end temperature with the start heat, evaluate the end heat there, then average.
    thermal(p0, p1, rise0, f64x2.add(heatStart, q), dt);
    const risePredicted = outRise;
    const risePredictedTangent = f64x2.mul(outRiseTangent, heatStartTangent);
    let driveEnd = sp(0);
    let driveEndTangent = sp(0);
    if (aging) {
      // The SEI is predicted with the start drive; its drive at the predicted end comes with the end heat.
      grow(s0, s1, e0, e1, b0, b1, p0, p1, drive0, drive0, dt, drive0Tangent, drive0Tangent, slope);
      if (slope) evaluatePredictorTangent(e0, e1, b0, b1, p0, p1, I, risePredicted, risePredictedTangent);
      else evaluatePredictor(e0, e1, p0, p1, I, risePredicted);
      driveEnd = outSeiDrive;
      driveEndTangent = slope ? outSeiDriveTangent : sp(0);
    } else if (slope) evaluateHeatTangent(e0, e1, b0, b1, p0, p1, I, risePredicted, risePredictedTangent);
    // The predictor needs the heat alone (no OCPs: the heat-only kernels).
    else evaluateHeat(e0, e1, p0, p1, I, risePredicted);
    const heat = f64x2.mul(sp(0.5), f64x2.add(heatStart, outHeat));
    const heatTangent = slope ? f64x2.mul(sp(0.5), f64x2.add(heatStartTangent, outHeatTangent)) : sp(0);
    storeTerms(irreversibleStart, reversibleStart, electrolyteStart, solidStart, dt);
    thermal(p0, p1, rise0, f64x2.add(heat, q), dt);
    rise1 = outRise;
    rise1Tangent = f64x2.mul(outRiseTangent, heatTangent);
    heatJ = f64x2.mul(heat, dt);
    heatJTangent = f64x2.mul(heatTangent, dt);
    cooling = outCooling;
    if (aging) grow(s0, s1, e0, e1, b0, b1, p0, p1, drive0, driveEnd, dt, drive0Tangent, driveEndTangent, slope);
    if (slope) evaluateTangent(e0, e1, b0, b1, p0, p1, I, rise1, rise1Tangent);
    else evaluate(e0, e1, p0, p1, I, rise1);
  }
  put(e0, e1, S_TEMPERATURE_RISE, rise1);
  r0Voltage = lane0(outVoltage);
  r1Voltage = lane1(outVoltage);
  r0Slope = slope ? lane0(outVoltageTangent) : NaN;
  r1Slope = slope ? lane1(outVoltageTangent) : NaN;
  r0Heat = lane0(heatJ);
  r1Heat = lane1(heatJ);
  r0Cooling = lane0(cooling);
  r1Cooling = lane1(cooling);
  r0VoltageStart = lane0(voltageStart);
  r1VoltageStart = lane1(voltageStart);
  r0OcvStart = lane0(ocvStart);
  r1OcvStart = lane1(ocvStart);
  r0OcvEnd = lane0(outSurfaceOcv);
  r1OcvEnd = lane1(outSurfaceOcv);
  r0StoichMargin = lane0(outStoichiometryMargin);
  r1StoichMargin = lane1(outStoichiometryMargin);
  limits(e0, e1, p0, p1);
  r0Minimum = lane0(outElectrolyteMinimum);
  r1Minimum = lane1(outElectrolyteMinimum);
  r0Margin = lane0(outDepletionMargin);
  r1Margin = lane1(outDepletionMargin);
  r0Rise = lane0(rise1);
  r1Rise = lane1(rise1);
  r0RiseTangent = lane0(rise1Tangent);
  r1RiseTangent = lane1(rise1Tangent);
  r0HeatTangent = lane0(heatJTangent);
  r1HeatTangent = lane1(heatJTangent);
  r0VoltageStartTangent = lane0(voltageStartTangent);
  r1VoltageStartTangent = lane1(voltageStartTangent);
}

/**
 * The step at currents I from the last finish2 with slope at I - delta, its end rises `rise` and their derivatives
 * `riseTangent` (src/model/cell.ts CellKernel.correct): the particle (and electrolyte) states a + b I exactly into e
 * with the SPMe's summaries, the end rise to first order in delta, and the end voltage, stoichiometry margin and
 * electrolyte limits evaluated there (r*Voltage, r*OcvEnd, r*StoichMargin, r*Minimum, r*Margin). The host updates the
 * heat, its terms and the start voltage to first order itself (it holds their derivatives).
 */
export function correct2(
  a0: usize, b0: usize, e0: usize, p0: usize, I0: f64, delta0: f64, rise0: f64, riseTangent0: f64,
  a1: usize, b1: usize, e1: usize, p1: usize, I1: f64, delta1: f64, rise1: f64, riseTangent1: f64,
): void {
  const I = two(I0, I1);
  apply(a0, a1, b0, b1, e0, e1, p0, p1, I);
  const rise = f64x2.add(two(rise0, rise1), f64x2.mul(two(riseTangent0, riseTangent1), two(delta0, delta1)));
  put(e0, e1, S_TEMPERATURE_RISE, rise);
  evaluate(e0, e1, p0, p1, I, rise);
  r0Voltage = lane0(outVoltage);
  r1Voltage = lane1(outVoltage);
  r0OcvEnd = lane0(outSurfaceOcv);
  r1OcvEnd = lane1(outSurfaceOcv);
  r0StoichMargin = lane0(outStoichiometryMargin);
  r1StoichMargin = lane1(outStoichiometryMargin);
  r0Rise = lane0(rise);
  r1Rise = lane1(rise);
  limits(e0, e1, p0, p1);
  r0Minimum = lane0(outElectrolyteMinimum);
  r1Minimum = lane1(outElectrolyteMinimum);
  r0Margin = lane0(outDepletionMargin);
  r1Margin = lane1(outDepletionMargin);
}

/** Each heat term over the step [J]: the Heun average of its start value and the one of the last heat evaluation. */
function storeTerms(irreversible: v128, reversible: v128, electrolyte: v128, solid: v128, dt: v128): void {
  const h = f64x2.mul(sp(0.5), dt);
  const a = f64x2.mul(h, f64x2.add(irreversible, outHeatIrreversible));
  const b = f64x2.mul(h, f64x2.add(reversible, outHeatReversible));
  const c = f64x2.mul(h, f64x2.add(electrolyte, outHeatOhmicElectrolyte));
  const d = f64x2.mul(h, f64x2.add(solid, outHeatOhmicSolid));
  r0Irreversible = lane0(a);
  r1Irreversible = lane1(a);
  r0Reversible = lane0(b);
  r1Reversible = lane1(b);
  r0OhmicElectrolyte = lane0(c);
  r1OhmicElectrolyte = lane1(c);
  r0OhmicSolid = lane0(d);
  r1OhmicSolid = lane1(d);
}
