/**
 * Rare-event estimation through the model itself: subset simulation (Au & Beck 2001) with adaptive conditional
 * sampling (Papaioannou et al. 2015), and cross-entropy adaptive importance sampling (Rubinstein & Kroese 2004), both
 * in standard-normal (Gaussian-copula) input space and both calling the model on whole batches of rows.
 *
 * Row format: the model receives `rows`, a Float64Array of length count * dimension, row-major (row r is
 * rows[r * dimension ... r * dimension + dimension - 1]), each entry a standard-normal coordinate z. The model maps
 * z to physical inputs (e.g. x_j = F_j^-1(Phi(z_j)), with a Cholesky factor for correlated inputs) and returns one
 * output per row. It may be async (a GPU kernel, a worker pool).
 */
import { CellspreadInputError } from '../errors.ts';
import { Rng } from '../random/rng.ts';
import { normalCritical } from '../stats/index.ts';
import { type TailDirection, type TailOption, checkConfidence, checkFinite, checkPositiveInteger, checkProbability, fmt, resolveTail } from './validate.ts';

/** A batched model: `rows` holds `rows.length / dimension` standard-normal input rows, row-major. One output per row. */
export type BatchModel = (rows: Float64Array, dimension: number) => ArrayLike<number> | Promise<ArrayLike<number>>;

export interface RareEventOptions extends TailOption {
  /** Number of standard-normal inputs per row. */
  dimension: number;
  /** Failure when the output is above `limit` (tail 'upper', default) or below it (tail 'lower'). */
  limit: number;
  /** Seed of the counter-keyed streams (default 0): the same seed gives the same result whatever the batch size. */
  seed?: number;
  /** Most rows passed to one model call (default 10000); larger sets are split into several calls. */
  batchSize?: number;
  /** Confidence level of the reported approximate interval (default 0.95). */
  confidence?: number;
  /** Hard cap on model evaluations (default 10 000 000): exceeding it is an error, not a silent truncation. */
  maxEvaluations?: number;
}

export interface RareEventLevel {
  /** Intermediate threshold, in output units. */
  threshold: number;
  /** Conditional probability of passing this threshold given the previous one. */
  probability: number;
  /** Fraction of accepted MCMC proposals that produced this level's samples (subset simulation, level >= 1). */
  acceptanceRate?: number;
}

export interface RareEventResult {
  method: 'subset-simulation' | 'cross-entropy';
  /** Estimated P(Y > limit) (upper) or P(Y < limit) (lower). */
  estimate: number;
  /** Estimated coefficient of variation (standard error / estimate) of the estimator. */
  coefficientOfVariation: number;
  /**
   * Conservative coefficient of variation: subset simulation sums the per-level CoVs (levels fully correlated, the
   * upper bound of Au & Beck 2001); cross-entropy repeats coefficientOfVariation.
   */
  coefficientOfVariationBound: number;
  /** Approximate interval from a log-normal error model on coefficientOfVariationBound: estimate * exp(+-z sqrt(log(1 + cov^2))). */
  lower: number;
  upper: number;
  confidence: number;
  /** Number of model evaluations (rows) used. */
  evaluations: number;
  /** Number of model calls (batches). */
  modelCalls: number;
  limit: number;
  tail: TailDirection;
  dimension: number;
  seed: number;
  levels: RareEventLevel[];
  /** The failure sample closest to the origin in standard-normal space (an estimate of the design point), and its norm. */
  designPoint: number[];
  reliabilityIndex: number;
}

interface Evaluator {
  (rows: Float64Array, count: number): Promise<Float64Array>;
  evaluations: number;
  calls: number;
}

function makeEvaluator(model: BatchModel, dim: number, batchSize: number, sign: number, maxEvaluations: number): Evaluator {
  const ev = (async (rows: Float64Array, count: number): Promise<Float64Array> => {
    if (ev.evaluations + count > maxEvaluations) {
      throw new CellspreadInputError('maxEvaluations', `must allow the next ${count} evaluations`, maxEvaluations, `${ev.evaluations} used so far; raise it or ask for fewer samples`);
    }
    const out = new Float64Array(count);
    for (let start = 0; start < count; start += batchSize) {
      const m = Math.min(batchSize, count - start);
      const chunk = rows.slice(start * dim, (start + m) * dim);
      const y = await model(chunk, dim);
      ev.calls++;
      if (!y || y.length !== m) {
        throw new CellspreadInputError('model output', `must have one value per row (${m})`, y ? `length ${y.length}` : y, 'return an array or typed array aligned with the rows');
      }
      for (let i = 0; i < m; i++) {
        const v = y[i];
        if (typeof v !== 'number' || Number.isNaN(v)) {
          throw new CellspreadInputError(`model output[${start + i}]`, 'must be a number', v, 'the model failed on this row; make it return a finite value (or +-Infinity for certain failure / safety)');
        }
        out[start + i] = sign * v;
      }
      ev.evaluations += m;
    }
    return out;
  }) as Evaluator;
  ev.evaluations = 0;
  ev.calls = 0;
  return ev;
}

