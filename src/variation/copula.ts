/** Gaussian copula support: correlation-matrix validation and the Cholesky factor. */
import { cholesky } from '../math/cholesky.ts';

export type CorrelationProblem =
  | { kind: 'shape'; row?: number }
  | { kind: 'diagonal'; row: number; value: number }
  | { kind: 'range'; row: number; col: number; value: number }
  | { kind: 'symmetry'; row: number; col: number; value: number; other: number }
  | { kind: 'definite'; pivot: number; value: number };

/**
 * Lower-triangular Cholesky factor L (row-major n x n) with R = L L^T, or the first problem found: not square, a
 * diagonal entry other than 1, an entry outside [-1, 1], asymmetry (tolerance 1e-12), or not positive definite
 * (a pivot <= 1e-12 max(1, |diagonal entry|), src/math/cholesky.ts).
 */
export function correlationCholesky(matrix: readonly (readonly number[])[]): { L: Float64Array } | { problem: CorrelationProblem } {
  const n = matrix.length;
  for (let i = 0; i < n; i++) if (!Array.isArray(matrix[i]) || matrix[i].length !== n) return { problem: { kind: 'shape', row: i } };
  for (let i = 0; i < n; i++) {
    if (Math.abs(matrix[i][i] - 1) > 1e-12) return { problem: { kind: 'diagonal', row: i, value: matrix[i][i] } };
    for (let j = 0; j < n; j++) {
      const v = matrix[i][j];
      if (!(Math.abs(v) <= 1)) return { problem: { kind: 'range', row: i, col: j, value: v } };
      if (j > i && Math.abs(v - matrix[j][i]) > 1e-12) return { problem: { kind: 'symmetry', row: i, col: j, value: v, other: matrix[j][i] } };
    }
  }
  const factor = cholesky(matrix.flat(), n);
  return 'l' in factor ? { L: factor.l } : { problem: { kind: 'definite', pivot: factor.failedAt, value: factor.pivot } };
}
