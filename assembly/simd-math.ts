// f64x2 building blocks of the generated kernel (assembly/kernel.generated.ts): lane-wise elementary functions with the
// accuracy of the scalar ones, and the parameter-set series. Lanes never mix: every function is lane-wise, so a cell's
// result does not depend on the cell in the other lane.

/** f64 at index i of the array at p. */
// @ts-ignore: decorator
@inline export function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}
// @ts-ignore: decorator
@inline export function st(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}
// @ts-ignore: decorator
@inline export function sp(x: f64): v128 {
  return f64x2.splat(x);
}
// @ts-ignore: decorator
@inline export function two(a: f64, b: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}
/** Element i of two arrays (one per lane). */
// @ts-ignore: decorator
@inline export function at(p0: usize, p1: usize, i: i32): v128 {
  return two(ld(p0, i), ld(p1, i));
}
// @ts-ignore: decorator
@inline export function put(p0: usize, p1: usize, i: i32, v: v128): void {
  st(p0, i, f64x2.extract_lane(v, 0));
  st(p1, i, f64x2.extract_lane(v, 1));
}
/** Element i of a two-lane array (16 bytes per element: the kernels' scratch arrays). */
// @ts-ignore: decorator
@inline export function vld(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}
// @ts-ignore: decorator
@inline export function vst(p: usize, i: i32, v: v128): void {
  v128.store(p + (<usize>i << 4), v);
}
// @ts-ignore: decorator
@inline export function lane0(v: v128): f64 {
  return f64x2.extract_lane(v, 0);
}
// @ts-ignore: decorator
@inline export function lane1(v: v128): f64 {
  return f64x2.extract_lane(v, 1);
}

const SIGN_MASK: i64 = 0x8000000000000000;
const SHIFT: f64 = 6755399441055744.0; // 0x1.8p52: adding it rounds to an integer held in the low mantissa bits
const SHIFT_BITS: i64 = 0x4338000000000000;
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;

/** exp(x) per lane: k ln2 + r reduction and the FreeBSD/musl rational approximation (< 1 ulp). */
export function vexp(x: v128): v128 {
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

/** exp(x) - 1 per lane (the scalar expm1 on each lane: one or two per step, not worth a vector form). */
export function vexpm1(x: v128): v128 {
  return two(Math.expm1(lane0(x)), Math.expm1(lane1(x)));
}

/** log(x) per lane for positive normal x (musl's log: reduction to [sqrt(2)/2, sqrt(2)) and the Lg polynomial). */
export function vlog(x: v128): v128 {
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
export function vtanh(x: v128): v128 {
  const ax = f64x2.abs(x);
  const e = vexp(f64x2.min(f64x2.add(ax, ax), sp(700.0)));
  const t = f64x2.sub(sp(1.0), f64x2.div(sp(2.0), f64x2.add(e, sp(1.0))));
  return v128.or(t, v128.and(x, i64x2.splat(SIGN_MASK)));
}

/** sech^2(x) = 4 e^{-2|x|} / (1 + e^{-2|x|})^2 per lane (no overflow, no cancellation). */
export function vsech2(x: v128): v128 {
  const e = vexp(f64x2.mul(sp(-2.0), f64x2.abs(x)));
  const d = f64x2.add(sp(1.0), e);
  return f64x2.div(f64x2.mul(sp(4.0), e), f64x2.mul(d, d));
}

/** asinh(x) = sign(x) log(|x| + sqrt(x^2 + 1)) per lane (log(2|x|) for |x| > 2^28). */
export function vasinh(x: v128): v128 {
  const ax = f64x2.abs(x);
  const big = f64x2.gt(ax, sp(268435456.0));
  const u = v128.bitselect(f64x2.add(ax, ax), f64x2.add(ax, f64x2.sqrt(f64x2.add(f64x2.mul(ax, ax), sp(1.0)))), big);
  return v128.or(vlog(u), v128.and(x, i64x2.splat(SIGN_MASK)));
}

/** exp(a x) per lane, exactly 1 where a lane's activation a is 0 (no exponential at all when both are). */
export function varrhenius(a: v128, x: v128): v128 {
  const zero = f64x2.eq(a, sp(0));
  if (i64x2.all_true(zero)) return sp(1.0);
  return v128.bitselect(sp(1.0), vexp(f64x2.mul(a, x)), zero);
}

// Series functions (src/model/series.ts flattenSeries): [constant, linear, nExp, nTanh, nSech2,
// (amplitude, rate) x nExp, (amplitude, slope, center) x nTanh, (amplitude, slope, center) x nSech2], or a piecewise
// cubic marked by nExp = -1: [0, 0, -1, n, 0, knots x n, (c0, c1, c2, c3) x (n - 1)].

/** Slope of the last splineLane call. */
let splineSlope: f64 = 0;

/** A piecewise cubic at s (one lane): its value, returned, and its slope in splineSlope (bisection on the knots). */
function splineLane(f: usize, s: f64): f64 {
  const n = <i32>ld(f, 3);
  const x = f + (5 << 3);
  let lo = 0;
  let hi = n - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ld(x, mid) <= s) lo = mid;
    else hi = mid - 1;
  }
  const t = s - ld(x, lo);
  const q = x + (<usize>(n + 4 * lo) << 3);
  const c1 = ld(q, 1);
  const c2 = ld(q, 2);
  const c3 = ld(q, 3);
  splineSlope = c1 + t * (2.0 * c2 + t * 3.0 * c3);
  return ld(q, 0) + t * (c1 + t * (c2 + t * c3));
}

