/**
 * The pick-freeze design of Saltelli (2002, 2010) for Sobol' indices, as a list of rows addressed by index: the
 * "sample" step of sample / evaluate / analyze (`sobolDesign` -> your model -> `analyzeSobol`).
 *
 * A 2D-dimensional point set of N points (scrambled Sobol' by default, or plain Monte Carlo from the counter-keyed
 * Rng) gives A (columns 0..D-1) and B (columns D..2D-1). For each group g, A_B^(g) is A with the columns of group g
 * taken from B, and (second order only) B_A^(g) is B with the columns of group g taken from A.
 *
 * Row layout, sample by sample (SALib's order but for the place of B): rows j*P .. j*P + P - 1 of sample j are
 *   A_j, B_j, A_B^(0)_j .. A_B^(G-1)_j [, B_A^(0)_j .. B_A^(G-1)_j]
 * with P = G + 2 (first and total indices) or 2G + 2 (second order too). A prefix of whole samples is a design of its
 * own: the first m samples of an N-point design are the m-point design with the same seed (m a power of two).
 */
import { CellspreadInputError } from '../errors.ts';
import { Rng } from '../random/rng.ts';
import { SobolSequence } from '../random/sobol.ts';
import { checkOptions, checkSeed } from './checks.ts';
import { resolveInputs, uniformsToInputs } from './inputs.ts';
import type { ResolvedInputs, SensitivityInputs } from './inputs.ts';
import { checkRowRange, type RowDesign } from './model.ts';

export interface SobolDesignOptions {
  readonly inputs: SensitivityInputs;
  /** Base sample size N: a power of two >= 16 for the 'sobol' design (any integer >= 16 for 'random'). */
  readonly n: number;
  /** Seed of the scramble (or of the Monte Carlo points) and of the bootstrap (non-negative safe integer, default 0). */
  readonly seed?: number;
  /** 'sobol' (default): scrambled Sobol' quasi-random design. 'random': plain Monte Carlo from the counter-keyed Rng. */
  readonly sampling?: 'sobol' | 'random';
  /** Also the rows B_A^(g) for second-order indices: N (2G + 2) rows instead of N (G + 2). */
  readonly secondOrder?: boolean;
}

/** Which matrix a row belongs to: A, B, A_B^(group) or B_A^(group). */
export interface SobolRow {
  readonly sample: number;
  readonly matrix: 'A' | 'B' | 'A_B' | 'B_A';
  /** Group index for A_B / B_A rows, -1 for A and B. */
  readonly group: number;
}

export interface SobolDesign extends RowDesign {
  readonly kind: 'sobol';
  /** The options the design was built from, validated (JSON-serialisable: rebuild with sobolDesign(options)). */
  readonly options: Required<SobolDesignOptions>;
  /** Group names (input names when ungrouped), in index order. */
  readonly names: readonly string[];
  /** Input indices of each group. */
  readonly groups: readonly (readonly number[])[];
  readonly n: number;
  readonly seed: number;
  readonly sampling: 'sobol' | 'random';
  readonly secondOrder: boolean;
  /** Rows per base sample: G + 2, or 2G + 2 with second order. */
  readonly rowsPerSample: number;
  /** Dimension of the underlying point set (2D). */
  readonly pointDimension: number;
  /** Columns of the point set beyond the Sobol' table, filled with plain Monte Carlo. */
  readonly paddedDimensions: number;
  /** Matrix and base sample of a row. */
  rowInfo(row: number): SobolRow;
  /** @internal resolved inputs, for the analysis. */
  readonly resolved: ResolvedInputs;
}

const RANDOM_KEY = 0x5e11;

