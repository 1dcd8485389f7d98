/**
 * The browser platform: package files by fetch, module Web Workers, navigator.hardwareConcurrency and navigator.gpu.
 * Unbundled (the package's modules served as they are) files are found next to the modules; a bundled page, whose
 * modules no longer sit in the package's folders, says where the package's files are served with `assetBase`.
 */
import type { GpuCandidate, PackageAsset, Platform, WorkerPort } from './types.ts';

export interface BrowserPlatformOptions {
  /**
   * URL of a folder holding the package's files at their package paths (build/cellspread.wasm, shaders/*.wgsl,
   * dist/backends/wasm/worker.mjs and kernel.mjs), e.g. "./cellspread/"; relative to the page. Default: next to the
   * modules, which is right when the package is served unbundled.
   */
  assetBase?: string | URL;
}

interface BrowserGlobals {
  location?: { href: string };
  navigator?: { hardwareConcurrency?: number; gpu?: GPU };
  fetch(url: URL): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> }>;
  Worker: new (url: URL, options: { type: 'module' }) => {
    postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
    addEventListener(type: 'message', handler: (event: { data: unknown }) => void): void;
    addEventListener(type: 'error', handler: (event: { message?: string }) => void): void;
    terminate(): void;
  };
}

export function browserPlatform(options: BrowserPlatformOptions = {}): Platform {
  const g = globalThis as unknown as BrowserGlobals;
  const locate = (asset: PackageAsset): URL =>
    options.assetBase === undefined ? asset.url : new URL(asset.path, new URL(options.assetBase, g.location?.href));
  const get = async (asset: PackageAsset) => {
    const url = locate(asset);
    const res = await g.fetch(url);
    if (!res.ok) throw new Error(`${url.href} could not be loaded (HTTP ${res.status})`);
    return res;
  };
  return {
    name: 'browser',
    parallelism: () => Math.max(1, g.navigator?.hardwareConcurrency ?? 4),
    readBytes: async (asset) => new Uint8Array(await (await get(asset)).arrayBuffer()),
    readText: async (asset) => (await get(asset)).text(),
    startWorker(asset): WorkerPort {
      const url = locate(asset);
      const w = new g.Worker(url, { type: 'module' });
      return {
        post: (m, t) => w.postMessage(m, t),
        onMessage: (h) => w.addEventListener('message', (e) => h(e.data)),
        onError: (h) => w.addEventListener('error', (e) => h(new Error(e.message || `worker ${url.href} failed to start`))),
        ref: () => {},
        terminate: () => w.terminate(),
      };
    },
    async gpuCandidates() {
      const gpu = g.navigator?.gpu;
      if (!gpu) throw new Error('WebGPU is not available in this browser (navigator.gpu is undefined)');
      const candidates: GpuCandidate[] = [
        { name: 'navigator.gpu', via: 'browser', open: async () => ({ instance: gpu, adapter: await gpu.requestAdapter({ powerPreference: 'high-performance' }) }) },
        {
          name: 'navigator.gpu (compatibility)',
          via: 'browser, compatibility',
          open: async () => ({ instance: gpu, adapter: await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) }),
        },
      ];
      return { candidates };
    },
  };
}
