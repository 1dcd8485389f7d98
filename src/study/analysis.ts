import { cellsOfPack, interconnectOfPack } from '../backends/reference.ts';
import type { Backend, PackJob } from '../backends/types.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, PACK_OUTPUT_NAMES, PACK_OUTPUTS, type PackOutputName } from '../pack/outputs.ts';
import { simulatePack } from '../pack/simulate.ts';
import type { OutputStatistics, SensitivitySummary, WorstPackMap } from '../results/format.ts';
import type { OutputColumns } from '../results/stream.ts';
import { chargeBounds, invalidPacks, validityContext, type InvalidPack } from '../results/validity.ts';
import { shapley, sobol, type InputRows } from '../sensitivity/index.ts';
import type { StudySpec } from '../spec/index.ts';
import { tailSummary } from '../tail/index.ts';
import { buildSampleDesign, sampleChunkFromLatent } from '../variation/index.ts';
import { CellspreadInputError } from '../errors.ts';
import { chunkJob } from './runner.ts';
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

/**
 * The output columns of the valid packs: from a row-major outputs matrix (samples from `first`), with the samples of
 * `invalid` packs set to NaN, or an OutputColumns already (a streamed run's column files).
 */
export function validColumns(outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0): OutputColumns {
  if (typeof outputs === 'function') return outputs;
  return (name) => {
    const col = outputColumn(outputs, name);
    for (const p of invalid) if (p.sample - first >= 0 && p.sample - first < col.length) col[p.sample - first] = NaN;
    return col;
  };
}

/**
 * Mean, sd and quantiles of one column over its finite values (count 0: every statistic NaN, written as null; never
 * a made-up 0). The column is left as it was.
 */
export function columnStatistics(column: Float64Array): OutputStatistics {
  return statisticsInPlace(Float64Array.from(column));
}

/** columnStatistics on a scratch column: its finite values are moved to the front and sorted there (no copy). */
function statisticsInPlace(column: Float64Array): OutputStatistics {
  let n = 0;
  for (let i = 0; i < column.length; i++) if (Number.isFinite(column[i])) column[n++] = column[i];
  const col = column.subarray(0, n).sort();
  let mean = 0;
  for (const v of col) mean += v;
  mean = n > 0 ? mean / n : NaN;
  let ss = 0;
  for (const v of col) ss += (v - mean) ** 2;
  return {
    count: n,
    mean,
    sd: n > 1 ? Math.sqrt(ss / (n - 1)) : n === 1 ? 0 : NaN,
    min: col[0] ?? NaN,
    max: col[n - 1] ?? NaN,
    p05: quantile(col, 0.05),
    p50: quantile(col, 0.5),
    p95: quantile(col, 0.95),
  };
}

/**
 * Statistics of every output over the valid packs' finite values. `outputs` is a row-major matrix (then `invalid`
 * packs are left out) or the columns of a streamed run.
 */
export function outputStatistics(outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0) {
  const columns = validColumns(outputs, invalid, first);
  // Each column is read (or copied) afresh, so it can be sorted in place.
  return PACK_OUTPUTS.map((o) => ({ name: o.name, unit: o.unit, description: o.description, statistics: statisticsInPlace(columns(o.name)) }));
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
    throw new CellspreadInputError(field, 'must name a pack output', name, `one of ${PACK_OUTPUT_NAMES.join(', ')}`);
  }
  return name as PackOutputName;
}

/** The tail summaries the spec asks for (analysis.tail), over the valid packs. */
export function tailAnalyses(spec: StudySpec, outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0): unknown[] {
  const columns = validColumns(outputs, invalid, first);
  return (spec.analysis?.tail ?? []).map((t, i) => {
    const name = checkOutputName(t.output, `analysis.tail[${i}].output`);
    return tailSummary(columns(name), { limit: t.limit, tail: t.tail, output: name, nonFinite: 'drop' });
  });
}

/**
 * Sobol or Shapley indices of the requested outputs over (quantity, level) groups of the sampler's latent inputs,
 * with every model evaluation a chunk of packs through the chosen backend. All outputs share one design: the model
 * is evaluated once per design row and the other outputs reuse the recorded evaluations.
 */
