/**
 * SPMe parameter derivation: the derived per-cell values against hand calculation and PyBaMM's own numbers, the
 * electrolyte functions, and the bad-input rule (a value outside its physical range is an error naming it).
 */
import { describe, expect, it } from 'vitest';
import { FARADAY, GAS_CONSTANT } from '../../src/model/constants.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { CellKernel } from '../../src/model/cell.ts';
import { checkElectrolyteMesh, deriveElectrolyteParameters, electrolyteFunction } from '../../src/model/electrolyte.ts';
import { chen2020, withOverrides } from '../../src/params/index.ts';
import type { ParameterSet } from '../../src/params/types.ts';

const A = 0.065 * 1.58;
const mesh = { negative: 12, separator: 2, positive: 12 };

describe('SPMe parameters of Chen2020', () => {
  const e = deriveElectrolyteParameters(chen2020, mesh);

  it('give the solid-phase and collector Ohmic heat PyBaMM reports at the start of a 1C discharge', () => {
    // spme_chen2020_1C_lumped.csv, t = 0: ohmic_heating_solid_W, ohmic_heating_current_collector_W. PyBaMM integrates
    // i_s^2 / sigma by the midpoint rule on 160 volumes: 1 / (4 * 160^2) = 1e-5 below the exact integral used here.
    expect(Math.abs((25 * e.solidResistance) / 0.03411166568 - 1 - 1 / (4 * 160 ** 2))).toBeLessThan(1e-7);
    expect(Math.abs((25 * deriveCellParameters(chen2020, 1).collectorResistance) / 1.555210405e-10 - 1)).toBeLessThan(1e-6);
  });

  it('match a hand calculation (Nyman2008 at 1000 mol/m3, Bruggeman 1.5, t+ = 0.2594)', () => {
    const kappa = 0.1297 - 2.51 + 3.329;
    const D = 8.794e-11 - 3.972e-10 + 4.862e-10;
    expect(electrolyteFunction(chen2020.electrolyte.conductivity, 1000)).toBeCloseTo(kappa, 14);
    expect(electrolyteFunction(chen2020.electrolyte.diffusivity, 1000)).toBeCloseTo(D, 22);
    const Bn = 0.25 ** 1.5;
    const Bs = 0.47 ** 1.5;
    const Bp = 0.335 ** 1.5;
    expect(e.electrolyteResistance).toBeCloseTo((85.2e-6 / (3 * Bn) + 12e-6 / Bs + 75.6e-6 / (3 * Bp)) / (A * kappa), 12);
    expect(e.poreWidthNeg).toBeCloseTo((0.25 * 85.2e-6) / 12, 18);
    expect(e.pathLengthSep).toBeCloseTo(12e-6 / 2 / Bs, 16);
    expect(e.sourceNeg).toBeCloseTo((1 - 0.2594) / (FARADAY * 1000 * A * 12), 18);
    expect(e.sourcePos).toBeCloseTo(-(1 - 0.2594) / (FARADAY * 1000 * A * 12), 18);
    expect(e.macinnesCoefficient).toBeCloseTo((2 * (1 - 0.2594) * GAS_CONSTANT) / FARADAY, 15);
    expect(e.diffusivityActivation).toBe(0);
    expect(e.conductivityActivation).toBe(0);
  });

  it('a tortuosity tau = eps^(1 - b) is the same cell as the Bruggeman exponent b', () => {
    const tau = { 'tortuosity.negative': 0.25 ** -0.5, 'tortuosity.separator': 0.47 ** -0.5, 'tortuosity.positive': 0.335 ** -0.5 };
    const t = deriveElectrolyteParameters(chen2020, mesh, tau);
    for (const k of ['pathLengthNeg', 'pathLengthSep', 'pathLengthPos', 'electrolyteResistance'] as const) expect(t[k]).toBeCloseTo(e[k], 12);
  });

  it('a separator of pure electrolyte (porosity 1, as in Marquis2019) is allowed', () => {
    const p = deriveElectrolyteParameters(chen2020, mesh, { 'separator.porosity': 1 });
    expect(p.pathLengthSep).toBeCloseTo(12e-6 / 2, 18);
  });

  it('porosity acts through Bruggeman: a more porous separator conducts better', () => {
    const p = deriveElectrolyteParameters(chen2020, mesh, { 'separator.porosity': 0.6 });
    expect(p.pathLengthSep / e.pathLengthSep).toBeCloseTo((0.47 / 0.6) ** 1.5, 12);
    expect(p.poreWidthSep / e.poreWidthSep).toBeCloseTo(0.6 / 0.47, 12);
    expect(p.electrolyteResistance).toBeLessThan(e.electrolyteResistance);
  });

  it('evaluates exponential and fractional-power terms (Capiglia1999 D_e, Nyman2008 kappa_e at 500 mol/m3) and floors c_e at 10', () => {
    const capiglia = { referenceConcentration: 1000, terms: [{ coefficient: 5.34e-10, power: 0, rate: -0.65 }], activationEnergy: 37040 };
    expect(electrolyteFunction(capiglia, 1200)).toBeCloseTo(5.34e-10 * Math.exp(-0.65 * 1.2), 22);
    expect(electrolyteFunction(chen2020.electrolyte.conductivity, 500)).toBeCloseTo(0.1297 * 0.125 - 2.51 * 0.5 ** 1.5 + 3.329 * 0.5, 14);
    expect(electrolyteFunction(chen2020.electrolyte.conductivity, 1)).toBe(electrolyteFunction(chen2020.electrolyte.conductivity, 10));
  });
});

