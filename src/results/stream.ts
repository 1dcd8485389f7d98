/**
 * Flat memory: the chunks of a run (simulated now, reused from a resume, or read from shards) stream, in sample order,
 * into samples.csv and samples.arrow (a lifetime study: cycles.csv too) and into one column file per output for the
 * analysis stage, so no array grows with the number of samples. The analysis then reads one output column at a time (8 bytes per sample), and the
 * samples of invalid packs are NaN in those columns, so they never enter a statistic.
 *
 * Files are written under temporary names and renamed into place by finish(); abort() removes them.
 */
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int32, makeData, makeVector, RecordBatch, RecordBatchFileWriter, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { temporaryPath } from '../io/atomic.ts';
import { fileSystemFault } from '../io/faults.ts';
import { CYCLE_OUTPUT_COUNT, CYCLE_OUTPUTS } from '../pack/lifetime.ts';
import { PACK_OUTPUT_NAMES } from '../pack/outputs.ts';
import type { StudyChunk } from '../study/runner.ts';
import type { OutputColumns } from './format.ts';
import { csvField, csvNumber } from './table.ts';
import { LISTED_SAMPLES, type InvalidPack } from './validity.ts';

export const SAMPLES_CSV = 'samples.csv';
export const SAMPLES_ARROW = 'samples.arrow';
export const CYCLES_CSV = 'cycles.csv';

/** What a stream's chunks hold: the output columns, and (a lifetime study) the per-cycle outputs of `cycles` cycles. */
export interface StreamShape {
  names: readonly string[];
  cycles: number;
  /** Called with each Monte Carlo chunk's per-cycle outputs (count x cycles x CYCLE_OUTPUT_COUNT), in sample order. */
  onCycles?: (cycleOutputs: Float64Array, count: number) => void;
}

const PACK_SHAPE: StreamShape = { names: PACK_OUTPUT_NAMES, cycles: 0 };

export { LISTED_SAMPLES } from './validity.ts';
export type { OutputColumns } from './format.ts';

/** What streaming a run's chunks produced. */
export interface StreamedResults {
  range: { start: number; end: number };
  samples: number;
  chunks: number;
  inputNames: string[];
  invalidCount: number;
  /** The first LISTED_SAMPLES invalid packs. */
  invalid: InvalidPack[];
  nonFiniteCount: number;
  /** The first LISTED_SAMPLES samples with a non-finite output. */
  nonFiniteSamples: number[];
  cellSteps: number;
  sampleSeconds: number;
  simulateSeconds: number;
  /** Output columns read back from disk: in blocks, or whole into one buffer that the next call overwrites. */
  columns: OutputColumns;
  /** Remove the column files (after the analysis). */
  dispose(): void;
}

/** Read `bytes.length` bytes of `fd` from `position` into `bytes`. */
function readFully(fd: number, bytes: Uint8Array, position: number, path: string): void {
  for (let at = 0; at < bytes.length; ) {
    const n = readSync(fd, bytes, at, bytes.length - at, position + at);
    if (n === 0) throw new Error(`internal: ${path} ends before byte ${position + bytes.length}`);
    at += n;
  }
}

/**
 * The column files of a stream as OutputColumns: `blocks` reads 8192 values at a time (what the statistics and the
 * worst pack use); the whole column (the tail analyses need it) is read into one buffer that the next call reuses.
 */
function columnFiles(dir: string, samples: number): OutputColumns {
  let whole: Float64Array | undefined;
  const block = new Float64Array(8192);
  const open = <T>(name: string, fn: (fd: number, path: string) => T): T => {
    const path = join(dir, `${name}.f64`);
    const fd = openSync(path, 'r');
    try {
      return fn(fd, path);
    } finally {
      closeSync(fd);
    }
  };
  const columns = ((name: string) =>
    open(name, (fd, path) => {
      whole ??= new Float64Array(samples);
      readFully(fd, new Uint8Array(whole.buffer), 0, path);
      return whole;
    })) as OutputColumns;
  columns.blocks = (name, visit) =>
    open(name, (fd, path) => {
      for (let start = 0; start < samples; start += block.length) {
        const n = Math.min(block.length, samples - start);
        readFully(fd, new Uint8Array(block.buffer, 0, n * 8), start * 8, path);
        visit(block.subarray(0, n));
      }
    });
  return columns;
}

/** Streams chunks into samples.csv, samples.arrow and per-output column files in `dir`. */
export class SampleStream {
  private readonly csvPath: string;
  private readonly arrowPath: string;
  private readonly cyclesPath: string;
  private cyclesFd = -1;
  private readonly columnDir: string;
  private csvFd = -1;
  private arrowFd = -1;
  private columnFds: number[] = [];
  private arrow?: RecordBatchFileWriter;
  private arrowPump?: Promise<void>;
  private arrowError: unknown;
  private schema?: Schema;
  private inputNames?: string[];
  private next: number;
  private chunks = 0;
  private invalidCount = 0;
  private readonly invalid: InvalidPack[] = [];
  private nonFiniteCount = 0;
  private readonly nonFinite: number[] = [];
  private cellSteps = 0;
  private sampleSeconds = 0;
  private simulateSeconds = 0;

