// Per-cell working slots (W_*, shaders/layout.generated.wgsl) in private memory (registers for small packs, e.g.
// single cells): the parameters of the pack are loaded once, the working slots never leave the invocation.
var<private> W: array<f32, WORK_SLOTS * N_CELLS>;
var<private> PC: array<f32, PARAM_ROWS * N_CELLS>;

fn begin_pack(p: u32) {
  // params is [row][cell][pack] (uploadIndex): k = row * N_CELLS + cell.
  for (var k = 0u; k < PARAM_ROWS * N_CELLS; k++) {
    PC[k] = params[uploadIndex(k / N_CELLS, k % N_CELLS, p, N_CELLS, info.packs)];
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

// Pause/resume: the per-cell slots that live across steps (FC_*: start state, current, committed currents, and the
// currents of the last valid solve of a location) go to `persist`.
fn save_cells(p: u32) {
  for (var c = 0u; c < N_CELLS; c++) {
    for (var k = 0u; k < STATE_LEN; k++) {
      pst(F_CELLS + (FC_START + k) * N_CELLS + c, p, ld(W_START + k, c));
    }
    pst(F_CELLS + FC_CURRENT * N_CELLS + c, p, ld(W_CURRENT, c));
    pst(F_CELLS + FC_COMMITTED1 * N_CELLS + c, p, ld(W_COMMITTED1, c));
    pst(F_CELLS + FC_COMMITTED2 * N_CELLS + c, p, ld(W_COMMITTED2, c));
    pst(F_CELLS + FC_COMMITTED3 * N_CELLS + c, p, ld(W_COMMITTED3, c));
    pst(F_CELLS + FC_VALID_CURRENT * N_CELLS + c, p, ld(W_VALID_CURRENT, c));
  }
}

fn restore_cells(p: u32) {
  for (var c = 0u; c < N_CELLS; c++) {
    for (var k = 0u; k < STATE_LEN; k++) {
      st(W_START + k, c, pld(F_CELLS + (FC_START + k) * N_CELLS + c, p));
    }
    st(W_CURRENT, c, pld(F_CELLS + FC_CURRENT * N_CELLS + c, p));
    st(W_COMMITTED1, c, pld(F_CELLS + FC_COMMITTED1 * N_CELLS + c, p));
    st(W_COMMITTED2, c, pld(F_CELLS + FC_COMMITTED2 * N_CELLS + c, p));
    st(W_COMMITTED3, c, pld(F_CELLS + FC_COMMITTED3 * N_CELLS + c, p));
    st(W_VALID_CURRENT, c, pld(F_CELLS + FC_VALID_CURRENT * N_CELLS + c, p));
  }
}
