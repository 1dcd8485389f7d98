import { describe, expect, it } from 'vitest';
import { PARAMETER_DESCRIPTORS, PARAMETER_SETS, chen2020, functionPaths, getParameterSet, numericPaths, withOverrides } from '../../src/params/index.ts';

describe('parameter sets', () => {
  it('every leaf of every set has a unit and a description, and every descriptor names a real leaf', () => {
    const described = new Set(PARAMETER_DESCRIPTORS.map((d) => d.path));
    for (const set of Object.values(PARAMETER_SETS)) {
      const leaves = [...numericPaths(set), ...functionPaths(set)];
      for (const f of ['negative.ocp', 'negative.entropicChange', 'positive.ocp', 'positive.entropicChange', 'electrolyte.diffusivity', 'electrolyte.conductivity']) {
        expect(leaves, `${set.name}: function leaf ${f}`).toContain(f);
      }
      for (const leaf of leaves) expect(described.has(leaf), `${set.name}: ${leaf} has no descriptor`).toBe(true);
      for (const d of described) expect(leaves.includes(d), `descriptor ${d} names no leaf of ${set.name}`).toBe(true);
      expect(set.sources.length).toBeGreaterThan(0);
    }
  });

  it('Chen2020 holds the values of the shared reference', () => {
    expect(chen2020.negative.thickness).toBe(85.2e-6);
    expect(chen2020.positive.particleRadius).toBe(5.22e-6);
    expect(chen2020.negative.exchangeCurrentPrefactor).toBe(6.48e-7);
    expect(chen2020.positive.exchangeCurrentActivationEnergy).toBe(17800);
    expect(chen2020.geometry.electrodeWidth * chen2020.geometry.electrodeHeight).toBeCloseTo(0.1027, 6);
  });

  it('looks sets up by name and suggests the closest on a typo', () => {
    expect(getParameterSet('Chen2020')).toBe(chen2020);
    expect(() => getParameterSet('chen202')).toThrow(/params must be a known name, got "chen202" \(did you mean "chen2020"\?\)/);
  });

  it('applies overrides to a copy and rejects unknown paths', () => {
    const s = withOverrides(chen2020, { 'negative.particleRadius': 6e-6 });
    expect(s.negative.particleRadius).toBe(6e-6);
    expect(chen2020.negative.particleRadius).toBe(5.86e-6);
    expect(() => withOverrides(chen2020, { 'negative.particleRadiu': 1 })).toThrow(/did you mean "negative.particleRadius"/);
  });
});
