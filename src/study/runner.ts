import { CellspreadInputError } from '../errors.ts';
import { createBackend } from '../backends/registry.ts';
import type { Backend, BackendOptions, PackJob } from '../backends/types.ts';
import { CYCLE_OUTPUT_COUNT, CYCLE_OUTPUTS } from '../pack/lifetime.ts';
import { cellCount } from '../pack/topology.ts';
import { RNG_ALGORITHM } from '../random/rng.ts';
import { chargeBounds, invalidPacks, validityContext, type InvalidPack, type ValidityContext } from '../results/validity.ts';
import { analysisHash, checkStudyCost, simulationHash, studyHash, validateStudySpec, type StudyCost, type StudySpec } from '../spec/index.ts';
import { checkSampledCells } from '../variation/index.ts';
import { studyModel, type StudyModel } from './job.ts';
import { repeatBlock, simulateLifetimeChunk } from './lifetime.ts';
import { studyOutputNames } from './outputs.ts';
import { studyLayout, studySamples } from './samples.ts';

export interface StudyProgress {
  samplesDone: number;
  samplesTotal: number;
  elapsedSeconds: number;
  samplesPerSecond: number;
  etaSeconds: number;
}

/** One simulated chunk: contiguous samples [start, start + count). */
export interface StudyChunk {
  index: number;
  start: number;
  count: number;
  /** count x outputs, row-major, columns studyOutputNames(spec) (the pack outputs, or a lifetime study's). */
  outputs: Float64Array;
  /** A lifetime study: count x cycles x CYCLE_OUTPUT_COUNT per-cycle outputs (src/pack/lifetime.ts CYCLE_OUTPUTS). */
  cycleOutputs?: Float64Array;
  /** A lifetime study with analysis.lifetime.cellStates: count x cycles x cells SEI growth [m] (not persisted). */
  cellGrowth?: Float32Array;
  /** count x inputNames.length, row-major. */
  inputs: Float64Array;
  inputNames: string[];
  /** Packs of this chunk whose outputs are not a valid result (global sample index and reason). */
  invalid: InvalidPack[];
  cellSteps: number;
  simulateSeconds: number;
  sampleSeconds: number;
}

export interface RunStudyOptions {
  /** Backend name, or "auto" (default): webgpu, then wasm, then reference. */
  backend?: string;
  /** Or an already created backend (kept open for the caller). */
  backendInstance?: Backend;
  backendOptions?: BackendOptions;
  /** Samples [start, end) of the run to simulate (default all: the Monte Carlo samples, then any sensitivity design
   * rows; see study/samples.ts): shards and resumes use this. */
  range?: { start: number; end: number };
  /** Override of run.chunkSize. */
  chunkSize?: number;
  onProgress?: (p: StudyProgress) => void;
  /** Called after each newly simulated chunk, in order; the CLI persists chunks here. */
  onChunk?: (chunk: StudyChunk) => void | Promise<void>;
  /** Chunks already computed (resume): return it to skip simulating chunk `index`. */
  completedChunk?: (index: number, start: number, count: number) => StudyChunk | undefined;
  /** Called with every chunk of the range in sample order, simulated or reused (a streaming consumer). */
  consumeChunk?: (chunk: StudyChunk) => void | Promise<void>;
  /**
   * Keep every sample's outputs and inputs in the result (default true). A consumer that streams chunks (the CLI)
   * sets false, so memory stays flat however many samples run.
   */
  collect?: boolean;
  /** Called between pieces of work (each slice of the cell check, each chunk): the CLI collects garbage there. */
  betweenSteps?: () => void;
  signal?: AbortSignal;
}

export interface StudyResult {
  spec: StudySpec;
  specHash: string;
  rng: typeof RNG_ALGORITHM;
  backend: { name: string; device: string; fallbacks: { name: string; reason: string }[] };
  /** Hash of the part of the spec that decides the samples (chunks carry it), and of the part deciding the analysis. */
  simulationHash: string;
  analysisHash: string;
  range: { start: number; end: number };
  outputNames: readonly string[];
  /** samples x outputs, row-major, in sample order from range.start (design rows too: see monteCarloResult; empty
   * when `collect` is false). */
  outputs: Float64Array;
  inputNames: string[];
  inputs: Float64Array;
  /** Packs whose outputs are not a valid result, in sample order; they never enter statistics. */
  invalid: InvalidPack[];
  /** samples: rows simulated (monteCarloResult: Monte Carlo samples, with designRows the design rows). */
  counts: { samples: number; designRows?: number; validSamples: number; invalidSamples: number; cells: number; cellSteps: number; chunks: number };
  /** The study's declared cost (upper bounds), known before it started. */
  cost: StudyCost;
  timings: { sampleSeconds: number; simulateSeconds: number; totalSeconds: number };
  /** True when the run was cancelled: only complete chunks are in the result. */
  cancelled: boolean;
  /**
   * A lifetime study: the per-cycle outputs of every sample (samples x cycles x width, width = names.length; empty
   * when `collect` is false).
   */
  lifetime?: { cycles: number; width: number; names: readonly string[]; cycleOutputs: Float64Array; cellGrowth?: Float32Array };
}

