/**
 * Sobol' indices (first order and total, grouped; second order on request) from the outputs of a pick-freeze design
 * (sobol-design.ts), with bootstrap confidence intervals and convergence reporting: the "analyze" step of
 * sample / evaluate / analyze, and `sobol()`, which does all three with a model in the process.
 *
 * Estimators (outputs centred on f0, the mean of the 2N values f(A), f(B), which makes S_g shift-invariant):
 *   V       = variance of the 2N values f(A), f(B)
 *   S_g     = (1/N) sum_j f(B)_j (f(A_B^(g))_j - f(A)_j) / V        (Saltelli et al. 2010, Table 2 (b))
 *   ST_g    = (1/2N) sum_j (f(A)_j - f(A_B^(g))_j)^2 / V             (Jansen 1999; Saltelli et al. 2010, Table 2 (f))
 *   S_gh    = Vc_gh / V - S_g - S_h, Vc_gh = (1/N) sum_j (f(B_A^(g))_j f(A_B^(h))_j - f(A)_j f(B)_j)
 *             (Saltelli 2002, eq. (12); SALib's second_order): B_A^(g) and A_B^(h) share exactly the columns of g and
 *             h, so the mean of their product is the closed index of {g, h} plus f0^2, which f(A) f(B) removes.
 * Confidence intervals: nonparametric bootstrap over the N base samples (all rows of a sample resampled together),
 * percentile intervals; `firstConf` / `totalConf` are the SALib-style half-widths z * sd(bootstrap).
 */
import { CellspreadInputError } from '../errors.ts';
import { sortedQuantile } from '../math/quantile.ts';
import { sampleVariance } from '../math/moments.ts';
import { Rng } from '../random/rng.ts';
import { normalCritical } from '../stats/index.ts';
import { checkLevel, checkOptions, checkPositiveInteger, defaultBatchRows } from './checks.ts';
import type { SensitivityInputs } from './inputs.ts';
import { checkDesignOutputs, evaluateDesign, thenApply } from './model.ts';
import type { SensitivityModel, SyncSensitivityModel } from './model.ts';
import { sobolDesign, type SobolDesign, type SobolDesignOptions } from './sobol-design.ts';

export interface SobolAnalysisOptions {
  /** Bootstrap resamples for the confidence intervals (default 1000; 0 disables them). */
  readonly nBootstrap?: number;
  /** Confidence level of the intervals (default 0.95). */
  readonly confidenceLevel?: number;
}

export interface SobolOptions<M extends SensitivityModel = SensitivityModel> extends SobolDesignOptions, SobolAnalysisOptions {
  readonly inputs: SensitivityInputs;
  readonly model: M;
  /** Rows per model call (default: about 4M doubles per batch, at least one sample); rounded down to whole samples. */
  readonly batchSize?: number;
}

export interface SobolConvergence {
  /** Base sample sizes (powers of two from 16 up to N, and N), each a prefix of the design. */
  readonly n: number[];
  /** first[k][g]: first-order index of group g from the first n[k] samples. */
  readonly first: number[][];
  readonly total: number[][];
}

export interface SobolSecondOrder {
  /** S_gh for g < h (symmetric, NaN on the diagonal). */
  readonly indices: number[][];
  /** Bootstrap percentile intervals [low, high] (NaN when nBootstrap = 0). */
  readonly ci: [number, number][][];
  /** SALib-style half-widths z * sd(bootstrap). */
  readonly conf: number[][];
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
  /** Second-order indices, when the design has the B_A rows. */
  readonly second?: SobolSecondOrder;
  readonly confidenceLevel: number;
  readonly n: number;
  /** Model runs: N (G + 2), or N (2G + 2) with second order. */
  readonly evaluations: number;
  /** Model calls, when sobol() ran the model (absent for analyzeSobol on given outputs). */
  readonly modelCalls?: number;
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
    readonly secondOrder: boolean;
    /** Rows per model call, when sobol() ran the model. */
    readonly batchSize?: number;
  };
  readonly estimators: { readonly first: string; readonly total: string; readonly second?: string; readonly ci: string };
}

const BOOT_KEY = 0x5e12;

/** Outputs regrouped by matrix (centred), indexed [matrix block * n + sample]. */
interface Columns {
  readonly n: number;
  readonly G: number;
  readonly yA: Float64Array;
  readonly yB: Float64Array;
  /** G x n. */
  readonly yAB: Float64Array;
  /** G x n (second order), else empty. */
  readonly yBA: Float64Array;
}

