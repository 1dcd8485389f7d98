/**
 * Sobol' indices (first order and total, grouped) by the pick-freeze design of Saltelli (2002, 2010) on a scrambled
 * Sobol' quasi-random sequence, with bootstrap confidence intervals and convergence reporting.
 *
 * Design: a 2D-dimensional scrambled Sobol' point set of N points gives A (columns 0..D-1) and B (columns D..2D-1);
 * for each group g, A_B^(g) is A with the columns of group g taken from B. Cost: N * (G + 2) model runs for G groups,
 * whatever the number of inputs D.
 *
 * Estimators (f(B) centred on the mean of the 2N values f(A), f(B), which makes S_g shift-invariant):
 *   V       = variance of the 2N values f(A), f(B)
 *   S_g     = (1/N) sum_j (f(B)_j - f0) (f(A_B^(g))_j - f(A)_j) / V  (Saltelli et al. 2010, Table 2 (b)), f0 = mean
 *   ST_g    = (1/2N) sum_j (f(A)_j - f(A_B^(g))_j)^2 / V              (Jansen 1999; Saltelli et al. 2010, Table 2 (f))
 * Confidence intervals: nonparametric bootstrap over the N sample indices (A, B, A_B rows resampled together),
 * percentile intervals; `firstConf` / `totalConf` are the SALib-style half-widths z * sd(bootstrap).
 */
import { CellspreadInputError } from '../errors.ts';
import { Rng, normalQuantile } from '../random/rng.ts';
import { SobolSequence } from '../random/sobol.ts';
import { resolveInputs, uniformsToInputs } from './inputs.ts';
import type { ResolvedInputs, SensitivityInputs } from './inputs.ts';
import { runDesign } from './model.ts';
import type { Design, DesignBatch, SensitivityModel, SyncSensitivityModel } from './model.ts';

export interface SobolOptions<M extends SensitivityModel = SensitivityModel> {
  readonly inputs: SensitivityInputs;
  readonly model: M;
  /** Base sample size N: a power of two >= 16 for the 'sobol' design (any integer >= 16 for 'random'). */
  readonly n: number;
  /** Seed of the scramble and of the bootstrap (non-negative safe integer, default 0). */
  readonly seed?: number;
  /** Rows per model call (default: about 4M doubles per batch, at least G + 2); rounded down to a multiple of G + 2. */
  readonly batchSize?: number;
  /** Bootstrap resamples for the confidence intervals (default 1000; 0 disables them). */
  readonly nBootstrap?: number;
  /** Confidence level of the intervals (default 0.95). */
  readonly confidenceLevel?: number;
  /** 'sobol' (default): scrambled Sobol' quasi-random design. 'random': plain Monte Carlo from the counter-keyed Rng. */
  readonly sampling?: 'sobol' | 'random';
}

export interface SobolConvergence {
  /** Base sample sizes (powers of two from 16 up to N, and N), each a prefix of the design. */
  readonly n: number[];
  /** first[k][g]: first-order index of group g from the first n[k] samples. */
  readonly first: number[][];
  readonly total: number[][];
}

export interface SobolResult {
  /** Group names (input names when ungrouped), in index order. */
  readonly names: string[];
  /** Input indices of each group. */
  readonly groups: number[][];
  readonly first: number[];
  readonly total: number[];
  /** Bootstrap percentile intervals [low, high] at `confidenceLevel` (NaN when nBootstrap = 0). */
  readonly firstCI: [number, number][];
  readonly totalCI: [number, number][];
  /** SALib-style half-widths: z_{(1+level)/2} * bootstrap standard deviation. */
  readonly firstConf: number[];
  readonly totalConf: number[];
  readonly confidenceLevel: number;
  readonly n: number;
  /** Model runs: N * (G + 2). */
  readonly evaluations: number;
  readonly modelCalls: number;
  readonly mean: number;
  readonly variance: number;
  readonly convergence: SobolConvergence;
  readonly design: {
    readonly sampling: 'sobol' | 'random';
    readonly seed: number;
    /** Dimension of the underlying point set (2D). */
    readonly pointDimension: number;
    /** Columns of the point set beyond the Sobol' table, filled with plain Monte Carlo. */
    readonly paddedDimensions: number;
    readonly batchSize: number;
  };
  readonly estimators: { readonly first: string; readonly total: string; readonly ci: string };
}

const RANDOM_KEY = 0x5e11;
const BOOT_KEY = 0x5e12;
const BATCH_DOUBLES = 1 << 22;

export function checkSeed(seed: unknown, field = 'seed'): number {
  if (seed === undefined) return 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) throw new CellspreadInputError(field, 'must be a non-negative safe integer', seed);
  return seed;
}

export function checkPositiveInteger(v: unknown, field: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new CellspreadInputError(field, `must be an integer >= ${min}`, v);
  return v;
}

export function checkLevel(v: unknown, field = 'confidenceLevel'): number {
  if (v === undefined) return 0.95;
  if (typeof v !== 'number' || !(v > 0 && v < 1)) throw new CellspreadInputError(field, 'must be in (0, 1)', v);
  return v;
}

