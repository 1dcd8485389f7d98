// cellspread WebGPU kernel, one workgroup per pack: its invocations step the cells (one cell each, or
// CELLS_PER_INVOCATION when a pack has more cells than a workgroup may hold), solve the current sharing of every parallel
// group at once and reduce what the pack needs; invocation 0, the leader, runs the pack's drive and protocol machines.
//
// The same algorithm as shaders/pack.wgsl (one invocation per pack), in the same order of operations: the group Newton of
// each group is the reference's solveGroup, run for all groups at once (a group's solve never reads another group), with
// its sums over the group's cells taken in cell order by the group's leader invocation; pack sums over groups are taken
// in group order by the leader, sums over cells in cell order when each invocation holds one cell. The drive and
// protocol machines are pack.wgsl's, driven by rounds: in each round every invocation does the cell work the leader
// asked for (RF_* flags: initialise, commit the trial states, cell extremes, SOC, one pack solve), then the leader
// consumes the results and writes the next round. Control flow around barriers is uniform: it depends only on the
// round flags, read with workgroupUniformLoad, and on counters read the same way. Invocations share cells' working
// slots through storage buffers, so every synchronisation point is a storageBarrier as well as a workgroup barrier
// (workgroupBarrier alone orders only workgroup memory).
//
// Assembled by src/backends/webgpu/shader.ts after layout.generated.wgsl, the study prelude (with WG_SIZE,
// CELLS_PER_INVOCATION and GROUPS_PER_INVOCATION), kernel.generated.wgsl and step.wgsl. Working memory: parameters
// [pack][row][cell] and working slots W_* [pack][slot][cell] (packMajorIndex), so neighbouring invocations (cells of a
// pack) touch neighbouring words; the working slots persist between dispatches, the leader saves its machines in
// `persist` when the pack pauses (pack.wgsl's F_* fields).

const BIG: f32 = 1.0e30;
const BLOCK: u32 = 32u;

var<private> packIndex: u32;

fn prm(k: u32, c: u32) -> f32 {
  return params[packMajorIndex(k, c, packIndex, N_CELLS, PARAM_ROWS)];
}

fn ld(slot: u32, c: u32) -> f32 {
  return work[packMajorIndex(slot, c, packIndex, N_CELLS, WORK_SLOTS)];
}

fn st(slot: u32, c: u32, v: f32) {
  work[packMajorIndex(slot, c, packIndex, N_CELLS, WORK_SLOTS)] = v;
}

fn pld(f: u32, p: u32) -> f32 {
  return persist[f * info.packs + p];
}

fn pst(f: u32, p: u32, v: f32) {
  persist[f * info.packs + p] = v;
}

// Step lengths equal but for the rounding of the time grid.
fn same_length(a: f32, b: f32) -> bool {
  return abs(a - b) <= 1.0e-6 * max(a, b);
}

// ---------------------------------------------------------------- the cells (every invocation, its own cells)

fn load_start(c: u32) {
  for (var k = 0u; k < STATE_LEN; k++) {
    cs[k] = ld(W_START + k, c);
  }
}

// Cell c from its start state over dt at current I, from its prepared parts: the end state to the trial slots with the
// step's heat and start voltage (pack.wgsl's cell_eval).
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

fn prepare_cell(c: u32, dt: f32) {
  load_start(c);
  cell_prepare(&cs, &ca, &cb, c, dt, cs[S_TEMPERATURE_RISE]);
  for (var k = 0u; k < STATE_LEN; k++) {
    st(W_PART_A + k, c, ca[k]);
    st(W_PART_B + k, c, cb[k]);
  }
}

fn chained_to_next(c: u32) -> bool {
  return c + 1u < N_CELLS && (c / CELLS_PER_MODULE) == ((c + 1u) / CELLS_PER_MODULE);
}

// Conduction heat into cell c from its chain neighbours at the start-of-step temperatures (pack.wgsl's
// compute_conduction, in its order: the flow from the previous cell, then the flow to the next).
fn conduction_into(c: u32) -> f32 {
  var q = 0.0;
  if (CONDUCTION == 0.0 || !LUMPED) {
    return q;
  }
  let rise = ld(W_START + S_TEMPERATURE_RISE, c);
  if (c > 0u && chained_to_next(c - 1u)) {
    q -= CONDUCTION * (rise - ld(W_START + S_TEMPERATURE_RISE, c - 1u));
  }
  if (chained_to_next(c)) {
    q += CONDUCTION * (ld(W_START + S_TEMPERATURE_RISE, c + 1u) - rise);
  }
  return q;
}

// ---------------------------------------------------------------- rounds (written by the leader)

const RF_INIT: u32 = 1u;      // initialise every cell (a fresh pack)
const RF_COMMIT: u32 = 2u;    // accept the trial states of the last solve (the leader committed a step)
const RF_OBSERVE: u32 = 4u;   // cell temperature extremes and the current imbalance at rObserveI
const RF_SOC: u32 = 8u;       // cell SOC extremes and, when asked for, the end states (the end of the protocol)
const RF_SOLVE: u32 = 16u;    // one pack solve at (rI, rDt)
const RF_OPEN: u32 = 32u;     // ... at zero step length: open-circuit group voltages
const RF_PREPARE: u32 = 64u;  // ... with new prepared parts (the start states or the step length changed)
const RF_SLOPE: u32 = 128u;   // ... single cells with their slopes (power drive)
const RF_END: u32 = 256u;     // the last round of this dispatch: the pack finished or paused
const RF_IDLE: u32 = 512u;    // the pack finished in an earlier dispatch
// Valid states only (pack.wgsl's probe_start and probe_done, per cell, in this order before the solve):
const RF_KEEP_VALID: u32 = 1024u;            // the last solve was valid: its cell currents are the last valid ones
const RF_VALID_FROM_COMMITTED: u32 = 2048u;  // a location starts from the last commit's cell currents
const RF_PROBE: u32 = 4096u;                 // the solve is a probe of a location: it starts from the last valid currents

