/**
 * The "wasm" backend: the pack/cell model compiled from assembly/ by AssemblyScript (build/cellspread.wasm), f64 with
 * 128-bit SIMD, a chunk's packs spread over worker threads (one WebAssembly instance each). Packs are independent and
 * split by pack index, and a pack's result does not depend on which worker or which neighbour pack it ran with, so the
 * outputs are identical whatever the worker count. See docs/wasm.md.
 */
import { CellspreadInputError } from '../../errors.ts';
import { PACK_OUTPUT_COUNT } from '../../pack/outputs.ts';
import { cellCount } from '../../pack/topology.ts';
import { kernelConfigureArguments, PACK_CONFIGURE_ARGUMENTS, STEP_CONFIGURE_ARGUMENTS } from '../../kernels/configure.ts';
import { kernelConstants } from '../../model/cell.ts';
import { cellParameters } from '../../model/layout.ts';
import { CELL_MODELS, DEFINITIONS } from '../../model/physics.ts';
import { flattenSeries, type StoichFunction } from '../../model/series.ts';
import { packSegments } from '../../pack/protocol.ts';
import { currentPlatform, type PackageAsset, type Platform, type WorkerPort } from '../../platform/index.ts';
import { addCounts, emptyChunkResult, packStateLength } from '../chunk.ts';
import type { Backend, BackendFactory, BackendOptions, PackChunkResult, PackJob } from '../types.ts';
import { checkWasmSources } from './sources.ts';

/** A compiled WebAssembly.Module (opaque here: the TypeScript libs in use carry no WebAssembly types). */
export type WasmModule = object;
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Where the build puts the module (asconfig.json, target release). */
export const WASM_URL = new URL('../../../build/cellspread.wasm', import.meta.url);
const WASM_ASSET: PackageAsset = { path: 'build/cellspread.wasm', url: WASM_URL };
/** The worker script (plain JavaScript, copied next to the compiled modules by the build). */
const WORKER_ASSET: PackageAsset = { path: 'dist/backends/wasm/worker.mjs', url: new URL('./worker.mjs', import.meta.url) };

/** A job as plain numbers and Float64Arrays (what a worker receives), for packs [first, first + count) of a PackJob. */
export interface FlatJob {
  /**
   * The arguments of the module's generated `configure`, in order (src/kernels/configure.ts): numbers, booleans, and
   * Float64Arrays that the worker copies into linear memory and passes by address.
   */
  configure: Array<number | boolean | Float64Array>;
  count: number;
  kernelParameters: Float64Array;
  interconnectResistance: Float64Array;
  /** Start states of these packs (reference layout); their end states come back (FlatJob states of the reply). */
  states?: Float64Array;
  /** Without start states: the length of the end states to return (0: none). */
  stateLength?: number;
}

/**
 * The configure arguments of a job: the model, the study constants of every model's definition (those of another
 * model than the job's are 0 or empty), then the step and pack settings.
 */
export function configureArguments(job: Pick<PackJob, 'set' | 'settings' | 'layout' | 'segments'>): Array<number | boolean | Float64Array> {
  const model = job.settings.model ?? 'spm';
  const k = kernelConstants(job.set, job.settings.modes, model, job.settings.mesh, { sei: job.settings.sei, filmHeat: job.settings.filmHeat }) as unknown as Record<
    string,
    number | Float64Array | StoichFunction | undefined
  >;
  const kernel = kernelConfigureArguments(CELL_MODELS.map((m) => DEFINITIONS[m])).map((a) => {
    if (a.name === 'model') return CELL_MODELS.indexOf(model);
    const v = k[a.name];
    if (v === undefined) return a.type === 'array' ? new Float64Array(0) : 0;
    return a.type === 'array' ? (v instanceof Float64Array ? v : flattenSeries(v as StoichFunction)) : (v as number);
  });
  const pack: Record<string, number | boolean | Float64Array> = {
    isothermal: job.settings.thermal === 'isothermal',
    aging: (job.settings.sei ?? 'none') !== 'none',
    series: job.layout.series,
    parallel: job.layout.parallel,
    modules: job.layout.modules,
    timeStep: job.settings.timeStep,
    conduction: job.settings.conduction,
    stopAtPack: job.settings.stopAt === 'pack',
    segments: packSegments(job.segments),
    segmentCount: job.segments.length,
  };
  return [...kernel, ...[...STEP_CONFIGURE_ARGUMENTS, ...PACK_CONFIGURE_ARGUMENTS].map((a) => pack[a.name])];
}

/** Packs [first, first + count) of a job, with their own SoA parameter block (count' = count). */
export function flattenJob(job: PackJob, first = 0, count = job.count): FlatJob {
  const n = cellCount(job.layout);
  const P = cellParameters(job.settings.model).length;
  const params = new Float64Array(P * count * n);
  for (let k = 0; k < P; k++) {
    params.set(job.kernelParameters.subarray((k * job.count + first) * n, (k * job.count + first + count) * n), k * count * n);
  }
  const s = job.layout.series;
  const perPack = packStateLength(job);
  return {
    configure: configureArguments(job),
    count,
    kernelParameters: params,
    interconnectResistance: job.interconnectResistance.slice(first * s, (first + count) * s),
    states: job.states?.slice(first * perPack, (first + count) * perPack),
    stateLength: job.returnStates ? count * perPack : 0,
  };
}

type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; outputs: Float64Array; cellSteps: number; cellEvaluations: number; cellCorrections: number; states?: Float64Array }
  | { type: 'error'; id?: number; message: string };

