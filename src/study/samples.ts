/**
 * The samples of a study run, in one index space:
 *
 *   [0, M)          Monte Carlo samples (M = run.samples; outer x inner in a two-level epistemic study)
 *   [M, M + R)      the rows of the sensitivity design (analysis.sensitivity), row r being sample M + r
 *
 * Every sample, of either kind, is a pure function of the spec and its index (counter-keyed streams for Monte Carlo
 * rows, design rows addressed by index), so chunks, --resume, --shard I/N and `cellspread merge` treat design rows as
 * ordinary samples: the shards simulate them, and the indices are computed from all shards' outputs, bit-identical to
 * a single run.
 */
import { CellspreadInputError } from '../errors.ts';
import { studyOutputNames } from './outputs.ts';
import { cellCount } from '../pack/topology.ts';
import { shapleyDesign, sobolDesign, type ShapleyDesign, type SobolDesign } from '../sensitivity/index.ts';
import type { StudySpec } from '../spec/index.ts';
import { epistemicChunkProblem } from '../spec/validate.ts';
import { buildSampleDesign, compileStudy, epistemicChunk, latentChunk, sampleChunkFromLatent, type SampleChunk } from '../variation/index.ts';
import type { StudyResult } from './runner.ts';

export interface StudyLayout {
  /** Monte Carlo samples: indices [0, monteCarlo). */
  monteCarlo: number;
  /** Sensitivity design rows: indices [monteCarlo, total). */
  designRows: number;
  total: number;
  /** The sensitivity design over the latent uniforms (then the epistemic uniforms), if the spec asks for one. */
  sensitivity?: SobolDesign | ShapleyDesign;
  /** Latent (aleatory) and epistemic columns of a design row. */
  latentDimension: number;
  epistemicDimension: number;
  /** Two-level Monte Carlo sizes, if the spec has an epistemic block. */
  epistemic?: { outer: number; inner: number };
  /** Shards hold whole units of this many samples: the chunk size, or whole outer samples in a two-level study. */
  shardUnit: number;
}

const cache = new WeakMap<StudySpec, StudyLayout>();

/** Whether a quantity acts on ageing (the SEI parameters and rate factor) rather than on the cell as made. */
export function isAgeingQuantity(key: string): boolean {
  return key === 'seiRateFactor' || key.startsWith('sei.');
}

/** A lifetime study with a per-cycle random walk: its walk is one more input of a sensitivity design. */
function hasWalk(spec: StudySpec): boolean {
  return (spec.ageing?.randomWalk?.sigma ?? 0) > 0;
}

/**
 * The sensitivity design of a study: uniform latent inputs grouped by (quantity, level) (or, with groups "origin", into
 * manufacturing and ageing parameters), then one per epistemic quantity, then the random walk of a lifetime study (its
 * coordinate keys each design row's walk streams, so the walk is a factor like any other).
 */
function sensitivityDesign(spec: StudySpec): SobolDesign | ShapleyDesign | undefined {
  const request = spec.analysis?.sensitivity;
  if (!request) return undefined;
  const sample = buildSampleDesign(spec);
  const epistemic = compileStudy(spec).epistemic;
  const D = sample.latentDimension;
  let groups = sample.groups.map((g) => ({ name: g.name, indices: [...g.indices] }));
  if (request.groups === 'origin') {
    const of = (ageing: boolean) => sample.groups.filter((g) => isAgeingQuantity(g.quantity) === ageing).flatMap((g) => g.indices);
    groups = [
      { name: 'manufacturing', indices: of(false) },
      { name: 'ageing parameters', indices: of(true) },
    ].filter((g) => g.indices.length > 0);
  }
  const covered = new Set(groups.flatMap((g) => g.indices));
  const rest = Array.from({ length: D }, (_, i) => i).filter((i) => !covered.has(i));
  if (rest.length > 0) groups.push({ name: 'other latent draws', indices: rest });
  epistemic.forEach((e, k) => groups.push({ name: `epistemic ${e.key}`, indices: [D + k] }));
  const walk = hasWalk(spec) ? 1 : 0;
  if (walk) groups.push({ name: 'ageing random walk', indices: [D + epistemic.length] });
  if (groups.length === 0) {
    throw new CellspreadInputError('analysis.sensitivity', 'needs at least one random quantity (under variation or epistemic)', request.method);
  }
  const inputs = { marginals: Array.from({ length: D + epistemic.length + walk }, () => ({ dist: 'uniform' as const, a: 0, b: 1 })), groups };
  if (request.method === 'shapley') return shapleyDesign({ inputs, seed: spec.run.seed, method: 'random', nPermutations: request.n });
  return sobolDesign({ inputs, n: request.n, seed: spec.run.seed, secondOrder: request.secondOrder ?? false });
}

