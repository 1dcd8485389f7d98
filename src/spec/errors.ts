/** Errors of a study specification: they carry the field path so parse.ts can point at the line and column. */
import { CellspreadInputError } from '../errors.ts';

export type SpecPath = readonly (string | number)[];

export interface SourceLocation {
  source?: string;
  line: number;
  column: number;
}

export class StudySpecError extends CellspreadInputError {
  /** Path of the offending field in the study object. */
  readonly path: SpecPath;
  /** True when the offending thing is the key itself (unknown key), so locations point at the key. */
  readonly atKey: boolean;
  location?: SourceLocation;

  constructor(path: SpecPath, rule: string, received: unknown, hint?: string, atKey = false) {
    super(formatPath(path), rule, received, hint);
    this.name = 'StudySpecError';
    this.path = path;
    this.atKey = atKey;
  }

  /** Prefix the message with `source:line:col: `. */
  locate(location: SourceLocation): this {
    this.location = location;
    const where = `${location.source ? `${location.source}:` : ''}${location.line}:${location.column}`;
    this.message = `${where}: ${this.message}`;
    return this;
  }
}

/** `variation.porosity.negative.cell.sd`, `protocol[0].cRate`. */
export function formatPath(path: SpecPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || 'study';
}

/**
 * A study bigger than one of its caps (cells per pack, samples, table length, time steps, chunk memory): names the
 * number, the cap and how to raise it.
 */
export class StudyLimitError extends StudySpecError {
  readonly limit: number;
  constructor(path: SpecPath, what: string, value: number, limit: number, raise: string) {
    super(path, `must stay within the limit of ${formatLimit(limit)} ${what}`, value, raise);
    this.name = 'StudyLimitError';
    this.limit = limit;
  }
}

function formatLimit(n: number): string {
  return Number.isSafeInteger(n) ? n.toLocaleString('en-US') : String(n);
}
