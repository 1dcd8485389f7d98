/**
 * WebGPU backend specifics (the physics is covered by test/parity): dispatch shapes beyond the per-dimension
 * workgroup limit, splitting a job into several dispatches, pause/resume at step boundaries and within the location
 * of a stop (in both thread mappings), the storage-memory variant, clear errors on bad input, and that a process using
 * the backend exits after dispose().
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
import { caseModel, PARITY_CASES } from '../parity/cases.ts';
import { PACK_OUTPUT_COUNT } from '../../src/pack/outputs.ts';
import { S_SEI_GROWTH, S_STOICH_NEG } from '../../src/model/kernel.generated.ts';
import { S_LN_MEAN_POS, STATE_FIXED as STATE_FIXED_SPME } from '../../src/model/kernel-spme.generated.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength } from '../../src/model/physics.ts';
import { cellCount } from '../../src/pack/topology.ts';
import { PACK_OUTPUT_INDEX, STOP_REASON } from '../../src/pack/outputs.ts';

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

  it('reports its phases (upload, kernel, readback) summed over the dispatches of a simulate() call', async () => {
    await withBackend({ maxPacksPerDispatch: 10 }, async (b) => {
      const t0 = performance.now();
      const r = await b.simulate(job);
      const wall = (performance.now() - t0) / 1000;
      const p = r.phases!;
      expect(b.lastTimings).toHaveLength(3);
      expect(p.kernelSeconds).toBeGreaterThan(0);
      expect(p.uploadSeconds).toBeGreaterThan(0);
      expect(p.readbackSeconds).toBeGreaterThanOrEqual(0);
      expect(p.kernelTimer).toBe(b.lastTimings.every((t) => t.gpuTimestampS !== undefined) ? 'gpu-timestamps' : 'wall-clock');
      expect(p.uploadSeconds).toBeCloseTo(b.lastTimings.reduce((a, t) => a + t.uploadS, 0), 12);
      if (p.kernelTimer === 'wall-clock') expect(p.uploadSeconds + p.kernelSeconds + p.readbackSeconds).toBeLessThanOrEqual(wall);
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

  for (const mapping of ['pack', 'workgroup'] as const) {
    it(`${mapping} mapping: pauses between the probes of a stop it locates and resumes bit for bit (12s2p at 10C)`, async () => {
      const c = PARITY_CASES.find((p) => p.name.startsWith('pack 12s2p at 10C'))!;
      const hot = chunkJob(c.spec, caseModel(c), 0, c.spec.run.samples).job;
      await withBackend({ mapping }, async (whole) => {
        const want = (await whole.simulate(hot)).outputs;
        await withBackend({ mapping, loopBudget: 1 }, async (b) => {
          const r = await b.simulate(hot);
          // A budget of 1 pauses every pack at every step boundary and between any two probes of the location of its
          // stop (about 20): more rounds than the longest pack has steps, by far.
          let steps = 0;
          for (let p = 0; p < hot.count; p++) {
            const o = p * PACK_OUTPUT_COUNT;
            expect(want[o + PACK_OUTPUT_INDEX.stopReason]).not.toBe(STOP_REASON.completed);
            steps = Math.max(steps, Math.ceil(want[o + PACK_OUTPUT_INDEX.durationS] / hot.settings.timeStep) + 1);
          }
          expect(b.lastTimings[0].rounds).toBeGreaterThan(steps + 10);
          expect(Array.from(r.outputs)).toEqual(Array.from(want));
        });
      });
    });
  }

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
    await withBackend({ privateMaxCells: 0, mapping: 'pack' }, async (b) => {
      expect(b.variant(job)).toBe('storage');
      const r = await b.simulate(job);
      for (let i = 0; i < r.outputs.length; i++) expect(r.outputs[i]).toBeCloseTo(expected[i], 4);
    });
  });

  it('starts packs from given states and returns their end states, in every working-memory variant, through pauses', async () => {
    // A discharge from states the reference left after a first protocol step (the lifetime runs' path): single cells
    // (private memory) and a 2s2p pack (one workgroup per pack, and one invocation per pack with a storage buffer),
    // with a small loop budget so the packs pause on the way.
    const { ReferenceBackend } = await import('../../src/backends/reference.ts');
    const reference = new ReferenceBackend();
    // The SPMe's states carry its electrolyte (theta per finite volume) and its summaries across the calls too.
    // Second steps: the SPM cells ended their 2C discharge empty (charge them at 1C), the SPMe cells their rest after
    // 1C (charge them), the SPM pack its CC-CV charged (discharge it at C/2); the SPMe pack's first step is cut to its
    // first minute at 2C (its weakest cell depletes its electrolyte at 86 s), then discharged at C/2 for 10 minutes
    // (the storage variant runs slowly on llvmpipe).
    const runs = [
      { name: 'okane2022 cells with SEI growth', mapping: 'auto', variant: 'private', current: -5 },
      { name: 'okane2022 pack 2s2p', mapping: 'auto', variant: 'workgroup', current: 10 },
      { name: 'okane2022 pack 2s2p', mapping: 'pack', variant: 'storage', current: 10 },
      { name: 'spme okane2022 cells with SEI growth', mapping: 'auto', variant: 'private', current: -5 },
      { name: 'spme pack 3s2p', mapping: 'auto', variant: 'workgroup', current: 5, firstDuration: 60, duration: 600 },
      { name: 'spme pack 3s2p', mapping: 'pack', variant: 'storage', current: 5, firstDuration: 60, duration: 600 },
    ] as const;
    for (const run of runs) {
      const { name, mapping, variant, current } = run;
      const c = PARITY_CASES.find((x) => x.name.startsWith(name))!;
      const model = studyModel(c.spec);
      const chunk = chunkJob(c.spec, model, 0, 4).job;
      const firstDuration = 'firstDuration' in run ? run.firstDuration : undefined;
      const first = { ...chunk, segments: firstDuration ? [{ ...chunk.segments[0], duration: firstDuration }] : chunk.segments, returnStates: true };
      const states = (await reference.simulate(first)).states!;
      const next = { ...first, segments: [{ ...model.segments[0], mode: 0 as const, value: current, duration: 'duration' in run ? run.duration : 1200 }], states };
      const want = await reference.simulate(next);
      // Every pack ran the whole step: no limit or stop cut it short.
      for (let p = 0; p < 4; p++) expect(want.outputs[p * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.stopReason], `${name}: pack ${p}`).toBe(STOP_REASON.completed);
      // The SPMe's steps take 3 to 5 times the SPM's loop iterations: a larger budget, that still pauses them.
      await withBackend({ loopBudget: name.startsWith('spme') ? 3000 : 300, mapping }, async (b) => {
        const got = await b.simulate(next);
        expect(b.variant(next)).toBe(variant);
        expect(b.lastTimings.some((t) => t.rounds > 1)).toBe(true);
        for (let i = 0; i < got.outputs.length; i++) expect(Math.abs(got.outputs[i] - want.outputs[i])).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(want.outputs[i])));
        // End states back in the reference layout: the SEI growth (a double-float on the GPU) to 1e-4 of its value.
        expect(got.states!.length).toBe(want.states!.length);
        const L = want.states!.length / (4 * cellCount(next.layout));
        const spme = c.spec.simulation.model === 'spme';
        const electrolyte = spme ? { first: STATE_FIXED_SPME + 2 * next.settings.modes, count: electrolyteStateLength(model.settings.mesh ?? DEFAULT_ELECTROLYTE_MESH) } : undefined;
        for (let k = 0; k < 4 * cellCount(next.layout); k++) {
          if (c.spec.simulation.sei) expect(Math.abs(got.states![k * L + S_SEI_GROWTH] / want.states![k * L + S_SEI_GROWTH] - 1)).toBeLessThan(1e-4);
          expect(Math.abs(got.states![k * L + S_STOICH_NEG] - want.states![k * L + S_STOICH_NEG])).toBeLessThan(1e-5);
          if (!electrolyte) continue;
          for (let m = 0; m < electrolyte.count; m++) {
            const at = k * L + electrolyte.first + m;
            expect(Math.abs(got.states![at] - want.states![at]), `${name}: cell ${k} theta ${m}`).toBeLessThan(1e-4);
          }
          expect(Math.abs(got.states![k * L + S_LN_MEAN_POS] - want.states![k * L + S_LN_MEAN_POS])).toBeLessThan(1e-4);
        }
        if (spme) expect(got.states!.length / (4 * cellCount(next.layout))).toBe(STATE_FIXED_SPME + 2 * next.settings.modes + electrolyte!.count);
      });
    }
    // Six runs on a software adapter: about four minutes on a loaded 2-core machine (2026-11-30).
  }, 600_000);

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