/**
 * The sample layout of a study (cached per spec object). Also checks what a CLI override could have broken: in a
 * two-level study run.samples must be outer x inner and the chunk size must tile outer samples.
 */
export function studyLayout(spec: StudySpec): StudyLayout {
  const hit = cache.get(spec);
  if (hit) return hit;
  const e = spec.epistemic;
  if (e) {
    if (spec.run.samples !== e.outer * e.inner) {
      throw new CellspreadInputError('run.samples', `must equal epistemic.outer x epistemic.inner = ${e.outer} x ${e.inner} = ${e.outer * e.inner}`, spec.run.samples, 'change epistemic.outer or epistemic.inner instead');
    }
    const problem = epistemicChunkProblem(spec.run.chunkSize, e.inner);
    if (problem) throw new CellspreadInputError('run.chunkSize', problem.rule, spec.run.chunkSize, problem.hint);
  }
  const design = sensitivityDesign(spec);
  const monteCarlo = spec.run.samples;
  const designRows = design?.rowCount ?? 0;
  const layout: StudyLayout = {
    monteCarlo,
    designRows,
    total: monteCarlo + designRows,
    ...(design ? { sensitivity: design } : {}),
    latentDimension: buildSampleDesign(spec).latentDimension,
    epistemicDimension: compileStudy(spec).epistemic.length,
    ...(e ? { epistemic: { outer: e.outer, inner: e.inner } } : {}),
    shardUnit: e ? Math.max(spec.run.chunkSize, e.inner) : spec.run.chunkSize,
  };
  cache.set(spec, layout);
  return layout;
}

/** Walk keys of design rows start here (above every Monte Carlo sample index). */
const WALK_DESIGN_KEY = 2 ** 52;

/** Keep a design's uniform inside the open interval the sampler needs (a normal score beyond 8.2 rounds to 1). */
function openUnit(u: number): number {
  return Math.min(1 - 2 ** -53, Math.max(2 ** -53, u));
}

/** Samples start .. start + count - 1 of the run, Monte Carlo and design rows alike. */
export function studySamples(spec: StudySpec, start: number, count: number): SampleChunk {
  const layout = studyLayout(spec);
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(count) && start >= 0 && count >= 0 && start + count <= layout.total)) {
    throw new CellspreadInputError('samples', `must lie in [0, ${layout.total}) (${layout.monteCarlo} Monte Carlo samples, ${layout.designRows} design rows)`, { start, count });
  }
  const D = layout.latentDimension;
  const Q = layout.epistemicDimension;
  const mc = Math.max(0, Math.min(start + count, layout.monteCarlo) - start);
  // The walk streams of a Monte Carlo sample are keyed by its index; a design row's by its walk coordinate.
  const walk = hasWalk(spec);
  const walkKeys = walk ? Float64Array.from({ length: count }, (_, i) => start + i) : undefined;
  if (mc === count) return { ...sampleChunkFromLatent(spec, latentChunk(spec, start, count), count, start, epistemicChunk(spec, start, count)), ...(walkKeys ? { walkKeys } : {}) };
  const latent = new Float64Array(count * D);
  const epistemic = new Float64Array(count * Q);
  if (mc > 0) {
    latent.set(latentChunk(spec, start, mc));
    epistemic.set(epistemicChunk(spec, start, mc));
  }
  const width = D + Q + (walk ? 1 : 0);
  const rows = layout.sensitivity!.rows(start + mc - layout.monteCarlo, count - mc);
  for (let r = 0; r < count - mc; r++) {
    for (let i = 0; i < D; i++) latent[(mc + r) * D + i] = openUnit(rows[r * width + i]);
    for (let k = 0; k < Q; k++) epistemic[(mc + r) * Q + k] = openUnit(rows[r * width + D + k]);
    if (walkKeys) walkKeys[mc + r] = WALK_DESIGN_KEY + Math.floor(openUnit(rows[r * width + D + Q]) * 2 ** 32);
  }
  return { ...sampleChunkFromLatent(spec, latent, count, start, epistemic), ...(walkKeys ? { walkKeys } : {}) };
}

