/**
 * Chunk files: the unit a run persists, resumes from and merges. Each chunk says what it is (the simulation hash of
 * its study, the seed, its place on the chunk grid and its sample range) and ends with the sha256 of everything before
 * it, so a chunk from another study or seed, an edited value, a truncated file or a chunk missing samples is caught
 * before it is reused:
 *
 *   {"format":"cellspread-chunk","version":2,"simulationHash":"…","seed":1,"index":3,"start":12,"count":4,
 *    "inputNames":[…],"outputs":[…],"inputs":[…],"invalid":[[13,"reason"]],"cellSteps":…,"sampleSeconds":…,
 *    "simulateSeconds":…,"checksum":"<sha256 hex of the text before ',"checksum"'>"}
 *
 * A lifetime study's chunk has "cycleOutputs":[…] after "inputs" (count x cycles x CYCLE_OUTPUT_COUNT), and its
 * "outputs" are the study's lifetime outputs (ChunkShape: what a reader expects).
 *
 * Numbers are JSON numbers (exact for doubles); NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity".
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryPath } from '../io/atomic.ts';
import { fileSystemFault } from '../io/faults.ts';
import { CYCLE_OUTPUT_COUNT } from '../pack/lifetime.ts';
import { PACK_OUTPUT_COUNT } from '../pack/outputs.ts';
import type { StudyChunk } from '../study/runner.ts';

export const CHUNK_DIR = 'chunks';
export const CHUNK_FORMAT = 'cellspread-chunk';
export const CHUNK_VERSION = 2;
const CHECKSUM_TAIL = /,"checksum":"([0-9a-f]{64})"\}\s*$/;

/** Which study and samples a chunk belongs to. */
export interface ChunkIdentity {
  simulationHash: string;
  seed: number;
}

/** Where a chunk must sit: its index on the study's chunk grid and its sample range. */
export interface ChunkPlace {
  index: number;
  start: number;
  count: number;
}

/** What a study's chunks hold per sample: its outputs, and per-cycle outputs of `cycles` cycles (0: none). */
export interface ChunkShape {
  outputs: number;
  cycles: number;
}

/** The shape of a study without a repeat block: the pack outputs. */
export const PACK_CHUNK_SHAPE: Readonly<ChunkShape> = { outputs: PACK_OUTPUT_COUNT, cycles: 0 };

export function chunkFileName(index: number): string {
  return `chunk-${String(index).padStart(6, '0')}.json`;
}

export function chunkPath(dir: string, index: number): string {
  return join(dir, CHUNK_DIR, chunkFileName(index));
}

/** Indices of the chunk files in a results folder, ascending. */
export function listChunks(dir: string): number[] {
  const folder = join(dir, CHUNK_DIR);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((f) => /^chunk-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** JSON has no NaN or Infinity: chunks store them as strings. */
function encodeNumbers(values: Float64Array): (number | string)[] {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : String(v)));
}

/** Numbers of a chunk array, or undefined when it is not `length` numbers (null, from older chunks, reads as NaN). */
export function decodeNumbers(raw: unknown, length: number): Float64Array | undefined {
  if (!Array.isArray(raw) || raw.length !== length) return undefined;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = raw[i];
    if (v === null) out[i] = NaN;
    else if (typeof v === 'number') out[i] = v;
    else if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') out[i] = Number(v);
    else return undefined;
  }
  return out;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Numbers per piece when a chunk is written: pieces stay small, so writing never allocates one large string. */
const PIECE = 2048;

/** A number array as JSON, in pieces that join to exactly JSON.stringify of the whole array. */
function* numberArrayPieces(values: Float64Array): Generator<string> {
  yield '[';
  for (let i = 0; i < values.length; i += PIECE) {
    const part = JSON.stringify(encodeNumbers(values.subarray(i, Math.min(values.length, i + PIECE))));
    yield `${i > 0 ? ',' : ''}${part.slice(1, -1)}`;
  }
  yield ']';
}

