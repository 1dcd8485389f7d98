// Two cells in lockstep, one per f64x2 lane: the cell step of assembly/cell.ts (CellKernel.step) with 128-bit SIMD.
// Lanes never mix: every operation is lane-wise (the few scalar parts, expm1 of the cooling decay, run per lane with
// the same formula), so a cell's result does not depend on the cell in the other lane. A single cell runs with both
// lanes on the same inputs (`single`), which makes a pack's outputs independent of how packs were paired or split.
import {
  P_CAPACITY_NEG, P_CAPACITY_POS, P_DIFFUSION_TIME_NEG, P_DIFFUSION_TIME_POS, P_DIFFUSION_ACTIVATION_NEG,
  P_DIFFUSION_ACTIVATION_POS, P_KINETIC_CURRENT_NEG, P_KINETIC_CURRENT_POS, P_KINETIC_ACTIVATION_NEG,
  P_KINETIC_ACTIVATION_POS, P_CONTACT_RESISTANCE, P_COLLECTOR_RESISTANCE, P_HEAT_CAPACITY, P_COOLING_CONDUCTANCE,
  P_AMBIENT_TEMPERATURE, S_STOICH_NEG, S_STOICH_POS, S_TEMPERATURE_RISE, CELL_STATE_FIXED,
  GAS_CONSTANT, FARADAY, OCP_STOICH_MIN, OCP_REGULARISATION, KINETIC_STOICH_MIN,
} from './layout.generated';
import {
  ld, st, K, isothermal, referenceTemperature, tailCoefficient, eigenvalues, ocpNeg, ocpPos, entropicNeg, entropicPos,
  hasEntropic,
} from './cell';

// ---- Per-lane results of the last step2 (StepEnergy + end evaluation) ----
export let l0Heat: f64 = 0;
export let l0Cooling: f64 = 0;
export let l0VoltageStart: f64 = 0;
export let l0OcvStart: f64 = 0;
export let l0OcvEnd: f64 = 0;
export let l0Voltage: f64 = 0;
export let l1Heat: f64 = 0;
export let l1Cooling: f64 = 0;
export let l1VoltageStart: f64 = 0;
export let l1OcvStart: f64 = 0;
export let l1OcvEnd: f64 = 0;
export let l1Voltage: f64 = 0;

// ---- Lane-wise helpers ----
// @ts-ignore: decorator
@inline function sp(x: f64): v128 {
  return f64x2.splat(x);
}
// @ts-ignore: decorator
@inline function two(a: f64, b: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}
// @ts-ignore: decorator
@inline function at(s0: usize, s1: usize, i: i32): v128 {
  return two(ld(s0, i), ld(s1, i));
}
// @ts-ignore: decorator
@inline function put(s0: usize, s1: usize, i: i32, v: v128): void {
  st(s0, i, f64x2.extract_lane(v, 0));
  st(s1, i, f64x2.extract_lane(v, 1));
}
// @ts-ignore: decorator
@inline function add(a: v128, b: v128): v128 { return f64x2.add(a, b); }
// @ts-ignore: decorator
@inline function sub(a: v128, b: v128): v128 { return f64x2.sub(a, b); }
// @ts-ignore: decorator
@inline function mul(a: v128, b: v128): v128 { return f64x2.mul(a, b); }
// @ts-ignore: decorator
@inline function div(a: v128, b: v128): v128 { return f64x2.div(a, b); }

const SIGN_MASK: i64 = 0x8000000000000000;
const SHIFT: f64 = 6755399441055744.0; // 0x1.8p52: adding it rounds to an integer held in the low mantissa bits
const SHIFT_BITS: i64 = 0x4338000000000000;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

