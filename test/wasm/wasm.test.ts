/**
 * WebAssembly backend specifics (parity against the reference is test/parity): worker-count invariance, the
 * partner-independence of SIMD lanes, registration and priority, bad options, dispose.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/backends/all.ts';
import { splitRange, wasmBackendFactory, type WasmBackend } from '../../src/backends/wasm/index.ts';
import type { Backend } from '../../src/backends/types.ts';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_NAMES } from '../../src/pack/outputs.ts';
import { chunkJob } from '../../src/study/runner.ts';
import { studyModel } from '../../src/study/job.ts';
import { caseModel, PARITY_CASES } from '../parity/cases.ts';

const created: Backend[] = [];
async function wasm(workers: number): Promise<WasmBackend> {
  const b = (await createBackend('wasm', { workers })).backend as WasmBackend;
  created.push(b);
  return b;
}
afterAll(async () => {
  for (const b of created) await b.dispose();
});

describe('wasm backend', () => {
  it('registers with priority 50 (between webgpu and the reference)', () => {
    expect(wasmBackendFactory.name).toBe('wasm');
    expect(wasmBackendFactory.priority).toBe(50);
  });

  it('splits packs into contiguous ranges covering every pack once', () => {
    expect(splitRange(7, 3)).toEqual([[0, 2], [2, 4], [4, 7]]);
    expect(splitRange(2, 4)).toEqual([[0, 1], [1, 2]]);
    expect(splitRange(0, 2)).toEqual([]);
  });

  it('rejects a bad worker count', async () => {
    await expect(createBackend('wasm', { workers: 0 })).rejects.toThrow(/workers/);
  });

  for (const c of [PARITY_CASES[0], PARITY_CASES[4], PARITY_CASES[6]]) {
    it(`gives identical outputs on 1, 2 and 3 workers: ${c.name}`, async () => {
      const { job } = chunkJob(c.spec, studyModel(c.spec), 0, c.spec.run.samples);
      const one = await (await wasm(1)).simulate(job);
      const two = await (await wasm(2)).simulate(job);
      const three = await (await wasm(3)).simulate(job);
      expect(Array.from(two.outputs)).toEqual(Array.from(one.outputs));
      expect(Array.from(three.outputs)).toEqual(Array.from(one.outputs));
      expect(two.cellSteps).toBe(one.cellSteps);
      expect(one.outputs.length).toBe(c.spec.run.samples * PACK_OUTPUT_COUNT);
    });
  }

  it('gives a pack the same result whatever packs share its SIMD lanes (odd ranges, single packs)', async () => {
    const c = PARITY_CASES[0];
    const model = studyModel(c.spec);
    const b = await wasm(1);
    const whole = await b.simulate(chunkJob(c.spec, model, 0, 24).job);
    for (const [start, count] of [[5, 1], [3, 3], [10, 5], [23, 1]]) {
      const part = await b.simulate(chunkJob(c.spec, model, start, count).job);
      expect(Array.from(part.outputs)).toEqual(Array.from(whole.outputs.subarray(start * PACK_OUTPUT_COUNT, (start + count) * PACK_OUTPUT_COUNT)));
    }
  });

  it('agrees with the f64 reference to 1e-9 relative on every parity case (the same generated kernels and Newton)', async () => {
    const b = await wasm(1);
    const reference = new ReferenceBackend();
    for (const c of PARITY_CASES) {
      const { job } = chunkJob(c.spec, caseModel(c), 0, c.spec.run.samples);
      const got = (await b.simulate(job)).outputs;
      const want = (await reference.simulate(job)).outputs;
      for (let i = 0; i < want.length; i++) {
        const name = PACK_OUTPUT_NAMES[i % PACK_OUTPUT_COUNT];
        expect(Math.abs(got[i] - want[i]), `${c.name} sample ${Math.floor(i / PACK_OUTPUT_COUNT)} ${name}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(want[i]), 1e-3));
      }
    }
  });

  it('an aborted chunk rejects, and the backend still works afterwards', async () => {
    const c = PARITY_CASES[0];
    const { job } = chunkJob(c.spec, studyModel(c.spec), 0, 24);
    const b = await wasm(2);
    const before = await b.simulate(job);
    const controller = new AbortController();
    const running = b.simulate(job, controller.signal);
    controller.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
    const after = await b.simulate(job);
    expect(Array.from(after.outputs)).toEqual(Array.from(before.outputs));
  });
});
