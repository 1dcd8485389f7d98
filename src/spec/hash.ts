import { createHash } from 'node:crypto';
import type { StudySpec } from './schema.ts';

/** JSON with object keys sorted at every depth (arrays keep their order); undefined members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Stable identity of a validated study: sha256 (hex) of its canonical JSON. Two files that differ only in key order,
 * comments, formatting or spelt-out defaults hash the same.
 */
export function studyHash(spec: StudySpec): string {
  return sha256(canonicalJson(spec));
}

/**
 * The part of a study that decides what each simulated sample is: everything but its name, its analysis, its caps,
 * and how many samples run in which chunks (sample i is the same whatever run.samples and run.chunkSize are; the
 * seed is in). Chunks carry this hash, so a study whose analysis changed reuses its chunks and only reruns the
 * analysis.
 */
export function simulationHash(spec: StudySpec): string {
  const { name: _name, analysis: _analysis, limits: _limits, run, ...simulation } = spec;
  return sha256(canonicalJson({ ...simulation, run: { seed: run.seed } }));
}

/** The part of a study that decides the analysis of the samples (analysis.tail, analysis.sensitivity). */
export function analysisHash(spec: StudySpec): string {
  return sha256(canonicalJson({ analysis: spec.analysis ?? null }));
}
