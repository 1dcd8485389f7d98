import { CellspreadInputError } from '../errors.ts';

/** Number-valued flag: `--c-rate must be a number > 0, got -1` style errors name the flag itself. */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  rule: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const flag = `--${name}`;
  const describe = () => {
    const parts: string[] = [];
    if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`);
    if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
    return `must be ${rule.integer ? 'an integer' : 'a number'}${parts.length ? ` ${parts.join(' and ')}` : ''}`;
  };
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v)) throw new CellspreadInputError(flag, describe(), raw);
  if (rule.integer && !Number.isInteger(v)) throw new CellspreadInputError(flag, describe(), raw);
  if (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min)) throw new CellspreadInputError(flag, describe(), v);
  if (rule.max !== undefined && v > rule.max) throw new CellspreadInputError(flag, describe(), v);
  return v;
}

export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !choices.includes(raw as T)) {
    throw new CellspreadInputError(`--${name}`, `must be one of ${choices.join(', ')}`, raw);
  }
  return raw as T;
}

/** Bind a negative number to the flag before it (`--c-rate -1` becomes `--c-rate=-1`) so it is validated, not misparsed. */
export function bindNegativeNumbers(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d|^-\.\d|^-Infinity$/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Re-label an error raised deep inside (e.g. protocol[0].cutoffVoltage) with the flag the user typed. */
export function relabel<T>(fn: () => T, fields: Record<string, string>): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CellspreadInputError && fields[err.field]) {
      throw new CellspreadInputError(fields[err.field], err.rule, err.received, err.hint);
    }
    throw err;
  }
}
