// Two-level studies: the epistemic block in the spec, the sampler (one draw per outer sample shared by every cell,
// the same aleatory packs in every outer sample), the run and its analysis, and shards that split the outer loop.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { shardRange } from '../../src/cli/shard.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';
import { parseStudySpec, studyHash, validateStudySpec, type StudySpec } from '../../src/spec/index.ts';
import { describeInputs, tailAnalyses } from '../../src/study/analysis.ts';
import { epistemicDraws, epistemicResults } from '../../src/study/epistemic.ts';
import { runStudy } from '../../src/study/runner.ts';
import { describeCost, monteCarloResult, studyLayout, studySamples } from '../../src/study/samples.ts';
import type { EpistemicTailSummary } from '../../src/tail/index.ts';
import { inputNames, sampleChunk } from '../../src/variation/index.ts';
import { captureIo } from '../support/cli.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const base = {
  pack: { series: 2, parallel: 1 },
  protocol: [{ type: 'discharge', cRate: 2 }],
  variation: { contactResistance: { scale: 'log', base: 5e-4, cell: { distribution: 'lognormal', sd: 0.3 } } },
};

function spec(extra: Record<string, unknown> = {}): StudySpec {
  return validateStudySpec({
    ...base,
    epistemic: {
      outer: 5,
      inner: 4,
      quantities: {
        heatTransferCoefficient: { scale: 'relative', value: { distribution: 'uniform', min: -0.3, max: 0.3 } },
        contactResistance: { value: { distribution: 'lognormal', sd: 0.5 } },
      },
    },
    analysis: { tail: [{ output: 'maxTemperatureK', limit: 304, tail: 'upper' }] },
    ...extra,
  });
}

const col = (values: Float64Array, names: string[], name: string, row: number) => values[row * names.length + names.indexOf(name)];

