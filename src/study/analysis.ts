import { cellsOfPack, interconnectOfPack } from '../backends/reference.ts';
import type { Backend } from '../backends/types.ts';
import { CellspreadInputError } from '../errors.ts';
import type { LayoutEntry } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_NAMES, PACK_OUTPUTS, type PackOutputName } from '../pack/outputs.ts';
import { simulatePack } from '../pack/simulate.ts';
import type { InputColumn, OutputStatistics, SensitivitySummary, WorstPackMap } from '../results/format.ts';
import type { OutputColumns } from '../results/format.ts';
import { blockStatistics, columnBlocks } from '../results/statistics.ts';
import type { InvalidPack } from '../results/validity.ts';
import { analyzeShapley, analyzeSobol, ModelOutputError, type SobolSecondOrder } from '../sensitivity/index.ts';
import type { StudySpec } from '../spec/index.ts';
import { tailSummaryOfOwnColumn } from '../tail/summary.ts';
import { compileStudy, LEVELS } from '../variation/index.ts';
import { sensitivityStatements } from './headline.ts';
import { chunkJob, simulateChunk } from './runner.ts';
import { studyOutputNames } from './outputs.ts';
import type { StudyModel } from './job.ts';
import { epistemicTail } from './epistemic.ts';
import { studyLayout } from './samples.ts';

/** Column `name` of a row-major outputs matrix whose columns are `names` (default: the pack outputs). */
export function outputColumn(outputs: Float64Array, name: string, names: readonly string[] = PACK_OUTPUT_NAMES): Float64Array {
  const k = names.indexOf(name);
  if (k < 0) throw new Error(`outputColumn: no output ${name}`);
  const W = names.length;
  const n = outputs.length / W;
  const col = new Float64Array(n);
  for (let s = 0; s < n; s++) col[s] = outputs[s * W + k];
  return col;
}

/**
 * The output columns of the valid packs: from a row-major outputs matrix (samples from `first`, columns `names`), with
 * the samples of `invalid` packs set to NaN, or an OutputColumns already (a streamed run's column files).
 */
export function validColumns(outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0, names: readonly string[] = PACK_OUTPUT_NAMES): OutputColumns {
  if (typeof outputs === 'function') return outputs;
  return (name) => {
    const col = outputColumn(outputs, name, names);
    for (const p of invalid) if (p.sample - first >= 0 && p.sample - first < col.length) col[p.sample - first] = NaN;
    return col;
  };
}

/**
 * Mean, sd and quantiles of one column over its finite values (count 0: every statistic NaN, written as null; never
 * a made-up 0). Exact, in bounded memory (src/results/statistics.ts).
 */
export function columnStatistics(column: Float64Array): OutputStatistics {
  return blockStatistics((visit) => visit(column));
}

/**
 * Statistics of every output (`info`, default the pack outputs; a lifetime study's: studyOutputs) over the valid packs'
 * finite values. `outputs` is a row-major matrix (then `invalid` packs are left out) or the columns of a streamed run.
 */
export function outputStatistics(outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0, info: readonly LayoutEntry[] = PACK_OUTPUTS) {
  const columns = validColumns(outputs, invalid, first, info.map((o) => o.name));
  // Block by block: a streamed run's columns are never held whole.
  return info.map((o) => ({ name: o.name, unit: o.unit, description: o.description, statistics: blockStatistics(columnBlocks(columns, o.name)) }));
}

/** Samples with any non-finite output (rows of `width` outputs): reported by index, never averaged in. */
export function nonFiniteSamples(outputs: Float64Array, first = 0, width: number = PACK_OUTPUT_COUNT): number[] {
  const bad: number[] = [];
  for (let s = 0; s < outputs.length / width; s++) {
    for (let k = 0; k < width; k++) {
      if (!Number.isFinite(outputs[s * width + k])) {
        bad.push(first + s);
        break;
      }
    }
  }
  return bad;
}

function checkOutputName(name: string, field: string, names: readonly string[]): string {
  if (!names.includes(name)) throw new CellspreadInputError(field, 'must name an output of this study', name, `one of ${names.join(', ')}`);
  return name;
}

