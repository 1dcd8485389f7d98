// The f32 step template around the generated cell kernels: the WGSL copy of src/model/cell.ts (CellKernel.finish),
// SEI growth included (AGING), shared by the pack kernel (pack.wgsl) and the kernel conformance check
// (conformance.wgsl). Needs prm(row, cell), LUMPED and AGING from the including shader.

// The cell being stepped: its start state, its end state, and the prepared step end = part A + part B * I.
var<private> cs: CellState;
var<private> ce: CellState;
var<private> ca: CellState;
var<private> cb: CellState;

struct StepOut {
  voltage: f32,    // end voltage
  slope: f32,      // its exact dV/dI (0 when not asked for)
  heatJ: f32,      // heat generated over the step [J]
  vStart: f32,     // voltage at the start of the step with the step's current
  stoichMargin: f32, // end distance of the particle surfaces from the ends of the stoichiometry range
  terms: vec4<f32>, // heat terms over the step [J]: irreversible, reversible, electrolyte Ohmic, solid Ohmic
  minimum: f32,    // lowest c_e / c_e0 of the end state (1 for the SPM)
  margin: f32,     // its margin to electrolyte depletion
}

// The end of a step from cs (start) and ca, cb (prepared) at current I into ce: the Heun thermal update, with the
// derivative in I carried through it when `slope`.
fn cell_finish(c: u32, I: f32, dt: f32, q: f32, slope: bool) -> StepOut {
  // With the slope, cb becomes the end state's whole derivative in I (the summaries' too).
  if (slope) {
    cell_apply_tangent(&ca, &cb, &ce, c, I);
  } else {
    cell_apply(&ca, &cb, &ce, c, I);
  }
  let rise0 = cs[S_TEMPERATURE_RISE];
  var o: StepOut;
  var heatStart: f32;
  var heatStartT = 0.0;
  var termsStart: vec4<f32>;
  var drive0: f32;
  var drive0T = 0.0;
  // An ageing step needs the SEI drive at the start too.
  if (AGING && slope) {
    let e = cell_evaluate_start_tangent(&cs, c, I, rise0, 0.0);
    o.vStart = e.voltage;
    heatStart = e.heat;
    heatStartT = e.heatTangent;
    drive0 = e.seiDrive;
    drive0T = e.seiDriveTangent;
    termsStart = vec4<f32>(e.heatIrreversible, e.heatReversible, e.heatOhmicElectrolyte, e.heatOhmicSolid);
  } else if (AGING) {
    let e = cell_evaluate_start(&cs, c, I, rise0);
    o.vStart = e.voltage;
    heatStart = e.heat;
    drive0 = e.seiDrive;
    termsStart = vec4<f32>(e.heatIrreversible, e.heatReversible, e.heatOhmicElectrolyte, e.heatOhmicSolid);
  } else if (slope) {
    let e = cell_evaluate_current_tangent(&cs, c, I, rise0, 0.0);
    o.vStart = e.voltage;
    heatStart = e.heat;
    heatStartT = e.heatTangent;
    termsStart = vec4<f32>(e.heatIrreversible, e.heatReversible, e.heatOhmicElectrolyte, e.heatOhmicSolid);
  } else {
    let e = cell_evaluate(&cs, c, I, rise0);
    o.vStart = e.voltage;
    heatStart = e.heat;
    termsStart = vec4<f32>(e.heatIrreversible, e.heatReversible, e.heatOhmicElectrolyte, e.heatOhmicSolid);
  }
  var rise1 = rise0;
  var rise1T = 0.0;
  if (LUMPED) {
    // Heun: predict the end temperature with the start heat, evaluate the end heat there, then average.
    let predicted = cell_thermal(c, rise0, heatStart + q, dt);
    var midHeat: f32;
    var midHeatT = 0.0;
    var midTerms: vec4<f32>;
    var driveEnd = 0.0;
    var driveEndT = 0.0;
    if (AGING) {
      // The SEI is predicted with the start drive; its drive at the predicted end comes with the end heat.
      cell_grow(c, drive0, drive0, dt, drive0T, drive0T, slope);
      let mid = cell_predictor(c, I, predicted.rise, predicted.riseTangent * heatStartT, slope);
      midHeat = mid.heat;
      midHeatT = mid.heatTangent;
      driveEnd = mid.seiDrive;
      driveEndT = mid.seiDriveTangent;
      midTerms = vec4<f32>(mid.heatIrreversible, mid.heatReversible, mid.heatOhmicElectrolyte, mid.heatOhmicSolid);
    } else if (slope) {
      // The predictor needs the heat alone (no OCPs: the heat-only kernels).
      let mid = cell_evaluate_heat_tangent(&ce, &cb, c, I, predicted.rise, predicted.riseTangent * heatStartT);
      midHeat = mid.heat;
      midHeatT = mid.heatTangent;
      midTerms = vec4<f32>(mid.heatIrreversible, mid.heatReversible, mid.heatOhmicElectrolyte, mid.heatOhmicSolid);
    } else {
      let mid = cell_evaluate_heat(&ce, c, I, predicted.rise);
      midHeat = mid.heat;
      midTerms = vec4<f32>(mid.heatIrreversible, mid.heatReversible, mid.heatOhmicElectrolyte, mid.heatOhmicSolid);
    }
    o.terms = 0.5 * (termsStart + midTerms) * dt;
    let heat = 0.5 * (heatStart + midHeat);
    let corrected = cell_thermal(c, rise0, heat + q, dt);
    rise1 = corrected.rise;
    rise1T = corrected.riseTangent * 0.5 * (heatStartT + midHeatT);
    o.heatJ = heat * dt;
    if (AGING) {
      cell_grow(c, drive0, driveEnd, dt, drive0T, driveEndT, slope);
    }
  } else if (AGING) {
    // SEI: predicted with the start drive, corrected with the drive at the predicted end.
    cell_grow(c, drive0, drive0, dt, drive0T, drive0T, slope);
    let mid = cell_predictor(c, I, rise0, 0.0, slope);
    cell_grow(c, drive0, mid.seiDrive, dt, drive0T, mid.seiDriveTangent, slope);
  }
  let e = end_evaluation(c, I, rise1, rise1T, slope);
  if (!LUMPED) {
    o.heatJ = 0.5 * (heatStart + e.heat) * dt;
    o.terms = 0.5 * (termsStart + vec4<f32>(e.heatIrreversible, e.heatReversible, e.heatOhmicElectrolyte, e.heatOhmicSolid)) * dt;
  }
  ce[S_TEMPERATURE_RISE] = rise1;
  o.voltage = e.voltage;
  o.slope = e.voltageTangent;
  o.stoichMargin = e.stoichiometryMargin;
  let lim = cell_limits(&ce, c);
  o.minimum = lim.electrolyteMinimum;
  o.margin = lim.depletionMargin;
  return o;
}