describe('epistemic block in the spec', () => {
  it('sizes the run outer x inner, fills scales, picks a chunk size that tiles outer samples', () => {
    const s = spec();
    expect(s.run.samples).toBe(20);
    expect(s.run.chunkSize).toBe(4 * 64); // whole outer samples up to the default 256
    expect(s.epistemic!.quantities.heatTransferCoefficient.scale).toBe('relative');
    expect(s.epistemic!.quantities.contactResistance.scale).toBe('log'); // the variation's scale
    const big = validateStudySpec({ ...base, epistemic: { outer: 3, inner: 1000, quantities: { heatTransferCoefficient: { value: { distribution: 'normal', sd: 0.1 } } } } });
    expect(big.run.chunkSize).toBe(250); // the largest divisor of inner up to 256
    // A spec without an epistemic block hashes as before (the block is left out, not written as undefined).
    const plain = validateStudySpec({ ...base });
    expect(plain.epistemic).toBeUndefined();
    expect(studyHash(plain)).toBe(studyHash(validateStudySpec({ ...base, run: { samples: 1000, seed: 1, chunkSize: 256 } })));
  });

  it('names the field, the rule and the value when the block does not fit', () => {
    const at = (text: string) => () => parseStudySpec(text, { source: 'study.yaml' });
    const head = 'pack: { series: 2, parallel: 1 }\nvariation:\n  contactResistance: { scale: log, base: 5.0e-4, cell: { distribution: lognormal, sd: 0.3 } }\n';
    const q = '  quantities:\n    heatTransferCoefficient: { value: { distribution: normal, sd: 0.1 } }\n';
    expect(at(`${head}epistemic:\n  outer: 10\n  inner: 100\n${q}run: { samples: 500 }\n`)).toThrowError(
      'study.yaml:9:17: run.samples must equal epistemic.outer x epistemic.inner = 10 x 100 = 1000, or be left out, got 500',
    );
    expect(at(`${head}epistemic:\n  outer: 10\n  inner: 100\n${q}run: { chunkSize: 64 }\n`)).toThrowError(
      'study.yaml:9:19: run.chunkSize must divide epistemic.inner (100) or be a multiple of it, so that chunks and shards hold whole outer samples, got 64 (e.g. 50, 25, 20, 100)',
    );
    expect(at(`${head}epistemic:\n  outer: 2\n  inner: 2\n  quantities:\n    heatTransferCoefficent: { value: { distribution: normal, sd: 0.1 } }\n`)).toThrowError(
      /epistemic\.quantities\.heatTransferCoefficent must be a manufacturing quantity or a numeric parameter path, got "heatTransferCoefficent" \(did you mean "heatTransferCoefficient"/,
    );
    expect(at(`${head}epistemic:\n  outer: 2\n  inner: 2\n  quantities:\n    contactResistance: { scale: relative, value: { distribution: normal, sd: 0.1 } }\n`)).toThrowError(
      'epistemic.quantities.contactResistance.scale must equal variation.contactResistance.scale (log): the epistemic draw adds to the same levels, got "relative"',
    );
    expect(at(`${head}epistemic:\n  outer: 2\n  inner: 2\n  quantities:\n    contactResistance: { base: 1.0e-3, value: { distribution: lognormal, sd: 0.1 } }\n`)).toThrowError(
      'epistemic.quantities.contactResistance.base must not be given for a quantity under variation: set variation.contactResistance.base, got 0.001',
    );
    expect(at(`${head}epistemic:\n  outer: 2\n  inner: 2\n  quantities: {}\n`)).toThrowError(/epistemic\.quantities must name at least one quantity/);
    expect(at(`${head}analysis:\n  sensitivity: { method: shapley, outputs: [capacityAh], secondOrder: true }\n`)).toThrowError(
      'analysis.sensitivity.secondOrder is only for method sobol (Shapley effects have no second order), got true',
    );
  });
});

describe('two-level sampling', () => {
  const s = spec();
  const chunk = sampleChunk(s, 0, 20);
  const names = inputNames(s);

  it('one epistemic draw per outer sample, shared by every cell; the same aleatory packs in every outer sample', () => {
    expect(names).toContain('heatTransferCoefficient@epistemic');
    expect(names).toContain('contactResistance@epistemic');
    expect(describeInputs(s).map((c) => c.name)).toEqual(names); // summary.inputs describes the same columns
    const v = chunk.inputs.values;
    const h0 = 10; // Chen2020 heat-transfer coefficient [W/(m2 K)]
    for (let e = 0; e < 5; e++) {
      const hx = col(v, names, 'heatTransferCoefficient@epistemic', e * 4);
      const cx = col(v, names, 'contactResistance@epistemic', e * 4);
      expect(Math.abs(hx)).toBeLessThan(0.3);
      for (let i = 0; i < 4; i++) {
        const row = e * 4 + i;
        expect(col(v, names, 'heatTransferCoefficient@epistemic', row)).toBe(hx);
        expect(col(v, names, 'contactResistance@epistemic', row)).toBe(cx);
        // Every cell of every pack in the outer sample has h = h0 (1 + draw); contact resistance = base x draw x own level.
        expect(col(v, names, 'heatTransferCoefficient:min', row)).toBeCloseTo(h0 * (1 + hx), 12);
        expect(col(v, names, 'heatTransferCoefficient:max', row)).toBeCloseTo(h0 * (1 + hx), 12);
        expect(col(v, names, 'contactResistance:max', row)).toBeCloseTo(5e-4 * cx * col(v, names, 'contactResistance@cell:max', row), 15);
        // Common random numbers: inner sample i has the same cell-level draws in every outer sample.
        expect(col(v, names, 'contactResistance@cell:mean', row)).toBe(col(v, names, 'contactResistance@cell:mean', i));
      }
      if (e > 0) expect(hx).not.toBe(col(v, names, 'heatTransferCoefficient@epistemic', 0));
    }
    // Any chunking, any range: sample 13 is sample 13.
    expect(Array.from(sampleChunk(s, 13, 3).inputs.values)).toEqual(Array.from(v.subarray(13 * names.length, 16 * names.length)));
    expect(epistemicDraws(s)[0].values).toEqual([0, 1, 2, 3, 4].map((e) => col(v, names, 'heatTransferCoefficient@epistemic', e * 4)));
  });

  it('the epistemic draws follow their distribution (uniform on [-0.3, 0.3]: Kolmogorov-Smirnov)', () => {
    const many = validateStudySpec({ ...base, epistemic: { outer: 4000, inner: 1, quantities: { heatTransferCoefficient: { scale: 'relative', value: { distribution: 'uniform', min: -0.3, max: 0.3 } } } } });
    const x = Array.from(epistemicDraws(many)[0].values).sort((a, b) => a - b);
    let d = 0;
    x.forEach((v, k) => (d = Math.max(d, Math.abs((v + 0.3) / 0.6 - (k + 0.5) / x.length))));
    expect(d).toBeLessThan(1.63 / Math.sqrt(x.length)); // KS at the 1 % level
  });

  it('shards split the outer loop; sensitivity design rows add the epistemic quantities as factors', () => {
    const s2 = spec({ run: { chunkSize: 2 }, analysis: { sensitivity: { method: 'sobol', outputs: ['maxTemperatureK'], n: 16 } } });
    const layout = studyLayout(s2);
    expect(layout.shardUnit).toBe(4); // whole outer samples
    expect(layout.sensitivity!.names).toEqual(['cell-level contactResistance', 'epistemic heatTransferCoefficient', 'epistemic contactResistance']);
    expect(layout.designRows).toBe(16 * 5);
    for (let i = 0; i < 3; i++) {
      const r = shardRange(s2, { index: i, count: 3 });
      expect(r.start % 4).toBe(0);
    }
    expect(describeCost(s2)).toBe('20 Monte Carlo samples (5 outer x 4 inner: epistemic x aleatory) + 80 sensitivity design rows (sobol) = 100 packs');
    // A design row sets the epistemic draws from its own columns.
    const row = studySamples(s2, 20, 1);
    const u = layout.sensitivity!.rows(0, 1);
    const names2 = inputNames(s2);
    expect(col(row.inputs.values, names2, 'heatTransferCoefficient@epistemic', 0)).toBeCloseTo(-0.3 + 0.6 * u[2], 12);
  });
});

describe('a two-level study run and its analysis', () => {
  it('gives per-outer results, a band over what we do not know, and the quantity to measure first', async () => {
    const s = validateStudySpec({
      pack: { series: 1, parallel: 1 },
      simulation: { model: 'spm' }, // the limit below splits the SPM's temperatures
      protocol: [{ type: 'discharge', cRate: 2 }],
      variation: { contactResistance: { scale: 'log', base: 5e-4, cell: { distribution: 'lognormal', sd: 0.3 } } },
      epistemic: {
        outer: 8,
        inner: 6,
        quantities: {
          heatTransferCoefficient: { scale: 'relative', value: { distribution: 'uniform', min: -0.5, max: 0.5 } },
          'negative.diffusivity': { scale: 'log', value: { distribution: 'lognormal', sd: 0.05 } },
        },
      },
      analysis: { tail: [{ output: 'maxTemperatureK', limit: 316.8, tail: 'upper' }] },
      run: { seed: 4 },
    });
    const result = monteCarloResult(await runStudy(s, { backend: 'reference' }));
    expect(result.counts.samples).toBe(48);
    const [tail] = tailAnalyses(s, result.outputs) as ({ epistemic: EpistemicTailSummary; recommended: { source: string } })[];
    const e = tail.epistemic;
    // The conditional probability of each outer sample is its fraction of inner samples beyond the limit.
    const k = PACK_OUTPUT_INDEX.maxTemperatureK;
    for (let o = 0; o < 8; o++) {
      let n = 0;
      for (let i = 0; i < 6; i++) if (result.outputs[(o * 6 + i) * PACK_OUTPUT_COUNT + k] > 316.8) n++;
      expect(e.perOuter[o]).toBe(n / 6);
    }
    expect(new Set(e.perOuter).size).toBeGreaterThan(1); // the limit splits the outer samples
    expect(e.pooled.estimate).toBeCloseTo(e.perOuter.reduce((a, b) => a + b, 0) / 8, 15);
    expect(e.lower.estimate).toBeLessThanOrEqual(e.median.estimate);
    expect(e.median.estimate).toBeLessThanOrEqual(e.upper.estimate);
    expect(tail.recommended.source).toBe('two-level');
    // Cooling, not the anode diffusivity, decides the peak temperature: measure the heat-transfer coefficient first.
    expect(e.measureFirst[0].quantity).toBe('heatTransferCoefficient');
    expect(e.measureFirst[0].firstOrder).toBeGreaterThan(e.measureFirst[1].firstOrder);
    expect(e.measureFirst[0].rankCorrelation).toBeLessThan(0); // better cooling, fewer hot packs
    const per = epistemicResults(s, result.outputs)!;
    expect(per.outer).toBe(8);
    expect(per.quantities.map((q) => q.name)).toEqual(['heatTransferCoefficient', 'negative.diffusivity']);
    const t = per.outputs.find((o) => o.name === 'maxTemperatureK')!;
    expect(t.mean).toHaveLength(8);
    // Hotter on average where cooling is worse.
    const h = per.quantities[0].values;
    const worst = h.indexOf(Math.min(...h));
    const best = h.indexOf(Math.max(...h));
    expect(t.mean[worst]).toBeGreaterThan(t.mean[best]);
  });
});

describe('the example study examples/epistemic-diffusivity.yaml', () => {
  it('runs through the CLI (at reduced size) and its report and final lines give the band and the quantity to measure first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-epistemic-'));
    const text = readFileSync(join(ROOT, 'examples/epistemic-diffusivity.yaml'), 'utf8');
    expect(text).toContain('negative.diffusivity:');
    const small = text.replace(/outer: 60\b/, 'outer: 6').replace(/inner: 60\b/, 'inner: 5').replace(/n: 64 }/, 'n: 16 }');
    expect(small).not.toBe(text);
    const file = join(dir, 'study.yaml');
    writeFileSync(file, small);
    const c = captureIo();
    const code = await main(['run', file, '--backend', 'reference', '--out', join(dir, 'out')], c.io);
    expect(code, c.text()).toBe(0);
    expect(c.text()).toContain('30 Monte Carlo samples (6 outer x 5 inner: epistemic x aleatory) + 112 sensitivity design rows (sobol) = 142 packs');
    // The headline (CLI, summary.json, report) quotes the pooled two-level probability, its band and what to measure.
    expect(c.text()).toMatch(/capacityAh below 4\.75 Ah: .* of packs/);
    expect(c.text()).toMatch(/given what we do not know: median and 90 % band over 6 epistemic draws: /);
    expect(c.text()).toMatch(/Two-level: 6 draws of what we do not know \(epistemic\), each with the same 5 packs/);
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8'));
    expect(summary.sampling).toEqual({ monteCarlo: 30, designRows: 112, sensitivityDesign: 'sobol', outer: 6, inner: 5 });
    expect(summary.epistemic.quantities.map((q: { name: string }) => q.name)).toEqual(['negative.diffusivity', 'heatTransferCoefficient']);
    expect(summary.tail[0].epistemic.perOuter).toHaveLength(6);
    const limit = summary.headline.limits[0];
    expect(limit.method).toBe('two-level');
    expect(limit.probability.estimate).toBe(summary.tail[0].epistemic.pooled.estimate);
    expect(limit.bands[0]).toMatchObject({ estimate: summary.tail[0].epistemic.median.estimate, lower: summary.tail[0].epistemic.lower.estimate, upper: summary.tail[0].epistemic.upper.estimate });
    expect(summary.inputs.find((i: { name: string }) => i.name === 'negative.diffusivity@epistemic')).toMatchObject({ quantity: 'negative.diffusivity', level: 'epistemic', scale: 'log' });
    expect(summary.sensitivity[0].factors).toContain('epistemic negative.diffusivity');
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('<section id="epistemic"><h2>What we do not know</h2>');
    expect(html).toContain('pooled over what we do not know');
  }, 120_000);
});
