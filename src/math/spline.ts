import { CellspreadInputError } from '../errors.ts';

/**
 * A piecewise cubic on knots x_0 < ... < x_n: on [x_i, x_{i+1}], p(x) = c0 + c1 t + c2 t^2 + c3 t^3 with t = x - x_i,
 * the four coefficients of interval i at `coefficients[4 i ..]`. Outside the knots the end pieces continue
 * (extrapolation, as scipy's splines do). This flat form (knots plus four numbers per interval) is what a kernel stores.
 */
export interface PiecewiseCubic {
  readonly knots: Float64Array;
  readonly coefficients: Float64Array;
}

/**
 * Not-a-knot cubic spline interpolant of (x, y): twice continuously differentiable, and three times at the second and
 * the second-to-last knot, exactly as `scipy.interpolate.CubicSpline(x, y)` and `make_interp_spline(x, y, k=3)` (the
 * form PyBaMM's "cubic" Interpolant uses). The knot slopes come from one tridiagonal solve (scipy's formulation), so
 * building costs O(n). Needs at least 4 points and strictly increasing x.
 */
export function notAKnotSpline(x: readonly number[], y: readonly number[], field = 'spline'): PiecewiseCubic {
  const n = x.length;
  if (n < 4) throw new CellspreadInputError(`${field}.stoichiometry`, 'must have at least 4 points for a not-a-knot cubic spline', n);
  if (y.length !== n) throw new CellspreadInputError(`${field}.potential`, `must have one value per point (${n})`, y.length);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new CellspreadInputError(`${field}[${i}]`, 'must be finite', [x[i], y[i]]);
    if (i > 0 && !(x[i] > x[i - 1])) throw new CellspreadInputError(`${field}.stoichiometry[${i}]`, `must be greater than the point before (${x[i - 1]})`, x[i]);
  }
  const h = new Float64Array(n - 1);
  const m = new Float64Array(n - 1);
  for (let i = 0; i < n - 1; i++) {
    h[i] = x[i + 1] - x[i];
    m[i] = (y[i + 1] - y[i]) / h[i];
  }
  // Tridiagonal system for the slopes s_i: lower[i] s_{i-1} + diag[i] s_i + upper[i] s_{i+1} = rhs[i].
  const lower = new Float64Array(n);
  const diag = new Float64Array(n);
  const upper = new Float64Array(n);
  const rhs = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    lower[i] = h[i];
    diag[i] = 2 * (h[i - 1] + h[i]);
    upper[i] = h[i - 1];
    rhs[i] = 3 * (h[i] * m[i - 1] + h[i - 1] * m[i]);
  }
  // Not-a-knot: the third derivative is continuous at x_1 and at x_{n-2}.
  const d0 = x[2] - x[0];
  diag[0] = h[1];
  upper[0] = d0;
  rhs[0] = ((h[0] + 2 * d0) * h[1] * m[0] + h[0] * h[0] * m[1]) / d0;
  const d1 = x[n - 1] - x[n - 3];
  diag[n - 1] = h[n - 3];
  lower[n - 1] = d1;
  rhs[n - 1] = (h[n - 2] * h[n - 2] * m[n - 3] + (2 * d1 + h[n - 2]) * h[n - 3] * m[n - 2]) / d1;
  const s = solveTridiagonal(lower, diag, upper, rhs);
  const coefficients = new Float64Array(4 * (n - 1));
  for (let i = 0; i < n - 1; i++) {
    coefficients[4 * i] = y[i];
    coefficients[4 * i + 1] = s[i];
    coefficients[4 * i + 2] = (3 * m[i] - 2 * s[i] - s[i + 1]) / h[i];
    coefficients[4 * i + 3] = (s[i] + s[i + 1] - 2 * m[i]) / (h[i] * h[i]);
  }
  return { knots: Float64Array.from(x), coefficients };
}

/** Index of the interval holding `x` (the first or last interval outside the knots), by bisection. */
export function intervalOf(p: PiecewiseCubic, x: number): number {
  const k = p.knots;
  let lo = 0;
  let hi = k.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (k[mid] <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function evaluatePiecewiseCubic(p: PiecewiseCubic, x: number): number {
  const i = intervalOf(p, x);
  const t = x - p.knots[i];
  const c = p.coefficients;
  const j = 4 * i;
  return c[j] + t * (c[j + 1] + t * (c[j + 2] + t * c[j + 3]));
}

/** d/dx of the piecewise cubic. */
export function evaluatePiecewiseCubicSlope(p: PiecewiseCubic, x: number): number {
  const i = intervalOf(p, x);
  const t = x - p.knots[i];
  const c = p.coefficients;
  const j = 4 * i;
  return c[j + 1] + t * (2 * c[j + 2] + t * 3 * c[j + 3]);
}

/** Thomas algorithm (no pivoting; the spline systems are well conditioned). */
function solveTridiagonal(lower: Float64Array, diag: Float64Array, upper: Float64Array, rhs: Float64Array): Float64Array {
  const n = diag.length;
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  c[0] = upper[0] / diag[0];
  d[0] = rhs[0] / diag[0];
  for (let i = 1; i < n; i++) {
    const w = diag[i] - lower[i] * c[i - 1];
    c[i] = upper[i] / w;
    d[i] = (rhs[i] - lower[i] * d[i - 1]) / w;
  }
  const out = new Float64Array(n);
  out[n - 1] = d[n - 1];
  for (let i = n - 2; i >= 0; i--) out[i] = d[i] - c[i] * out[i + 1];
  return out;
}