/** The text of a chunk file before its checksum, in pieces (see the format above). */
function* chunkBodyPieces(chunk: StudyChunk, identity: ChunkIdentity): Generator<string> {
  const head = JSON.stringify({
    format: CHUNK_FORMAT,
    version: CHUNK_VERSION,
    simulationHash: identity.simulationHash,
    seed: identity.seed,
    index: chunk.index,
    start: chunk.start,
    count: chunk.count,
    inputNames: chunk.inputNames,
  });
  yield `${head.slice(0, -1)},"outputs":`;
  yield* numberArrayPieces(chunk.outputs);
  yield ',"inputs":';
  yield* numberArrayPieces(chunk.inputs);
  if (chunk.cycleOutputs) {
    yield ',"cycleOutputs":';
    yield* numberArrayPieces(chunk.cycleOutputs);
  }
  const tail = JSON.stringify({
    invalid: chunk.invalid.map((p) => [p.sample, p.reason]),
    cellSteps: chunk.cellSteps,
    sampleSeconds: chunk.sampleSeconds,
    simulateSeconds: chunk.simulateSeconds,
  });
  yield `,${tail.slice(1, -1)}`;
}

/** The text of a chunk file. */
export function encodeChunk(chunk: StudyChunk, identity: ChunkIdentity): string {
  const prefix = [...chunkBodyPieces(chunk, identity)].join('');
  return `${prefix},"checksum":"${sha256Hex(prefix)}"}`;
}

/**
 * Write a chunk file atomically (a reader never sees half a chunk), piece by piece with a running checksum, so memory
 * stays flat whatever the chunk size. On failure the temporary file is removed and a file-system fault becomes a
 * CellspreadIoError naming the chunk.
 */
export function writeChunkFile(dir: string, chunk: StudyChunk, identity: ChunkIdentity): void {
  const path = chunkPath(dir, chunk.index);
  const tmp = temporaryPath(path);
  let fd = -1;
  try {
    mkdirSync(join(dir, CHUNK_DIR), { recursive: true });
    fd = openSync(tmp, 'w');
    const hash = createHash('sha256');
    for (const piece of chunkBodyPieces(chunk, identity)) {
      hash.update(piece);
      writeSync(fd, piece);
    }
    writeSync(fd, `,"checksum":"${hash.digest('hex')}"}`);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw fileSystemFault(err, path, 'write') ?? err;
  }
}

/** A chunk that cannot be reused, and why (one line). */
export interface ChunkProblem {
  index: number;
  file: string;
  problem: string;
}

export type ChunkReading = { ok: true; chunk: StudyChunk } | { ok: false; problem: string };

/**
 * Read and check a chunk's text against where it must sit and what it must belong to. `expect.inputNames` (when given)
 * must match. Checks, most specific first: parse, place on the grid, columns, lengths, then (unless `integrity` is
 * false, for a caller with checks of its own to run first, then chunkIntegrityProblem) identity and own checksum.
 */
