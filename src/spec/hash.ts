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

/**
 * The part of a study that decides what each simulated sample is: everything but its name, its caps, the analysis
 * apart from the sensitivity design (whose rows are samples), and how many samples run in which chunks (the run's
 * range and chunk grid are checked on their own). Chunks carry this hash, so a study whose tail analysis or
 * sensitivity outputs changed reuses its chunks and only reruns the analysis.
 */
export function simulationHash(spec: StudySpec): string {
  const { name: _name, analysis, limits: _limits, run, ...simulation } = spec;
  // The sensitivity design's rows are samples of the run (study/samples.ts): what shapes them is simulation too.
  const { outputs: _outputs, ...design } = analysis?.sensitivity ?? { outputs: [] };
  return sha256Hex(canonicalJson({ ...simulation, run: { seed: run.seed }, ...(analysis?.sensitivity ? { sensitivityDesign: design } : {}) }));
}

/** The part of a study that decides the analysis of the samples (analysis.tail, analysis.sensitivity). */
export function analysisHash(spec: StudySpec): string {
  return sha256Hex(canonicalJson({ analysis: spec.analysis ?? null }));
}
