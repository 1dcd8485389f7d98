// The pack machines' functions that shaders/pack.wgsl (one invocation per pack) and shaders/pack-workgroup.wgsl (one
// workgroup per pack) share word for word; src/backends/webgpu/shader.ts joins this file to either. They read the
// module-scope names both templates declare (working memory, the pack's machine state).

fn flush_blocks() {
  o[O_CAPACITY_AH] += blk[0];
  o[O_ENERGY_WH] += blk[1];
  o[O_WELD_LOSS_J] += blk[2];
  o[O_INTERCONNECT_LOSS_J] += blk[3];
  o[O_HEAT_J] += blk[4];
  o[O_HEAT_IRREVERSIBLE_J] += blk[5];
  o[O_HEAT_REVERSIBLE_J] += blk[6];
  o[O_HEAT_OHMIC_ELECTROLYTE_J] += blk[7];
  o[O_HEAT_OHMIC_SOLID_J] += blk[8];
  o[O_HEAT_COLLECTOR_J] += blk[9];
  for (var k = 0u; k < BLOCK_SUMS; k++) {
    blk[k] = 0.0;
  }
}

fn sign_s(x: f32) -> f32 {
  return select(select(0.0, 1.0, x > 0.0), -1.0, x < 0.0);
}

// A cell's slope as the linearised solves use it: the fallback where it is not a finite negative number.
fn usable_slope(s: f32) -> f32 {
  return select(TOL_FALLBACK_SLOPE, s, s < 0.0 && s > -BIG);
}

fn seg_field(s: u32, f: u32) -> f32 {
  return segs[s * SEGMENT_FIELD_COUNT + f];
}

// The electrolyte of a cell depleted: the first limit event, if no voltage limit came before.
fn mark_depleted(cell: i32) {
  if (o[O_CUTOFF_CELL] >= 0.0) {
    return;
  }
  o[O_TIME_TO_FIRST_CUTOFF_S] = time;
  o[O_CUTOFF_CELL] = f32(cell);
}

// A limit was reached at string current I: a cell's electrolyte depleted (the SPMe: it ends the run; `cell`), or
// segment s's voltage limit (grp: the limiting group, -1 for the pack).
fn limit_reached(s: u32, I: f32, grp: i32, depleted: bool, cell: i32) -> i32 {
  if (depleted) {
    mark_depleted(cell);
    return i32(STOP_ELECTROLYTE_DEPLETED);
  }
  if (seg_field(s, SEG_CONTINUE_ON_LIMIT) != 0.0) {
    return i32(STOP_COMPLETED); // a CC phase ending at its CV voltage hands over to the CV segment
  }
  mark_cutoff(I, grp);
  return select(i32(STOP_CELL_LIMIT), i32(STOP_PACK_LIMIT), STOP_AT_PACK);
}

// The run stops on an invalid state (or power not deliverable): the cell responsible is the first event's.
fn stop_invalid(r: i32) -> i32 {
  if (r != i32(STOP_POWER_LIMIT) && o[O_CUTOFF_CELL] < 0.0 && invalidCell >= 0) {
    o[O_TIME_TO_FIRST_CUTOFF_S] = time;
    o[O_CUTOFF_CELL] = f32(invalidCell);
  }
  return r;
}

// Stop reasons that end the whole run (a voltage limit ends only its protocol step).
fn ends_run(r: i32) -> bool {
  return r == i32(STOP_POWER_LIMIT) || r == i32(STOP_ELECTROLYTE_DEPLETED) || r == i32(STOP_CELL_EXHAUSTED) || r == i32(STOP_VOLTAGE_OUT_OF_RANGE);
}
