/**
 * Shapley effects (Owen 2014; Song, Nelson & Staum 2016) for dependent inputs, with groups as players.
 *
 * Cost function (Song et al.'s choice, which makes the inner-loop estimator unbiased with few inner samples):
 *   c(J) = E[ Var(Y | X_-J) ],  c(empty) = 0,  c(all) = Var(Y).
 * Shapley effect of player i: Sh_i = sum_{J not containing i} |J|! (K-|J|-1)! / K! (c(J u {i}) - c(J)), and
 * sum_i Sh_i = Var(Y); `effects` are Sh_i / Var(Y), summing to 1.
 *
 * Estimation of c(J): N_O outer samples of X_-J from its (joint) marginal, for each N_I inner samples of X_J from the
 * conditional law X_J | X_-J, and the average over outer samples of the inner sample variance (ddof 1).
 * Conditional sampling is exact for the Gaussian copula: in normal-score space z ~ N(0, R),
 *   z_J | z_-J ~ N(R_J,-J R_-J,-J^-1 z_-J, R_JJ - R_J,-J R_-J,-J^-1 R_-J,J),
 * computed per connected component of the correlation graph (inputs independent of J drop out) and cached.
 *
 * Methods:
 *  - 'exact' (default when K <= exactMaxPlayers = 4): every one of the 2^K - 2 proper non-empty subsets is estimated
 *    once, independently, and the Shapley formula is applied (Song et al.'s "exact permutation" method). With V^ the
 *    variance estimate (N_V independent samples), Sh_i = V^/K + T_i where T_i combines the independent proper-subset
 *    costs (Var(c^(J)) = var(s^2_l) / N_O), and effect_i = Sh_i / V^. The delta method gives
 *    Var(effect_i) = (Var(T_i) + (1/K - effect_i)^2 Var(V^)) / V^2, Var(V^) from the fourth moment: V^ enters the
 *    numerator with weight 1/K and the denominator in full, so most of its error cancels in the ratio.
 *  - 'random' (default when K > 4): M random permutations (Song et al. Algorithm 1 / Castro et al. 2009). For each
 *    permutation pi and each j < K, c({pi_1..pi_j}) is estimated (N_O = 1, N_I = 3 by default), the increment is
 *    credited to pi_j, and c of the full set is the variance estimate, so each permutation's increments sum to
 *    Var^(Y) and the effects sum to 1 exactly. Within a permutation the same outer sample and the same inner
 *    normal draws are reused along the chain (common random numbers): each c(J) stays unbiased, while successive
 *    increments become strongly positively correlated, which cuts the variance of the increments. Standard error:
 *    the delta method for the ratio mean(increments of i) / mean(variance estimates) over the M i.i.d. permutations.
 * Both standard errors include the error of the estimated Var(Y) (it is not treated as known); they are Monte Carlo
 * errors of the estimator, checked for nominal coverage over many seeds (test/sensitivity/shapley-coverage.test.ts).
 */
import { CellspreadInputError } from '../errors.ts';
import { Rng, normalQuantile } from '../random/rng.ts';
import { cholesky, fromNormalScore, resolveInputs } from './inputs.ts';
import type { ResolvedInputs, SensitivityInputs } from './inputs.ts';
import { runDesign } from './model.ts';
import type { Design, DesignBatch, SensitivityModel, SyncSensitivityModel } from './model.ts';
import { checkLevel, checkPositiveInteger, checkSeed } from './sobol-indices.ts';

export interface ShapleyOptions<M extends SensitivityModel = SensitivityModel> {
  readonly inputs: SensitivityInputs;
  readonly model: M;
  /** Seed (non-negative safe integer, default 0). */
  readonly seed?: number;
  /** 'auto' (default): 'exact' when the number of players K <= exactMaxPlayers, else 'random'. */
  readonly method?: 'auto' | 'exact' | 'random';
  /** Largest K for which 'auto' picks the exact method (default 4). */
  readonly exactMaxPlayers?: number;
  /** Samples for Var(Y) (default 20000). */
  readonly nVariance?: number;
  /** Outer samples per cost estimate (default 20000 for 'exact', 1 for 'random'). */
  readonly nOuter?: number;
  /** Inner (conditional) samples per outer sample (default 3). */
  readonly nInner?: number;
  /** Random permutations for 'random' (default 2000). */
  readonly nPermutations?: number;
  /** Rows per model call (default: about 4M doubles per batch, at least nInner). */
  readonly batchSize?: number;
  /** Level of the normal-approximation intervals effect +- z * SE (default 0.95). */
  readonly confidenceLevel?: number;
}