/** exp(x) per lane: k ln2 + r reduction and the FreeBSD/musl rational approximation (< 1 ulp). */
function vexp(x: v128): v128 {
  const xc = f64x2.min(f64x2.max(x, sp(-708.0)), sp(709.0));
  const kd = f64x2.add(f64x2.mul(xc, sp(1.4426950408889634)), sp(SHIFT));
  const kf = f64x2.sub(kd, sp(SHIFT));
  const hi = f64x2.sub(xc, f64x2.mul(kf, sp(LN2_HI)));
  const lo = f64x2.mul(kf, sp(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(sp(-1.65339022054652515390e-06), f64x2.mul(t, sp(4.13813679705723846039e-08)));
  p = f64x2.add(sp(6.61375632143793436117e-05), f64x2.mul(t, p));
  p = f64x2.add(sp(-2.77777777770155933842e-03), f64x2.mul(t, p));
  p = f64x2.add(sp(1.66666666666666019037e-01), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const y = f64x2.sub(sp(1.0), f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(sp(2.0), c))), hi));
  const k = i64x2.sub(kd, i64x2.splat(SHIFT_BITS));
  const scale = i64x2.shl(i64x2.add(k, i64x2.splat(1023)), 52);
  const e = f64x2.mul(y, scale);
  // Below -708 the result is under the smallest normal: 0 (the scalar exp would give a subnormal, < 3e-308).
  return v128.bitselect(sp(0), e, f64x2.lt(x, sp(-708.0)));
}

/** log(x) per lane for positive normal x (musl's log: reduction to [sqrt(2)/2, sqrt(2)) and the Lg polynomial). */
function vlog(x: v128): v128 {
  const hx = i64x2.add(x, i64x2.splat(0x3ff0000000000000 - 0x3fe6a09e667f3bcd));
  const k = i64x2.sub(i64x2.shr_s(hx, 52), i64x2.splat(0x3ff));
  const m = i64x2.add(v128.and(hx, i64x2.splat(0x000fffffffffffff)), i64x2.splat(0x3fe6a09e667f3bcd));
  const dk = f64x2.sub(i64x2.add(k, i64x2.splat(SHIFT_BITS)), sp(SHIFT));
  const f = f64x2.sub(m, sp(1.0));
  const hfsq = f64x2.mul(sp(0.5), f64x2.mul(f, f));
  const s = f64x2.div(f, f64x2.add(sp(2.0), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(sp(3.999999999940941908e-01), f64x2.mul(w, f64x2.add(sp(2.222219843214978396e-01), f64x2.mul(w, sp(1.531383769920937332e-01))))));
  const t2 = f64x2.mul(z, f64x2.add(sp(6.666666666666735130e-01), f64x2.mul(w, f64x2.add(sp(2.857142874366239149e-01), f64x2.mul(w, f64x2.add(sp(1.818357216161805012e-01), f64x2.mul(w, sp(1.479819860511658591e-01))))))));
  const R = f64x2.add(t2, t1);
  const y = f64x2.add(
    f64x2.add(f64x2.sub(f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(dk, sp(LN2_LO))), hfsq), f),
    f64x2.mul(dk, sp(LN2_HI)),
  );
  return f64x2.add(y, f64x2.mul(x, sp(0))); // NaN in, NaN out
}

/** tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)) per lane (absolute error ~1e-16). */
function vtanh(x: v128): v128 {
  const ax = f64x2.abs(x);
  const e = vexp(f64x2.min(f64x2.add(ax, ax), sp(700.0)));
  const t = f64x2.sub(sp(1.0), f64x2.div(sp(2.0), f64x2.add(e, sp(1.0))));
  return v128.or(t, v128.and(x, i64x2.splat(SIGN_MASK)));
}

/** asinh(x) = sign(x) log(|x| + sqrt(x^2 + 1)) per lane (log(2|x|) for |x| > 2^28). */
function vasinh(x: v128): v128 {
  const ax = f64x2.abs(x);
  const big = f64x2.gt(ax, sp(268435456.0));
  const u = v128.bitselect(f64x2.add(ax, ax), f64x2.add(ax, f64x2.sqrt(f64x2.add(f64x2.mul(ax, ax), sp(1.0)))), big);
  return v128.or(vlog(u), v128.and(x, i64x2.splat(SIGN_MASK)));
}