  constructor(
    private readonly dir: string,
    private readonly range: { start: number; end: number },
    private readonly shape: StreamShape = PACK_SHAPE,
  ) {
    this.csvPath = join(dir, SAMPLES_CSV);
    this.cyclesPath = join(dir, CYCLES_CSV);
    this.arrowPath = join(dir, SAMPLES_ARROW);
    this.columnDir = join(dir, `.columns-${process.pid}`);
    this.next = range.start;
  }

  private io<T>(path: string, doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw fileSystemFault(err, path, doing) ?? err;
    }
  }

  private open(inputNames: string[]): void {
    this.inputNames = inputNames;
    const names = this.shape.names;
    const columns = ['sample', ...inputNames, ...names, 'status', 'reason'];
    this.io(this.columnDir, 'create', () => mkdirSync(this.columnDir, { recursive: true }));
    this.csvFd = this.io(this.csvPath, 'write', () => openSync(temporaryPath(this.csvPath), 'w'));
    this.io(this.csvPath, 'write', () => writeSync(this.csvFd, `${columns.map(csvField).join(',')}\n`));
    this.columnFds = names.map((name) => this.io(this.columnDir, 'write', () => openSync(join(this.columnDir, `${name}.f64`), 'w')));
    if (this.shape.cycles > 0) {
      this.cyclesFd = this.io(this.cyclesPath, 'write', () => openSync(temporaryPath(this.cyclesPath), 'w'));
      const header = ['sample', 'cycle', ...CYCLE_OUTPUTS.map((o) => o.name)].join(',');
      this.io(this.cyclesPath, 'write', () => writeSync(this.cyclesFd, `${header}\n`));
    }
    this.schema = new Schema([
      new Field('sample', new Int32()),
      ...[...inputNames, ...names].map((n) => new Field(n, new Float64())),
      new Field('status', new Utf8()),
      new Field('reason', new Utf8()),
    ]);
    this.arrowFd = this.io(this.arrowPath, 'write', () => openSync(temporaryPath(this.arrowPath), 'w'));
    const writer = new RecordBatchFileWriter();
    this.arrow = writer;
    this.arrowPump = (async () => {
      try {
        for await (const bytes of writer) {
          if (this.arrowError === undefined) {
            try {
              writeSync(this.arrowFd, bytes);
            } catch (err) {
              this.arrowError = err;
            }
          }
        }
      } catch {
        // abort(): the writer's queue was cancelled; nothing more to write
      }
    })();
  }

  /** Add the next chunk (chunks must come in sample order, without gaps). */
  async add(chunk: StudyChunk): Promise<void> {
    if (chunk.start !== this.next) throw new Error(`internal: chunk at sample ${chunk.start} streamed where ${this.next} was due`);
    if (!this.inputNames) this.open(chunk.inputNames);
    const ni = this.inputNames!.length;
    const n = chunk.count;
    const W = this.shape.names.length;
    const reasons = new Map(chunk.invalid.map((p) => [p.sample, p.reason]));
    let text = '';
    for (let s = 0; s < n; s++) {
      const sample = chunk.start + s;
      const reason = reasons.get(sample);
      const row: string[] = [String(sample)];
      for (let k = 0; k < ni; k++) row.push(csvNumber(chunk.inputs[s * ni + k]));
      let finite = true;
      for (let k = 0; k < W; k++) {
        const v = chunk.outputs[s * W + k];
        if (!Number.isFinite(v)) finite = false;
        row.push(csvNumber(v));
      }
      row.push(reason === undefined ? 'valid' : 'invalid', reason === undefined ? '' : csvField(reason));
      text += `${row.join(',')}\n`;
      if (!finite && this.nonFiniteCount++ < LISTED_SAMPLES) this.nonFinite.push(sample);
      // Written in small pieces: no string grows with the chunk size.
      if (text.length > 32_768 || s === n - 1) {
        const piece = text;
        this.io(this.csvPath, 'write', () => writeSync(this.csvFd, piece));
        text = '';
      }
    }
    for (const p of chunk.invalid) if (this.invalidCount++ < LISTED_SAMPLES) this.invalid.push(p);
    // Column files: NaN for invalid packs, so they never enter a statistic.
    const col = new Float64Array(n);
    for (let k = 0; k < W; k++) {
      for (let s = 0; s < n; s++) col[s] = reasons.has(chunk.start + s) ? NaN : chunk.outputs[s * W + k];
      this.io(this.columnDir, 'write', () => writeSync(this.columnFds[k], new Uint8Array(col.buffer, 0, n * 8)));
    }
    if (this.shape.cycles > 0) this.addCycles(chunk);
    this.writeArrowBatch(chunk, reasons);
    await new Promise<void>((r) => setImmediate(r)); // let the Arrow bytes drain to disk
    if (this.arrowError !== undefined) throw fileSystemFault(this.arrowError, this.arrowPath, 'write') ?? this.arrowError;
    this.next += n;
    this.chunks++;
    this.cellSteps += chunk.cellSteps;
    this.sampleSeconds += chunk.sampleSeconds;
    this.simulateSeconds += chunk.simulateSeconds;
  }

  /** cycles.csv rows of a chunk: one per sample and cycle. */
  private addCycles(chunk: StudyChunk): void {
    const N = this.shape.cycles;
    const K = CYCLE_OUTPUT_COUNT;
    const c = chunk.cycleOutputs;
    if (!c || c.length !== chunk.count * N * K) throw new Error(`internal: chunk at sample ${chunk.start} holds no per-cycle outputs for ${N} cycles`);
    let text = '';
    for (let s = 0; s < chunk.count; s++) {
      for (let i = 0; i < N; i++) {
        const at = (s * N + i) * K;
        let row = `${chunk.start + s},${i + 1}`;
        for (let k = 0; k < K; k++) row += `,${csvNumber(c[at + k])}`;
        text += `${row}\n`;
        if (text.length > 32_768) {
          const piece = text;
          this.io(this.cyclesPath, 'write', () => writeSync(this.cyclesFd, piece));
          text = '';
        }
      }
    }
    if (text) this.io(this.cyclesPath, 'write', () => writeSync(this.cyclesFd, text));
    this.shape.onCycles?.(c, chunk.count);
  }

  private writeArrowBatch(chunk: StudyChunk, reasons: Map<number, string>): void {
    const n = chunk.count;
    const ni = this.inputNames!.length;
    const children = [makeVector(Int32Array.from({ length: n }, (_, s) => chunk.start + s)).data[0]];
    for (let k = 0; k < ni; k++) children.push(makeVector(Float64Array.from({ length: n }, (_, s) => chunk.inputs[s * ni + k])).data[0] as never);
    const W = this.shape.names.length;
    for (let k = 0; k < W; k++) children.push(makeVector(Float64Array.from({ length: n }, (_, s) => chunk.outputs[s * W + k])).data[0] as never);
    const status = Array.from({ length: n }, (_, s) => (reasons.has(chunk.start + s) ? 'invalid' : 'valid'));
    const reason = Array.from({ length: n }, (_, s) => reasons.get(chunk.start + s) ?? '');
    children.push(vectorFromArray(status, new Utf8()).data[0] as never, vectorFromArray(reason, new Utf8()).data[0] as never);
    const data = makeData({ type: new Struct(this.schema!.fields), length: n, nullCount: 0, children });
    this.arrow!.write(new RecordBatch(this.schema!, data));
  }

  /** Close the files, move samples.csv and samples.arrow into place, and return what was streamed (a cancelled run: the samples streamed so far). */
  async finish(inputNamesIfEmpty: string[] = []): Promise<StreamedResults> {
    if (this.next > this.range.end) throw new Error(`internal: streamed samples end at ${this.next}, past the range's end ${this.range.end}`);
    if (!this.inputNames) this.open(inputNamesIfEmpty);
    this.arrow!.finish();
    await this.arrowPump;
    if (this.arrowError !== undefined) throw fileSystemFault(this.arrowError, this.arrowPath, 'write') ?? this.arrowError;
    this.closeFiles();
    this.io(this.csvPath, 'write', () => renameSync(temporaryPath(this.csvPath), this.csvPath));
    this.io(this.arrowPath, 'write', () => renameSync(temporaryPath(this.arrowPath), this.arrowPath));
    if (this.shape.cycles > 0) this.io(this.cyclesPath, 'write', () => renameSync(temporaryPath(this.cyclesPath), this.cyclesPath));
    const columnDir = this.columnDir;
    const samples = this.next - this.range.start;
    const columns = columnFiles(columnDir, samples);
    return {
      range: { start: this.range.start, end: this.next },
      samples,
      chunks: this.chunks,
      inputNames: this.inputNames!,
      invalidCount: this.invalidCount,
      invalid: this.invalid,
      nonFiniteCount: this.nonFiniteCount,
      nonFiniteSamples: this.nonFinite,
      cellSteps: this.cellSteps,
      sampleSeconds: this.sampleSeconds,
      simulateSeconds: this.simulateSeconds,
      columns,
      dispose: () => rmSync(columnDir, { recursive: true, force: true }),
    };
  }

  private closeFiles(): void {
    for (const fd of [this.csvFd, this.arrowFd, this.cyclesFd, ...this.columnFds]) {
      if (fd >= 0) {
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      }
    }
    this.csvFd = this.arrowFd = this.cyclesFd = -1;
    this.columnFds = [];
  }

  /** Stop and remove every file this stream was writing. */
  abort(): void {
    this.arrow?.abort();
    this.closeFiles();
    for (const path of [temporaryPath(this.csvPath), temporaryPath(this.arrowPath), temporaryPath(this.cyclesPath)]) if (existsSync(path)) rmSync(path, { force: true });
    rmSync(this.columnDir, { recursive: true, force: true });
  }
}

