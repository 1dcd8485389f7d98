import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import type { Backend, PackJob } from '../../src/backends/types.ts';
import { CELL_PARAMETER_INDEX } from '../../src/model/layout.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { AnalysisRuns, outputColumn, sensitivityAnalyses, sensitivityPlan, tailAnalyses, worstPackMap } from '../../src/study/analysis.ts';
import { studyModel } from '../../src/study/job.ts';
import { runStudy, type StudyProgress } from '../../src/study/runner.ts';

// Two pack-level factors: cooling varies by +-20 %, coating thickness by 1 %. The peak temperature of a 1C
// discharge is driven by cooling almost entirely, capacity by the coating almost entirely.
const spec = validateStudySpec({
  pack: { series: 1, parallel: 1 },
  protocol: [{ type: 'discharge', cRate: 1 }],
  variation: {
    heatTransferCoefficient: { scale: 'relative', pack: { distribution: 'uniform', min: -0.2, max: 0.2 } },
    'coatingThickness.negative': { scale: 'relative', pack: { distribution: 'normal', sd: 0.01 } },
  },
  analysis: {
    tail: [{ output: 'maxTemperatureK', limit: 307.2, tail: 'upper' }],
    sensitivity: { method: 'sobol', outputs: ['maxTemperatureK', 'capacityAh'], n: 32 },
  },
  run: { samples: 64, seed: 2, chunkSize: 32 },
});

describe('analysis of a study', () => {
  it('Sobol indices over (quantity, level) groups find the factor that drives each output', async () => {
    const [temperature, capacity] = await sensitivityAnalyses(spec, studyModel(spec), new ReferenceBackend());
    const h = temperature.factors.findIndex((f) => f.includes('heatTransferCoefficient'));
    const l = temperature.factors.findIndex((f) => f.includes('coatingThickness'));
    expect(temperature.factors[h]).toBe('pack-level heatTransferCoefficient');
    expect(temperature.first![h]).toBeGreaterThan(0.9);
    expect(temperature.total![l]).toBeLessThan(0.05);
    expect(temperature.statements[0]).toMatch(/^pack-level heatTransferCoefficient explains (9\d|100) % of the variance of maxTemperatureK/);
    expect(capacity.first![l]).toBeGreaterThan(capacity.first![h]);
    // One design serves both outputs: the second output reuses the first's evaluations.
    expect(capacity.evaluations).toBe(temperature.evaluations);
    expect(temperature.evaluations).toBe(32 * (2 + 2));
  });

  it('tail analyses and the worst pack follow the spec', async () => {
    const result = await runStudy(spec, { backend: 'reference' });
    const [tail] = tailAnalyses(spec, result.outputs) as { output: string; n: number; empirical: { exceedances: number } }[];
    const col = outputColumn(result.outputs, 'maxTemperatureK');
    expect(tail.output).toBe('maxTemperatureK');
    expect(tail.n).toBe(64);
    expect(tail.empirical.exceedances).toBe(col.filter((t) => t > 307.2).length);
    const worst = worstPackMap(spec, studyModel(spec), result.outputs)!;
    expect(col[worst.sample]).toBe(Math.max(...col));
    expect(worst.cellMaxTemperatureK[0]).toBeCloseTo(col[worst.sample], 9);
  });
});

/**
 * A stand-in backend for counting: each pack's outputs are simple functions of its first cell's parameters (so they
 * vary and the estimators run), 100 steps per cell, and every job's size is recorded.
 */
class CountingBackend implements Backend {
  readonly name = 'counting';
  readonly device = 'test double';
  readonly jobs: number[] = [];
  simulate(job: PackJob) {
    this.jobs.push(job.count);
    const cells = job.layout.series * job.layout.parallel;
    const outputs = new Float64Array(job.count * PACK_OUTPUT_COUNT);
    for (let s = 0; s < job.count; s++) {
      const at = (name: keyof typeof CELL_PARAMETER_INDEX) => job.kernelParameters[(CELL_PARAMETER_INDEX[name] * job.count + s) * cells];
      outputs[s * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.maxTemperatureK] = 298 + 1 / at('coolingConductance');
      outputs[s * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.capacityAh] = at('capacityNeg');
    }
    return Promise.resolve({ outputs, cellSteps: job.count * cells * 100 });
  }
  dispose() {}
}

describe('the analysis stage counts and reports its model runs', () => {
  for (const method of ['sobol', 'shapley'] as const) {
    it(`${method}: the planned design size is what the estimator runs, counted, in run.chunkSize pieces, with progress`, async () => {
      const s = validateStudySpec({ ...spec, analysis: { sensitivity: { method, outputs: ['maxTemperatureK', 'capacityAh'], n: 32 } } });
      const plan = sensitivityPlan(s)!;
      expect(plan.groups.map((g) => g.name)).toEqual(['pack-level heatTransferCoefficient', 'pack-level coatingThickness.negative']);
      const backend = new CountingBackend();
      const updates: StudyProgress[] = [];
      const runs = new AnalysisRuns(plan.modelRuns, 1, (p) => updates.push(p));
      const [first, second] = await sensitivityAnalyses(s, studyModel(s), backend, undefined, runs);
      expect(first.evaluations).toBe(plan.modelRuns);
      expect(second.evaluations).toBe(plan.modelRuns); // one design for both outputs
      expect(plan.modelRuns).toBe(method === 'sobol' ? 32 * (2 + 2) : 32 * 2 * 3);
      expect(runs.counts).toEqual({ packs: plan.modelRuns, cells: plan.modelRuns, cellSteps: plan.modelRuns * 100 });
      expect(backend.jobs.reduce((a, b) => a + b, 0)).toBe(plan.modelRuns);
      expect(Math.max(...backend.jobs)).toBeLessThanOrEqual(s.run.chunkSize);
      expect(runs.timings.simulateSeconds).toBeGreaterThanOrEqual(0);
      expect(runs.timings.sampleSeconds).toBeGreaterThan(0);
      expect(updates).toHaveLength(backend.jobs.length);
      expect(updates.every((u, i) => u.samplesTotal === plan.modelRuns && (i === 0 || u.samplesDone > updates[i - 1].samplesDone))).toBe(true);
      expect(updates.at(-1)!.samplesDone).toBe(plan.modelRuns);
      expect(updates.at(-1)!.etaSeconds).toBe(0);
    });
  }

  it('a study without a sensitivity request plans no runs', () => {
    expect(sensitivityPlan(validateStudySpec({ ...spec, analysis: { tail: spec.analysis!.tail } }))).toBeUndefined();
  });
});
