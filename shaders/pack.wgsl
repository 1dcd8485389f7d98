// cellspread WebGPU kernel: one invocation runs one pack through the whole compiled protocol.
//
// The hand-written part of the f32 port: the step template around the generated cell kernels, the group Newton and the
// protocol machines (src/model/cell.ts CellKernel and src/pack/simulate.ts PackSimulator). The source is assembled at
// load time by src/backends/webgpu/shader.ts from:
//   shaders/layout.generated.wgsl    P_*, D_*, S_*, O_*, SEG_*, MODE_*, STOP_*, W_*, F_* indices, TOL_* tolerances,
//                                    the dispatch struct and bindings (generated from the TypeScript)
//   the study prelude                MODES, STATE_LEN, EIGENVALUES, REFERENCE_TEMPERATURE, TAIL_COEFFICIENT, the series
//                                    functions (src/kernels/emit/wgsl.ts), and the pack constants N_CELLS, N_SERIES,
//                                    N_PARALLEL, DT, LUMPED, CONDUCTION, STOP_AT_PACK (src/backends/webgpu/shader.ts)
//   shaders/kernel.generated.wgsl    the cell kernels (cell_prepare, cell_apply, cell_evaluate*, cell_thermal, ...),
//                                    generated from src/model/physics.ts with the f32 overrides of physics-f32.ts
//   shaders/step.wgsl                the step template (cell_finish: the Heun step with its exact derivative)
//   shaders/work-private.wgsl   or   per-cell working slots in private memory (small packs: registers)
//   shaders/work-storage.wgsl        per-cell working slots in a storage buffer laid out [slot][cell][pack]
//   this file.
//
// f32 choices (docs/webgpu.md): temperatures are carried as the rise over the reference; Newton and root-finding
// tolerances are the f32 column of src/kernels/tolerances.ts; energy-like sums are accumulated in blocks of BLOCK
// commits (partial sums).

const BIG: f32 = 1.0e30;
const BLOCK: u32 = 32u;

fn load_start(c: u32) {
  for (var k = 0u; k < STATE_LEN; k++) {
    cs[k] = ld(W_START + k, c);
  }
}

// ---------------------------------------------------------------- pack (src/pack/simulate.ts)

var<private> interconnectTotal: f32;
// Loop iterations so far in this dispatch, counted as if no loop were unrolled (EVAL_LOOPS, PREPARE_LOOPS: the
// step template's and kernels' own loops; Mesa's llvmpipe ends any invocation's loops after 65535 iterations in
// total, and real GPUs have watchdogs: a pack pauses at the next step boundary once it passes info.budget).
var<private> loops: u32;
var<private> packSlope: f32;
var<private> stringCurrent: f32;
var<private> time: f32;
var<private> committed: u32;
// Step length the prepared parts are for (-1: none since the start states changed), and whether the drive needs
// single cells' slopes (power).
var<private> preparedDt: f32;
var<private> wantSlope: bool;
// The split extrapolation: the next solve is the first of a step; consecutive equal steps of one segment.
var<private> firstSolve: bool;
var<private> history: i32;
var<private> historyDt: f32;
var<private> historySegment: i32;
var<private> segmentIndex: i32;
// Outputs: running extremes and block (partial) sums flushed into the totals every BLOCK commits.
var<private> o: array<f32, PACK_OUTPUT_COUNT>;
// capacityAh, energyWh, weldLossJ, interconnectLossJ, heatJ, the heat terms (irreversible, reversible, electrolyte,
// solid), heatCollectorJ
const BLOCK_SUMS: u32 = 10u;
var<private> blk: array<f32, BLOCK_SUMS>;

// Step lengths equal but for the rounding of the time grid.
fn same_length(a: f32, b: f32) -> bool {
  return abs(a - b) <= 1.0e-6 * max(a, b);
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

// The current-independent part of every cell's step over dt (once per start state and step length).
fn prepare_all(dt: f32) {
  if (dt == preparedDt) {
    return;
  }
  for (var c = 0u; c < N_CELLS; c++) {
    load_start(c);
    cell_prepare(&cs, &ca, &cb, c, dt, cs[S_TEMPERATURE_RISE]);
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_PART_A + k, c, ca[k]);
      st(W_PART_B + k, c, cb[k]);
    }
  }
  loops += N_CELLS * PREPARE_LOOPS;
  preparedDt = dt;
}