/** Rows [from, to) of a chunk (global sample indices; `W` outputs per sample) as a chunk of their own. */
function sliceChunk(chunk: StudyChunk, from: number, to: number, W: number): StudyChunk {
  const a = from - chunk.start;
  const b = to - chunk.start;
  const ni = chunk.inputNames.length;
  const perPack = chunk.cycleOutputs ? chunk.cycleOutputs.length / chunk.count : 0;
  return {
    ...chunk,
    start: from,
    count: b - a,
    outputs: chunk.outputs.subarray(a * W, b * W),
    ...(chunk.cycleOutputs ? { cycleOutputs: chunk.cycleOutputs.subarray(a * perPack, b * perPack) } : {}),
    inputs: chunk.inputs.subarray(a * ni, b * ni),
    invalid: chunk.invalid.filter((p) => p.sample >= from && p.sample < to),
  };
}

/** The sensitivity design rows a run streamed (held in memory: their number is the design's, not the samples'). */
export interface StreamedDesign {
  /** designRows x outputs, row-major; complete when every design row was in the run's range. */
  outputs: Float64Array;
  complete: boolean;
  /** Invalid packs among the design rows (global sample indices). */
  invalid: InvalidPack[];
}

/**
 * A run's samples in one index space (study/samples.ts): Monte Carlo samples [0, monteCarlo) stream into the results
 * tables and columns (SampleStream); sensitivity design rows [monteCarlo, total) are kept for the sensitivity
 * analysis. Chunks come in order; a chunk across the boundary is split. Totals (cell-steps, timings, chunks) count
 * every chunk.
 */
