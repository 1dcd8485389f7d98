/**
 * Benchmark functions with exact sensitivity indices (as in SALib's `SALib.test_functions`), for testing estimators.
 *
 * Each `testFunctions.x` is a test-function object `{ name, inputs, evaluate, exact }` with the usual parameters, and is
 * also callable to build one with other parameters: `testFunctions.ishigami({ a: 7, b: 0.05 })`.
 * `exact.first` / `exact.total` / `exact.shapley` are per group (per input when ungrouped); for dependent inputs
 * (linearGaussian with correlation) `first` is Var(E[Y|X_g])/V and `total` is E[Var(Y|X_-g)]/V.
 */
import { CellspreadInputError } from '../errors.ts';
import { cholesky } from '../math/cholesky.ts';
import { marginal, resolveInputs } from './inputs.ts';
import type { InputGroup, SensitivityInputs } from './inputs.ts';
import type { InputRows, SyncSensitivityModel } from './model.ts';

export interface ExactIndices {
  readonly first: number[];
  readonly total: number[];
  /** Shapley effects normalised to sum to 1. */
  readonly shapley: number[];
  /** Second-order indices S_ij (symmetric, NaN on the diagonal), where the function has a closed form for them. */
  readonly second?: number[][];
  readonly variance: number;
  readonly mean: number;
}

export interface TestFunction {
  readonly name: string;
  readonly inputs: SensitivityInputs;
  readonly evaluate: SyncSensitivityModel;
  readonly exact: ExactIndices;
}

export type ParametrisedTestFunction<P> = TestFunction & ((params?: P) => TestFunction);

function callableTestFunction<P>(build: (params?: P) => TestFunction): ParametrisedTestFunction<P> {
  const def = build();
  const fn = (params?: P) => build(params);
  Object.defineProperty(fn, 'name', { value: def.name });
  Object.defineProperty(fn, 'inputs', { value: def.inputs, enumerable: true });
  Object.defineProperty(fn, 'evaluate', { value: def.evaluate, enumerable: true });
  Object.defineProperty(fn, 'exact', { value: def.exact, enumerable: true });
  return fn as unknown as ParametrisedTestFunction<P>;
}

/** Shapley values from a cost function on subsets (bit masks) of k players: phi_i = sum_{S not i} w(|S|) (c(S+i) - c(S)). */
export function shapleyFromCost(k: number, cost: (mask: number) => number): number[] {
  const c = new Float64Array(1 << k);
  for (let m = 0; m < 1 << k; m++) c[m] = cost(m);
  const fact = [1];
  for (let i = 1; i <= k; i++) fact.push(fact[i - 1] * i);
  const phi = new Array<number>(k).fill(0);
  for (let m = 0; m < 1 << k; m++) {
    let s = 0;
    for (let t = m; t; t &= t - 1) s++;
    const w = (fact[s] * fact[k - s - 1]) / fact[k];
    for (let i = 0; i < k; i++) if (!(m & (1 << i))) phi[i] += w * (c[m | (1 << i)] - c[m]);
  }
  return phi;
}

// ---------------------------------------------------------------------------------------------------------------
export interface IshigamiParams {
  readonly a?: number;
  readonly b?: number;
}

