// cellspread WebGPU kernel: one invocation runs one pack through the whole compiled protocol.
//
// A port of src/model/cell.ts (CellKernel) and src/pack/simulate.ts (PackSimulator) to f32. The source is assembled at
// load time by src/backends/webgpu/shader.ts from:
//   shaders/layout.generated.wgsl    P_*, S_*, O_*, SEG_*, MODE_*, STOP_* indices (generated from the TS layout)
//   a prelude                        study constants: N_CELLS, N_SERIES, N_PARALLEL, MODES, EIG, TAIL_COEF, DT, the
//                                    OCP / entropic series as functions ocp_neg_series(s) ..., LUMPED, CONDUCTION, ...
//   shaders/work-private.wgsl   or   per-cell working arrays in private memory (small packs: registers)
//   shaders/work-storage.wgsl        per-cell working arrays in a storage buffer laid out [slot][cell][pack]
//   this file.
//
// f32 choices (docs/webgpu.md): temperatures are carried as the rise over T_REF; 1/T_ref - 1/T is computed as
// rise / (T_ref T) without cancellation; tanh, expm1, log1p and asinh are our own stable versions; Newton and root
// finding tolerances are set at the f32 noise floor instead of the reference's f64 ones; energy-like sums are
// accumulated in blocks of BLOCK commits (partial sums) rather than relying on compensated summation.

struct Dispatch {
  packs: u32,      // packs in this dispatch
  groupsX: u32,    // workgroups along x (2-D dispatch beyond maxComputeWorkgroupsPerDimension)
  segments: u32,   // compiled segments
  budget: u32,     // loop iterations after which an invocation saves its pack at the next step and returns
}

@group(0) @binding(0) var<uniform> info: Dispatch;
// [param][cell][pack]: CELL_PARAMETER_COUNT generated rows followed by the derived rows D_* below.
@group(0) @binding(1) var<storage, read> params: array<f32>;
// SEGMENT_FIELD_COUNT f32 per segment (generated SEG_* layout).
@group(0) @binding(2) var<storage, read> segs: array<f32>;
// Per segment: number of steps (exact integer in f32) and the length of the last step, computed in f64 on the CPU.
@group(0) @binding(3) var<storage, read> segAux: array<f32>;
// Per pack: total interconnect resistance [Ohm] (sum over series groups in f64 on the CPU).
@group(0) @binding(4) var<storage, read> interconnect: array<f32>;
// [pack][OUT_STRIDE]: PACK_OUTPUT_COUNT outputs then the number of committed steps.
@group(0) @binding(5) var<storage, read_write> outputs: array<f32>;
// [field][pack]: what a pack carries from one dispatch to the next when it pauses at a step boundary (R_* fields, then
// the persistent per-cell slots of the private variant).
@group(0) @binding(7) var<storage, read_write> persist: array<f32>;
// Packs that paused in this dispatch (the host dispatches again until it reads 0).
@group(0) @binding(8) var<storage, read_write> pausedPacks: atomic<u32>;

// Derived per-cell rows after the generated parameters (computed in f64 on the CPU, uploaded as f32).
const D_G_NEG: u32 = CELL_PARAMETER_COUNT + 0u;        // 1 / (3600 Q_neg) [1/(A s)]
const D_G_POS: u32 = CELL_PARAMETER_COUNT + 1u;        // 1 / (3600 Q_pos)
const D_RATE_NEG: u32 = CELL_PARAMETER_COUNT + 2u;     // 1 / diffusion time [1/s]
const D_RATE_POS: u32 = CELL_PARAMETER_COUNT + 3u;
const D_AMBIENT_RISE: u32 = CELL_PARAMETER_COUNT + 4u; // T_amb - T_ref [K]
const D_INITIAL_RISE: u32 = CELL_PARAMETER_COUNT + 5u; // T_0 - T_ref [K]
const D_SOC_SCALE: u32 = CELL_PARAMETER_COUNT + 6u;    // 1 / (x_full - x_empty)
const D_HA_OVER_C: u32 = CELL_PARAMETER_COUNT + 7u;    // hA / C [1/s]
const D_INV_C: u32 = CELL_PARAMETER_COUNT + 8u;        // 1 / C [K/J]
const D_INITIAL_COMP_POS: u32 = CELL_PARAMETER_COUNT + 9u; // 1 - initial positive stoichiometry (f32 head)
const D_INITIAL_COMP_POS_LO: u32 = CELL_PARAMETER_COUNT + 10u; // its f32 tail (1 - y0 = head + tail)
const PARAM_ROWS: u32 = CELL_PARAMETER_COUNT + 11u;

const OUT_STRIDE: u32 = PACK_OUTPUT_COUNT + 1u;
const BIG: f32 = 1.0e30;
const MAX_NEWTON: i32 = 40;
const BLOCK: u32 = 32u;

// Working slots per cell (see work-*.wgsl): the start state, the trial state, then per-cell scalars.
const W_START: u32 = 0u;
const W_TRIAL: u32 = STATE_LEN;
const W_CURRENT: u32 = 2u * STATE_LEN;
const W_VOLTAGE: u32 = W_CURRENT + 1u;
const W_SLOPE: u32 = W_CURRENT + 2u;     // dV/dI; 0 = unknown (the reference's NaN)
const W_HEAT_IN: u32 = W_CURRENT + 3u;
const W_STEP_HEAT: u32 = W_CURRENT + 4u;
const W_V_START: u32 = W_CURRENT + 5u;
const W_GROUP_V: u32 = W_CURRENT + 6u;   // indexed by group
const W_TRIAL_I: u32 = W_CURRENT + 7u;   // indexed by position in the group
const W_TRIAL_V: u32 = W_CURRENT + 8u;
const W_DELTA: u32 = W_CURRENT + 9u;
const W_ZLO_START: u32 = W_CURRENT + 10u; // tail of the double-float positive surface complement Z (see evaluate())
const W_ZLO_TRIAL: u32 = W_CURRENT + 11u;
const W_LAST: u32 = W_ZLO_TRIAL;

// f32 replacements of the reference's f64 tolerances (docs/webgpu.md).
const CURRENT_TOLERANCE: f32 = 5.0e-5;   // reference 1e-10 (on currents; the voltage test below decides)
const VOLTAGE_TOLERANCE: f32 = 1.0e-5;   // group Newton: largest voltage gap of a converged cell [V]
const CURRENT_RESOLUTION: f32 = 5.0e-7;  // ... or its current update below ~4 f32 ulps
const POWER_TOLERANCE: f32 = 4.0e-6;     // reference 1e-10
const TAU_TOLERANCE: f32 = 2.4e-7;       // reference 1e-12: two f32 ulps (the voltage can fall steeply at the cut-off)
const CV_TOLERANCE: f32 = 2.0e-6;        // reference 1e-13
const FD_STEP: f32 = 1.0e-3;             // relative finite-difference step (reference: 1e-4 A absolute)

// ---------------------------------------------------------------- stable elementary functions

