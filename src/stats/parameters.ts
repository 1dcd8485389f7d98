/** Parameter checks of the distribution constructors: a clear error naming the distribution, the parameter and the rule. */
import { CellspreadInputError } from '../errors.ts';

/** Throws `<distribution>: <parameter> <rule>, got <value>` unless `ok`. */
export function requireParameter(ok: boolean, distribution: string, parameter: string, rule: string, value: unknown): void {
  if (!ok) throw new CellspreadInputError(`${distribution}: ${parameter}`, rule, value);
}

/** A finite number. */
export function requireFinite(distribution: string, parameter: string, value: number): void {
  requireParameter(typeof value === 'number' && Number.isFinite(value), distribution, parameter, 'must be a finite number', value);
}

/** A finite number > 0. */
export function requirePositive(distribution: string, parameter: string, value: number): void {
  requireParameter(typeof value === 'number' && value > 0 && value < Infinity, distribution, parameter, 'must be a finite number > 0', value);
}
