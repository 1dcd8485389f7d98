// Kernel conformance: one step of one cell per invocation through the step template (step.wgsl) and the generated
// kernels, for test/kernels/conformance.test.ts. Assembled by src/backends/webgpu/conformance.ts after
// layout.generated.wgsl, the study prelude, kernel.generated.wgsl and step.wgsl.

struct ConformanceInfo {
  count: u32,      // cases
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(10) var<uniform> cinfo: ConformanceInfo;
// [row][case]: parameter rows then derived rows (as the pack kernel's params with one cell per pack).
@group(0) @binding(11) var<storage, read> cparams: array<f32>;
// [case][STATE_LEN]: the start state in, the end state out.
@group(0) @binding(12) var<storage, read_write> cstates: array<f32>;
// [case][3]: current [A], step length [s], external heat [W].
@group(0) @binding(13) var<storage, read> cinputs: array<f32>;
// [case][9]: end voltage, dV/dI, heat [J], start voltage, the four heat terms [J], the depletion margin.
@group(0) @binding(14) var<storage, read_write> cout: array<f32>;

var<private> caseIndex: u32;

fn prm(k: u32, c: u32) -> f32 {
  return cparams[k * cinfo.count + caseIndex];
}

@compute @workgroup_size(64)
fn conformance(@builtin(global_invocation_id) id: vec3<u32>) {
  caseIndex = id.x;
  if (caseIndex >= cinfo.count) {
    return;
  }
  ONE = select(1.0, 0.5, cinfo.count == 0u); // 1.0 that the compiler cannot fold (see two_sum)
  for (var k = 0u; k < STATE_LEN; k++) {
    cs[k] = cstates[caseIndex * STATE_LEN + k];
  }
  let I = cinputs[3u * caseIndex];
  let dt = cinputs[3u * caseIndex + 1u];
  let q = cinputs[3u * caseIndex + 2u];
  cell_prepare(&cs, &ca, &cb, 0u, dt, cs[S_TEMPERATURE_RISE]);
  let r = cell_finish(0u, I, dt, q, true);
  for (var k = 0u; k < STATE_LEN; k++) {
    cstates[caseIndex * STATE_LEN + k] = ce[k];
  }
  let o = 9u * caseIndex;
  cout[o] = r.voltage;
  cout[o + 1u] = r.slope;
  cout[o + 2u] = r.heatJ;
  cout[o + 3u] = r.vStart;
  cout[o + 4u] = r.terms.x;
  cout[o + 5u] = r.terms.y;
  cout[o + 6u] = r.terms.z;
  cout[o + 7u] = r.terms.w;
  cout[o + 8u] = r.margin;
}
