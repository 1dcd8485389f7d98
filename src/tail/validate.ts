/** Input checks shared by the tail-risk functions. Every failure is a CellspreadInputError that says what to change. */
import { CellspreadInputError } from '../errors.ts';

/** Which tail is the risk: 'upper' (values above a limit, e.g. peak temperature) or 'lower' (below, e.g. capacity). */
export type TailDirection = 'upper' | 'lower';

/** Options that select a tail; `direction` is accepted as an alias of `tail` (study specs use either). */
export interface TailOption {
  /** 'upper' (default) or 'lower'. 'above' / 'below' are accepted as aliases. */
  tail?: TailDirection | 'above' | 'below';
  /** Alias of `tail`. */
  direction?: TailDirection | 'above' | 'below';
}

export function resolveTail(options: TailOption | undefined, field = 'tail'): TailDirection {
  const raw = options?.tail ?? options?.direction ?? 'upper';
  if (raw === 'upper' || raw === 'above') return 'upper';
  if (raw === 'lower' || raw === 'below') return 'lower';
  throw new CellspreadInputError(field, "must be 'upper' or 'lower'", raw, "use 'upper' for limits like a maximum temperature, 'lower' for minimum capacity");
}

/**
 * Copy `data` into a Float64Array after checking it is a non-empty list of finite numbers. For the lower tail the copy
 * is negated, so that every method can work on an upper tail.
 */
export function orientedData(data: ArrayLike<number>, tail: TailDirection, field = 'data'): Float64Array {
  if (data === null || data === undefined || typeof (data as ArrayLike<number>).length !== 'number') {
    throw new CellspreadInputError(field, 'must be an array of numbers', data);
  }
  const n = data.length;
  if (n === 0) throw new CellspreadInputError(field, 'must not be empty', '[]', 'pass the sampled output column; run the study first');
  const out = new Float64Array(n);
  const sign = tail === 'lower' ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new CellspreadInputError(
        `${field}[${i}]`,
        'must be a finite number',
        v,
        'remove or re-run failed samples before tail analysis (tailSummary accepts nonFinite: "drop")',
      );
    }
    out[i] = sign * v;
  }
  return out;
}

export function checkFinite(field: string, value: unknown, hint?: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CellspreadInputError(field, 'must be a finite number', value, hint);
  return value;
}

export function checkConfidence(value: unknown, field = 'confidence'): number {
  if (value === undefined) return 0.95;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new CellspreadInputError(field, 'must be a number in (0, 1)', value, 'e.g. 0.95 for a 95 % interval');
  }
  return value;
}

export function checkProbability(field: string, value: unknown, hint?: string): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new CellspreadInputError(field, 'must be a probability in (0, 1)', value, hint);
  }
  return value;
}

export function checkPositiveInteger(field: string, value: unknown, min = 1, hint?: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new CellspreadInputError(field, `must be an integer >= ${min}`, value, hint);
  }
  return value;
}

export { sortedQuantile } from '../math/quantile.ts';

/** Ascending sort of a Float64Array copy. */
export function sortedCopy(x: Float64Array): Float64Array {
  return Float64Array.from(x).sort();
}

/**
 * One column checked and sorted once, shared by the estimators of a tail summary (tailSummary) instead of each making
 * its own oriented, sorted copy. It holds the values ascending; the oriented values ascending (what
 * sortedCopy(orientedData(data, tail)) holds: for a lower tail the negated values, in reverse order) are read through
 * `oriented(tail)` without a second copy, so every estimate is the same to the bit.
 */
export class SortedColumn {
  private constructor(readonly ascending: Float64Array) {}

  /** Checks `data` as orientedData does (the same errors) and sorts one copy. */
  static of(data: ArrayLike<number>, field = 'data'): SortedColumn {
    return new SortedColumn(orientedData(data, 'upper', field).sort());
  }

  /** Takes `values` (finite numbers the caller hands over) and sorts them in place. */
  static adopt(values: Float64Array, field = 'data'): SortedColumn {
    if (values.length === 0) throw new CellspreadInputError(field, 'must not be empty', '[]', 'pass the sampled output column; run the study first');
    return new SortedColumn(values.sort());
  }

  get length(): number {
    return this.ascending.length;
  }

  /** The i-th smallest oriented value: the values for an upper tail, the negated values for a lower tail. */
  oriented(tail: TailDirection): (i: number) => number {
    const a = this.ascending;
    const last = a.length - 1;
    return tail === 'upper' ? (i) => a[i] : (i) => -a[last - i];
  }
}

/** Format a number for messages: 4 significant digits. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}
