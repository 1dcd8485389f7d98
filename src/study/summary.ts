/** summary.json of a study run (src/results/format.ts) from its result and analyses: pure, for the CLI and the browser page. */
import { PACK_OUTPUTS } from '../pack/outputs.ts';
import { RESULTS_FORMAT_VERSION, type RunSummary, type SensitivitySummary } from '../results/format.ts';
import type { StudySpec } from '../spec/index.ts';
import type { TailSummary } from '../tail/index.ts';
import { VERSION } from '../version.ts';
import { describeInputs, nonFiniteSamples, outputStatistics } from './analysis.ts';
import { buildHeadline } from './headline.ts';
import type { StudyResult } from './runner.ts';

export interface SummaryExtras {
  tail: unknown[];
  sensitivity: RunSummary['sensitivity'];
  worstPack: RunSummary['worstPack'];
  analysisSeconds: number;
  totalSeconds: number;
  shard?: { index: number; count: number };
}

export function buildSummary(spec: StudySpec, result: StudyResult, extra: SummaryExtras): RunSummary {
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
    outputs: outputStatistics(result.outputs),
    inputs: describeInputs(spec),
    headline: buildHeadline({
      tail: extra.tail as TailSummary[],
      sensitivity: extra.sensitivity as SensitivitySummary[],
      units: Object.fromEntries(PACK_OUTPUTS.map((o) => [o.name, o.unit])),
      limits: spec.analysis?.tail,
    }),
    tail: extra.tail,
    sensitivity: extra.sensitivity,
    ...(extra.worstPack ? { worstPack: extra.worstPack } : {}),
    nonFiniteSamples: nonFiniteSamples(result.outputs, result.range.start),
    files: { summary: 'summary.json', samplesCsv: 'samples.csv', samplesArrow: 'samples.arrow', chunks: 'chunks/' },
  };
}
