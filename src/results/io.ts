import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellspreadInputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { StudyChunk, StudyResult } from '../study/runner.ts';
import type { RunSummary, SampleTable } from './format.ts';
import { cycleTableCsv, sampleTableArrow, sampleTableCsv } from './table.ts';

export { sampleTableArrow, sampleTableCsv };

/** What a run folder records up front, so a resume or a merge can check it belongs to the same study. */
export interface RunManifest {
  specHash: string;
  chunkSize: number;
  samples: number;
  range: { start: number; end: number };
  shard?: { index: number; count: number };
  version: string;
}

export const CHUNK_DIR = 'chunks';

export function chunkFileName(index: number): string {
  return `chunk-${String(index).padStart(6, '0')}.json`;
}

/** Fail early, before any simulation, if the folder cannot be written. */
export function ensureWritableFolder(dir: string, field = '--out'): void {
  try {
    mkdirSync(join(dir, CHUNK_DIR), { recursive: true });
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (err) {
    throw new CellspreadInputError(field, 'must be a folder cellspread can write', dir, (err as Error).message);
  }
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileAtomic(join(dir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readManifest(dir: string): RunManifest | undefined {
  const path = join(dir, 'run.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as RunManifest) : undefined;
}

/** JSON has no NaN or Infinity: chunks store them as the strings "NaN", "Infinity", "-Infinity". */
function encodeNumbers(values: Float64Array): (number | string)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : String(v)));
}

export function decodeNumbers(values: readonly (number | string | null)[]): Float64Array {
  return Float64Array.from(values, (v) => (typeof v === 'number' ? v : v === null ? NaN : Number(v)));
}

/** Chunks are JSON with plain number arrays: exact for doubles (shortest round-trip form), human-readable. */
export function writeChunk(dir: string, chunk: StudyChunk): void {
  const { cellGrowth: _notPersisted, ...rest } = chunk;
  const data = {
    ...rest,
    outputs: encodeNumbers(chunk.outputs),
    inputs: encodeNumbers(chunk.inputs),
    ...(chunk.cycleOutputs ? { cycleOutputs: encodeNumbers(chunk.cycleOutputs) } : {}),
  };
  writeFileAtomic(join(dir, CHUNK_DIR, chunkFileName(chunk.index)), JSON.stringify(data));
}

export function readChunk(dir: string, index: number): StudyChunk | undefined {
  const path = join(dir, CHUNK_DIR, chunkFileName(index));
  if (!existsSync(path)) return undefined;
  const raw = JSON.parse(readFileSync(path, 'utf8'));
  return {
    ...raw,
    outputs: decodeNumbers(raw.outputs),
    inputs: decodeNumbers(raw.inputs),
    ...(raw.cycleOutputs ? { cycleOutputs: decodeNumbers(raw.cycleOutputs) } : {}),
  } as StudyChunk;
}

export function listChunks(dir: string): number[] {
  const folder = join(dir, CHUNK_DIR);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((f) => /^chunk-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** A lifetime study's per-cycle table (cycles.csv). */
export function writeCycleTable(dir: string, result: StudyResult): void {
  if (result.lifetime) writeFileAtomic(join(dir, 'cycles.csv'), cycleTableCsv(result));
}

export function writeSampleTable(dir: string, table: SampleTable): void {
  writeFileAtomic(join(dir, 'samples.csv'), sampleTableCsv(table));
  writeFileAtomic(join(dir, 'samples.arrow'), sampleTableArrow(table));
}

export function writeSummary(dir: string, summary: RunSummary): void {
  writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}