/** The validity context of a study model (the checks every pack's outputs go through). */
export function studyValidity(model: StudyModel): ValidityContext {
  return validityContext(model.set, model.layout, model.segments);
}

/**
 * One chunk of samples through a backend: the protocol once (PackJob), or, for a lifetime study, the lifetime runner
 * around the backend (src/study/lifetime.ts). Returns the per-sample outputs (studyOutputNames(spec) columns) and the
 * packs whose outputs are not a valid result.
 */
export async function simulateChunk(
  spec: StudySpec,
  model: StudyModel,
  backend: Backend,
  start: number,
  count: number,
  signal?: AbortSignal,
  built = chunkJob(spec, model, start, count),
  onFraction?: (done: number) => void,
  validity = studyValidity(model),
): Promise<{ outputs: Float64Array; cellSteps: number; invalid: InvalidPack[]; cycleOutputs?: Float64Array; cellGrowth?: Float32Array }> {
  if (model.lifetime) return simulateLifetimeChunk(spec, model, backend, built.sampled, start, count, signal, onFraction);
  const result = await backend.simulate(built.job, signal);
  return { outputs: result.outputs, cellSteps: result.cellSteps, invalid: invalidPacks(result.outputs, start, validity, chargeBounds(built.job.kernelParameters, count, model.layout)) };
}

/** Build the backend job for a chunk of samples, Monte Carlo or design rows (pure: sampling only). */
export function chunkJob(spec: StudySpec, model: StudyModel, start: number, count: number) {
  const t0 = performance.now();
  const sampled = studySamples(spec, start, count);
  const job: PackJob = {
    set: model.set,
    layout: model.layout,
    segments: model.segments,
    settings: model.settings,
    count,
    firstSample: start,
    kernelParameters: sampled.kernelParameters,
    interconnectResistance: sampled.interconnectResistance,
  };
  return { job, sampled, sampleSeconds: (performance.now() - t0) / 1000 };
}

/**
 * Run a study: validate -> check every sampled cell -> sample -> simulate -> check every pack's outputs, chunk by chunk
 * through the chosen backend, with progress and cancellation. `studySpec` is a study object (as parsed from YAML or
 * JSON, or a validated StudySpec): it is validated here like the CLI validates a file, so bad input throws a
 * StudySpecError before anything runs. Sample i is the same whatever the chunk size, backend or range.
 */
