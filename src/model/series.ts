import type { SeriesFunction } from '../params/types.ts';
import { exp, tanh } from '../math/elementary.ts';
import { intervalOf, type PiecewiseCubic } from '../math/spline.ts';

/**
 * A parameter-set function of stoichiometry as the kernels evaluate it: a closed-form series (SeriesFunction), or a
 * measured table as its piecewise cubic (a not-a-knot spline, src/math/spline.ts; OKane2022's graphite OCP). Every
 * backend evaluates both forms (src/kernels: the emitters' series helpers), so a set's measured curve needs data, not
 * kernel code.
 */
export type StoichFunction = SeriesFunction | PiecewiseCubic;

export function isPiecewiseCubic(f: StoichFunction): f is PiecewiseCubic {
  return (f as PiecewiseCubic).knots !== undefined;
}

/** Value of a piecewise cubic at s, returned, and its slope in slope[0] (one interval search for both). */
function cubicBoth(p: PiecewiseCubic, s: number, slope: Float64Array | null): number {
  const i = intervalOf(p, s);
  const t = s - p.knots[i];
  const c = p.coefficients;
  const j = 4 * i;
  if (slope) slope[0] = c[j + 1] + t * (2 * c[j + 2] + t * 3 * c[j + 3]);
  return c[j] + t * (c[j + 1] + t * (c[j + 2] + t * c[j + 3]));
}
const CUBIC_SLOPE = new Float64Array(1);

/**
 * U(s) = constant + linear s + sum a exp(b s) + sum a tanh(k (s - c)) + sum a sech^2(k (s - c)): the shape of every
 * closed-form parameter-set function of stoichiometry, or a piecewise cubic, evaluated by every backend (the kernels
 * get it from src/model/physics.ts).
 */
export function evaluateSeries(f: StoichFunction, s: number): number {
  if (isPiecewiseCubic(f)) return cubicBoth(f, s, null);
  let u = f.constant + f.linear * s;
  for (const e of f.exp) u += e.amplitude * exp(e.rate * s);
  for (const t of f.tanh) u += t.amplitude * tanh(t.slope * (s - t.center));
  if (f.sech2) for (const t of f.sech2) u += t.amplitude * sech2(t.slope * (s - t.center));
  return u;
}

/** dU/ds of a series. */
export function evaluateSeriesSlope(f: StoichFunction, s: number): number {
  if (isPiecewiseCubic(f)) {
    cubicBoth(f, s, CUBIC_SLOPE);
    return CUBIC_SLOPE[0];
  }
  let d = f.linear;
  for (const e of f.exp) d += e.amplitude * e.rate * exp(e.rate * s);
  for (const t of f.tanh) {
    const th = tanh(t.slope * (s - t.center));
    d += t.amplitude * t.slope * (1 - th * th);
  }
  if (f.sech2) {
    for (const t of f.sech2) {
      const x = t.slope * (s - t.center);
      d -= 2 * t.amplitude * t.slope * sech2(x) * tanh(x);
    }
  }
  return d;
}

/** U(s), returned, and dU/ds, in slope[0]: one evaluation of the exponentials serves both. */
export function evaluateSeriesBoth(f: StoichFunction, s: number, slope: Float64Array): number {
  if (isPiecewiseCubic(f)) return cubicBoth(f, s, slope);
  let u = f.constant + f.linear * s;
  let d = f.linear;
  for (const e of f.exp) {
    const x = e.amplitude * exp(e.rate * s);
    u += x;
    d += e.rate * x;
  }
  for (const t of f.tanh) {
    const th = tanh(t.slope * (s - t.center));
    u += t.amplitude * th;
    d += t.amplitude * t.slope * (1 - th * th);
  }
  if (f.sech2) {
    for (const t of f.sech2) {
      const x = t.slope * (s - t.center);
      const h = sech2(x);
      u += t.amplitude * h;
      d -= 2 * t.amplitude * t.slope * h * tanh(x);
    }
  }
  slope[0] = d;
  return u;
}

/** sech^2(x) = 4 e^{-2|x|} / (1 + e^{-2|x|})^2, without overflow or cancellation for any x. */
export function sech2(x: number): number {
  const e = exp(-2 * Math.abs(x));
  const d = 1 + e;
  return (4 * e) / (d * d);
}

/**
 * A series as flat numbers, the form the AssemblyScript and C kernels read: [constant, linear, nExp, nTanh, nSech2,
 * (amplitude, rate) x nExp, (amplitude, slope, center) x nTanh, (amplitude, slope, center) x nSech2]. A piecewise
 * cubic is marked by nExp = -1: [0, 0, -1, n knots, 0, knots x n, (c0, c1, c2, c3) x (n - 1)].
 */
export function flattenSeries(f: StoichFunction): Float64Array {
  if (isPiecewiseCubic(f)) {
    const n = f.knots.length;
    const out = new Float64Array(5 + n + 4 * (n - 1));
    out.set([0, 0, -1, n, 0]);
    out.set(f.knots, 5);
    out.set(f.coefficients, 5 + n);
    return out;
  }
  const sech2Terms = f.sech2 ?? [];
  const out = [f.constant, f.linear, f.exp.length, f.tanh.length, sech2Terms.length];
  for (const e of f.exp) out.push(e.amplitude, e.rate);
  for (const t of f.tanh) out.push(t.amplitude, t.slope, t.center);
  for (const t of sech2Terms) out.push(t.amplitude, t.slope, t.center);
  return Float64Array.from(out);
}

/** Stoichiometry clip used inside OCP evaluation (PyBaMM convention). */
export const OCP_STOICH_MIN = 1e-10;
/** PyBaMM's OCP regularisation 1e-6 (1/s + 1/(s-1)) keeps U finite-but-steep at the ends of the range. */
export const OCP_REGULARISATION = 1e-6;
/** Surface stoichiometry clip inside the exchange current (PyBaMM convention). */
export const KINETIC_STOICH_MIN = 1e-8;

/** Open-circuit potential with PyBaMM's clip and end regularisation, at the reference temperature. */
export function openCircuitPotential(f: StoichFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
  return evaluateSeries(f, s) + OCP_REGULARISATION * (1 / s + 1 / (s - 1));
}

/** dU/ds of the series (same clip as openCircuitPotential, including the regularisation's derivative). */
export function openCircuitPotentialSlope(f: StoichFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
  return evaluateSeriesSlope(f, s) - OCP_REGULARISATION * (1 / (s * s) + 1 / ((s - 1) * (s - 1)));
}
