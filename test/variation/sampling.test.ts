import { beforeAll, describe, expect, it } from 'vitest';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { CELL_PARAMETER_COUNT, CELL_PARAMETER_INDEX } from '../../src/model/layout.ts';
import { chen2020 } from '../../src/params/index.ts';
import { normalQuantile } from '../../src/math/special.ts';
import { parseStudySpec, type StudySpec } from '../../src/spec/index.ts';
import {
  buildSampleDesign,
  latentChunk,
  sampleChunk,
  sampleChunkFromLatent,
  sampleTable,
  sobolLatent,
  type SampleChunk,
} from '../../src/variation/index.ts';

// 8s2p in 4 modules: 16 cells, 4 per module.
const STATS_YAML = `
pack: { series: 8, parallel: 2, modules: 4 }
variation:
  heatTransferCoefficient:
    scale: relative
    pack: { distribution: normal, sd: 0.02 }
    module: { distribution: normal, sd: 0.01 }
    cell: { distribution: normal, sd: 0.015 }
  particleRadius.negative:
    scale: log
    pack: { distribution: lognormal, sd: 0.03 }
    cell: { distribution: lognormal, sd: 0.05 }
  porosity.negative:
    scale: additive
    cell: { distribution: truncatedNormal, sd: 0.01, min: -0.012, max: 0.02 }
  contactResistance:
    scale: log
    base: 2.0e-4
    cell:
      distribution: defectMixture
      probability: 0.02
      base: { distribution: lognormal, sd: 0.1 }
      factor: { distribution: pareto, alpha: 1.5, min: 2 }
correlation:
  cell: { quantities: [porosity.negative, particleRadius.negative], matrix: [[1, 0.6], [0.6, 1]] }
run: { samples: 2000, seed: 11 }
`;

const N = 2000;
let spec: StudySpec;
let chunk: SampleChunk;
const CELLS = 16;

