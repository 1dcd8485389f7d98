// The step template around the generated kernels (assembly/kernel.generated.ts), two cells at a time, one per f64x2
// lane: the AssemblyScript copy of src/model/cell.ts (CellKernel.prepare / finish), SEI growth included (`aging`). A
// single cell runs with both lanes on the same inputs, which makes a pack's outputs independent of how packs were
// paired or split.
import { S_TEMPERATURE_RISE } from './layout.generated';
import {
  apply, applyTangent, evaluate, evaluateCurrentTangent, evaluateHeat, evaluateHeatTangent, evaluatePredictor, evaluatePredictorTangent, evaluateStart,
  evaluateStartTangent, evaluateTangent, integrate, integrateTangent, limits, outCooling, outDepletionMargin, outElectrolyteMinimum, outHeat,
  outHeatIrreversible, outHeatOhmicElectrolyte, outHeatOhmicSolid, outHeatReversible, outHeatTangent, outRise, outRiseTangent, outSeiDrive,
  outSeiDriveTangent, outSurfaceOcv, outVoltage, outVoltageTangent, prepare, thermal,
} from './kernel.generated';
import { at, lane0, lane1, put, sp, two } from './simd-math';

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
export let r1Voltage: f64 = 0;
export let r1Slope: f64 = 0;
export let r1Heat: f64 = 0;
export let r1Cooling: f64 = 0;
export let r1VoltageStart: f64 = 0;
export let r1OcvStart: f64 = 0;
export let r1OcvEnd: f64 = 0;
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

/** The current-independent part of a step from start states s over dt: end = a + b I. */
export function prepare2(s0: usize, a0: usize, b0: usize, p0: usize, dt0: f64, s1: usize, a1: usize, b1: usize, p1: usize, dt1: f64): void {
  prepare(s0, s1, a0, a1, b0, b1, p0, p1, two(dt0, dt1), at(s0, s1, S_TEMPERATURE_RISE));
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
  let heatJ: v128;
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
    const rise1Tangent = f64x2.mul(outRiseTangent, heatTangent);
    heatJ = f64x2.mul(heat, dt);
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
