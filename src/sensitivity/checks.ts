/** Option checks shared by the sensitivity designs and analyses; errors name the option, the rule and the value. */
import { CellspreadInputError } from '../errors.ts';

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

export function checkOptions(options: unknown, field = 'options'): void {
  if (options === null || typeof options !== 'object') throw new CellspreadInputError(field, 'must be an object', options);
}

/** Rows per model call: about 4 M doubles by default, at least `min`. */
export function defaultBatchRows(dimension: number, min: number): number {
  return Math.max(min, Math.floor((1 << 22) / dimension));
}