/** Per-cell values of a varied quantity for sample s. */
function cellValues(ch: SampleChunk, name: string, s: number): Float64Array {
  const q = ch.cellQuantities.names.indexOf(name);
  const off = (q * ch.count + s) * ch.cellsPerPack;
  return ch.cellQuantities.values.subarray(off, off + ch.cellsPerPack);
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0) / a.length;
const variance = (a: ArrayLike<number>) => {
  const m = mean(a);
  return Array.from(a).reduce((x, y) => x + (y - m) ** 2, 0) / (a.length - 1);
};
function corr(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** ANOVA estimates of the pack, module and cell variance components of y (4 modules x 4 cells per sample). */
function components(y: (s: number) => Float64Array) {
  const packMeans: number[] = [];
  let within = 0;
  let between = 0;
  for (let s = 0; s < N; s++) {
    const v = y(s);
    const mods = [0, 1, 2, 3].map((m) => v.subarray(m * 4, m * 4 + 4));
    within += mean(mods.map((m) => variance(m)));
    between += variance(mods.map((m) => mean(m)));
    packMeans.push(mean(v));
  }
  const cell = within / N;
  const module = between / N - cell / 4;
  const pack = variance(packMeans) - module / 4 - cell / 16;
  return { pack, module, cell };
}

beforeAll(() => {
  spec = parseStudySpec(STATS_YAML, { source: 'stats.yaml' });
  chunk = sampleChunk(spec, 0, N);
});

describe('hierarchical variation', () => {
  it('variances add on the relative scale: per-level components match the spec', () => {
    const h0 = chen2020.thermal.heatTransferCoefficient;
    const c = components((s) => cellValues(chunk, 'heatTransferCoefficient', s).map((x) => x / h0 - 1));
    expect(c.pack / 0.02 ** 2).toBeGreaterThan(0.85);
    expect(c.pack / 0.02 ** 2).toBeLessThan(1.15);
    expect(c.module / 0.01 ** 2).toBeGreaterThan(0.85);
    expect(c.module / 0.01 ** 2).toBeLessThan(1.15);
    expect(c.cell / 0.015 ** 2).toBeGreaterThan(0.95);
    expect(c.cell / 0.015 ** 2).toBeLessThan(1.05);
  });

  it('variances add on the log scale: total variance of ln x = sd_pack^2 + sd_cell^2', () => {
    const r0 = chen2020.negative.particleRadius;
    const all: number[] = [];
    for (let s = 0; s < N; s++) for (const x of cellValues(chunk, 'particleRadius.negative', s)) all.push(Math.log(x / r0));
    // Sample variance over all cells: E = sd_p^2 + sd_c^2 minus a small between-pack correlation bias (~sd_p^2/N).
    const v = variance(all);
    expect(v / (0.03 ** 2 + 0.05 ** 2)).toBeGreaterThan(0.93);
    expect(v / (0.03 ** 2 + 0.05 ** 2)).toBeLessThan(1.07);
    const c = components((s) => cellValues(chunk, 'particleRadius.negative', s).map((x) => Math.log(x / r0)));
    expect(Math.abs(c.module)).toBeLessThan(0.1 * 0.05 ** 2); // no module level in the spec
  });

  it('the per-sample inputs report the pack-level draw and module summaries', () => {
    const names = chunk.inputs.names;
    const k = names.indexOf('heatTransferCoefficient@pack');
    const kMin = names.indexOf('heatTransferCoefficient@module:min');
    const kMax = names.indexOf('heatTransferCoefficient@module:max');
    expect(k).toBeGreaterThanOrEqual(0);
    const pack = Array.from({ length: N }, (_, s) => chunk.inputs.values[s * names.length + k]);
    expect(Math.sqrt(variance(pack))).toBeGreaterThan(0.018);
    expect(Math.sqrt(variance(pack))).toBeLessThan(0.022);
    for (let s = 0; s < 50; s++) expect(chunk.inputs.values[s * names.length + kMin]).toBeLessThanOrEqual(chunk.inputs.values[s * names.length + kMax]);
    const rMax = names.indexOf('contactResistance:max');
    const rOf = (s: number) => Math.max(...cellValues(chunk, 'contactResistance', s));
    expect(chunk.inputs.values[3 * names.length + rMax]).toBe(rOf(3));
  });
});

describe('correlation, truncation and defects', () => {
  it('reproduces the Gaussian-copula correlation of the normal scores', () => {
    const eps0 = chen2020.negative.porosity;
    const r0 = chen2020.negative.particleRadius;
    const zp: number[] = [];
    const zr: number[] = [];
    const zh: number[] = [];
    const h0 = chen2020.thermal.heatTransferCoefficient;
    for (let s = 0; s < 600; s++) {
      const p = cellValues(chunk, 'porosity.negative', s);
      const r = cellValues(chunk, 'particleRadius.negative', s);
      const h = cellValues(chunk, 'heatTransferCoefficient', s);
      for (let c = 0; c < CELLS; c++) {
        // Normal score of the truncated porosity deviation: Phi^-1 of its truncated-normal CDF.
        const d = (p[c] - eps0) / 0.01;
        const F = (normalCdfApprox(d) - normalCdfApprox(-1.2)) / (normalCdfApprox(2) - normalCdfApprox(-1.2));
        zp.push(normalQuantile(Math.min(1 - 1e-16, Math.max(1e-16, F))));
        zr.push(Math.log(r[c] / r0));
        zh.push(h[c] / h0);
      }
    }
    // zr mixes the pack draw (sd 0.03) with the cell draw (sd 0.05): corr = 0.6 * 0.05 / sqrt(0.03^2 + 0.05^2).
    const expected = (0.6 * 0.05) / Math.hypot(0.03, 0.05);
    expect(Math.abs(corr(zp, zr) - expected)).toBeLessThan(0.04);
    expect(Math.abs(corr(zp, zh))).toBeLessThan(0.04);
  });

  it('respects truncation bounds', () => {
    const eps0 = chen2020.negative.porosity;
    let lo = Infinity;
    let hi = -Infinity;
    for (let s = 0; s < N; s++) {
      for (const x of cellValues(chunk, 'porosity.negative', s)) {
        lo = Math.min(lo, x - eps0);
        hi = Math.max(hi, x - eps0);
      }
    }
    expect(lo).toBeGreaterThanOrEqual(-0.012 - 1e-15);
    expect(hi).toBeLessThanOrEqual(0.02 + 1e-15);
    expect(lo).toBeLessThan(-0.0115); // the bound binds: plenty of mass near it
  });

  it('defect frequency and Pareto tail index match the spec', () => {
    const ratios: number[] = [];
    let total = 0;
    for (let s = 0; s < N; s++) {
      for (const x of cellValues(chunk, 'contactResistance', s)) {
        total++;
        if (x / 2e-4 >= 2) ratios.push(x / 2e-4);
      }
    }
    const n = ratios.length;
    const expected = total * 0.02;
    expect(Math.abs(n - expected)).toBeLessThan(4 * Math.sqrt(expected));
    // Maximum-likelihood (Hill) tail index of the factors above the Pareto minimum 2.
    const alpha = n / ratios.reduce((a, r) => a + Math.log(r / 2), 0);
    expect(Math.abs(alpha - 1.5)).toBeLessThan(4 * (1.5 / Math.sqrt(n)));
  });
});

describe('reproducibility and layout', () => {
  const small = () =>
    parseStudySpec(`
pack: { series: 6, parallel: 2, modules: 3, interconnectResistance: 5.0e-5 }
variation:
  coatingThickness.negative: { scale: relative, pack: { distribution: normal, sd: 0.01 }, module: { distribution: normal, sd: 0.01 }, cell: { distribution: normal, sd: 0.01 } }
  capacity: { cell: { distribution: studentT, df: 5, scale: 0.004 } }
  contactResistance: { base: 1.0e-4, cell: { distribution: defectMixture, probability: 0.3, base: { distribution: lognormal, sd: 0.1 }, factor: { distribution: generalizedPareto, shape: 0.3, scale: 1, location: 2 } } }
run: { samples: 20, seed: 5 }
`);

  it('sample i is the same whatever the chunking', () => {
    const s = small();
    const whole = sampleChunk(s, 0, 12);
    for (const [start, count] of [
      [0, 5],
      [5, 4],
      [9, 3],
      [7, 1],
    ]) {
      const part = sampleChunk(s, start, count);
      for (let p = 0; p < CELL_PARAMETER_COUNT; p++) {
        for (let i = 0; i < count; i++) {
          const a = whole.kernelParameters.subarray((p * 12 + start + i) * 12, (p * 12 + start + i + 1) * 12);
          const b = part.kernelParameters.subarray((p * count + i) * 12, (p * count + i + 1) * 12);
          expect(Array.from(b)).toEqual(Array.from(a));
        }
      }
      const w = whole.inputs.names.length;
      expect(Array.from(part.inputs.values)).toEqual(Array.from(whole.inputs.values.subarray(start * w, (start + count) * w)));
    }
  });

  it('latent rows reproduce sampleChunk exactly, and a different seed gives different packs', () => {
    const s = small();
    const lat = latentChunk(s, 3, 4);
    const a = sampleChunkFromLatent(s, lat, 4, 3);
    const b = sampleChunk(s, 3, 4);
    expect(Array.from(a.kernelParameters)).toEqual(Array.from(b.kernelParameters));
    const other = parseStudySpec(`pack: { series: 6, parallel: 2, modules: 3 }\nvariation: { capacity: { cell: { distribution: normal, sd: 0.01 } } }\nrun: { seed: 6 }`);
    const same = parseStudySpec(`pack: { series: 6, parallel: 2, modules: 3 }\nvariation: { capacity: { cell: { distribution: normal, sd: 0.01 } } }\nrun: { seed: 5 }`);
    expect(Array.from(sampleChunk(other, 0, 1).cellQuantities.values)).not.toEqual(Array.from(sampleChunk(same, 0, 1).cellQuantities.values));
  });

  it('adding a quantity leaves the draws of the others unchanged (common random numbers)', () => {
    const a = parseStudySpec(`pack: { series: 4, parallel: 1 }\nvariation: { capacity: { cell: { distribution: normal, sd: 0.01 } } }`);
    const b = parseStudySpec(
      `pack: { series: 4, parallel: 1 }\nvariation: { heatTransferCoefficient: { cell: { distribution: normal, sd: 0.1 } }, capacity: { cell: { distribution: normal, sd: 0.01 } } }`,
    );
    const qa = sampleChunk(a, 0, 3).cellQuantities;
    const qb = sampleChunk(b, 0, 3).cellQuantities;
    const ib = qb.names.indexOf('capacity');
    expect(Array.from(qb.values.subarray(ib * 12, ib * 12 + 12))).toEqual(Array.from(qa.values.subarray(0, 12)));
  });

  it('Sobol latent designs are deterministic and drive the same mapping', () => {
    const s = small();
    const d = buildSampleDesign(s);
    const lat = sobolLatent(s, 0, 8);
    expect(lat.length).toBe(8 * d.latentDimension);
    const a = sampleChunkFromLatent(s, lat, 8);
    const b = sampleChunkFromLatent(s, sobolLatent(s, 0, 8), 8);
    expect(Array.from(a.kernelParameters)).toEqual(Array.from(b.kernelParameters));
    // Latent coordinate of the pack-level thickness draw -> relative thickness deviation, exactly.
    const f = d.factors.find((x) => x.quantity === 'coatingThickness.negative' && x.level === 'pack')!;
    expect(a.inputs.values[a.inputs.names.indexOf('coatingThickness.negative@pack')]).toBe(0.01 * normalQuantile(lat[f.latentOffset]));
    expect(() => sampleChunkFromLatent(s, new Float64Array(d.latentDimension).fill(1), 1)).toThrow(/latent\[0\] must be a uniform in \(0, 1\), got 1/);
    expect(() => sampleChunkFromLatent(s, new Float64Array(3), 1)).toThrow(/must hold rows x latentDimension/);
  });

  it('design lists factors and one group per (quantity, level)', () => {
    const d = buildSampleDesign(small());
    expect(d.cellsPerPack).toBe(12);
    expect(d.groupsPerPack).toBe(6);
    expect(d.groups.map((g) => g.name)).toEqual([
      'pack-level coatingThickness.negative',
      'module-level coatingThickness.negative',
      'cell-level coatingThickness.negative',
      'cell-level capacity',
      'cell-level contactResistance',
    ]);
    expect(d.latentDimension).toBe(1 + 3 + 12 + 12 + 12);
    const all = d.groups.flatMap((g) => g.indices).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: d.latentDimension }, (_, i) => i));
  });

  it('kernel parameters equal deriveCellParameters of the documented overrides', () => {
    const s = small();
    const ch = sampleChunk(s, 2, 2);
    const t = sampleTable(s, 2, 2);
    const col = (n: string) => t.columns.indexOf(n);
    for (const row of [t.rows[0], t.rows[17]]) {
      const L = row[col('varied.coatingThickness.negative')];
      const Q = row[col('varied.capacity')];
      const R = row[col('varied.contactResistance')];
      const expected = deriveCellParameters(chen2020, 1, {
        'negative.thickness': L,
        'geometry.electrodeWidth': (chen2020.geometry.electrodeWidth * Q) / chen2020.electrical.nominalCapacity,
        'electrical.contactResistance': R,
      });
      expect(row[col('capacityNeg')]).toBe(expected.capacityNeg);
      expect(row[col('kineticCurrentPos')]).toBe(expected.kineticCurrentPos);
      expect(row[col('collectorResistance')]).toBe(expected.collectorResistance);
      expect(row[col('contactResistance')]).toBe(R);
      expect(row[col('interconnectResistance')]).toBe(5e-5);
    }
    // Layout: row (sample 3, cell 5) of the table is index ((p * count) + 1) * cells + 5 of the chunk.
    const r = t.rows[12 + 5];
    expect(r.slice(0, 5)).toEqual([3, 1, 2, 1, 5]); // sample, module, group, position, cell
    expect(r[col('capacityPos')]).toBe(ch.kernelParameters[(CELL_PARAMETER_INDEX.capacityPos * 2 + 1) * 12 + 5]);
  });

  it('an unphysical sampled cell is refused with its sample, cell, varied inputs and the rule it broke', () => {
    // Relative normal with sd 2: some cells get a negative diffusivity.
    const s = parseStudySpec(`
pack: { series: 4, parallel: 1 }
variation:
  negative.diffusivity: { cell: { distribution: normal, sd: 2 } }
  capacity: { cell: { distribution: fixed, value: 0.1 } }
`);
    let message = '';
    try {
      sampleChunk(s, 0, 8);
    } catch (e) {
      message = (e as Error).message;
    }
    // Refused by the valid-cell check (src/variation/validity.ts) before any kernel parameter is derived.
    expect(message).toMatch(/^variation\.negative\.diffusivity\.cell must keep every cell's negative\.diffusivity > 0 \S+ \(sample \d+, cell \d+\), got -[\d.e-]+/);
    expect(message).toContain('normal can reach values the cell cannot have');
    expect(message).toContain('bound the draw with truncatedNormal');
  });

  it('porosity and active fraction combine as eps_s = a (1 - eps_e); capacity scales area', () => {
    const s = parseStudySpec(`
pack: { series: 2, parallel: 1 }
variation:
  porosity.positive: { cell: { distribution: uniform, min: -0.05, max: 0.05 } }
  activeFraction.positive: { cell: { distribution: uniform, min: -0.05, max: 0.0 } }
  capacity: { cell: { distribution: fixed, value: 0.1 } }
  initialSoc: { cell: { distribution: uniform, min: -0.2, max: 0.0 } }
`);
    const ch = sampleChunk(s, 0, 4);
    const t = sampleTable(s, 0, 4, ch);
    const col = (n: string) => t.columns.indexOf(n);
    for (const row of t.rows) {
      expect(row[col('varied.capacity')]).toBeCloseTo(5.5, 12);
      const eps = row[col('varied.porosity.positive')];
      const a = row[col('varied.activeFraction.positive')];
      expect(a).toBeLessThanOrEqual(1);
      const k = deriveCellParameters(chen2020, row[col('initialSoc')], {
        'positive.porosity': eps,
        'positive.activeMaterialVolumeFraction': a * (1 - eps),
        'geometry.electrodeWidth': (chen2020.geometry.electrodeWidth * row[col('varied.capacity')]) / chen2020.electrical.nominalCapacity,
      });
      expect(row[col('capacityPos')]).toBe(k.capacityPos);
      expect(row[col('initialStoichNeg')]).toBe(k.initialStoichNeg);
      expect(row[col('initialSoc')]).toBeLessThanOrEqual(1);
    }
  });
});

function normalCdfApprox(x: number): number {
  // Only used to map the truncated porosity back to a normal score; exact enough (|err| < 1e-15) via erfc.
  return 0.5 * erfc(-x / Math.SQRT2);
}
function erfc(x: number): number {
  // Reuse the library's CDF through its quantile inverse would be circular; use a series/continued fraction instead.
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