export function decodeChunk(
  text: string,
  expect: ChunkPlace & Partial<ChunkIdentity> & { inputNames?: readonly string[]; shape?: ChunkShape },
  integrity = true,
): ChunkReading {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not valid JSON (truncated or corrupt)' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, problem: 'is not a chunk (not a JSON object)' };
  if (raw.index !== expect.index || raw.start !== expect.start || raw.count !== expect.count) {
    return { ok: false, problem: `holds index ${String(raw.index)}, start ${String(raw.start)}, count ${String(raw.count)}; the chunk grid says ${expect.index}, ${expect.start}, ${expect.count}` };
  }
  const names = raw.inputNames;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return { ok: false, problem: 'has no input names' };
  if (expect.inputNames && (names.length !== expect.inputNames.length || names.some((n, i) => n !== expect.inputNames![i]))) {
    return { ok: false, problem: 'has other input columns than the study samples' };
  }
  const shape = expect.shape ?? PACK_CHUNK_SHAPE;
  const outputs = decodeNumbers(raw.outputs, expect.count * shape.outputs);
  const inputs = decodeNumbers(raw.inputs, expect.count * names.length);
  if (!outputs || !inputs) {
    return {
      ok: false,
      problem: `has ${!outputs ? 'outputs' : 'inputs'} of the wrong length or type (${!outputs ? `${expect.count} x ${shape.outputs}` : `${expect.count} x ${names.length}`} numbers expected): a chunk missing samples`,
    };
  }
  const cycleOutputs = shape.cycles > 0 ? decodeNumbers(raw.cycleOutputs, expect.count * shape.cycles * CYCLE_OUTPUT_COUNT) : undefined;
  if (shape.cycles > 0 && !cycleOutputs) {
    return { ok: false, problem: `has no per-cycle outputs of the right length (${expect.count} x ${shape.cycles} x ${CYCLE_OUTPUT_COUNT} numbers expected)` };
  }
  if (shape.cycles === 0 && raw.cycleOutputs !== undefined) return { ok: false, problem: 'holds per-cycle outputs, but the study has no repeat block' };
  if (integrity) {
    const problem = integrityProblem(text, raw, expect);
    if (problem) return { ok: false, problem };
  }
  const invalidRaw = raw.invalid;
  if (!Array.isArray(invalidRaw) || !invalidRaw.every((p) => Array.isArray(p) && Number.isInteger(p[0]) && typeof p[1] === 'string')) {
    return { ok: false, problem: 'has no list of invalid packs' };
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    ok: true,
    chunk: {
      index: expect.index,
      start: expect.start,
      count: expect.count,
      outputs,
      ...(cycleOutputs ? { cycleOutputs } : {}),
      inputs,
      inputNames: names as string[],
      invalid: (invalidRaw as [number, string][]).map(([sample, reason]) => ({ sample, reason })),
      cellSteps: num(raw.cellSteps),
      sampleSeconds: num(raw.sampleSeconds),
      simulateSeconds: num(raw.simulateSeconds),
    },
  };
}

function integrityProblem(text: string, raw: Record<string, unknown>, expect: Partial<ChunkIdentity>): string | undefined {
  if (raw.format !== CHUNK_FORMAT || raw.version !== CHUNK_VERSION) return 'was written by an older cellspread (no identity or checksum): simulate it again';
  if (expect.seed !== undefined && raw.seed !== expect.seed) return `is from another seed (${String(raw.seed)} != ${expect.seed})`;
  if (expect.simulationHash !== undefined && raw.simulationHash !== expect.simulationHash) {
    return `is from another study (simulation hash ${String(raw.simulationHash).slice(0, 12)}… != ${expect.simulationHash.slice(0, 12)}…)`;
  }
  const tail = CHECKSUM_TAIL.exec(text);
  if (!tail) return 'has no checksum at its end (truncated or edited)';
  if (sha256Hex(text.slice(0, tail.index)) !== tail[1]) return 'does not match its own checksum (edited or corrupt)';
  return undefined;
}

/** Identity and own-checksum problem of a chunk's text (see decodeChunk), or undefined. */
export function chunkIntegrityProblem(text: string, expect: Partial<ChunkIdentity>): string | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'is not valid JSON (truncated or corrupt)';
  }
  if (raw === null || typeof raw !== 'object') return 'is not a chunk (not a JSON object)';
  return integrityProblem(text, raw as Record<string, unknown>, expect);
}

/** Read chunk `place.index` of a results folder and check it (a missing file is a problem too). */
export function readChunkFile(dir: string, expect: Parameters<typeof decodeChunk>[1]): ChunkReading {
  const path = chunkPath(dir, expect.index);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problem: (err as { code?: string }).code === 'ENOENT' ? 'is missing' : `cannot be read (${(err as Error).message})` };
  }
  return decodeChunk(text, expect);
}

/** The chunk grid of samples [start, end) in chunks of `chunkSize`: index, start and count of each chunk. */
export function chunkGrid(range: { start: number; end: number }, chunkSize: number): ChunkPlace[] {
  const out: ChunkPlace[] = [];
  for (let index = Math.floor(range.start / chunkSize); index * chunkSize < range.end; index++) {
    const start = Math.max(index * chunkSize, range.start);
    out.push({ index, start, count: Math.min((index + 1) * chunkSize, range.end) - start });
  }
  return out;
}