// @ts-ignore: decorator
@inline function vclip(s: v128, eps: f64): v128 {
  const r = v128.bitselect(sp(1 - eps), s, f64x2.gt(s, sp(1 - eps)));
  return v128.bitselect(sp(eps), r, f64x2.lt(s, sp(eps)));
}

function vseries(f: usize, s: v128): v128 {
  let u = f64x2.add(sp(ld(f, 0)), f64x2.mul(sp(ld(f, 1)), s));
  const nExp = <i32>ld(f, 2);
  const nTanh = <i32>ld(f, 3);
  let q = 4;
  for (let i = 0; i < nExp; i++, q += 2) u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), vexp(f64x2.mul(sp(ld(f, q + 1)), s))));
  for (let i = 0; i < nTanh; i++, q += 3) u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), vtanh(f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2)))))));
  return u;
}

function vocp(f: usize, stoich: v128): v128 {
  const s = f64x2.min(f64x2.max(stoich, sp(OCP_STOICH_MIN)), sp(1 - OCP_STOICH_MIN));
  const reg = f64x2.add(f64x2.div(sp(1.0), s), f64x2.div(sp(1.0), f64x2.sub(s, sp(1.0))));
  return f64x2.add(vseries(f, s), f64x2.mul(sp(OCP_REGULARISATION), reg));
}

/** D(T) / R^2 per lane; the exponential only where a lane has an activation energy (else exactly 1 / tau). */
function vrate(p0: usize, p1: usize, tauIndex: i32, eaIndex: i32, T: v128): v128 {
  const tau = at(p0, p1, tauIndex);
  const ea = at(p0, p1, eaIndex);
  const plain = f64x2.div(sp(1.0), tau);
  if (ld(p0, eaIndex) == 0 && ld(p1, eaIndex) == 0) return plain;
  const arr = f64x2.div(vexp(f64x2.mul(ea, f64x2.sub(sp(1 / referenceTemperature), f64x2.div(sp(1.0), T)))), tau);
  return v128.bitselect(plain, arr, f64x2.eq(ea, sp(0)));
}

// ---- Evaluation results per lane ----
let evV: v128 = f64x2(0, 0);
let evH: v128 = f64x2(0, 0);
let evOcv: v128 = f64x2(0, 0);