describe('SPMe parameters: bad input names the field, the rule and the value', () => {
  const bad: Array<[Record<string, number>, RegExp]> = [
    [{ 'electrolyte.concentration': 0 }, /^electrolyte\.concentration must be a finite number > 0, got 0$/],
    [{ 'electrolyte.transferenceNumber': 1 }, /^electrolyte\.transferenceNumber must be in \[0, 1\), got 1$/],
    [{ 'electrolyte.transferenceNumber': -0.1 }, /^electrolyte\.transferenceNumber must be in \[0, 1\), got -0\.1$/],
    [{ 'electrolyte.thermodynamicFactor': -1 }, /^electrolyte\.thermodynamicFactor must be a finite number > 0, got -1$/],
    [{ electrolyteConductivity: 0 }, /^electrolyteConductivity must be a finite number > 0, got 0$/],
    [{ electrolyteDiffusivity: Number.NaN }, /^electrolyteDiffusivity must be a finite number > 0, got NaN$/],
    [{ 'electrolyte.conductivity.activationEnergy': Infinity }, /^electrolyte\.conductivity\.activationEnergy must be a finite number, got Infinity$/],
    [{ 'separator.porosity': 1.2 }, /^separator\.porosity must be in \(0, 1\], got 1\.2$/],
    [{ 'positive.porosity': 1 }, /^positive\.porosity must be in \(0, 1\), got 1$/],
    [{ 'negative.porosity': 0 }, /^negative\.porosity must be in \(0, 1\), got 0$/],
    [{ 'positive.porosity': 0.4 }, /^positive\.porosity plus the active material volume fraction \(0\.665\) must be <= 1, got 0\.4$/],
    [{ 'separator.bruggemanElectrolyte': -1 }, /^separator\.bruggemanElectrolyte must be a finite number >= 0, got -1$/],
    [{ 'negative.bruggemanElectrode': Number.NaN }, /^negative\.bruggemanElectrode must be a finite number >= 0, got NaN$/],
    [{ 'tortuosity.positive': 0.5 }, /^tortuosity\.positive must be a finite number >= 1, got 0\.5$/],
    [{ 'positive.conductivity': 0 }, /^positive\.conductivity must be a finite number > 0, got 0$/],
    [{ 'separator.thickness': -1e-6 }, /^separator\.thickness must be a finite number > 0, got -0\.000001$/],
  ];
  for (const [overrides, message] of bad) {
    it(`${Object.keys(overrides)[0]} = ${Object.values(overrides)[0]}`, () => {
      expect(() => deriveElectrolyteParameters(chen2020, mesh, overrides)).toThrow(message);
    });
  }

  it('a fit with a non-positive reference concentration is refused by name', () => {
    const broken = withOverrides(chen2020, { 'electrolyte.diffusivity.referenceConcentration': 0 });
    expect(() => deriveElectrolyteParameters(broken, mesh)).toThrow(/^electrolyte\.diffusivity\.referenceConcentration must be a finite number > 0, got 0$/);
  });

  it('a transport function that is not positive at the initial concentration is refused by name', () => {
    const broken: ParameterSet = structuredClone(chen2020);
    broken.electrolyte.diffusivity = { ...broken.electrolyte.diffusivity, terms: [...broken.electrolyte.diffusivity.terms.slice(0, 2), { coefficient: -4.862e-10, power: 0, rate: 0 }] };
    expect(() => deriveElectrolyteParameters(broken, mesh)).toThrow(/^electrolyte\.diffusivity must be > 0 at the initial concentration 1000 mol\/m3/);
  });

  it('the SPM refuses a non-positive electrolyte concentration too, and the mesh must be whole volumes', () => {
    expect(() => deriveCellParameters(chen2020, 1, { 'electrolyte.concentration': -5 })).toThrow(/^electrolyte\.concentration must be a finite number > 0, got -5$/);
    expect(() => checkElectrolyteMesh({ negative: 12, separator: 0, positive: 12 })).toThrow(/^electrolyteMesh\.separator must be an integer >= 1, got 0$/);
    expect(() => checkElectrolyteMesh({ negative: 2.5, separator: 2, positive: 12 })).toThrow(/^electrolyteMesh\.negative must be an integer >= 1, got 2\.5$/);
    // The kernels hold at most 600 volumes (their scratch arrays); a larger mesh is refused, not overrun.
    expect(() => checkElectrolyteMesh({ negative: 300, separator: 2, positive: 300 })).toThrow(/^electrolyteMesh must have at most 600 volumes in all, got 602$/);
    expect(() => new CellKernel(chen2020, { model: 'spme', mesh: { negative: 0, separator: 2, positive: 12 } })).toThrow(/electrolyteMesh\.negative must be an integer >= 1/);
  });

  it('a diffusivity fit the kernels cannot evaluate is refused by name', () => {
    const odd = withOverrides(chen2020, {});
    const set = { ...odd, electrolyte: { ...odd.electrolyte, diffusivity: { ...odd.electrolyte.diffusivity, terms: [{ coefficient: 1e-10, power: 1.5, rate: 0 }] } } };
    expect(() => new CellKernel(set, { model: 'spme' })).toThrow(/^electrolyte\.diffusivity must be a polynomial of degree <= 3/);
    expect(() => new CellKernel(set, { model: 'spm' })).not.toThrow(); // the SPM does not use it
  });

  it('withOverrides reaches the electrolyte function fields', () => {
    const s = withOverrides(chen2020, { 'electrolyte.conductivity.activationEnergy': 17000 });
    expect(s.electrolyte.conductivity.activationEnergy).toBe(17000);
    expect(deriveElectrolyteParameters(s, mesh).conductivityActivation).toBeCloseTo(17000 / GAS_CONSTANT, 12);
  });
});
