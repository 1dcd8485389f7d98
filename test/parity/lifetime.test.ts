/**
 * Lifetime parity: the same lifetime run (repeat block, cycle jumping, random walk, varied SEI) through every backend
 * and the reference, compared per cycle with a tolerance per output. The jump schedule is the host's (src/pack/lifetime.ts),
 * so every backend must take the same jumps. Required as in the parity suite: wasm always, webgpu when
 * CELLSPREAD_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendNames, createBackend } from '../../src/backends/all.ts';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import type { Backend } from '../../src/backends/types.ts';
import { CYCLE_OUTPUTS, type CycleOutputName } from '../../src/pack/lifetime.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { studyModel } from '../../src/study/job.ts';
import { lifetimeOutputs } from '../../src/study/lifetime.ts';
import { simulateChunk } from '../../src/study/runner.ts';

const lifetimeStudy = (model: 'spm' | 'spme') => validateStudySpec({
  params: 'okane2022',
  pack: { series: 2, parallel: 2 },
  simulation: { model, sei: 'reaction limited', timeStep: 20 },
  protocol: [
    { type: 'rest', duration: 300 },
    {
      repeat: 24,
      steps: [
        { type: 'discharge', cRate: 1 },
        { type: 'rest', duration: 600 },
        { type: 'cccv', cRate: 0.5, cutoffCRate: 0.05 },
        { type: 'rest', duration: 600 },
      ],
      jumping: true,
    },
  ],
  variation: {
    capacity: { cell: { distribution: 'normal', sd: 0.03 } },
    seiRateFactor: { cell: { distribution: 'lognormal', sd: 0.3 } },
    'sei.reactionExchangeCurrentDensity': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.2 } },
  },
  ageing: { randomWalk: { sigma: 0.05 } },
  analysis: { lifetime: { endOfLife: 0.99 } },
  run: { samples: 3, seed: 31, chunkSize: 3 },
});

/** |a - b| <= abs + rel |b| per cycle output (f32 WebGPU against f64: the parity suite's capacity, temperature, voltage tolerances). */
const TOLERANCE: Record<CycleOutputName, { abs: number; rel: number }> = {
  dischargeCapacityAh: { abs: 1e-6, rel: 5e-4 },
  dischargeEnergyWh: { abs: 1e-6, rel: 1e-3 },
  chargeCapacityAh: { abs: 1e-6, rel: 5e-4 },
  maxTemperatureK: { abs: 0.05, rel: 0 },
  maxTemperatureSpreadK: { abs: 0.05, rel: 0 },
  limitingCell: { abs: 0, rel: 0 },
  dischargeSocSpread: { abs: 1e-3, rel: 0 },
  maxCurrentImbalance: { abs: 1e-6, rel: 1e-3 },
  heatJ: { abs: 1e-2, rel: 1e-3 },
  durationS: { abs: 1e-3, rel: 5e-4 },
  lliPercent: { abs: 0, rel: 1e-3 },
  maxCellLliPercent: { abs: 0, rel: 1e-3 },
  meanSeiThicknessM: { abs: 0, rel: 1e-3 },
  maxSeiThicknessM: { abs: 0, rel: 1e-3 },
  simulated: { abs: 0, rel: 0 },
};

const webgpuRequired = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';

/**
 * The SPM through every backend. The SPMe through the CPU backends only: its 2s2p CC-CV cycles on WebGPU run past
 * what a software adapter allows (llvmpipe's loop limit and this suite's time; docs/webgpu.md "Pause and resume"), so
 * the SPMe's WebGPU lifetime runs are not checked here. What they are made of is: its pack parity
 * (test/parity/parity.test.ts, test/webgpu/workgroup.test.ts) and its states carried from one protocol step to the next
 * through pauses, electrolyte included, in every working-memory variant (test/webgpu/backend.test.ts).
 */
for (const [modelName, backends] of [
  ['spm', undefined],
  ['spme', new Set(['wasm'])],
] as const) {
  const spec = lifetimeStudy(modelName);
  const required = new Set(['wasm', ...(webgpuRequired && !backends ? ['webgpu'] : [])]);
  const model = studyModel(spec);
  let expected: Awaited<ReturnType<typeof simulateChunk>>;

  describe(`lifetime parity (${modelName}): every backend${backends ? ` of ${[...backends].join(', ')}` : ''} against the reference, per cycle`, () => {
    beforeAll(async () => {
      expected = await simulateChunk(spec, model, new ReferenceBackend(), 0, 3);
    });

    it('the reference run jumps, ages, and ends with finite outputs', () => {
      expect(expected.cycleOutputs!.every(Number.isFinite)).toBe(true);
      const simulated = CYCLE_OUTPUTS.findIndex((o) => o.name === 'simulated');
      const rows = expected.cycleOutputs!.length / CYCLE_OUTPUTS.length;
      let jumped = 0;
      for (let r = 0; r < rows; r++) if (expected.cycleOutputs![r * CYCLE_OUTPUTS.length + simulated] === 0) jumped++;
      expect(jumped).toBeGreaterThan(10);
    });

    for (const name of new Set([...required, ...backendNames()])) {
      if (name === 'reference' || (backends && !backends.has(name))) continue;
      describe(name, () => {
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

        it(`same per-cycle outputs, lifetime outputs and jumps as the reference${required.has(name) ? ' (required here)' : ''}`, async () => {
          if (!backend) {
            expect(required.has(name), `${name} unavailable: ${unavailable}`).toBe(false);
            return;
          }
          const got = await simulateChunk(spec, model, backend, 0, 3);
          const problems: string[] = [];
          const K = CYCLE_OUTPUTS.length;
          got.cycleOutputs!.forEach((a, i) => {
            const o = CYCLE_OUTPUTS[i % K];
            const b = expected.cycleOutputs![i];
            const t = TOLERANCE[o.name];
            if (!(Math.abs(a - b) <= t.abs + t.rel * Math.abs(b))) problems.push(`row ${Math.floor(i / K)} ${o.name}: got ${a}, reference ${b}`);
          });
          // The lifetime outputs: the same number of cycles simulated (the same jumps), end of life and retention.
          const names = lifetimeOutputs(spec).map((o) => o.name);
          for (let s = 0; s < 3; s++) {
            const at = (r: Float64Array, n: string) => r[s * names.length + names.indexOf(n)];
            if (at(got.outputs, 'simulatedCycles') !== at(expected.outputs, 'simulatedCycles')) problems.push(`pack ${s}: simulated cycles differ`);
            if (!(Math.abs(at(got.outputs, 'cyclesToEol') - at(expected.outputs, 'cyclesToEol')) < 0.05)) problems.push(`pack ${s}: cycles to end of life differ`);
            if (!(Math.abs(at(got.outputs, 'capacityRetention') - at(expected.outputs, 'capacityRetention')) < 5e-4)) problems.push(`pack ${s}: retention differs`);
          }
          expect(problems.slice(0, 10)).toEqual([]);
          // WebGPU on a software adapter takes about two minutes here (llvmpipe, 2026-11-30).
        }, 600_000);
      });
    }
  });
}