function commonChecks(model: BatchModel, options: RareEventOptions) {
  if (typeof model !== 'function') throw new CellspreadInputError('model', 'must be a function (rows, dimension) => outputs', typeof model);
  if (!options || typeof options !== 'object') throw new CellspreadInputError('options', 'must give at least { dimension, limit }', options);
  const dim = checkPositiveInteger('dimension', options.dimension, 1, 'the number of sampled (standard-normal) inputs per row');
  const limit = checkFinite('limit', options.limit, 'the design limit in output units');
  const tail = resolveTail(options);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new CellspreadInputError('seed', 'must be a non-negative integer', seed);
  const batchSize = checkPositiveInteger('batchSize', options.batchSize ?? 10000, 1);
  const confidence = checkConfidence(options.confidence);
  const maxEvaluations = options.maxEvaluations ?? 10_000_000;
  if (!(maxEvaluations >= 1)) throw new CellspreadInputError('maxEvaluations', 'must be >= 1', maxEvaluations);
  const sign = tail === 'lower' ? -1 : 1;
  return { dim, limit, tail, seed, batchSize, confidence, maxEvaluations, sign };
}

function interval(p: number, cov: number, confidence: number): { lower: number; upper: number } {
  if (!(p > 0) || !Number.isFinite(cov)) return { lower: 0, upper: Number.isFinite(cov) ? p : Infinity };
  const s = Math.sqrt(Math.log1p(cov * cov));
  const z = normalCritical(confidence);
  return { lower: p * Math.exp(-z * s), upper: Math.min(1, p * Math.exp(z * s)) };
}

function designPointOf(z: Float64Array, g: Float64Array, dim: number, lim: number, best: { norm: number; point: number[] }): void {
  const n = g.length;
  for (let i = 0; i < n; i++) {
    if (!(g[i] > lim)) continue;
    let s = 0;
    for (let j = 0; j < dim; j++) s += z[i * dim + j] ** 2;
    if (s < best.norm) {
      best.norm = s;
      best.point = Array.from(z.subarray(i * dim, (i + 1) * dim));
    }
  }
}

