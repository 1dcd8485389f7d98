import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellspreadInputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { errnoCode } from '../io/faults.ts';
import type { StudyChunk } from '../study/runner.ts';
import { CHUNK_DIR, chunkFileName, listChunks, readChunkFile, writeChunkFile, type ChunkIdentity, type ChunkShape } from './chunks.ts';
import type { RunSummary } from './format.ts';

export { CHUNK_DIR, chunkFileName, listChunks };

/** What a run folder records up front, so a resume or a merge can check it belongs to the same study. */
export interface RunManifest {
  specHash: string;
  /** The part of the spec that decides the samples: a resume with only the analysis changed reuses the chunks. */
  simulationHash?: string;
  analysisHash?: string;
  seed?: number;
  chunkSize: number;
  samples: number;
  range: { start: number; end: number };
  shard?: { index: number; count: number };
  version: string;
}

/** Fail early, before any simulation, if the folder cannot be written. */
export function ensureWritableFolder(dir: string, field = '--out'): void {
  try {
    mkdirSync(join(dir, CHUNK_DIR), { recursive: true });
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (err) {
    const code = errnoCode(err);
    const why = code === 'EROFS' ? 'the file system is read-only' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
    throw new CellspreadInputError(field, 'must be a folder cellspread can write', dir, `${why}; choose another folder`);
  }
}

export function writeManifest(dir: string, manifest: RunManifest): void {
  writeFileAtomic(join(dir, 'run.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

export function readManifest(dir: string): RunManifest | undefined {
  const path = join(dir, 'run.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
  } catch (err) {
    throw new CellspreadInputError('--out', 'must hold a readable run.json', path, `${(err as Error).message}; start again with --force`);
  }
}

/** Write a chunk file (with its identity and checksum, see chunks.ts). */
export function writeChunk(dir: string, chunk: StudyChunk, identity: ChunkIdentity): void {
  writeChunkFile(dir, chunk, identity);
}

/** Read and check a chunk of a folder; undefined when it is missing or fails a check. */
export function readChunk(dir: string, index: number, expect: { start: number; count: number; shape?: ChunkShape } & Partial<ChunkIdentity>): StudyChunk | undefined {
  const r = readChunkFile(dir, { index, ...expect });
  return r.ok ? r.chunk : undefined;
}

/** sha256 (hex) of a file, read in pieces (memory stays flat however large the file). */
export function fileSha256(path: string, buffer = new Uint8Array(1 << 16)): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** sha256 (hex) of every chunk file of a results folder, keyed "chunks/chunk-NNNNNN.json" (what checksums.json holds). */
export function chunkChecksums(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const buffer = new Uint8Array(1 << 16);
  for (const index of listChunks(dir)) {
    const rel = `${CHUNK_DIR}/${chunkFileName(index)}`;
    out[rel] = fileSha256(join(dir, rel), buffer);
  }
  return out;
}

export function writeChecksums(dir: string): void {
  writeFileAtomic(join(dir, 'checksums.json'), `${JSON.stringify(chunkChecksums(dir), null, 2)}\n`);
}

export function writeSummary(dir: string, summary: RunSummary): void {
  writeFileAtomic(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
}
