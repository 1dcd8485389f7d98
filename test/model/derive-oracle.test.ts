import { describe, expect, it } from 'vitest';
import { CellspreadInputError } from '../../src/errors.ts';
import { CELL_INPUTS, cellDeriver, cellInputs, deriveCellParameters, electrodeBalance, OcpCurve } from '../../src/model/derive.ts';
import { CELL_PARAMETER_COUNT, CELL_PARAMETERS } from '../../src/model/layout.ts';
import { openCircuitPotential, openCircuitPotentialSlope } from '../../src/model/series.ts';
import { FARADAY, GAS_CONSTANT } from '../../src/model/constants.ts';
import { chen2020, numericPaths, okane2022 } from '../../src/params/index.ts';
import { Rng } from '../../src/random/rng.ts';
import { todayDeriveCellParameters, todayElectrodeBalance } from '../support/derive-today.ts';

/** |a - b| / max(|a|, |b|), 0 when both are 0. */
function relativeDifference(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/** Overrides of every value today's derivation reads, `spread` relative (cut-offs in volts), from one stream. */
function randomOverrides(rng: Rng, spread: number): Record<string, number> {
  const o: Record<string, number> = {};
  const jitter = (path: string, base: number) => {
    o[path] = base * (1 + spread * (2 * rng.uniform() - 1));
  };
  for (const side of ['negative', 'positive'] as const) {
    const e = chen2020[side];
    jitter(`${side}.thickness`, e.thickness);
    jitter(`${side}.particleRadius`, e.particleRadius);
    jitter(`${side}.activeMaterialVolumeFraction`, e.activeMaterialVolumeFraction);
    jitter(`${side}.maxConcentration`, e.maxConcentration);
    jitter(`${side}.initialConcentration`, e.initialConcentration);
    jitter(`${side}.diffusivity`, e.diffusivity);
    jitter(`${side}.exchangeCurrentPrefactor`, e.exchangeCurrentPrefactor);
    jitter(`${side}.exchangeCurrentActivationEnergy`, e.exchangeCurrentActivationEnergy);
  }
  jitter('separator.thickness', chen2020.separator.thickness);
  jitter('geometry.electrodeWidth', chen2020.geometry.electrodeWidth);
  jitter('geometry.cellVolume', chen2020.geometry.cellVolume);
  jitter('electrolyte.concentration', chen2020.electrolyte.concentration);
  jitter('electrical.contactResistance', 2e-4);
  jitter('thermal.heatTransferCoefficient', chen2020.thermal.heatTransferCoefficient);
  jitter('lithiumInventoryFactor', 1);
  o['electrical.lowerVoltageCutoff'] = 2.5 + spread * (2 * rng.uniform() - 1);
  o['electrical.upperVoltageCutoff'] = 4.2 + 0.2 * spread * (2 * rng.uniform() - 1);
  return o;
}

describe('fast cell derivation against today\'s (test/support/derive-today.ts)', () => {
  it('the fused OCP value and slope equal openCircuitPotential and its slope bit for bit', () => {
    for (const side of ['negative', 'positive'] as const) {
      const curve = new OcpCurve(chen2020[side].ocp);
      for (let i = 0; i <= 2000; i++) {
        const s = i === 0 ? -0.1 : i === 2000 ? 1.1 : i / 2000;
        curve.evaluate(s);
        expect(curve.value).toBe(openCircuitPotential(chen2020[side].ocp, s));
        expect(curve.slope).toBe(openCircuitPotentialSlope(chen2020[side].ocp, s));
      }
    }
  });

  for (const [label, spread, cells] of [
    ['production spread (2 %)', 0.02, 20000],
    ['wide spread (15 %)', 0.15, 20000],
  ] as const) {
    it(`same kernel parameters to 1e-12 relative on ${cells} random cells, ${label}`, () => {
      const rng = new Rng(17, spread * 1000);
      let worst = 0;
      let compared = 0;
      let rejected = 0;
      for (let c = 0; c < cells; c++) {
        const o = randomOverrides(rng, spread);
        const soc = rng.uniform();
        let expected: Record<string, number> | undefined;
        let expectedError: unknown;
        try {
          expected = todayDeriveCellParameters(chen2020, soc, o);
        } catch (e) {
          expectedError = e;
        }
        if (!expected) {
          // Both refuse the cell, naming the same field.
          expect(() => deriveCellParameters(chen2020, soc, o)).toThrow(CellspreadInputError);
          expect(() => deriveCellParameters(chen2020, soc, o)).toThrow((expectedError as Error).message);
          rejected++;
          continue;
        }
        const got = deriveCellParameters(chen2020, soc, o);
        // The frozen oracle predates the SEI rows (tested below against their formulas).
        for (const p of CELL_PARAMETERS) if (p.name in expected) worst = Math.max(worst, relativeDifference(got[p.name], expected[p.name]));
        compared++;
      }
      expect(worst).toBeLessThanOrEqual(1e-12);
      expect(compared).toBeGreaterThan(cells * 0.9);
      if (spread === 0.02) expect(rejected).toBe(0);
    });
  }

  it('the electrode balance agrees on the nominal set and on cells far from it', () => {
    const cases = [
      undefined,
      { lithiumInventoryFactor: 0.8 }, { 'negative.thickness': 60e-6 }, { 'electrical.upperVoltageCutoff': 4.35, 'positive.thickness': 95e-6 },
      // Cut-offs beyond the fitted range, where only PyBaMM's end regularisation holds the OCV: roots near x = 0 or 1.
      { 'electrical.upperVoltageCutoff': 5 },
      { 'electrical.lowerVoltageCutoff': 0.5 },
    ];
    for (const o of cases) {
      const got = electrodeBalance(chen2020, o);
      const expected = todayElectrodeBalance(chen2020, o);
      for (const k of ['capacityNeg', 'capacityPos', 'lithiumInventory', 'x0', 'x100', 'y0', 'y100'] as const) {
        expect(relativeDifference(got[k], expected[k])).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it('refuses the same impossible cells with the same message', () => {
    for (const o of [{ lithiumInventoryFactor: 2 }, { 'electrical.upperVoltageCutoff': 1e5 }, { 'electrical.lowerVoltageCutoff': -1e5 }, { 'negative.diffusivity': -1 }, { 'electrical.contactResistance': -1e-3 }]) {
      expect(() => todayDeriveCellParameters(chen2020, 1, o)).toThrow(CellspreadInputError);
      const message = (() => {
        try {
          todayDeriveCellParameters(chen2020, 1, o);
        } catch (e) {
          return (e as Error).message;
        }
      })();
      expect(() => deriveCellParameters(chen2020, 1, o)).toThrow(message);
    }
  });
});

describe('SEI rows', () => {
  it('follow their formulas from the sei block and the negative electrode, with each override; 0 without a block', () => {
    const rng = new Rng(5, 20);
    for (let c = 0; c < 200; c++) {
      const j = (x: number) => x * (1 + 0.2 * (2 * rng.uniform() - 1));
      const sei = okane2022.sei!;
      const o: Record<string, number> = {
        'sei.initialThickness': j(sei.initialThickness),
        'sei.partialMolarVolume': j(sei.partialMolarVolume),
        'sei.resistivity': j(sei.resistivity),
        'sei.solventDiffusivity': j(sei.solventDiffusivity),
        'sei.reactionExchangeCurrentDensity': j(sei.reactionExchangeCurrentDensity),
        'sei.lithiumPerSeiMole': j(1),
        'sei.rateFactor': j(1),
        'negative.particleRadius': j(okane2022.negative.particleRadius),
        'negative.thickness': j(okane2022.negative.thickness),
      };
      const p = deriveCellParameters(okane2022, 0.5, o);
      const g = okane2022.geometry;
      const area = (3 * okane2022.negative.activeMaterialVolumeFraction * o['negative.thickness'] * g.electrodeHeight * g.electrodeWidth * g.electrodeCount) / o['negative.particleRadius'];
      const vBar = o['sei.partialMolarVolume'];
      const z = o['sei.lithiumPerSeiMole'];
      const want = {
        seiInitialThickness: o['sei.initialThickness'],
        seiFilmResistivity: o['sei.resistivity'] / area,
        seiLithiumPerThickness: (area * z * FARADAY) / (3600 * vBar),
        seiSolventGrowth: (vBar * o['sei.solventDiffusivity'] * sei.bulkSolventConcentration) / z,
        seiReactionGrowth: (vBar * o['sei.reactionExchangeCurrentDensity']) / (FARADAY * z),
        seiOcp: sei.openCircuitPotential,
        seiActivation: sei.activationEnergy / GAS_CONSTANT,
        seiRateFactor: o['sei.rateFactor'],
      };
      for (const [k, v] of Object.entries(want)) expect(relativeDifference(p[k as keyof typeof p], v), k).toBeLessThan(1e-14);
    }
    const none = deriveCellParameters(chen2020, 1, { 'sei.rateFactor': 2 });
    expect([none.seiInitialThickness, none.seiFilmResistivity, none.seiLithiumPerThickness, none.seiSolventGrowth, none.seiReactionGrowth]).toEqual([0, 0, 0, 0, 0]);
    expect(none.seiRateFactor).toBe(2);
  });
});

describe('cell input vector', () => {
  it('names numeric leaves of the set (plus lithiumInventoryFactor) and starts from the set\'s values', () => {
    const leaves = new Set(numericPaths(chen2020));
    // The sei.* inputs are leaves of a set with an SEI block (read as 0 without one); sei.rateFactor is the ageing factor.
    const seiLeaves = new Set(numericPaths(okane2022));
    // The factors and the tortuosities (given only as overrides) are not leaves of a set.
    const notLeaves = ['lithiumInventoryFactor', 'sei.rateFactor', 'electrolyteDiffusivity', 'electrolyteConductivity', 'tortuosity.negative', 'tortuosity.separator', 'tortuosity.positive'];
    for (const path of CELL_INPUTS) {
      if (notLeaves.includes(path)) continue;
      expect(path.startsWith('sei.') ? seiLeaves.has(path) : leaves.has(path), path).toBe(true);
    }
    expect(cellInputs(chen2020)[CELL_INPUTS.indexOf('sei.initialThickness')]).toBe(0);
    expect(cellInputs(okane2022)[CELL_INPUTS.indexOf('sei.initialThickness')]).toBe(5e-9);
    expect(cellInputs(chen2020)[CELL_INPUTS.indexOf('sei.rateFactor')]).toBe(1);
    const v = cellInputs(chen2020, { 'negative.thickness': 80e-6, 'negative.porosity': 0.3 });
    expect(v[CELL_INPUTS.indexOf('negative.thickness')]).toBe(80e-6);
    expect(v[CELL_INPUTS.indexOf('positive.thickness')]).toBe(chen2020.positive.thickness);
    expect(v[CELL_INPUTS.indexOf('lithiumInventoryFactor')]).toBe(1);
    expect(v[CELL_INPUTS.indexOf('negative.porosity')]).toBe(0.3);
    expect(v[CELL_INPUTS.indexOf('electrolyteConductivity')]).toBe(1);
    expect(v[CELL_INPUTS.indexOf('tortuosity.separator')]).toBeNaN();
    expect(cellInputs(chen2020, { 'tortuosity.separator': 2 })[CELL_INPUTS.indexOf('tortuosity.separator')]).toBe(2);
  });

  it('the deriver writes every kernel parameter, at offset + p * stride', () => {
    const stride = 3;
    const out = new Float64Array(CELL_PARAMETER_COUNT * stride).fill(NaN);
    cellDeriver(chen2020).derive(cellInputs(chen2020), 0.7, out, 1, stride);
    const expected = deriveCellParameters(chen2020, 0.7);
    CELL_PARAMETERS.forEach((p, i) => {
      expect(out[1 + i * stride], p.name).toBe(expected[p.name]);
      expect(out[i * stride]).toBeNaN();
    });
  });
});