export interface ShapleyResult {
  /** Player (group) names. */
  readonly names: string[];
  readonly groups: number[][];
  /** Shapley effects Sh_i / Var(Y), summing to 1. */
  readonly effects: number[];
  /** Standard errors of the effects (Monte Carlo; the error of the estimated Var(Y) included, delta method). */
  readonly standardErrors: number[];
  /** effect +- z * SE. */
  readonly effectsCI: [number, number][];
  readonly confidenceLevel: number;
  /** Unnormalised effects Sh_i (variance units), summing to `variance`. */
  readonly shapleyValues: number[];
  readonly variance: number;
  readonly mean: number;
  readonly method: 'exact' | 'random';
  readonly nVariance: number;
  readonly nOuter: number;
  readonly nInner: number;
  /** Permutations used ('random'), or K! implied by the exact formula. */
  readonly nPermutations: number;
  /** Model runs. */
  readonly evaluations: number;
  readonly modelCalls: number;
}

const VAR_KEY = 0x5a01;
const PERM_KEY = 0x5a02;
const EXACT_KEY = 0x5a04;
const BATCH_DOUBLES = 1 << 22;

/** Samples z_F | z_rest for one component: z_f = B z_fixed + L eps_f. */
interface ComponentSampler {
  free: number[];
  fixed: number[];
  b: Float64Array | null; // |free| x |fixed|
  l: Float64Array; // |free| x |free| lower
}

class ConditionalSampler {
  private cache = new Map<string, ComponentSampler | null>();
  private readonly compOf: Int32Array;
  private readonly inp: ResolvedInputs;
  constructor(inp: ResolvedInputs) {
    this.inp = inp;
    this.compOf = new Int32Array(inp.dimension);
    inp.components.forEach((c, ci) => c.forEach((i) => (this.compOf[i] = ci)));
  }

  /** Plan for free input set (sorted indices): list of samplers for the correlated components touched. */
  plan(free: readonly number[]): ComponentSampler[] {
    const inp = this.inp;
    const byComp = new Map<number, number[]>();
    for (const i of free) {
      const c = this.compOf[i];
      if (inp.componentCholesky[c] === null) continue;
      let a = byComp.get(c);
      if (!a) byComp.set(c, (a = []));
      a.push(i);
    }
    const out: ComponentSampler[] = [];
    for (const [c, f] of byComp) {
      const key = `${c}:${f.join(',')}`;
      let s = this.cache.get(key);
      if (s === undefined) {
        s = this.build(c, f);
        this.cache.set(key, s);
      }
      if (s) out.push(s);
    }
    return out;
  }

  private build(c: number, free: number[]): ComponentSampler {
    const inp = this.inp;
    const D = inp.dimension;
    const R = inp.correlation!;
    const comp = inp.components[c];
    const inFree = new Set(free);
    const fixed = comp.filter((i) => !inFree.has(i));
    const nf = free.length;
    const nk = fixed.length;
    const cov = new Float64Array(nf * nf);
    for (let a = 0; a < nf; a++) for (let b = 0; b < nf; b++) cov[a * nf + b] = R[free[a] * D + free[b]];
    let bm: Float64Array | null = null;
    if (nk > 0) {
      const rkk = new Float64Array(nk * nk);
      for (let a = 0; a < nk; a++) for (let b = 0; b < nk; b++) rkk[a * nk + b] = R[fixed[a] * D + fixed[b]];
      const ch = cholesky(rkk, nk);
      if (!('l' in ch)) throw new Error('internal: correlation sub-block not positive definite');
      const lk = ch.l;
      // B = R_fk R_kk^-1: solve R_kk B' = R_kf, column by column of R_kf (one per free input).
      bm = new Float64Array(nf * nk);
      const t = new Float64Array(nk);
      for (let a = 0; a < nf; a++) {
        for (let x = 0; x < nk; x++) {
          let s = R[fixed[x] * D + free[a]];
          for (let y = 0; y < x; y++) s -= lk[x * nk + y] * t[y];
          t[x] = s / lk[x * nk + x];
        }
        for (let x = nk - 1; x >= 0; x--) {
          let s = t[x];
          for (let y = x + 1; y < nk; y++) s -= lk[y * nk + x] * bm[a * nk + y];
          bm[a * nk + x] = s / lk[x * nk + x];
        }
      }
      for (let a = 0; a < nf; a++) {
        for (let b = 0; b < nf; b++) {
          let s = 0;
          for (let x = 0; x < nk; x++) s += bm[a * nk + x] * R[fixed[x] * D + free[b]];
          cov[a * nf + b] -= s;
        }
      }
    }
    const ch = cholesky(cov, nf);
    if (!('l' in ch)) throw new Error('internal: conditional covariance not positive definite');
    return { free, fixed, b: bm, l: ch.l };
  }
}