function vevaluate(s0: usize, s1: usize, p0: usize, p1: usize, I: v128, T: v128): void {
  const base = CELL_STATE_FIXED;
  let sumNeg = sp(0);
  let sumPos = sp(0);
  for (let m = 0; m < K; m++) {
    sumNeg = add(sumNeg, at(s0, s1, base + m));
    sumPos = add(sumPos, at(s0, s1, base + K + m));
  }
  const gNeg = div(I, mul(sp(3600), at(p0, p1, P_CAPACITY_NEG)));
  const gPos = div(f64x2.neg(I), mul(sp(3600), at(p0, p1, P_CAPACITY_POS)));
  const rNeg = vrate(p0, p1, P_DIFFUSION_TIME_NEG, P_DIFFUSION_ACTIVATION_NEG, T);
  const rPos = vrate(p0, p1, P_DIFFUSION_TIME_POS, P_DIFFUSION_ACTIVATION_POS, T);
  const tail = sp(tailCoefficient);
  const xs = sub(add(at(s0, s1, S_STOICH_NEG), sumNeg), div(mul(tail, gNeg), rNeg));
  const ys = sub(add(at(s0, s1, S_STOICH_POS), sumPos), div(mul(tail, gPos), rPos));
  let uNeg = vocp(ocpNeg, xs);
  let uPos = vocp(ocpPos, ys);
  let reversible = sp(0);
  if (hasEntropic) {
    const dT = sub(T, sp(referenceTemperature));
    const dUn = vseries(entropicNeg, vclip(xs, OCP_STOICH_MIN));
    const dUp = vseries(entropicPos, vclip(ys, OCP_STOICH_MIN));
    uNeg = add(uNeg, mul(dT, dUn));
    uPos = add(uPos, mul(dT, dUp));
    reversible = mul(mul(I, T), sub(dUn, dUp));
  }
  const invTdiff = sub(sp(1 / referenceTemperature), div(sp(1.0), T));
  const sn = vclip(xs, KINETIC_STOICH_MIN);
  const spos = vclip(ys, KINETIC_STOICH_MIN);
  const i0Neg = mul(mul(at(p0, p1, P_KINETIC_CURRENT_NEG), vexp(mul(at(p0, p1, P_KINETIC_ACTIVATION_NEG), invTdiff))), f64x2.sqrt(mul(sn, sub(sp(1.0), sn))));
  const i0Pos = mul(mul(at(p0, p1, P_KINETIC_CURRENT_POS), vexp(mul(at(p0, p1, P_KINETIC_ACTIVATION_POS), invTdiff))), f64x2.sqrt(mul(spos, sub(sp(1.0), spos))));
  const thermalVoltage = div(mul(sp(2 * GAS_CONSTANT), T), sp(FARADAY));
  const etaNeg = mul(thermalVoltage, vasinh(div(I, i0Neg)));
  const etaPos = mul(thermalVoltage, vasinh(div(f64x2.neg(I), i0Pos)));
  const rc = at(p0, p1, P_CONTACT_RESISTANCE);
  const ocv = sub(uPos, uNeg);
  evOcv = ocv;
  evV = sub(sub(add(ocv, etaPos), etaNeg), mul(I, rc));
  evH = add(add(mul(I, sub(etaNeg, etaPos)), reversible), mul(mul(I, I), add(rc, at(p0, p1, P_COLLECTOR_RESISTANCE))));
}

function vadvanceParticles(s0: usize, s1: usize, p0: usize, p1: usize, I: v128, dt: v128, T: v128): void {
  const gNeg = div(I, mul(sp(3600), at(p0, p1, P_CAPACITY_NEG)));
  const gPos = div(f64x2.neg(I), mul(sp(3600), at(p0, p1, P_CAPACITY_POS)));
  const rNeg = vrate(p0, p1, P_DIFFUSION_TIME_NEG, P_DIFFUSION_ACTIVATION_NEG, T);
  const rPos = vrate(p0, p1, P_DIFFUSION_TIME_POS, P_DIFFUSION_ACTIVATION_POS, T);
  put(s0, s1, S_STOICH_NEG, sub(at(s0, s1, S_STOICH_NEG), mul(gNeg, dt)));
  put(s0, s1, S_STOICH_POS, sub(at(s0, s1, S_STOICH_POS), mul(gPos, dt)));
  const aNeg = mul(sp(-(2.0 / 3.0)), gNeg);
  const aPos = mul(sp(-(2.0 / 3.0)), gPos);
  const base = CELL_STATE_FIXED;
  for (let m = 0; m < K; m++) {
    const mu2 = sp(ld(eigenvalues, m));
    let lambda = mul(mu2, rNeg);
    let target = div(aNeg, lambda);
    let i = base + m;
    put(s0, s1, i, add(target, mul(sub(at(s0, s1, i), target), vexp(f64x2.neg(mul(lambda, dt))))));
    lambda = mul(mu2, rPos);
    target = div(aPos, lambda);
    i = base + K + m;
    put(s0, s1, i, add(target, mul(sub(at(s0, s1, i), target), vexp(f64x2.neg(mul(lambda, dt))))));
  }
}

// Cooling energy of the last advanceTemperature per lane.
let cool0: f64 = 0;
let cool1: f64 = 0;

