/**
 * The results folder a study run writes (and `cellspread report` / `cellspread merge` read):
 *
 *   <out>/summary.json     RunSummary below: the spec as run, its hash, RNG, backend, timings, counts, statistics,
 *                          tail and sensitivity results, the worst pack's per-cell map. Written last, atomically.
 *   <out>/samples.csv      one row per sample: `sample`, the per-sample inputs, the output columns (the PACK_OUTPUTS,
 *                          or a lifetime study's outputs), then `status` (valid | invalid) and `reason` (why a pack is
 *                          invalid; empty when valid)
 *   <out>/cycles.csv       lifetime studies: one row per sample and cycle, the CYCLE_OUTPUTS columns
 *   <out>/samples.arrow    the same table as an Apache Arrow IPC file (Float64 columns; `sample` Int32; status and
 *                          reason Utf8)
 *   <out>/run.json         the run's manifest (RunManifest in io.ts): hashes, seed, chunk size, sample range, shard
 *   <out>/chunks/          chunk-NNNNNN.json, one per completed chunk, written atomically as the run goes (resume);
 *                          each carries its study's simulation hash, seed, sample range and checksum (chunks.ts)
 *   <out>/checksums.json   sha256 of every chunk file
 *   <out>/report.html      self-contained report (no network)
 *   <out>/.cellspread.lock held while a run or merge writes the folder (folder.ts)
 */

export const RESULTS_FORMAT_VERSION = 1;

/**
 * The output columns of the valid packs of a run, by name (NaN where a pack is invalid): the whole column, and where
 * the source can, its blocks in sample order (a streamed run's column files, read without holding the column).
 */
export interface OutputColumns {
  (name: string): Float64Array;
  blocks?: (name: string, visit: (block: Float64Array) => void) => void;
}

/** Statistics of one output over the valid packs' finite values; with count 0 every other field is NaN (null in JSON). */
export interface OutputStatistics {
  /** Valid packs with a finite value of this output (absent in summaries written before it was recorded). */
  count?: number;
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
  /** Per cell contact/weld resistance [Ohm] and capacity [Ah] (negative electrode). */
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
  /** Hash of the part of the spec that decides the samples (the chunks carry it) and of the part deciding the analysis. */
  simulationHash?: string;
  analysisHash?: string;
  rng: { name: string; keying: string; normal: string; version: number; seed: number };
  backend: { name: string; device: string; fallbacks: { name: string; reason: string }[] };
  range: { start: number; end: number };
  shard?: { index: number; count: number };
  /** samples: Monte Carlo samples; designRows: sensitivity design rows simulated too; cells: all cells simulated. */
  counts: { samples: number; designRows?: number; cells: number; cellSteps: number; chunks: number };
  timings: { sampleSeconds: number; simulateSeconds: number; analysisSeconds: number; totalSeconds: number };
  outputs: { name: string; unit: string; description: string; statistics: OutputStatistics }[];
  /** Per-sample input columns, described (what each holds and in which unit) so no reader parses the names. */
  inputs: InputColumn[];
  /** The answer first: what the CLI prints last and the report shows first (built from tail, sensitivity and spec). */
  headline?: Headline;
  /** One entry per analysis.tail item: the tailSummary of that output (src/tail). */
  tail: unknown[];
  /** Sensitivity results (src/sensitivity) per output, if the spec asked for them. */
  sensitivity: unknown[];
  worstPack?: WorstPackMap;
  /** Samples whose outputs were not finite (reported, not averaged in; the first 1000, all counted in validity). */
  nonFiniteSamples: number[];
  /**
   * Packs whose outputs are not a valid result (non-finite, a voltage past the protocol's limits, more charge than the
   * cells hold, ...): counted, the first 1000 listed with their reason, and left out of every statistic.
   */
  validity?: { validSamples: number; invalidSamples: number; nonFiniteSamples: number; invalid: { sample: number; reason: string }[] };
  /** The study's declared cost (upper bounds), known before it started. */
  cost?: unknown;
  /** The run's samples: Monte Carlo (outer x inner in a two-level study), then the sensitivity design rows. */
  sampling?: { monteCarlo: number; designRows: number; sensitivityDesign?: 'sobol' | 'shapley'; outer?: number; inner?: number };
  /** Two-level study: the epistemic draws and output statistics per outer sample (src/study/epistemic.ts). */
  epistemic?: unknown;
  /** Lifetime study: the capacity-fade fan chart and the end-of-life distribution (src/study/lifetime.ts LifetimeSummary). */
  lifetime?: import('../study/lifetime.ts').LifetimeSummary;
  files: Record<string, string>;
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
  /** Standard errors of the Shapley effects. */
  standardErrors?: number[];
  /** Second-order Sobol indices by pair, largest first (analysis.sensitivity.secondOrder). */
  second?: { factors: [string, string]; index: number; ci: [number, number] }[];
  /** Design rows simulated for this analysis (the same rows serve every output). */
  evaluations: number;
  /** Design evaluations whose pack ended in an invalid state (they cannot be left out of the decomposition). */
  invalidEvaluations?: number;
  /** Why there are no indices (e.g. a design row whose simulation failed). */
  error?: string;
  /** Confidence level of the intervals (bootstrap for Sobol, permutation spread for Shapley); 0.95 when absent. */
  confidence?: number;
  /** Plain-language statements, ranked by total index (Sobol) or effect (Shapley), each with its interval. */
  statements: string[];
}