var<workgroup> rFlags: u32;
var<workgroup> rI: f32;
var<workgroup> rDt: f32;
var<workgroup> rOrder: i32;        // split extrapolation order of the solve
var<workgroup> rCommitDt: f32;     // the committed step's length
var<workgroup> rObserveI: f32;     // string current for the imbalance

// Results of a round, per group (group leaders) and per invocation (its cells; the leader reduces them).
var<workgroup> wgGroupV: array<f32, N_SERIES>;      // group voltage
var<workgroup> wgGroupCond: array<f32, N_SERIES>;   // sum over the group of 1 / usable slope
var<workgroup> wgGroupVStart: array<f32, N_SERIES>; // mean start voltage of the last evaluations
var<workgroup> pWeld: array<f32, WG_SIZE>;
var<workgroup> pHeat: array<f32, WG_SIZE>;
var<workgroup> pTerms: array<vec4<f32>, WG_SIZE>; // the heat terms (irreversible, reversible, electrolyte, solid)
var<workgroup> pCollector: array<f32, WG_SIZE>;
var<workgroup> pMinimum: array<f32, WG_SIZE>;     // lowest c_e / c_e0 of the committed cells
var<workgroup> pRiseMin: array<f32, WG_SIZE>;
var<workgroup> pRiseMax: array<f32, WG_SIZE>;
var<workgroup> pImbalance: array<f32, WG_SIZE>;
var<workgroup> pSocMin: array<f32, WG_SIZE>;
var<workgroup> pSocMax: array<f32, WG_SIZE>;
// Valid states only: per invocation, over its groups' cells after a solve, the lowest of (a cell exhausted: c; else
// out of range: N_CELLS + c; else 2 N_CELLS), so that the leader's minimum names pack.wgsl's invalid_state cell.
var<workgroup> pInvalid: array<u32, WG_SIZE>;

// Group Newton state per group (the reference's solveGroup locals).
const G_EVAL: u32 = 0u;   // evaluate the group at W_CURRENT (voltages, slopes to W_VOLTAGE, W_SLOPE)
const G_TRIAL: u32 = 1u;  // evaluate at the damped Newton currents W_TRIAL_I (to W_TRIAL_V, W_TRIAL_S)
const G_DONE: u32 = 2u;
var<workgroup> gPhase: array<u32, N_SERIES>;
var<workgroup> gIter: array<i32, N_SERIES>;
var<workgroup> gAttempt: array<i32, N_SERIES>;
var<workgroup> gAlpha: array<f32, N_SERIES>;
var<workgroup> gSpread: array<f32, N_SERIES>;
var<workgroup> gWindowed: array<u32, N_SERIES>; // this update already went to the window of in-range step lengths
// Groups still iterating, counted anew each Newton iteration (two counters, alternating, so that resetting one never
// races with reading the other).
var<workgroup> gActive: array<atomic<u32>, 2>;

// Loop iterations so far in this dispatch (Mesa's llvmpipe ends an invocation's loops after 65,535 iterations in total;
// the leader, which also runs every serial scan, pauses its pack at the next step boundary past info.budget).
var<private> loops: u32;

