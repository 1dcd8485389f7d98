// Per-cell working slots (W_*, shaders/layout.generated.wgsl) in a storage buffer laid out [slot][cell][pack], so that
// neighbouring invocations (packs) touch neighbouring words: every access of a warp is one coalesced transaction.
// The `work` binding is declared by the host from src/backends/webgpu/layout.ts.
var<private> packIndex: u32;

fn begin_pack(p: u32) {
  packIndex = p;
}

fn prm(k: u32, c: u32) -> f32 {
  return params[uploadIndex(k, c, packIndex, N_CELLS, info.packs)];
}

fn ld(slot: u32, c: u32) -> f32 {
  return work[uploadIndex(slot, c, packIndex, N_CELLS, info.packs)];
}

fn st(slot: u32, c: u32, v: f32) {
  work[uploadIndex(slot, c, packIndex, N_CELLS, info.packs)] = v;
}

// Pause/resume: the working slots already live in `work`, which persists between dispatches.
fn save_cells(p: u32) {}

fn restore_cells(p: u32) {}
