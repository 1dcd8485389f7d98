/**
 * cellspread's errors. Every failure a user can cause or meet (bad input, a cap, a results folder that does not hold
 * what it claims, a full disk, Ctrl-C) is a {@link CellspreadError} with a one-line message and the exit code the CLI
 * returns for it; anything else is a bug ("internal error", exit 1).
 */

/** Exit codes of the CLI, one per kind of failure. */
export const EXIT_CODE = {
  ok: 0,
  /** A bug in cellspread. */
  internal: 1,
  /** Bad input: a study file, a flag, a cap, a results folder that cannot be used as asked. */
  input: 2,
  /** The machine refused: disk full, read-only file system, permission denied. */
  io: 3,
  /** Stopped by Ctrl-C (SIGINT), as shells report it. */
  interrupted: 130,
} as const;

/** Base of every typed cellspread error; `exitCode` is what the CLI exits with. */
export class CellspreadError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = 'CellspreadError';
    this.exitCode = exitCode;
  }
}

/**
 * Bad input everywhere in cellspread: it names the field path, the rule and the value received,
 * e.g. `cRate must be > 0, got -1`. Exit code 2.
 */
export class CellspreadInputError extends CellspreadError {
  readonly field: string;
  readonly rule: string;
  readonly received: unknown;
  /** What to do about it (part of the message). */
  readonly hint?: string;

  constructor(field: string, rule: string, received: unknown, hint?: string) {
    super(`${field} ${rule}, got ${formatValue(received)}${hint ? ` (${hint})` : ''}`, EXIT_CODE.input);
    this.name = 'CellspreadInputError';
    this.field = field;
    this.rule = rule;
    this.received = received;
    this.hint = hint;
  }
}

/**
 * A results folder that cannot be used as asked: chunks of another study, edited or truncated chunks, a folder locked
 * by another run, shards that do not fit together. `problems` lists every one found. Exit code 2.
 */
export class CellspreadResultsError extends CellspreadError {
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(problems.length > 0 ? `${message}:\n${problems.map((p) => `  - ${p}`).join('\n')}` : message, EXIT_CODE.input);
    this.name = 'CellspreadResultsError';
    this.problems = problems;
  }
}

/** The file system refused (disk full, read-only, permission denied, ...): names the file and what to do. Exit code 3. */
export class CellspreadIoError extends CellspreadError {
  readonly path: string;
  readonly code?: string;
  constructor(message: string, path: string, code?: string) {
    super(message, EXIT_CODE.io);
    this.name = 'CellspreadIoError';
    this.path = path;
    this.code = code;
  }
}

/** Stopped on request (Ctrl-C, an AbortSignal). Exit code 130. */
export class CellspreadInterruptedError extends CellspreadError {
  constructor(message: string) {
    super(message, EXIT_CODE.interrupted);
    this.name = 'CellspreadInterruptedError';
  }
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return Number.isFinite(n) && Math.abs(n) < 1e15 ? Math.round(n).toLocaleString('en-US') : String(n);
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return String(value);
  }
}

/** Levenshtein distance, for "did you mean" suggestions on misspelt names. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest names to `name` among `candidates` (case-insensitive), best first; empty if none is close. */
export function closestNames(name: string, candidates: readonly string[], max = 3): string[] {
  const lower = name.toLowerCase();
  return candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, max)
    .map(({ c }) => c);
}

export function unknownNameError(field: string, name: string, candidates: readonly string[]): CellspreadInputError {
  const best = closestNames(name, candidates);
  const hint = best.length > 0 ? `did you mean ${best.map((b) => `"${b}"`).join(' or ')}?` : `valid: ${candidates.join(', ')}`;
  return new CellspreadInputError(field, 'must be a known name', name, hint);
}