// The round's cell work before the solve: initialise, commit, extremes; partial results per invocation.
fn cells_before_solve(lid: u32, flags: u32) {
  var weld = 0.0;
  var heat = 0.0;
  var terms = vec4<f32>(0.0);
  var collector = 0.0;
  var minimum = 1.0;
  var riseMin = BIG;
  var riseMax = -BIG;
  var imbalance = 0.0;
  var socMin = BIG;
  var socMax = -BIG;
  let mean = abs(rObserveI) / f32(N_PARALLEL);
  for (var k = 0u; k < CELLS_PER_INVOCATION; k++) {
    let c = lid + k * WG_SIZE;
    if (c >= N_CELLS) {
      break;
    }
    if ((flags & RF_INIT) != 0u) {
      if (info.states == 2u) {
        // A lifetime run resumes the pack from the states its last protocol step left (src/pack/lifetime.ts).
        for (var q = 0u; q < STATE_LEN; q++) {
          st(W_START + q, c, pld(F_STATES + q * N_CELLS + c, packIndex));
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
    if ((flags & RF_COMMIT) != 0u) {
      let ic = ld(W_CURRENT, c);
      weld += ic * ic * prm(P_CONTACT_RESISTANCE, c) * rCommitDt;
      heat += ld(W_STEP_HEAT, c);
      // Each term summed on its own, in cell order (pack.wgsl's blk[5..8]), and the collectors' I^2 R dt (blk[9]).
      terms += vec4<f32>(ld(W_TERM_IRREVERSIBLE, c), ld(W_TERM_REVERSIBLE, c), ld(W_TERM_ELECTROLYTE, c), ld(W_TERM_SOLID, c));
      collector += ic * ic * prm(P_COLLECTOR_RESISTANCE, c) * rCommitDt;
      minimum = min(minimum, ld(W_MINIMUM, c));
      for (var q = 0u; q < STATE_LEN; q++) {
        st(W_START + q, c, ld(W_TRIAL + q, c));
      }
      st(W_COMMITTED3, c, ld(W_COMMITTED2, c));
      st(W_COMMITTED2, c, ld(W_COMMITTED1, c));
      st(W_COMMITTED1, c, ic);
      loops += STATE_LEN;
    }
    if ((flags & RF_KEEP_VALID) != 0u) {
      st(W_VALID_CURRENT, c, ld(W_CURRENT, c));
    }
    if ((flags & RF_VALID_FROM_COMMITTED) != 0u) {
      st(W_VALID_CURRENT, c, ld(W_COMMITTED1, c));
    }
    if ((flags & RF_PROBE) != 0u) {
      st(W_CURRENT, c, ld(W_VALID_CURRENT, c));
    }
    if ((flags & RF_OBSERVE) != 0u) {
      let r = ld(W_START + S_TEMPERATURE_RISE, c);
      riseMin = min(riseMin, r);
      riseMax = max(riseMax, r);
      if (abs(rObserveI) > 1.0e-9) {
        imbalance = max(imbalance, abs(ld(W_CURRENT, c)) / mean);
      }
    }
    if ((flags & RF_SOC) != 0u) {
      load_start(c);
      let soc = cell_soc(&cs, c).soc;
      socMin = min(socMin, soc);
      socMax = max(socMax, soc);
      // The end states, for a lifetime run's next protocol step (info.states: pack.wgsl's F_STATES region).
      if (info.states != 0u) {
        for (var q = 0u; q < STATE_LEN; q++) {
          pst(F_STATES + q * N_CELLS + c, packIndex, cs[q]);
        }
      }
    }
  }
  pWeld[lid] = weld;
  pHeat[lid] = heat;
  pTerms[lid] = terms;
  pCollector[lid] = collector;
  pMinimum[lid] = minimum;
  pRiseMin[lid] = riseMin;
  pRiseMax[lid] = riseMax;
  pImbalance[lid] = imbalance;
  pSocMin[lid] = socMin;
  pSocMax[lid] = socMax;
}

// Starting split of group g (the reference's): extrapolated from the last committed steps (order 2: quadratic, 1:
// linear, 0: the last solve's currents), shifted to sum to I; or, for single cells, the string current.
fn group_begin(g: u32, I: f32, order: i32) {
  let c0 = g * N_PARALLEL;
  gPhase[g] = G_EVAL;
  gIter[g] = 0;
  gAttempt[g] = 0;
  gAlpha[g] = 1.0;
  gSpread[g] = 0.0;
  gWindowed[g] = 0u;
  if (N_PARALLEL == 1u) {
    st(W_CURRENT, c0, I);
    return;
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
  let shift = (I - guessSum) / f32(N_PARALLEL);
  for (var j = 0u; j < N_PARALLEL; j++) {
    st(W_CURRENT, c0 + j, ld(W_CURRENT, c0 + j) + shift);
  }
}

// Cell c's evaluation of this Newton iteration of its group (pack.wgsl's solve_group loop body), with one call site of
// the cell step (shader compilers inline every call: each site is a copy of the cell physics).
fn group_cell_eval(c: u32, g: u32, dt: f32, single_slope: bool) {
  let trial = gPhase[g] == G_TRIAL;
  // The slopes of the solve's first evaluation serve the next update (a chord step); afresh after a halving or from
  // the third iteration on (the reference's rule).
  let fresh = gAttempt[g] > 0 || gIter[g] >= 1;
  let slope = select(N_PARALLEL > 1u || single_slope, fresh, trial);
  let r = cell_eval(c, ld(select(W_CURRENT, W_TRIAL_I, trial), c), dt, slope);
  if (trial) {
    st(W_TRIAL_V, c, r.voltage);
    st(W_TRIAL_S, c, select(ld(W_SLOPE, c), r.slope, fresh));
  } else {
    st(W_VOLTAGE, c, r.voltage);
    st(W_SLOPE, c, r.slope);
  }
}

// Group g after its cells' evaluations: the reference's backtracking and Newton update (pack.wgsl's solve_group after
// "the group is evaluated"); leaves gPhase[g] at G_DONE when converged.
fn group_update(g: u32, I: f32) {
  let c0 = g * N_PARALLEL;
  let phase = gPhase[g];
  if (N_PARALLEL == 1u) {
    gPhase[g] = G_DONE;
    return;
  }
  var lo = BIG;
  var hi = -BIG;
  var inRange = true;
  let slot = select(W_VOLTAGE, W_TRIAL_V, phase == G_TRIAL);
  for (var j = 0u; j < N_PARALLEL; j++) {
    let v = ld(slot, c0 + j);
    lo = min(lo, v);
    hi = max(hi, v);
    inRange = inRange && ld(W_STEP_STOICH_MARGIN, c0 + j) > TOL_STOICHIOMETRY_MARGIN;
  }
  // A cell past the end of its stoichiometry range counts as an infinite spread: the backtracking never steps there.
  let groupSpread = select(BIG, hi - lo, inRange);
  if (phase == G_TRIAL) {
    if (groupSpread < gSpread[g] || gAttempt[g] >= TOL_MAX_BACKTRACK) {
      for (var j = 0u; j < N_PARALLEL; j++) {
        let c = c0 + j;
        st(W_CURRENT, c, ld(W_TRIAL_I, c));
        st(W_VOLTAGE, c, ld(W_TRIAL_V, c));
        st(W_SLOPE, c, ld(W_TRIAL_S, c));
        st(W_ITERATE_STOICH_MARGIN, c, ld(W_STEP_STOICH_MARGIN, c));
      }
      gSpread[g] = groupSpread;
      gIter[g] += 1;
    } else {
      // A step that took a cell past the end of its stoichiometry range: once per update, the middle of the step
      // lengths that keep every cell in range (the reference's rangeWindow). Else halve.
      var inWindow = 0.0;
      if (groupSpread >= BIG && gWindowed[g] == 0u) {
        inWindow = range_window(c0, gAlpha[g]);
      }
      if (inWindow > 0.0) {
        gWindowed[g] = 1u;
      }
      gAlpha[g] = select(0.5 * gAlpha[g], inWindow, inWindow > 0.0);
      gAttempt[g] += 1;
      for (var j = 0u; j < N_PARALLEL; j++) {
        let c = c0 + j;
        st(W_TRIAL_I, c, ld(W_CURRENT, c) + gAlpha[g] * ld(W_DELTA, c));
      }
      return;
    }
  } else {
    gSpread[g] = groupSpread;
    for (var j = 0u; j < N_PARALLEL; j++) {
      st(W_ITERATE_STOICH_MARGIN, c0 + j, ld(W_STEP_STOICH_MARGIN, c0 + j));
    }
  }
  // ---- a Newton iteration: the linearised Kirchhoff solve
  if (gIter[g] >= TOL_MAX_NEWTON) {
    gPhase[g] = G_DONE;
    return;
  }
  var sumI = 0.0;
  var sumInv = 0.0;
  var sumVoverS = 0.0;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    let s = usable_slope(ld(W_SLOPE, c));
    sumI += ld(W_CURRENT, c);
    sumInv += 1.0 / s;
    sumVoverS += ld(W_VOLTAGE, c) / s;
  }
  let vCommon = (I - sumI + sumVoverS) / sumInv;
  let tolerance = TOL_GROUP_CURRENT * max(1.0, abs(I));
  var worst = 0.0;
  var converged = true;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    let d = (vCommon - ld(W_VOLTAGE, c)) / usable_slope(ld(W_SLOPE, c));
    st(W_DELTA, c, d);
    worst = max(worst, abs(d));
    converged = converged && abs(d) < tolerance
      && (abs(vCommon - ld(W_VOLTAGE, c)) < TOL_GROUP_VOLTAGE || abs(d) < TOL_GROUP_CURRENT_RESOLUTION * max(1.0, abs(ld(W_CURRENT, c))));
  }
  if (converged) {
    gPhase[g] = G_DONE;
    return;
  }
  let cap = 0.5 * (abs(I) / f32(N_PARALLEL) + 1.0);
  gAlpha[g] = min(1.0, cap / worst);
  gAttempt[g] = 0;
  gWindowed[g] = 0u;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    st(W_TRIAL_I, c, ld(W_CURRENT, c) + gAlpha[g] * ld(W_DELTA, c));
  }
  gPhase[g] = G_TRIAL;
}

// The middle of the step lengths in (0, alpha) that keep every cell of the group from c0 inside its stoichiometry range,
// 0 if none (pack.wgsl's range_window: each margin is affine in the step length, through the iterate and the trial).
fn range_window(c0: u32, alpha: f32) -> f32 {
  var lo = 0.0;
  var hi = alpha;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let m0 = ld(W_ITERATE_STOICH_MARGIN, c0 + j);
    let rate = (ld(W_STEP_STOICH_MARGIN, c0 + j) - m0) / alpha;
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

// Group g's results for the leader: its voltage (the linearised common voltage at the accepted currents, conductance
// weighted; for single cells the cell's voltage), its conductance, its mean start voltage.
fn group_results(g: u32, I: f32, open: bool) {
  let c0 = g * N_PARALLEL;
  var sumI = 0.0;
  var sumInv = 0.0;
  var sumVoverS = 0.0;
  var sumV = 0.0;
  var sumVStart = 0.0;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = c0 + j;
    let s = usable_slope(ld(W_SLOPE, c));
    sumI += ld(W_CURRENT, c);
    sumInv += 1.0 / s;
    sumVoverS += ld(W_VOLTAGE, c) / s;
    sumV += ld(W_VOLTAGE, c);
    sumVStart += ld(W_V_START, c);
  }
  if (open) {
    wgGroupV[g] = sumV / f32(N_PARALLEL);
  } else if (N_PARALLEL == 1u) {
    wgGroupV[g] = ld(W_VOLTAGE, c0);
  } else {
    wgGroupV[g] = (I - sumI + sumVoverS) / sumInv;
  }
  wgGroupCond[g] = sumInv;
  wgGroupVStart[g] = sumVStart / f32(N_PARALLEL);
}

// One pack solve: every group's current sharing at string current rI over rDt (all groups at once), or the open-circuit
// voltages (RF_OPEN). `flags` is uniform (the round's), so are the Newton loop's counters.
fn solve_cells(lid: u32, flags: u32) {
  let I = rI;
  let dt = rDt;
  let open = (flags & RF_OPEN) != 0u;
  for (var k = 0u; k < CELLS_PER_INVOCATION; k++) {
    let c = lid + k * WG_SIZE;
    if (c >= N_CELLS) {
      break;
    }
    st(W_HEAT_IN, c, conduction_into(c));
    if (open) {
      load_start(c);
      st(W_VOLTAGE, c, cell_evaluate(&cs, c, 0.0, cs[S_TEMPERATURE_RISE]).voltage);
      // A step of length 0 ends where it starts: the start state's electrolyte margin.
      let lim = cell_limits(&cs, c);
      st(W_MINIMUM, c, lim.electrolyteMinimum);
      st(W_MARGIN, c, lim.depletionMargin);
    } else if ((flags & RF_PREPARE) != 0u) {
      prepare_cell(c, dt);
    }
  }
  // Counted as if no loop were unrolled (EVAL_LOOPS, PREPARE_LOOPS: the step template's and kernels' own loops).
  loops += CELLS_PER_INVOCATION * select(PREPARE_LOOPS, EVAL_LOOPS, open);
  if (!open) {
    storageBarrier(); workgroupBarrier(); // the parts prepared (a group's cells may live in other invocations)
    for (var q = 0u; q < GROUPS_PER_INVOCATION; q++) {
      let g = lid + q * WG_SIZE;
      if (g < N_SERIES) {
        group_begin(g, I, rOrder);
      }
    }
    loops += GROUPS_PER_INVOCATION * (1u + 2u * N_PARALLEL);
    if (lid == 0u) {
      atomicStore(&gActive[0], 0u);
    }
    storageBarrier(); workgroupBarrier();
    var iteration = 0u;
    loop {
      for (var k = 0u; k < CELLS_PER_INVOCATION; k++) {
        let c = lid + k * WG_SIZE;
        if (c >= N_CELLS) {
          break;
        }
        let g = c / N_PARALLEL;
        if (gPhase[g] != G_DONE) {
          group_cell_eval(c, g, dt, (flags & RF_SLOPE) != 0u);
        }
      }
      storageBarrier(); workgroupBarrier();
      if (lid == 0u) {
        atomicStore(&gActive[(iteration + 1u) & 1u], 0u);
      }
      for (var q = 0u; q < GROUPS_PER_INVOCATION; q++) {
        let g = lid + q * WG_SIZE;
        if (g < N_SERIES && gPhase[g] != G_DONE) {
          group_update(g, I);
          if (gPhase[g] != G_DONE) {
            atomicAdd(&gActive[iteration & 1u], 1u);
          }
        }
      }
      loops += 1u + CELLS_PER_INVOCATION * EVAL_LOOPS + GROUPS_PER_INVOCATION * 4u * N_PARALLEL;
      storageBarrier();
      let running = workgroupUniformLoad(&gActive[iteration & 1u]);
      if (running == 0u) {
        break;
      }
      iteration += 1u;
    }
  } else {
    storageBarrier(); workgroupBarrier(); // the open-circuit voltages
  }
  var invalid = 2u * N_CELLS;
  for (var q = 0u; q < GROUPS_PER_INVOCATION; q++) {
    let g = lid + q * WG_SIZE;
    if (g < N_SERIES) {
      group_results(g, I, open);
      invalid = min(invalid, group_invalid(g));
    }
  }
  pInvalid[lid] = invalid;
  loops += 2u * GROUPS_PER_INVOCATION * N_PARALLEL;
}

// Valid states only, group g at its accepted currents (pack.wgsl's invalid_state over its cells): the first cell whose
// particle surface reached the end of its stoichiometry range or whose voltage collapsed to 0 V (exhausted: c), else
// the first whose voltage is not finite or above TOL_MAX_CELL_VOLTAGE (out of range: N_CELLS + c), else 2 N_CELLS.
fn group_invalid(g: u32) -> u32 {
  var code = 2u * N_CELLS;
  for (var j = 0u; j < N_PARALLEL; j++) {
    let c = g * N_PARALLEL + j;
    let v = ld(W_VOLTAGE, c);
    if (!(ld(W_STEP_STOICH_MARGIN, c) > TOL_STOICHIOMETRY_MARGIN) || v <= 0.0) {
      return c;
    }
    if (!(v <= TOL_MAX_CELL_VOLTAGE)) {
      code = min(code, N_CELLS + c);
    }
  }
  return code;
}

// ---------------------------------------------------------------- the leader: pack.wgsl's machines
// Every variable below is meaningful in invocation 0 only.

var<private> interconnectTotal: f32;
var<private> packSlope: f32;
var<private> stringCurrent: f32;
var<private> time: f32;
var<private> committed: u32;
var<private> preparedDt: f32;
var<private> wantSlope: bool;
var<private> firstSolve: bool;
var<private> history: i32;
var<private> historyDt: f32;
var<private> historySegment: i32;
var<private> segmentIndex: i32;
var<private> o: array<f32, PACK_OUTPUT_COUNT>;
// capacityAh, energyWh, weldLossJ, interconnectLossJ, heatJ, the heat terms (irreversible, reversible, electrolyte,
// solid), heatCollectorJ (pack.wgsl's)
const BLOCK_SUMS: u32 = 10u;
var<private> blk: array<f32, BLOCK_SUMS>;
// The cell work the next round must do for the leader's last commit (RF_COMMIT | RF_OBSERVE), and its string current.
var<private> pendingFlags: u32;
var<private> pendingObserveI: f32;
var<private> pendingCommitDt: f32;

fn pack_voltage(I: f32) -> f32 {
  var v = 0.0;
  for (var g = 0u; g < N_SERIES; g++) {
    v += wgGroupV[g];
  }
  return v - I * interconnectTotal;
}

fn max_group_voltage() -> f32 {
  var vmax = -BIG;
  for (var g = 0u; g < N_SERIES; g++) {
    vmax = max(vmax, wgGroupV[g]);
  }
  return vmax;
}

// The part of observe() that needs no cell: group voltage extremes and the pack voltage.
fn observe_groups(I: f32) {
  for (var g = 0u; g < N_SERIES; g++) {
    let v = wgGroupV[g];
    o[O_MIN_CELL_VOLTAGE_V] = min(o[O_MIN_CELL_VOLTAGE_V], v);
    o[O_MAX_CELL_VOLTAGE_V] = max(o[O_MAX_CELL_VOLTAGE_V], v);
  }
  o[O_FINAL_PACK_VOLTAGE_V] = pack_voltage(I);
}

// The part of observe() over cells, from a round with RF_OBSERVE.
fn observe_cells() {
  var tMin = BIG;
  var tMax = -BIG;
  var imbalance = 0.0;
  for (var i = 0u; i < WG_SIZE; i++) {
    tMin = min(tMin, pRiseMin[i]);
    tMax = max(tMax, pRiseMax[i]);
    imbalance = max(imbalance, pImbalance[i]);
  }
  o[O_MAX_TEMPERATURE_K] = max(o[O_MAX_TEMPERATURE_K], REFERENCE_TEMPERATURE + tMax);
  o[O_MAX_TEMPERATURE_SPREAD_K] = max(o[O_MAX_TEMPERATURE_SPREAD_K], tMax - tMin);
  o[O_MAX_CURRENT_IMBALANCE] = max(o[O_MAX_CURRENT_IMBALANCE], imbalance);
}

// Accept the trial states after a step of length dt at string current I: everything that needs no cell now, the cells'
// part (their states, weld losses and heat, temperature extremes) in the next round (commit_cells).
fn commit(I: f32, dt: f32) {
  var vStart = 0.0;
  for (var g = 0u; g < N_SERIES; g++) {
    vStart += wgGroupVStart[g];
  }
  vStart -= I * interconnectTotal;
  let vEnd = pack_voltage(I);
  blk[1] += (0.5 * I * (vStart + vEnd) * dt) / 3600.0;
  blk[0] += (I * dt) / 3600.0;
  blk[3] += I * I * interconnectTotal * dt;
  if (segmentIndex == historySegment && same_length(dt, historyDt)) {
    history++;
  } else {
    history = 1;
    historySegment = segmentIndex;
    historyDt = dt;
  }
  // The start states change: the next solve is the first of a new step.
  preparedDt = -1.0;
  firstSolve = true;
  time += dt;
  stringCurrent = I;
  committed += 1u;
  observe_groups(I);
  pendingFlags |= RF_COMMIT | RF_OBSERVE;
  pendingObserveI = I;
  pendingCommitDt = dt;
}

// The rest of commit() from the round that did the cells' part: their sums in cell order, then the block flush.
fn commit_cells() {
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[2] += pWeld[i];
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[4] += pHeat[i];
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[5] += pTerms[i].x;
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[6] += pTerms[i].y;
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[7] += pTerms[i].z;
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[8] += pTerms[i].w;
  }
  for (var i = 0u; i < WG_SIZE; i++) {
    blk[9] += pCollector[i];
    o[O_MIN_ELECTROLYTE_FRACTION] = min(o[O_MIN_ELECTROLYTE_FRACTION], pMinimum[i]);
  }
  if (committed % BLOCK == 0u) {
    flush_blocks();
  }
}

