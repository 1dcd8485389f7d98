/** summary.json of a study run (src/results/format.ts) from its result and analyses: pure, for the CLI and the browser page. */
import { lifetimeSummary } from './lifetime.ts';
import { studyOutputs } from './outputs.ts';
import { RESULTS_FORMAT_VERSION, type RunSummary, type SensitivitySummary } from '../results/format.ts';
import type { StudySpec } from '../spec/index.ts';
import type { TailSummary } from '../tail/index.ts';
import { VERSION } from '../version.ts';
import { describeInputs, nonFiniteSamples, outputStatistics } from './analysis.ts';
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
}

/** `result` holds the Monte Carlo samples only (monteCarloResult of a run that included design rows). */
export function buildSummary(spec: StudySpec, result: StudyResult, extra: SummaryExtras): RunSummary {
  const layout = studyLayout(spec);
  // Results per outer sample need every Monte Carlo sample (a single run or a merge, not a shard).
  const allMonteCarlo = result.range.start === 0 && result.counts.samples === layout.monteCarlo;
  const epistemic = allMonteCarlo ? epistemicResults(spec, result.outputs) : undefined;
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
    outputs: outputStatistics(result.outputs, studyOutputs(spec)),
    inputs: describeInputs(spec),
    headline: buildHeadline({
      tail: extra.tail as TailSummary[],
      sensitivity: extra.sensitivity as SensitivitySummary[],
      units: Object.fromEntries(studyOutputs(spec).map((o) => [o.name, o.unit])),
      limits: spec.analysis?.tail,
    }),
    tail: extra.tail,
    sensitivity: extra.sensitivity,
    ...(extra.worstPack ? { worstPack: extra.worstPack } : {}),
    nonFiniteSamples: nonFiniteSamples(result.outputs, result.range.start, studyOutputs(spec).length),
    ...(result.lifetime && result.counts.samples > 0 ? { lifetime: lifetimeSummary(spec, result.outputs, result.lifetime.cycleOutputs) } : {}),
    sampling: {
      monteCarlo: layout.monteCarlo,
      designRows: layout.designRows,
      ...(layout.sensitivity ? { sensitivityDesign: layout.sensitivity.kind } : {}),
      ...(layout.epistemic ?? {}),
    },
    ...(epistemic ? { epistemic } : {}),
    files: { summary: 'summary.json', samplesCsv: 'samples.csv', samplesArrow: 'samples.arrow', chunks: 'chunks/' },
  };
}
