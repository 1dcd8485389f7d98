/**
 * Typed description of sensitivity-analysis inputs: marginal distributions, an optional Gaussian-copula correlation
 * matrix and optional groups (the "players" of grouped Sobol indices and Shapley effects).
 */
import { CellspreadInputError } from '../errors.ts';
import { cholesky } from '../math/cholesky.ts';
import { exp } from '../math/elementary.ts';
import { normalCdf, normalQuantile } from '../math/special.ts';
import { lognormal, normal, uniform, type ContinuousDistribution } from '../stats/index.ts';

export type InputMarginal =
  | { readonly dist: 'uniform'; readonly a: number; readonly b: number; readonly name?: string }
  | { readonly dist: 'normal'; readonly mean: number; readonly sd: number; readonly name?: string }
  | { readonly dist: 'lognormal'; readonly mu: number; readonly sigma: number; readonly name?: string };

export interface NamedInputGroup {
  readonly name: string;
  readonly indices: readonly number[];
}
/** A group is a set of input indices, optionally named. Groups must partition the inputs. */
export type InputGroup = readonly number[] | NamedInputGroup;

export interface SensitivityInputs {
  /** One marginal per input, in column order of the rows handed to the model. */
  readonly marginals: readonly InputMarginal[];
  /**
   * Correlation matrix of the Gaussian copula (the correlation of the normal scores z_i = Phi^-1(F_i(x_i))); for
   * normal marginals it is the Pearson correlation of the inputs. Must be symmetric positive definite. Default: identity.
   */
  readonly correlation?: readonly (readonly number[])[];
  /** Groups of inputs (each index in exactly one group). Default: one group per input. */
  readonly groups?: readonly InputGroup[];
}

/** Constructors for marginals. */
export const marginal = {
  uniform: (a: number, b: number, name?: string): InputMarginal => ({ dist: 'uniform', a, b, ...(name ? { name } : {}) }),
  normal: (mean: number, sd: number, name?: string): InputMarginal => ({ dist: 'normal', mean, sd, ...(name ? { name } : {}) }),
  lognormal: (mu: number, sigma: number, name?: string): InputMarginal => ({ dist: 'lognormal', mu, sigma, ...(name ? { name } : {}) }),
} as const;

/**
 * `dimension` independent standard normal inputs (the Gaussian-copula space the study runner samples in), optionally
 * grouped, e.g. by (parameter, level).
 */
export function standardNormalInputs(dimension: number, groups?: readonly InputGroup[], names?: readonly string[]): SensitivityInputs {
  if (!Number.isSafeInteger(dimension) || dimension < 1) throw new CellspreadInputError('dimension', 'must be a positive integer', dimension);
  const marginals: InputMarginal[] = [];
  for (let i = 0; i < dimension; i++) marginals.push(marginal.normal(0, 1, names?.[i]));
  return groups ? { marginals, groups } : { marginals };
}

/** Inputs after validation, in the form the estimators use. */
export interface ResolvedInputs {
  readonly dimension: number;
  readonly marginals: readonly InputMarginal[];
  /** Each marginal as an object of the distribution family (src/stats/). */
  readonly distributions: readonly ContinuousDistribution[];
  readonly inputNames: readonly string[];
  readonly groups: readonly (readonly number[])[];
  readonly groupNames: readonly string[];
  /** Group index of each input. */
  readonly groupOf: Int32Array;
  /** Row-major D x D correlation, or null for independent inputs. */
  readonly correlation: Float64Array | null;
  /** Connected components of the correlation graph (inputs linked by a non-zero correlation), each sorted. */
  readonly components: readonly (readonly number[])[];
  /** Lower Cholesky factor of each component's correlation block (row-major, size |C|^2); null for singletons. */
  readonly componentCholesky: readonly (Float64Array | null)[];
}

const SYM_TOL = 1e-12;

function checkFinite(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CellspreadInputError(field, 'must be a finite number', v);
  return v;
}

/** The distribution-family object of a marginal (after validation). */
export function marginalDistribution(m: InputMarginal): ContinuousDistribution {
  switch (m.dist) {
    case 'uniform':
      return uniform(m.a, m.b);
    case 'normal':
      return normal(m.mean, m.sd);
    case 'lognormal':
      return lognormal(m.mu, m.sigma);
  }
}