// exp(x) - 1: Taylor polynomial for |x| < 0.5 (truncation < 3e-10 relative), exp(x) - 1 beyond (no cancellation).
fn expm1_s(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0
      + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}

// tanh without overflow for any |x| and accurate near 0: -expm1(-2|x|) / (2 + expm1(-2|x|)).
fn tanh_s(x: f32) -> f32 {
  let e = expm1_s(-2.0 * min(abs(x), 40.0));
  let t = -e / (2.0 + e);
  return select(t, -t, x < 0.0);
}

// log(1 + u) for u >= 0: 2 atanh(u / (2 + u)) series for small u.
fn log1p_s(u: f32) -> f32 {
  if (u < 0.5) {
    let z = u / (2.0 + u);
    let z2 = z * z;
    return 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (1.0 / 5.0 + z2 * (1.0 / 7.0 + z2 * (1.0 / 9.0 + z2 * (1.0 / 11.0))))));
  }
  return log(1.0 + u);
}

fn asinh_s(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1.0e4) {
    r = log(a) + 0.6931471805599453;
  } else {
    r = log1p_s(a + a * a / (1.0 + sqrt(1.0 + a * a)));
  }
  return select(r, -r, x < 0.0);
}

fn sign_s(x: f32) -> f32 {
  return select(select(0.0, 1.0, x > 0.0), -1.0, x < 0.0);
}

// ---------------------------------------------------------------- double-float (head + tail) arithmetic
//
// Error-free transformations for the positive surface complement (see evaluate()). Shader compilers may simplify
// (a + b) - a to b (Mesa's NIR does: measured, the TwoSum error term came out 0 for every input on llvmpipe), so the
// subtraction that recovers the rounding error goes through ONE, a 1.0 the compiler cannot see (set from the
// dispatch uniform in main()). Products are split by masking the low 12 significand bits (bitcast, so no rounding
// and nothing to simplify): the four partial products are exact, fused or not. Tested in test/webgpu.
var<private> ONE: f32;

fn two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s * ONE - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}

fn split12(a: f32) -> vec2<f32> {
  let h = bitcast<f32>(bitcast<u32>(a) & 0xFFFFF000u);
  return vec2<f32>(h, a - h);
}

fn two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let x = split12(a);
  let y = split12(b);
  return vec2<f32>(p, ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y);
}

// (a.x + a.y) + (b.x + b.y) as a normalised head + tail.
fn df_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let s = two_sum(a.x, b.x);
  let e = s.y + (a.y + b.y);
  let h = s.x + e;
  return vec2<f32>(h, e - (h * ONE - s.x));
}

// ---------------------------------------------------------------- cell kernel (src/model/cell.ts)

struct Eval {
  voltage: f32,
  heat: f32,
}

// The state of the cell being stepped (function-free working copy, index S_* then modes). The S_STOICH_POS slot holds
// the head of Z = (1 - y) - sum of the positive modes, csZlo its tail (see evaluate()).
var<private> cs: array<f32, STATE_LEN>;
var<private> csZlo: f32;

// Open-circuit potential with PyBaMM's clip and end regularisation; 1 - s is formed from the unclipped stoichiometry
// so the upper clip does not round to 1 in f32.
fn ocp_neg(x: f32) -> f32 {
  let s = clamp(x, OCP_STOICH_MIN, 1.0);
  let om = max(1.0 - x, OCP_STOICH_MIN);
  return ocp_neg_series(s) + OCP_REGULARISATION * (1.0 / s - 1.0 / om);
}

// The positive electrode is evaluated from y and its complement 1 - y carried separately (see evaluate()).
fn ocp_pos(x: f32, oneMinusX: f32) -> f32 {
  let s = clamp(x, OCP_STOICH_MIN, 1.0);
  let om = max(oneMinusX, OCP_STOICH_MIN);
  return ocp_pos_series(s) + OCP_REGULARISATION * (1.0 / s - 1.0 / om);
}

fn diffusion_rate(invTau: f32, activation: f32, invTdiff: f32) -> f32 {
  if (activation == 0.0) {
    return invTau;
  }
  return exp(activation * invTdiff) * invTau;
}

// Terminal voltage and heat at the working state `cs`, current I and temperature T_REF + rise.
fn evaluate(c: u32, I: f32, rise: f32) -> Eval {
  let T = T_REF + rise;
  let invTdiff = rise / (T_REF * T); // 1/T_ref - 1/T without cancellation
  var sumNeg = 0.0;
  for (var m = 0u; m < MODES; m++) {
    sumNeg += cs[CELL_STATE_FIXED + m];
  }
  let gNeg = I * prm(D_G_NEG, c);
  let gPos = -I * prm(D_G_POS, c);
  let rNeg = diffusion_rate(prm(D_RATE_NEG, c), prm(P_DIFFUSION_ACTIVATION_NEG, c), invTdiff);
  let rPos = diffusion_rate(prm(D_RATE_POS, c), prm(P_DIFFUSION_ACTIVATION_POS, c), invTdiff);
  let xs = cs[S_STOICH_NEG] + sumNeg - TAIL_COEF * gNeg / rNeg;
  // The positive surface complement 1 - y_s = Z + TAIL gPos / r with Z = (1 - y) - sum b_m carried in double-float
  // (head in S_STOICH_POS, tail in csZlo). At the end of a discharge 1 - y_s falls to ~1e-6, where the cut-off is on
  // the OCP regularisation 1e-6 / (1 - y_s): formed in f32 from terms of ~0.05 it would carry ~1e-8 of rounding noise
  // as a function of the current (millivolts of jitter in the located cut-off and in the group current sharing). The
  // tail term is linear in I: (-I) * (G TAIL / r) with an exact product, so 1 - y_s is smooth in I to ~1e-14.
  let oysd = df_add(vec2<f32>(cs[S_STOICH_POS], csZlo), two_prod(-I, prm(D_G_POS, c) * (TAIL_COEF / rPos)));
  let oys = oysd.x + oysd.y;
  let ys = 1.0 - oys;
  var uNeg = ocp_neg(xs);
  var uPos = ocp_pos(ys, oys);
  var reversible = 0.0;
  if (HAS_ENTROPIC) {
    let dUn = entropic_neg_series(clamp(xs, OCP_STOICH_MIN, 1.0 - OCP_STOICH_MIN));
    let dUp = entropic_pos_series(clamp(ys, OCP_STOICH_MIN, 1.0 - OCP_STOICH_MIN));
    uNeg += rise * dUn;
    uPos += rise * dUp;
    reversible = I * T * (dUn - dUp);
  }
  // clip(s) (1 - clip(s)) with both factors formed without rounding 1 - 1e-8 to 1.
  let sn = max(xs, KINETIC_STOICH_MIN) * max(1.0 - xs, KINETIC_STOICH_MIN);
  let sp = max(ys, KINETIC_STOICH_MIN) * max(oys, KINETIC_STOICH_MIN);
  let i0Neg = prm(P_KINETIC_CURRENT_NEG, c) * exp(prm(P_KINETIC_ACTIVATION_NEG, c) * invTdiff) * sqrt(sn);
  let i0Pos = prm(P_KINETIC_CURRENT_POS, c) * exp(prm(P_KINETIC_ACTIVATION_POS, c) * invTdiff) * sqrt(sp);
  let thermalVoltage = (2.0 * GAS_CONSTANT / FARADAY) * T;
  let etaNeg = thermalVoltage * asinh_s(I / i0Neg);
  let etaPos = thermalVoltage * asinh_s(-I / i0Pos);
  let rc = prm(P_CONTACT_RESISTANCE, c);
  var e: Eval;
  e.voltage = uPos - uNeg + etaPos - etaNeg - I * rc;
  e.heat = I * (etaNeg - etaPos) + reversible + I * I * (rc + prm(P_COLLECTOR_RESISTANCE, c));
  return e;
}