/** CellKernel.advanceTemperature for one lane (scalar: expm1 twice per step is not worth vectorising). */
// @ts-ignore: decorator
@inline function riseAfter(p: usize, rise0: f64, heat: f64, dt: f64): f64 {
  const C = ld(p, P_HEAT_CAPACITY);
  const hA = ld(p, P_COOLING_CONDUCTANCE);
  const ambientRise = ld(p, P_AMBIENT_TEMPERATURE) - referenceTemperature;
  if (hA > 0) {
    const decay = -Math.expm1((-hA * dt) / C);
    const steady = ambientRise + heat / hA;
    return rise0 + (steady - rise0) * decay;
  }
  return rise0 + (heat * dt) / C;
}

function vadvanceTemperature(p0: usize, p1: usize, rise0: v128, heat: v128, dt0: f64, dt1: f64): v128 {
  const r00 = f64x2.extract_lane(rise0, 0);
  const r01 = f64x2.extract_lane(rise0, 1);
  const h0 = f64x2.extract_lane(heat, 0);
  const h1 = f64x2.extract_lane(heat, 1);
  const a = riseAfter(p0, r00, h0, dt0);
  const b = riseAfter(p1, r01, h1, dt1);
  cool0 = h0 * dt0 - ld(p0, P_HEAT_CAPACITY) * (a - r00);
  cool1 = h1 * dt1 - ld(p1, P_HEAT_CAPACITY) * (b - r01);
  return two(a, b);
}

/**
 * CellKernel.step for two cells at once (states s0, s1 advanced in place); results in l0* and l1*.
 * With `single` only cell 0 is stepped (both lanes compute it).
 */
export function step2(s0: usize, p0: usize, I0: f64, dt0: f64, q0: f64, s1: usize, p1: usize, I1: f64, dt1: f64, q1: f64, single: bool): void {
  if (single) {
    s1 = s0;
    p1 = p0;
    I1 = I0;
    dt1 = dt0;
    q1 = q0;
  }
  const I = two(I0, I1);
  const dt = two(dt0, dt1);
  const q = two(q0, q1);
  const rise0 = at(s0, s1, S_TEMPERATURE_RISE);
  const T0 = add(sp(referenceTemperature), rise0);
  vevaluate(s0, s1, p0, p1, I, T0);
  const voltageStart = evV;
  const ocvStart = evOcv;
  const heatStart = evH;
  let heatJ: v128;
  let cooling: v128;
  if (isothermal) {
    vadvanceParticles(s0, s1, p0, p1, I, dt, T0);
    vevaluate(s0, s1, p0, p1, I, T0);
    heatJ = mul(mul(sp(0.5), add(heatStart, evH)), dt);
    cooling = heatJ;
  } else {
    vadvanceParticles(s0, s1, p0, p1, I, dt, T0);
    const predicted = vadvanceTemperature(p0, p1, rise0, add(heatStart, q), dt0, dt1);
    vevaluate(s0, s1, p0, p1, I, add(sp(referenceTemperature), predicted));
    const heat = mul(sp(0.5), add(heatStart, evH));
    const rise1 = vadvanceTemperature(p0, p1, rise0, add(heat, q), dt0, dt1);
    put(s0, s1, S_TEMPERATURE_RISE, rise1);
    vevaluate(s0, s1, p0, p1, I, add(sp(referenceTemperature), rise1));
    heatJ = mul(heat, dt);
    cooling = two(cool0, cool1);
  }
  l0Heat = f64x2.extract_lane(heatJ, 0);
  l0Cooling = f64x2.extract_lane(cooling, 0);
  l0VoltageStart = f64x2.extract_lane(voltageStart, 0);
  l0OcvStart = f64x2.extract_lane(ocvStart, 0);
  l0OcvEnd = f64x2.extract_lane(evOcv, 0);
  l0Voltage = f64x2.extract_lane(evV, 0);
  l1Heat = f64x2.extract_lane(heatJ, 1);
  l1Cooling = f64x2.extract_lane(cooling, 1);
  l1VoltageStart = f64x2.extract_lane(voltageStart, 1);
  l1OcvStart = f64x2.extract_lane(ocvStart, 1);
  l1OcvEnd = f64x2.extract_lane(evOcv, 1);
  l1Voltage = f64x2.extract_lane(evV, 1);
}