// ---- drive machine (pack.wgsl's: the reference's drive(seg, dt))
const D_FINAL: u32 = 0u;
const D_POWER: u32 = 1u;
const D_CV_LO: u32 = 2u;
const D_CV_HI: u32 = 3u;
const D_CV_ITER: u32 = 4u;
const D_CV_ZERO: u32 = 5u;

var<private> reqI: f32;
var<private> reqDt: f32;
var<private> dSeg: u32;
var<private> dPhase: u32;
var<private> dI: f32;
var<private> dFailed: bool;
var<private> dIter: i32;
var<private> dLo: f32;
var<private> dHi: f32;
var<private> dFlo: f32;
var<private> dFhi: f32;
var<private> dX: f32;
var<private> dSide: i32;

fn illinois_next(lo: f32, hi: f32, flo: f32, fhi: f32) -> f32 {
  var x = (lo * fhi - hi * flo) / (fhi - flo);
  if (!(x > lo && x < hi)) {
    x = 0.5 * (lo + hi); // no progress at f32 resolution: bisect
  }
  return x;
}

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
        return false;
      }
      reqI = dI;
      return true;
    }
    default: {
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

var<private> limitGroup: i32;
var<private> limitCell: i32;
var<private> limitDepleted: bool;

// How far the pack is past a limit (> 0: crossed): segment s's voltage limit for the current direction, or the
// electrolyte's depletion in a cell (minus its lowest margin, from the last solve's evaluations), the larger; sets
// limitGroup (voltage) or limitCell and limitDepleted (depletion). pack.wgsl's.
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
  loops += N_CELLS;
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
      let v = wgGroupV[g];
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
      let v = wgGroupV[g];
      if (v > vmax) {
        vmax = v;
        limitGroup = i32(g);
      }
    }
    return vmax - cut;
  }
  return -BIG;
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
      if (select((wgGroupV[g] > wgGroupV[best]), (wgGroupV[g] < wgGroupV[best]), I > 0.0)) {
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
    let own = wgGroupV[u32(grp)] + ld(W_CURRENT, c) * prm(P_CONTACT_RESISTANCE, c);
    if (select((own > extreme), (own < extreme), I > 0.0)) {
      extreme = own;
      cell = c;
    }
  }
  o[O_CUTOFF_CELL] = f32(cell);
}