// Exact particle update over dt at constant current with D at the start temperature.
fn advance_particles(c: u32, I: f32, dt: f32) {
  let rise = cs[S_TEMPERATURE_RISE];
  let invTdiff = rise / (T_REF * (T_REF + rise));
  let gNeg = I * prm(D_G_NEG, c);
  let gPos = -I * prm(D_G_POS, c);
  let rNeg = diffusion_rate(prm(D_RATE_NEG, c), prm(P_DIFFUSION_ACTIVATION_NEG, c), invTdiff);
  let rPos = diffusion_rate(prm(D_RATE_POS, c), prm(P_DIFFUSION_ACTIVATION_POS, c), invTdiff);
  cs[S_STOICH_NEG] -= gNeg * dt;
  // Z = (1 - y) - sum b_m (double-float, see evaluate()). With w_m = 1 - exp(-lambda_m dt) the exact update
  //   Z1 = Z0 + gPos dt - sum (tgt_m - b_m) w_m = Z0 + sum b_m w_m + gPos (dt + (2/3) sum w_m / lambda_m)
  // is an I-independent part plus (-I) times an I-independent factor: exact products, no rounding noise in I.
  var z = vec2<f32>(cs[S_STOICH_POS], csZlo);
  var sw = 0.0;
  for (var m = 0u; m < MODES; m++) {
    var lambda = EIG[m] * rNeg;
    var tgt = (-(2.0 / 3.0) * gNeg) / lambda;
    var i = CELL_STATE_FIXED + m;
    cs[i] = tgt + (cs[i] - tgt) * exp(-lambda * dt);
    lambda = EIG[m] * rPos;
    tgt = (-(2.0 / 3.0) * gPos) / lambda;
    i = CELL_STATE_FIXED + MODES + m;
    let w = -expm1_s(-lambda * dt);
    z = df_add(z, two_prod(cs[i], w));
    sw += w / lambda;
    cs[i] = tgt + (cs[i] - tgt) * exp(-lambda * dt);
  }
  z = df_add(z, two_prod(-I, prm(D_G_POS, c) * (dt + (2.0 / 3.0) * sw)));
  cs[S_STOICH_POS] = z.x;
  csZlo = z.y;
}

// Exact solution of C dT/dt = Q - hA (T - T_amb) over dt with Q constant (cooling energy is a diagnostic: not kept).
fn advance_temperature(c: u32, heat: f32, dt: f32) {
  let rise0 = cs[S_TEMPERATURE_RISE];
  let hA = prm(P_COOLING_CONDUCTANCE, c);
  if (hA > 0.0) {
    let decay = -expm1_s(-prm(D_HA_OVER_C, c) * dt);
    let steady = prm(D_AMBIENT_RISE, c) + heat / hA;
    cs[S_TEMPERATURE_RISE] = rise0 + (steady - rise0) * decay;
  } else {
    cs[S_TEMPERATURE_RISE] = rise0 + heat * dt * prm(D_INV_C, c);
  }
}

struct StepOut {
  voltage: f32,    // end voltage
  heatJ: f32,      // heat generated over the step [J]
  vStart: f32,     // voltage at the start of the step with the step's current
}

// CellKernel.step on the working state `cs`: particles exactly, temperature with the Heun heat source.
fn cell_step(c: u32, I: f32, dt: f32, externalHeat: f32) -> StepOut {
  let rise0 = cs[S_TEMPERATURE_RISE];
  let start = evaluate(c, I, rise0);
  var o: StepOut;
  o.vStart = start.voltage;
  advance_particles(c, I, dt);
  if (!LUMPED) {
    let e = evaluate(c, I, rise0);
    o.heatJ = 0.5 * (start.heat + e.heat) * dt;
    o.voltage = e.voltage;
    return o;
  }
  // Heun: predict the end temperature with the start heat, evaluate the end heat there, then average.
  advance_temperature(c, start.heat + externalHeat, dt);
  let heatEnd = evaluate(c, I, cs[S_TEMPERATURE_RISE]).heat;
  cs[S_TEMPERATURE_RISE] = rise0;
  let heat = 0.5 * (start.heat + heatEnd);
  advance_temperature(c, heat + externalHeat, dt);
  let e = evaluate(c, I, cs[S_TEMPERATURE_RISE]);
  o.heatJ = heat * dt;
  o.voltage = e.voltage;
  return o;
}

fn load_start(c: u32) {
  for (var k = 0u; k < STATE_LEN; k++) {
    cs[k] = ld(W_START + k, c);
  }
  csZlo = ld(W_ZLO_START, c);
}

// ---------------------------------------------------------------- pack (src/pack/simulate.ts)

var<private> interconnectTotal: f32;
// Loop iterations so far in this dispatch (Mesa's llvmpipe ends any invocation's loops after 65535 iterations in
// total, and real GPUs have watchdogs: a pack pauses at the next step boundary once it passes info.budget).
var<private> loops: u32;
var<private> packSlope: f32;
var<private> stringCurrent: f32;
var<private> time: f32;
var<private> committed: u32;
// Outputs: running extremes and block (partial) sums flushed into the totals every BLOCK commits.
var<private> o: array<f32, PACK_OUTPUT_COUNT>;
var<private> blk: array<f32, 5>; // capacityAh, energyWh, weldLossJ, interconnectLossJ, heatJ

fn flush_blocks() {
  o[O_CAPACITY_AH] += blk[0];
  o[O_ENERGY_WH] += blk[1];
  o[O_WELD_LOSS_J] += blk[2];
  o[O_INTERCONNECT_LOSS_J] += blk[3];
  o[O_HEAT_J] += blk[4];
  for (var k = 0u; k < 5u; k++) {
    blk[k] = 0.0;
  }
}

fn cell_temperature_rise(c: u32, slot: u32) -> f32 {
  return ld(slot + S_TEMPERATURE_RISE, c);
}

fn chained_to_next(c: u32) -> bool {
  return c + 1u < N_CELLS && (c / CELLS_PER_MODULE) == ((c + 1u) / CELLS_PER_MODULE);
}

