// Registers the WebGPU backend (priority 100: tried first by "auto", which falls back when no adapter is found or
// only a software one, e.g. Mesa's llvmpipe).
import { registerBackend } from '../registry.ts';
import { webgpuBackendFactory } from './backend.ts';

registerBackend(webgpuBackendFactory);

export { WebGpuBackend, webgpuBackendFactory, type DispatchTiming, type WebGpuOptions } from './backend.ts';
export { gpuDeviceNodePresent, softwareAdapter } from './gpu.ts';