// Cell c from its start state over dt at current I, from its prepared parts: the end state goes to the trial slots
// with the step's heat and start voltage (the reference's trialCell). Returns the end voltage and (slope) dV/dI.
fn cell_eval(c: u32, I: f32, dt: f32, slope: bool) -> StepOut {
  load_start(c);
  for (var k = 0u; k < STATE_LEN; k++) {
    ca[k] = ld(W_PART_A + k, c);
    cb[k] = ld(W_PART_B + k, c);
  }
  let r = cell_finish(c, I, dt, ld(W_HEAT_IN, c), slope);
  for (var k = 0u; k < STATE_LEN; k++) {
    st(W_TRIAL + k, c, ce[k]);
  }
  st(W_STEP_HEAT, c, r.heatJ);
  st(W_V_START, c, r.vStart);
  st(W_STEP_STOICH_MARGIN, c, r.stoichMargin);
  st(W_TERM_IRREVERSIBLE, c, r.terms.x);
  st(W_TERM_REVERSIBLE, c, r.terms.y);
  st(W_TERM_ELECTROLYTE, c, r.terms.z);
  st(W_TERM_SOLID, c, r.terms.w);
  st(W_MINIMUM, c, r.minimum);
  st(W_MARGIN, c, r.margin);
  return r;
}

const G_EVAL: u32 = 0u;   // evaluate the group at W_CURRENT (voltages, slopes to W_VOLTAGE, W_SLOPE)
const G_TRIAL: u32 = 1u;  // evaluate at the damped Newton currents W_TRIAL_I (to W_TRIAL_V, W_TRIAL_S)
const G_DONE: u32 = 2u;