/**
 * The Monte Carlo part of a result (what statistics, tails, tables and the worst pack describe): its rows within
 * [0, monteCarlo). Counts say how many samples and design rows the run simulated; range stays the run's range.
 */
export function monteCarloResult(result: StudyResult): StudyResult {
  const layout = studyLayout(result.spec);
  const { start, end } = result.range;
  const mcEnd = Math.max(start, Math.min(end, layout.monteCarlo));
  const mc = mcEnd - start;
  const rows = end - start;
  const ni = result.inputNames.length;
  const W = studyOutputNames(result.spec).length;
  const lifetime = result.lifetime && mc !== rows ? { ...result.lifetime, cycleOutputs: result.lifetime.cycleOutputs.slice(0, mc * result.lifetime.cycles * result.lifetime.width) } : result.lifetime;
  return {
    ...result,
    ...(lifetime ? { lifetime } : {}),
    outputs: mc === rows ? result.outputs : result.outputs.slice(0, mc * W),
    inputs: mc === rows ? result.inputs : result.inputs.slice(0, mc * ni),
    invalid: result.invalid.filter((p) => p.sample < mcEnd),
    counts: {
      ...result.counts,
      samples: mc,
      designRows: rows - mc,
      cells: rows * cellCount(result.spec.pack),
      invalidSamples: result.invalid.filter((p) => p.sample < mcEnd).length,
      validSamples: mc - result.invalid.filter((p) => p.sample < mcEnd).length,
    },
  };
}

/** The outputs of every sensitivity design row (rowCount x outputs), if the result holds all of them. */
export function designOutputs(result: StudyResult): Float64Array | undefined {
  const layout = studyLayout(result.spec);
  if (!layout.sensitivity) return undefined;
  const { start, end } = result.range;
  if (start > layout.monteCarlo || end < layout.total) return undefined;
  const W = studyOutputNames(result.spec).length;
  return result.outputs.subarray((layout.monteCarlo - start) * W, (layout.total - start) * W);
}

/**
 * What a run of `range` costs, said before it runs: "10000 Monte Carlo samples (40 outer x 250 inner: epistemic x
 * aleatory) + 576 sensitivity design rows (sobol) = 10576 packs"; for a shard, "samples 0-259 of 776: ...".
 */
export function describeCost(spec: StudySpec, range: { start: number; end: number } = { start: 0, end: studyLayout(spec).total }): string {
  const layout = studyLayout(spec);
  const mc = Math.max(0, Math.min(range.end, layout.monteCarlo) - range.start);
  const design = range.end - range.start - mc;
  const e = layout.epistemic;
  const whole = range.start === 0 && range.end === layout.total;
  let levels = '';
  if (e && whole) levels = ` (${e.outer} outer x ${e.inner} inner: epistemic x aleatory)`;
  else if (e && mc > 0) levels = ` (outer samples ${Math.floor(range.start / e.inner)}-${Math.ceil((range.start + mc) / e.inner) - 1} of ${e.outer}, x ${e.inner} inner)`;
  const parts = [`${mc} Monte Carlo samples${levels}`];
  if (layout.designRows > 0) parts.push(`${design} sensitivity design rows (${layout.sensitivity!.kind})`);
  const text = `${parts.join(' + ')}${parts.length > 1 ? ` = ${range.end - range.start} packs` : ''}`;
  return whole ? text : `samples ${range.start}-${range.end - 1} of ${layout.total}: ${text}`;
}