/** Contiguous split of `count` packs over `workers` (empty ranges dropped). */
export function splitRange(count: number, workers: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let w = 0; w < workers; w++) {
    const a = Math.floor((w * count) / workers);
    const b = Math.floor(((w + 1) * count) / workers);
    if (b > a) out.push([a, b]);
  }
  return out;
}

interface WorkerResult {
  outputs: Float64Array;
  cellSteps: number;
  cellEvaluations: number;
  cellCorrections: number;
  states?: Float64Array;
}

class PoolWorker {
  private readonly pending = new Map<number, { resolve: (r: WorkerResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  readonly ready: Promise<void>;

  constructor(private readonly port: WorkerPort, module: WasmModule) {
    this.ready = new Promise((resolve, reject) => {
      port.onMessage((message) => {
        const m = message as WorkerReply;
        if (m.type === 'ready') return resolve();
        const p = m.id === undefined ? undefined : this.pending.get(m.id);
        if (m.type === 'error' && m.id === undefined) return reject(new Error(m.message));
        if (!p) return;
        this.pending.delete((m as { id: number }).id);
        if (this.pending.size === 0) port.ref(false);
        if (m.type === 'done') p.resolve({ outputs: m.outputs, cellSteps: m.cellSteps, cellEvaluations: m.cellEvaluations, cellCorrections: m.cellCorrections, states: m.states });
        else p.reject(new Error(`wasm worker: ${m.message}`));
      });
      port.onError((err) => {
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
    port.post({ type: 'init', module });
  }

  run(job: FlatJob): Promise<WorkerResult> {
    const id = this.nextId++;
    this.port.ref(true);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const transfer = [job.kernelParameters.buffer as ArrayBuffer, job.interconnectResistance.buffer as ArrayBuffer];
      if (job.states) transfer.push(job.states.buffer as ArrayBuffer);
      this.port.post({ type: 'run', id, job }, transfer);
    });
  }

  idle(): void {
    if (this.pending.size === 0) this.port.ref(false);
  }

  terminate(): Promise<unknown> | void {
    for (const p of this.pending.values()) p.reject(new Error('wasm backend disposed'));
    this.pending.clear();
    return this.port.terminate();
  }
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly device: string;
  private pool: PoolWorker[] | null = null;

  constructor(
    private readonly module: WasmModule,
    readonly workers: number,
    private readonly platform: Platform = currentPlatform(),
  ) {
    this.device = `CPU (WebAssembly f64 SIMD, ${workers} worker${workers === 1 ? '' : 's'})`;
  }

  private async ensurePool(): Promise<PoolWorker[]> {
    if (!this.pool) {
      this.pool = Array.from({ length: this.workers }, () => new PoolWorker(this.platform.startWorker(WORKER_ASSET), this.module));
      await Promise.all(this.pool.map((w) => w.ready));
      for (const w of this.pool) w.idle();
    }
    return this.pool;
  }

  async simulate(job: PackJob, signal?: AbortSignal): Promise<PackChunkResult> {
    signal?.throwIfAborted();
    const pool = await this.ensurePool();
    signal?.throwIfAborted();
    const ranges = splitRange(job.count, pool.length);
    const work = Promise.all(ranges.map(([a, b], w) => pool[w].run(flattenJob(job, a, b - a))));
    let parts;
    if (signal) {
      // A WebAssembly call cannot be interrupted: on abort the workers are terminated (and restarted on the next chunk).
      let onAbort: () => void = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          const pool = this.pool;
          this.pool = null;
          for (const w of pool ?? []) void w.terminate();
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        parts = await Promise.race([work, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } else parts = await work;
    const result = emptyChunkResult(job);
    const perPack = packStateLength(job);
    ranges.forEach(([a], w) => {
      result.outputs.set(parts[w].outputs, a * PACK_OUTPUT_COUNT);
      if (result.states) result.states.set(parts[w].states!, a * perPack);
      addCounts(result, parts[w]);
    });
    return result;
  }

  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await Promise.all((pool ?? []).map((w) => w.terminate()));
  }
}

let compiled: Promise<WasmModule> | null = null;

/**
 * Compile build/cellspread.wasm once per process or page (the module is shared with every worker); in a checkout, a
 * module built from other assembly/ sources is an error (./sources.ts).
 */
export function loadWasmModule(platform: Platform = currentPlatform()): Promise<WasmModule> {
  compiled ??= platform
    .readBytes(WASM_ASSET)
    .catch((err: Error) => {
      throw new Error(`${WASM_ASSET.path} could not be read (${err.message}); a checkout builds it with npm run build`);
    })
    .then(async (bytes) => {
      const module = await wasmApi!.compile(bytes);
      await checkWasmSources(module, platform, WASM_ASSET.path);
      return module;
    });
  compiled.catch(() => (compiled = null));
  return compiled;
}

export async function createWasmBackend(options: BackendOptions = {}): Promise<WasmBackend> {
  const platform = options.platform ?? currentPlatform();
  const workers = options.workers ?? platform.parallelism();
  if (!(Number.isInteger(workers) && workers >= 1)) throw new CellspreadInputError('workers', 'must be an integer >= 1', workers);
  if (!wasmApi) throw new Error('WebAssembly is not available');
  return new WasmBackend(await loadWasmModule(platform), workers, platform);
}

export const wasmBackendFactory: BackendFactory = {
  name: 'wasm',
  priority: 50,
  create: (options) => createWasmBackend(options),
};
