/**
 * A results folder that cannot lie: one run at a time (an exclusive lock with stale-lock detection), a default
 * location that stays under results/ whatever the study is called, and removal of exactly the files cellspread
 * wrote (never anything else, never an input).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CellspreadResultsError } from '../errors.ts';
import { fileSystemFault } from '../io/faults.ts';
import { CHUNK_DIR } from './chunks.ts';

export const LOCK_FILE = '.cellspread.lock';

/** Files cellspread writes at the top of a results folder (chunks/ holds chunk-NNNNNN.json). */
export const RESULT_FILES = ['run.json', 'summary.json', 'samples.csv', 'samples.arrow', 'report.html', 'checksums.json'] as const;

/** A temporary file of writeFileAtomic or a streaming writer: `.<name>.<pid>.tmp`. */
const TEMPORARY = /^\..+\.\d+\.tmp$/;
/** Column files of the analysis stage: `.columns-<pid>/`. */
const COLUMNS = /^\.columns-\d+$/;

/**
 * A safe folder name for a study name: letters, digits, '.', '_' and '-' only, no leading dot, at most 80
 * characters ("../../x" -> "x", "my study" -> "my-study"); "study" when nothing is left.
 */
export function safeSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/-{2,}/g, '-')
    .slice(0, 80)
    .replace(/[.-]+$/g, '');
  return slug || 'study';
}

/** The default results folder of a study: results/<slug of its name>[-shard-I-of-N]. */
export function defaultResultsFolder(name: string, shard?: { index: number; count: number }): string {
  return join('results', `${safeSlug(name)}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`);
}

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM'; // exists, owned by someone else
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? (o as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Take the folder's exclusive lock for `command` ("run", "merge"); returns the release function. A lock left by a
 * process that no longer exists on this host is stale and taken over; a live one (or one from another host, which
 * cannot be checked) refuses with who holds it and what to do.
 */
export function acquireLock(dir: string, command: string): () => void {
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw fileSystemFault(err, path, 'create') ?? err;
      const holder = readOwner(path);
      const stale = holder !== undefined && holder.host === owner.host && holder.pid !== process.pid && !processAlive(holder.pid);
      if (stale || (holder === undefined && attempt === 0 && lockIsOld(path))) {
        rmSync(path, { force: true });
        continue;
      }
      const who = holder ? `cellspread ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})` : 'another cellspread run';
      throw new CellspreadResultsError(
        `${dir} is in use by ${who}: wait for it to finish; if no cellspread is running there, remove ${path}`,
      );
    }
    try {
      writeSync(fd, `${JSON.stringify(owner)}\n`);
    } finally {
      closeSync(fd);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (readOwner(path)?.pid === process.pid) rmSync(path, { force: true });
      process.off('exit', release);
    };
    process.on('exit', release);
    return release;
  }
  throw new CellspreadResultsError(`${dir} is locked (${path}) and the lock could not be taken over`);
}

/** An unreadable lock file older than a minute was left by a crash while it was being written. */
function lockIsOld(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > 60_000;
  } catch {
    return false;
  }
}

/** Temporary files and column folders left by an interrupted cellspread (call with the folder's lock held). */
export function removeTemporaryFiles(dir: string): void {
  for (const folder of [dir, join(dir, CHUNK_DIR)]) {
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder)) {
      if (TEMPORARY.test(f) || (folder === dir && COLUMNS.test(f))) rmSync(join(folder, f), { recursive: true, force: true });
    }
  }
}

/**
 * Remove the files of a previous run (what cellspread wrote: RESULT_FILES, chunks/chunk-NNNNNN.json, temporary
 * files), and nothing else; chunks/ goes too when it is left empty. `keep` names top-level files to keep and
 * `keepChunks` the chunk indices to keep (a resume keeps its verified chunks). Returns the number of files removed.
 */
export function removeRunFiles(dir: string, keep: readonly string[] = [], keepChunks: ReadonlySet<number> = new Set()): number {
  let removed = 0;
  const rm = (path: string) => {
    try {
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch (err) {
      throw fileSystemFault(err, path, 'remove') ?? err;
    }
  };
  for (const f of RESULT_FILES) if (!keep.includes(f) && existsSync(join(dir, f))) rm(join(dir, f));
  const chunks = join(dir, CHUNK_DIR);
  if (existsSync(chunks)) {
    for (const f of readdirSync(chunks)) {
      const m = /^chunk-(\d+)\.json$/.exec(f);
      if ((m && !keepChunks.has(Number(m[1]))) || TEMPORARY.test(f)) rm(join(chunks, f));
    }
    if (readdirSync(chunks).length === 0) rmdirSync(chunks);
  }
  removeTemporaryFiles(dir);
  return removed;
}

/** Whether a folder holds files of a cellspread run. */
export function holdsRunFiles(dir: string): boolean {
  return RESULT_FILES.some((f) => existsSync(join(dir, f))) || (existsSync(join(dir, CHUNK_DIR)) && readdirSync(join(dir, CHUNK_DIR)).some((f) => /^chunk-\d+\.json$/.test(f)));
}
