// The WebGPU backend (priority 100: tried first by "auto", which falls back when no adapter is found or only a software
// one, e.g. Mesa's llvmpipe). src/backends/registry.ts registers it by name and loads this module only when asked.
export { WebGpuBackend, webgpuBackendFactory, type DispatchTiming, type WebGpuOptions } from './backend.ts';
export { softwareAdapter } from './gpu.ts';