// Conduction heat into each cell from its chain neighbours, from the start-of-step temperatures.
fn compute_conduction() {
  for (var c = 0u; c < N_CELLS; c++) {
    st(W_HEAT_IN, c, 0.0);
  }
  if (CONDUCTION == 0.0 || !LUMPED) {
    return;
  }
  for (var c = 0u; c + 1u < N_CELLS; c++) {
    if (!chained_to_next(c)) {
      continue;
    }
    let flow = CONDUCTION * (cell_temperature_rise(c + 1u, W_START) - cell_temperature_rise(c, W_START));
    st(W_HEAT_IN, c, ld(W_HEAT_IN, c) + flow);
    st(W_HEAT_IN, c + 1u, ld(W_HEAT_IN, c + 1u) - flow);
  }
}

// Run cell c from the start state over dt at current I. With `keep`, the end state goes to the trial slots with the
// step's heat, start voltage and end voltage (the reference's trialCell); without, nothing is stored (its
// finite-difference probe). Returns the end voltage.
fn cell_eval(c: u32, I: f32, dt: f32, keep: bool) -> f32 {
  load_start(c);
  let r = cell_step(c, I, dt, ld(W_HEAT_IN, c));
  if (keep) {
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_TRIAL + k, c, cs[k]);
    }
    st(W_ZLO_TRIAL, c, csZlo);
    st(W_STEP_HEAT, c, r.heatJ);
    st(W_V_START, c, r.vStart);
    st(W_VOLTAGE, c, r.voltage);
  }
  return r.voltage;
}

const G_INIT: u32 = 0u;   // evaluate the group at W_CURRENT (voltages to W_VOLTAGE)
const G_SLOPE: u32 = 1u;  // finite-difference probes of the cells without a slope
const G_TRIAL: u32 = 2u;  // evaluate at the damped Newton currents W_TRIAL_I (voltages to W_TRIAL_V)
const G_FINAL: u32 = 3u;  // re-run at the accepted currents
const G_DONE: u32 = 4u;

// Current sharing of group g carrying I over dt: damped Newton with backtracking on the voltage spread (the
// reference's solveGroup), as a loop around one cell_eval() call site.
fn solve_group(g: u32, I: f32, dt: f32) -> f32 {
  let c0 = g * N_PARALLEL;
  let np = f32(N_PARALLEL);
  if (N_PARALLEL > 1u) {
    var previousSum = 0.0;
    for (var j = 0u; j < N_PARALLEL; j++) {
      previousSum += ld(W_CURRENT, c0 + j);
    }
    // Proportional restart from the previous split unless its sum is at the f32 noise floor.
    let usePrevious = abs(previousSum) > 1.0e-3 * max(1.0, abs(I));
    for (var j = 0u; j < N_PARALLEL; j++) {
      let c = c0 + j;
      if (usePrevious) {
        st(W_CURRENT, c, (ld(W_CURRENT, c) * I) / previousSum);
      } else {
        st(W_CURRENT, c, I / np);
      }
    }
  } else {
    st(W_CURRENT, c0, I);
  }
  let tolerance = CURRENT_TOLERANCE * max(1.0, abs(I));
  let cap = 0.5 * (abs(I) / np + 1.0);
  var phase = G_INIT;
  var j = 0u;
  var spread = 0.0;
  var lo = BIG;
  var hi = -BIG;
  var iter = 0;
  var attempt = 0;
  var alpha = 1.0;
  var probed = false; // slopes probed in this call (else the first iteration runs on the previous solve's slopes)
  loop {
    if (phase == G_DONE) {
      break;
    }
    loops += 1u;
    // ---- the one cell evaluation of this iteration
    let c = c0 + j;
    var Iq = ld(W_CURRENT, c);
    if (phase == G_TRIAL) {
      Iq = ld(W_TRIAL_I, j);
    }
    var hq = 0.0;
    if (phase == G_SLOPE) {
      hq = FD_STEP * max(1.0, abs(Iq));
    }
    let v = cell_eval(c, Iq + hq, dt, phase != G_SLOPE);
    if (phase == G_SLOPE) {
      let s = (v - ld(W_VOLTAGE, c)) / hq;
      st(W_SLOPE, c, select(-1.0e-3, s, s < 0.0));
    } else if (phase == G_TRIAL) {
      st(W_TRIAL_V, j, v);
    }
    lo = min(lo, v);
    hi = max(hi, v);
    j++;
    // ---- next cell of the same phase
    if (phase == G_SLOPE) {
      while (j < N_PARALLEL && ld(W_SLOPE, c0 + j) < 0.0) {
        j++;
      }
    }
    if (j < N_PARALLEL) {
      continue;
    }
    // ---- end of a phase
    let groupSpread = hi - lo;
    lo = BIG;
    hi = -BIG;
    j = 0u;
    if (phase == G_FINAL || (N_PARALLEL == 1u && phase == G_SLOPE)) {
      phase = G_DONE;
      continue;
    }
    if (N_PARALLEL == 1u) {
      // Single cell: the slope is probed once and kept (the reference's finite difference when it is unknown).
      phase = select(G_SLOPE, G_DONE, ld(W_SLOPE, c0) < 0.0);
      continue;
    }
    if (phase == G_INIT) {
      spread = groupSpread;
    } else if (phase == G_TRIAL) {
      if (groupSpread < spread || attempt >= 8) {
        for (var i = 0u; i < N_PARALLEL; i++) {
          let ci = c0 + i;
          let dI = ld(W_TRIAL_I, i) - ld(W_CURRENT, ci);
          // As in the reference, W_VOLTAGE already holds the trial voltage here, so this secant is 0 and the slope
          // becomes unknown (a finite difference at the next iteration).
          let secant = (ld(W_TRIAL_V, i) - ld(W_VOLTAGE, ci)) / dI;
          st(W_SLOPE, ci, select(0.0, secant, abs(dI) > 1.0e-9 && secant < 0.0 && abs(secant) < BIG));
          st(W_CURRENT, ci, ld(W_TRIAL_I, i));
          st(W_VOLTAGE, ci, ld(W_TRIAL_V, i));
        }
        spread = groupSpread;
        iter++;
      } else {
        alpha *= 0.5;
        attempt++;
        for (var i = 0u; i < N_PARALLEL; i++) {
          st(W_TRIAL_I, i, ld(W_CURRENT, c0 + i) + alpha * ld(W_DELTA, i));
        }
        phase = G_TRIAL;
        continue;
      }
    }
    // ---- top of a Newton iteration (after G_INIT, an accepted trial, or the slope probes)
    if (iter >= MAX_NEWTON) {
      phase = G_FINAL;
      continue;
    }
    var missing = 0u;
    while (missing < N_PARALLEL && ld(W_SLOPE, c0 + missing) < 0.0) {
      missing++;
    }
    if (missing < N_PARALLEL) {
      probed = true;
      phase = G_SLOPE;
      j = missing;
      continue;
    }
    var sumI = 0.0;
    var sumInv = 0.0;
    var sumVoverS = 0.0;
    for (var i = 0u; i < N_PARALLEL; i++) {
      let ci = c0 + i;
      let s = ld(W_SLOPE, ci);
      sumI += ld(W_CURRENT, ci);
      sumInv += 1.0 / s;
      sumVoverS += ld(W_VOLTAGE, ci) / s;
    }
    let vCommon = (I - sumI + sumVoverS) / sumInv;
    var worst = 0.0;
    var converged = true;
    for (var i = 0u; i < N_PARALLEL; i++) {
      let ci = c0 + i;
      let d = (vCommon - ld(W_VOLTAGE, ci)) / ld(W_SLOPE, ci);
      st(W_DELTA, i, d);
      worst = max(worst, abs(d));
      // Converged cell: a small current update that also closes its voltage gap, or one at the f32 resolution of its
      // current (a cell on the positive cliff, |dV/dI| ~ 1e3 V/A, cannot do better). The f32 current criterion alone
      // passed with volts of mismatch when the slope carried over from another step length was that of the cliff.
      // The resolution clause needs a slope probed at this solve: one carried over (the reference's first iteration)
      // can be that of another step length, far steeper.
      converged = converged && abs(d) < tolerance
        && (abs(vCommon - ld(W_VOLTAGE, ci)) < VOLTAGE_TOLERANCE
          || ((iter > 0 || probed) && abs(d) < CURRENT_RESOLUTION * max(1.0, abs(ld(W_CURRENT, ci)))));
    }
    if (converged) {
      phase = G_FINAL;
      continue;
    }
    alpha = min(1.0, cap / worst);
    attempt = 0;
    for (var i = 0u; i < N_PARALLEL; i++) {
      st(W_TRIAL_I, i, ld(W_CURRENT, c0 + i) + alpha * ld(W_DELTA, i));
    }
    phase = G_TRIAL;
  }
  if (N_PARALLEL == 1u) {
    let v1 = ld(W_VOLTAGE, c0);
    st(W_GROUP_V, g, v1);
    return v1;
  }
  // The group voltage: the reference's mean of the (equal, to 1e-10 A) cell voltages. In f32 a cell at the end of its
  // positive electrode (1 - y_s ~ 1e-6, dV/dI ~ 1e3 V/A) cannot have its voltage pinned closer than its current's
  // rounding times that slope (millivolts), so the plain mean would carry that cell's noise. The linearised common
  // voltage weights each cell by its conductance -1/slope (the same solve as a Newton iteration, with the residual of
  // the current sum): equal to the mean at the reference's solution, and insensitive to a cell on the cliff.
  var sumI = 0.0;
  var sumInv = 0.0;
  var sumVoverS = 0.0;
  for (var i = 0u; i < N_PARALLEL; i++) {
    let ci = c0 + i;
    let s0 = ld(W_SLOPE, ci);
    let s = select(-1.0e-3, s0, s0 < 0.0);
    sumI += ld(W_CURRENT, ci);
    sumInv += 1.0 / s;
    sumVoverS += ld(W_VOLTAGE, ci) / s;
  }
  let gv = (I - sumI + sumVoverS) / sumInv;
  st(W_GROUP_V, g, gv);
  return gv;
}