// ---- protocol machine (pack.wgsl's main loop: the reference's runSegment() and run())
const R_INIT: u32 = 0u;
const R_STEP: u32 = 1u;
const R_CV_END: u32 = 2u;
const R_LOC_FIRST: u32 = 3u; // location: the step's first instant
const R_LOC_ITER: u32 = 4u;  // the bracket's iterations (Illinois on the limit, bisection on an invalid state)
const R_LOC_LAST: u32 = 5u;  // an invalid state: the last valid sub-step, committed
const R_LOC_FINAL: u32 = 6u; // a limit: the committed sub-step
const NO_STOP: i32 = -1;

// What the leader asks for after a solve.
const A_SOLVE: u32 = 0u;
const A_FINISH: u32 = 1u;
const A_PAUSE: u32 = 2u;

var<private> stopReason: i32;
var<private> phase: u32;
var<private> seg: u32;
var<private> stepK: u32;
var<private> steps: u32;
var<private> hLast: f32;
var<private> t0: f32;
var<private> h: f32;
var<private> lo: f32;
var<private> hi: f32;
var<private> flo: f32;
var<private> fhi: f32;
var<private> x: f32;
var<private> side: i32;
var<private> it: i32;
var<private> stepLen: f32;
var<private> status: f32;
var<private> hiReason: i32;   // what a location's bracket's far end is: VALID (past the limit, fhi) or a stop reason
var<private> hiCell: i32;
var<private> pendingTau: f32; // >= 0: the next probe of a location