/**
 * The tail summaries the spec asks for (analysis.tail), over the valid Monte Carlo packs (`outputs` a row-major matrix,
 * then `invalid` packs are left out, or the columns of a streamed run). In a two-level (epistemic)
 * study each entry also carries `epistemic`: the probability per outer sample, pooled, its median and 90 % band over
 * what we do not know, and which epistemic quantity to measure first; the pooled value is then the recommended
 * estimate, since the samples are not independent draws (they share epistemic draws and aleatory streams).
 */
export function tailAnalyses(spec: StudySpec, outputs: Float64Array | OutputColumns, invalid: readonly InvalidPack[] = [], first = 0): unknown[] {
  const names = studyOutputNames(spec);
  const columns = validColumns(outputs, invalid, first, names);
  return (spec.analysis?.tail ?? []).map((t, i) => {
    const name = checkOutputName(t.output, `analysis.tail[${i}].output`, names);
    const column = columns(name);
    // The two-level part first: it reads the column in sample order; the summary then sorts it in place.
    const epistemic = epistemicTail(spec, column, t);
    const summary = tailSummaryOfOwnColumn(column, { limit: t.limit, tail: t.tail, output: name, nonFinite: 'drop' });
    if (!epistemic) return summary;
    const { pooled } = epistemic;
    return {
      ...summary,
      recommended: { estimate: pooled.estimate, lower: pooled.lower, upper: pooled.upper, source: 'two-level' },
      epistemic,
      warnings: [
        ...summary.warnings,
        'two-level study: the empirical and GPD intervals treat the outer x inner samples as independent, which they are not; quote the pooled value and the band (epistemic)',
      ],
    };
  });
}

/**
 * Sobol or Shapley indices of the requested outputs over (quantity, level) groups of the sampler's latent inputs (and
 * one group per epistemic quantity), from the outputs of the sensitivity design rows (`designRows x outputs`, the
 * run's samples monteCarlo .. total - 1; see study/samples.ts). Pure: the same outputs give the same bits, however
 * the rows were simulated (one process, shards, resumed). One design serves every output. An output whose design
 * rows include a failed (non-finite) simulation gets an entry with `error` instead of indices.
 */
export function analyzeStudySensitivity(spec: StudySpec, designOutputs: Float64Array, invalid: readonly InvalidPack[] = []): SensitivitySummary[] {
  const request = spec.analysis?.sensitivity;
  const layout = studyLayout(spec);
  const design = layout.sensitivity;
  if (!request || !design) return [];
  // Invalid packs among the design rows cannot be left out of a variance decomposition: they are counted and said.
  const invalidEvaluations = invalid.filter((p) => p.sample >= layout.monteCarlo && p.sample < layout.total).length;
  const all = studyOutputNames(spec);
  if (designOutputs.length !== design.rowCount * all.length) {
    throw new CellspreadInputError('design outputs', `must hold ${design.rowCount} rows x ${all.length} outputs`, designOutputs.length);
  }
  const names = request.outputs.map((o, i) => checkOutputName(o, `analysis.sensitivity.outputs[${i}]`, all));
  return names.map((name): SensitivitySummary => {
    const y = outputColumn(designOutputs, name, all);
    const base = { output: name, method: request.method, factors: [...design.names], evaluations: design.rowCount, ...(invalidEvaluations > 0 ? { invalidEvaluations } : {}) };
    try {
      if (design.kind === 'shapley') {
        const r = analyzeShapley(design, y);
        return withStatements({ ...base, effects: r.effects, effectsCI: r.effectsCI, standardErrors: r.standardErrors, confidence: r.confidenceLevel });
      }
      const r = analyzeSobol(design, y);
      return withStatements({
        ...base,
        first: r.first,
        total: r.total,
        firstCI: r.firstCI,
        totalCI: r.totalCI,
        ...(r.second ? { second: secondOrderPairs(r.names, r.second) } : {}),
        confidence: r.confidenceLevel,
      });
    } catch (err) {
      if (!(err instanceof CellspreadInputError)) throw err;
      const row = err instanceof ModelOutputError ? ` (sample ${studyLayout(spec).monteCarlo + err.designRow})` : '';
      return { ...base, error: `${err.message}${row}`, statements: [] };
    }
  });
}

