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
import { sampleVariance } from '../math/moments.ts';
import { Rng } from '../random/rng.ts';
import { normalCritical } from '../stats/index.ts';
import { cholesky } from '../math/cholesky.ts';
import { correlateInPlace, fromNormalScore, resolveInputs } from './inputs.ts';
import type { ResolvedInputs, SensitivityInputs } from './inputs.ts';
import { checkDesignOutputs, checkRowRange, evaluateDesign, thenApply } from './model.ts';
import type { RowDesign, SensitivityModel, SyncSensitivityModel } from './model.ts';
import { checkLevel, checkOptions, checkPositiveInteger, checkSeed, defaultBatchRows } from './checks.ts';

export interface ShapleyDesignOptions {
  readonly inputs: SensitivityInputs;
  /** Seed (non-negative safe integer, default 0). */
  readonly seed?: number;
  /** 'auto' (default): 'exact' when the number of players K <= exactMaxPlayers, else 'random'. */
  readonly method?: 'auto' | 'exact' | 'random';
  /** Largest K for which 'auto' picks the exact method (default 4). */
  readonly exactMaxPlayers?: number;
  /** Samples for Var(Y), exact method (default 20000). */
  readonly nVariance?: number;
  /** Outer samples per cost estimate (default 20000 for 'exact', 1 for 'random'). */
  readonly nOuter?: number;
  /** Inner (conditional) samples per outer sample (default 3). */
  readonly nInner?: number;
  /** Random permutations for 'random' (default 2000). */
  readonly nPermutations?: number;
}

export interface ShapleyAnalysisOptions {
  /** Level of the normal-approximation intervals effect +- z * SE (default 0.95). */
  readonly confidenceLevel?: number;
}

export interface ShapleyOptions<M extends SensitivityModel = SensitivityModel> extends ShapleyDesignOptions, ShapleyAnalysisOptions {
  readonly model: M;
  /** Rows per model call (default: about 4M doubles per batch, at least nInner). */
  readonly batchSize?: number;
}

/**
 * The rows of a Shapley estimate, addressed by index ("sample" of sample / evaluate / analyze).
 *  - exact: rows 0 .. N_V - 1 are independent draws of X (for Var(Y)); then, for each proper non-empty subset J of
 *    the players in bit-mask order (mask 1, 2, ..., 2^K - 2) and each outer sample l, N_I rows: X_-J from the outer
 *    draw, X_J from its conditional law. Outer sample (J, l) draws from Rng(seed, J, l), variance row r from
 *    Rng(seed, r).
 *  - random: for each permutation m (drawn from Rng(seed, m), which then drives its draws), each outer sample l and
 *    each step j = 1..K, N_I rows with the first j players of the permutation free.
 */
export interface ShapleyDesign extends RowDesign {
  readonly kind: 'shapley';
  /** The options the design was built from, validated (rebuild with shapleyDesign(options)). */
  readonly options: Required<ShapleyDesignOptions>;
  readonly method: 'exact' | 'random';
  /** Player (group) names. */
  readonly names: readonly string[];
  readonly groups: readonly (readonly number[])[];
  readonly seed: number;
  /** Variance rows (exact method; 0 for random). */
  readonly nVariance: number;
  readonly nOuter: number;
  readonly nInner: number;
  /** Permutations (random method; 0 for exact). */
  readonly nPermutations: number;
  /** Permutation m of the players (random method). */
  permutation(m: number): Int32Array;
  /** @internal resolved inputs. */
  readonly resolved: ResolvedInputs;
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
  /** Model calls, when shapley() ran the model (absent for analyzeShapley on given outputs). */
  readonly modelCalls?: number;
}

const VAR_KEY = 0x5a01;
const PERM_KEY = 0x5a02;
const EXACT_KEY = 0x5a04;

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
  correlateInPlace(inp, z);
}

function shuffledPlayers(rng: Rng, K: number): Int32Array {
  const perm = new Int32Array(K);
  for (let g = 0; g < K; g++) perm[g] = g;
  for (let g = K - 1; g > 0; g--) {
    const r = rng.integer(g + 1);
    const t = perm[g];
    perm[g] = perm[r];
    perm[r] = t;
  }
  return perm;
}

/**
 * Writes the rows of one design unit: a variance row, an exact-method outer sample (N_I rows), or a whole permutation
 * (K N_O N_I rows). Each unit draws from its own counter-keyed stream, so any unit can be generated alone.
 */
