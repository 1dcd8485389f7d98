/**
 * The "wasm" backend: the pack/cell model compiled from assembly/ by AssemblyScript (build/cellspread.wasm), f64 with
 * 128-bit SIMD, a chunk's packs spread over worker threads (one WebAssembly instance each). Packs are independent and
 * split by pack index, and a pack's result does not depend on which worker or which neighbour pack it ran with, so the
 * outputs are identical whatever the worker count. See docs/wasm.md.
 */
import { CellspreadInputError } from '../../errors.ts';
import { PACK_OUTPUT_COUNT } from '../../pack/outputs.ts';
import { cellCount } from '../../pack/topology.ts';
import { packSegments } from '../../model/generate.ts';
import { CELL_PARAMETER_COUNT } from '../../model/layout.ts';
import { sphereEigenvalues, truncatedTail } from '../../model/spectral.ts';
import type { SeriesFunction } from '../../params/types.ts';
import { currentPlatform, type PackageAsset, type Platform, type WorkerPort } from '../../platform/index.ts';
import type { Backend, BackendFactory, BackendOptions, PackChunkResult, PackJob } from '../types.ts';

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
  modes: number;
  isothermal: boolean;
  referenceTemperature: number;
  tailCoefficient: number;
  eigenvalues: Float64Array;
  ocpNeg: Float64Array;
  ocpPos: Float64Array;
  entropicNeg: Float64Array;
  entropicPos: Float64Array;
  series: number;
  parallel: number;
  modules: number;
  timeStep: number;
  conduction: number;
  stopAtPack: boolean;
  segments: Float64Array;
  segmentCount: number;
  count: number;
  kernelParameters: Float64Array;
  interconnectResistance: Float64Array;
}

/** [constant, linear, nExp, nTanh, (amplitude, rate) x nExp, (amplitude, slope, center) x nTanh]. */
export function flattenSeries(f: SeriesFunction): Float64Array {
  const out = [f.constant, f.linear, f.exp.length, f.tanh.length];
  for (const e of f.exp) out.push(e.amplitude, e.rate);
  for (const t of f.tanh) out.push(t.amplitude, t.slope, t.center);
  return Float64Array.from(out);
}

/** Packs [first, first + count) of a job, with their own SoA parameter block (count' = count). */
export function flattenJob(job: PackJob, first = 0, count = job.count): FlatJob {
  const n = cellCount(job.layout);
  const mu = sphereEigenvalues(job.settings.modes);
  const params = new Float64Array(CELL_PARAMETER_COUNT * count * n);
  for (let k = 0; k < CELL_PARAMETER_COUNT; k++) {
    params.set(job.kernelParameters.subarray((k * job.count + first) * n, (k * job.count + first + count) * n), k * count * n);
  }
  const s = job.layout.series;
  return {
    modes: job.settings.modes,
    isothermal: job.settings.thermal === 'isothermal',
    referenceTemperature: job.set.thermal.referenceTemperature,
    tailCoefficient: (2 / 3) * truncatedTail(mu),
    eigenvalues: mu.map((m) => m * m),
    ocpNeg: flattenSeries(job.set.negative.ocp),
    ocpPos: flattenSeries(job.set.positive.ocp),
    entropicNeg: flattenSeries(job.set.negative.entropicChange),
    entropicPos: flattenSeries(job.set.positive.entropicChange),
    series: s,
    parallel: job.layout.parallel,
    modules: job.layout.modules,
    timeStep: job.settings.timeStep,
    conduction: job.settings.conduction,
    stopAtPack: job.settings.stopAt === 'pack',
    segments: packSegments(job.segments),
    segmentCount: job.segments.length,
    count,
    kernelParameters: params,
    interconnectResistance: job.interconnectResistance.slice(first * s, (first + count) * s),
  };
}

type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; outputs: Float64Array; cellSteps: number }
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

class PoolWorker {
  private readonly pending = new Map<number, { resolve: (r: { outputs: Float64Array; cellSteps: number }) => void; reject: (e: Error) => void }>();
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
        if (m.type === 'done') p.resolve({ outputs: m.outputs, cellSteps: m.cellSteps });
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

  run(job: FlatJob): Promise<{ outputs: Float64Array; cellSteps: number }> {
    const id = this.nextId++;
    this.port.ref(true);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.post({ type: 'run', id, job }, [job.kernelParameters.buffer as ArrayBuffer, job.interconnectResistance.buffer as ArrayBuffer]);
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
    const outputs = new Float64Array(job.count * PACK_OUTPUT_COUNT);
    let cellSteps = 0;
    ranges.forEach(([a], w) => {
      outputs.set(parts[w].outputs, a * PACK_OUTPUT_COUNT);
      cellSteps += parts[w].cellSteps;
    });
    return { outputs, cellSteps };
  }

  async dispose(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await Promise.all((pool ?? []).map((w) => w.terminate()));
  }
}

let compiled: Promise<WasmModule> | null = null;

/** Compile build/cellspread.wasm once per process or page (the module is shared with every worker). */
export function loadWasmModule(platform: Platform = currentPlatform()): Promise<WasmModule> {
  compiled ??= platform
    .readBytes(WASM_ASSET)
    .catch((err: Error) => {
      throw new Error(`${WASM_ASSET.path} could not be read (${err.message}); a checkout builds it with npm run build`);
    })
    .then((bytes) => wasmApi!.compile(bytes));
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
