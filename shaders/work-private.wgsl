// Per-cell working arrays in private memory (registers for small packs, e.g. single cells): the parameters of the
// pack are loaded once, the start/trial states and per-cell scalars never leave the invocation.
const WORK_SLOTS: u32 = W_LAST + 1u;

var<private> W: array<f32, WORK_SLOTS * N_CELLS>;
var<private> PC: array<f32, PARAM_ROWS * N_CELLS>;

fn begin_pack(p: u32) {
  // params is [row][cell][pack]: row * N_CELLS + cell = k.
  for (var k = 0u; k < PARAM_ROWS * N_CELLS; k++) {
    PC[k] = params[k * info.packs + p];
  }
}

fn prm(k: u32, c: u32) -> f32 {
  return PC[k * N_CELLS + cell_of(c)];
}

// With one cell per pack the cell index is always 0: saying so lets the compiler resolve every index statically.
fn cell_of(c: u32) -> u32 {
  return select(c, 0u, N_CELLS == 1u);
}

fn ld(slot: u32, c: u32) -> f32 {
  return W[slot * N_CELLS + cell_of(c)];
}

fn st(slot: u32, c: u32, v: f32) {
  W[slot * N_CELLS + cell_of(c)] = v;
}

// Pause/resume: the per-cell slots that live across steps (start state, current, slope, Z tail) go to `persist`.
fn save_cells(p: u32) {
  for (var c = 0u; c < N_CELLS; c++) {
    for (var k = 0u; k < STATE_LEN; k++) {
      pst(F_CELLS + k * N_CELLS + c, p, ld(W_START + k, c));
    }
    pst(F_CELLS + STATE_LEN * N_CELLS + c, p, ld(W_CURRENT, c));
    pst(F_CELLS + (STATE_LEN + 1u) * N_CELLS + c, p, ld(W_SLOPE, c));
    pst(F_CELLS + (STATE_LEN + 2u) * N_CELLS + c, p, ld(W_ZLO_START, c));
  }
}

fn restore_cells(p: u32) {
  for (var c = 0u; c < N_CELLS; c++) {
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_START + k, c, pld(F_CELLS + k * N_CELLS + c, p));
    }
    st(W_CURRENT, c, pld(F_CELLS + STATE_LEN * N_CELLS + c, p));
    st(W_SLOPE, c, pld(F_CELLS + (STATE_LEN + 1u) * N_CELLS + c, p));
    st(W_ZLO_START, c, pld(F_CELLS + (STATE_LEN + 2u) * N_CELLS + c, p));
  }
}
