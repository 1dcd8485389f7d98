/**
 * The model contract and the batch driver shared by `sobol` and `shapley`.
 *
 * A model receives a batch of input rows and returns one finite output per row, synchronously or as a Promise:
 * `rows` is an array of `Float64Array` row views (rows[k][i] = input i of row k) that all point into ONE contiguous
 * row-major buffer, `rows.data` (length rows.length * rows.dimension), so a model can either loop over rows or hand
 * `rows.data` to a vectorised / GPU backend without copying. Rows are only valid during the call (the buffer is reused
 * for the next batch): copy what you keep.
 */
import { CellspreadInputError } from '../errors.ts';

export interface InputRows extends ReadonlyArray<Float64Array> {
  /** Row-major values of all rows: rows.data[k * dimension + i] = rows[k][i]. */
  readonly data: Float64Array;
  /** Number of inputs per row. */
  readonly dimension: number;
}

export type SensitivityModel = (rows: InputRows) => ArrayLike<number> | PromiseLike<ArrayLike<number>>;
export type SyncSensitivityModel = (rows: InputRows) => ArrayLike<number>;

/** Raised when the model returns a non-finite output: names the design sample and carries its input row. */
export class ModelOutputError extends CellspreadInputError {
  /** Index of the offending row within the batch. */
  readonly batchRow: number;
  /** Index of the row in the whole design, in evaluation order. */
  readonly designRow: number;
  /** Which design sample it was, e.g. "A_B^(2) sample 17". */
  readonly sample: string;
  readonly inputRow: Float64Array;

  constructor(designRow: number, batchRow: number, sample: string, value: number, inputRow: Float64Array) {
    const shown = Array.from(inputRow.subarray(0, 12), (v) => Number(v.toPrecision(6)));
    super(`model output for ${sample} (design row ${designRow})`, 'must be a finite number', value, `input row [${shown.join(', ')}${inputRow.length > 12 ? `, ... (${inputRow.length} inputs)` : ''}]`);
    this.name = 'CellspreadInputError';
    this.batchRow = batchRow;
    this.designRow = designRow;
    this.sample = sample;
    this.inputRow = inputRow;
  }
}

/** One batch of design rows, produced by an estimator's generator. */
export interface DesignBatch {
  readonly data: Float64Array;
  readonly count: number;
  /** Index of the first row of this batch in the whole design. */
  readonly firstRow: number;
  /** Human-readable name of batch row k, for error messages. */
  describe(k: number): string;
}

export type Design<R> = Generator<DesignBatch, R, Float64Array>;

function makeRows(data: Float64Array, count: number, dimension: number): InputRows {
  const rows = new Array<Float64Array>(count) as Float64Array[] & { data: Float64Array; dimension: number };
  for (let k = 0; k < count; k++) rows[k] = data.subarray(k * dimension, (k + 1) * dimension);
  rows.data = data.subarray(0, count * dimension);
  rows.dimension = dimension;
  return rows;
}

function checkOutputs(out: ArrayLike<number>, batch: DesignBatch, dimension: number): Float64Array {
  if (out === null || typeof out !== 'object' || typeof out.length !== 'number') {
    throw new CellspreadInputError('model output', 'must be an array of numbers, one per input row', out);
  }
  if (out.length !== batch.count) {
    throw new CellspreadInputError('model output length', `must equal the number of input rows (${batch.count})`, out.length);
  }
  const y = out instanceof Float64Array ? out : Float64Array.from(out);
  for (let k = 0; k < y.length; k++) {
    if (!Number.isFinite(y[k]) || (typeof out[k] !== 'number' && !(out instanceof Float64Array))) {
      const row = Float64Array.from(batch.data.subarray(k * dimension, (k + 1) * dimension));
      throw new ModelOutputError(batch.firstRow + k, k, batch.describe(k), out[k], row);
    }
  }
  return y;
}

function isThenable(x: unknown): x is PromiseLike<ArrayLike<number>> {
  return x !== null && typeof x === 'object' && typeof (x as { then?: unknown }).then === 'function';
}

/**
 * Run a design against the model: synchronously while the model answers synchronously, switching to a Promise as soon
 * as it returns one. So a synchronous model gives a plain result, and `await` works either way.
 */
export function runDesign<R>(design: Design<R>, model: SensitivityModel, dimension: number): R | Promise<R> {
  if (typeof model !== 'function') throw new CellspreadInputError('model', 'must be a function (rows) => outputs', model);
  let step = design.next(new Float64Array(0));
  while (!step.done) {
    const batch = step.value;
    const out = model(makeRows(batch.data, batch.count, dimension));
    if (isThenable(out)) return continueAsync(design, model, dimension, batch, out);
    step = design.next(checkOutputs(out, batch, dimension));
  }
  return step.value;
}


async function continueAsync<R>(
  design: Design<R>,
  model: SensitivityModel,
  dimension: number,
  firstBatch: DesignBatch,
  firstOut: PromiseLike<ArrayLike<number>>,
): Promise<R> {
  let batch = firstBatch;
  let out: ArrayLike<number> = await firstOut;
  for (;;) {
    const step = design.next(checkOutputs(out, batch, dimension));
    if (step.done) return step.value;
    batch = step.value;
    out = await model(makeRows(batch.data, batch.count, dimension));
  }
}
