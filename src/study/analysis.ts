import { cellsOfPack, interconnectOfPack } from '../backends/reference.ts';
import type { Backend, PackJob } from '../backends/types.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, PACK_OUTPUT_NAMES, PACK_OUTPUTS, type PackOutputName } from '../pack/outputs.ts';
import { simulatePack } from '../pack/simulate.ts';
import type { AnalysisCounts, AnalysisTimings, OutputStatistics, SensitivitySummary, WorstPackMap } from '../results/format.ts';
import { shapley, sobol, type InputRows } from '../sensitivity/index.ts';
import type { StudySpec } from '../spec/index.ts';
import { tailSummary } from '../tail/index.ts';
import { buildSampleDesign, sampleChunkFromLatent } from '../variation/index.ts';
import { chunkJob, type StudyProgress } from './runner.ts';
import type { StudyModel } from './job.ts';

/** Column `name` of a row-major outputs matrix. */
export function outputColumn(outputs: Float64Array, name: PackOutputName): Float64Array {
  const k = PACK_OUTPUT_INDEX[name];
  const n = outputs.length / PACK_OUTPUT_COUNT;
  const col = new Float64Array(n);
  for (let s = 0; s < n; s++) col[s] = outputs[s * PACK_OUTPUT_COUNT + k];
  return col;
}

function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
}

/** Mean, sd and quantiles of every output, in f64 over the finite samples. */
export function outputStatistics(outputs: Float64Array) {
  return PACK_OUTPUTS.map((o) => {
    const col = outputColumn(outputs, o.name).filter(Number.isFinite).sort();
    let mean = 0;
    for (const v of col) mean += v;
    mean /= col.length || 1;
    let ss = 0;
    for (const v of col) ss += (v - mean) ** 2;
    const statistics: OutputStatistics = {
      mean,
      sd: col.length > 1 ? Math.sqrt(ss / (col.length - 1)) : 0,
      min: col[0] ?? NaN,
      max: col[col.length - 1] ?? NaN,
      p05: quantile(col, 0.05),
      p50: quantile(col, 0.5),
      p95: quantile(col, 0.95),
    };
    return { name: o.name, unit: o.unit, description: o.description, statistics };
  });
}

/** Samples with any non-finite output: reported by index, never averaged in. */
export function nonFiniteSamples(outputs: Float64Array, first = 0): number[] {
  const bad: number[] = [];
  for (let s = 0; s < outputs.length / PACK_OUTPUT_COUNT; s++) {
    for (let k = 0; k < PACK_OUTPUT_COUNT; k++) {
      if (!Number.isFinite(outputs[s * PACK_OUTPUT_COUNT + k])) {
        bad.push(first + s);
        break;
      }
    }
  }
  return bad;
}

function checkOutputName(name: string, field: string): PackOutputName {
  if (!(PACK_OUTPUT_NAMES as readonly string[]).includes(name)) {
    throw new Error(`${field} must name a pack output (${PACK_OUTPUT_NAMES.join(', ')}), got "${name}"`);
  }
  return name as PackOutputName;
}

/** The tail summaries the spec asks for (analysis.tail). */
export function tailAnalyses(spec: StudySpec, outputs: Float64Array): unknown[] {
  return (spec.analysis?.tail ?? []).map((t, i) => {
    const name = checkOutputName(t.output, `analysis.tail[${i}].output`);
    return tailSummary(outputColumn(outputs, name), { limit: t.limit, tail: t.tail, output: name, nonFinite: 'drop' });
  });
}

/** Outer and inner samples per permutation step of the Shapley estimator as the study analysis runs it. */
const SHAPLEY_OUTER = 1;
const SHAPLEY_INNER = 3;

/** The sensitivity design a spec asks for, known before any model runs (printed by the CLI before it starts). */
export interface SensitivityPlan {
  method: 'sobol' | 'shapley';
  outputs: PackOutputName[];
  /** Players: one per random (quantity, level), plus "other latent draws" if any coordinate is in none. */
  groups: { name: string; indices: number[] }[];
  /** N for Sobol', permutations for Shapley. */
  n: number;
  /**
   * Packs the design simulates (one per design row), shared by all outputs: N (G + 2) for grouped Saltelli/Jansen
   * Sobol' indices, permutations x G x nOuter x nInner for random-permutation Shapley effects (whose variance comes
   * from the permutations' last steps, with no separate variance sample).
   */
  modelRuns: number;
}

