/**
 * WebGPU backend specifics (the physics is covered by test/parity): dispatch shapes beyond the per-dimension
 * workgroup limit, splitting a job into several dispatches, pause/resume at step boundaries, the storage-memory
 * variant, clear errors on bad input, and that a process using the backend exits after dispose().
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellspreadInputError } from '../../src/errors.ts';
import '../../src/backends/all.ts';
import { WebGpuBackend } from '../../src/backends/webgpu/index.ts';
import type { PackJob } from '../../src/backends/types.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { studyModel } from '../../src/study/job.ts';
import { chunkJob } from '../../src/study/runner.ts';
import { PARITY_CASES } from '../parity/cases.ts';
import { PACK_OUTPUT_COUNT } from '../../src/pack/outputs.ts';

const required = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';
let base: WebGpuBackend | undefined;
let unavailable = '';
let job: PackJob;
let expected: Float64Array;

beforeAll(async () => {
  const c = PARITY_CASES[0];
  job = chunkJob(c.spec, studyModel(c.spec), 0, 24).job;
  try {
    base = await WebGpuBackend.create();
    expected = (await base.simulate(job)).outputs;
  } catch (err) {
    unavailable = (err as Error).message;
  }
});
afterAll(() => base?.dispose());

async function withBackend(options: ConstructorParameters<typeof Object>[0], fn: (b: WebGpuBackend) => Promise<void>): Promise<void> {
  if (!base) {
    expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    return;
  }
  const b = await WebGpuBackend.create(options as object);
  try {
    await fn(b);
  } finally {
    b.dispose();
  }
}

describe('webgpu backend', () => {
  it('starts where it is required', () => {
    if (required) expect(unavailable).toBe('');
  });

  it('dispatches in 2-D beyond the per-dimension workgroup limit (mocked limit, workgroup size 1)', async () => {
    await withBackend({ workgroupSize: 1, maxWorkgroupsPerDimension: 5 }, async (b) => {
      const r = await b.simulate(job);
      expect(b.lastTimings.map((t) => t.workgroups)).toEqual([[5, 5]]); // 24 workgroups of 1 > 5 per dimension
      expect(Array.from(r.outputs)).toEqual(Array.from(expected));
    });
  });

  it('splits a job into several dispatches with identical results', async () => {
    await withBackend({ maxPacksPerDispatch: 5 }, async (b) => {
      const r = await b.simulate(job);
      expect(b.lastTimings.map((t) => t.packs)).toEqual([5, 5, 5, 5, 4]);
      expect(Array.from(r.outputs)).toEqual(Array.from(expected));
    });
  });

  it('pauses packs at step boundaries and resumes them bit for bit', async () => {
    await withBackend({ loopBudget: 40 }, async (b) => {
      const r = await b.simulate(job);
      expect(b.lastTimings[0].rounds).toBeGreaterThan(5);
      expect(Array.from(r.outputs)).toEqual(Array.from(expected));
    });
  });

  it('pauses SPMe packs too, and reports a pack the device cut short instead of returning its partial outputs', async () => {
    const c = PARITY_CASES.find((x) => x.name === 'spme pack 3s2p defect welds, conduction, 2C')!;
    const spme = chunkJob(c.spec, studyModel(c.spec), 0, 2).job;
    await withBackend({ loopBudget: 2000 }, async (b) => {
      const small = await b.simulate(spme);
      expect(b.lastTimings[0].rounds).toBeGreaterThan(2);
      await withBackend({}, async (d) => expect(Array.from((await d.simulate(spme)).outputs)).toEqual(Array.from(small.outputs)));
    });
    // Without pauses, a whole 1C discharge of six SPMe cells (at 2C this pack's electrolyte runs dry after about 90 s,
    // which may fit) runs far past the 65,535 loop iterations llvmpipe allows one invocation; a real GPU has no such
    // limit and completes.
    const longSpec = validateStudySpec({ ...c.spec, protocol: [{ type: 'discharge', cRate: 1 }] });
    const long = chunkJob(longSpec, studyModel(longSpec), 0, 2).job;
    await withBackend({ loopBudget: 2 ** 31 }, async (b) => {
      if (/llvmpipe|softpipe|lavapipe/i.test(b.device)) await expect(b.simulate(long)).rejects.toThrow(/was cut short by the device's loop limit/);
      else expect((await b.simulate(long)).outputs.length).toBe(2 * PACK_OUTPUT_COUNT);
    });
  });

  it('gives the same single-cell results with the per-cell state in a storage buffer', async () => {
    await withBackend({ privateMaxCells: 0 }, async (b) => {
      expect(b.variant(job)).toBe('storage');
      const r = await b.simulate(job);
      for (let i = 0; i < r.outputs.length; i++) expect(r.outputs[i]).toBeCloseTo(expected[i], 4);
    });
  });

  it('rejects bad input with a located error', async () => {
    if (!base) return expect(required).toBe(false);
    const bad = { ...job, kernelParameters: job.kernelParameters.slice() };
    bad.kernelParameters[3 * job.count + 5] = NaN;
    await expect(base.simulate(bad)).rejects.toThrow(CellspreadInputError);
    await expect(base.simulate(bad)).rejects.toThrow(/sample 5 cell 0 parameter #3 must be finite/);
    await expect(base.simulate({ ...job, kernelParameters: job.kernelParameters.subarray(1) })).rejects.toThrow(/kernelParameters must hold/);
    await expect(base.simulate({ ...job, settings: { ...job.settings, modes: 0 } })).rejects.toThrow(/modes/);
    await expect(WebGpuBackend.create({ workgroupSize: 100000 }).then((b) => b.simulate(job).finally(() => b.dispose()))).rejects.toThrow(/workgroupSize/);
  });

  it('returns empty outputs for an empty job', async () => {
    if (!base) return expect(required).toBe(false);
    const r = await base.simulate({ ...job, count: 0, kernelParameters: new Float64Array(0), interconnectResistance: new Float64Array(0) });
    expect(r.outputs.length).toBe(0);
  });

  it('lets the process exit after dispose()', () => {
    if (!base) return expect(required).toBe(false);
    const script = [
      "import './src/backends/all.ts';",
      "import { WebGpuBackend } from './src/backends/webgpu/index.ts';",
      "import { studyModel } from './src/study/job.ts';",
      "import { chunkJob } from './src/study/runner.ts';",
      "import { PARITY_CASES } from './test/parity/cases.ts';",
      'const c = PARITY_CASES[0];',
      'const b = await WebGpuBackend.create();',
      'const r = await b.simulate(chunkJob(c.spec, studyModel(c.spec), 0, 2).job);',
      'b.dispose();',
      "console.log('done', r.outputs.length);",
    ].join('\n');
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(res.error, String(res.error)).toBeUndefined();
    expect(res.stdout).toContain(`done ${2 * PACK_OUTPUT_COUNT}`);
    expect(res.status).toBe(0);
  });
});
