/**
 * The registry ships every backend by name and priority without loading its module; the factories it registers are
 * the backends' own (same names and priorities), and with no platform installed (a script importing an area module,
 * not the package entry) "auto" still runs, on the reference, saying why the others did not start.
 */
import { describe, expect, it } from 'vitest';
import { backendNames, createBackend, SHIPPED_BACKENDS } from '../../src/backends/registry.ts';
import { referenceBackendFactory } from '../../src/backends/reference.ts';

describe('backend registry', () => {
  it('registers webgpu, wasm and reference by priority, matching the factories in their modules', async () => {
    expect(backendNames()).toEqual(['webgpu', 'wasm', 'reference']);
    const { webgpuBackendFactory } = await import('../../src/backends/webgpu/backend.ts');
    const { wasmBackendFactory } = await import('../../src/backends/wasm/index.ts');
    const own = [webgpuBackendFactory, wasmBackendFactory, referenceBackendFactory].map((f) => [f.name, f.priority]);
    expect(SHIPPED_BACKENDS.map((f) => [f.name, f.priority])).toEqual(own);
  });

  it('falls back to the reference under auto when no platform is installed, and says so', async () => {
    const { backend, fallbacks } = await createBackend('auto');
    expect(backend.name).toBe('reference');
    expect(fallbacks.map((f) => f.name)).toEqual(['webgpu', 'wasm']);
    for (const f of fallbacks) expect(f.reason).toMatch(/^no platform is installed: import the package entry/);
    await expect(createBackend('wasm')).rejects.toThrow(/backend could not be initialised \(no platform is installed/);
  });
});
