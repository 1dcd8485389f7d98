import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { analyzeStudySensitivity, outputColumn, sensitivityAnalyses, tailAnalyses, worstPackMap } from '../../src/study/analysis.ts';
import { studyModel } from '../../src/study/job.ts';
import { runStudy } from '../../src/study/runner.ts';
import { monteCarloResult, studyLayout } from '../../src/study/samples.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';

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
    expect(temperature.statements[0]).toMatch(/^pack-level heatTransferCoefficient: (9\d|100) % of the variance of maxTemperatureK with its interactions \(total index, 95 % interval \d+–100 %\)/);
    expect(temperature.confidence).toBe(0.95);
    expect(capacity.first![l]).toBeGreaterThan(capacity.first![h]);
    // One design serves both outputs: the second output reuses the first's evaluations.
    expect(capacity.evaluations).toBe(temperature.evaluations);
    expect(temperature.evaluations).toBe(32 * (2 + 2));
  });

  it('tail analyses and the worst pack follow the spec', async () => {
    const run = await runStudy(spec, { backend: 'reference' });
    expect(run.counts.samples).toBe(64 + 32 * 4); // Monte Carlo samples, then the design rows
    const result = monteCarloResult(run);
    expect(result.counts.samples).toBe(64);
    const [tail] = tailAnalyses(spec, result.outputs) as { output: string; n: number; empirical: { exceedances: number } }[];
    const col = outputColumn(result.outputs, 'maxTemperatureK');
    expect(tail.output).toBe('maxTemperatureK');
    expect(tail.n).toBe(64);
    expect(tail.empirical.exceedances).toBe(col.filter((t) => t > 307.2).length);
    const worst = worstPackMap(spec, studyModel(spec), result.outputs)!;
    expect(col[worst.sample]).toBe(Math.max(...col));
    expect(worst.cellMaxTemperatureK[0]).toBeCloseTo(col[worst.sample], 9);
  });

  it('design rows are samples after the Monte Carlo ones; a failed design row leaves an error entry naming its sample', async () => {
    const layout = studyLayout(spec);
    expect(layout.monteCarlo).toBe(64);
    expect(layout.designRows).toBe(32 * 4);
    // The library path (simulate the design rows here) and the run's outputs give the same indices.
    const run = await runStudy(spec, { backend: 'reference', range: { start: 64, end: 64 + 128 } });
    const fromRun = analyzeStudySensitivity(spec, run.outputs);
    const direct = await sensitivityAnalyses(spec, studyModel(spec), new ReferenceBackend());
    expect(fromRun).toEqual(direct);
    const broken = Float64Array.from(run.outputs);
    broken[5 * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.maxTemperatureK] = NaN;
    const [temperature, capacity] = analyzeStudySensitivity(spec, broken);
    expect(temperature.error).toMatch(/^model output for sample 1 of matrix B \(design row 5\) must be a finite number, got NaN .*\(sample 69\)$/);
    expect(temperature.statements).toEqual([]);
    expect(capacity.error).toBeUndefined(); // the other output's rows are fine
    expect(capacity.first).toEqual(direct[1].first);
  });
});