/**
 * One per-sample input column. A level column (`<quantity>@<level>[:<statistic>]`) holds the level's draw in its
 * natural form: a deviation (additive scale, in the quantity's unit), a relative deviation (relative scale) or a
 * factor (log scale); the physical value is nominal + x, nominal (1 + x) or nominal x. An aggregate column
 * (`<quantity>:<statistic>`, no level) holds physical per-cell values. Only `name` is guaranteed (older results).
 */
export interface InputColumn {
  name: string;
  /** The variation key: a manufacturing quantity or a parameter path. */
  quantity?: string;
  /** The hierarchy level, absent for the per-cell aggregate; 'epistemic' for a two-level study's epistemic draw. */
  level?: 'pack' | 'module' | 'cell' | 'epistemic';
  /** Over the level's entities (modules or cells) of one pack; absent for the single pack-level draw. */
  statistic?: 'mean' | 'min' | 'max';
  scale?: 'additive' | 'relative' | 'log';
  /** Nominal value of the quantity, in `unit`. */
  nominal?: number;
  /** Unit of the physical value. */
  unit?: string;
  description?: string;
}

/** A probability with its interval (null: unbounded by the data) at `confidence`. */
export interface HeadlineProbability {
  estimate: number;
  lower: number | null;
  upper: number | null;
  confidence: number;
}

/** One design limit in the headline: how likely a pack is to pass it, how sure we are, and the verdict. */
export interface HeadlineLimit {
  output: string;
  unit: string;
  tail: 'upper' | 'lower';
  limit: number;
  /** The limit in words: "maxTemperatureK above 316 K". */
  title: string;
  /** The tail summary's recommended estimate of P(one pack passes the limit). */
  probability: HeadlineProbability;
  /**
   * counted ('empirical'), extrapolated by a generalized Pareto fit ('gpd'), counted from too few ('empirical-bound'),
   * or pooled over the epistemic draws of a two-level study ('two-level').
   */
  method: 'empirical' | 'gpd' | 'empirical-bound' | 'two-level';
  samples: number;
  /** Packs of the run beyond the limit. */
  exceedances: number;
  /** The probability in words, with its interval: "1.17 % of packs (about 1 in 86); 95 % interval 0.367 % to 2.94 %". */
  statement: string;
  /** How it was estimated, in words. */
  how: string;
  /** analysis.tail[].target, or null. */
  target: number | null;
  verdict: 'meets' | 'misses' | 'undecided' | 'no-target';
  verdictText: string;
  /**
   * Further intervals shown next to the estimate (for example the epistemic median and 90 % band of the
   * probability); each is printed as "label: estimate [lower, upper]".
   */
  bands?: { label: string; estimate?: number; lower: number; upper: number }[];
}

/** A factor's share of an output's variance with its interval; `distinguishable` is false when the interval covers 0. */
export interface HeadlineDriver {
  factor: string;
  share: number;
  lower: number | null;
  upper: number | null;
  distinguishable: boolean;
}

/** The largest contributors to one output's variance: total Sobol indices (or Shapley effects), largest first. */
export interface HeadlineDrivers {
  output: string;
  index: 'total' | 'shapley';
  evaluations: number;
  confidence: number;
  /** Up to three factors whose interval excludes 0. */
  top: HeadlineDriver[];
  /** In words: "module-level heatTransferCoefficient 76 % (56–100 %), ...". */
  text: string;
}

export interface Headline {
  /** One per analysis.tail entry, in the spec's order. */
  limits: HeadlineLimit[];
  /** One per sensitivity output. */
  drivers: HeadlineDrivers[];
}

/** samples.csv's and samples.arrow's validity column: valid or invalid (1 in a SampleTable's numbers). */
export const STATUS_COLUMN = 'status';

/** Column-oriented per-sample table (what samples.csv / samples.arrow hold). */
export interface SampleTable {
  columns: string[];
  /** One Float64Array per column, all of the same length; a `status` column holds 0 (valid) or 1 (invalid). */
  data: Float64Array[];
  /** Why each invalid pack is (samples.csv's `reason` column, '' for a valid one), where the table holds it. */
  reasons?: string[];
}