/** Second-order indices as a list of pairs, largest first (JSON has no NaN diagonal to carry). */
function secondOrderPairs(names: readonly string[], s: SobolSecondOrder): NonNullable<SensitivitySummary['second']> {
  const pairs: NonNullable<SensitivitySummary['second']> = [];
  for (let g = 0; g < names.length; g++) {
    for (let h = g + 1; h < names.length; h++) pairs.push({ factors: [names[g], names[h]], index: s.indices[g][h], ci: s.ci[g][h] });
  }
  return pairs.sort((a, b) => (Number.isFinite(b.index) ? b.index : -Infinity) - (Number.isFinite(a.index) ? a.index : -Infinity));
}

/**
 * Library convenience for a study not run through runStudy: simulate the sensitivity design rows through `backend`,
 * chunk by chunk, and analyse them. The same samples as a run's design rows, so the same indices as a run.
 */
export async function sensitivityAnalyses(spec: StudySpec, model: StudyModel, backend: Backend, signal?: AbortSignal): Promise<SensitivitySummary[]> {
  const layout = studyLayout(spec);
  if (!layout.sensitivity) return [];
  const W = studyOutputNames(spec).length;
  const outputs = new Float64Array(layout.designRows * W);
  const invalid: InvalidPack[] = [];
  for (let start = layout.monteCarlo; start < layout.total; start += spec.run.chunkSize) {
    signal?.throwIfAborted();
    const count = Math.min(spec.run.chunkSize, layout.total - start);
    const result = await simulateChunk(spec, model, backend, start, count, signal);
    outputs.set(result.outputs, (start - layout.monteCarlo) * W);
    invalid.push(...result.invalid);
  }
  return analyzeStudySensitivity(spec, outputs, invalid);
}

function withStatements(s: Omit<SensitivitySummary, 'statements'>): SensitivitySummary {
  const caveat = s.invalidEvaluations ? [`${s.invalidEvaluations} of ${s.evaluations} design packs ended in an invalid state: these indices are not reliable`] : [];
  return { ...s, statements: [...caveat, ...sensitivityStatements({ ...s, statements: [] })] };
}

/**
 * What each per-sample input column holds (in the order of inputNames): quantity, level, statistic, scale, nominal
 * and unit, so the report can show a level's draw as the physical quantity without parsing column names. In a
 * two-level study a quantity's epistemic draw is level 'epistemic' (one value per outer sample, in natural form).
 */
export function describeInputs(spec: StudySpec): InputColumn[] {
  const out: InputColumn[] = [];
  const stats = ['mean', 'min', 'max'] as const;
  const compiled = compileStudy(spec);
  const epistemic = new Set(compiled.epistemic.map((e) => e.key));
  for (const q of compiled.quantities) {
    const common = { quantity: q.key, scale: q.scale, nominal: q.nominal, unit: q.info.unit, description: q.info.description };
    for (const level of LEVELS) {
      if (!q.levels[level]) continue;
      if (level === 'pack') out.push({ name: `${q.key}@pack`, ...common, level });
      else for (const statistic of stats) out.push({ name: `${q.key}@${level}:${statistic}`, ...common, level, statistic });
    }
    if (epistemic.has(q.key)) out.push({ name: `${q.key}@epistemic`, ...common, level: 'epistemic' });
    for (const statistic of stats) out.push({ name: `${q.key}:${statistic}`, ...common, statistic });
  }
  return out;
}

/**
 * Pick the worst valid pack (by the first tail criterion, else hottest) and map its cells by re-simulating it with
 * traces. Not for lifetime studies (their packs are not re-simulated here): undefined.
 */
export function worstPackMap(spec: StudySpec, model: StudyModel, outputs: Float64Array | OutputColumns, first = 0, invalid: readonly InvalidPack[] = []): WorstPackMap | undefined {
  if (model.lifetime) return undefined;
  const t = spec.analysis?.tail?.[0];
  const name = t && (PACK_OUTPUT_NAMES as readonly string[]).includes(t.output) ? (t.output as PackOutputName) : 'maxTemperatureK';
  const highest = t ? t.tail !== 'lower' : true;
  // The worst valid pack, block by block (a streamed run's column is never held whole).
  let worst = -1;
  let worstValue = NaN;
  let at = 0;
  columnBlocks(validColumns(outputs, invalid, first), name)((block) => {
    for (let i = 0; i < block.length; i++, at++) {
      const v = block[i];
      if (Number.isFinite(v) && (worst < 0 || (highest ? v > worstValue : v < worstValue))) [worst, worstValue] = [at, v];
    }
  });
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