/** Pure estimator on given outputs (centred), over the sample indices idx (or 0..n-1). */
function estimate(
  yA: Float64Array,
  yB: Float64Array,
  yAB: Float64Array,
  n: number,
  G: number,
  m: number,
  idx: Int32Array | null,
  first: Float64Array,
  total: Float64Array,
): number {
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < m; t++) {
    const j = idx ? idx[t] : t;
    const a = yA[j];
    const b = yB[j];
    s += a + b;
    s2 += a * a + b * b;
  }
  const mu = s / (2 * m);
  const v = s2 / (2 * m) - mu * mu;
  for (let g = 0; g < G; g++) {
    const off = g * n;
    let f = 0;
    let tt = 0;
    for (let t = 0; t < m; t++) {
      const j = idx ? idx[t] : t;
      const a = yA[j];
      const d = yAB[off + j] - a;
      f += (yB[j] - mu) * d;
      tt += d * d;
    }
    first[g] = f / m / v;
    total[g] = tt / (2 * m) / v;
  }
  return v;
}

function percentile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function* sobolDesign(
  inp: ResolvedInputs,
  n: number,
  seed: number,
  sampling: 'sobol' | 'random',
  batchSize: number,
  nBootstrap: number,
  level: number,
): Design<SobolResult> {
  const D = inp.dimension;
  const G = inp.groups.length;
  const per = G + 2;
  const blockLen = Math.max(1, Math.min(n, Math.floor(batchSize / per)));
  const seq = sampling === 'sobol' ? new SobolSequence(2 * D, { seed }) : null;
  const yA = new Float64Array(n);
  const yB = new Float64Array(n);
  const yAB = new Float64Array(G * n);
  const u = new Float64Array(blockLen * 2 * D);
  const xa = new Float64Array(blockLen * D);
  const xb = new Float64Array(blockLen * D);
  const data = new Float64Array(blockLen * per * D);
  const scratch = new Float64Array(D);
  let modelCalls = 0;
  for (let j0 = 0; j0 < n; j0 += blockLen) {
    const m = Math.min(blockLen, n - j0);
    if (seq) seq.fill(j0, m, u);
    else {
      for (let r = 0; r < m; r++) {
        const rng = new Rng(seed, RANDOM_KEY, j0 + r);
        for (let c = 0; c < 2 * D; c++) u[r * 2 * D + c] = rng.uniform();
      }
    }
    uniformsToInputs(inp, u, m, 2 * D, 0, xa, 0, scratch);
    uniformsToInputs(inp, u, m, 2 * D, D, xb, 0, scratch);
    data.set(xa.subarray(0, m * D), 0);
    data.set(xb.subarray(0, m * D), m * D);
    for (let g = 0; g < G; g++) {
      const base = (2 + g) * m * D;
      data.set(xa.subarray(0, m * D), base);
      const cols = inp.groups[g];
      for (let r = 0; r < m; r++) {
        const o = base + r * D;
        const src = r * D;
        for (let c = 0; c < cols.length; c++) data[o + cols[c]] = xb[src + cols[c]];
      }
    }
    const batch: DesignBatch = {
      data,
      count: m * per,
      firstRow: j0 * per,
      describe: (k: number) => {
        const mat = Math.floor(k / m);
        const j = j0 + (k % m);
        const name = mat === 0 ? 'A' : mat === 1 ? 'B' : `A_B^(${mat - 2}) [group "${inp.groupNames[mat - 2]}"]`;
        return `sample ${j} of matrix ${name}`;
      },
    };
    const y = yield batch;
    modelCalls++;
    yA.set(y.subarray(0, m), j0);
    yB.set(y.subarray(m, 2 * m), j0);
    for (let g = 0; g < G; g++) yAB.set(y.subarray((2 + g) * m, (3 + g) * m), g * n + j0);
  }

  // Centre on the mean of f(A), f(B).
  let mean = 0;
  for (let j = 0; j < n; j++) mean += yA[j] + yB[j];
  mean /= 2 * n;
  for (let j = 0; j < n; j++) {
    yA[j] -= mean;
    yB[j] -= mean;
  }
  for (let k = 0; k < G * n; k++) yAB[k] -= mean;

  const first = new Float64Array(G);
  const total = new Float64Array(G);
  const variance = estimate(yA, yB, yAB, n, G, n, null, first, total);

  // Convergence on prefixes.
  const conv: SobolConvergence = { n: [], first: [], total: [] };
  for (let m = 16; m <= n; m *= 2) {
    if (m === n) break;
    const f = new Float64Array(G);
    const t = new Float64Array(G);
    estimate(yA, yB, yAB, n, G, m, null, f, t);
    conv.n.push(m);
    conv.first.push(Array.from(f));
    conv.total.push(Array.from(t));
  }
  conv.n.push(n);
  conv.first.push(Array.from(first));
  conv.total.push(Array.from(total));

  // Bootstrap.
  const firstCI: [number, number][] = [];
  const totalCI: [number, number][] = [];
  const firstConf: number[] = [];
  const totalConf: number[] = [];
  if (nBootstrap > 0) {
    const bf = new Float64Array(nBootstrap * G);
    const bt = new Float64Array(nBootstrap * G);
    const idx = new Int32Array(n);
    const f = new Float64Array(G);
    const t = new Float64Array(G);
    for (let b = 0; b < nBootstrap; b++) {
      const rng = new Rng(seed, BOOT_KEY, b);
      for (let j = 0; j < n; j++) idx[j] = rng.integer(n);
      estimate(yA, yB, yAB, n, G, n, idx, f, t);
      for (let g = 0; g < G; g++) {
        bf[g * nBootstrap + b] = f[g];
        bt[g * nBootstrap + b] = t[g];
      }
    }
    const z = normalQuantile(0.5 + level / 2);
    const alpha = (1 - level) / 2;
    for (let g = 0; g < G; g++) {
      for (const [src, ci, conf] of [
        [bf, firstCI, firstConf],
        [bt, totalCI, totalConf],
      ] as const) {
        const s = src.slice(g * nBootstrap, (g + 1) * nBootstrap).sort();
        let mu = 0;
        for (let b = 0; b < nBootstrap; b++) mu += s[b];
        mu /= nBootstrap;
        let ss = 0;
        for (let b = 0; b < nBootstrap; b++) ss += (s[b] - mu) ** 2;
        ci.push([percentile(s, alpha), percentile(s, 1 - alpha)]);
        conf.push(z * Math.sqrt(ss / Math.max(1, nBootstrap - 1)));
      }
    }
  } else {
    for (let g = 0; g < G; g++) {
      firstCI.push([NaN, NaN]);
      totalCI.push([NaN, NaN]);
      firstConf.push(NaN);
      totalConf.push(NaN);
    }
  }

  return {
    names: [...inp.groupNames],
    groups: inp.groups.map((g) => [...g]),
    first: Array.from(first),
    total: Array.from(total),
    firstCI,
    totalCI,
    firstConf,
    totalConf,
    confidenceLevel: level,
    n,
    evaluations: n * per,
    modelCalls,
    mean,
    variance,
    convergence: conv,
    design: { sampling, seed, pointDimension: 2 * D, paddedDimensions: seq ? seq.paddedDimensions : 0, batchSize: blockLen * per },
    estimators: {
      first: 'Saltelli et al. 2010: mean(f(B) (f(A_B) - f(A))) / V',
      total: 'Jansen 1999: mean((f(A) - f(A_B))^2) / (2 V)',
      ci: `bootstrap percentile (${nBootstrap} resamples)`,
    },
  };
}