class UnitWriter {
  private readonly D: number;
  private readonly nI: number;
  private readonly sampler: ConditionalSampler;
  private readonly zOuter: Float64Array;
  private readonly xOuter: Float64Array;
  private readonly eps: Float64Array;
  private readonly xInner: Float64Array;
  private readonly cur: Float64Array;
  private readonly zRow: Float64Array;
  private readonly noPlans: ComponentSampler[] = [];

  constructor(private readonly inp: ResolvedInputs, nI: number) {
    const D = inp.dimension;
    this.D = D;
    this.nI = nI;
    this.sampler = new ConditionalSampler(inp);
    this.zOuter = new Float64Array(D);
    this.xOuter = new Float64Array(D);
    this.eps = new Float64Array(nI * D);
    this.xInner = new Float64Array(nI * D);
    this.cur = new Float64Array(nI * D);
    this.zRow = new Float64Array(D);
  }

  /** One independent draw of X into out[at * D ...]. */
  variance(rng: Rng, out: Float64Array, at: number): void {
    drawJoint(this.inp, rng, this.zOuter);
    for (let i = 0; i < this.D; i++) out[at * this.D + i] = fromNormalScore(this.inp, i, this.zOuter[i]);
  }

  /**
   * Per outer sample: z_outer ~ N(0, R) (its -J part is the outer draw), eps = N_I x D standard normals driving the
   * inner (conditional) draws, xInner = eps mapped through the marginals (used for independent inputs).
   */
  drawOuter(rng: Rng): void {
    const { D, nI, inp } = this;
    drawJoint(inp, rng, this.zOuter);
    for (let i = 0; i < D; i++) this.xOuter[i] = fromNormalScore(inp, i, this.zOuter[i]);
    for (let k = 0; k < nI * D; k++) {
      this.eps[k] = rng.normal();
      this.xInner[k] = fromNormalScore(inp, k % D, this.eps[k]);
    }
    for (let h = 0; h < nI; h++) this.cur.set(this.xOuter, h * D);
  }

  /** Make player g free in the current inner rows (its independent inputs take the inner draws). */
  free(g: number): void {
    const { D, nI } = this;
    for (const i of this.inp.groups[g]) for (let h = 0; h < nI; h++) this.cur[h * D + i] = this.xInner[h * D + i];
  }

  /** Write the N_I inner rows at out[at * D ...]: the current rows, then the correlated free inputs drawn from their conditional law. */
  write(players: ArrayLike<number>, out: Float64Array, at: number): void {
    const { D, nI, inp } = this;
    const plans = inp.correlation === null ? this.noPlans : this.sampler.plan(this.sortedFree(players));
    for (let h = 0; h < nI; h++) {
      const o = (at + h) * D;
      out.set(this.cur.subarray(h * D, (h + 1) * D), o);
      const e = h * D;
      for (const p of plans) {
        const nf = p.free.length;
        const nk = p.fixed.length;
        for (let a = 0; a < nf; a++) {
          let s = 0;
          if (p.b) for (let x = 0; x < nk; x++) s += p.b[a * nk + x] * this.zOuter[p.fixed[x]];
          for (let c = 0; c <= a; c++) s += p.l[a * nf + c] * this.eps[e + p.free[c]];
          this.zRow[a] = s;
        }
        for (let a = 0; a < nf; a++) out[o + p.free[a]] = fromNormalScore(inp, p.free[a], this.zRow[a]);
      }
    }
  }

  private sortedFree(players: ArrayLike<number>): number[] {
    const f: number[] = [];
    for (let k = 0; k < players.length; k++) for (const i of this.inp.groups[players[k]]) f.push(i);
    return f.sort((a, b) => a - b);
  }
}

