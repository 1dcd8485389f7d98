/**
 * Adapter and device acquisition for the WebGPU backend. Where adapters come from is the platform's business
 * (src/platform: navigator.gpu in browsers, Dawn in Node); here the candidates are tried in order, software adapters
 * refused under backend "auto", and a device opened with the limits the kernel needs.
 */
import { currentPlatform, type GpuOptions, type Platform } from '../../platform/index.ts';

export type { GpuOptions } from '../../platform/index.ts';

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

export async function acquireGpu(options: GpuOptions = {}, platform: Platform = currentPlatform()): Promise<GpuContext> {
  const { candidates, hint } = await platform.gpuCandidates(options);
  const tried: string[] = [];
  const software: string[] = [];
  for (const candidate of candidates) {
    try {
      const { instance, adapter } = await candidate.open();
      if (!adapter) {
        tried.push(`${candidate.name}: no adapter`);
        continue;
      }
      const soft = options.rejectSoftware ? softwareAdapter(adapter.info) : undefined;
      if (soft) {
        // No device was requested on it, so dropping this instance is safe (see GpuContext.instance).
        software.push(soft);
        tried.push(`${candidate.name}: software adapter ${soft}`);
        continue;
      }
      return await requestDevice(instance, adapter, candidate.via);
    } catch (err) {
      tried.push(`${candidate.name}: ${(err as Error).message}`);
    }
  }
  if (software.length > 0) throw softwareError(software);
  throw new Error(`no WebGPU adapter found (${tried.join('; ')})${hint ? `; ${hint}` : ''}`);
}
