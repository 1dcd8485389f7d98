/**
 * What cellspread needs from the place it runs, behind one small interface so the rest of the code uses no Node
 * built-ins and no browser globals: the package's own files (the WASM module, the shaders, the worker script), worker
 * threads, the core count and WebGPU adapters. src/platform/node.ts and src/platform/browser.ts implement it.
 */

/** A file the package ships next to its code. */
export interface PackageAsset {
  /** Path inside the package, e.g. "build/cellspread.wasm" or "shaders/pack.wgsl" (also its path under an asset base). */
  path: string;
  /** Where it is when the package's modules run unbundled (from src/ or dist/), relative to the module that names it. */
  url: URL;
}

/** A worker thread (Node worker_threads or a browser module Worker) behind one face. */
export interface WorkerPort {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: unknown) => void): void;
  onError(handler: (err: Error) => void): void;
  /** Node: whether a worker keeps the process alive (kept while it has work). Browsers: no effect. */
  ref(on: boolean): void;
  terminate(): Promise<unknown> | void;
}

/** Options for finding a WebGPU adapter. */
export interface GpuOptions {
  /** Node only: which Dawn backend to use; default tries vulkan then opengles. */
  backend?: 'vulkan' | 'opengles' | 'auto';
  /**
   * Refuse software adapters (Mesa llvmpipe / lavapipe / softpipe, SwiftShader, WARP, fallback adapters): set under
   * backend "auto", where a CPU rasterizer is no GPU and the WASM backend is the better CPU path.
   */
  rejectSoftware?: boolean;
}

/** One way of asking for an adapter, tried in order until one gives a usable adapter. */
export interface GpuCandidate {
  /** Short name for error messages ("vulkan", "opengles", "navigator.gpu"). */
  name: string;
  /** How the adapter was reached, for the device description ("opengles, compatibility"). */
  via: string;
  /** The GPU instance and its adapter (null when this way finds none). Keep the instance for the device's lifetime. */
  open(): Promise<{ instance: GPU; adapter: GPUAdapter | null }>;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** Logical cores available to worker threads. */
  parallelism(): number;
  readBytes(asset: PackageAsset): Promise<Uint8Array>;
  readText(asset: PackageAsset): Promise<string>;
  /** Start a worker running the ES module `asset` (plain JavaScript). */
  startWorker(asset: PackageAsset): WorkerPort;
  /**
   * The ways to reach a WebGPU adapter here, best first. Rejects (with the reason) when there can be none: no
   * navigator.gpu, the optional Dawn package missing, or under rejectSoftware a machine with no GPU device at all.
   */
  gpuCandidates(options: GpuOptions): Promise<{ candidates: GpuCandidate[]; hint?: string }>;
}