function checkCrossGroupCorrelation(inp: ResolvedInputs): void {
  if (inp.correlation === null) return;
  const D = inp.dimension;
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

/** Build the Sobol' pick-freeze design: N (G + 2) rows, or N (2G + 2) with `secondOrder`. Pure; rows on demand. */
export function sobolDesign(options: SobolDesignOptions): SobolDesign {
  checkOptions(options);
  const inp = resolveInputs(options.inputs);
  const sampling = options.sampling ?? 'sobol';
  if (sampling !== 'sobol' && sampling !== 'random') throw new CellspreadInputError('sampling', 'must be "sobol" or "random"', sampling);
  const n = options.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 16) throw new CellspreadInputError('n', 'must be an integer >= 16', n);
  if (sampling === 'sobol' && (n & (n - 1)) !== 0) {
    const lo = 2 ** Math.floor(Math.log2(n));
    throw new CellspreadInputError('n', 'must be a power of two for the scrambled Sobol design', n, `use ${lo} or ${lo * 2}`);
  }
  if (sampling === 'sobol' && n > 2 ** 32) throw new CellspreadInputError('n', 'must be <= 2^32', n);
  const seed = checkSeed(options.seed);
  const secondOrder = options.secondOrder ?? false;
  if (typeof secondOrder !== 'boolean') throw new CellspreadInputError('secondOrder', 'must be true or false', secondOrder);
  checkCrossGroupCorrelation(inp);
  const D = inp.dimension;
  const G = inp.groups.length;
  const per = secondOrder ? 2 * G + 2 : G + 2;
  const seq = sampling === 'sobol' ? new SobolSequence(2 * D, { seed }) : null;

  const rowInfo = (row: number): SobolRow => {
    const sample = Math.floor(row / per);
    const k = row - sample * per;
    if (k === 0) return { sample, matrix: 'A', group: -1 };
    if (k === 1) return { sample, matrix: 'B', group: -1 };
    if (k < G + 2) return { sample, matrix: 'A_B', group: k - 2 };
    return { sample, matrix: 'B_A', group: k - G - 2 };
  };

  const design: SobolDesign = {
    kind: 'sobol',
    options: { inputs: options.inputs, n, seed, sampling, secondOrder },
    names: [...inp.groupNames],
    groups: inp.groups.map((g) => [...g]),
    n,
    seed,
    sampling,
    secondOrder,
    rowsPerSample: per,
    rowCount: n * per,
    dimension: D,
    pointDimension: 2 * D,
    paddedDimensions: seq ? seq.paddedDimensions : 0,
    resolved: inp,
    rowInfo,
    describeRow(row: number): string {
      const r = rowInfo(row);
      const name = r.group < 0 ? r.matrix : `${r.matrix === 'A_B' ? 'A_B' : 'B_A'}^(${r.group}) [group "${inp.groupNames[r.group]}"]`;
      return `sample ${r.sample} of matrix ${name}`;
    },
    rows(start?: number, count?: number): Float64Array {
      const range = checkRowRange(design, start, count);
      const out = new Float64Array(range.count * D);
      if (range.count === 0) return out;
      const j0 = Math.floor(range.start / per);
      const j1 = Math.floor((range.start + range.count - 1) / per);
      const m = j1 - j0 + 1;
      const u = new Float64Array(m * 2 * D);
      if (seq) seq.fill(j0, m, u);
      else {
        for (let r = 0; r < m; r++) {
          const rng = new Rng(seed, RANDOM_KEY, j0 + r);
          for (let c = 0; c < 2 * D; c++) u[r * 2 * D + c] = rng.uniform();
        }
      }
      const xa = new Float64Array(m * D);
      const xb = new Float64Array(m * D);
      const scratch = new Float64Array(D);
      uniformsToInputs(inp, u, m, 2 * D, 0, xa, 0, scratch);
      uniformsToInputs(inp, u, m, 2 * D, D, xb, 0, scratch);
      for (let k = 0; k < range.count; k++) {
        const info = rowInfo(range.start + k);
        const j = info.sample - j0;
        const base = info.matrix === 'A' || info.matrix === 'A_B' ? xa : xb;
        const other = base === xa ? xb : xa;
        const o = k * D;
        out.set(base.subarray(j * D, (j + 1) * D), o);
        if (info.group >= 0) for (const c of inp.groups[info.group]) out[o + c] = other[j * D + c];
      }
      return out;
    },
  };
  return design;
}
