/**
 * The results folder a study run writes (and `cellspread report` / `cellspread merge` read):
 *
 *   <out>/summary.json     RunSummary below: the spec as run, its hash, RNG, backend, timings, counts, statistics,
 *                          tail and sensitivity results, the worst pack's per-cell map. Written last, atomically.
 *   <out>/samples.csv      one row per sample: `sample`, the per-sample inputs, then the PACK_OUTPUTS columns
 *   <out>/samples.arrow    the same table as an Apache Arrow IPC file (Float64 columns; `sample` Int32)
 *   <out>/chunks/          chunk-NNNNNN.json, one per completed chunk, written atomically as the run goes (resume)
 *   <out>/report.html      self-contained report (no network)
 */

export const RESULTS_FORMAT_VERSION = 1;

export interface OutputStatistics {
  mean: number;
  sd: number;
  min: number;
  max: number;
  p05: number;
  p50: number;
  p95: number;
}

export interface WorstPackMap {
  /** Which output picked the worst pack and how ("maxTemperatureK, highest"). */
  criterion: string;
  sample: number;
  series: number;
  parallel: number;
  modules: number;
  /** Per cell (index group * parallel + j): maximum temperature [K], current at the end [A], final SOC [-]. */
  cellMaxTemperatureK: number[];
  cellFinalCurrentA: number[];
  cellFinalSoc: number[];
  /** Per cell contact/weld resistance [Ohm] and capacity [A.h] (negative electrode). */
  cellContactResistanceOhm: number[];
  cellCapacityAh: number[];
}

export interface RunSummary {
  cellspread: { version: string; resultsFormat: number };
  name: string;
  createdAt: string;
  completed: boolean;
  spec: unknown;
  specHash: string;
  rng: { name: string; keying: string; normal: string; version: number; seed: number };
  backend: { name: string; device: string; fallbacks: { name: string; reason: string }[] };
  range: { start: number; end: number };
  shard?: { index: number; count: number };
  /**
   * The study's samples; `analysis`: the packs the analysis stage simulated on top (sensitivity design rows), always
   * written since results format 1 gained it (absent in older summaries).
   */
  counts: { samples: number; cells: number; cellSteps: number; chunks: number; analysis?: AnalysisCounts };
  /**
   * Seconds: sampling and simulating the study's samples, the whole analysis stage (`analysisSeconds`, of which
   * `analysis` gives its own sampling and simulation), and the run end to end.
   */
  timings: { sampleSeconds: number; simulateSeconds: number; analysisSeconds: number; totalSeconds: number; analysis?: AnalysisTimings };
  outputs: { name: string; unit: string; description: string; statistics: OutputStatistics }[];
  inputs: { name: string }[];
  /** One entry per analysis.tail item: the tailSummary of that output (src/tail). */
  tail: unknown[];
  /** Sensitivity results (src/sensitivity) per output, if the spec asked for them. */
  sensitivity: unknown[];
  worstPack?: WorstPackMap;
  /** Samples whose outputs were not finite (reported, not averaged in). */
  nonFiniteSamples: number[];
  files: Record<string, string>;
}

/** Model runs of the analysis stage: packs simulated (design rows), their cells and cell-steps. */
export interface AnalysisCounts {
  packs: number;
  cells: number;
  cellSteps: number;
}

/** Sampling and simulation seconds of the analysis stage's model runs. */
export interface AnalysisTimings {
  sampleSeconds: number;
  simulateSeconds: number;
}

/** Sensitivity result of one output as stored in summary.json (Sobol or Shapley over (quantity, level) groups). */
export interface SensitivitySummary {
  output: string;
  method: 'sobol' | 'shapley';
  /** Factor (group) names, e.g. "cell-level contactResistance". */
  factors: string[];
  first?: number[];
  total?: number[];
  firstCI?: [number, number][];
  totalCI?: [number, number][];
  effects?: number[];
  effectsCI?: [number, number][];
  evaluations: number;
  /** Plain-language statements, largest first: "cell-level contactResistance explains 61 % of the variance of maxTemperatureK". */
  statements: string[];
}

/** Column-oriented per-sample table (what samples.csv / samples.arrow hold). */
export interface SampleTable {
  columns: string[];
  /** One Float64Array per column, all of the same length. */
  data: Float64Array[];
}
