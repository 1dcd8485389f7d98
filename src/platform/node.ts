/**
 * The Node platform: package files from disk, worker_threads, os.availableParallelism, and WebGPU through Dawn (the
 * optional `webgpu` package), loaded only when a GPU backend is asked for. In Node a real GPU is tried first through
 * Vulkan, then Dawn's OpenGL ES backend in compatibility mode (how Mesa's CPU rasterizer runs it without a GPU).
 */
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { GpuCandidate, GpuOptions, PackageAsset, Platform, WorkerPort } from './types.ts';

function startWorker(asset: PackageAsset): WorkerPort {
  const w = new Worker(asset.url);
  return {
    post: (m, t) => w.postMessage(m, t),
    onMessage: (h) => w.on('message', h),
    onError: (h) => w.on('error', h),
    ref: (on) => (on ? w.ref() : w.unref()),
    terminate: () => w.terminate(),
  };
}

/**
 * Whether this machine exposes a GPU device node. Only decided on Linux (elsewhere: assume yes and let the adapter
 * info decide): DRM render nodes (Intel, AMD, NVIDIA open drivers), NVIDIA's proprietary nodes, WSL's /dev/dxg.
 */
export async function gpuDeviceNodePresent(
  list: (dir: string) => Promise<string[]> = (dir) => readdir(dir),
  platform: string = process.platform,
): Promise<boolean> {
  if (platform !== 'linux') return true;
  const names = async (dir: string) => {
    try {
      return await list(dir);
    } catch {
      return [];
    }
  };
  if ((await names('/dev/dri')).some((n) => n.startsWith('renderD'))) return true;
  return (await names('/dev')).some((n) => /^nvidia\d+$/.test(n) || n === 'dxg');
}

type CreateGpu = (flags: string[]) => GPU;

/** Dawn for Node, an optional peer dependency: a missing package is a reason to fall back, said in one line. */
async function loadDawn(): Promise<CreateGpu> {
  try {
    return ((await import('webgpu')) as { create: CreateGpu }).create;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && /['"]webgpu['"]/.test((err as Error).message)) {
      throw new Error('the optional "webgpu" package (Dawn for Node) is not installed; add it with npm install webgpu to run on a GPU');
    }
    throw new Error(`the "webgpu" package (Dawn for Node) could not be loaded: ${(err as Error).message}`);
  }
}

async function gpuCandidates(options: GpuOptions): Promise<{ candidates: GpuCandidate[]; hint: string }> {
  if (options.rejectSoftware && !(await gpuDeviceNodePresent())) {
    // No GPU device node: any adapter Dawn could find would be a CPU rasterizer. Saying so without loading Dawn keeps
    // `auto` quick and quiet (Dawn's Vulkan probe prints native warnings on machines with only Mesa's drivers).
    throw new Error(
      'no GPU device was found (no /dev/dri/renderD*, /dev/nvidia* or /dev/dxg), so only a software adapter would be available; auto prefers the wasm backend (use --backend webgpu to run on it anyway)',
    );
  }
  // Mesa's EGL needs these to run headless; set them before Dawn loads if the caller has not.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const create = await loadDawn();
  const order = options.backend === 'vulkan' ? ['vulkan'] : options.backend === 'opengles' ? ['opengles'] : ['vulkan', 'opengles'];
  const candidates = order.map((backend): GpuCandidate => ({
    name: backend,
    via: backend === 'opengles' ? 'opengles, compatibility' : backend,
    open: async () => {
      const instance = create([`backend=${backend}`]);
      const adapter =
        backend === 'vulkan'
          ? await instance.requestAdapter({ powerPreference: 'high-performance' })
          : await instance.requestAdapter({ featureLevel: 'compatibility', powerPreference: 'high-performance' } as GPURequestAdapterOptions);
      return { instance, adapter };
    },
  }));
  return { candidates, hint: 'on Linux without a GPU install libegl1 libegl-mesa0 libgles2 and set EGL_PLATFORM=surfaceless' };
}

export const nodePlatform: Platform = {
  name: 'node',
  parallelism: () => availableParallelism(),
  readBytes: async (asset) => new Uint8Array(await readFile(asset.url)),
  readText: (asset) => readFile(asset.url, 'utf8'),
  startWorker,
  gpuCandidates,
};
