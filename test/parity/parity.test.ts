/**
 * One parity suite for every backend against the f64 reference, with an explicit tolerance per output.
 * A backend that cannot start fails here when it is required: wasm always, webgpu when CELLSPREAD_REQUIRE_WEBGPU=1
 * (set by .ci/run). Nothing is skipped silently: an optional backend that is unavailable gets a test that says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendNames, createBackend } from '../../src/backends/all.ts';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import type { Backend } from '../../src/backends/types.ts';
import { HEAT_TERM_OUTPUTS, PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';
import { chunkJob } from '../../src/study/runner.ts';
import { caseModel, PARITY_CASES } from './cases.ts';
import { compareOutputs } from './tolerance.ts';

/** Largest |sum of the heat terms - heatJ| / heatJ over the samples (the terms are a breakdown of heatJ). */
function heatBalance(outputs: Float64Array, samples: number): number {
  let worst = 0;
  for (let i = 0; i < samples; i++) {
    const o = i * PACK_OUTPUT_COUNT;
    let sum = 0;
    for (const t of HEAT_TERM_OUTPUTS) sum += outputs[o + PACK_OUTPUT_INDEX[t]];
    const heat = outputs[o + PACK_OUTPUT_INDEX.heatJ];
    worst = Math.max(worst, Math.abs(sum - heat) / Math.max(Math.abs(heat), 1));
  }
  return worst;
}

const required = new Set(['reference', 'wasm', ...(process.env.CELLSPREAD_REQUIRE_WEBGPU === '1' ? ['webgpu'] : [])]);
const reference = new ReferenceBackend();
const expected = new Map<string, Float64Array>();

beforeAll(async () => {
  for (const c of PARITY_CASES) {
    const { job } = chunkJob(c.spec, caseModel(c), 0, c.spec.run.samples);
    expected.set(c.name, (await reference.simulate(job)).outputs);
  }
});

for (const name of new Set([...required, ...backendNames()])) {
  if (name === 'reference') continue;
  describe(`parity: ${name} backend against the reference`, () => {
    let backend: Backend | undefined;
    let unavailable = '';
    beforeAll(async () => {
      try {
        backend = (await createBackend(name)).backend;
      } catch (err) {
        unavailable = (err as Error).message;
      }
    });
    afterAll(async () => backend?.dispose());

    it(`${name} backend starts${required.has(name) ? ' (required here)' : ''}`, () => {
      if (required.has(name)) expect(unavailable, `${name} backend is required but could not start`).toBe('');
      else if (unavailable) console.warn(`parity: ${name} backend unavailable here: ${unavailable}`);
    });

    for (const c of PARITY_CASES) {
      it(`${c.name}`, async () => {
        if (!backend) {
          expect(required.has(name), `${name} unavailable: ${unavailable}`).toBe(false);
          return;
        }
        const { job } = chunkJob(c.spec, caseModel(c), 0, c.spec.run.samples);
        const got = await backend.simulate(job);
        expect(compareOutputs(got.outputs, expected.get(c.name)!, c.spec.run.samples, c.tolerance)).toEqual([]);
        // f32 sums of terms of different signs (the reversible heat) round differently from the f32 total.
        expect(heatBalance(got.outputs, c.spec.run.samples)).toBeLessThan(name === 'webgpu' ? 1e-4 : 1e-9);
      });
    }

    it('is deterministic across runs and chunk sizes', async () => {
      if (!backend) return expect(required.has(name)).toBe(false);
      const c = PARITY_CASES[0];
      const model = caseModel(c);
      const whole = await backend.simulate(chunkJob(c.spec, model, 0, 24).job);
      const again = await backend.simulate(chunkJob(c.spec, model, 0, 24).job);
      const a = await backend.simulate(chunkJob(c.spec, model, 0, 7).job);
      const b = await backend.simulate(chunkJob(c.spec, model, 7, 17).job);
      expect(Array.from(again.outputs)).toEqual(Array.from(whole.outputs));
      expect([...a.outputs, ...b.outputs]).toEqual(Array.from(whole.outputs));
    });
  });
}

describe('parity: reference backend against its golden fixtures', () => {
  it('the reference cases run and give finite outputs', () => {
    for (const c of PARITY_CASES) {
      const out = expected.get(c.name)!;
      expect(out.length).toBe(c.spec.run.samples * PACK_OUTPUT_COUNT);
      for (const v of out) expect(Number.isFinite(v)).toBe(true);
      expect(heatBalance(out, c.spec.run.samples), c.name).toBeLessThan(1e-9);
    }
  });
});
