import { CellspreadInputError, unknownNameError } from '../errors.ts';
import { chen2020 } from './chen2020.ts';
import { marquis2019 } from './marquis2019.ts';
import { okane2022 } from './okane2022.ts';
import type { ParameterSet } from './types.ts';

export type * from './types.ts';
export { PARAMETER_DESCRIPTORS, describeParameter } from './descriptors.ts';
export type { ParameterDescriptor } from './descriptors.ts';
export { chen2020, marquis2019, okane2022 };

/** Built-in parameter sets by name. Adding a set is one file plus one line here. */
export const PARAMETER_SETS: Readonly<Record<string, ParameterSet>> = { chen2020, marquis2019, okane2022 };

/** Look up a built-in parameter set; unknown names get a "did you mean" error naming `field`. */
export function getParameterSet(name: string, field = 'params'): ParameterSet {
  if (typeof name !== 'string' || name.length === 0) throw new CellspreadInputError(field, 'must be a parameter set name', name);
  const set = PARAMETER_SETS[name.toLowerCase()];
  if (!set) throw unknownNameError(field, name, Object.keys(PARAMETER_SETS));
  return set;
}

/** A deep copy with `overrides` applied at dotted paths (e.g. {"negative.particleRadius": 6e-6}). */
export function withOverrides(set: ParameterSet, overrides: Readonly<Record<string, number>>, field = 'overrides'): ParameterSet {
  const copy = structuredClone(set) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    const keys = path.split('.');
    let node: Record<string, unknown> = copy;
    for (let i = 0; i < keys.length - 1; i++) {
      const next = node[keys[i]];
      if (typeof next !== 'object' || next === null) throw unknownNameError(`${field}.${path}`, path, numericPaths(set));
      node = next as Record<string, unknown>;
    }
    const leaf = keys[keys.length - 1];
    if (typeof node[leaf] !== 'number') throw unknownNameError(`${field}`, path, numericPaths(set));
    if (!Number.isFinite(value)) throw new CellspreadInputError(`${field}.${path}`, 'must be a finite number', value);
    node[leaf] = value;
  }
  return copy as unknown as ParameterSet;
}

/**
 * Every dotted path of a numeric leaf. OCP series and tables are excluded; an electrolyte function contributes its
 * scalar fields (e.g. "electrolyte.conductivity.activationEnergy"), not its term list.
 */
export function numericPaths(set: ParameterSet): string[] {
  const out: string[] = [];
  const walk = (node: unknown, prefix: string) => {
    if (typeof node === 'number') out.push(prefix);
    else if (node && typeof node === 'object' && !Array.isArray(node) && !('tanh' in node) && !('stoichiometry' in node)) {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) walk(v, prefix ? `${prefix}.${k}` : k);
    }
  };
  walk(physicalParts(set), '');
  return out;
}

/** Every dotted path of a function-valued leaf: OCP and entropic series, electrolyte transport functions. */
export function functionPaths(set: ParameterSet): string[] {
  const out: string[] = [];
  for (const [part, node] of Object.entries(physicalParts(set))) {
    for (const [k, v] of Object.entries(node)) {
      if (v && typeof v === 'object' && ('tanh' in v || 'terms' in v)) out.push(`${part}.${k}`);
    }
  }
  return out;
}

function physicalParts(set: ParameterSet): Record<string, object> {
  const { negative, separator, positive, electrolyte, geometry, thermal, electrical, sei } = set;
  return { negative, separator, positive, electrolyte, geometry, thermal, electrical, ...(sei ? { sei } : {}) };
}