/** Pure estimator on centred columns, over the sample indices idx (or 0..m-1). Returns V. */
function estimate(c: Columns, m: number, idx: Int32Array | null, first: Float64Array, total: Float64Array, second: Float64Array | null): number {
  const { n, G, yA, yB, yAB, yBA } = c;
  let s = 0;
  let s2 = 0;
  let sAB = 0;
  for (let t = 0; t < m; t++) {
    const j = idx ? idx[t] : t;
    const a = yA[j];
    const b = yB[j];
    s += a + b;
    s2 += a * a + b * b;
    sAB += a * b;
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
  if (second) {
    // (a - mu)(b - mu) summed: sAB - mu * s + m mu^2.
    const ab = sAB - mu * s + m * mu * mu;
    for (let g = 0; g < G; g++) {
      second[g * G + g] = NaN;
      for (let h = g + 1; h < G; h++) {
        let p = 0;
        for (let t = 0; t < m; t++) {
          const j = idx ? idx[t] : t;
          p += (yBA[g * n + j] - mu) * (yAB[h * n + j] - mu);
        }
        const sgh = (p - ab) / m / v - first[g] - first[h];
        second[g * G + h] = sgh;
        second[h * G + g] = sgh;
      }
    }
  }
  return v;
}

function checkAnalysisOptions(options: SobolAnalysisOptions): { nBootstrap: number; level: number } {
  const nBootstrap = options.nBootstrap === undefined ? 1000 : checkPositiveInteger(options.nBootstrap, 'nBootstrap', 0);
  if (nBootstrap === 1) throw new CellspreadInputError('nBootstrap', 'must be 0 or >= 2', nBootstrap);
  return { nBootstrap, level: checkLevel(options.confidenceLevel) };
}

/**
 * Sobol' indices from the outputs of a design: `y[r]` is the model output for `design.rows(r, 1)`, for every row r
 * in order (y.length must equal design.rowCount). Pure: the same design and outputs give the same bits.
 */
export function analyzeSobol(design: SobolDesign, y: ArrayLike<number>, options: SobolAnalysisOptions = {}): SobolResult {
  if (design === null || typeof design !== 'object' || design.kind !== 'sobol') {
    throw new CellspreadInputError('design', 'must be a design from sobolDesign()', design);
  }
  checkOptions(options);
  const { nBootstrap, level } = checkAnalysisOptions(options);
  const Y = checkDesignOutputs(design, y);
  const { n, rowsPerSample: per, secondOrder } = design;
  const G = design.groups.length;
  const yA = new Float64Array(n);
  const yB = new Float64Array(n);
  const yAB = new Float64Array(G * n);
  const yBA = new Float64Array(secondOrder ? G * n : 0);
  let mean = 0;
  for (let j = 0; j < n; j++) mean += Y[j * per] + Y[j * per + 1];
  mean /= 2 * n;
  for (let j = 0; j < n; j++) {
    const o = j * per;
    yA[j] = Y[o] - mean;
    yB[j] = Y[o + 1] - mean;
    for (let g = 0; g < G; g++) yAB[g * n + j] = Y[o + 2 + g] - mean;
    if (secondOrder) for (let g = 0; g < G; g++) yBA[g * n + j] = Y[o + 2 + G + g] - mean;
  }
  const cols: Columns = { n, G, yA, yB, yAB, yBA };

  const first = new Float64Array(G);
  const total = new Float64Array(G);
  const second = secondOrder ? new Float64Array(G * G) : null;
  const variance = estimate(cols, n, null, first, total, second);
  if (!(variance > 0)) throw new CellspreadInputError('Y', 'must vary over the design (variance of f(A), f(B) > 0)', variance);

  // Convergence on prefixes.
  const convergence: SobolConvergence = { n: [], first: [], total: [] };
  for (let m = 16; m < n; m *= 2) {
    const f = new Float64Array(G);
    const t = new Float64Array(G);
    estimate(cols, m, null, f, t, null);
    convergence.n.push(m);
    convergence.first.push(Array.from(f));
    convergence.total.push(Array.from(t));
  }
  convergence.n.push(n);
  convergence.first.push(Array.from(first));
  convergence.total.push(Array.from(total));

  // Bootstrap over base samples.
  const nan2 = (): [number, number] => [NaN, NaN];
  const firstCI: [number, number][] = Array.from({ length: G }, nan2);
  const totalCI: [number, number][] = Array.from({ length: G }, nan2);
  const firstConf = new Array<number>(G).fill(NaN);
  const totalConf = new Array<number>(G).fill(NaN);
  const secondCI: [number, number][][] = Array.from({ length: G }, () => Array.from({ length: G }, nan2));
  const secondConf: number[][] = Array.from({ length: G }, () => new Array<number>(G).fill(NaN));
  if (nBootstrap > 0) {
    const bf = new Float64Array(nBootstrap * G);
    const bt = new Float64Array(nBootstrap * G);
    const bs = second ? new Float64Array(nBootstrap * G * G) : null;
    const idx = new Int32Array(n);
    const f = new Float64Array(G);
    const t = new Float64Array(G);
    const s = second ? new Float64Array(G * G) : null;
    for (let b = 0; b < nBootstrap; b++) {
      const rng = new Rng(design.seed, BOOT_KEY, b);
      for (let j = 0; j < n; j++) idx[j] = rng.integer(n);
      estimate(cols, n, idx, f, t, s);
      for (let g = 0; g < G; g++) {
        bf[g * nBootstrap + b] = f[g];
        bt[g * nBootstrap + b] = t[g];
      }
      if (bs && s) for (let k = 0; k < G * G; k++) bs[k * nBootstrap + b] = s[k];
    }
    const z = normalCritical(level);
    const alpha = (1 - level) / 2;
    const summarise = (src: Float64Array, k: number): { ci: [number, number]; conf: number } => {
      const sorted = src.slice(k * nBootstrap, (k + 1) * nBootstrap).sort();
      return { ci: [sortedQuantile(sorted, alpha), sortedQuantile(sorted, 1 - alpha)], conf: z * Math.sqrt(sampleVariance(sorted)) };
    };
    for (let g = 0; g < G; g++) {
      ({ ci: firstCI[g], conf: firstConf[g] } = summarise(bf, g));
      ({ ci: totalCI[g], conf: totalConf[g] } = summarise(bt, g));
      if (bs) {
        for (let h = g + 1; h < G; h++) {
          const r = summarise(bs, g * G + h);
          secondCI[g][h] = secondCI[h][g] = r.ci;
          secondConf[g][h] = secondConf[h][g] = r.conf;
        }
      }
    }
  }

  return {
    names: [...design.names],
    groups: design.groups.map((g) => [...g]),
    first: Array.from(first),
    total: Array.from(total),
    firstCI,
    totalCI,
    firstConf,
    totalConf,
    ...(second
      ? { second: { indices: Array.from({ length: G }, (_, g) => Array.from(second.subarray(g * G, (g + 1) * G))), ci: secondCI, conf: secondConf } }
      : {}),
    confidenceLevel: level,
    n,
    evaluations: design.rowCount,
    mean,
    variance,
    convergence,
    design: { sampling: design.sampling, seed: design.seed, pointDimension: design.pointDimension, paddedDimensions: design.paddedDimensions, secondOrder },
    estimators: {
      first: 'Saltelli et al. 2010: mean(f(B) (f(A_B) - f(A))) / V',
      total: 'Jansen 1999: mean((f(A) - f(A_B))^2) / (2 V)',
      ...(second ? { second: 'Saltelli 2002: mean(f(B_A^g) f(A_B^h) - f(A) f(B)) / V - S_g - S_h' } : {}),
      ci: `bootstrap percentile (${nBootstrap} resamples)`,
    },
  };
}

/**
 * First-order and total Sobol' indices of each group (each input when ungrouped), and second order on request:
 * sobolDesign -> model -> analyzeSobol in one call.
 * Returns the result directly for a synchronous model, a Promise for an asynchronous one.
 */
export function sobol(options: SobolOptions<SyncSensitivityModel>): SobolResult;
export function sobol(options: SobolOptions): SobolResult | Promise<SobolResult>;
export function sobol(options: SobolOptions): SobolResult | Promise<SobolResult> {
  checkOptions(options);
  const design = sobolDesign(options);
  const analysis = checkAnalysisOptions(options); // fail before any model run
  const per = design.rowsPerSample;
  const requested = options.batchSize === undefined ? defaultBatchRows(design.dimension, per) : checkPositiveInteger(options.batchSize, 'batchSize');
  const batchRows = Math.max(per, Math.floor(requested / per) * per);
  return thenApply(evaluateDesign(design, options.model, batchRows), ({ y, modelCalls }) => {
    const r = analyzeSobol(design, y, { nBootstrap: analysis.nBootstrap, confidenceLevel: analysis.level });
    return { ...r, modelCalls, design: { ...r.design, batchSize: batchRows } };
  });
}