/**
 * First-order and total Sobol' indices of each group (each input when ungrouped).
 * Returns the result directly for a synchronous model, a Promise for an asynchronous one.
 */
export function sobol(options: SobolOptions<SyncSensitivityModel>): SobolResult;
export function sobol(options: SobolOptions): SobolResult | Promise<SobolResult>;
export function sobol(options: SobolOptions): SobolResult | Promise<SobolResult> {
  if (options === null || typeof options !== 'object') throw new CellspreadInputError('options', 'must be an object', options);
  const inp = resolveInputs(options.inputs);
  const sampling = options.sampling ?? 'sobol';
  if (sampling !== 'sobol' && sampling !== 'random') throw new CellspreadInputError('sampling', 'must be "sobol" or "random"', sampling);
  const n = options.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 16) {
    throw new CellspreadInputError('n', 'must be an integer >= 16', n);
  }
  if (sampling === 'sobol' && (n & (n - 1)) !== 0) {
    const lo = 2 ** Math.floor(Math.log2(n));
    throw new CellspreadInputError('n', 'must be a power of two for the scrambled Sobol design', n, `use ${lo} or ${lo * 2}`);
  }
  if (sampling === 'sobol' && n > 2 ** 32) throw new CellspreadInputError('n', 'must be <= 2^32', n);
  const seed = checkSeed(options.seed);
  const G = inp.groups.length;
  const D = inp.dimension;
  if (inp.correlation !== null) {
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < i; j++) {
        const r = inp.correlation[i * D + j];
        if (r !== 0 && inp.groupOf[i] !== inp.groupOf[j]) {
          throw new CellspreadInputError(
            `inputs.correlation[${i}][${j}]`,
            'must be 0 between inputs of different groups for Sobol indices',
            r,
            `inputs ${i} and ${j} are in groups "${inp.groupNames[inp.groupOf[i]]}" and "${inp.groupNames[inp.groupOf[j]]}"; group them together or use shapley() for dependent inputs`,
          );
        }
      }
    }
  }
  const batchSize = options.batchSize === undefined ? Math.max(G + 2, Math.floor(BATCH_DOUBLES / D)) : checkPositiveInteger(options.batchSize, 'batchSize');
  const nBootstrap = options.nBootstrap === undefined ? 1000 : checkPositiveInteger(options.nBootstrap, 'nBootstrap', 0);
  if (nBootstrap === 1) throw new CellspreadInputError('nBootstrap', 'must be 0 or >= 2', nBootstrap);
  const level = checkLevel(options.confidenceLevel);
  return runDesign(sobolDesign(inp, n, seed, sampling, batchSize, nBootstrap, level), options.model, D);
}
