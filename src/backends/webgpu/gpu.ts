/**
 * Adapter and device acquisition for the WebGPU backend, in browsers (navigator.gpu) and in Node (the `webgpu` package,
 * Dawn). In Node a real GPU is tried first through Vulkan (high-performance), then Dawn's OpenGL ES backend in
 * compatibility mode (which is how Mesa's CPU rasterizer runs it on machines without a GPU).
 */

export type NodeGpuBackend = 'vulkan' | 'opengles';

export interface GpuOptions {
  /** Node only: which Dawn backend to use; default tries vulkan then opengles. */
  backend?: NodeGpuBackend | 'auto';
  /**
   * Refuse software adapters (Mesa llvmpipe / lavapipe / softpipe, SwiftShader, WARP, fallback adapters): set under
   * backend "auto", where a CPU rasterizer is no GPU and the WASM backend is the better CPU path.
   */
  rejectSoftware?: boolean;
}

/** Names of CPU implementations of WebGPU / the APIs under it, as they appear in adapter info. */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swrast|swiftshader|\bwarp\b|microsoft basic render|software (?:rasterizer|renderer|adapter)/i;

/**
 * Why an adapter is a software (CPU) one, e.g. "llvmpipe", or undefined for a hardware adapter: the fallback-adapter
 * flag, a non-standard adapterType "cpu", or a known CPU implementation or "CPU" device type in its vendor,
 * architecture, device or description strings.
 */
export function softwareAdapter(info: Partial<GPUAdapterInfo> & { adapterType?: string } | undefined): string | undefined {
  if (!info) return undefined;
  const text = [info.vendor, info.architecture, info.device, info.description].filter((x) => typeof x === 'string').join(' ');
  const named = SOFTWARE_ADAPTER.exec(text);
  if (named) return named[0].toLowerCase();
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true) return 'a fallback adapter';
  if (typeof info.adapterType === 'string' && /cpu/i.test(info.adapterType)) return 'a CPU adapter';
  if (/\bcpu\b/i.test(text)) return 'a CPU device';
  return undefined;
}

function softwareError(names: string[]): Error {
  const list = [...new Set(names)].join(', ');
  return new Error(`only a software adapter (${list}) was found; auto prefers the wasm backend (use --backend webgpu to run on it anyway)`);
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** Human-readable adapter description, including the Dawn backend and feature level. */
  description: string;
  timestampQuery: boolean;
  /**
   * The GPU instance the adapter came from. Held for the device's lifetime: in dawn.node, letting it be garbage
   * collected destroys the native instance under the live device (intermittent aborts: "std::system_error",
   * "futex facility returned an unexpected error code", pthread mutex assertions).
   */
  instance: GPU;
}

/** Limits the kernel depends on, requested at the adapter's values (the defaults of compatibility mode are low). */
const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

function describe(adapter: GPUAdapter, via: string): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => typeof s === 'string' && s.length > 0);
  const unique = [...new Set(parts)];
  return `${unique.join(' ') || 'unknown adapter'} (WebGPU ${via})`;
}

async function requestDevice(instance: GPU, adapter: GPUAdapter, via: string): Promise<GpuContext> {
  const requiredLimits: Record<string, number> = {};
  for (const k of LIMITS) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const timestampQuery = adapter.features.has('timestamp-query');
  const device = await adapter.requestDevice({
    requiredLimits,
    requiredFeatures: timestampQuery ? ['timestamp-query'] : [],
  });
  return { device, adapter, description: describe(adapter, via), timestampQuery, instance };
}

export async function acquireGpu(options: GpuOptions = {}): Promise<GpuContext> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    if (!nav?.gpu) throw new Error('WebGPU is not available in this browser (navigator.gpu is undefined)');
    const adapter =
      (await nav.gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
      (await nav.gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions));
    if (!adapter) throw new Error('no WebGPU adapter found (navigator.gpu.requestAdapter returned null)');
    const soft = options.rejectSoftware ? softwareAdapter(adapter.info) : undefined;
    if (soft) throw softwareError([soft]);
    return requestDevice(nav.gpu, adapter, 'browser');
  }
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
  let create: (flags: string[]) => GPU;
  try {
    ({ create } = (await import('webgpu')) as { create: (flags: string[]) => GPU });
  } catch (err) {
    throw new Error(`the "webgpu" package (Dawn for Node) could not be loaded: ${(err as Error).message}`);
  }
  const order: NodeGpuBackend[] = options.backend === 'vulkan' ? ['vulkan'] : options.backend === 'opengles' ? ['opengles'] : ['vulkan', 'opengles'];
  const tried: string[] = [];
  const software: string[] = [];
  for (const backend of order) {
    try {
      const gpu = create([`backend=${backend}`]);
      const adapter =
        backend === 'vulkan'
          ? await gpu.requestAdapter({ powerPreference: 'high-performance' })
          : await gpu.requestAdapter({ featureLevel: 'compatibility', powerPreference: 'high-performance' } as GPURequestAdapterOptions);
      const soft = adapter && options.rejectSoftware ? softwareAdapter(adapter.info) : undefined;
      if (soft) {
        // No device was requested on it, so dropping this instance is safe (see GpuContext.instance).
        software.push(soft);
        tried.push(`${backend}: software adapter ${soft}`);
        continue;
      }
      if (adapter) return await requestDevice(gpu, adapter, `${backend}${backend === 'opengles' ? ', compatibility' : ''}`);
      tried.push(`${backend}: no adapter`);
    } catch (err) {
      tried.push(`${backend}: ${(err as Error).message}`);
    }
  }
  if (software.length > 0) throw softwareError(software);
  throw new Error(
    `no WebGPU adapter found (${tried.join('; ')}); on Linux without a GPU install libegl1 libegl-mesa0 libgles2 and set EGL_PLATFORM=surfaceless`,
  );
}

/**
 * Whether this machine exposes a GPU device node. Only decided on Linux (elsewhere: assume yes and let the adapter
 * info decide): DRM render nodes (Intel, AMD, NVIDIA open drivers), NVIDIA's proprietary nodes, WSL's /dev/dxg.
 */
export async function gpuDeviceNodePresent(
  list: (dir: string) => Promise<string[]> = async (dir) => (await import('node:fs/promises')).readdir(dir),
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