// Current sharing of group g carrying I over dt: Newton on the exact slopes with backtracking on the voltage spread
// (the reference's solveGroup), as a loop around one cell_eval() call site.
fn solve_group(g: u32, I: f32, dt: f32) -> f32 {
  let c0 = g * N_PARALLEL;
  let np = f32(N_PARALLEL);
  if (N_PARALLEL == 1u) {
    st(W_CURRENT, c0, I);
    let r = cell_eval(c0, I, dt, wantSlope);
    st(W_VOLTAGE, c0, r.voltage);
    st(W_SLOPE, c0, r.slope);
    st(W_GROUP_V, g, r.voltage);
    loops += EVAL_LOOPS;
    return r.voltage;
  }
  // Starting split: extrapolated from the last committed steps on the first solve of a step that continues a run of
  // equal steps (quadratic after three, linear after two), else the last solve's; shifted to sum to I.
  var order = 0;
  if (firstSolve && same_length(dt, historyDt)) {
    order = min(history - 1, 2);
  }
  var guessSum = 0.0;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    if (order == 2) {
      st(W_CURRENT, c, 3.0 * ld(W_COMMITTED1, c) - 3.0 * ld(W_COMMITTED2, c) + ld(W_COMMITTED3, c));
    } else if (order == 1) {
      st(W_CURRENT, c, 2.0 * ld(W_COMMITTED1, c) - ld(W_COMMITTED2, c));
    }
    guessSum += ld(W_CURRENT, c);
  }
  let shift = (I - guessSum) / np;
  for (var j = 0u; j < N_PARALLEL; j++) {
    st(W_CURRENT, c0 + j, ld(W_CURRENT, c0 + j) + shift);
  }
  let tolerance = TOL_GROUP_CURRENT * max(1.0, abs(I));
  let cap = 0.5 * (abs(I) / np + 1.0);
  var phase = G_EVAL;
  var j = 0u;
  var spread = 0.0;
  var lo = BIG;
  var hi = -BIG;
  var inRange = true;
  var windowed = false;
  var iter = 0;
  var attempt = 0;
  var alpha = 1.0;
  loop {
    if (phase == G_DONE) {
      break;
    }
    loops += EVAL_LOOPS;
    // ---- the one cell evaluation of this iteration
    let c = c0 + j;
    let Iq = select(ld(W_CURRENT, c), ld(W_TRIAL_I, j), phase == G_TRIAL);
    // The slopes of the solve's first evaluation serve the next update (a chord step); afresh after a halving or from
    // the third iteration on (the reference's rule).
    let fresh = phase != G_TRIAL || attempt > 0 || iter >= 1;
    let r = cell_eval(c, Iq, dt, fresh);
    if (phase == G_TRIAL) {
      st(W_TRIAL_V, j, r.voltage);
      st(W_TRIAL_S, j, select(ld(W_SLOPE, c), r.slope, fresh));
    } else {
      st(W_VOLTAGE, c, r.voltage);
      st(W_SLOPE, c, r.slope);
    }
    lo = min(lo, r.voltage);
    hi = max(hi, r.voltage);
    inRange = inRange && r.stoichMargin > TOL_STOICHIOMETRY_MARGIN;
    j++;
    if (j < N_PARALLEL) {
      continue;
    }
    // ---- the group is evaluated (a cell past the end of its stoichiometry range counts as an infinite spread: the
    // backtracking never steps there)
    let groupSpread = select(BIG, hi - lo, inRange);
    lo = BIG;
    hi = -BIG;
    inRange = true;
    j = 0u;
    if (phase == G_TRIAL) {
      if (groupSpread < spread || attempt >= TOL_MAX_BACKTRACK) {
        for (var i = 0u; i < N_PARALLEL; i++) {
          st(W_CURRENT, c0 + i, ld(W_TRIAL_I, i));
          st(W_VOLTAGE, c0 + i, ld(W_TRIAL_V, i));
          st(W_SLOPE, c0 + i, ld(W_TRIAL_S, i));
          st(W_ITERATE_STOICH_MARGIN, c0 + i, ld(W_STEP_STOICH_MARGIN, c0 + i));
        }
        spread = groupSpread;
        iter++;
      } else {
        // A step that took a cell past the end of its stoichiometry range: once per update, the middle of the step
        // lengths that keep every cell in range (the reference's rangeWindow). Else halve.
        var inWindow = 0.0;
        if (groupSpread >= BIG && !windowed) {
          inWindow = range_window(c0, alpha);
        }
        windowed = windowed || inWindow > 0.0;
        alpha = select(0.5 * alpha, inWindow, inWindow > 0.0);
        attempt++;
        for (var i = 0u; i < N_PARALLEL; i++) {
          st(W_TRIAL_I, i, ld(W_CURRENT, c0 + i) + alpha * ld(W_DELTA, i));
        }
        continue;
      }
    } else {
      spread = groupSpread;
      for (var i = 0u; i < N_PARALLEL; i++) {
        st(W_ITERATE_STOICH_MARGIN, c0 + i, ld(W_STEP_STOICH_MARGIN, c0 + i));
      }
    }
    // ---- a Newton iteration: the linearised Kirchhoff solve
    if (iter >= TOL_MAX_NEWTON) {
      phase = G_DONE;
      continue;
    }
    var sumI = 0.0;
    var sumInv = 0.0;
    var sumVoverS = 0.0;
    for (var i = 0u; i < N_PARALLEL; i++) {
      let ci = c0 + i;
      let s = usable_slope(ld(W_SLOPE, ci));
      sumI += ld(W_CURRENT, ci);
      sumInv += 1.0 / s;
      sumVoverS += ld(W_VOLTAGE, ci) / s;
    }
    let vCommon = (I - sumI + sumVoverS) / sumInv;
    var worst = 0.0;
    var converged = true;
    for (var i = 0u; i < N_PARALLEL; i++) {
      let ci = c0 + i;
      let d = (vCommon - ld(W_VOLTAGE, ci)) / usable_slope(ld(W_SLOPE, ci));
      st(W_DELTA, i, d);
      worst = max(worst, abs(d));
      // Converged cell: a small current update that also closes its voltage gap, or one at the f32 resolution of its
      // current (a cell on the positive cliff, |dV/dI| ~ 1e3 V/A, cannot do better).
      converged = converged && abs(d) < tolerance
        && (abs(vCommon - ld(W_VOLTAGE, ci)) < TOL_GROUP_VOLTAGE || abs(d) < TOL_GROUP_CURRENT_RESOLUTION * max(1.0, abs(ld(W_CURRENT, ci))));
    }
    if (converged) {
      phase = G_DONE;
      continue;
    }
    alpha = min(1.0, cap / worst);
    attempt = 0;
    windowed = false;
    for (var i = 0u; i < N_PARALLEL; i++) {
      st(W_TRIAL_I, i, ld(W_CURRENT, c0 + i) + alpha * ld(W_DELTA, i));
    }
    phase = G_TRIAL;
  }
  // The trial states are those of the last evaluation: the accepted currents.
  let gv = group_voltage(g, I);
  st(W_GROUP_V, g, gv);
  return gv;
}

