import type { PackSettings } from '../pack/simulate.ts';
import type { Segment } from '../pack/protocol.ts';
import type { PackLayout } from '../pack/topology.ts';
import type { ParameterSet } from '../params/types.ts';
import type { Platform } from '../platform/index.ts';

/**
 * One chunk of packs for a backend to simulate. Every backend reads the same arrays in the same layout
 * (src/model/layout.ts for cell parameters, src/pack/outputs.ts for outputs).
 */
export interface PackJob {
  set: ParameterSet;
  layout: PackLayout;
  segments: readonly Segment[];
  settings: PackSettings;
  /** Packs in this chunk. */
  count: number;
  /** Global index of the first pack (for error messages). */
  firstSample: number;
  /**
   * The model's parameter count (src/model/layout.ts cellParameters(settings.model)) x count x cellsPerPack: index
   * ((param * count) + sample) * cellsPerPack + cell.
   */
  kernelParameters: Float64Array;
  /** count x series: index sample * series + group. */
  interconnectResistance: Float64Array;
  /**
   * Start states, count x cells x stateLength in the reference (f64) layout (src/model/layout.ts cellStateLength), pack
   * by pack, cell by cell; absent: every cell starts from its initial state. Lifetime runs (src/pack/lifetime.ts) resume
   * packs from the states of the step before.
   */
  states?: Float64Array;
  /** Return every cell's end state (PackChunkResult.states), in the same layout. */
  returnStates?: boolean;
}

export interface PackChunkResult {
  /** count x PACK_OUTPUT_COUNT, row-major. */
  outputs: Float64Array;
  /** Cell-steps simulated (committed steps times cells). */
  cellSteps: number;
  /** Cell step evaluations (Newton trials and cut-off location included), where the backend counts them. */
  cellEvaluations?: number;
  /** Group Newton updates evaluated with the thermal part linearised (about a third of an evaluation each), where counted. */
  cellCorrections?: number;
  /** The end states when the job asked for them (PackJob.returnStates). */
  states?: Float64Array;
  /** Where the time went, from backends that can tell (benchmarks print it; studies ignore it). */
  phases?: BackendPhases;
}

/** Seconds of one simulate() call by phase, for a device with its own memory (the WebGPU backend). */
export interface BackendPhases {
  /** Preparing and writing the inputs to the device, until the queue has them. */
  uploadSeconds: number;
  /** The kernel: GPU timestamps when the device has them (`kernelTimer`), else wall time from submit to completion. */
  kernelSeconds: number;
  kernelTimer: 'gpu-timestamps' | 'wall-clock';
  /** Copying the outputs back and reading them. */
  readbackSeconds: number;
  /** How the packs were mapped onto the device's threads (e.g. one workgroup per pack, an invocation per cell). */
  mapping?: string;
}

export interface Backend {
  readonly name: string;
  /** Human-readable device description (e.g. the GPU adapter, or "CPU, 8 workers"). */
  readonly device: string;
  simulate(job: PackJob, signal?: AbortSignal): Promise<PackChunkResult>;
  dispose(): Promise<void> | void;
}

export interface BackendOptions {
  /** Worker count for CPU backends (default: all cores). */
  workers?: number;
  /**
   * Set by the registry when the backend is being tried by "auto": a GPU backend should then refuse software
   * adapters (a CPU rasterizer is no GPU), so auto falls through to the WASM backend on machines without one.
   */
  auto?: boolean;
  /** Where files, workers and GPUs come from (default: the platform the package entry installed, src/platform). */
  platform?: Platform;
}

export interface BackendFactory {
  readonly name: string;
  /** Higher is tried first by "auto". */
  readonly priority: number;
  create(options: BackendOptions): Promise<Backend>;
}