// The SEI growth of ce from cs and the drives (with `slope`, its derivative in the current into cb).
fn cell_grow(c: u32, d0: f32, d1: f32, dt: f32, t0: f32, t1: f32, slope: bool) {
  if (slope) {
    cell_integrate_tangent(&cs, &ce, &cb, c, d0, d1, dt, t0, t1);
  } else {
    cell_integrate(&cs, &ce, c, d0, d1, dt);
  }
}

// The heat, its terms and the SEI drive at ce, with (slope) their derivatives along cb, the current and riseT.
fn cell_predictor(c: u32, I: f32, rise: f32, riseT: f32, slope: bool) -> EvaluatePredictorTangentOutputs {
  if (slope) {
    return cell_evaluate_predictor_tangent(&ce, &cb, c, I, rise, riseT);
  }
  let e = cell_evaluate_predictor(&ce, c, I, rise);
  var r: EvaluatePredictorTangentOutputs;
  r.heat = e.heat;
  r.heatIrreversible = e.heatIrreversible;
  r.heatReversible = e.heatReversible;
  r.heatOhmicElectrolyte = e.heatOhmicElectrolyte;
  r.heatOhmicSolid = e.heatOhmicSolid;
  r.seiDrive = e.seiDrive;
  return r;
}

// The end state ce evaluated at a temperature rise, with (slope) the derivative along the state's (cb), the current
// and the rise's tangent riseT.
fn end_evaluation(c: u32, I: f32, rise: f32, riseT: f32, slope: bool) -> EvaluateTangentOutputs {
  if (slope) {
    return cell_evaluate_tangent(&ce, &cb, c, I, rise, riseT);
  }
  let e = cell_evaluate(&ce, c, I, rise);
  var r: EvaluateTangentOutputs;
  r.voltage = e.voltage;
  r.heat = e.heat;
  r.stoichiometryMargin = e.stoichiometryMargin;
  r.heatIrreversible = e.heatIrreversible;
  r.heatReversible = e.heatReversible;
  r.heatOhmicElectrolyte = e.heatOhmicElectrolyte;
  r.heatOhmicSolid = e.heatOhmicSolid;
  return r;
}