fn open_circuit_group(g: u32) -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = g * N_PARALLEL + j;
    load_start(c);
    let e = evaluate(c, 0.0, cs[S_TEMPERATURE_RISE]);
    st(W_VOLTAGE, c, e.voltage);
    sum += e.voltage;
  }
  let gv = sum / f32(N_PARALLEL);
  st(W_GROUP_V, g, gv);
  return gv;
}

// All groups at string current I over dt from the start states; returns the pack voltage and sets packSlope.
fn solve_all(I: f32, dt: f32) -> f32 {
  compute_conduction();
  var v = 0.0;
  var slope = 0.0;
  for (var g = 0u; g < N_SERIES; g++) {
    if (dt > 0.0) {
      v += solve_group(g, I, dt);
    } else {
      v += open_circuit_group(g);
    }
    var inv = 0.0;
    for (var j = 0u; j < N_PARALLEL; j++) {
      let s = ld(W_SLOPE, g * N_PARALLEL + j);
      inv += 1.0 / select(-1.0e-3, s, s != 0.0);
    }
    slope += 1.0 / inv;
  }
  packSlope = slope - interconnectTotal;
  return v - I * interconnectTotal;
}

// ---------------------------------------------------------------- drive and protocol state machines
//
// The reference's drive() (power Newton, CV Illinois) and runSegment() (steps, CV hand-over, cut-off location by
// Illinois on the sub-step length) are written as two resumable state machines around ONE solve_all() call site in
// main(): each iteration of main's loop solves the pack once at (reqI, reqDt) and feeds the result to the drive
// machine, which either asks for another solve or hands a finished drive to the protocol machine.

var<private> reqI: f32;
var<private> reqDt: f32;

// ---- drive machine (the reference's drive(seg, dt))
const D_FINAL: u32 = 0u;   // the last solve of the drive: the result is dI
const D_POWER: u32 = 1u;
const D_CV_LO: u32 = 2u;
const D_CV_HI: u32 = 3u;
const D_CV_ITER: u32 = 4u;
const D_CV_ZERO: u32 = 5u;

var<private> dSeg: u32;
var<private> dPhase: u32;
var<private> dI: f32;          // current of the drive (result when done)
var<private> dFailed: bool;    // power not deliverable (the reference's NaN)
var<private> dIter: i32;
var<private> dLo: f32;
var<private> dHi: f32;
var<private> dFlo: f32;
var<private> dFhi: f32;
var<private> dX: f32;
var<private> dSide: i32;

fn seg_field(s: u32, f: u32) -> f32 {
  return segs[s * SEGMENT_FIELD_COUNT + f];
}

fn max_group_voltage() -> f32 {
  var vmax = -BIG;
  for (var g = 0u; g < N_SERIES; g++) {
    vmax = max(vmax, ld(W_GROUP_V, g));
  }
  return vmax;
}

fn illinois_next(lo: f32, hi: f32, flo: f32, fhi: f32) -> f32 {
  var x = (lo * fhi - hi * flo) / (fhi - flo);
  if (!(x > lo && x < hi)) {
    x = 0.5 * (lo + hi); // no progress at f32 resolution: bisect
  }
  return x;
}

// Start drive of segment s over dt: sets the first solve request.
fn drive_start(s: u32, dt: f32) {
  dSeg = s;
  dFailed = false;
  reqDt = dt;
  let mode = u32(seg_field(s, SEG_MODE));
  let value = seg_field(s, SEG_VALUE);
  if (mode == MODE_CURRENT) {
    dI = value;
    dPhase = D_FINAL;
  } else if (mode == MODE_POWER) {
    let vLast = o[O_FINAL_PACK_VOLTAGE_V];
    dI = select(value / select(vLast, 1.0, vLast == 0.0), stringCurrent, stringCurrent != 0.0 && sign_s(stringCurrent) == sign_s(value));
    dIter = 0;
    dPhase = D_POWER;
  } else {
    dLo = -seg_field(s, SEG_MAX_CURRENT);
    dHi = 0.0;
    dI = dLo;
    dPhase = D_CV_LO;
  }
  reqI = dI;
}