export async function runStudy(studySpec: StudySpec | Record<string, unknown>, options: RunStudyOptions = {}): Promise<StudyResult> {
  const t0 = performance.now();
  const spec = validateStudySpec(studySpec);
  const model = studyModel(spec);
  const cost = checkStudyCost(spec, model.set);
  const validity = studyValidity(model);
  const collect = options.collect ?? true;
  const layout = studyLayout(spec);
  const total = layout.total;
  const range = options.range ?? { start: 0, end: total };
  if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.end <= total && range.start <= range.end)) {
    throw new CellspreadInputError('range', `must be integers with 0 <= start <= end <= ${total}`, range);
  }
  const chunkSize = options.chunkSize ?? spec.run.chunkSize;
  if (!(Number.isInteger(chunkSize) && chunkSize >= 1)) throw new CellspreadInputError('chunkSize', 'must be an integer >= 1', chunkSize);
  // Valid cells only: every Monte Carlo cell of the range is checked (cheaply, without deriving kernels) before any is
  // simulated; design rows, drawn from the sensitivity design, are checked as each chunk is sampled.
  const mcEnd = Math.max(range.start, Math.min(range.end, layout.monteCarlo));
  checkSampledCells(spec, range.start, mcEnd - range.start, chunkSize, options.betweenSteps);
  const created = options.backendInstance
    ? { backend: options.backendInstance, fallbacks: [] }
    : await createBackend(options.backend ?? 'auto', options.backendOptions);
  const backend = created.backend;
  const samples = range.end - range.start;
  const outputNames = studyOutputNames(spec);
  const W = outputNames.length;
  const outputs = new Float64Array(collect ? samples * W : 0);
  const cycles = repeatBlock(spec)?.repeat ?? 0;
  const cycleOutputs = cycles ? new Float64Array(collect ? samples * cycles * CYCLE_OUTPUT_COUNT : 0) : undefined;
  const cellsPerPack = cellCount(model.layout);
  const cellGrowth = cycles && spec.analysis?.lifetime?.cellStates ? new Float32Array(collect ? samples * cycles * cellsPerPack : 0) : undefined;
  const invalid: InvalidPack[] = [];
  let inputs = new Float64Array(0);
  let inputNames: string[] = [];
  let cellSteps = 0;
  let sampleSeconds = 0;
  let simulateSeconds = 0;
  let done = 0;
  let chunks = 0;
  let cancelled = false;
  try {
    // Chunks are aligned to the study's chunk grid so resumes and shards see the same boundaries.
    const first = Math.floor(range.start / chunkSize);
    for (let index = first; index * chunkSize < range.end; index++) {
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      const start = Math.max(index * chunkSize, range.start);
      const count = Math.min((index + 1) * chunkSize, range.end) - start;
      let chunk = options.completedChunk?.(index, start, count);
      if (!chunk) {
        const built = chunkJob(spec, model, start, count);
        const { sampled, sampleSeconds: ss } = built;
        const t1 = performance.now();
        let result;
        try {
          // A lifetime chunk reports its progress through the cycles (its packs' slowest cycle), never backwards (a
          // pack whose jump was refused goes back to the cycle it jumped from).
          let furthest = 0;
          const report = (fraction: number) => {
            if (!(fraction > furthest)) return;
            furthest = fraction;
            const elapsed = (performance.now() - t0) / 1000;
            const partial = done + fraction * count;
            const rate = partial / Math.max(elapsed, 1e-9);
            options.onProgress?.({ samplesDone: partial, samplesTotal: samples, elapsedSeconds: elapsed, samplesPerSecond: rate, etaSeconds: (samples - partial) / Math.max(rate, 1e-12) });
          };
          result = await simulateChunk(spec, model, backend, start, count, options.signal, built, model.lifetime ? report : undefined, validity);
        } catch (err) {
          if (options.signal?.aborted) {
            cancelled = true;
            break;
          }
          throw err;
        }
        chunk = {
          index,
          start,
          count,
          outputs: result.outputs,
          ...(result.cycleOutputs ? { cycleOutputs: result.cycleOutputs } : {}),
          ...(result.cellGrowth ? { cellGrowth: result.cellGrowth } : {}),
          inputs: sampled.inputs.values,
          inputNames: sampled.inputs.names,
          invalid: result.invalid,
          cellSteps: result.cellSteps,
          sampleSeconds: ss,
          simulateSeconds: (performance.now() - t1) / 1000,
        };
        await options.onChunk?.(chunk);
      }
      await options.consumeChunk?.(chunk);
      if (inputNames.length === 0) {
        inputNames = chunk.inputNames;
        if (collect) inputs = new Float64Array(samples * inputNames.length);
      }
      if (collect) {
        outputs.set(chunk.outputs, (start - range.start) * W);
        inputs.set(chunk.inputs, (start - range.start) * inputNames.length);
        if (cycleOutputs) {
          if (!chunk.cycleOutputs) throw new Error(`chunk ${index} holds no per-cycle outputs (a lifetime study's chunks must)`);
          cycleOutputs.set(chunk.cycleOutputs, (start - range.start) * cycles * CYCLE_OUTPUT_COUNT);
        }
        if (cellGrowth && chunk.cellGrowth) cellGrowth.set(chunk.cellGrowth, (start - range.start) * cycles * cellsPerPack);
      }
      for (const bad of chunk.invalid) invalid.push(bad);
      options.betweenSteps?.();
      cellSteps += chunk.cellSteps;
      sampleSeconds += chunk.sampleSeconds;
      simulateSeconds += chunk.simulateSeconds;
      done += count;
      chunks++;
      const elapsed = (performance.now() - t0) / 1000;
      const rate = done / Math.max(elapsed, 1e-9);
      options.onProgress?.({ samplesDone: done, samplesTotal: samples, elapsedSeconds: elapsed, samplesPerSecond: rate, etaSeconds: (samples - done) / rate });
    }
  } finally {
    if (!options.backendInstance) await backend.dispose();
  }
  return {
    spec,
    specHash: studyHash(spec),
    simulationHash: simulationHash(spec),
    analysisHash: analysisHash(spec),
    rng: RNG_ALGORITHM,
    backend: { name: backend.name, device: backend.device, fallbacks: created.fallbacks },
    range: { start: range.start, end: range.start + done },
    outputNames,
    outputs: !collect || done === samples ? outputs : outputs.slice(0, done * W),
    ...(cycleOutputs
      ? {
          lifetime: {
            cycles,
            width: CYCLE_OUTPUT_COUNT,
            names: CYCLE_OUTPUTS.map((o) => o.name),
            cycleOutputs: !collect || done === samples ? cycleOutputs : cycleOutputs.slice(0, done * cycles * CYCLE_OUTPUT_COUNT),
            ...(cellGrowth ? { cellGrowth: !collect || done === samples ? cellGrowth : cellGrowth.slice(0, done * cycles * cellsPerPack) } : {}),
          },
        }
      : {}),
    inputNames,
    inputs: !collect || done === samples ? inputs : inputs.slice(0, done * inputNames.length),
    invalid,
    counts: { samples: done, validSamples: done - invalid.length, invalidSamples: invalid.length, cells: done * cellsPerPack, cellSteps, chunks },
    cost,
    timings: { sampleSeconds, simulateSeconds, totalSeconds: (performance.now() - t0) / 1000 },
    cancelled,
  };
}