/** Build the rows of a Shapley-effect estimate. Pure; rows on demand, the same whatever the blocks. */
export function shapleyDesign(options: ShapleyDesignOptions): ShapleyDesign {
  checkOptions(options);
  const inp = resolveInputs(options.inputs);
  const K = inp.groups.length;
  const D = inp.dimension;
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
  const exact = method === 'exact';
  const nVOption = options.nVariance === undefined ? 20000 : checkPositiveInteger(options.nVariance, 'nVariance', 2);
  const nO = options.nOuter === undefined ? (exact ? 20000 : 1) : checkPositiveInteger(options.nOuter, 'nOuter');
  const nI = options.nInner === undefined ? 3 : checkPositiveInteger(options.nInner, 'nInner', 2);
  const MOption = options.nPermutations === undefined ? 2000 : checkPositiveInteger(options.nPermutations, 'nPermutations', 2);
  const nV = exact ? nVOption : 0;
  const M = exact ? 0 : MOption;
  const full = (1 << Math.min(K, 30)) - 1;
  const permRows = K * nO * nI;
  const rowCount = exact ? nV + (full - 1) * nO * nI : M * permRows;
  const playersOf = (mask: number) => {
    const players: number[] = [];
    for (let g = 0; g < K; g++) if (mask & (1 << g)) players.push(g);
    return players;
  };
  const permutation = (m: number): Int32Array => {
    if (exact) throw new CellspreadInputError('permutation', 'exists only for the random method', m);
    return shuffledPlayers(new Rng(seed, PERM_KEY, m), K);
  };
  const names = (players: ArrayLike<number>) => Array.from(players, (g) => inp.groupNames[g]).join(', ');

  const writer = new UnitWriter(inp, nI);
  /** The unit holding a row: its first row, its size and a writer of its rows. */
  const unitOf = (row: number): { first: number; size: number; write: (out: Float64Array) => void } => {
    if (exact) {
      if (row < nV) return { first: row, size: 1, write: (out) => writer.variance(new Rng(seed, VAR_KEY, row), out, 0) };
      const c = Math.floor((row - nV) / nI);
      const mask = Math.floor(c / nO) + 1;
      const l = c % nO;
      const players = playersOf(mask);
      return {
        first: nV + c * nI,
        size: nI,
        write: (out) => {
          writer.drawOuter(new Rng(seed, EXACT_KEY, mask, l));
          for (const g of players) writer.free(g);
          writer.write(players, out, 0);
        },
      };
    }
    const m = Math.floor(row / permRows);
    return {
      first: m * permRows,
      size: permRows,
      write: (out) => {
        const rng = new Rng(seed, PERM_KEY, m); // the permutation, then its outer and inner draws
        const perm = shuffledPlayers(rng, K);
        let at = 0;
        for (let l = 0; l < nO; l++) {
          // Common random numbers along the chain: one outer draw and one set of inner normals per (m, l).
          writer.drawOuter(rng);
          for (let j = 1; j <= K; j++) {
            writer.free(perm[j - 1]);
            writer.write(perm.subarray(0, j), out, at);
            at += nI;
          }
        }
      },
    };
  };

  const design: ShapleyDesign = {
    kind: 'shapley',
    options: { inputs: options.inputs, seed, method, exactMaxPlayers: exactMax, nVariance: nVOption, nOuter: nO, nInner: nI, nPermutations: MOption },
    method,
    names: [...inp.groupNames],
    groups: inp.groups.map((g) => [...g]),
    seed,
    nVariance: nV,
    nOuter: nO,
    nInner: nI,
    nPermutations: M,
    rowCount,
    dimension: D,
    resolved: inp,
    permutation,
    describeRow(row: number): string {
      if (exact) {
        if (row < nV) return `variance sample ${row}`;
        const c = Math.floor((row - nV) / nI);
        return `cost sample for subset {${names(playersOf(Math.floor(c / nO) + 1))}}, outer sample ${c % nO}, inner row ${(row - nV) % nI}`;
      }
      const m = Math.floor(row / permRows);
      const within = row - m * permRows;
      const l = Math.floor(within / (K * nI));
      const j = Math.floor((within % (K * nI)) / nI) + 1;
      return `permutation ${m} step ${j} (subset {${names(permutation(m).subarray(0, j))}}), outer sample ${l}, inner row ${within % nI}`;
    },
    rows(start?: number, count?: number): Float64Array {
      const range = checkRowRange(design, start, count);
      const out = new Float64Array(range.count * D);
      const end = range.start + range.count;
      let unitRows = new Float64Array(0);
      for (let row = range.start; row < end; ) {
        const unit = unitOf(row);
        const from = row - unit.first;
        const take = Math.min(unit.size - from, end - row);
        if (from === 0 && take === unit.size) unit.write(out.subarray((row - range.start) * D));
        else {
          if (unitRows.length < unit.size * D) unitRows = new Float64Array(unit.size * D);
          unit.write(unitRows);
          out.set(unitRows.subarray(from * D, (from + take) * D), (row - range.start) * D);
        }
        row += take;
      }
      return out;
    },
  };
  return design;
}

/**
 * Shapley effects from the outputs of a design: `y[r]` is the model output for `design.rows(r, 1)`, for every row r
 * in order (y.length must equal design.rowCount). Pure: the same design and outputs give the same bits.
 */