// The middle of the step lengths in (0, alpha) that keep every cell of group c0.. inside its stoichiometry range, 0 if
// none: each cell's margin is affine in its current, so in the step length, through its value at the iterate and at
// the trial of length alpha (the reference's rangeWindow).
fn range_window(c0: u32, alpha: f32) -> f32 {
  var lo = 0.0;
  var hi = alpha;
  for (var i = 0u; i < N_PARALLEL; i++) {
    let m0 = ld(W_ITERATE_STOICH_MARGIN, c0 + i);
    let rate = (ld(W_STEP_STOICH_MARGIN, c0 + i) - m0) / alpha;
    let bound = (TOL_STOICHIOMETRY_MARGIN - m0) / rate;
    if (rate > 0.0) {
      lo = max(lo, bound);
    } else if (rate < 0.0) {
      hi = min(hi, bound);
    } else if (!(m0 > TOL_STOICHIOMETRY_MARGIN)) {
      return 0.0;
    }
  }
  return select(0.0, 0.5 * (lo + hi), lo < hi);
}

// The group's common voltage: the linearised Kirchhoff solve at the accepted currents, each cell weighted by its
// conductance -1/slope (equal to the cells' voltages at the solution; in f32 insensitive to a cell on the positive
// cliff, whose voltage cannot be pinned closer than its current's rounding times a slope of ~1e3 V/A).
fn group_voltage(g: u32, I: f32) -> f32 {
  let c0 = g * N_PARALLEL;
  var sumI = 0.0;
  var sumInv = 0.0;
  var sumVoverS = 0.0;
  for (var i = 0u; i < N_PARALLEL; i++) {
    let ci = c0 + i;
    let s = usable_slope(ld(W_SLOPE, ci));
    sumI += ld(W_CURRENT, ci);
    sumInv += 1.0 / s;
    sumVoverS += ld(W_VOLTAGE, ci) / s;
  }
  return (I - sumI + sumVoverS) / sumInv;
}

fn open_circuit_group(g: u32) -> f32 {
  var sum = 0.0;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = g * N_PARALLEL + j;
    load_start(c);
    let e = cell_evaluate(&cs, c, 0.0, cs[S_TEMPERATURE_RISE]);
    st(W_VOLTAGE, c, e.voltage);
    sum += e.voltage;
    // A step of length 0 ends where it starts: the start state's electrolyte margin.
    let lim = cell_limits(&cs, c);
    st(W_MINIMUM, c, lim.electrolyteMinimum);
    st(W_MARGIN, c, lim.depletionMargin);
  }
  let gv = sum / f32(N_PARALLEL);
  st(W_GROUP_V, g, gv);
  return gv;
}