// ---- valid states only (pack.wgsl's invalid_state, probe_start, probe_done, limit_reached, stop_invalid)
const VALID: i32 = -1;
// The cell that made the last invalid state invalid (-1: the pack voltage).
var<private> invalidCell: i32;
// The last solve's pInvalid minimum (leader_after_round).
var<private> solveInvalid: u32;

// VALID when the last solve at string current I left every cell in a state the model describes, else the stop reason.
fn invalid_state(I: f32) -> i32 {
  if (solveInvalid < N_CELLS) {
    invalidCell = i32(solveInvalid);
    return i32(STOP_CELL_EXHAUSTED);
  }
  if (solveInvalid < 2u * N_CELLS) {
    invalidCell = i32(solveInvalid - N_CELLS);
    return i32(STOP_VOLTAGE_OUT_OF_RANGE);
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

// Start a drive over a sub-step of the step being located, from the last valid solve's cell currents (RF_PROBE).
fn probe_start(s: u32, tau: f32) {
  pendingFlags |= RF_PROBE;
  drive_start(s, tau);
}

// A probe's drive is done: its validity; a valid probe's currents become the last valid ones (RF_KEEP_VALID).
fn probe_done(I: f32) -> i32 {
  let r = invalid_drive(I);
  if (r == VALID) {
    pendingFlags |= RF_KEEP_VALID;
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

// The leader at the start of a dispatch: a fresh pack, or one resumed at the step boundary where it paused.
fn leader_begin(p: u32) {
  status = pld(F_STATUS, p);
  loops = 0u;
  interconnectTotal = interconnect[p];
  packSlope = 0.0;
  preparedDt = -1.0;
  firstSolve = true;
  wantSlope = false;
  segmentIndex = -1;
  pendingFlags = 0u;
  stopReason = i32(STOP_COMPLETED);
  phase = R_INIT;
  seg = 0u;
  stepK = 1u;
  reqI = 0.0;
  reqDt = 0.0;
  dPhase = D_FINAL;
  pendingTau = -1.0;
  hiReason = VALID;
  hiCell = -1;
  invalidCell = -1;
  solveInvalid = 2u * N_CELLS;
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
    // Initialise the cells, observe them and solve at open circuit (R_INIT).
    pendingFlags = RF_INIT | RF_OBSERVE;
    pendingObserveI = 0.0;
  } else if (status == 1.0) {
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
    seg = u32(pld(F_SEGMENT, p));
    stepK = u32(pld(F_STEP, p));
    t0 = pld(F_T0, p);
    history = i32(pld(F_HISTORY, p));
    historyDt = pld(F_HISTORY_DT, p);
    historySegment = i32(pld(F_HISTORY_SEGMENT, p));
    segmentIndex = i32(seg);
    steps = u32(segAux[2u * seg]);
    hLast = segAux[2u * seg + 1u];
    h = select(DT, hLast, stepK == steps);
    let locationPhase = u32(pld(F_LOCATION, p));
    if (locationPhase == 0u) {
      phase = R_STEP;
      drive_start(seg, h);
    } else {
      // Paused between two probes of a location: its bracket, then the pending probe (after the step's first solve, as
      // when not paused). The last valid currents persist in the work buffer (W_VALID_CURRENT).
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
      probe_start(seg, pld(F_LOCATION + 1u, p));
    }
  }
}

// One iteration of pack.wgsl's main loop after its solve (v: the pack voltage): the drive, then the protocol.
fn leader_step(v: f32) -> u32 {
  if (drive_feed(v)) {
    return A_SOLVE;
  }
  let I = dI;
  var segmentDone = false;
  var reason = NO_STOP;
  switch phase {
    case R_INIT: {
      observe_groups(0.0);
      segmentDone = true;
      seg = 0xffffffffu; // so that the "next segment" below starts segment 0
    }
    case R_STEP: {
      let mode = u32(seg_field(seg, SEG_MODE));
      let currentCutoff = seg_field(seg, SEG_CURRENT_CUTOFF);
      if (dFailed) {
        segmentDone = true;
        reason = i32(STOP_POWER_LIMIT);
      } else if (mode == MODE_CONSTANT_VOLTAGE && -I <= currentCutoff) {
        let previous = -stringCurrent;
        let frac = select(1.0, (previous - currentCutoff) / (previous + I), previous > currentCutoff);
        let tau = clamp(frac, 0.0, 1.0) * h;
        if (tau > 0.0) {
          stepLen = tau;
          phase = R_CV_END;
          drive_start(seg, tau);
        } else {
          segmentDone = true;
          reason = i32(STOP_COMPLETED);
        }
      } else if (invalid_state(I) != VALID || limit_excess(seg, I) >= 0.0) {
        // The limit or an invalid state within the step: locate it (the reference's stopWithinStep), each probe from
        // the last valid solve's cell currents (this solve's when it is valid, else the last commit's).
        hiReason = invalid_state(I);
        hiCell = invalidCell;
        fhi = select(0.0, limit_excess(seg, I), hiReason == VALID);
        pendingFlags |= select(RF_VALID_FROM_COMMITTED, RF_KEEP_VALID, hiReason == VALID);
        hi = h;
        lo = TOL_CROSSING * max(1.0, h);
        phase = R_LOC_FIRST;
        pendingTau = lo;
      } else {
        commit(I, h);
        time = t0 + select(f32(stepK) * DT, f32(stepK - 1u) * DT + hLast, stepK == steps);
        stepK++;
        if (stepK > steps) {
          segmentDone = true;
        } else {
          if (loops > info.budget) {
            return A_PAUSE;
          }
          h = select(DT, hLast, stepK == steps);
          drive_start(seg, h);
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
        fx = limit_excess(seg, I);
      }
      if (phase == R_LOC_FIRST) {
        // Already at the step's first instant: the step ends at once (0 Ah) with its stop reason, the limit first.
        // (a power the pack cannot deliver has no limit excess: the reference's NaN)
        var crossed = false;
        if (r == VALID) {
          crossed = fx >= 0.0;
        } else if (!dFailed) {
          crossed = limit_excess(seg, I) >= 0.0;
        }
        if (crossed) {
          segmentDone = true;
          reason = limit_reached(seg, I, limitGroup, limitDepleted, limitCell);
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
        limit_excess(seg, I);
        let crossGroup = limitGroup;
        let depleted = limitDepleted;
        let depletedCell = limitCell;
        commit(I, x);
        reason = limit_reached(seg, I, crossGroup, depleted, depletedCell);
      }
    }
  }
  // The next probe of a location; a long location pauses between probes like a step boundary (llvmpipe's loop limit,
  // GPU watchdogs) and resumes with this probe.
  if (pendingTau >= 0.0) {
    if (loops > info.budget) {
      return A_PAUSE;
    }
    probe_start(seg, pendingTau);
    pendingTau = -1.0;
  }
  if (!segmentDone) {
    return A_SOLVE;
  }
  // ---- a segment ended (or the run starts): the reference's run() loop
  if (ends_run(reason)) {
    stopReason = reason;
    if (o[O_CUTOFF_CELL] < 0.0) {
      o[O_TIME_TO_FIRST_CUTOFF_S] = time;
    }
    return A_FINISH;
  }
  if (reason != NO_STOP && reason != i32(STOP_COMPLETED)) {
    stopReason = reason;
    while (seg + 1u < info.segments && seg_field(seg + 1u, SEG_STEP) == seg_field(seg, SEG_STEP)) {
      seg++;
    }
  }
  var started = false;
  loop {
    seg++;
    if (seg >= info.segments) {
      break;
    }
    steps = u32(segAux[2u * seg]);
    hLast = segAux[2u * seg + 1u];
    if (steps > 0u) {
      started = true;
      break;
    }
  }
  if (!started) {
    return A_FINISH;
  }
  t0 = time;
  stepK = 1u;
  segmentIndex = i32(seg);
  if (loops > info.budget) {
    return A_PAUSE;
  }
  h = select(DT, hLast, stepK == steps);
  phase = R_STEP;
  drive_start(seg, h);
  return A_SOLVE;
}

var<private> action: u32;

// The next round: the cell work of a pending commit, and the solve the machines asked for (or the end).
fn leader_write_round() {
  var flags = pendingFlags;
  rObserveI = pendingObserveI;
  rCommitDt = pendingCommitDt;
  pendingFlags = 0u;
  if (action == A_SOLVE) {
    flags |= RF_SOLVE;
    rI = reqI;
    rDt = reqDt;
    if (reqDt > 0.0) {
      if (reqDt != preparedDt) {
        flags |= RF_PREPARE;
        preparedDt = reqDt;
      }
      rOrder = select(0, min(history - 1, 2), firstSolve && same_length(reqDt, historyDt));
    } else {
      flags |= RF_OPEN;
    }
    if (wantSlope) {
      flags |= RF_SLOPE;
    }
  } else {
    flags |= RF_END;
    if (action == A_FINISH) {
      flags |= RF_SOC;
    }
  }
  rFlags = flags;
}

// The leader after a round: the pending commit's cell results, then (after a solve) the machines.
fn leader_after_round(flags: u32) {
  if ((flags & RF_COMMIT) != 0u) {
    commit_cells();
  }
  if ((flags & RF_OBSERVE) != 0u) {
    observe_cells();
  }
  if ((flags & RF_SOLVE) != 0u) {
    let I = rI;
    var v = 0.0;
    var slope = 0.0;
    for (var g = 0u; g < N_SERIES; g++) {
      v += wgGroupV[g];
      slope += 1.0 / wgGroupCond[g];
    }
    packSlope = slope - interconnectTotal;
    solveInvalid = 2u * N_CELLS;
    for (var i = 0u; i < WG_SIZE; i++) {
      solveInvalid = min(solveInvalid, pInvalid[i]);
    }
    firstSolve = false;
    action = leader_step(v - I * interconnectTotal);
  }
  // The leader's serial scans of a round: over groups (solve results, limits, commit, observe) and over invocations.
  loops += 1u + 4u * N_SERIES + 4u * WG_SIZE;
}

// The leader after the last round: the pack's outputs, or what it needs to resume.
fn leader_end(p: u32) {
  if (action == A_PAUSE) {
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
    pst(F_SEGMENT, p, f32(seg));
    pst(F_STEP, p, f32(stepK));
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
  for (var i = 0u; i < WG_SIZE; i++) {
    socMin = min(socMin, pSocMin[i]);
    socMax = max(socMax, pSocMax[i]);
  }
  o[O_FINAL_SOC_SPREAD] = socMax - socMin;
  for (var q = 0u; q < PACK_OUTPUT_COUNT; q++) {
    outputs[p * OUT_STRIDE + q] = o[q];
  }
  outputs[p * OUT_STRIDE + PACK_OUTPUT_COUNT] = f32(committed);
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = wid.y * info.groupsX + wid.x;
  if (p >= info.packs) {
    return;
  }
  packIndex = p;
  ONE = select(1.0, 0.5, info.packs == 0u); // 1.0 that the compiler cannot fold (see two_sum)
  loops = 0u;
  if (lid == 0u) {
    leader_begin(p);
    if (status == 2.0) {
      rFlags = RF_END | RF_IDLE;
    } else {
      action = A_SOLVE;
      leader_write_round();
    }
  }
  // Set when the round loop below ends as it should (RF_END): a loop that ends otherwise was ended by the device (Mesa's
  // llvmpipe ends an invocation's loops after 65,535 iterations), and the pack's outputs say so instead of being cut
  // short (pack.wgsl's `exited`).
  var exited = false;
  loop {
    storageBarrier(); // the leader's storage writes of the last round
    let flags = workgroupUniformLoad(&rFlags);
    if ((flags & RF_IDLE) != 0u) {
      return;
    }
    cells_before_solve(lid, flags);
    storageBarrier(); workgroupBarrier(); // the committed start states (conduction and prepare read the neighbours')
    if ((flags & RF_SOLVE) != 0u) {
      solve_cells(lid, flags);
    }
    storageBarrier(); workgroupBarrier();
    if (lid == 0u) {
      leader_after_round(flags);
    }
    if ((flags & RF_END) != 0u) {
      exited = true;
      break;
    }
    if (lid == 0u) {
      leader_write_round();
    }
  }
  if (lid == 0u) {
    if (!exited) {
      pst(F_STATUS, p, 2.0);
      outputs[p * OUT_STRIDE + O_STOP_REASON] = -1.0;
      return;
    }
    leader_end(p);
  }
}