/** A piecewise cubic per lane: the value, returned, and the slope in seriesSlope. */
function vspline(f: usize, s: v128): v128 {
  const u0 = splineLane(f, f64x2.extract_lane(s, 0));
  const d0 = splineSlope;
  const u1 = splineLane(f, f64x2.extract_lane(s, 1));
  seriesSlope = two(d0, splineSlope);
  return two(u0, u1);
}

/** U(s) per lane. */
export function vseries(f: usize, s: v128): v128 {
  if (ld(f, 2) < 0) return vspline(f, s);
  let u = f64x2.add(sp(ld(f, 0)), f64x2.mul(sp(ld(f, 1)), s));
  const nExp = <i32>ld(f, 2);
  const nTanh = <i32>ld(f, 3);
  const nSech2 = <i32>ld(f, 4);
  let q = 5;
  for (let i = 0; i < nExp; i++, q += 2) u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), vexp(f64x2.mul(sp(ld(f, q + 1)), s))));
  for (let i = 0; i < nTanh; i++, q += 3) u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), vtanh(f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2)))))));
  for (let i = 0; i < nSech2; i++, q += 3) u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), vsech2(f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2)))))));
  return u;
}

/** dU/ds per lane. */
export function vseriesSlope(f: usize, s: v128): v128 {
  if (ld(f, 2) < 0) {
    vspline(f, s);
    return seriesSlope;
  }
  let d = sp(ld(f, 1));
  const nExp = <i32>ld(f, 2);
  const nTanh = <i32>ld(f, 3);
  const nSech2 = <i32>ld(f, 4);
  let q = 5;
  for (let i = 0; i < nExp; i++, q += 2) {
    const ar = f64x2.mul(sp(ld(f, q)), sp(ld(f, q + 1)));
    d = f64x2.add(d, f64x2.mul(ar, vexp(f64x2.mul(sp(ld(f, q + 1)), s))));
  }
  for (let i = 0; i < nTanh; i++, q += 3) {
    const th = vtanh(f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2)))));
    const ak = f64x2.mul(sp(ld(f, q)), sp(ld(f, q + 1)));
    d = f64x2.add(d, f64x2.mul(ak, f64x2.sub(sp(1.0), f64x2.mul(th, th))));
  }
  for (let i = 0; i < nSech2; i++, q += 3) {
    const x = f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2))));
    const ak2 = f64x2.mul(sp(2.0), f64x2.mul(sp(ld(f, q)), sp(ld(f, q + 1))));
    d = f64x2.sub(d, f64x2.mul(f64x2.mul(ak2, vsech2(x)), vtanh(x)));
  }
  return d;
}

/** dU/ds of the last vseriesBoth call, per lane. */
export let seriesSlope: v128 = f64x2.splat(0);

/** U(s), returned, and dU/ds (into seriesSlope) per lane: one evaluation of the exponentials serves both. */
export function vseriesBoth(f: usize, s: v128): v128 {
  if (ld(f, 2) < 0) return vspline(f, s);
  let u = f64x2.add(sp(ld(f, 0)), f64x2.mul(sp(ld(f, 1)), s));
  let d = sp(ld(f, 1));
  const nExp = <i32>ld(f, 2);
  const nTanh = <i32>ld(f, 3);
  const nSech2 = <i32>ld(f, 4);
  let q = 5;
  for (let i = 0; i < nExp; i++, q += 2) {
    const x = f64x2.mul(sp(ld(f, q)), vexp(f64x2.mul(sp(ld(f, q + 1)), s)));
    u = f64x2.add(u, x);
    d = f64x2.add(d, f64x2.mul(sp(ld(f, q + 1)), x));
  }
  for (let i = 0; i < nTanh; i++, q += 3) {
    const th = vtanh(f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2)))));
    u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), th));
    d = f64x2.add(d, f64x2.mul(f64x2.mul(sp(ld(f, q)), sp(ld(f, q + 1))), f64x2.sub(sp(1.0), f64x2.mul(th, th))));
  }
  for (let i = 0; i < nSech2; i++, q += 3) {
    const x = f64x2.mul(sp(ld(f, q + 1)), f64x2.sub(s, sp(ld(f, q + 2))));
    const h = vsech2(x);
    u = f64x2.add(u, f64x2.mul(sp(ld(f, q)), h));
    d = f64x2.sub(d, f64x2.mul(f64x2.mul(f64x2.mul(sp(2.0), f64x2.mul(sp(ld(f, q)), sp(ld(f, q + 1)))), h), vtanh(x)));
  }
  seriesSlope = d;
  return u;
}