/** Draw a full normal-score vector z ~ N(0, R): iid normals then L per component. */
function drawJoint(inp: ResolvedInputs, rng: Rng, z: Float64Array): void {
  for (let i = 0; i < z.length; i++) z[i] = rng.normal();
  const comps = inp.components;
  for (let c = 0; c < comps.length; c++) {
    const l = inp.componentCholesky[c];
    if (!l) continue;
    const comp = comps[c];
    const n = comp.length;
    for (let a = n - 1; a >= 0; a--) {
      let s = 0;
      for (let k = 0; k <= a; k++) s += l[a * n + k] * z[comp[k]];
      z[comp[a]] = s;
    }
  }
}

/** Row batcher: rows come in groups (one outer sample's inner rows) that are never split across model calls. */
class Batcher {
  readonly data: Float64Array;
  count = 0;
  firstRow = 0;
  readonly groupAcc: number[] = [];
  readonly groupOuter: number[] = [];
  readonly groupSize: number[] = [];
  constructor(
    readonly capacity: number,
    readonly D: number,
    readonly label: (acc: number, outer: number) => string,
  ) {
    this.data = new Float64Array(capacity * D);
  }
  push(acc: number, outer: number, size: number): void {
    this.count += size;
    this.groupAcc.push(acc);
    this.groupOuter.push(outer);
    this.groupSize.push(size);
  }
  batch(): DesignBatch {
    const acc = this.groupAcc.slice();
    const outer = this.groupOuter.slice();
    const size = this.groupSize.slice();
    return {
      data: this.data,
      count: this.count,
      firstRow: this.firstRow,
      describe: (k: number) => {
        let g = 0;
        let start = 0;
        while (g + 1 < size.length && start + size[g] <= k) start += size[g++];
        return `${this.label(acc[g], outer[g])}${size[g] > 1 ? `, inner row ${k - start}` : ''}`;
      },
    };
  }
}

function* flush(b: Batcher, onGroup: (acc: number, y: Float64Array) => void, calls: { n: number }): Generator<DesignBatch, void, Float64Array> {
  if (b.count === 0) return;
  const y = yield b.batch();
  calls.n++;
  let off = 0;
  for (let g = 0; g < b.groupAcc.length; g++) {
    onGroup(b.groupAcc[g], y.subarray(off, off + b.groupSize[g]));
    off += b.groupSize[g];
  }
  b.firstRow += b.count;
  b.count = 0;
  b.groupAcc.length = 0;
  b.groupOuter.length = 0;
  b.groupSize.length = 0;
}

function sampleVariance(y: Float64Array): number {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (y[i] - m) ** 2;
  return s / (n - 1);
}

interface Settings {
  method: 'exact' | 'random';
  nV: number;
  nO: number;
  nI: number;
  M: number;
  batchSize: number;
  level: number;
  seed: number;
}

