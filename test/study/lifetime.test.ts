/**
 * Lifetime studies end to end (spec -> sample -> lifetime runner -> outputs -> analysis): reproducibility across
 * chunking, the end-of-life arithmetic, the summary's fan chart, Sobol indices over manufacturing versus ageing, and
 * the spec's rules for repeat blocks and ageing.
 */
import { describe, expect, it } from 'vitest';
import { ReferenceBackend } from '../../src/backends/reference.ts';
import { CYCLE_OUTPUT_COUNT, CYCLE_OUTPUT_INDEX } from '../../src/pack/lifetime.ts';
import { parseStudySpec, validateStudySpec } from '../../src/spec/index.ts';
import { analyzeStudySensitivity, tailAnalyses } from '../../src/study/analysis.ts';
import { cyclesToEndOfLife, lifetimeOutputs, lifetimeSummary } from '../../src/study/lifetime.ts';
import { runStudy } from '../../src/study/runner.ts';
import { designOutputs, monteCarloResult, studyLayout, studySamples } from '../../src/study/samples.ts';
import { buildSummary } from '../../src/study/summary.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';
import type { Backend, PackJob } from '../../src/backends/types.ts';

const rel = (a: number, b: number) => Math.abs(a / b - 1);
const cycle = [
  { type: 'discharge', cRate: 1 },
  { type: 'rest', duration: 600 },
  { type: 'cccv', cRate: 0.5, cutoffCRate: 0.05 },
  { type: 'rest', duration: 600 },
];

function study(o: Record<string, unknown> = {}) {
  return validateStudySpec({
    name: 'lifetime',
    params: 'okane2022',
    pack: { series: 2, parallel: 1 },
    simulation: { sei: 'reaction limited', timeStep: 30 },
    protocol: [{ repeat: 40, steps: cycle, jumping: true }],
    variation: {
      capacity: { cell: { distribution: 'normal', sd: 0.02 } },
      seiRateFactor: { cell: { distribution: 'lognormal', sd: 0.4 } },
    },
    ageing: { randomWalk: { sigma: 0.05 } },
    analysis: { lifetime: { endOfLife: 0.985, capacityAt: [20] }, tail: [{ output: 'cyclesToEol', limit: 30, tail: 'lower' }] },
    run: { samples: 6, seed: 4, chunkSize: 6 },
    ...o,
  });
}

