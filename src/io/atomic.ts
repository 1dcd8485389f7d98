import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileSystemFault } from './faults.ts';

/** Name of the temporary sibling `writeFileAtomic` writes first (hidden, per process, ends in .tmp). */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * Write a file atomically: a temporary sibling, then rename, so readers never see a half-written file. On failure the
 * temporary file is removed and a file-system fault (disk full, read-only, ...) becomes a CellspreadIoError.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = temporaryPath(path);
  try {
    mkdirSync(dirname(path) || '.', { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fileSystemFault(err, path, 'write') ?? err;
  }
}