// Feed the solve at reqI; returns true when the drive needs another solve (reqI set), false when done (dI, dFailed).
fn drive_feed(v: f32) -> bool {
  let P = seg_field(dSeg, SEG_VALUE);
  switch dPhase {
    case D_FINAL: {
      return false;
    }
    case D_POWER: {
      let I = reqI;
      let f = I * v - P;
      let df = v + I * packSlope;
      if (abs(f) < POWER_TOLERANCE * abs(P)) {
        dI = I;
        return false;
      }
      if (P > 0.0 && df <= 0.0) {
        dI = I;
        dFailed = true;
        return false;
      }
      let next = I - f / df;
      dI = select(I / 2.0, next, sign_s(next) == sign_s(P) || next == 0.0);
      dIter++;
      if (dIter >= MAX_NEWTON) {
        return false; // as the reference: the updated current, with the trial states of the last solve
      }
      reqI = dI;
      return true;
    }
    default: {
      // Constant voltage on the highest group (P is the CV value): Illinois on the string current.
      let fx = max_group_voltage() - P;
      if (dPhase == D_CV_LO) {
        dFlo = fx;
        dPhase = D_CV_HI;
        reqI = dHi;
        return true;
      }
      if (dPhase == D_CV_ZERO) {
        dI = select(dLo, 0.0, fx >= 0.0);
        dPhase = D_FINAL;
        reqI = dI;
        return true;
      }
      if (dPhase == D_CV_HI) {
        dFhi = fx;
        if (dFlo == 0.0 || dFhi == 0.0) {
          dI = select(dHi, dLo, dFlo == 0.0);
          dPhase = D_FINAL;
          reqI = dI;
          return true;
        }
        if (sign_s(dFlo) == sign_s(dFhi)) {
          // No bracket: the reference's f(0) >= 0 ? 0 : -maxCurrent (dLo is still -maxCurrent).
          dPhase = D_CV_ZERO;
          reqI = 0.0;
          return true;
        }
        dSide = 0;
        dIter = 0;
        dX = illinois_next(dLo, dHi, dFlo, dFhi);
        dPhase = D_CV_ITER;
        reqI = dX;
        return true;
      }
      // D_CV_ITER
      let x = dX;
      if (fx == 0.0 || abs(dHi - dLo) < CV_TOLERANCE * max(1.0, abs(x)) || dIter + 1 >= 100) {
        dI = x;
        dPhase = D_FINAL;
        reqI = dI;
        return true;
      }
      if (sign_s(fx) == sign_s(dFhi)) {
        dHi = x;
        dFhi = fx;
        if (dSide == -1) { dFlo /= 2.0; }
        dSide = -1;
      } else {
        dLo = x;
        dFlo = fx;
        if (dSide == 1) { dFhi /= 2.0; }
        dSide = 1;
      }
      dIter++;
      dX = illinois_next(dLo, dHi, dFlo, dFhi);
      reqI = dX;
      return true;
    }
  }
}

fn pack_voltage(I: f32) -> f32 {
  var v = 0.0;
  for (var g = 0u; g < N_SERIES; g++) {
    v += ld(W_GROUP_V, g);
  }
  return v - I * interconnectTotal;
}

var<private> limitGroup: i32;

// How far the pack is past segment s's limit (> 0: crossed) for the current direction; sets limitGroup.
fn limit_excess(s: u32, I: f32) -> f32 {
  limitGroup = -1;
  if (I > 0.0) {
    let cut = seg_field(s, SEG_LOWER_CUTOFF);
    if (STOP_AT_PACK) {
      return f32(N_SERIES) * cut - pack_voltage(I);
    }
    var vmin = BIG;
    for (var g = 0u; g < N_SERIES; g++) {
      let v = ld(W_GROUP_V, g);
      if (v < vmin) {
        vmin = v;
        limitGroup = i32(g);
      }
    }
    return cut - vmin;
  }
  if (I < 0.0 && u32(seg_field(s, SEG_MODE)) != MODE_CONSTANT_VOLTAGE) {
    let cut = seg_field(s, SEG_UPPER_CUTOFF);
    if (STOP_AT_PACK) {
      return pack_voltage(I) - f32(N_SERIES) * cut;
    }
    var vmax = -BIG;
    for (var g = 0u; g < N_SERIES; g++) {
      let v = ld(W_GROUP_V, g);
      if (v > vmax) {
        vmax = v;
        limitGroup = i32(g);
      }
    }
    return vmax - cut;
  }
  return -BIG;
}

fn observe(I: f32) {
  var tMin = BIG;
  var tMax = -BIG;
  for (var c = 0u; c < N_CELLS; c++) {
    let r = cell_temperature_rise(c, W_START);
    tMin = min(tMin, r);
    tMax = max(tMax, r);
  }
  o[O_MAX_TEMPERATURE_K] = max(o[O_MAX_TEMPERATURE_K], T_REF + tMax);
  o[O_MAX_TEMPERATURE_SPREAD_K] = max(o[O_MAX_TEMPERATURE_SPREAD_K], tMax - tMin);
  for (var g = 0u; g < N_SERIES; g++) {
    let v = ld(W_GROUP_V, g);
    o[O_MIN_CELL_VOLTAGE_V] = min(o[O_MIN_CELL_VOLTAGE_V], v);
    o[O_MAX_CELL_VOLTAGE_V] = max(o[O_MAX_CELL_VOLTAGE_V], v);
  }
  if (abs(I) > 1.0e-9) {
    let mean = abs(I) / f32(N_PARALLEL);
    for (var c = 0u; c < N_CELLS; c++) {
      o[O_MAX_CURRENT_IMBALANCE] = max(o[O_MAX_CURRENT_IMBALANCE], abs(ld(W_CURRENT, c)) / mean);
    }
  }
  o[O_FINAL_PACK_VOLTAGE_V] = pack_voltage(I);
}

// Accept the trial states as the new state after a step of length dt at string current I.
fn commit(I: f32, dt: f32) {
  var vStart = 0.0;
  for (var g = 0u; g < N_SERIES; g++) {
    var s = 0.0;
    for (var j = 0u; j < N_PARALLEL; j++) {
      s += ld(W_V_START, g * N_PARALLEL + j);
    }
    vStart += s / f32(N_PARALLEL);
  }
  vStart -= I * interconnectTotal;
  let vEnd = pack_voltage(I);
  blk[1] += (0.5 * I * (vStart + vEnd) * dt) / 3600.0;
  blk[0] += (I * dt) / 3600.0;
  blk[3] += I * I * interconnectTotal * dt;
  for (var c = 0u; c < N_CELLS; c++) {
    let ic = ld(W_CURRENT, c);
    blk[2] += ic * ic * prm(P_CONTACT_RESISTANCE, c) * dt;
    blk[4] += ld(W_STEP_HEAT, c);
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_START + k, c, ld(W_TRIAL + k, c));
    }
    st(W_ZLO_START, c, ld(W_ZLO_TRIAL, c));
  }
  time += dt;
  stringCurrent = I;
  committed += 1u;
  if (committed % BLOCK == 0u) {
    flush_blocks();
  }
  observe(I);
}

