/**
 * The kernel's error-free transformations (two_sum, two_prod, df_add, emitted into shaders/kernel.generated.wgsl) must survive the shader
 * compiler: Mesa's NIR simplifies (a + b) - a to b, which turned the TwoSum error term into 0 before the opaque ONE
 * was put in. The functions are taken from the generated kernel (shaders/kernel.generated.wgsl) itself and checked against exact f64 results on the device.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/backends/all.ts';
import { acquireGpu, type GpuContext } from '../../src/backends/webgpu/gpu.ts';

const required = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';
let gpu: GpuContext | undefined;
let unavailable = '';

beforeAll(async () => {
  try {
    gpu = await acquireGpu();
  } catch (err) {
    unavailable = (err as Error).message;
  }
});
afterAll(() => gpu?.device.destroy());

function kernelFunction(src: string, name: string): string {
  const start = src.indexOf(`fn ${name}(`);
  if (start < 0) throw new Error(`fn ${name} not found in kernel.generated.wgsl`);
  const end = src.indexOf('\n}\n', start);
  return src.slice(start, end + 3);
}

describe('webgpu double-float arithmetic on the device', () => {
  it('two_sum, two_prod and df_add are exact', async () => {
    if (!gpu) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    const pack = readFileSync(new URL('../../shaders/kernel.generated.wgsl', import.meta.url), 'utf8');
    const code = [
      '@group(0) @binding(0) var<storage, read> a: array<f32>;',
      '@group(0) @binding(1) var<storage, read_write> o: array<f32>;',
      'var<private> ONE: f32;',
      ...['two_sum', 'split12', 'two_prod', 'df_add'].map((f) => kernelFunction(pack, f)),
      '@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {',
      '  let i = id.x;',
      '  if (i >= arrayLength(&a) / 4u) { return; }',
      '  ONE = select(1.0, 0.5, arrayLength(&a) == 7u); // as in the kernel: a 1.0 the compiler cannot fold',
      '  let x = a[4u * i]; let y = a[4u * i + 1u];',
      '  let s = two_sum(x, y); let p = two_prod(x, y);',
      '  let d = df_add(vec2<f32>(a[4u * i + 2u], 0.0), p);',
      '  o[6u * i] = s.x; o[6u * i + 1u] = s.y; o[6u * i + 2u] = p.x; o[6u * i + 3u] = p.y; o[6u * i + 4u] = d.x; o[6u * i + 5u] = d.y;',
      '}',
    ].join('\n');
    const N = 1024;
    const input = new Float32Array(4 * N);
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < N; i++) {
      input[4 * i] = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 3);
      input[4 * i + 1] = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 3);
      input[4 * i + 2] = (rnd() - 0.5) * 0.1; // a head of the size of Z
    }
    const device = gpu.device;
    const inBuf = device.createBuffer({ size: input.byteLength, usage: 0x80 | 0x8 });
    const outBuf = device.createBuffer({ size: 6 * N * 4, usage: 0x80 | 0x4 });
    const readBuf = device.createBuffer({ size: 6 * N * 4, usage: 0x1 | 0x8 });
    device.queue.writeBuffer(inBuf, 0, input);
    const module = device.createShaderModule({ code });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: inBuf } }, { binding: 1, resource: { buffer: outBuf } }] });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(N / 64);
    pass.end();
    enc.copyBufferToBuffer(outBuf, 0, readBuf, 0, 6 * N * 4);
    device.queue.submit([enc.finish()]);
    await readBuf.mapAsync(0x1);
    const out = new Float32Array(readBuf.getMappedRange().slice(0));
    readBuf.unmap();
    let sumErrors = 0;
    const problems: string[] = [];
    for (let i = 0; i < N; i++) {
      const [x, y, z] = [input[4 * i], input[4 * i + 1], input[4 * i + 2]];
      const [s, es, p, ep, dh, dl] = out.subarray(6 * i, 6 * i + 6);
      if (es !== 0) sumErrors++;
      // f32 + f32 and f32 * f32 are exact in f64; the error terms must restore them exactly.
      if (s + es !== x + y) problems.push(`two_sum(${x}, ${y}) = ${s} + ${es}`);
      if (p + ep !== x * y) problems.push(`two_prod(${x}, ${y}) = ${p} + ${ep}`);
      if (Math.abs(dh + dl - (z + x * y)) > 1e-13 * Math.max(Math.abs(z), Math.abs(x * y))) problems.push(`df_add(${z}, ${x}*${y}) = ${dh} + ${dl}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(sumErrors).toBeGreaterThan(N / 2); // the rounding errors are really there (not simplified to 0)
    for (const b of [inBuf, outBuf, readBuf]) b.destroy();
  });
});
