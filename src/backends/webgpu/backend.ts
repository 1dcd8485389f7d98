/**
 * The WebGPU backend. Single cells and tiny packs: one invocation per pack runs the whole compiled protocol
 * (shaders/pack.wgsl), per-cell state in private memory. Larger packs: one workgroup per pack, an invocation per cell
 * (shaders/pack-workgroup.wgsl), so that a study of a thousand packs of hundreds of cells gives a GPU hundreds of
 * thousands of threads; the mapping is chosen per study from the pack's shape (`mapping`, docs/webgpu.md). A job is
 * split into dispatches that fit the device's buffer limits; each dispatch is read back once.
 */
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../pack/outputs.ts';
import { cellCount } from '../../pack/topology.ts';
import type { Backend, BackendFactory, BackendOptions, BackendPhases, PackChunkResult, PackJob } from '../types.ts';
import { acquireGpu, type GpuContext, type GpuOptions } from './gpu.ts';
import { BINDING } from './layout.ts';
import { toReferenceState, toTargetState } from '../../kernels/compile.ts';
import { compiled } from '../../model/compiled.ts';
import { cellStateLength } from '../../model/layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength } from '../../model/physics.ts';
import {
  f32StateLength, paramRows, PERSIST_FIELDS, packInputs, persistFieldsPerCell, segmentBuffers, shaderSource, validateJob, workgroupShape, workSlots, type WorkVariant,
} from './shader.ts';

// GPUBufferUsage / GPUMapMode values (spec constants), so no globals need installing in Node.
const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
const MAP_READ = 0x1;
const OUT_STRIDE = PACK_OUTPUT_COUNT + 1;
/** The vector lengths of a job's cell states. */
function stateLengths(job: PackJob): { modes: number; electrolyteCells: number } {
  return { modes: job.settings.modes, electrolyteCells: electrolyteStateLength(job.settings.mesh ?? DEFAULT_ELECTROLYTE_MESH) };
}

/** The kernel writes -1 here when the device ended its loops (shaders/pack.wgsl `exited`). */
const STOP_REASON_INDEX = PACK_OUTPUT_INDEX.stopReason;

export interface WebGpuOptions extends GpuOptions, BackendOptions {
  /** Invocations per workgroup of the per-pack mapping (default 64; at most the device's limit). */
  workgroupSize?: number;
  /**
   * Thread mapping: 'pack' (one invocation per pack), 'workgroup' (one workgroup per pack, an invocation per cell), or
   * 'auto' (default): the workgroup mapping for packs of more than privateMaxCells cells whose group state fits the
   * device's workgroup memory, else one invocation per pack.
   */
  mapping?: 'auto' | 'pack' | 'workgroup';
  /** Most invocations of one pack's workgroup (default 256, at most the device's limit); larger packs give each several cells. */
  maxWorkgroupInvocations?: number;
  /** Packs of at most this many cells keep their working state in private memory (default 2). */
  privateMaxCells?: number;
  /** Largest number of packs in one dispatch (default: what the buffer limits allow, at most 2^20). */
  maxPacksPerDispatch?: number;
  /** Override of maxComputeWorkgroupsPerDimension (tests of the 2-D dispatch). */
  maxWorkgroupsPerDimension?: number;
  /**
   * Loop iterations after which a pack pauses at its next step boundary (or between two probes of a stop it is
   * locating) and the host dispatches again (default 12,000 on Mesa's llvmpipe, which ends an invocation's loops after
   * 65,535 iterations; 2^25 on real GPUs), counted as the kernel counts them (shaders/pack.wgsl: every loop iteration,
   * as if none were unrolled).
   */
  loopBudget?: number;
}