function buildIshigami(params: IshigamiParams = {}): TestFunction {
  const a = params.a ?? 7;
  const b = params.b ?? 0.1;
  const pi = Math.PI;
  const v1 = 0.5 * (1 + (b * pi ** 4) / 5) ** 2;
  const v2 = (a * a) / 8;
  const v13 = (8 * b * b * pi ** 8) / 225;
  const v = v1 + v2 + v13;
  return {
    name: 'ishigami',
    inputs: { marginals: [marginal.uniform(-pi, pi, 'x1'), marginal.uniform(-pi, pi, 'x2'), marginal.uniform(-pi, pi, 'x3')] },
    evaluate: (rows: InputRows) => {
      const d = rows.data;
      const D = rows.dimension;
      const out = new Float64Array(rows.length);
      for (let k = 0; k < rows.length; k++) {
        const x1 = d[k * D];
        const x2 = d[k * D + 1];
        const x3 = d[k * D + 2];
        const s2 = Math.sin(x2);
        out[k] = Math.sin(x1) + a * s2 * s2 + b * x3 ** 4 * Math.sin(x1);
      }
      return out;
    },
    exact: {
      first: [v1 / v, v2 / v, 0],
      total: [(v1 + v13) / v, v2 / v, v13 / v],
      shapley: [(v1 + v13 / 2) / v, v2 / v, v13 / 2 / v],
      second: [
        [NaN, 0, v13 / v],
        [0, NaN, 0],
        [v13 / v, 0, NaN],
      ],
      variance: v,
      mean: a / 2,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
export interface GFunctionParams {
  /** Coefficients a_i >= 0 (default SALib's [0, 1, 4.5, 9, 99, 99, 99, 99]). */
  readonly a?: readonly number[];
}

function buildGFunction(params: GFunctionParams = {}): TestFunction {
  const a = [...(params.a ?? [0, 1, 4.5, 9, 99, 99, 99, 99])];
  a.forEach((ai, i) => {
    if (!(Number.isFinite(ai) && ai >= 0)) throw new CellspreadInputError(`a[${i}]`, 'must be a finite number >= 0', ai);
  });
  const d = a.length;
  const vi = a.map((ai) => 1 / (3 * (1 + ai) ** 2));
  const prod = vi.reduce((p, x) => p * (1 + x), 1);
  const v = prod - 1;
  const total = vi.map((x) => (x * prod) / (1 + x) / v);
  // Shapley for a product of independent factors: phi_i = sum_{u contains i} V_u / |u|, V_u = prod_{j in u} V_j
  //   = V_i * sum_k e_k(V_-i) / (k + 1), with e_k the elementary symmetric polynomials of the other V_j.
  const shapley = vi.map((x, i) => {
    let e = [1];
    vi.forEach((y, j) => {
      if (j === i) return;
      const next = e.concat([0]);
      for (let k = e.length; k >= 1; k--) next[k] += e[k - 1] * y;
      e = next;
    });
    return (x * e.reduce((s, ek, k) => s + ek / (k + 1), 0)) / v;
  });
  return {
    name: 'gFunction',
    inputs: { marginals: a.map((_, i) => marginal.uniform(0, 1, `x${i + 1}`)) },
    evaluate: (rows: InputRows) => {
      const data = rows.data;
      const D = rows.dimension;
      const out = new Float64Array(rows.length);
      for (let k = 0; k < rows.length; k++) {
        let p = 1;
        for (let i = 0; i < d; i++) p *= (Math.abs(4 * data[k * D + i] - 2) + a[i]) / (1 + a[i]);
        out[k] = p;
      }
      return out;
    },
    // V_ij = V_i V_j for a product of independent factors (1 + f_i), E f_i = 0.
    exact: { first: vi.map((x) => x / v), total, shapley, second: vi.map((x, i) => vi.map((y, j) => (i === j ? NaN : (x * y) / v))), variance: v, mean: 1 },
  };
}

// ---------------------------------------------------------------------------------------------------------------
export interface LinearGaussianParams {
  /** Coefficients: Y = sum_i beta_i X_i. */
  readonly beta?: readonly number[];
  /** Standard deviations of the X_i (default all 1). */
  readonly sd?: readonly number[];
  /** Means of the X_i (default all 0). */
  readonly mean?: readonly number[];
  /** Correlation matrix of X (default identity). */
  readonly correlation?: readonly (readonly number[])[];
  /** Optional groups (players); exact indices are then per group. */
  readonly groups?: readonly InputGroup[];
}

/** Conditional variance E[Var(Y | X_-S)] = b_S' (Sigma_SS - Sigma_SK Sigma_KK^-1 Sigma_KS) b_S for Y = b'X, X Gaussian. */
function conditionalVariance(sigma: Float64Array, n: number, beta: readonly number[], inS: boolean[]): number {
  const S: number[] = [];
  const K: number[] = [];
  for (let i = 0; i < n; i++) (inS[i] ? S : K).push(i);
  if (S.length === 0) return 0;
  // w = Sigma_KS b_S; result = b_S' Sigma_SS b_S - w' Sigma_KK^-1 w.
  let q = 0;
  for (const i of S) for (const j of S) q += beta[i] * sigma[i * n + j] * beta[j];
  if (K.length === 0) return q;
  const k = K.length;
  const skk = new Float64Array(k * k);
  for (let x = 0; x < k; x++) for (let y = 0; y < k; y++) skk[x * k + y] = sigma[K[x] * n + K[y]];
  const ch = cholesky(skk, k);
  if (!('l' in ch)) throw new Error('covariance not positive definite');
  const l = ch.l;
  const w = K.map((r) => S.reduce((s, c) => s + sigma[r * n + c] * beta[c], 0));
  // Solve L t = w; w' Sigma_KK^-1 w = |t|^2.
  const t = new Float64Array(k);
  let tt = 0;
  for (let x = 0; x < k; x++) {
    let s = w[x];
    for (let y = 0; y < x; y++) s -= l[x * k + y] * t[y];
    t[x] = s / l[x * k + x];
    tt += t[x] * t[x];
  }
  return q - tt;
}

function buildLinearGaussian(params: LinearGaussianParams = {}): TestFunction {
  const beta = [...(params.beta ?? [1, 1, 1])];
  const d = beta.length;
  beta.forEach((b, i) => {
    if (!Number.isFinite(b)) throw new CellspreadInputError(`beta[${i}]`, 'must be a finite number', b);
  });
  const sd = [...(params.sd ?? (params.beta ? new Array<number>(d).fill(1) : [1, 1, 2]))];
  const mean = [...(params.mean ?? new Array<number>(d).fill(0))];
  if (sd.length !== d) throw new CellspreadInputError('sd', `must have ${d} entries (one per beta)`, sd.length);
  if (mean.length !== d) throw new CellspreadInputError('mean', `must have ${d} entries (one per beta)`, mean.length);
  const correlation =
    params.correlation ?? (params.beta ? undefined : [[1, 0, 0], [0, 1, 0.5], [0, 0.5, 1]]);
  const inputs: SensitivityInputs = {
    marginals: beta.map((_, i) => marginal.normal(mean[i], sd[i], `x${i + 1}`)),
    ...(correlation ? { correlation } : {}),
    ...(params.groups ? { groups: params.groups } : {}),
  };
  const inp = resolveInputs(inputs); // validates sd, correlation (positive definite), groups
  const sigma = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sigma[i * d + j] = sd[i] * sd[j] * (inp.correlation ? inp.correlation[i * d + j] : i === j ? 1 : 0);
  const k = inp.groups.length;
  if (k > 20) throw new CellspreadInputError('groups', 'must number at most 20 for exact Shapley effects', k);
  const maskToInputs = (mask: number) => {
    const inS = new Array<boolean>(d).fill(false);
    for (let g = 0; g < k; g++) if (mask & (1 << g)) for (const i of inp.groups[g]) inS[i] = true;
    return inS;
  };
  const v = conditionalVariance(sigma, d, beta, new Array<boolean>(d).fill(true));
  const full = (1 << k) - 1;
  const cost = (mask: number) => conditionalVariance(sigma, d, beta, maskToInputs(mask));
  const shapley = shapleyFromCost(k, cost).map((x) => x / v);
  const first = inp.groups.map((_, g) => 1 - cost(full & ~(1 << g)) / v);
  const total = inp.groups.map((_, g) => cost(1 << g) / v);
  return {
    name: 'linearGaussian',
    inputs,
    evaluate: (rows: InputRows) => {
      const data = rows.data;
      const D = rows.dimension;
      const out = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += beta[i] * data[r * D + i];
        out[r] = s;
      }
      return out;
    },
    exact: { first, total, shapley, variance: v, mean: beta.reduce((s, b, i) => s + b * mean[i], 0) },
  };
}

export const testFunctions = {
  /** Ishigami & Homma (1990): sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi); default a = 7, b = 0.1. */
  ishigami: callableTestFunction<IshigamiParams>(buildIshigami),
  /** Sobol' G-function: prod_i (|4 x_i - 2| + a_i) / (1 + a_i), x_i ~ U(0, 1); default SALib's 8 coefficients. */
  gFunction: callableTestFunction<GFunctionParams>(buildGFunction),
  /**
   * Linear model Y = beta' X with X ~ N(mean, diag(sd) R diag(sd)); default beta = (1, 1, 1), sd = (1, 1, 2),
   * corr(X2, X3) = 0.5 (the example of Iooss & Prieur 2019). Exact Shapley effects by enumerating subsets.
   */
  linearGaussian: callableTestFunction<LinearGaussianParams>(buildLinearGaussian),
} as const;
