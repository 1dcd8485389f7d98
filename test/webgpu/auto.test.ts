/**
 * Backend "auto" must not pick a software WebGPU adapter (Mesa's llvmpipe / lavapipe, SwiftShader, ...): a CPU
 * rasterizer is no GPU, and the WASM backend is the better CPU path. An explicit "webgpu" still runs on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/all.ts';
import { softwareAdapter, WebGpuBackend, webgpuBackendFactory } from '../../src/backends/webgpu/index.ts';
import { gpuDeviceNodePresent } from '../../src/platform/node.ts';

const required = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';
let explicit: WebGpuBackend | undefined;
let unavailable = '';

beforeAll(async () => {
  try {
    explicit = await WebGpuBackend.create();
  } catch (err) {
    unavailable = (err as Error).message;
  }
});
afterAll(() => explicit?.dispose());

describe('webgpu under backend "auto"', () => {
  it('looks for a GPU device node before loading Dawn under auto (Linux only)', async () => {
    const fake = (entries: Record<string, string[]>) => async (dir: string) => {
      if (!(dir in entries)) throw new Error('ENOENT');
      return entries[dir];
    };
    expect(await gpuDeviceNodePresent(fake({ '/dev': ['null', 'tty'] }), 'linux')).toBe(false);
    expect(await gpuDeviceNodePresent(fake({ '/dev/dri': ['card0', 'renderD128'], '/dev': [] }), 'linux')).toBe(true);
    expect(await gpuDeviceNodePresent(fake({ '/dev/dri': ['card0'], '/dev': ['nvidia0', 'nvidiactl'] }), 'linux')).toBe(true);
    expect(await gpuDeviceNodePresent(fake({ '/dev': ['dxg'] }), 'linux')).toBe(true);
    expect(await gpuDeviceNodePresent(fake({ '/dev': ['nvidiactl'] }), 'linux')).toBe(false);
    expect(await gpuDeviceNodePresent(fake({}), 'darwin')).toBe(true);
  });

  it('recognises software adapters from their adapter info', () => {
    // Dawn's OpenGL ES backend on Mesa llvmpipe (this CI machine), Vulkan on lavapipe, SwiftShader, a fallback adapter.
    expect(softwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' })).toBe('llvmpipe');
    expect(softwareAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 22.3.6 (LLVM 15.0.6)' })).toBe('llvmpipe');
    expect(softwareAdapter({ vendor: 'mesa', device: 'lavapipe' })).toBe('lavapipe');
    expect(softwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: 'SwiftShader Device (Subzero)', description: '' })).toBe('swiftshader');
    expect(softwareAdapter({ vendor: 'x', device: 'y', isFallbackAdapter: true } as never)).toBe('a fallback adapter');
    expect(softwareAdapter({ vendor: 'x', device: 'y', adapterType: 'CPU' })).toBe('a CPU adapter');
    // Hardware adapters pass.
    expect(softwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 550.54.15' })).toBeUndefined();
    expect(softwareAdapter({ vendor: 'amd', architecture: 'rdna-3', device: 'AMD Radeon RX 7900 XTX (RADV NAVI31)', description: 'radv Mesa 24.0' })).toBeUndefined();
    expect(softwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', device: 'Mesa Intel(R) UHD Graphics 770 (ADL-S GT1)', description: '' })).toBeUndefined();
    expect(softwareAdapter(undefined)).toBeUndefined();
  });

  it('refuses a software adapter under auto (falling back to wasm) and still uses it when asked by name', async () => {
    if (!explicit) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    const software = /llvmpipe|lavapipe|softpipe|swiftshader/i.test(explicit.device);
    if (!software) {
      // A real GPU: auto takes it.
      const b = await webgpuBackendFactory.create({ auto: true });
      expect(b.name).toBe('webgpu');
      await b.dispose();
      return;
    }
    await expect(webgpuBackendFactory.create({ auto: true })).rejects.toThrow(
      /(only a software adapter \((llvmpipe|lavapipe|softpipe|swiftshader)[^)]*\) was found|no GPU device was found \(no \/dev\/dri\/renderD\*, \/dev\/nvidia\* or \/dev\/dxg\), so only a software adapter would be available); auto prefers the wasm backend/,
    );
    const auto = await createBackend('auto', { workers: 1 });
    try {
      expect(auto.backend.name).toBe('wasm');
      expect(auto.fallbacks.map((f) => f.name)).toContain('webgpu');
      expect(auto.fallbacks.find((f) => f.name === 'webgpu')!.reason).toMatch(/software adapter/);
    } finally {
      await auto.backend.dispose();
    }
    // By name (what --backend webgpu and the parity suite do) the software adapter is used.
    const named = await createBackend('webgpu');
    try {
      expect(named.backend.name).toBe('webgpu');
      expect(named.backend.device).toMatch(/llvmpipe|lavapipe|softpipe|swiftshader/i);
    } finally {
      await named.backend.dispose();
    }
  });
});
