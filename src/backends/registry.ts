import { CellspreadInputError, unknownNameError } from '../errors.ts';
import { referenceBackendFactory } from './reference.ts';
import type { Backend, BackendFactory, BackendOptions } from './types.ts';

/**
 * Backends by name. "auto" tries them from the highest priority down and falls through when one fails to
 * initialise (no GPU adapter, no WebAssembly), recording why, so a study always runs somewhere.
 */
const registry = new Map<string, BackendFactory>();

export function registerBackend(factory: BackendFactory): void {
  registry.set(factory.name, factory);
}

export function backendNames(): string[] {
  return [...registry.keys()];
}

/**
 * The backends cellspread ships, by name and priority. The WebGPU and WASM modules (and Dawn, in Node) load only when
 * "auto" or a name asks for them, so importing the package costs neither; they find files, workers and GPUs through
 * the platform the package entry installed (src/platform).
 */
export const SHIPPED_BACKENDS: readonly BackendFactory[] = [
  { name: 'webgpu', priority: 100, create: async (options) => (await import('./webgpu/backend.ts')).webgpuBackendFactory.create(options) },
  { name: 'wasm', priority: 50, create: async (options) => (await import('./wasm/index.ts')).wasmBackendFactory.create(options) },
  referenceBackendFactory,
];
for (const factory of SHIPPED_BACKENDS) registerBackend(factory);

export interface CreatedBackend {
  backend: Backend;
  /** Why higher-priority backends were skipped under "auto". */
  fallbacks: { name: string; reason: string }[];
}

export async function createBackend(name = 'auto', options: BackendOptions = {}, field = 'backend'): Promise<CreatedBackend> {
  if (name !== 'auto') {
    const factory = registry.get(name);
    if (!factory) throw unknownNameError(field, name, ['auto', ...registry.keys()]);
    try {
      return { backend: await factory.create(options), fallbacks: [] };
    } catch (err) {
      throw new CellspreadInputError(field, `could not be initialised (${(err as Error).message})`, name, 'use --backend auto to fall back');
    }
  }
  const fallbacks: { name: string; reason: string }[] = [];
  for (const factory of [...registry.values()].sort((a, b) => b.priority - a.priority)) {
    try {
      return { backend: await factory.create({ ...options, auto: true }), fallbacks };
    } catch (err) {
      fallbacks.push({ name: factory.name, reason: (err as Error).message });
    }
  }
  throw new Error(`no backend could be initialised: ${fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')}`);
}
