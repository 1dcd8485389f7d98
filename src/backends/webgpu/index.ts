// Registers the WebGPU backend (priority 100: tried first by "auto", which falls back when no adapter is found).
import { registerBackend } from '../registry.ts';
import { webgpuBackendFactory } from './backend.ts';

registerBackend(webgpuBackendFactory);

export { WebGpuBackend, webgpuBackendFactory, type DispatchTiming, type WebGpuOptions } from './backend.ts';