fn mark_cutoff(I: f32, groupIn: i32) {
  if (o[O_CUTOFF_CELL] >= 0.0) {
    return;
  }
  o[O_TIME_TO_FIRST_CUTOFF_S] = time;
  var grp = groupIn;
  if (grp < 0) {
    var best = 0u;
    for (var g = 1u; g < N_SERIES; g++) {
      let vg = ld(W_GROUP_V, g);
      let vb = ld(W_GROUP_V, best);
      if (select((vg > vb), (vg < vb), I > 0.0)) {
        best = g;
      }
    }
    grp = i32(best);
  }
  let c0 = u32(grp) * N_PARALLEL;
  var cell = c0;
  var extreme = select(-BIG, BIG, I > 0.0);
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    // The reference's cell voltage + I R_contact with the cell voltages equal (to 1e-10 A): the group voltage, not the
    // cell's own f32 voltage (millivolts of noise for a cell at the end of its positive electrode, see solve_group).
    let own = ld(W_GROUP_V, u32(grp)) + ld(W_CURRENT, c) * prm(P_CONTACT_RESISTANCE, c);
    if (select((own > extreme), (own < extreme), I > 0.0)) {
      extreme = own;
      cell = c;
    }
  }
  o[O_CUTOFF_CELL] = f32(cell);
}

fn commit_start() {
  for (var c = 0u; c < N_CELLS; c++) {
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_TRIAL + k, c, ld(W_START + k, c));
    }
    st(W_ZLO_TRIAL, c, ld(W_ZLO_START, c));
  }
}

const NO_STOP: i32 = -1;

// ---- pause and resume at step boundaries
const F_O: u32 = 0u;                                // PACK_OUTPUT_COUNT outputs
const F_BLK: u32 = PACK_OUTPUT_COUNT;               // 5 block sums
const F_TIME: u32 = F_BLK + 5u;
const F_COMMITTED: u32 = F_TIME + 1u;
const F_STRING_CURRENT: u32 = F_TIME + 2u;
const F_STOP_REASON: u32 = F_TIME + 3u;
const F_SEGMENT: u32 = F_TIME + 4u;
const F_STEP: u32 = F_TIME + 5u;
const F_T0: u32 = F_TIME + 6u;
const F_STATUS: u32 = F_TIME + 7u;                  // 0 not started, 1 paused, 2 finished
const F_CELLS: u32 = F_TIME + 8u;                   // private variant: start state, current, slope, Z tail per cell

fn pld(f: u32, p: u32) -> f32 {
  return persist[f * info.packs + p];
}

fn pst(f: u32, p: u32, v: f32) {
  persist[f * info.packs + p] = v;
}

