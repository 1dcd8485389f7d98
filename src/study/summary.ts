/** summary.json of a study run (src/results/format.ts) from its result and analyses: pure, for the CLI and the browser page. */
import { lifetimeSummary, type LifetimeFanData } from './lifetime.ts';
import { studyOutputs } from './outputs.ts';
import { RESULTS_FORMAT_VERSION, type RunSummary, type SensitivitySummary } from '../results/format.ts';
import type { StudySpec } from '../spec/index.ts';
import type { TailSummary } from '../tail/index.ts';
import { VERSION } from '../version.ts';
import { describeInputs, nonFiniteSamples, outputStatistics, validColumns } from './analysis.ts';
import type { OutputColumns } from '../results/format.ts';
import { LISTED_SAMPLES, type InvalidPack } from '../results/validity.ts';
import { epistemicResults } from './epistemic.ts';
import { buildHeadline } from './headline.ts';
import { studyLayout } from './samples.ts';
import type { StudyResult } from './runner.ts';

export interface SummaryExtras {
  tail: unknown[];
  sensitivity: RunSummary['sensitivity'];
  worstPack: RunSummary['worstPack'];
  analysisSeconds: number;
  totalSeconds: number;
  shard?: { index: number; count: number };
  /**
   * A streamed run (the CLI): the Monte Carlo outputs as columns read from disk (invalid packs NaN), and what the
   * stream counted. Without it, `result.outputs` with `result.invalid` left out.
   */
  streamed?: MonteCarloColumns;
}

/** The Monte Carlo samples of a run as output columns (invalid packs NaN), and what was counted while they streamed. */
export interface MonteCarloColumns {
  columns: OutputColumns;
  invalidCount: number;
  /** The first LISTED_SAMPLES invalid packs. */
  invalid: InvalidPack[];
  nonFiniteCount: number;
  /** The first LISTED_SAMPLES samples with a non-finite output. */
  nonFiniteSamples: number[];
  /** A lifetime study: the fan-chart values of every Monte Carlo sample (study/outputs.ts studyStreamShape). */
  lifetimeFan?: LifetimeFanData;
}

/** `result` holds the Monte Carlo samples only (monteCarloResult of a run that included design rows). */
export function buildSummary(spec: StudySpec, result: StudyResult, extra: SummaryExtras): RunSummary {
  const layout = studyLayout(spec);
  // Results per outer sample need every Monte Carlo sample (a single run or a merge, not a shard).
  const allMonteCarlo = result.range.start === 0 && result.counts.samples === layout.monteCarlo;
  const info = studyOutputs(spec);
  const columns = extra.streamed?.columns ?? validColumns(result.outputs, result.invalid, result.range.start, info.map((o) => o.name));
  const epistemic = allMonteCarlo ? epistemicResults(spec, columns) : undefined;
  const invalid = extra.streamed?.invalid ?? result.invalid.slice(0, LISTED_SAMPLES);
  const nonFinite = extra.streamed?.nonFiniteSamples ?? nonFiniteSamples(result.outputs, result.range.start, info.length);
  // A lifetime study: the fade fan and end-of-life distribution over the valid packs (a streamed run kept the fan data).
  const fan = extra.streamed ? extra.streamed.lifetimeFan : result.lifetime?.cycleOutputs;
  const lifetime = fan && result.counts.samples > 0 ? lifetimeSummary(spec, columns, fan) : undefined;
  return {
    cellspread: { version: VERSION, resultsFormat: RESULTS_FORMAT_VERSION },
    name: spec.name,
    createdAt: new Date().toISOString(),
    completed: !result.cancelled,
    spec,
    specHash: result.specHash,
    rng: { ...result.rng, seed: spec.run.seed },
    backend: result.backend,
    range: result.range,
    ...(extra.shard ? { shard: extra.shard } : {}),
    counts: result.counts,
    timings: { sampleSeconds: result.timings.sampleSeconds, simulateSeconds: result.timings.simulateSeconds, analysisSeconds: extra.analysisSeconds, totalSeconds: extra.totalSeconds },
    outputs: outputStatistics(columns, [], 0, info),
    inputs: describeInputs(spec),
    headline: buildHeadline({
      tail: extra.tail as TailSummary[],
      sensitivity: extra.sensitivity as SensitivitySummary[],
      units: Object.fromEntries(info.map((o) => [o.name, o.unit])),
      limits: spec.analysis?.tail,
    }),
    tail: extra.tail,
    sensitivity: extra.sensitivity,
    ...(extra.worstPack ? { worstPack: extra.worstPack } : {}),
    nonFiniteSamples: nonFinite.slice(0, LISTED_SAMPLES),
    validity: {
      validSamples: result.counts.samples - (extra.streamed?.invalidCount ?? result.invalid.length),
      invalidSamples: extra.streamed?.invalidCount ?? result.invalid.length,
      nonFiniteSamples: extra.streamed?.nonFiniteCount ?? nonFinite.length,
      invalid,
    },
    simulationHash: result.simulationHash,
    analysisHash: result.analysisHash,
    cost: result.cost,
    sampling: {
      monteCarlo: layout.monteCarlo,
      designRows: layout.designRows,
      ...(layout.sensitivity ? { sensitivityDesign: layout.sensitivity.kind } : {}),
      ...(layout.epistemic ?? {}),
    },
    ...(epistemic ? { epistemic } : {}),
    ...(lifetime ? { lifetime } : {}),
    files: { summary: 'summary.json', samplesCsv: 'samples.csv', samplesArrow: 'samples.arrow', ...(result.lifetime || extra.streamed?.lifetimeFan ? { cycles: 'cycles.csv' } : {}), chunks: 'chunks/' },
  };
}
