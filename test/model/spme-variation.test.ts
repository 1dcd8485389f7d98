/**
 * The SPMe's variation mappings (docs/variation.md): manufacturing quantities and the overrides they write, read by
 * deriveElectrolyteParameters; the rule that a study on the SPM refuses what only the SPMe would use, and that an SPMe
 * study samples it into the kernel parameters.
 */
import { describe, expect, it } from 'vitest';
import { deriveElectrolyteParameters } from '../../src/model/electrolyte.ts';
import { cellParameters } from '../../src/model/layout.ts';
import { simulateCell } from '../../src/model/simulate.ts';
import { chen2020 } from '../../src/params/index.ts';
import { parseStudySpec } from '../../src/spec/index.ts';
import { MANUFACTURING_QUANTITIES, resolveQuantity } from '../../src/variation/quantities.ts';
import { sampleChunk } from '../../src/variation/sample.ts';

const mesh = { negative: 12, separator: 2, positive: 12 };
const PACK = 'pack: { series: 2, parallel: 1 }\n';

describe('SPMe variation mappings', () => {
  it('tortuosity nominals follow the set: tau0 = eps^(1 - b)', () => {
    const tau = (r: string) => MANUFACTURING_QUANTITIES.find((q) => q.name === `tortuosity.${r}`)!.nominal(chen2020, 1);
    expect(tau('negative')).toBeCloseTo(2, 14); // 0.25^-0.5
    expect(tau('separator')).toBeCloseTo(0.47 ** -0.5, 14);
    expect(tau('positive')).toBeCloseTo(0.335 ** -0.5, 14);
  });

  it('each quantity moves the derived parameter it names, and only that', () => {
    const base = deriveElectrolyteParameters(chen2020, mesh);
    const changed = (o: Record<string, number>) => {
      const d = deriveElectrolyteParameters(chen2020, mesh, o);
      return Object.keys(base).filter((k) => d[k as keyof typeof d] !== base[k as keyof typeof base]);
    };
    expect(changed({ 'tortuosity.separator': 3 })).toEqual(['pathLengthSep', 'electrolyteResistance']);
    expect(changed({ electrolyteConductivity: 1.1 })).toEqual(['electrolyteResistance']);
    expect(changed({ electrolyteDiffusivity: 1.1 })).toEqual(['diffusivityScale']);
    expect(changed({ 'separator.thickness': 20e-6 })).toEqual(['poreWidthSep', 'pathLengthSep', 'electrolyteResistance']);
    expect(changed({ 'electrolyte.concentration': 1100 })).toEqual(['electrolyteConcentration', 'sourceNeg', 'sourcePos', 'electrolyteResistance']);
    // Porosity as porosity.negative writes it (eps_e, and eps_s = a (1 - eps_e) with a = 0.75 / 0.75 = 1): pore volume and
    // transport efficiency (the solid's Bruggeman exponent is 0 in Chen2020, so its conduction stays).
    expect(changed({ 'negative.porosity': 0.28, 'negative.activeMaterialVolumeFraction': 0.72 })).toEqual(['poreWidthNeg', 'pathLengthNeg', 'electrolyteResistance']);
  });

  it('a thicker separator costs voltage and adds electrolyte heat at 1C (the generated SPMe kernel)', () => {
    const run = (overrides: Record<string, number>) => simulateCell({ params: chen2020, model: 'spme', overrides, protocol: [{ type: 'discharge', current: 5, duration: 1800 }] });
    const thin = run({});
    const thick = run({ 'separator.thickness': 24e-6 });
    expect(thick.finalVoltageV).toBeLessThan(thin.finalVoltageV);
    expect(thick.heatTerms.ohmicElectrolyte).toBeGreaterThan(thin.heatTerms.ohmicElectrolyte);
  });

  it('raw paths only the electrolyte reads are marked, activation energies may be any sign', () => {
    for (const path of ['separator.porosity', 'negative.bruggemanElectrolyte', 'positive.conductivity', 'electrolyte.transferenceNumber', 'electrolyte.conductivity.activationEnergy']) {
      expect(resolveQuantity(path, chen2020)?.model, path).toBe('spme');
    }
    for (const path of ['separator.thickness', 'electrolyte.concentration', 'negative.porosity', 'negative.thickness']) expect(resolveQuantity(path, chen2020)?.model, path).toBeUndefined();
    expect(resolveQuantity('electrolyte.diffusivity.activationEnergy', chen2020)?.positive).toBe(false);
    expect(resolveQuantity('electrolyte.conductivity.referenceConcentration', chen2020)).toBeUndefined(); // a fit's scale
  });

  it('a study on the SPM refuses an SPMe-only quantity with a clear error instead of ignoring it', () => {
    for (const key of ['electrolyteConductivity', 'tortuosity.separator', 'separator.porosity']) {
      expect(() => parseStudySpec(`${PACK}simulation: { model: spm }\nvariation:\n  ${key}: { cell: { distribution: normal, sd: 0.01 } }`)).toThrow(
        new RegExp(`variation\\.${key.replace('.', '\\.')} acts only through the electrolyte of the SPMe, and this study runs the spm \\(set simulation.model: spme\\)`),
      );
    }
    // Quantities that act in the SPM still pass.
    expect(() => parseStudySpec(`${PACK}simulation: { model: spm }\nvariation:\n  separator.thickness: { cell: { distribution: normal, sd: 0.01 } }`)).not.toThrow();
  });

  it('a study on the SPMe samples them into its kernel parameters (tortuosity moves the separator path length only)', () => {
    const spec = parseStudySpec(`${PACK}simulation: { model: spme }\nvariation:\n  tortuosity.separator: { cell: { distribution: normal, sd: 0.2 } }`);
    const chunk = sampleChunk(spec, 0, 4);
    const names = cellParameters('spme').map((p) => p.name);
    const column = (name: string) => Array.from({ length: 8 }, (_, i) => chunk.kernelParameters[names.indexOf(name) * 8 + i]);
    expect(chunk.kernelParameters.length).toBe(names.length * 8);
    expect(new Set(column('pathLengthSep')).size).toBe(8);
    expect(new Set(column('pathLengthNeg')).size).toBe(1);
    const tau = column('pathLengthSep').map((l) => (l * 0.47) / (12e-6 / 2)); // rho = h tau / eps
    for (const t of tau) expect(Math.abs(t - 0.47 ** -0.5)).toBeLessThan(1.5);
  });
});