// ---- protocol machine (the reference's runSegment() and run())
const R_INIT: u32 = 0u;      // the initial open-circuit solve
const R_STEP: u32 = 1u;      // a full step of the segment
const R_CV_END: u32 = 2u;    // the CV step cut at the current cut-off
const R_LOC_LO: u32 = 3u;    // crossing location: f(0)
const R_LOC_HI: u32 = 4u;    // f(h)
const R_LOC_ITER: u32 = 5u;  // Illinois iterations
const R_LOC_FINAL: u32 = 6u; // the committed sub-step

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = (wid.y * info.groupsX + wid.x) * WG_SIZE + lid;
  if (p >= info.packs) {
    return;
  }
  let status = pld(F_STATUS, p);
  if (status == 2.0) {
    return;
  }
  begin_pack(p);
  ONE = select(1.0, 0.5, info.packs == 0u); // 1.0 that the compiler cannot fold (see two_sum)
  loops = 0u;
  interconnectTotal = interconnect[p];
  packSlope = 0.0;

  var stopReason = i32(STOP_COMPLETED);
  var phase = R_INIT;
  var s = 0u;          // segment
  var k = 1u;          // step within the segment
  var steps = 0u;
  var hLast = 0.0;
  var t0 = 0.0;        // time at the segment start
  var h = 0.0;         // length of the current step
  var lo = 0.0;        // crossing bracket on the sub-step length
  var hi = 0.0;
  var flo = 0.0;
  var fhi = 0.0;
  var x = 0.0;
  var side = 0;
  var it = 0;
  var stepLen = 0.0;
  var segmentDone = false; // the segment ended; `reason` says how
  var reason = NO_STOP;
  reqI = 0.0;
  reqDt = 0.0;
  dPhase = D_FINAL;
  if (status == 0.0) {
    stringCurrent = 0.0;
    time = 0.0;
    committed = 0u;
    for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
      o[q] = 0.0;
    }
    for (var q = 0u; q < 5u; q++) {
      blk[q] = 0.0;
    }
    o[O_CUTOFF_CELL] = -1.0;
    o[O_MIN_CELL_VOLTAGE_V] = BIG;
    o[O_MAX_CELL_VOLTAGE_V] = -BIG;
    for (var c = 0u; c < N_CELLS; c++) {
      for (var q = 0u; q < STATE_LEN; q++) {
        st(W_START + q, c, 0.0);
      }
      st(W_START + S_STOICH_NEG, c, prm(P_INITIAL_STOICH_NEG, c));
      st(W_START + S_STOICH_POS, c, prm(D_INITIAL_COMP_POS, c)); // Z = 1 - y0 as head + tail (see evaluate())
      st(W_ZLO_START, c, prm(D_INITIAL_COMP_POS_LO, c));
      st(W_START + S_TEMPERATURE_RISE, c, prm(D_INITIAL_RISE, c));
      st(W_CURRENT, c, 0.0);
      st(W_VOLTAGE, c, 0.0);
      st(W_SLOPE, c, 0.0);
    }
    commit_start();
  } else {
    // Resume at the step boundary where this pack paused.
    for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
      o[q] = pld(F_O + q, p);
    }
    for (var q = 0u; q < 5u; q++) {
      blk[q] = pld(F_BLK + q, p);
    }
    time = pld(F_TIME, p);
    committed = u32(pld(F_COMMITTED, p));
    stringCurrent = pld(F_STRING_CURRENT, p);
    stopReason = i32(pld(F_STOP_REASON, p));
    s = u32(pld(F_SEGMENT, p));
    k = u32(pld(F_STEP, p));
    t0 = pld(F_T0, p);
    restore_cells(p);
    steps = u32(segAux[2u * s]);
    hLast = segAux[2u * s + 1u];
    h = select(DT, hLast, k == steps);
    phase = R_STEP;
    drive_start(s, h);
  }
  var paused = false;
  loop {
    // ---- the one pack solve of this iteration
    loops += 1u + 2u * N_CELLS;
    let v = solve_all(reqI, reqDt);
    if (drive_feed(v)) {
      continue;
    }
    let I = dI;
    segmentDone = false;
    switch phase {
      case R_INIT: {
        observe(0.0);
        s = 0u;
        segmentDone = true;
        reason = NO_STOP;
        s = 0xffffffffu; // so that the "next segment" below starts segment 0
      }
      case R_STEP: {
        let mode = u32(seg_field(s, SEG_MODE));
        let currentCutoff = seg_field(s, SEG_CURRENT_CUTOFF);
        if (dFailed) {
          segmentDone = true;
          reason = i32(STOP_POWER_LIMIT);
        } else if (mode == MODE_CONSTANT_VOLTAGE && -I <= currentCutoff) {
          // The charge current falls through its cut-off inside this step: end at the interpolated crossing.
          let previous = -stringCurrent;
          let frac = select(1.0, (previous - currentCutoff) / (previous + I), previous > currentCutoff);
          let tau = clamp(frac, 0.0, 1.0) * h;
          if (tau > 0.0) {
            stepLen = tau;
            phase = R_CV_END;
            drive_start(s, tau);
          } else {
            segmentDone = true;
            reason = i32(STOP_COMPLETED);
          }
        } else if (limit_excess(s, I) >= 0.0) {
          // Locate the crossing inside the step by Illinois on the sub-step length.
          lo = 0.0;
          hi = h;
          phase = R_LOC_LO;
          drive_start(s, lo);
        } else {
          commit(I, h);
          // Time from the segment start and the step counter (no drift from summing step lengths).
          time = t0 + select(f32(k) * DT, f32(k - 1u) * DT + hLast, k == steps);
          k++;
          if (k > steps) {
            segmentDone = true;
            reason = NO_STOP;
          } else {
            if (loops > info.budget) {
              paused = true;
              break;
            }
            h = select(DT, hLast, k == steps);
            drive_start(s, h);
          }
        }
      }
      case R_CV_END: {
        commit(I, stepLen);
        segmentDone = true;
        reason = i32(STOP_COMPLETED);
      }
      case R_LOC_LO, R_LOC_HI, R_LOC_ITER: {
        let fx = select(limit_excess(s, I), 1.0, dFailed);
        var tau = -2.0; // -2: keep iterating
        if (phase == R_LOC_LO) {
          flo = fx;
          phase = R_LOC_HI;
          drive_start(s, hi);
        } else if (phase == R_LOC_HI) {
          fhi = fx;
          if (flo == 0.0) {
            tau = lo;
          } else if (fhi == 0.0) {
            tau = hi;
          } else if (sign_s(flo) == sign_s(fhi)) {
            tau = -1.0;
          } else {
            side = 0;
            it = 0;
            x = illinois_next(lo, hi, flo, fhi);
            phase = R_LOC_ITER;
            drive_start(s, x);
          }
        } else {
          if (fx == 0.0 || abs(hi - lo) < TAU_TOLERANCE * max(1.0, abs(x)) || it + 1 >= 100) {
            tau = x;
          } else {
            if (sign_s(fx) == sign_s(fhi)) {
              hi = x;
              fhi = fx;
              if (side == -1) { flo /= 2.0; }
              side = -1;
            } else {
              lo = x;
              flo = fx;
              if (side == 1) { fhi /= 2.0; }
              side = 1;
            }
            it++;
            x = illinois_next(lo, hi, flo, fhi);
            drive_start(s, x);
          }
        }
        if (tau > -2.0) {
          stepLen = select(h, tau, tau > 0.0);
          phase = R_LOC_FINAL;
          drive_start(s, stepLen);
        }
      }
      default: { // R_LOC_FINAL
        limit_excess(s, I);
        let crossGroup = limitGroup;
        commit(I, stepLen);
        segmentDone = true;
        if (seg_field(s, SEG_CONTINUE_ON_LIMIT) != 0.0) {
          reason = i32(STOP_COMPLETED);
        } else {
          mark_cutoff(I, crossGroup);
          reason = select(i32(STOP_CELL_LIMIT), i32(STOP_PACK_LIMIT), STOP_AT_PACK);
        }
      }
    }
    if (paused) {
      break; // (a `break` inside a switch case only leaves the switch)
    }
    if (!segmentDone) {
      continue;
    }
    // ---- a segment ended (or the run starts): the reference's run() loop
    if (reason == i32(STOP_POWER_LIMIT)) {
      stopReason = reason;
      if (o[O_CUTOFF_CELL] < 0.0) {
        o[O_TIME_TO_FIRST_CUTOFF_S] = time;
      }
      break;
    }
    if (reason != NO_STOP && reason != i32(STOP_COMPLETED)) {
      stopReason = reason;
      // A limit ends the whole protocol step: skip its remaining segments.
      while (s + 1u < info.segments && seg_field(s + 1u, SEG_STEP) == seg_field(s, SEG_STEP)) {
        s++;
      }
    }
    // Next segment with at least one step.
    var started = false;
    loop {
      s++;
      if (s >= info.segments) {
        break;
      }
      steps = u32(segAux[2u * s]);
      hLast = segAux[2u * s + 1u];
      if (steps > 0u) {
        started = true;
        break;
      }
    }
    if (!started) {
      break;
    }
    t0 = time;
    k = 1u;
    if (loops > info.budget) {
      paused = true;
      break;
    }
    h = select(DT, hLast, k == steps);
    phase = R_STEP;
    drive_start(s, h);
  }
  if (paused) {
    for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
      pst(F_O + q, p, o[q]);
    }
    for (var q = 0u; q < 5u; q++) {
      pst(F_BLK + q, p, blk[q]);
    }
    pst(F_TIME, p, time);
    pst(F_COMMITTED, p, f32(committed));
    pst(F_STRING_CURRENT, p, stringCurrent);
    pst(F_STOP_REASON, p, f32(stopReason));
    pst(F_SEGMENT, p, f32(s));
    pst(F_STEP, p, f32(k));
    pst(F_T0, p, t0);
    save_cells(p);
    pst(F_STATUS, p, 1.0);
    atomicAdd(&pausedPacks, 1u);
    return;
  }
  pst(F_STATUS, p, 2.0);
  flush_blocks();
  o[O_DURATION_S] = time;
  if (o[O_CUTOFF_CELL] < 0.0) {
    o[O_TIME_TO_FIRST_CUTOFF_S] = time;
  }
  o[O_STOP_REASON] = f32(stopReason);
  var socMin = BIG;
  var socMax = -BIG;
  for (var c = 0u; c < N_CELLS; c++) {
    let soc = (ld(W_START + S_STOICH_NEG, c) - prm(P_STOICH_NEG_EMPTY, c)) * prm(D_SOC_SCALE, c);
    socMin = min(socMin, soc);
    socMax = max(socMax, soc);
  }
  o[O_FINAL_SOC_SPREAD] = socMax - socMin;
  for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
    outputs[p * OUT_STRIDE + q] = o[q];
  }
  outputs[p * OUT_STRIDE + PACK_OUTPUT_COUNT] = f32(committed);
}