export class RunSamplesSink {
  private readonly stream: SampleStream;
  private readonly design: Float64Array;
  private readonly designInvalid: InvalidPack[] = [];
  private designFilled = 0;
  private cellSteps = 0;
  private sampleSeconds = 0;
  private simulateSeconds = 0;
  private chunks = 0;

  private readonly width: number;

  constructor(
    dir: string,
    private readonly range: { start: number; end: number },
    private readonly layout: { monteCarlo: number; total: number },
    shape: StreamShape = PACK_SHAPE,
  ) {
    this.stream = new SampleStream(dir, { start: Math.min(range.start, layout.monteCarlo), end: Math.max(range.start, Math.min(range.end, layout.monteCarlo)) }, shape);
    this.width = shape.names.length;
    this.design = new Float64Array((layout.total - layout.monteCarlo) * this.width);
  }

  async add(chunk: StudyChunk): Promise<void> {
    const M = this.layout.monteCarlo;
    const end = chunk.start + chunk.count;
    if (chunk.start < M) {
      const mc = end <= M ? chunk : sliceChunk(chunk, chunk.start, M, this.width);
      await this.stream.add({ ...mc, cellSteps: 0, sampleSeconds: 0, simulateSeconds: 0 });
    }
    if (end > M) {
      const rows = sliceChunk(chunk, Math.max(chunk.start, M), end, this.width);
      this.design.set(rows.outputs, (rows.start - M) * this.width);
      this.designFilled += rows.count;
      this.designInvalid.push(...rows.invalid);
    }
    this.cellSteps += chunk.cellSteps;
    this.sampleSeconds += chunk.sampleSeconds;
    this.simulateSeconds += chunk.simulateSeconds;
    this.chunks++;
  }

  async finish(inputNamesIfEmpty: string[] = []): Promise<{ streamed: StreamedResults; design?: StreamedDesign }> {
    const streamed = await this.stream.finish(inputNamesIfEmpty);
    Object.assign(streamed, { cellSteps: this.cellSteps, sampleSeconds: this.sampleSeconds, simulateSeconds: this.simulateSeconds, chunks: this.chunks });
    const rows = this.layout.total - this.layout.monteCarlo;
    if (rows === 0) return { streamed };
    return { streamed, design: { outputs: this.design, complete: this.designFilled === rows, invalid: this.designInvalid } };
  }

  abort(): void {
    this.stream.abort();
  }
}