describe('lifetime studies', () => {
  it('run end to end: lifetime outputs per pack, per-cycle outputs, the same samples whatever the chunk size', async () => {
    const spec = study();
    const a = await runStudy(spec, { backendInstance: new ReferenceBackend() });
    const b = await runStudy(spec, { backendInstance: new ReferenceBackend(), chunkSize: 4 });
    expect(a.outputNames).toEqual(lifetimeOutputs(spec).map((o) => o.name));
    expect(a.outputNames).toContain('capacityAt20Ah');
    expect(Array.from(b.outputs)).toEqual(Array.from(a.outputs));
    expect(Array.from(b.lifetime!.cycleOutputs)).toEqual(Array.from(a.lifetime!.cycleOutputs));
    expect(a.lifetime!.cycleOutputs.length).toBe(6 * 40 * CYCLE_OUTPUT_COUNT);
    const W = a.outputNames.length;
    const col = (name: string) => Array.from({ length: 6 }, (_, s) => a.outputs[s * W + a.outputNames.indexOf(name)]);
    // Cells age at different rates: packs differ, and every pack has faded.
    for (const r of col('capacityRetention')) expect(r).toBeLessThan(0.995);
    expect(new Set(col('finalLliPercent')).size).toBe(6);
    for (const n of col('simulatedCycles')) expect(n).toBeLessThan(25);
    // Reached packs carry an interpolated cycle count, censored ones the run length.
    col('cyclesToEol').forEach((x, s) => (col('eolReached')[s] === 1 ? expect(x).toBeLessThan(40) : expect(x).toBe(40)));
    const summary = lifetimeSummary(spec, a.outputs, a.lifetime!.cycleOutputs);
    expect(summary.fan.p50[0]).toBeCloseTo(1, 12);
    summary.fan.cycle.forEach((_, i) => {
      expect(summary.fan.p05[i]).toBeLessThanOrEqual(summary.fan.p50[i]);
      expect(summary.fan.p50[i]).toBeLessThanOrEqual(summary.fan.p95[i]);
    });
    expect(summary.fan.p50.at(-1)!).toBeLessThan(summary.fan.p50[1]);
    expect(summary.eol.reached + summary.eol.censored).toBe(6);
    // Tail risk on the end of life: P(EOL < 30 cycles), censored packs counted as survivors.
    const [tail] = tailAnalyses(spec, monteCarloResult(a).outputs) as { empirical: { exceedances: number } }[];
    expect(tail.empirical.exceedances).toBe(col('cyclesToEol').filter((x) => x < 30).length);
  });

  it('per-cycle cell states on request: every cell\'s SEI growth at every cycle\'s end, consistent with the pack rows', async () => {
    const spec = study({ protocol: [{ repeat: 12, steps: cycle, jumping: true }], analysis: { lifetime: { cellStates: true } }, run: { samples: 2, seed: 4, chunkSize: 2 } });
    const r = await runStudy(spec, { backendInstance: new ReferenceBackend() });
    const g = r.lifetime!.cellGrowth!;
    expect(g.length).toBe(2 * 12 * 2);
    const L0 = 5e-9;
    for (let s = 0; s < 2; s++) {
      for (let i = 0; i < 12; i++) {
        const mean = L0 + (g[(s * 12 + i) * 2] + g[(s * 12 + i) * 2 + 1]) / 2;
        const row = (s * 12 + i) * CYCLE_OUTPUT_COUNT;
        expect(rel(mean, r.lifetime!.cycleOutputs[row + CYCLE_OUTPUT_INDEX.meanSeiThicknessM])).toBeLessThan(1e-6);
        if (i > 0) for (let c = 0; c < 2; c++) expect(g[(s * 12 + i) * 2 + c]).toBeGreaterThan(g[(s * 12 + i - 1) * 2 + c]);
      }
    }
  });

  it('cycles to end of life: interpolated between the cycles around the crossing, NaN when not reached', () => {
    const linear = (i: number) => 5 - 0.01 * (i - 1);
    // 0.9 x 5 = 4.5 is crossed at cycle 51 exactly; from the second cycle (4.99): 0.9 x 4.99 = 4.491 at 51.9.
    expect(cyclesToEndOfLife(linear, 100, 0.9, 'first').cycles).toBeCloseTo(51, 10);
    expect(cyclesToEndOfLife(linear, 100, 0.9, 'second').cycles).toBeCloseTo(51.9, 10);
    expect(cyclesToEndOfLife(linear, 40, 0.9, 'first').cycles).toBeNaN();
  });

  it('Sobol indices of the fade over manufacturing versus ageing: a wide ageing spread and a tight line give ageing nearly all of it', async () => {
    const spec = study({
      pack: { series: 1, parallel: 1 },
      protocol: [{ repeat: 20, steps: cycle, jumping: true }],
      variation: {
        capacity: { cell: { distribution: 'normal', sd: 0.0005 } },
        seiRateFactor: { cell: { distribution: 'lognormal', sd: 0.5 } },
      },
      ageing: undefined,
      analysis: { lifetime: { endOfLife: 0.99 }, sensitivity: { outputs: ['finalLliPercent'], n: 16, groups: 'origin' } },
      run: { samples: 2, seed: 4, chunkSize: 32 },
    });
    const r = await runStudy(spec, { backendInstance: new ReferenceBackend() });
    const [s] = analyzeStudySensitivity(spec, designOutputs(r)!);
    expect(s.factors).toEqual(['manufacturing', 'ageing parameters']);
    // LLI is the rate factor's: exactly proportional to it for the reaction limited law at a fixed protocol.
    expect(s.total![1]).toBeGreaterThan(0.9);
    expect(s.total![0]).toBeLessThan(0.05);
  });

  it('with a random walk, a sensitivity design carries it as one more factor', () => {
    const spec = study({ analysis: { sensitivity: { outputs: ['cyclesToEol'], n: 16, groups: 'origin' } } });
    expect(studyLayout(spec).sensitivity!.names).toEqual(['manufacturing', 'ageing parameters', 'ageing random walk']);
    // Each design row's walk has its own key (its walk coordinate), above every Monte Carlo sample index.
    const keys = studySamples(spec, 4, 6).walkKeys!;
    expect(Array.from(keys.subarray(0, 2))).toEqual([4, 5]);
    for (const k of keys.subarray(2)) expect(k).toBeGreaterThanOrEqual(2 ** 52);
  });

  it('names the field on bad lifetime specs', () => {
    expect(() => study({ params: 'chen2020' })).toThrow(/simulation.sei needs a parameter set with SEI parameters \(chen2020 has none\)/);
    expect(() => study({ simulation: { sei: 'none' } })).toThrow(/ageing.randomWalk needs SEI growth \(simulation.sei\) to act on/);
    expect(() => study({ protocol: cycle })).toThrow(/ageing.randomWalk needs a repeat block in the protocol/);
    expect(() => study({ protocol: [{ repeat: 40, steps: [{ type: 'dischage', cRate: 1 }] }] })).toThrow(/protocol\[0\].steps\[0\].type must be one of discharge, charge, rest, cccv, table, got "dischage"/);
    expect(() => study({ protocol: [{ repeat: 40, steps: cycle }, { repeat: 2, steps: cycle }] })).toThrow(/protocol\[1\] must not be a second repeat block/);
    expect(() => study({ protocol: [{ repeat: 40, steps: cycle, jumping: { jumpBefore: 9 } }] })).toThrow(/protocol\[0\].jumping.jumpBefore must be the index of a step of the block \(0 to 3\), got 9/);
    expect(() => study({ analysis: { lifetime: { capacityAt: [41] } } })).toThrow(/analysis.lifetime.capacityAt\[0\] must be at most the repeat count \(40\), got 41/);
    expect(() => study({ protocol: [{ repeat: 40, steps: cycle, jumpng: true }] })).toThrow(/protocol\[0\].jumpng is not a known key/);
    // The analysis names the lifetime study's outputs, not the pack outputs of one protocol run.
    expect(() => study({ analysis: { tail: [{ output: 'capacityAh', limit: 1, tail: 'lower' }] } })).toThrow(/analysis.tail\[0\].output must name an output of the lifetime study, got "capacityAh"/);
    // Voltage limits inside the set's window hold for steps inside the block too.
    expect(() => study({ protocol: [{ repeat: 40, steps: [{ type: 'cccv', cRate: 1, voltage: 4.5 }] }] })).toThrow(/protocol\[0\].steps\[0\].voltage must be <= 4.2 V/);
    // The declared cost counts the block once per cycle.
    expect(() => study({ protocol: [{ repeat: 1000, steps: cycle }] })).toThrow(/protocol\[0\] must stay within the limit of 1,000,000 time steps per pack \(this repeat block/);
    expect(study({ protocol: [{ repeat: 1000, steps: cycle }], limits: { stepsPerPack: 3e6 } }).limits).toEqual({ stepsPerPack: 3e6 });
    expect(() => parseStudySpec('params: okane2022\npack: { series: 1, parallel: 1 }\nsimulation: { sei: reaction limitd }\n')).toThrow(/3:\d+: simulation.sei must be one of none, solvent-diffusion limited, reaction limited, got "reaction limitd"/);
  });

  it('per-cycle outputs are physical: the discharge capacity is the charge the cycle delivers', async () => {
    const spec = study({ run: { samples: 2, seed: 4, chunkSize: 2 }, ageing: undefined });
    const r = await runStudy(spec, { backendInstance: new ReferenceBackend() });
    const C = CYCLE_OUTPUT_INDEX;
    for (let s = 0; s < 2; s++) {
      for (let i = 1; i < 40; i++) {
        const row = (s * 40 + i) * CYCLE_OUTPUT_COUNT;
        // A charged pack delivers about what the CC-CV put back (the SEI takes a little each cycle).
        const q = r.lifetime!.cycleOutputs[row + C.dischargeCapacityAh];
        const charged = r.lifetime!.cycleOutputs[row - CYCLE_OUTPUT_COUNT + C.chargeCapacityAh];
        expect(Math.abs(q / charged - 1)).toBeLessThan(0.01);
        expect(r.lifetime!.cycleOutputs[row + C.lliPercent]).toBeGreaterThan(r.lifetime!.cycleOutputs[row - CYCLE_OUTPUT_COUNT + C.lliPercent]);
      }
    }
  });

  it('valid packs only: a step of a simulated cycle past its limits makes the pack invalid, out of every statistic and the fan', async () => {
    const spec = study({ run: { samples: 4, seed: 4, chunkSize: 4 } });
    const inner = new ReferenceBackend();
    let calls = 0;
    // A backend that reports a cell below 0 V for the chunk's pack 2 in its 7th call (cycle 2, the CC-CV step).
    const faulty: Backend = {
      name: 'faulty',
      device: 'test',
      simulate: async (job: PackJob, signal?: AbortSignal) => {
        const r = await inner.simulate(job, signal);
        if (++calls === 7) r.outputs[2 * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.minCellVoltageV] = -0.5;
        return r;
      },
      dispose: async () => {},
    } as Backend;
    const r = await runStudy(spec, { backendInstance: faulty });
    expect(r.invalid).toHaveLength(1);
    expect(r.invalid[0].sample).toBe(2);
    expect(r.invalid[0].reason).toMatch(/^cycle 2, step 2 of the repeat block: minCellVoltageV = -0.5 V: a cell voltage must stay above 0 V/);
    expect(r.counts.validSamples).toBe(3);
    const summary = buildSummary(spec, r, { tail: [], sensitivity: [], worstPack: undefined, analysisSeconds: 0, totalSeconds: 0 });
    expect(summary.validity!.invalidSamples).toBe(1);
    expect(summary.lifetime!.eol.packs).toBe(3);
    expect(summary.outputs.find((o) => o.name === 'cyclesToEol')!.statistics.count).toBe(3);
  });
});
