import { describe, expect, it } from 'vitest';
import {
  PARAMETER_DESCRIPTORS,
  PARAMETER_SETS,
  chen2020,
  functionPaths,
  getParameterSet,
  numericPaths,
  okane2022,
  withOverrides,
  type ParameterSet,
} from '../../src/params/index.ts';

/** Every described leaf of a set: numeric leaves, the OCP series and the OCP tables a set has. */
function leavesOf(set: ParameterSet): string[] {
  const leaves = [...numericPaths(set), ...functionPaths(set)];
  if (set.negative.ocpTable) leaves.push('negative.ocpTable');
  if (set.positive.ocpTable) leaves.push('positive.ocpTable');
  return leaves;
}

describe('parameter sets', () => {
  it('every leaf of every set has a unit and a description, and every descriptor names a real leaf', () => {
    const described = new Set(PARAMETER_DESCRIPTORS.map((d) => d.path));
    const sets = Object.values(PARAMETER_SETS);
    for (const set of sets) {
      const leaves = leavesOf(set);
      for (const f of ['negative.ocp', 'negative.entropicChange', 'positive.ocp', 'positive.entropicChange', 'electrolyte.diffusivity', 'electrolyte.conductivity']) {
        expect(leaves, `${set.name}: function leaf ${f}`).toContain(f);
      }
      for (const leaf of leaves) expect(described.has(leaf), `${set.name}: ${leaf} has no descriptor`).toBe(true);
      for (const d of PARAMETER_DESCRIPTORS.filter((d) => !d.optional)) {
        expect(leaves.includes(d.path), `descriptor ${d.path} names no leaf of ${set.name}`).toBe(true);
      }
      expect(set.sources.length).toBeGreaterThan(0);
    }
    for (const d of PARAMETER_DESCRIPTORS.filter((d) => d.optional)) {
      expect(sets.some((s) => leavesOf(s).includes(d.path)), `optional descriptor ${d.path} names no leaf of any set`).toBe(true);
    }
  });

  it("OKane2022 is Chen2020 plus PyBaMM's degradation values, Arrhenius diffusivities and the measured graphite OCP", () => {
    expect(getParameterSet('OKane2022')).toBe(okane2022);
    // Values of PyBaMM's OKane2022.py (../shared/reference/pybamm/README.md lists the ones that act).
    expect(okane2022.sei).toEqual({
      initialThickness: 5e-9,
      partialMolarVolume: 9.585e-5,
      resistivity: 2e5,
      solventDiffusivity: 2.5e-22,
      bulkSolventConcentration: 2636,
      reactionExchangeCurrentDensity: 1.5e-7,
      openCircuitPotential: 0.4,
      activationEnergy: 38000,
      lithiumPerSeiMole: 1,
    });
    expect(okane2022.negative.diffusivityActivationEnergy).toBe(30300);
    expect(okane2022.positive.diffusivityActivationEnergy).toBe(25000);
    const table = okane2022.negative.ocpTable!;
    expect(table.stoichiometry.length).toBe(248);
    expect(table.potential.length).toBe(248);
    expect([table.stoichiometry[0], table.potential[0]]).toEqual([0, 1.81772748379334]);
    expect([table.stoichiometry[247], table.potential[247]]).toEqual([1, 0.0760153081792987]);
    for (let i = 1; i < 248; i++) expect(table.stoichiometry[i]).toBeGreaterThan(table.stoichiometry[i - 1]);
    // Everything else is Chen2020's, and Chen2020 itself is untouched (no SEI block, no table).
    const { negative, positive, electrolyte, sei, name, description, sources, ...rest } = okane2022;
    const { negative: n0, positive: p0, electrolyte: e0, name: _n, description: _d, sources: _s, ...rest0 } = chen2020;
    expect(rest).toEqual(rest0);
    expect([negative.bruggemanElectrode, positive.bruggemanElectrode]).toEqual([1.5, 1.5]);
    expect({ ...negative, diffusivityActivationEnergy: 0, bruggemanElectrode: 0, ocpTable: undefined }).toEqual({ ...n0, ocpTable: undefined });
    expect({ ...positive, diffusivityActivationEnergy: 0, bruggemanElectrode: 0 }).toEqual(p0);
    // Nyman2008 with PyBaMM's Arrhenius factor (electrolyte_*_Nyman2008_arrhenius: 17 kJ/mol).
    expect([electrolyte.diffusivity.activationEnergy, electrolyte.conductivity.activationEnergy]).toEqual([17000, 17000]);
    expect({ ...electrolyte, diffusivity: e0.diffusivity, conductivity: e0.conductivity }).toEqual(e0);
    expect(chen2020.sei).toBeUndefined();
    expect(chen2020.negative.ocpTable).toBeUndefined();
    expect(numericPaths(okane2022)).toContain('sei.solventDiffusivity');
    expect(withOverrides(okane2022, { 'sei.resistivity': 1e5 }).sei!.resistivity).toBe(1e5);
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