// All groups at string current I over dt from the start states; returns the pack voltage and sets packSlope.
fn solve_all(I: f32, dt: f32) -> f32 {
  compute_conduction();
  if (dt > 0.0) {
    prepare_all(dt);
  }
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
      inv += 1.0 / usable_slope(ld(W_SLOPE, g * N_PARALLEL + j));
    }
    slope += 1.0 / inv;
  }
  packSlope = slope - interconnectTotal;
  firstSolve = false;
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
  wantSlope = mode == MODE_POWER;
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
      if (abs(f) < TOL_POWER * abs(P)) {
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
      if (dIter >= TOL_MAX_NEWTON) {
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
      if (fx == 0.0 || abs(dHi - dLo) < TOL_CONSTANT_VOLTAGE * max(1.0, abs(x)) || dIter + 1 >= TOL_MAX_ILLINOIS) {
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
var<private> limitCell: i32;
var<private> limitDepleted: bool;

// How far the pack is past a limit (> 0: crossed): segment s's voltage limit for the current direction, or the
// electrolyte's depletion in a cell (minus its lowest margin), the larger; sets limitGroup (voltage) or limitCell and
// limitDepleted (depletion).
fn limit_excess(s: u32, I: f32) -> f32 {
  let v = voltage_excess(s, I);
  var margin = BIG;
  var cell = -1;
  for (var c = 0u; c < N_CELLS; c++) {
    let m = ld(W_MARGIN, c);
    if (m < margin) {
      margin = m;
      cell = i32(c);
    }
  }
  limitDepleted = -margin > v;
  limitCell = -1;
  if (limitDepleted) {
    limitGroup = -1;
    limitCell = cell;
    return -margin;
  }
  return v;
}

// How far the pack is past segment s's voltage limit (> 0: crossed) for the current direction; sets limitGroup.
fn voltage_excess(s: u32, I: f32) -> f32 {
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
  o[O_MAX_TEMPERATURE_K] = max(o[O_MAX_TEMPERATURE_K], REFERENCE_TEMPERATURE + tMax);
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
    blk[5] += ld(W_TERM_IRREVERSIBLE, c);
    blk[6] += ld(W_TERM_REVERSIBLE, c);
    blk[7] += ld(W_TERM_ELECTROLYTE, c);
    blk[8] += ld(W_TERM_SOLID, c);
    blk[9] += ic * ic * prm(P_COLLECTOR_RESISTANCE, c) * dt;
    o[O_MIN_ELECTROLYTE_FRACTION] = min(o[O_MIN_ELECTROLYTE_FRACTION], ld(W_MINIMUM, c));
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_START + k, c, ld(W_TRIAL + k, c));
    }
    st(W_COMMITTED3, c, ld(W_COMMITTED2, c));
    st(W_COMMITTED2, c, ld(W_COMMITTED1, c));
    st(W_COMMITTED1, c, ic);
  }
  if (segmentIndex == historySegment && same_length(dt, historyDt)) {
    history++;
  } else {
    history = 1;
    historySegment = segmentIndex;
    historyDt = dt;
  }
  // The start states changed: the next solve is the first of a new step.
  preparedDt = -1.0;
  firstSolve = true;
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

const NO_STOP: i32 = -1;

// ---- valid states only (the reference's invalidState, probe, limitReached, stopInvalid)
const VALID: i32 = -1;
// The cell that made the last invalid state invalid (-1: the pack voltage).
var<private> invalidCell: i32;

// VALID when the trial states of the last solve at string current I are a state the model describes, else the stop
// reason: a cell whose particle surface reached the end of its stoichiometry range, or whose voltage collapsed to 0 V,
// is exhausted; a cell voltage that is not finite or above TOL_MAX_CELL_VOLTAGE, or a pack voltage <= 0, is out of
// range.
fn invalid_state(I: f32) -> i32 {
  loops += 2u * N_CELLS;
  for (var c = 0u; c < N_CELLS; c++) {
    if (!(ld(W_STEP_STOICH_MARGIN, c) > TOL_STOICHIOMETRY_MARGIN) || ld(W_VOLTAGE, c) <= 0.0) {
      invalidCell = i32(c);
      return i32(STOP_CELL_EXHAUSTED);
    }
  }
  for (var c = 0u; c < N_CELLS; c++) {
    if (!(ld(W_VOLTAGE, c) <= TOL_MAX_CELL_VOLTAGE)) {
      invalidCell = i32(c);
      return i32(STOP_VOLTAGE_OUT_OF_RANGE);
    }
  }
  if (!(pack_voltage(I) > 0.0)) {
    invalidCell = -1;
    return i32(STOP_VOLTAGE_OUT_OF_RANGE);
  }
  return VALID;
}

// invalid_state after a drive: a power the pack cannot deliver is its own stop.
fn invalid_drive(I: f32) -> i32 {
  if (dFailed) {
    return i32(STOP_POWER_LIMIT);
  }
  return invalid_state(I);
}

// Start a drive over a sub-step of the step being located, from the last valid solve's cell currents.
fn probe_start(s: u32, tau: f32) {
  loops += N_CELLS;
  for (var c = 0u; c < N_CELLS; c++) {
    st(W_CURRENT, c, ld(W_VALID_CURRENT, c));
  }
  drive_start(s, tau);
}

// A probe's drive is done: its validity, keeping its currents as the last valid ones when it is valid.
fn probe_done(I: f32) -> i32 {
  let r = invalid_drive(I);
  if (r == VALID) {
    loops += N_CELLS;
    for (var c = 0u; c < N_CELLS; c++) {
      st(W_VALID_CURRENT, c, ld(W_CURRENT, c));
    }
  }
  return r;
}

// The next sub-step length of the located bracket: Illinois while its far end is past the limit, bisection while it is
// an invalid state.
fn next_probe(lo: f32, hi: f32, flo: f32, fhi: f32, hiReason: i32) -> f32 {
  if (hiReason == VALID) {
    return illinois_next(lo, hi, flo, fhi);
  }
  return 0.5 * (lo + hi);
}

// ---- pause and resume at step boundaries (F_* fields: shaders/layout.generated.wgsl)
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
const R_LOC_FIRST: u32 = 3u; // location: the step's first instant
const R_LOC_ITER: u32 = 4u;  // the bracket's iterations (Illinois on the limit, bisection on an invalid state)
const R_LOC_LAST: u32 = 5u;  // an invalid state: the last valid sub-step, committed
const R_LOC_FINAL: u32 = 6u; // a limit: the committed sub-step

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
  preparedDt = -1.0;
  firstSolve = true;
  wantSlope = false;
  segmentIndex = -1;

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
  var hiReason = VALID; // what the bracket's far end is: VALID (past the limit, fhi) or an invalid state's stop reason
  var hiCell = -1;
  var pendingTau = -1.0; // >= 0: the next probe of a location
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
    for (var q = 0u; q < BLOCK_SUMS; q++) {
      blk[q] = 0.0;
    }
    o[O_CUTOFF_CELL] = -1.0;
    o[O_MIN_CELL_VOLTAGE_V] = BIG;
    o[O_MAX_CELL_VOLTAGE_V] = -BIG;
    o[O_MIN_ELECTROLYTE_FRACTION] = 1.0;
    history = 0;
    historyDt = -1.0;
    historySegment = -1;
    for (var c = 0u; c < N_CELLS; c++) {
      if (info.states == 2u) {
        // A lifetime run resumes the pack from the states its last protocol step left (src/pack/lifetime.ts).
        for (var q = 0u; q < STATE_LEN; q++) {
          st(W_START + q, c, pld(F_STATES + q * N_CELLS + c, p));
        }
      } else {
        cell_init(&cs, c);
        for (var q = 0u; q < STATE_LEN; q++) {
          st(W_START + q, c, cs[q]);
        }
      }
      st(W_CURRENT, c, 0.0);
      st(W_VOLTAGE, c, 0.0);
      st(W_SLOPE, c, 0.0);
      st(W_MINIMUM, c, 1.0);
      st(W_MARGIN, c, 1.0);
      st(W_COMMITTED1, c, 0.0);
      st(W_COMMITTED2, c, 0.0);
      st(W_COMMITTED3, c, 0.0);
    }
  } else {
    // Resume at the step boundary where this pack paused.
    for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
      o[q] = pld(F_O + q, p);
    }
    for (var q = 0u; q < BLOCK_SUMS; q++) {
      blk[q] = pld(F_BLK + q, p);
    }
    time = pld(F_TIME, p);
    committed = u32(pld(F_COMMITTED, p));
    stringCurrent = pld(F_STRING_CURRENT, p);
    stopReason = i32(pld(F_STOP_REASON, p));
    s = u32(pld(F_SEGMENT, p));
    k = u32(pld(F_STEP, p));
    t0 = pld(F_T0, p);
    history = i32(pld(F_HISTORY, p));
    historyDt = pld(F_HISTORY_DT, p);
    historySegment = i32(pld(F_HISTORY_SEGMENT, p));
    segmentIndex = i32(s);
    restore_cells(p);
    steps = u32(segAux[2u * s]);
    hLast = segAux[2u * s + 1u];
    h = select(DT, hLast, k == steps);
    let locationPhase = u32(pld(F_LOCATION, p));
    if (locationPhase == 0u) {
      phase = R_STEP;
      drive_start(s, h);
    } else {
      // Paused between two probes of a location: its bracket, then the pending probe (after the step's first solve, as
      // when not paused).
      phase = locationPhase;
      lo = pld(F_LOCATION + 2u, p);
      hi = pld(F_LOCATION + 3u, p);
      flo = pld(F_LOCATION + 4u, p);
      fhi = pld(F_LOCATION + 5u, p);
      x = pld(F_LOCATION + 6u, p);
      side = i32(pld(F_LOCATION + 7u, p));
      it = i32(pld(F_LOCATION + 8u, p));
      hiReason = i32(pld(F_LOCATION + 9u, p));
      hiCell = i32(pld(F_LOCATION + 10u, p));
      firstSolve = false;
      probe_start(s, pld(F_LOCATION + 1u, p));
    }
  }
  var paused = false;
  // Set at every exit of the main loop below: a loop that ends otherwise was ended by the device (Mesa's llvmpipe
  // ends an invocation's loops after 65,535 iterations), and the pack's outputs say so instead of being cut short.
  var exited = false;
  loop {
    // ---- the one pack solve of this iteration
    loops += 1u + 2u * N_CELLS + N_CELLS * STATE_LEN; // the solve's own loops; a commit's state copies
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
        } else if (invalid_state(I) != VALID || limit_excess(s, I) >= 0.0) {
          // The limit or an invalid state within the step: locate it (the reference's stopWithinStep).
          hiReason = invalid_state(I);
          hiCell = invalidCell;
          fhi = select(0.0, limit_excess(s, I), hiReason == VALID);
          for (var c = 0u; c < N_CELLS; c++) {
            st(W_VALID_CURRENT, c, select(ld(W_COMMITTED1, c), ld(W_CURRENT, c), hiReason == VALID));
          }
          hi = h;
          lo = TOL_CROSSING * max(1.0, h);
          phase = R_LOC_FIRST;
          pendingTau = lo;
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
              exited = true;
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
      case R_LOC_FIRST, R_LOC_ITER: {
        let r = probe_done(I);
        var fx = 0.0;
        if (r == VALID) {
          fx = limit_excess(s, I);
        }
        if (phase == R_LOC_FIRST) {
          // Already at the step's first instant: the step ends at once (0 Ah) with its stop reason, the limit first.
          // (a power the pack cannot deliver has no limit excess: the reference's NaN)
          var crossed = false;
          if (r == VALID) {
            crossed = fx >= 0.0;
          } else if (!dFailed) {
            crossed = limit_excess(s, I) >= 0.0;
          }
          if (crossed) {
            segmentDone = true;
            reason = limit_reached(s, I, limitGroup, limitDepleted, limitCell);
          } else if (r != VALID) {
            segmentDone = true;
            reason = stop_invalid(r);
          } else {
            flo = fx;
            side = 0;
            it = 0;
            x = next_probe(lo, hi, flo, fhi, hiReason);
            phase = R_LOC_ITER;
            pendingTau = x;
          }
        } else {
          if (r != VALID) {
            hi = x;
            hiReason = r;
            hiCell = invalidCell;
            side = 0;
          } else if (fx >= 0.0) {
            if (hiReason != VALID) {
              side = 0;
            } else if (side == -1) {
              flo /= 2.0;
            }
            hi = x;
            fhi = fx;
            hiReason = VALID;
            side = -1;
          } else {
            if (side == 1) { fhi /= 2.0; }
            lo = x;
            flo = fx;
            side = 1;
          }
          it++;
          if ((r == VALID && fx == 0.0) || hi - lo < TOL_CROSSING * max(1.0, x) || it >= TOL_MAX_ILLINOIS) {
            if (hiReason != VALID) {
              phase = R_LOC_LAST;
              pendingTau = lo;
            } else {
              phase = R_LOC_FINAL;
              pendingTau = x;
            }
          } else {
            x = next_probe(lo, hi, flo, fhi, hiReason);
            pendingTau = x;
          }
        }
      }
      case R_LOC_LAST: {
        if (probe_done(I) == VALID) {
          commit(I, lo);
        }
        invalidCell = hiCell;
        segmentDone = true;
        reason = stop_invalid(hiReason);
      }
      default: { // R_LOC_FINAL
        let r = probe_done(I);
        segmentDone = true;
        if (r != VALID) {
          reason = stop_invalid(r);
        } else {
          limit_excess(s, I);
          let crossGroup = limitGroup;
          let depleted = limitDepleted;
          let depletedCell = limitCell;
          commit(I, x);
          reason = limit_reached(s, I, crossGroup, depleted, depletedCell);
        }
      }
    }
    // The next probe of a location; a long location pauses between probes like a step boundary (llvmpipe's loop
    // limit, GPU watchdogs) and resumes with this probe.
    if (pendingTau >= 0.0) {
      if (loops > info.budget) {
        paused = true;
      } else {
        probe_start(s, pendingTau);
        pendingTau = -1.0;
      }
    }
    if (paused) {
      exited = true;
      break; // (a `break` inside a switch case only leaves the switch)
    }
    if (!segmentDone) {
      continue;
    }
    // ---- a segment ended (or the run starts): the reference's run() loop
    if (ends_run(reason)) {
      stopReason = reason;
      if (o[O_CUTOFF_CELL] < 0.0) {
        o[O_TIME_TO_FIRST_CUTOFF_S] = time;
      }
      exited = true;
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
      exited = true;
      break;
    }
    t0 = time;
    k = 1u;
    segmentIndex = i32(s);
    if (loops > info.budget) {
      paused = true;
      exited = true;
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
    for (var q = 0u; q < BLOCK_SUMS; q++) {
      pst(F_BLK + q, p, blk[q]);
    }
    pst(F_TIME, p, time);
    pst(F_COMMITTED, p, f32(committed));
    pst(F_STRING_CURRENT, p, stringCurrent);
    pst(F_STOP_REASON, p, f32(stopReason));
    pst(F_SEGMENT, p, f32(s));
    pst(F_STEP, p, f32(k));
    pst(F_T0, p, t0);
    pst(F_HISTORY, p, f32(history));
    pst(F_HISTORY_DT, p, historyDt);
    pst(F_HISTORY_SEGMENT, p, f32(historySegment));
    pst(F_LOCATION, p, select(0.0, f32(phase), pendingTau >= 0.0));
    pst(F_LOCATION + 1u, p, pendingTau);
    pst(F_LOCATION + 2u, p, lo);
    pst(F_LOCATION + 3u, p, hi);
    pst(F_LOCATION + 4u, p, flo);
    pst(F_LOCATION + 5u, p, fhi);
    pst(F_LOCATION + 6u, p, x);
    pst(F_LOCATION + 7u, p, f32(side));
    pst(F_LOCATION + 8u, p, f32(it));
    pst(F_LOCATION + 9u, p, f32(hiReason));
    pst(F_LOCATION + 10u, p, f32(hiCell));
    save_cells(p);
    pst(F_STATUS, p, 1.0);
    atomicAdd(&pausedPacks, 1u);
    return;
  }
  pst(F_STATUS, p, 2.0);
  if (!exited) {
    outputs[p * OUT_STRIDE + O_STOP_REASON] = -1.0;
    return;
  }
  flush_blocks();
  o[O_DURATION_S] = time;
  if (o[O_CUTOFF_CELL] < 0.0) {
    o[O_TIME_TO_FIRST_CUTOFF_S] = time;
  }
  o[O_STOP_REASON] = f32(stopReason);
  var socMin = BIG;
  var socMax = -BIG;
  for (var c = 0u; c < N_CELLS; c++) {
    load_start(c);
    let soc = cell_soc(&cs, c).soc;
    socMin = min(socMin, soc);
    socMax = max(socMax, soc);
  }
  o[O_FINAL_SOC_SPREAD] = socMax - socMin;
  if (info.states != 0u) {
    for (var c = 0u; c < N_CELLS; c++) {
      for (var q = 0u; q < STATE_LEN; q++) {
        pst(F_STATES + q * N_CELLS + c, p, ld(W_START + q, c));
      }
    }
  }
  for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
    outputs[p * OUT_STRIDE + q] = o[q];
  }
  outputs[p * OUT_STRIDE + PACK_OUTPUT_COUNT] = f32(committed);
}