function* shapleyDesign(inp: ResolvedInputs, st: Settings): Design<ShapleyResult> {
  const D = inp.dimension;
  const K = inp.groups.length;
  const { nO, nI, seed } = st;
  const exact = st.method === 'exact';
  const nV = exact ? st.nV : 0;
  const M = st.M;
  const full = (1 << Math.min(K, 30)) - 1;
  const playerNames = (mask: number) => inp.groupNames.filter((_, g) => mask & (1 << g)).join(', ');
  const perms = exact ? null : new Int32Array(M * K);
  const label = (acc: number, outer: number) => {
    if (acc < 0) return `variance sample ${outer}`;
    if (exact) return `cost sample for subset {${playerNames(acc)}}, outer sample ${outer}`;
    const m = Math.floor(acc / K);
    const j = (acc % K) + 1;
    const players = Array.from(perms!.subarray(m * K, m * K + j), (g) => inp.groupNames[g]);
    return `permutation ${m} step ${j} (subset {${players.join(', ')}}), outer sample ${outer}`;
  };
  const batcher = new Batcher(st.batchSize, D, label);
  const calls = { n: 0 };
  const sampler = new ConditionalSampler(inp);
  const ms = inp.marginals;
  const indep = inp.correlation === null;

  // Cost accumulators: exact: one per subset mask; random: one per (permutation, step), step K = all players.
  const nAcc = exact ? 1 << K : M * K;
  const accSum = new Float64Array(nAcc);
  const accSq = new Float64Array(nAcc);
  const yV = new Float64Array(nV);
  let vCount = 0;
  let fullSum = 0; // random: sum of outputs at step K (iid draws of Y), for the mean
  let fullCount = 0;
  const onGroup = (acc: number, y: Float64Array) => {
    if (acc < 0) {
      yV[vCount++] = y[0];
      return;
    }
    const s2 = sampleVariance(y);
    accSum[acc] += s2;
    accSq[acc] += s2 * s2;
    if (!exact && acc % K === K - 1) {
      for (let h = 0; h < y.length; h++) fullSum += y[h];
      fullCount += y.length;
    }
  };

  // Stage 1 (exact only): Var(Y) from nV independent samples.
  const zOuter = new Float64Array(D);
  const vRng = new Rng(seed, VAR_KEY);
  for (let r = 0; r < nV; r++) {
    if (batcher.count + 1 > batcher.capacity) yield* flush(batcher, onGroup, calls);
    drawJoint(inp, vRng, zOuter);
    const o = batcher.count * D;
    for (let i = 0; i < D; i++) batcher.data[o + i] = fromNormalScore(ms[i], zOuter[i]);
    batcher.push(-1, r, 1);
  }

  // Per outer sample: z_outer ~ N(0, R) (its -J part is the outer draw), eps = nI x D standard normals driving the
  // inner (conditional) draws, xInner = eps mapped through the marginals (used for independent inputs).
  const xOuter = new Float64Array(D);
  const eps = new Float64Array(nI * D);
  const xInner = new Float64Array(nI * D);
  const cur = new Float64Array(nI * D); // current inner rows (independent inputs only)
  const zRow = new Float64Array(D);
  const drawOuter = (rng: Rng) => {
    drawJoint(inp, rng, zOuter);
    for (let i = 0; i < D; i++) xOuter[i] = fromNormalScore(ms[i], zOuter[i]);
    for (let k = 0; k < nI * D; k++) {
      eps[k] = rng.normal();
      xInner[k] = fromNormalScore(ms[k % D], eps[k]);
    }
    for (let h = 0; h < nI; h++) for (let i = 0; i < D; i++) cur[h * D + i] = xOuter[i];
  };
  const freeIndependent = (g: number) => {
    for (const i of inp.groups[g]) for (let h = 0; h < nI; h++) cur[h * D + i] = xInner[h * D + i];
  };
  /** Write the nI inner rows: cur, then the correlated free inputs drawn from their conditional law. */
  const writeRows = (plans: readonly ComponentSampler[]) => {
    const data = batcher.data;
    for (let h = 0; h < nI; h++) {
      const o = (batcher.count + h) * D;
      if (D >= 64) data.set(cur.subarray(h * D, (h + 1) * D), o);
      else for (let i = 0; i < D; i++) data[o + i] = cur[h * D + i];
      const e = h * D;
      for (const p of plans) {
        const nf = p.free.length;
        const nk = p.fixed.length;
        for (let a = 0; a < nf; a++) {
          let s = 0;
          if (p.b) for (let x = 0; x < nk; x++) s += p.b[a * nk + x] * zOuter[p.fixed[x]];
          for (let c = 0; c <= a; c++) s += p.l[a * nf + c] * eps[e + p.free[c]];
          zRow[a] = s;
        }
        for (let a = 0; a < nf; a++) data[o + p.free[a]] = fromNormalScore(ms[p.free[a]], zRow[a]);
      }
    }
  };
  const sortedFree = (players: Iterable<number>) => {
    const f: number[] = [];
    for (const g of players) for (const i of inp.groups[g]) f.push(i);
    return f.sort((a, b) => a - b);
  };
  const noPlans: ComponentSampler[] = [];

  if (exact) {
    for (let mask = 1; mask < full; mask++) {
      const players: number[] = [];
      for (let g = 0; g < K; g++) if (mask & (1 << g)) players.push(g);
      const plans = indep ? noPlans : sampler.plan(sortedFree(players));
      const rng = new Rng(seed, EXACT_KEY, mask); // one stream per subset, drawn in outer-sample order
      for (let l = 0; l < nO; l++) {
        if (batcher.count + nI > batcher.capacity) yield* flush(batcher, onGroup, calls);
        drawOuter(rng);
        for (const g of players) freeIndependent(g);
        writeRows(plans);
        batcher.push(mask, l, nI);
      }
    }
  } else {
    const perm = new Int32Array(K);
    for (let m = 0; m < M; m++) {
      const prng = new Rng(seed, PERM_KEY, m); // the permutation, then its outer and inner draws
      for (let g = 0; g < K; g++) perm[g] = g;
      for (let g = K - 1; g > 0; g--) {
        const r = prng.integer(g + 1);
        const t = perm[g];
        perm[g] = perm[r];
        perm[r] = t;
      }
      perms!.set(perm, m * K);
      for (let l = 0; l < nO; l++) {
        // Common random numbers along the chain: one outer draw and one set of inner normals per (m, l).
        if (batcher.count + nI * K > batcher.capacity && batcher.count > 0) yield* flush(batcher, onGroup, calls);
        drawOuter(prng);
        for (let j = 1; j <= K; j++) {
          if (batcher.count + nI > batcher.capacity) yield* flush(batcher, onGroup, calls);
          freeIndependent(perm[j - 1]);
          const plans = indep ? noPlans : sampler.plan(sortedFree(perm.subarray(0, j)));
          writeRows(plans);
          batcher.push(m * K + (j - 1), l, nI);
        }
      }
    }
  }
  yield* flush(batcher, onGroup, calls);

  const sh = new Float64Array(K);
  const se = new Float64Array(K);
  let v: number;
  let mean: number;
  let nPerm: number;
  if (exact) {
    mean = 0;
    for (let r = 0; r < nV; r++) mean += yV[r];
    mean /= nV;
    v = 0;
    let m4 = 0;
    for (let r = 0; r < nV; r++) {
      const d = (yV[r] - mean) ** 2;
      v += d;
      m4 += d * d;
    }
    m4 /= nV;
    v /= nV - 1;
    if (!(v > 0)) throw new CellspreadInputError('model output', 'must vary over the input distribution (Var(Y) > 0)', v);
    const cHat = new Float64Array(1 << K);
    const cVar = new Float64Array(1 << K);
    for (let mask = 1; mask < full; mask++) {
      cHat[mask] = accSum[mask] / nO;
      const ms2 = accSq[mask] / nO - cHat[mask] ** 2;
      cVar[mask] = nO > 1 ? Math.max(0, ms2) / (nO - 1) : 0;
    }
    cHat[full] = v;
    cVar[full] = Math.max(0, m4 - v * v) / nV;
    const fact = [1];
    for (let i = 1; i <= K; i++) fact.push(fact[i - 1] * i);
    const w = (s: number) => (fact[s] * fact[K - s - 1]) / fact[K];
    for (let i = 0; i < K; i++) {
      // Sh_i = V/K + T_i with T_i the combination of the independent proper-subset costs; effect_i = Sh_i / V, so
      // d effect_i / dV = (1/K - effect_i) / V: the V^ that enters with weight 1/K largely cancels in the ratio.
      let t = 0;
      let varT = 0;
      for (let mask = 1; mask < full; mask++) {
        let size = 0;
        for (let u = mask; u; u &= u - 1) size++;
        const coef = mask & (1 << i) ? w(size - 1) : -w(size);
        t += coef * cHat[mask];
        varT += coef * coef * cVar[mask];
      }
      sh[i] = v / K + t;
      const e = sh[i] / v;
      // se[] is in variance units (x V), like sh[]: the effect's standard error is se[i] / V.
      se[i] = Math.sqrt(varT + (1 / K - e) ** 2 * cVar[full]);
    }
    nPerm = fact[K];
  } else {
    // Per permutation: increments d_g (sum over g = c_K, that permutation's variance estimate).
    const d = new Float64Array(M * K);
    const cK = new Float64Array(M);
    for (let m = 0; m < M; m++) {
      let prev = 0;
      for (let j = 1; j <= K; j++) {
        const c = accSum[m * K + (j - 1)] / nO;
        d[m * K + perms![m * K + j - 1]] = c - prev;
        prev = c;
      }
      cK[m] = prev;
    }
    v = 0;
    for (let m = 0; m < M; m++) v += cK[m];
    v /= M;
    mean = fullSum / fullCount;
    if (!(v > 0)) throw new CellspreadInputError('model output', 'must vary over the input distribution (Var(Y) > 0)', v);
    for (let g = 0; g < K; g++) {
      let s = 0;
      for (let m = 0; m < M; m++) s += d[m * K + g];
      sh[g] = s / M;
      // Ratio estimator effect = mean(d_g) / mean(c_K): delta-method standard error (in variance units x v).
      const e = sh[g] / v;
      let ss = 0;
      for (let m = 0; m < M; m++) ss += (d[m * K + g] - e * cK[m]) ** 2;
      se[g] = Math.sqrt(ss / (M - 1) / M);
    }
    nPerm = M;
  }
  const zq = normalQuantile(0.5 + st.level / 2);
  const effects = Array.from(sh, (s) => s / v);
  const standardErrors = Array.from(se, (s) => s / v);
  const evaluations = nV + (exact ? (full - 1) * nO * nI : M * nO * K * nI);
  return {
    names: [...inp.groupNames],
    groups: inp.groups.map((g) => [...g]),
    effects,
    standardErrors,
    effectsCI: effects.map((e, i) => [e - zq * standardErrors[i], e + zq * standardErrors[i]] as [number, number]),
    confidenceLevel: st.level,
    shapleyValues: Array.from(sh),
    variance: v,
    mean,
    method: st.method,
    nVariance: nV,
    nOuter: nO,
    nInner: nI,
    nPermutations: nPerm,
    evaluations,
    modelCalls: calls.n,
  };
}