export function resolveInputs(inputs: SensitivityInputs, field = 'inputs'): ResolvedInputs {
  if (inputs === null || typeof inputs !== 'object') throw new CellspreadInputError(field, 'must be an object with marginals', inputs);
  const ms = inputs.marginals;
  if (!Array.isArray(ms) || ms.length === 0) {
    throw new CellspreadInputError(`${field}.marginals`, 'must be a non-empty array of marginals', ms);
  }
  const D = ms.length;
  const inputNames: string[] = [];
  ms.forEach((m: InputMarginal, i: number) => {
    const f = `${field}.marginals[${i}]`;
    if (m === null || typeof m !== 'object') throw new CellspreadInputError(f, 'must be a marginal object', m);
    switch (m.dist) {
      case 'uniform': {
        const a = checkFinite(`${f}.a`, m.a);
        const b = checkFinite(`${f}.b`, m.b);
        if (!(b > a)) throw new CellspreadInputError(`${f}.b`, `must be > a (${a})`, b);
        break;
      }
      case 'normal':
        checkFinite(`${f}.mean`, m.mean);
        if (!(checkFinite(`${f}.sd`, m.sd) > 0)) throw new CellspreadInputError(`${f}.sd`, 'must be > 0', m.sd);
        break;
      case 'lognormal':
        checkFinite(`${f}.mu`, m.mu);
        if (!(checkFinite(`${f}.sigma`, m.sigma) > 0)) throw new CellspreadInputError(`${f}.sigma`, 'must be > 0', m.sigma);
        break;
      default:
        throw new CellspreadInputError(`${f}.dist`, 'must be one of "uniform", "normal", "lognormal"', (m as { dist?: unknown }).dist);
    }
    inputNames.push(m.name ?? `x${i + 1}`);
  });

  // Groups.
  const groups: number[][] = [];
  const groupNames: string[] = [];
  const groupOf = new Int32Array(D).fill(-1);
  if (inputs.groups === undefined) {
    for (let i = 0; i < D; i++) {
      groups.push([i]);
      groupNames.push(inputNames[i]);
      groupOf[i] = i;
    }
  } else {
    if (!Array.isArray(inputs.groups) || inputs.groups.length === 0) {
      throw new CellspreadInputError(`${field}.groups`, 'must be a non-empty array of groups', inputs.groups);
    }
    inputs.groups.forEach((g: InputGroup, gi: number) => {
      const f = `${field}.groups[${gi}]`;
      const named = !Array.isArray(g);
      const indices = named ? (g as NamedInputGroup).indices : (g as readonly number[]);
      if (!Array.isArray(indices) || indices.length === 0) {
        throw new CellspreadInputError(named ? `${f}.indices` : f, 'must be a non-empty array of input indices', indices);
      }
      for (const i of indices) {
        if (!Number.isInteger(i) || i < 0 || i >= D) {
          throw new CellspreadInputError(f, `must contain only input indices in [0, ${D - 1}]`, indices, `bad index ${i}`);
        }
        if (groupOf[i] !== -1) {
          throw new CellspreadInputError(f, 'must not overlap another group', indices, `input ${i} is already in group ${groupOf[i]}`);
        }
        groupOf[i] = gi;
      }
      groups.push([...indices].sort((a, b) => a - b));
      if (named) {
        const name = (g as NamedInputGroup).name;
        if (typeof name !== 'string' || name.length === 0) throw new CellspreadInputError(`${f}.name`, 'must be a non-empty string', name);
        if (groupNames.includes(name)) throw new CellspreadInputError(`${f}.name`, 'must be unique', name);
        groupNames.push(name);
      } else {
        groupNames.push(indices.length === 1 ? inputNames[indices[0]] : `group${gi + 1}`);
      }
    });
    const missing: number[] = [];
    for (let i = 0; i < D; i++) if (groupOf[i] === -1) missing.push(i);
    if (missing.length > 0) {
      throw new CellspreadInputError(`${field}.groups`, `must cover every input (0..${D - 1}) exactly once`, missing, `inputs not in any group: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', ...' : ''}`);
    }
  }

  // Correlation.
  let correlation: Float64Array | null = null;
  if (inputs.correlation !== undefined) {
    const r = inputs.correlation;
    const f = `${field}.correlation`;
    if (!Array.isArray(r) || r.length !== D) throw new CellspreadInputError(f, `must be a ${D} x ${D} matrix`, r);
    correlation = new Float64Array(D * D);
    let offDiagonal = false;
    for (let i = 0; i < D; i++) {
      const row = r[i];
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new CellspreadInputError(`${f}[${i}]`, `must be an array of ${D} numbers`, row);
      if ((row as ArrayLike<number>).length !== D) throw new CellspreadInputError(`${f}[${i}]`, `must have ${D} entries`, (row as ArrayLike<number>).length);
      for (let j = 0; j < D; j++) {
        const v = checkFinite(`${f}[${i}][${j}]`, (row as ArrayLike<number>)[j]);
        correlation[i * D + j] = v;
        if (i !== j && v !== 0) offDiagonal = true;
      }
    }
    for (let i = 0; i < D; i++) {
      if (Math.abs(correlation[i * D + i] - 1) > SYM_TOL) throw new CellspreadInputError(`${f}[${i}][${i}]`, 'must be 1 (a correlation matrix)', correlation[i * D + i]);
      for (let j = 0; j < i; j++) {
        const v = correlation[i * D + j];
        if (Math.abs(v - correlation[j * D + i]) > SYM_TOL) throw new CellspreadInputError(`${f}[${i}][${j}]`, `must equal ${f}[${j}][${i}] (symmetric)`, v);
        if (Math.abs(v) > 1) throw new CellspreadInputError(`${f}[${i}][${j}]`, 'must be in [-1, 1]', v);
      }
    }
    if (!offDiagonal) correlation = null;
  }

  // Connected components and their Cholesky factors (also the positive-definiteness check).
  const components: number[][] = [];
  const componentCholesky: (Float64Array | null)[] = [];
  if (correlation === null) {
    for (let i = 0; i < D; i++) {
      components.push([i]);
      componentCholesky.push(null);
    }
  } else {
    const seen = new Uint8Array(D);
    for (let s = 0; s < D; s++) {
      if (seen[s]) continue;
      const comp: number[] = [];
      const stack = [s];
      seen[s] = 1;
      while (stack.length > 0) {
        const i = stack.pop()!;
        comp.push(i);
        for (let j = 0; j < D; j++) {
          if (!seen[j] && correlation[i * D + j] !== 0) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
      comp.sort((a, b) => a - b);
      components.push(comp);
      if (comp.length === 1) {
        componentCholesky.push(null);
        continue;
      }
      const n = comp.length;
      const block = new Float64Array(n * n);
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) block[a * n + b] = correlation[comp[a] * D + comp[b]];
      const ch = cholesky(block, n);
      if (!('l' in ch)) {
        throw new CellspreadInputError(`${field}.correlation`, 'must be positive definite', inputs.correlation, `Cholesky pivot ${ch.pivot.toPrecision(3)} at input ${comp[ch.failedAt]}`);
      }
      componentCholesky.push(ch.l);
    }
  }
  return { dimension: D, marginals: ms, distributions: ms.map(marginalDistribution), inputNames, groups, groupNames, groupOf, correlation, components, componentCholesky };
}

/**
 * Input i's value for the standard-normal score z, F_i^-1(Phi(z)): for normal and lognormal marginals directly from z
 * (mean + sd z, exp(mu + sigma z)), which keeps every digit in the tails, otherwise through Phi and the ppf.
 */
export function fromNormalScore(inp: ResolvedInputs, i: number, z: number): number {
  const m = inp.marginals[i];
  switch (m.dist) {
    case 'normal':
      return m.mean + m.sd * z;
    case 'lognormal':
      return exp(m.mu + m.sigma * z);
    default:
      return inp.distributions[i].ppf(normalCdf(z));
  }
}

/**
 * Transform `count` rows of uniforms (row stride `uStride`, starting at column `uOffset`) into input values
 * (row-major count x D at `out`, starting at row offset `outRow`), applying the Gaussian copula when correlated.
 */
export function uniformsToInputs(
  inp: ResolvedInputs,
  u: Float64Array,
  count: number,
  uStride: number,
  uOffset: number,
  out: Float64Array,
  outRow: number,
  scratch: Float64Array,
): void {
  const D = inp.dimension;
  const dists = inp.distributions;
  for (let r = 0; r < count; r++) {
    const ub = r * uStride + uOffset;
    const ob = (outRow + r) * D;
    if (inp.correlation === null) {
      for (let i = 0; i < D; i++) out[ob + i] = dists[i].ppf(u[ub + i]);
      continue;
    }
    for (let i = 0; i < D; i++) scratch[i] = normalQuantile(u[ub + i]);
    correlateInPlace(inp, scratch);
    for (let i = 0; i < D; i++) out[ob + i] = fromNormalScore(inp, i, scratch[i]);
  }
}

/** z <- L z per correlation component (independent standard normals to correlated normal scores). */
export function correlateInPlace(inp: ResolvedInputs, z: Float64Array): void {
  const comps = inp.components;
  for (let c = 0; c < comps.length; c++) {
    const l = inp.componentCholesky[c];
    if (l === null) continue;
    const comp = comps[c];
    const n = comp.length;
    // Lower triangular: go from the last row up so that z[comp[k]] for k < a are still the raw values.
    for (let a = n - 1; a >= 0; a--) {
      let s = 0;
      for (let k = 0; k <= a; k++) s += l[a * n + k] * z[comp[k]];
      z[comp[a]] = s;
    }
  }
}