export interface DispatchTiming {
  packs: number;
  /** Wall time of writing the inputs until the queue finished them [s]. */
  uploadS: number;
  /** Wall time of the compute pass: submit until onSubmittedWorkDone [s]. */
  gpuS: number;
  /** GPU time of the compute pass from timestamp queries [s], when the device supports them. */
  gpuTimestampS?: number;
  /** Copy and map of the outputs [s]. */
  readbackS: number;
  workgroups: [number, number];
  /** Dispatches until every pack finished (packs pause at step boundaries after loopBudget iterations). */
  rounds: number;
}

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly device: string;
  /** Timing of the dispatches of the last simulate() call. */
  lastTimings: DispatchTiming[] = [];
  private readonly gpu: GpuContext;
  private readonly options: WebGpuOptions;
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private lost: GPUDeviceLostInfo | undefined;
  private uncaptured: string | undefined;
  private disposed = false;

  private constructor(gpu: GpuContext, options: WebGpuOptions) {
    this.gpu = gpu;
    this.options = options;
    this.device = gpu.description;
    void gpu.device.lost.then((info) => {
      this.lost = info;
    });
    gpu.device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      this.uncaptured = ev.error.message;
    };
  }

  /** Under `auto` (set by the registry for backend "auto") software adapters are refused, so auto falls back to wasm. */
  static async create(options: WebGpuOptions = {}): Promise<WebGpuBackend> {
    return new WebGpuBackend(await acquireGpu({ ...options, rejectSoftware: options.rejectSoftware ?? options.auto === true }, options.platform), options);
  }

  get limits(): GPUSupportedLimits {
    return this.gpu.device.limits;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error('webgpu backend used after dispose()');
    if (this.lost) throw new Error(`webgpu device lost (${this.lost.reason}): ${this.lost.message}`);
  }

  private workgroupSize(): number {
    const wg = this.options.workgroupSize ?? 64;
    const max = Math.min(this.limits.maxComputeInvocationsPerWorkgroup, this.limits.maxComputeWorkgroupSizeX);
    if (!(Number.isInteger(wg) && wg >= 1 && wg <= max)) throw new Error(`webgpu: workgroupSize must be an integer in 1..${max}, got ${wg}`);
    return wg;
  }

  loopBudget(): number {
    // Loop iterations (shaders/pack.wgsl counts them as if nothing were unrolled): on llvmpipe, room below its 65,535
    // for the longest step (a CV step of a 4-cell SPMe pack takes up to ~50,000; a longer one is reported, not cut
    // short); elsewhere a dispatch of well under a second per invocation (GPU watchdogs).
    const b = this.options.loopBudget ?? (/llvmpipe|softpipe|lavapipe|swiftshader/i.test(this.device) ? 12_000 : 1 << 25);
    if (!(Number.isInteger(b) && b >= 1 && b < 2 ** 32)) throw new Error(`webgpu: loopBudget must be a positive integer, got ${b}`);
    return b;
  }

  /** The thread mapping and working-memory variant for a job: a function of the pack's shape only (one per study). */
  variant(job: PackJob): WorkVariant {
    const n = cellCount(job.layout);
    const mapping = this.options.mapping ?? 'auto';
    if (!['auto', 'pack', 'workgroup'].includes(mapping)) throw new Error(`webgpu: mapping must be auto, pack or workgroup, got ${mapping}`);
    const small = n <= (this.options.privateMaxCells ?? 2);
    if (mapping === 'pack' || (mapping === 'auto' && small)) return small ? 'private' : 'storage';
    const fits = this.packWorkgroup(job).sharedBytes <= this.limits.maxComputeWorkgroupStorageSize;
    if (fits) return 'workgroup';
    if (mapping === 'workgroup') {
      throw new Error(`webgpu: a ${job.layout.series}s${job.layout.parallel}p pack's group state does not fit the device's workgroup memory (${this.limits.maxComputeWorkgroupStorageSize} bytes); use mapping 'pack'`);
    }
    return 'storage';
  }

  /** The workgroup mapping's shape for a job's pack. */
  packWorkgroup(job: PackJob): ReturnType<typeof workgroupShape> {
    const limit = Math.min(this.limits.maxComputeInvocationsPerWorkgroup, this.limits.maxComputeWorkgroupSizeX);
    const max = this.options.maxWorkgroupInvocations ?? Math.min(256, limit);
    if (!(Number.isInteger(max) && max >= 1 && max <= limit)) throw new Error(`webgpu: maxWorkgroupInvocations must be an integer in 1..${limit}, got ${max}`);
    return workgroupShape(cellCount(job.layout), job.layout.series, max);
  }

  /** The thread mapping in words, for benchmarks. */
  describeMapping(job: PackJob, variant: WorkVariant = this.variant(job)): string {
    if (variant !== 'workgroup') return `one invocation per pack, ${this.workgroupSize()} packs per workgroup, working state in ${variant} memory`;
    const w = this.packWorkgroup(job);
    return `one workgroup per pack, ${w.invocations} invocations of ${w.cellsPerInvocation} cell${w.cellsPerInvocation > 1 ? 's' : ''}`;
  }

  /** Invocations per workgroup for a job in a variant. */
  private invocations(job: PackJob, variant: WorkVariant): number {
    return variant === 'workgroup' ? this.packWorkgroup(job).invocations : this.workgroupSize();
  }

  private async pipeline(job: PackJob, variant: WorkVariant, workgroupSize: number): Promise<GPUComputePipeline> {
    const code = await shaderSource(job, { variant, workgroupSize }, this.options.platform);
    let p = this.pipelines.get(code);
    if (!p) {
      p = this.compile(code);
      this.pipelines.set(code, p);
      p.catch(() => this.pipelines.delete(code));
    }
    return p;
  }

  private async compile(code: string): Promise<GPUComputePipeline> {
    const device = this.gpu.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code, label: 'cellspread pack kernel' });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      await device.popErrorScope();
      const lines = code.split('\n');
      throw new Error(`webgpu: the pack kernel failed to compile:\n${errors.map((m) => `  line ${m.lineNum}: ${m.message}\n    ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n')}`);
    }
    try {
      // Synchronous: createComputePipelineAsync aborted the process in dawn.node 0.6 while the GPU instance could be
      // garbage collected (see gpu.ts and docs/webgpu.md); kept synchronous as the conservative choice.
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const err = await device.popErrorScope();
      if (err) throw new Error(err.message);
      return pipeline;
    } catch (err) {
      throw new Error(`webgpu: could not create the pack pipeline: ${(err as Error).message}`);
    }
  }

  /** Packs per dispatch allowed by the device's buffer limits for this job. */
  maxPacksPerDispatch(job: PackJob, variant: WorkVariant): number {
    const n = cellCount(job.layout);
    const limit = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    const { modes, model, mesh } = job.settings;
    const states = job.states || job.returnStates ? f32StateLength(modes, model, mesh) * n : 0;
    const perPack = Math.max(paramRows(model) * n, variant === 'private' ? 0 : workSlots(modes, model, mesh) * n, PERSIST_FIELDS + persistFieldsPerCell(modes, model, mesh) * n + states) * 4;
    const byMemory = Math.floor(limit / perPack);
    const wgMax = this.options.maxWorkgroupsPerDimension ?? this.limits.maxComputeWorkgroupsPerDimension;
    const byDispatch = wgMax * wgMax * (variant === 'workgroup' ? 1 : this.workgroupSize());
    const cap = this.options.maxPacksPerDispatch ?? 1 << 20;
    return Math.max(1, Math.min(byMemory, byDispatch, cap));
  }

  async simulate(job: PackJob, signal?: AbortSignal): Promise<PackChunkResult> {
    this.checkAlive();
    validateJob(job);
    const outputs = new Float64Array(job.count * PACK_OUTPUT_COUNT);
    this.lastTimings = [];
    if (job.count === 0) return { outputs, cellSteps: 0 };
    const variant = this.variant(job);
    const wg = this.invocations(job, variant);
    const pipeline = await this.pipeline(job, variant, wg);
    const segments = segmentBuffers(job);
    const perDispatch = this.maxPacksPerDispatch(job, variant);
    const n = cellCount(job.layout);
    const perPack = n * cellStateLength(job.settings.modes, job.settings.model, job.settings.mesh);
    const states = job.returnStates || job.states ? new Float64Array(job.count * perPack) : undefined;
    let steps = 0;
    for (let first = 0; first < job.count; first += perDispatch) {
      signal?.throwIfAborted();
      const count = Math.min(perDispatch, job.count - first);
      const { out, endStates } = await this.dispatch(job, pipeline, variant, wg, segments, first, count, signal);
      for (let p = 0; p < count; p++) {
        if (out[p * OUT_STRIDE + STOP_REASON_INDEX] === -1) {
          throw new Error(
            `webgpu: pack ${job.firstSample + first + p} was cut short by the device's loop limit (${this.device}; Mesa's llvmpipe ends an invocation's loops after 65,535 iterations): give the backend a smaller loopBudget (now ${this.loopBudget()})`,
          );
        }
        for (let k = 0; k < PACK_OUTPUT_COUNT; k++) outputs[(first + p) * PACK_OUTPUT_COUNT + k] = out[p * OUT_STRIDE + k];
        steps += out[p * OUT_STRIDE + PACK_OUTPUT_COUNT];
      }
      if (states && endStates) states.set(endStates, first * perPack);
    }
    const t = this.lastTimings;
    const phases: BackendPhases = {
      uploadSeconds: t.reduce((a, x) => a + x.uploadS, 0),
      kernelSeconds: t.reduce((a, x) => a + (x.gpuTimestampS ?? x.gpuS), 0),
      kernelTimer: t.every((x) => x.gpuTimestampS !== undefined) ? 'gpu-timestamps' : 'wall-clock',
      readbackSeconds: t.reduce((a, x) => a + x.readbackS, 0),
      mapping: this.describeMapping(job, variant),
    };
    return { outputs, cellSteps: steps * n, phases, states };
  }

  private async dispatch(
    job: PackJob,
    pipeline: GPUComputePipeline,
    variant: WorkVariant,
    wg: number,
    segments: { rows: Float32Array; aux: Float32Array },
    first: number,
    count: number,
    signal?: AbortSignal,
  ): Promise<{ out: Float32Array; endStates?: Float64Array }> {
    const device = this.gpu.device;
    const n = cellCount(job.layout);
    const groups = variant === 'workgroup' ? count : Math.ceil(count / wg);
    const wgMax = this.options.maxWorkgroupsPerDimension ?? this.limits.maxComputeWorkgroupsPerDimension;
    const gx = Math.min(groups, wgMax);
    const gy = Math.ceil(groups / gx);
    const buffers: GPUBuffer[] = [];
    const make = (size: number, usage: number, label: string) => {
      const b = device.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage, label });
      buffers.push(b);
      return b;
    };
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const t0 = performance.now();
    let t1 = t0;
    let t2 = t0;
    let out: Float32Array;
    let endStates: Float64Array | undefined;
    let gpuTimestampS: number | undefined;
    let rounds = 0;
    try {
      const { params, interconnect } = packInputs(job, first, count, variant);
      const statesMode = job.states ? 2 : job.returnStates ? 1 : 0;
      const uniform = make(32, USAGE.UNIFORM | USAGE.COPY_DST, 'dispatch');
      device.queue.writeBuffer(uniform, 0, new Uint32Array([count, gx, job.segments.length, this.loopBudget(), statesMode, 0, 0, 0]));
      const input = (data: Float32Array, label: string) => {
        const b = make(data.byteLength, USAGE.STORAGE | USAGE.COPY_DST, label);
        device.queue.writeBuffer(b, 0, data);
        return b;
      };
      const paramBuf = input(params, 'params');
      const segBuf = input(segments.rows, 'segments');
      const auxBuf = input(segments.aux, 'segment steps');
      const icBuf = input(interconnect, 'interconnect');
      const outBytes = count * OUT_STRIDE * 4;
      const outBuf = make(outBytes, USAGE.STORAGE | USAGE.COPY_SRC, 'outputs');
      const readBuf = make(outBytes, USAGE.MAP_READ | USAGE.COPY_DST, 'readback');
      const entries: GPUBindGroupEntry[] = [
        { binding: BINDING.info, resource: { buffer: uniform } },
        { binding: BINDING.params, resource: { buffer: paramBuf } },
        { binding: BINDING.segs, resource: { buffer: segBuf } },
        { binding: BINDING.segAux, resource: { buffer: auxBuf } },
        { binding: BINDING.interconnect, resource: { buffer: icBuf } },
        { binding: BINDING.outputs, resource: { buffer: outBuf } },
      ];
      if (variant !== 'private') {
        const workBuf = make(workSlots(job.settings.modes, job.settings.model, job.settings.mesh) * n * count * 4, USAGE.STORAGE, 'work');
        entries.push({ binding: BINDING.work, resource: { buffer: workBuf } });
      }
      const { modes, model, mesh } = job.settings;
      const statesAt = PERSIST_FIELDS + (variant === 'private' ? persistFieldsPerCell(modes, model, mesh) * n : 0);
      const L32 = f32StateLength(modes, model, mesh);
      const persistFields = statesAt + (statesMode ? L32 * n : 0);
      const persistBuf = make(persistFields * count * 4, USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC, 'persist');
      if (statesMode === 2) {
        // Start states, [F_STATES + k * cells + cell][pack] in the f32 layout (double-float states split head + tail).
        const region = new Float32Array(L32 * n * count);
        const L = cellStateLength(modes, model, mesh);
        const f32 = compiled('f32', model ?? 'spm');
        const lengths = stateLengths(job);
        for (let p = 0; p < count; p++) {
          for (let c = 0; c < n; c++) {
            const at = ((first + p) * n + c) * L;
            const s = toTargetState(f32, job.states!.subarray(at, at + L), lengths);
            for (let k = 0; k < L32; k++) region[(k * n + c) * count + p] = s[k];
          }
        }
        device.queue.writeBuffer(persistBuf, statesAt * count * 4, region);
      }
      const activeBuf = make(4, USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC, 'active');
      const activeRead = make(4, USAGE.MAP_READ | USAGE.COPY_DST, 'active readback');
      entries.push({ binding: BINDING.persist, resource: { buffer: persistBuf } }, { binding: BINDING.pausedPacks, resource: { buffer: activeBuf } });
      const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      await device.queue.onSubmittedWorkDone();
      t1 = performance.now();

      let query: GPUQuerySet | undefined;
      let queryBuf: GPUBuffer | undefined;
      let queryRead: GPUBuffer | undefined;
      if (this.gpu.timestampQuery) {
        query = device.createQuerySet({ type: 'timestamp', count: 2 });
        queryBuf = make(16, USAGE.QUERY_RESOLVE | USAGE.COPY_SRC, 'timestamps');
        queryRead = make(16, USAGE.MAP_READ | USAGE.COPY_DST, 'timestamps readback');
      }
      // Dispatch until no pack paused (each pack pauses at a step boundary after loopBudget loop iterations).
      for (;;) {
        rounds++;
        device.queue.writeBuffer(activeBuf, 0, new Uint32Array([0]));
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass(query ? { timestampWrites: { querySet: query, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(gx, gy);
        pass.end();
        if (query && queryBuf && queryRead) encoder.resolveQuerySet(query, 0, 2, queryBuf, 0);
        encoder.copyBufferToBuffer(activeBuf, 0, activeRead, 0, 4);
        device.queue.submit([encoder.finish()]);
        await activeRead.mapAsync(MAP_READ);
        const paused = new Uint32Array(activeRead.getMappedRange().slice(0))[0];
        activeRead.unmap();
        if (query && queryBuf && queryRead) {
          const e = device.createCommandEncoder();
          e.copyBufferToBuffer(queryBuf, 0, queryRead, 0, 16);
          device.queue.submit([e.finish()]);
          await queryRead.mapAsync(MAP_READ);
          const ts = new BigUint64Array(queryRead.getMappedRange().slice(0));
          queryRead.unmap();
          gpuTimestampS = (gpuTimestampS ?? 0) + Number(ts[1] - ts[0]) / 1e9;
        }
        signal?.throwIfAborted();
        this.checkAlive();
        if (paused === 0) break;
      }
      t2 = performance.now();
      const copy = device.createCommandEncoder();
      copy.copyBufferToBuffer(outBuf, 0, readBuf, 0, outBytes);
      device.queue.submit([copy.finish()]);
      await readBuf.mapAsync(MAP_READ, 0, outBytes);
      out = new Float32Array(readBuf.getMappedRange(0, outBytes).slice(0));
      readBuf.unmap();
      if (statesMode) {
        const bytes = L32 * n * count * 4;
        const stateRead = make(bytes, USAGE.MAP_READ | USAGE.COPY_DST, 'states readback');
        const e = device.createCommandEncoder();
        e.copyBufferToBuffer(persistBuf, statesAt * count * 4, stateRead, 0, bytes);
        device.queue.submit([e.finish()]);
        await stateRead.mapAsync(MAP_READ, 0, bytes);
        const region = new Float32Array(stateRead.getMappedRange(0, bytes).slice(0));
        stateRead.unmap();
        const L = cellStateLength(job.settings.modes, job.settings.model, job.settings.mesh);
        endStates = new Float64Array(count * n * L);
        const cell = new Float64Array(L32);
        for (let p = 0; p < count; p++) {
          for (let c = 0; c < n; c++) {
            for (let k = 0; k < L32; k++) cell[k] = region[(k * n + c) * count + p];
            endStates.set(toReferenceState(compiled('f32', job.settings.model ?? 'spm'), cell, stateLengths(job)), (p * n + c) * L);
          }
        }
      }
      query?.destroy();
    } catch (err) {
      await device.popErrorScope().catch(() => null);
      await device.popErrorScope().catch(() => null);
      for (const b of buffers) b.destroy();
      this.checkAlive();
      throw new Error(`webgpu: dispatch of samples ${job.firstSample + first}..${job.firstSample + first + count - 1} failed: ${(err as Error).message}`);
    }
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    for (const b of buffers) b.destroy();
    this.checkAlive();
    if (memory) throw new Error(`webgpu: out of GPU memory for ${count} packs (lower maxPacksPerDispatch or the chunk size): ${memory.message}`);
    if (validation) throw new Error(`webgpu: validation error in the pack dispatch: ${validation.message}`);
    if (this.uncaptured) throw new Error(`webgpu: ${this.uncaptured}`);
    const t3 = performance.now();
    this.lastTimings.push({ packs: count, uploadS: (t1 - t0) / 1e3, gpuS: (t2 - t1) / 1e3, gpuTimestampS, readbackS: (t3 - t2) / 1e3, workgroups: [gx, gy], rounds });
    return { out, endStates };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pipelines.clear();
    this.gpu.device.destroy();
  }
}

export const webgpuBackendFactory: BackendFactory = {
  name: 'webgpu',
  priority: 100,
  create: async (options: BackendOptions) => WebGpuBackend.create(options as WebGpuOptions),
};