/**
 * Shapley effects of each group (each input when ungrouped), normalised to sum to 1.
 * Returns the result directly for a synchronous model, a Promise for an asynchronous one.
 */
export function shapley(options: ShapleyOptions<SyncSensitivityModel>): ShapleyResult;
export function shapley(options: ShapleyOptions): ShapleyResult | Promise<ShapleyResult>;
export function shapley(options: ShapleyOptions): ShapleyResult | Promise<ShapleyResult> {
  if (options === null || typeof options !== 'object') throw new CellspreadInputError('options', 'must be an object', options);
  const inp = resolveInputs(options.inputs);
  const K = inp.groups.length;
  const seed = checkSeed(options.seed);
  const exactMax = options.exactMaxPlayers === undefined ? 4 : checkPositiveInteger(options.exactMaxPlayers, 'exactMaxPlayers');
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'random') {
    throw new CellspreadInputError('method', 'must be "auto", "exact" or "random"', requested);
  }
  const method = requested === 'auto' ? (K <= exactMax ? 'exact' : 'random') : requested;
  if (method === 'exact' && K > 16) {
    throw new CellspreadInputError('method', `must not be "exact" for ${K} players (2^K cost estimates); use "random"`, method);
  }
  const nV = options.nVariance === undefined ? 20000 : checkPositiveInteger(options.nVariance, 'nVariance', 2);
  const nO = options.nOuter === undefined ? (method === 'exact' ? 20000 : 1) : checkPositiveInteger(options.nOuter, 'nOuter');
  const nI = options.nInner === undefined ? 3 : checkPositiveInteger(options.nInner, 'nInner', 2);
  const M = options.nPermutations === undefined ? 2000 : checkPositiveInteger(options.nPermutations, 'nPermutations', 2);
  const level = checkLevel(options.confidenceLevel);
  const D = inp.dimension;
  const minBatch = method === 'random' ? nI * K : nI;
  let batchSize = options.batchSize === undefined ? Math.max(minBatch, Math.floor(BATCH_DOUBLES / D)) : checkPositiveInteger(options.batchSize, 'batchSize');
  if (batchSize < nI) throw new CellspreadInputError('batchSize', `must be >= nInner (${nI})`, batchSize);
  batchSize = Math.max(batchSize, nI);
  return runDesign(shapleyDesign(inp, { method, nV, nO, nI, M, batchSize, level, seed }), options.model, D);
}
