/**
 * The finishing step of a study run, the same for `cellspread run` / `merge` and the browser page: the analyses (tail
 * risk, sensitivity indices from the design rows, the worst pack) and summary.json (src/results/format.ts RunSummary),
 * a lifetime study's `lifetime` block (fan charts, end of life) included. Pure and platform-neutral: the CLI hands over
 * the Monte Carlo samples as the column files it streamed to disk and writes the files (src/cli/finish.ts); a page or
 * a script hands over runStudy's in-memory result (summarizeStudy). The report is renderReport(summary, table).
 */
import type { RunSummary } from '../results/format.ts';
import type { InvalidPack } from '../results/validity.ts';
import type { StudySpec } from '../spec/index.ts';
import { analyzeStudySensitivity, tailAnalyses, validColumns, worstPackMap } from './analysis.ts';
import { studyModel, type StudyModel } from './job.ts';
import { studyOutputNames } from './outputs.ts';
import type { StudyResult } from './runner.ts';
import { designOutputs, monteCarloResult, studyLayout } from './samples.ts';
import { buildSummary, type MonteCarloColumns } from './summary.ts';

/** The sensitivity design rows of a run: their outputs (designRows x outputs, row-major) and the invalid packs among them. */
export interface DesignRows {
  outputs: Float64Array;
  /** True when every design row of the study is in `outputs` (a shard holds only some: no indices then). */
  complete: boolean;
  invalid: readonly InvalidPack[];
}

export interface FinishStudyInput {
  spec: StudySpec;
  model: StudyModel;
  /** The run's Monte Carlo part (monteCarloResult): range, counts, backend, timings, cancelled. */
  result: StudyResult;
  /**
   * The Monte Carlo samples as columns (a streamed run's column files, invalid packs NaN) with what the stream counted.
   * Without it: `result.outputs` with `result.invalid` left out, and a lifetime study's `result.lifetime`.
   */
  columns?: MonteCarloColumns;
  design?: DesignRows;
  /** Run the tail and sensitivity analyses (default true; the statistics, and the worst pack of a completed run, always). */
  analyse?: boolean;
  /** performance.now() when the run started: the summary's total seconds (default: now). */
  t0?: number;
  shard?: { index: number; count: number };
  /** Called after each analysis (the CLI relieves memory there; a throw stops the finishing step). */
  between?: () => void;
}

/** The analyses and the summary of a run, as `cellspread run` writes them to summary.json (less `files`). */
export function finishStudy(input: FinishStudyInput): RunSummary {
  const { spec, model, result, design } = input;
  const tA = performance.now();
  const analyse = input.analyse ?? true;
  const columns = input.columns?.columns ?? validColumns(result.outputs, result.invalid, result.range.start, studyOutputNames(spec));
  const tail = analyse ? tailAnalyses(spec, columns) : [];
  input.between?.();
  const sensitivity = analyse && design?.complete ? analyzeStudySensitivity(spec, design.outputs, design.invalid) : [];
  const worstPack = result.cancelled ? undefined : worstPackMap(spec, model, columns, result.range.start);
  input.between?.();
  const now = performance.now();
  return buildSummary(spec, result, {
    tail,
    sensitivity,
    worstPack,
    analysisSeconds: (now - tA) / 1000,
    totalSeconds: (now - (input.t0 ?? tA)) / 1000,
    shard: input.shard,
    ...(input.columns ? { streamed: input.columns } : {}),
  });
}

export interface SummarizeStudyOptions {
  /** The study's model, if already built (default studyModel(result.spec)). */
  model?: StudyModel;
  /** performance.now() when the run started (default: the run's own total seconds before the analysis). */
  t0?: number;
  /** Run the tail and sensitivity analyses (default true). */
  analyse?: boolean;
}

/**
 * summary.json of an in-memory run (runStudy's result, its sensitivity design rows included) as `cellspread run`
 * writes it for the same study and seed: statistics, tails and a lifetime study's fan charts and end of life describe
 * the Monte Carlo samples, the sensitivity indices come from the design rows. `files` names the files a run writes:
 * change it to what you keep. The report: renderReport(summary, studyResultTable(monteCarloResult(result))).
 */
export function summarizeStudy(result: StudyResult, options: SummarizeStudyOptions = {}): RunSummary {
  const spec = result.spec;
  const layout = studyLayout(spec);
  const outputs = designOutputs(result);
  const t0 = options.t0 ?? performance.now() - result.timings.totalSeconds * 1000;
  return finishStudy({
    spec,
    model: options.model ?? studyModel(spec),
    result: monteCarloResult(result),
    ...(outputs ? { design: { outputs, complete: true, invalid: result.invalid.filter((p) => p.sample >= layout.monteCarlo) } } : {}),
    analyse: options.analyse,
    t0,
  });
}