export function sensitivityPlan(spec: StudySpec): SensitivityPlan | undefined {
  const request = spec.analysis?.sensitivity;
  if (!request) return undefined;
  const design = buildSampleDesign(spec);
  const outputs = request.outputs.map((o, i) => checkOutputName(o, `analysis.sensitivity.outputs[${i}]`));
  const groups = design.groups.map((g) => ({ name: g.name, indices: g.indices }));
  const covered = new Set(groups.flatMap((g) => g.indices));
  const rest = Array.from({ length: design.latentDimension }, (_, i) => i).filter((i) => !covered.has(i));
  if (rest.length > 0) groups.push({ name: 'other latent draws', indices: rest });
  const G = groups.length;
  const modelRuns = request.method === 'shapley' ? request.n * G * SHAPLEY_OUTER * SHAPLEY_INNER : request.n * (G + 2);
  return { method: request.method, outputs, groups, n: request.n, modelRuns };
}

/**
 * Counts and times the analysis stage's model runs (packs simulated beyond the study's samples), for summary.json
 * `counts.analysis` and `timings.analysis`, and reports progress against the planned number of runs.
 */
export class AnalysisRuns {
  packs = 0;
  cellSteps = 0;
  sampleSeconds = 0;
  simulateSeconds = 0;
  private readonly t0 = performance.now();

  constructor(
    readonly planned: number,
    readonly cellsPerPack: number,
    private readonly onProgress?: (p: StudyProgress) => void,
  ) {}

  record(packs: number, cellSteps: number, sampleSeconds: number, simulateSeconds: number): void {
    this.packs += packs;
    this.cellSteps += cellSteps;
    this.sampleSeconds += sampleSeconds;
    this.simulateSeconds += simulateSeconds;
    if (!this.onProgress) return;
    const elapsed = (performance.now() - this.t0) / 1000;
    const rate = this.packs / Math.max(elapsed, 1e-9);
    const total = Math.max(this.planned, this.packs);
    this.onProgress({ samplesDone: this.packs, samplesTotal: total, elapsedSeconds: elapsed, samplesPerSecond: rate, etaSeconds: (total - this.packs) / rate });
  }

  get counts(): AnalysisCounts {
    return { packs: this.packs, cells: this.packs * this.cellsPerPack, cellSteps: this.cellSteps };
  }

  get timings(): AnalysisTimings {
    return { sampleSeconds: this.sampleSeconds, simulateSeconds: this.simulateSeconds };
  }
}

/**
 * Sobol or Shapley indices of the requested outputs over (quantity, level) groups of the sampler's latent inputs,
 * with every model evaluation a chunk of packs through the chosen backend. All outputs share one design: the model
 * is evaluated once per design row and the other outputs reuse the recorded evaluations. Each design batch is
 * simulated in pieces of run.chunkSize packs, recorded in `runs` (counts, timings, progress) when given.
 */