/** What both methods report alike: the settings, the model's evaluations, the levels and the design point. */
function runFacts(
  run: { confidence: number; limit: number; tail: TailDirection; dim: number; seed: number },
  evaluate: Evaluator,
  levels: RareEventLevel[],
  best: { norm: number; point: number[] },
) {
  return {
    confidence: run.confidence,
    evaluations: evaluate.evaluations,
    modelCalls: evaluate.calls,
    limit: run.limit,
    tail: run.tail,
    dimension: run.dim,
    seed: run.seed,
    levels,
    designPoint: best.point,
    reliabilityIndex: Math.sqrt(best.norm),
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Subset simulation
// -----------------------------------------------------------------------------------------------------------------

export interface SubsetSimulationOptions extends RareEventOptions {
  /** Samples per level N (default 10000). Each level after the first costs N (1 - p0) evaluations. */
  samplesPerLevel?: number;
  /** Conditional probability p0 of each intermediate level (default 0.1). N * p0 chains run in parallel. */
  levelProbability?: number;
  /** Most levels before giving up (default 20, i.e. probabilities down to about p0^20). */
  maxLevels?: number;
}

/** Chain-correlation factor gamma of Au & Beck (2001), eq. 29, for indicators stored as state[t * nc + c]. */
function chainGamma(ind: Uint8Array, nc: number, ns: number, p: number): number {
  if (ns <= 1 || p <= 0 || p >= 1) return 0;
  const r0 = p * (1 - p);
  let gamma = 0;
  for (let k = 1; k < ns; k++) {
    let s = 0;
    for (let c = 0; c < nc; c++) for (let t = 0; t + k < ns; t++) s += ind[t * nc + c] * ind[(t + k) * nc + c];
    const rk = s / (nc * (ns - k)) - p * p;
    gamma += 2 * (1 - k / ns) * (rk / r0);
  }
  return Math.max(0, gamma);
}

/**
 * Subset simulation: P(F) = P(F1) P(F2 | F1) ... with intermediate thresholds at the (1 - p0) sample quantile of the
 * output and conditional samples from parallel Markov chains (adaptive conditional sampling: a component-wise
 * autoregressive proposal that leaves the standard normal invariant, with a scale tuned to 44 % acceptance).
 * Each MCMC step of all chains is one batch of N p0 rows.
 */
export async function subsetSimulation(model: BatchModel, options: SubsetSimulationOptions): Promise<RareEventResult> {
  const { dim, limit, tail, seed, batchSize, confidence, maxEvaluations, sign } = commonChecks(model, options);
  const N = checkPositiveInteger('samplesPerLevel', options.samplesPerLevel ?? 10000, 20);
  const p0 = checkProbability('levelProbability', options.levelProbability ?? 0.1, 'e.g. 0.1');
  if (p0 > 0.5) throw new CellspreadInputError('levelProbability', 'must be <= 0.5', p0, 'typical values are 0.1 to 0.3');
  const maxLevels = checkPositiveInteger('maxLevels', options.maxLevels ?? 20, 1);
  const nc = Math.max(1, Math.round(N * p0)); // chains (seeds) per level
  const ns = Math.max(2, Math.floor(N / nc)); // states per chain
  const nl = nc * ns; // samples per level
  const lim = sign * limit;
  const evaluate = makeEvaluator(model, dim, batchSize, sign, maxEvaluations);

  // Level 0: plain Monte Carlo, stored as state[t * nc + c].
  let z = new Float64Array(nl * dim);
  for (let i = 0; i < nl; i++) {
    const rng = new Rng(seed, 0, 0, i);
    for (let j = 0; j < dim; j++) z[i * dim + j] = rng.normal();
  }
  let g = await evaluate(z, nl);
  const best = { norm: Infinity, point: [] as number[] };
  const levels: RareEventLevel[] = [];
  let logP = 0;
  let cov2 = 0;
  let covSum = 0;
  let lambda = 0.6;
  let prevB = -Infinity;
  for (let level = 0; ; level++) {
    // Threshold for the next level: the (1 - p0) quantile of g.
    const order = Array.from({ length: nl }, (_, i) => i).sort((a, b) => g[b] - g[a]);
    const b = 0.5 * (g[order[nc - 1]] + g[order[nc]]);
    const independent = level === 0;
    if (b >= lim) {
      // Final level: fraction of the current samples beyond the limit.
      const ind = new Uint8Array(nl);
      let count = 0;
      for (let i = 0; i < nl; i++) if (g[i] > lim) (ind[i] = 1), count++;
      const pf = count / nl;
      const gamma = independent ? 0 : chainGamma(ind, nc, ns, pf);
      const d2 = pf > 0 ? ((1 - pf) / (nl * pf)) * (1 + gamma) : Infinity;
      cov2 += d2;
      covSum += Math.sqrt(d2);
      logP += Math.log(pf);
      levels.push({ threshold: limit, probability: pf });
      designPointOf(z, g, dim, lim, best);
      break;
    }
    if (level + 1 >= maxLevels) {
      throw new CellspreadInputError(
        'limit',
        `was not reached after ${maxLevels} subset levels`,
        limit,
        `the last level reached ${fmt(sign * b)} at probability ~${fmt(Math.exp(logP) * p0)}; check the tail direction (${tail}) and the limit, or raise maxLevels`,
      );
    }
    if (!(b > prevB) || !Number.isFinite(b) || !(g[order[0]] > b)) {
      throw new CellspreadInputError(
        'limit',
        'is not approached by the model output',
        limit,
        `the output stopped moving towards it at ${fmt(sign * b)}; the limit may be unreachable (probability 0) or the output saturates; check the tail direction (${tail})`,
      );
    }
    prevB = b;
    // Seeds: the nc samples beyond b.
    const seeds: number[] = [];
    for (let i = 0; i < nl; i++) if (g[i] > b) seeds.push(i);
    const pj = seeds.length / nl;
    const ind = new Uint8Array(nl);
    for (const i of seeds) ind[i] = 1;
    const gamma = independent ? 0 : chainGamma(ind, nc, ns, pj);
    const d2 = ((1 - pj) / (nl * pj)) * (1 + gamma);
    cov2 += d2;
    covSum += Math.sqrt(d2);
    logP += Math.log(pj);
    designPointOf(z, g, dim, lim, best);
    // Seed spread per component, for the proposal scale.
    const sd = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      let m = 0;
      let s2 = 0;
      for (const i of seeds) m += z[i * dim + j];
      m /= seeds.length;
      for (const i of seeds) s2 += (z[i * dim + j] - m) ** 2;
      sd[j] = seeds.length > 1 ? Math.sqrt(s2 / (seeds.length - 1)) : 1;
    }
    // Run nc chains for ns states each, in parallel. Ties at the threshold (repeated states of rejected moves) can
    // leave fewer than nc seeds: chains then cycle through the seeds, with independent proposals.
    const chains = nc;
    const nz = new Float64Array(chains * ns * dim);
    const ng = new Float64Array(chains * ns);
    for (let c = 0; c < chains; c++) {
      const sIdx = seeds[c % seeds.length];
      nz.set(z.subarray(sIdx * dim, (sIdx + 1) * dim), c * dim);
      ng[c] = g[sIdx];
    }
    let accepted = 0;
    const prop = new Float64Array(chains * dim);
    for (let t = 1; t < ns; t++) {
      const rho = new Float64Array(dim);
      const sig = new Float64Array(dim);
      for (let j = 0; j < dim; j++) {
        sig[j] = Math.min(1, lambda * sd[j]);
        rho[j] = Math.sqrt(1 - sig[j] * sig[j]);
      }
      for (let c = 0; c < chains; c++) {
        const rng = new Rng(seed, level + 1, t, c);
        const base = ((t - 1) * chains + c) * dim;
        for (let j = 0; j < dim; j++) prop[c * dim + j] = rho[j] * nz[base + j] + sig[j] * rng.normal();
      }
      const gp = await evaluate(prop, chains);
      let acc = 0;
      for (let c = 0; c < chains; c++) {
        const dst = (t * chains + c) * dim;
        if (gp[c] > b) {
          nz.set(prop.subarray(c * dim, (c + 1) * dim), dst);
          ng[t * chains + c] = gp[c];
          acc++;
        } else {
          nz.copyWithin(dst, ((t - 1) * chains + c) * dim, ((t - 1) * chains + c + 1) * dim);
          ng[t * chains + c] = ng[(t - 1) * chains + c];
        }
      }
      accepted += acc;
      // Adapt the proposal scale towards 44 % acceptance (Papaioannou et al. 2015).
      lambda = Math.min(10, Math.max(1e-3, Math.exp(Math.log(lambda) + (acc / chains - 0.44) / Math.sqrt(t))));
    }
    levels.push({ threshold: sign * b, probability: pj, acceptanceRate: accepted / (chains * (ns - 1)) });
    z = nz;
    g = ng;
  }
  const estimate = Math.exp(logP);
  const cov = Math.sqrt(cov2);
  return {
    method: 'subset-simulation',
    estimate,
    coefficientOfVariation: estimate > 0 ? cov : Infinity,
    coefficientOfVariationBound: estimate > 0 ? covSum : Infinity,
    ...interval(estimate, covSum, confidence),
    ...runFacts({ confidence, limit, tail, dim, seed }, evaluate, levels, best),
  };
}

// -----------------------------------------------------------------------------------------------------------------
// Cross-entropy importance sampling
// -----------------------------------------------------------------------------------------------------------------

export interface CrossEntropyOptions extends RareEventOptions {
  /** Samples per adaptation iteration (default 5000). */
  samplesPerIteration?: number;
  /** Samples of the final importance-sampling estimate (default 10000). */
  finalSamples?: number;
  /** Elite fraction rho (default 0.1): each iteration moves the level to the (1 - rho) output quantile. */
  eliteFraction?: number;
  /** Most adaptation iterations (default 20). */
  maxIterations?: number;
  /** Also adapt per-component standard deviations (default false: mean shift only, robust in high dimension). */
  adaptVariance?: boolean;
}

/**
 * Cross-entropy adaptive importance sampling with a Gaussian N(mu, diag(s^2)) family: each iteration moves the level
 * to the (1 - rho) quantile of the output and refits mu (and s) to the likelihood-ratio-weighted elite samples, until
 * the level reaches the limit; then a fresh importance sample gives the estimate and its coefficient of variation.
 * Suited to failure domains with one dominant region (one design point); use subset simulation otherwise.
 */
export async function crossEntropyImportanceSampling(model: BatchModel, options: CrossEntropyOptions): Promise<RareEventResult> {
  const { dim, limit, tail, seed, batchSize, confidence, maxEvaluations, sign } = commonChecks(model, options);
  const N = checkPositiveInteger('samplesPerIteration', options.samplesPerIteration ?? 5000, 20);
  const NF = checkPositiveInteger('finalSamples', options.finalSamples ?? 10000, 20);
  const rho = checkProbability('eliteFraction', options.eliteFraction ?? 0.1, 'e.g. 0.1');
  const maxIt = checkPositiveInteger('maxIterations', options.maxIterations ?? 20, 1);
  const adaptVariance = options.adaptVariance ?? false;
  const lim = sign * limit;
  const evaluate = makeEvaluator(model, dim, batchSize, sign, maxEvaluations);
  let mu = new Float64Array(dim);
  let sd = new Float64Array(dim).fill(1);
  const levels: RareEventLevel[] = [];
  const best = { norm: Infinity, point: [] as number[] };

  const draw = (count: number, stream: number) => {
    const z = new Float64Array(count * dim);
    const logw = new Float64Array(count); // log phi(z) - log h(z)
    let logDet = 0;
    for (let j = 0; j < dim; j++) logDet += Math.log(sd[j]);
    for (let i = 0; i < count; i++) {
      const rng = new Rng(seed, stream, i);
      let lw = logDet;
      for (let j = 0; j < dim; j++) {
        const e = rng.normal();
        const v = mu[j] + sd[j] * e;
        z[i * dim + j] = v;
        lw += 0.5 * e * e - 0.5 * v * v;
      }
      logw[i] = lw;
    }
    return { z, logw };
  };

  let prevLevel = -Infinity;
  let reached = false;
  for (let it = 0; it < maxIt; it++) {
    const { z, logw } = draw(N, it + 1);
    const g = await evaluate(z, N);
    designPointOf(z, g, dim, lim, best);
    const sorted = Float64Array.from(g).sort();
    const q = sorted[Math.min(N - 1, Math.floor((1 - rho) * N))];
    const level = Math.min(q, lim);
    if (!(level > prevLevel) && level < lim) {
      throw new CellspreadInputError('limit', 'is not approached by the model output', limit, `the elite level stalled at ${fmt(sign * level)}; the limit may be unreachable, or the failure region too complex for one Gaussian (try subsetSimulation)`);
    }
    prevLevel = level;
    let elite = 0;
    for (let i = 0; i < N; i++) if (g[i] >= level) elite++;
    levels.push({ threshold: sign * level, probability: elite / N });
    // Weighted refit (log-sum-exp for stability).
    let maxLw = -Infinity;
    for (let i = 0; i < N; i++) if (g[i] >= level && logw[i] > maxLw) maxLw = logw[i];
    const newMu = new Float64Array(dim);
    let sw = 0;
    const w = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      if (g[i] < level) continue;
      w[i] = Math.exp(logw[i] - maxLw);
      sw += w[i];
      for (let j = 0; j < dim; j++) newMu[j] += w[i] * z[i * dim + j];
    }
    for (let j = 0; j < dim; j++) newMu[j] /= sw;
    if (adaptVariance) {
      const newSd = new Float64Array(dim);
      for (let i = 0; i < N; i++) {
        if (!w[i]) continue;
        for (let j = 0; j < dim; j++) newSd[j] += w[i] * (z[i * dim + j] - newMu[j]) ** 2;
      }
      for (let j = 0; j < dim; j++) newSd[j] = Math.max(0.05, Math.sqrt(newSd[j] / sw));
      sd = newSd;
    }
    mu = newMu;
    if (level >= lim) {
      reached = true;
      break;
    }
  }
  if (!reached) {
    throw new CellspreadInputError('limit', `was not reached after ${maxIt} cross-entropy iterations`, limit, `the level got to ${fmt(sign * prevLevel)}; check the tail direction (${tail}), raise maxIterations, or use subsetSimulation`);
  }
  // Final importance sample.
  const { z, logw } = draw(NF, 1_000_000);
  const g = await evaluate(z, NF);
  designPointOf(z, g, dim, lim, best);
  let s = 0;
  let s2 = 0;
  let hits = 0;
  for (let i = 0; i < NF; i++) {
    if (!(g[i] > lim)) continue;
    const w = Math.exp(logw[i]);
    s += w;
    s2 += w * w;
    hits++;
  }
  const estimate = s / NF;
  const variance = Math.max(0, s2 / NF - estimate * estimate) / NF;
  const cov = estimate > 0 ? Math.sqrt(variance) / estimate : Infinity;
  if (hits === 0) {
    throw new CellspreadInputError('finalSamples', 'produced no failure sample', NF, 'the importance density missed the failure region; raise samplesPerIteration or use subsetSimulation');
  }
  return {
    method: 'cross-entropy',
    estimate,
    coefficientOfVariation: cov,
    coefficientOfVariationBound: cov,
    ...interval(estimate, cov, confidence),
    ...runFacts({ confidence, limit, tail, dim, seed }, evaluate, levels, best),
  };
}
