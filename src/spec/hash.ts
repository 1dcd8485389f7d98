import type { StudySpec } from './schema.ts';
import { sha256Hex } from './sha256.ts';

/** JSON with object keys sorted at every depth (arrays keep their order); undefined members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Stable identity of a validated study: sha256 (hex) of its canonical JSON. Two files that differ only in key order,
 * comments, formatting or spelt-out defaults hash the same.
 */
export function studyHash(spec: StudySpec): string {
  return sha256Hex(canonicalJson(spec));
}