export async function sensitivityAnalyses(spec: StudySpec, model: StudyModel, backend: Backend, signal?: AbortSignal, runs?: AnalysisRuns): Promise<SensitivitySummary[]> {
  const plan = sensitivityPlan(spec);
  if (!plan) return [];
  const request = spec.analysis!.sensitivity!;
  const design = buildSampleDesign(spec);
  const inputs = {
    marginals: Array.from({ length: design.latentDimension }, () => ({ dist: 'uniform' as const, a: 0, b: 1 })),
    groups: plan.groups,
  };
  const recorded: Float64Array[] = [];
  let call = 0;
  let evaluations = 0;
  const D = design.latentDimension;
  const piece = spec.run.chunkSize;
  const evaluate = async (rows: InputRows): Promise<Float64Array> => {
    const outputs = new Float64Array(rows.length * PACK_OUTPUT_COUNT);
    for (let start = 0; start < rows.length; start += piece) {
      signal?.throwIfAborted();
      const count = Math.min(piece, rows.length - start);
      const t0 = performance.now();
      const chunk = sampleChunkFromLatent(spec, rows.data.subarray(start * D, (start + count) * D), count);
      const job: PackJob = { ...chunkJob(spec, model, 0, 0).job, count, kernelParameters: chunk.kernelParameters, interconnectResistance: chunk.interconnectResistance };
      const t1 = performance.now();
      const result = await backend.simulate(job, signal);
      outputs.set(result.outputs, start * PACK_OUTPUT_COUNT);
      runs?.record(count, result.cellSteps, (t1 - t0) / 1000, (performance.now() - t1) / 1000);
    }
    evaluations += rows.length;
    return outputs;
  };
  const modelFor = (name: PackOutputName) => async (rows: InputRows) => {
    const index = call++;
    if (!recorded[index]) recorded[index] = await evaluate(rows);
    return outputColumn(recorded[index], name);
  };
  const out: SensitivitySummary[] = [];
  for (const name of plan.outputs) {
    call = 0;
    if (request.method === 'shapley') {
      const r = await shapley({
        inputs,
        model: modelFor(name),
        seed: spec.run.seed,
        method: 'random',
        nPermutations: request.n,
        nOuter: SHAPLEY_OUTER,
        nInner: SHAPLEY_INNER,
        batchSize: spec.run.chunkSize * 4,
      });
      out.push({
        output: name,
        method: 'shapley',
        factors: r.names,
        effects: Array.from(r.effects),
        effectsCI: r.effectsCI.map((c) => [c[0], c[1]] as [number, number]),
        evaluations,
        statements: statements(r.names, Array.from(r.effects), name, 'Shapley effect'),
      });
    } else {
      const r = await sobol({ inputs, model: modelFor(name), n: request.n, seed: spec.run.seed, batchSize: spec.run.chunkSize * 4 });
      out.push({
        output: name,
        method: 'sobol',
        factors: r.names,
        first: Array.from(r.first),
        total: Array.from(r.total),
        firstCI: r.firstCI.map((c) => [c[0], c[1]] as [number, number]),
        totalCI: r.totalCI.map((c) => [c[0], c[1]] as [number, number]),
        evaluations,
        statements: statements(r.names, Array.from(r.first), name, 'first-order index'),
      });
    }
  }
  return out;
}

function statements(factors: readonly string[], shares: number[], output: string, what: string): string[] {
  return factors
    .map((f, i) => ({ f, s: shares[i] }))
    .filter((x) => Number.isFinite(x.s))
    .sort((a, b) => b.s - a.s)
    // Estimates can stray outside [0, 1] by sampling error; a share of variance cannot.
    .map(({ f, s }) => `${f} explains ${(100 * Math.min(1, Math.max(0, s))).toFixed(0)} % of the variance of ${output} (${what})`);
}

/** Pick the worst pack (by the first tail criterion, else hottest) and map its cells by re-simulating it with traces. */
export function worstPackMap(spec: StudySpec, model: StudyModel, outputs: Float64Array, first = 0): WorstPackMap | undefined {
  const n = outputs.length / PACK_OUTPUT_COUNT;
  if (n === 0) return undefined;
  const t = spec.analysis?.tail?.[0];
  const name = t && (PACK_OUTPUT_NAMES as readonly string[]).includes(t.output) ? (t.output as PackOutputName) : 'maxTemperatureK';
  const highest = t ? t.tail !== 'lower' : true;
  const col = outputColumn(outputs, name);
  let worst = -1;
  for (let s = 0; s < n; s++) {
    if (!Number.isFinite(col[s])) continue;
    if (worst < 0 || (highest ? col[s] > col[worst] : col[s] < col[worst])) worst = s;
  }
  if (worst < 0) return undefined;
  const { job } = chunkJob(spec, model, first + worst, 1);
  const cells = cellsOfPack(job, 0);
  const r = simulatePack({ set: model.set, layout: model.layout, segments: model.segments, settings: model.settings, cells, interconnect: interconnectOfPack(job, 0), record: true });
  const tr = r.trace!;
  const count = cells.length;
  const maxT = new Array<number>(count).fill(-Infinity);
  for (const T of tr.cellTemperature) for (let c = 0; c < count; c++) maxT[c] = Math.max(maxT[c], T[c]);
  return {
    criterion: `${name}, ${highest ? 'highest' : 'lowest'}`,
    sample: first + worst,
    series: model.layout.series,
    parallel: model.layout.parallel,
    modules: model.layout.modules,
    cellMaxTemperatureK: maxT,
    cellFinalCurrentA: Array.from(tr.cellCurrent.at(-1)!),
    cellFinalSoc: Array.from(r.diagnostics.finalCellSoc),
    cellContactResistanceOhm: cells.map((c) => c.contactResistance),
    cellCapacityAh: cells.map((c) => c.capacityNeg),
  };
}