export function analyzeShapley(design: ShapleyDesign, y: ArrayLike<number>, options: ShapleyAnalysisOptions = {}): ShapleyResult {
  if (design === null || typeof design !== 'object' || design.kind !== 'shapley') {
    throw new CellspreadInputError('design', 'must be a design from shapleyDesign()', design);
  }
  checkOptions(options);
  const level = checkLevel(options.confidenceLevel);
  const Y = checkDesignOutputs(design, y);
  const K = design.groups.length;
  const { nOuter: nO, nInner: nI, nVariance: nV, nPermutations: M } = design;
  const exact = design.method === 'exact';
  const full = (1 << Math.min(K, 30)) - 1;
  const sh = new Float64Array(K);
  const se = new Float64Array(K);
  let v: number;
  let mean: number;
  let nPerm: number;
  if (exact) {
    mean = 0;
    for (let r = 0; r < nV; r++) mean += Y[r];
    mean /= nV;
    v = 0;
    let m4 = 0;
    for (let r = 0; r < nV; r++) {
      const d = (Y[r] - mean) ** 2;
      v += d;
      m4 += d * d;
    }
    m4 /= nV;
    v /= nV - 1;
    if (!(v > 0)) throw new CellspreadInputError('model output', 'must vary over the input distribution (Var(Y) > 0)', v);
    const cHat = new Float64Array(1 << K);
    const cVar = new Float64Array(1 << K);
    for (let mask = 1; mask < full; mask++) {
      let sum = 0;
      let sq = 0;
      const base = nV + (mask - 1) * nO * nI;
      for (let l = 0; l < nO; l++) {
        const s2 = sampleVariance(Y, base + l * nI, nI);
        sum += s2;
        sq += s2 * s2;
      }
      cHat[mask] = sum / nO;
      const ms2 = sq / nO - cHat[mask] ** 2;
      cVar[mask] = nO > 1 ? Math.max(0, ms2) / (nO - 1) : 0;
    }
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
    let fullSum = 0; // outputs at step K are iid draws of Y, for the mean
    const permRows = K * nO * nI;
    for (let m = 0; m < M; m++) {
      const perm = design.permutation(m);
      const c = new Float64Array(K);
      for (let l = 0; l < nO; l++) {
        for (let j = 0; j < K; j++) {
          const base = m * permRows + (l * K + j) * nI;
          c[j] += sampleVariance(Y, base, nI);
          if (j === K - 1) for (let h = 0; h < nI; h++) fullSum += Y[base + h];
        }
      }
      let prev = 0;
      for (let j = 0; j < K; j++) {
        const cj = c[j] / nO;
        d[m * K + perm[j]] = cj - prev;
        prev = cj;
      }
      cK[m] = prev;
    }
    v = 0;
    for (let m = 0; m < M; m++) v += cK[m];
    v /= M;
    mean = fullSum / (M * nO * nI);
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
  const zq = normalCritical(level);
  const effects = Array.from(sh, (s) => s / v);
  const standardErrors = Array.from(se, (s) => s / v);
  return {
    names: [...design.names],
    groups: design.groups.map((g) => [...g]),
    effects,
    standardErrors,
    effectsCI: effects.map((e, i) => [e - zq * standardErrors[i], e + zq * standardErrors[i]] as [number, number]),
    confidenceLevel: level,
    shapleyValues: Array.from(sh),
    variance: v,
    mean,
    method: design.method,
    nVariance: nV,
    nOuter: nO,
    nInner: nI,
    nPermutations: nPerm,
    evaluations: design.rowCount,
  };
}

/**
 * Shapley effects of each group (each input when ungrouped), normalised to sum to 1: shapleyDesign -> model ->
 * analyzeShapley in one call. Returns the result directly for a synchronous model, a Promise for an asynchronous one.
 */
export function shapley(options: ShapleyOptions<SyncSensitivityModel>): ShapleyResult;
export function shapley(options: ShapleyOptions): ShapleyResult | Promise<ShapleyResult>;
export function shapley(options: ShapleyOptions): ShapleyResult | Promise<ShapleyResult> {
  checkOptions(options);
  const design = shapleyDesign(options);
  const level = checkLevel(options.confidenceLevel); // fail before any model run
  const batchRows = options.batchSize === undefined ? defaultBatchRows(design.dimension, design.nInner) : checkPositiveInteger(options.batchSize, 'batchSize');
  return thenApply(evaluateDesign(design, options.model, batchRows), ({ y, modelCalls }) => ({
    ...analyzeShapley(design, y, { confidenceLevel: level }),
    modelCalls,
  }));
}
