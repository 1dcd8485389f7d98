/**
 * A large results folder's per-sample table for the report in bounded memory (Node): samples.arrow is read one record
 * batch at a time (samples.csv one line at a time) and each numeric column is spilled to its own scratch file; the
 * report then reads the columns it needs one at a time (src/report/parts.ts Columns keeps the last few). What is held
 * at once is a batch and those few columns, never the file or the whole table. The numbers are the in-memory readers'
 * (src/report/read.ts): nulls and empty cells NaN, `status` as 0 valid / 1 invalid, the `reason` text left out.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RecordBatchReader, type Vector } from 'apache-arrow';
import type { ColumnSource } from './parts.ts';
import { isTextColumn, splitCsvLine, STATUS_COLUMN, statusCode } from './read.ts';

/** Values buffered per column before they are written to its scratch file. */
const BUFFER_VALUES = 8192;

class ColumnSpill {
  private readonly buffer = new Float64Array(BUFFER_VALUES);
  private used = 0;
  constructor(readonly fd: number) {}
  push(v: number): void {
    this.buffer[this.used++] = v;
    if (this.used === BUFFER_VALUES) this.flush();
  }
  flush(): void {
    if (this.used > 0) writeSync(this.fd, new Uint8Array(this.buffer.buffer, 0, this.used * 8));
    this.used = 0;
  }
}

/** The spilled table: its columns in scratch files under `dir`, removed by dispose(). */
export class SpilledTable implements ColumnSource {
  private constructor(
    readonly dir: string,
    readonly names: readonly string[],
    readonly rows: number,
  ) {}

  column(name: string): Float64Array {
    const k = this.names.indexOf(name);
    if (k < 0) throw new Error(`spilled table: no column ${name}`);
    const out = new Float64Array(this.rows);
    const bytes = new Uint8Array(out.buffer);
    const fd = openSync(join(this.dir, `${k}.f64`), 'r');
    try {
      for (let at = 0; at < bytes.length; ) {
        const n = readSync(fd, bytes, at, bytes.length - at, at);
        if (n === 0) throw new Error(`spilled table: column ${name} is short`);
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** samples.arrow (an Arrow IPC file or stream), one record batch at a time. */
  static async fromArrow(path: string): Promise<SpilledTable> {
    return SpilledTable.build(async (begin, row) => {
      const handle = await open(path, 'r');
      try {
        const reader = await RecordBatchReader.from(handle);
        let spills: { spill: ColumnSpill; read: (col: Vector | null, r: number) => number; index: number }[] | undefined;
        for await (const batch of reader) {
          if (!spills) {
            const fields = batch.schema.fields.map((f, index) => ({ name: f.name, index })).filter((f) => !isTextColumn(f.name));
            const files = begin(fields.map((f) => f.name));
            spills = fields.map((f, k) => ({
              spill: files[k],
              index: f.index,
              read: f.name === STATUS_COLUMN ? (col, r) => statusCode(col?.get(r)) : (col, r) => numberOf(col?.get(r)),
            }));
          }
          for (const s of spills) {
            const col = batch.getChildAt(s.index);
            for (let r = 0; r < batch.numRows; r++) s.spill.push(s.read(col, r));
          }
          row(batch.numRows);
        }
        if (!spills) begin(reader.schema?.fields.map((f) => f.name).filter((n) => !isTextColumn(n)) ?? []);
      } finally {
        await handle.close();
      }
    });
  }

  /** samples.csv, one line at a time: the errors of parseSampleCsv (an empty file, a line with the wrong field count). */
  static async fromCsv(path: string): Promise<SpilledTable> {
    return SpilledTable.build(async (begin, row) => {
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
      let header: string[] | undefined;
      let keep: { c: string; i: number; spill: ColumnSpill }[] = [];
      let line = 0;
      for await (const text of lines) {
        line++;
        if (text.trim() === '') continue;
        if (!header) {
          header = splitCsvLine(text).map((c) => c.trim());
          const kept = header.map((c, i) => ({ c, i })).filter(({ c }) => !isTextColumn(c));
          const files = begin(kept.map(({ c }) => c));
          keep = kept.map((k, j) => ({ ...k, spill: files[j] }));
          continue;
        }
        const cells = splitCsvLine(text);
        if (cells.length !== header.length) throw new Error(`line ${line} has ${cells.length} fields, the header ${header.length}`);
        for (const { c, i, spill } of keep) {
          const s = cells[i].trim();
          spill.push(c === STATUS_COLUMN ? statusCode(s) : s === '' ? NaN : Number(s));
        }
        row(1);
      }
      if (!header) throw new Error('empty file (no header line)');
    });
  }

  /** Runs `fill` (which names the columns once, then counts the rows it pushed) into a fresh scratch folder. */
  private static async build(fill: (begin: (names: string[]) => ColumnSpill[], row: (n: number) => void) => Promise<void>): Promise<SpilledTable> {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-spill-'));
    let names: string[] = [];
    let spills: ColumnSpill[] = [];
    let rows = 0;
    try {
      await fill(
        (n) => {
          names = n;
          spills = n.map((_, k) => new ColumnSpill(openSync(join(dir, `${k}.f64`), 'w')));
          return spills;
        },
        (n) => {
          rows += n;
        },
      );
      for (const s of spills) s.flush();
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    } finally {
      for (const s of spills) closeSync(s.fd);
    }
    return new SpilledTable(dir, names, rows);
  }
}

function numberOf(v: unknown): number {
  return v === null || v === undefined ? NaN : Number(v);
}