export async function sensitivityAnalyses(spec: StudySpec, model: StudyModel, backend: Backend, signal?: AbortSignal): Promise<SensitivitySummary[]> {
  const request = spec.analysis?.sensitivity;
  if (!request) return [];
  const design = buildSampleDesign(spec);
  const names = request.outputs.map((o, i) => checkOutputName(o, `analysis.sensitivity.outputs[${i}]`));
  const groups = design.groups.map((g) => ({ name: g.name, indices: g.indices }));
  const covered = new Set(groups.flatMap((g) => g.indices));
  const rest = Array.from({ length: design.latentDimension }, (_, i) => i).filter((i) => !covered.has(i));
  if (rest.length > 0) groups.push({ name: 'other latent draws', indices: rest });
  const inputs = {
    marginals: Array.from({ length: design.latentDimension }, () => ({ dist: 'uniform' as const, a: 0, b: 1 })),
    groups,
  };
  const recorded: Float64Array[] = [];
  let call = 0;
  let evaluations = 0;
  let invalidEvaluations = 0;
  const validity = validityContext(model.set, model.layout, model.segments);
  const evaluate = async (rows: InputRows): Promise<Float64Array> => {
    signal?.throwIfAborted();
    const chunk = sampleChunkFromLatent(spec, rows.data, rows.length);
    const job: PackJob = { ...chunkJob(spec, model, 0, 0).job, count: rows.length, kernelParameters: chunk.kernelParameters, interconnectResistance: chunk.interconnectResistance };
    evaluations += rows.length;
    const outputs = (await backend.simulate(job, signal)).outputs;
    invalidEvaluations += invalidPacks(outputs, 0, validity, chargeBounds(chunk.kernelParameters, rows.length, model.layout)).length;
    return outputs;
  };
  // Invalid packs in the design cannot be left out of a variance decomposition: they are counted and said.
  const caveat = (): string[] =>
    invalidEvaluations > 0 ? [`${invalidEvaluations} of ${evaluations} design packs ended in an invalid state: these indices are not reliable`] : [];
  const modelFor = (name: PackOutputName) => async (rows: InputRows) => {
    const index = call++;
    if (!recorded[index]) recorded[index] = await evaluate(rows);
    return outputColumn(recorded[index], name);
  };
  const out: SensitivitySummary[] = [];
  for (const name of names) {
    call = 0;
    try {
      out.push(await analyseOutput(name));
    } catch (err) {
      // An output that does not vary over the design (e.g. a cut-off cell that is always the same) has no indices.
      if (!(err instanceof CellspreadInputError && err.field === 'model output')) throw err;
      out.push({ output: name, method: request.method, factors: groups.map((g) => g.name), evaluations, invalidEvaluations, statements: [...caveat(), `${name} does not vary over the design: no sensitivity indices`] });
    }
  }
  return out;

  async function analyseOutput(name: PackOutputName): Promise<SensitivitySummary> {
    if (request!.method === 'shapley') {
      const r = await shapley({ inputs, model: modelFor(name), seed: spec.run.seed, method: 'random', nPermutations: request!.n, batchSize: spec.run.chunkSize * 4 });
      return {
        output: name,
        method: 'shapley',
        factors: r.names,
        effects: Array.from(r.effects),
        effectsCI: r.effectsCI.map((c) => [c[0], c[1]] as [number, number]),
        evaluations,
        invalidEvaluations,
        statements: [...caveat(), ...statements(r.names, Array.from(r.effects), name, 'Shapley effect')],
      };
    }
    const r = await sobol({ inputs, model: modelFor(name), n: request!.n, seed: spec.run.seed, batchSize: spec.run.chunkSize * 4 });
    return {
      output: name,
      method: 'sobol',
      factors: r.names,
      first: Array.from(r.first),
      total: Array.from(r.total),
      firstCI: r.firstCI.map((c) => [c[0], c[1]] as [number, number]),
      totalCI: r.totalCI.map((c) => [c[0], c[1]] as [number, number]),
      evaluations,
      invalidEvaluations,
      statements: [...caveat(), ...statements(r.names, Array.from(r.first), name, 'first-order index')],
    };
  }
}

function statements(factors: readonly string[], shares: number[], output: string, what: string): string[] {
  return factors
    .map((f, i) => ({ f, s: shares[i] }))
    .filter((x) => Number.isFinite(x.s))
    .sort((a, b) => b.s - a.s)
    // Estimates can stray outside [0, 1] by sampling error; a share of variance cannot.
    .map(({ f, s }) => `${f} explains ${(100 * Math.min(1, Math.max(0, s))).toFixed(0)} % of the variance of ${output} (${what})`);
}

/**
 * Pick the worst valid pack (by the first tail criterion, else hottest) and map its cells by re-simulating it with
 * traces.
 */
export function worstPackMap(spec: StudySpec, model: StudyModel, outputs: Float64Array | OutputColumns, first = 0, invalid: readonly InvalidPack[] = []): WorstPackMap | undefined {
  const t = spec.analysis?.tail?.[0];
  const name = t && (PACK_OUTPUT_NAMES as readonly string[]).includes(t.output) ? (t.output as PackOutputName) : 'maxTemperatureK';
  const highest = t ? t.tail !== 'lower' : true;
  const col = validColumns(outputs, invalid, first)(name);
  const n = col.length;
  if (n === 0) return undefined;
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
