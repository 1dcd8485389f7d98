/**
 * The WebGPU thread mappings (the physics of each is covered by test/parity, which runs the default choice): one
 * workgroup per pack with an invocation per cell (shaders/pack-workgroup.wgsl) for packs, one invocation per pack
 * (shaders/pack.wgsl) for single cells and tiny packs. Checked here: the choice per pack shape, the workgroup mapping on
 * single cells against the per-pack kernel bit for bit, several cells and groups per invocation, pause and resume,
 * several dispatches in 2-D, the SPMe through the workgroup kernel (single cells bit for bit, to depletion too; a pack
 * at parity, also with several cells per invocation), and the per-pack mapping on a pack (no longer the default
 * there) at parity.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/backends/all.ts';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import type { PackJob } from '../../src/backends/types.ts';
import { WebGpuBackend, type WebGpuOptions } from '../../src/backends/webgpu/index.ts';
import { workgroupShape } from '../../src/backends/webgpu/shader.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, STOP_REASON } from '../../src/pack/outputs.ts';
import { studyModel } from '../../src/study/job.ts';
import { chunkJob } from '../../src/study/runner.ts';
import { PARITY_CASES } from '../parity/cases.ts';
import { compareOutputs } from '../parity/tolerance.ts';

const required = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';
let base: WebGpuBackend | undefined;
let unavailable = '';

function caseJob(name: string, count?: number): PackJob {
  const c = PARITY_CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no parity case ${name}`);
  return chunkJob(c.spec, studyModel(c.spec), 0, count ?? c.spec.run.samples).job;
}
const CELLS = 'cells 1C';
const PACK = 'pack 4s3p defect welds, conduction, 2C';
const BIG_PACK = 'pack 96s4p defect welds, conduction, 2C then rest';
const SPME_CELLS = 'spme cells 2C';
const SPME_DEPLETION = 'spme cells 2.5C to electrolyte depletion';
const SPME_PACK = 'spme pack 3s2p defect welds, conduction, 2C';

beforeAll(async () => {
  try {
    base = await WebGpuBackend.create();
  } catch (err) {
    unavailable = (err as Error).message;
  }
});
afterAll(() => base?.dispose());

async function withBackend(options: WebGpuOptions, fn: (b: WebGpuBackend) => Promise<void>): Promise<void> {
  if (!base) {
    expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    return;
  }
  const b = await WebGpuBackend.create(options);
  try {
    await fn(b);
  } finally {
    b.dispose();
  }
}

const reference = new ReferenceBackend();
const referenceOutputs = new Map<string, Float64Array>();
async function atParity(name: string, outputs: Float64Array, job: PackJob): Promise<string[]> {
  if (!referenceOutputs.has(name)) referenceOutputs.set(name, (await reference.simulate(job)).outputs);
  return compareOutputs(outputs, referenceOutputs.get(name)!, job.count);
}

describe('workgroup shape', () => {
  it('one invocation per cell up to the limit, then several cells (and groups) per invocation', () => {
    expect(workgroupShape(24, 12, 256)).toMatchObject({ invocations: 24, cellsPerInvocation: 1, groupsPerInvocation: 1 });
    expect(workgroupShape(384, 96, 1024)).toMatchObject({ invocations: 384, cellsPerInvocation: 1, groupsPerInvocation: 1 });
    expect(workgroupShape(384, 96, 256)).toMatchObject({ invocations: 192, cellsPerInvocation: 2, groupsPerInvocation: 1 });
    expect(workgroupShape(12, 4, 3)).toMatchObject({ invocations: 3, cellsPerInvocation: 4, groupsPerInvocation: 2 });
    // 96s4p in 192 invocations: 9 arrays of 96 groups and 14 f32 of 192 partials, under WebGPU's default 16 KiB.
    expect(workgroupShape(384, 96, 256).sharedBytes).toBe(4 * (9 * 96 + 14 * 192 + 12));
  });
});

describe('webgpu thread mappings', () => {
  it('auto: one invocation per pack for single cells and 2-cell packs, one workgroup per pack beyond', async () => {
    if (!base) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    const marquisPair = caseJob('marquis2019 pack 1s2p at 268 K, 1.5C then rest (2-cell private WGSL variant)', 1);
    expect(base.variant(caseJob(CELLS, 1))).toBe('private');
    expect(base.variant(marquisPair)).toBe('private');
    expect(base.variant(caseJob(PACK, 1))).toBe('workgroup');
    expect(base.variant(caseJob(BIG_PACK, 1))).toBe('workgroup');
    await withBackend({ mapping: 'pack' }, async (b) => {
      expect(b.variant(caseJob(PACK, 1))).toBe('storage');
      expect(b.variant(caseJob(CELLS, 1))).toBe('private');
    });
    await withBackend({ mapping: 'workgroup' }, async (b) => expect(b.variant(caseJob(CELLS, 1))).toBe('workgroup'));
    await expect(WebGpuBackend.create({ mapping: 'threads' as 'auto' }).then((b) => Promise.resolve(b.variant(caseJob(PACK, 1))).finally(() => b.dispose()))).rejects.toThrow(
      /mapping must be auto, pack or workgroup/,
    );
  });

  it('the workgroup mapping gives single cells bit for bit what the per-pack kernel gives', async () => {
    if (!base) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    const job = caseJob(CELLS, 4);
    const perPack = await base.simulate(job);
    await withBackend({ mapping: 'workgroup' }, async (b) => {
      const r = await b.simulate(job);
      expect(b.variant(job)).toBe('workgroup');
      expect(Array.from(r.outputs)).toEqual(Array.from(perPack.outputs));
      expect(r.cellSteps).toBe(perPack.cellSteps);
    });
  });

  it('several cells and several groups per invocation (3 invocations for 4s3p) stay at parity', async () => {
    const job = caseJob(PACK);
    await withBackend({ maxWorkgroupInvocations: 3 }, async (b) => {
      expect(b.packWorkgroup(job)).toMatchObject({ invocations: 3, cellsPerInvocation: 4, groupsPerInvocation: 2 });
      const r = await b.simulate(job);
      expect(await atParity(PACK, r.outputs, job)).toEqual([]);
    });
  });

  it('pauses packs at step boundaries and resumes them bit for bit, over several 2-D dispatches', async () => {
    if (!base) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    const job = caseJob(PACK);
    const whole = await base.simulate(job);
    expect(base.lastTimings).toHaveLength(1);
    await withBackend({ loopBudget: 2000, maxPacksPerDispatch: 4, maxWorkgroupsPerDimension: 3 }, async (b) => {
      const r = await b.simulate(job);
      expect(b.lastTimings.map((t) => t.packs)).toEqual([4, 2]);
      expect(b.lastTimings[0].workgroups).toEqual([3, 2]); // 4 packs, one workgroup each, at most 3 per dimension
      expect(b.lastTimings[0].rounds).toBeGreaterThan(5);
      expect(Array.from(r.outputs)).toEqual(Array.from(whole.outputs));
    });
  });

  // The SPMe (its generated kernels, constants and electrolyte states) through the workgroup kernel: the heat terms,
  // the lowest electrolyte fraction and the depletion stop as pack.wgsl has them.
  it('SPMe: single cells (to electrolyte depletion too) bit for bit what the per-pack kernel gives', async () => {
    if (!base) return expect(required, `webgpu unavailable: ${unavailable}`).toBe(false);
    for (const name of [SPME_CELLS, SPME_DEPLETION]) {
      const job = caseJob(name, 2);
      expect(job.settings.model).toBe('spme');
      const perPack = await base.simulate(job);
      await withBackend({ mapping: 'workgroup' }, async (b) => {
        const r = await b.simulate(job);
        expect(b.variant(job)).toBe('workgroup');
        expect(Array.from(r.outputs)).toEqual(Array.from(perPack.outputs));
      });
      if (name === SPME_DEPLETION) {
        const reason = perPack.outputs[PACK_OUTPUT_INDEX.stopReason];
        expect(reason).toBe(STOP_REASON.electrolyteDepleted);
      }
    }
  });

  it('SPMe: a pack with one workgroup (auto) and with several cells and groups per invocation stays at parity', async () => {
    const job = caseJob(SPME_PACK);
    expect(job.settings.model).toBe('spme');
    if (base) expect(base.variant(job)).toBe('workgroup');
    await withBackend({}, async (b) => {
      const r = await b.simulate(job);
      expect(await atParity(SPME_PACK, r.outputs, job)).toEqual([]);
      // Every heat term is there (the SPMe has electrolyte and solid Ohmic heat) and the electrolyte moved.
      for (let p = 0; p < job.count; p++) {
        const o = (k: keyof typeof PACK_OUTPUT_INDEX) => r.outputs[p * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX[k]];
        expect(o('heatOhmicElectrolyteJ')).toBeGreaterThan(0);
        expect(o('heatOhmicSolidJ')).toBeGreaterThan(0);
        expect(o('minElectrolyteFraction')).toBeLessThan(1);
      }
    });
    await withBackend({ maxWorkgroupInvocations: 4 }, async (b) => {
      expect(b.packWorkgroup(job)).toMatchObject({ invocations: 3, cellsPerInvocation: 2, groupsPerInvocation: 1 });
      const r = await b.simulate(job);
      expect(await atParity(SPME_PACK, r.outputs, job)).toEqual([]);
    });
  });

  it('the per-pack mapping stays at parity on a pack', async () => {
    const job = caseJob(PACK);
    await withBackend({ mapping: 'pack' }, async (b) => {
      const r = await b.simulate(job);
      expect(b.variant(job)).toBe('storage');
      expect(await atParity(PACK, r.outputs, job)).toEqual([]);
    });
  });
});
