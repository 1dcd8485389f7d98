/**
 * File-system faults as one-line messages: which file, what the system said, and what to do. Node's errors carry an
 * errno code (ENOSPC, EROFS, EACCES, ...); these become {@link CellspreadIoError}s the CLI prints without a stack.
 */
import { CellspreadIoError } from '../errors.ts';

const FAULTS: Record<string, { what: string; remedy: string }> = {
  ENOSPC: { what: 'the disk is full', remedy: 'free some space, then run the command again' },
  EDQUOT: { what: 'the disk quota is exceeded', remedy: 'free some space, then run the command again' },
  EROFS: { what: 'the file system is read-only', remedy: 'choose a folder on a writable file system' },
  EACCES: { what: 'permission denied', remedy: "choose another folder or fix the folder's permissions" },
  EPERM: { what: 'operation not permitted', remedy: "choose another folder or fix the folder's permissions" },
  EIO: { what: 'input/output error', remedy: 'check the disk, then run the command again' },
  EMFILE: { what: 'too many open files', remedy: 'raise the open-file limit (ulimit -n), then run the command again' },
  ENFILE: { what: 'too many open files in the system', remedy: 'close other programs, then run the command again' },
  EISDIR: { what: 'it is a folder', remedy: 'remove or rename that folder' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', remedy: 'choose another path' },
};

/** The errno code of a Node file-system error, if it has one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * A CellspreadIoError for a file-system fault met while `doing` ("write", "read", "create", "remove") `path`, or
 * undefined when `err` is not one we can explain (then it is a bug and should surface as such).
 */
export function fileSystemFault(err: unknown, path: string, doing: string): CellspreadIoError | undefined {
  const code = errnoCode(err);
  const fault = code ? FAULTS[code] : undefined;
  if (!code || !fault) return undefined;
  return new CellspreadIoError(`cannot ${doing} ${path}: ${fault.what} (${code}); ${fault.remedy}`, path, code);
}

/** Run `fn`; a file-system fault becomes a CellspreadIoError naming `path`, anything else is rethrown as it is. */
export function withFileFaults<T>(path: string, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fileSystemFault(err, path, doing) ?? err;
  }
}
