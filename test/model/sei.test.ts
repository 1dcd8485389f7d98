/**
 * SEI growth in the one cell definition (the generated reference kernel, src/model/cell.ts): physics it must obey, and
 * the independent oracle where PyBaMM has no data (40 degC, film heat on and off) through the real pack machine.
 */
import { describe, expect, it } from 'vitest';
import { CellKernel } from '../../src/model/cell.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { S_SEI_GROWTH, S_STOICH_NEG } from '../../src/model/kernel.generated.ts';
import { filmResistance, lithiumLostToSei } from '../../src/model/sei.ts';
import { chen2020, okane2022, withOverrides } from '../../src/params/index.ts';
import { cyclePacks } from '../support/lifetime.ts';
import { runSpmSeiOracle } from '../support/spmSeiOracle.ts';

const rel = (a: number, b: number) => Math.abs(a / b - 1);
const LAWS = ['solvent-diffusion limited', 'reaction limited'] as const;

describe('SEI growth in the cell definition: physics', () => {
  it('solvent-diffusion limited growth at constant temperature is exact: L^2 - L0^2 = 2 k t, in 600 s steps or one', () => {
    const p = deriveCellParameters(okane2022, 0.5);
    const cell = new CellKernel(okane2022, { sei: 'solvent-diffusion limited', thermal: 'isothermal' });
    const state = cell.initialState(p);
    const day = 86400;
    for (let t = 0; t < 30 * day; t += 600) cell.step(state, p, 0, 600);
    const exact = Math.sqrt(p.seiInitialThickness ** 2 + 2 * p.seiSolventGrowth * 30 * day);
    expect(rel(p.seiInitialThickness + state[S_SEI_GROWTH], exact)).toBeLessThan(1e-12);
    const once = cell.initialState(p);
    cell.step(once, p, 0, 30 * day);
    expect(rel(p.seiInitialThickness + once[S_SEI_GROWTH], exact)).toBeLessThan(1e-12);
  });

  it('grows faster when warmer (Arrhenius) for both laws, and the reaction limited law faster at high state of charge', () => {
    const storage = (sei: (typeof LAWS)[number], soc: number, T: number) => {
      const set = withOverrides(okane2022, { 'thermal.ambientTemperature': T, 'thermal.initialTemperature': T });
      const p = deriveCellParameters(set, soc);
      const cell = new CellKernel(set, { sei });
      const s = cell.initialState(p);
      for (let t = 0; t < 7 * 86400; t += 600) cell.step(s, p, 0, 600);
      return lithiumLostToSei(p, s[S_SEI_GROWTH]);
    };
    for (const sei of LAWS) expect(storage(sei, 0.5, 318.15)).toBeGreaterThan(1.3 * storage(sei, 0.5, 298.15));
    // The lower graphite potential at high SOC drives the reaction limited SEI; the solvent-diffusion law does not see SOC.
    expect(storage('reaction limited', 1, 298.15)).toBeGreaterThan(3 * storage('reaction limited', 0.1, 298.15));
    expect(rel(storage('solvent-diffusion limited', 1, 298.15), storage('solvent-diffusion limited', 0.1, 298.15))).toBeLessThan(1e-9);
  });

  it("the film resistance is in the voltage: I L_sei R_sei / (a_n L_n A), and a grown film raises it; its Joule heat is the cell's", () => {
    const p = deriveCellParameters(okane2022, 0.8);
    const cell = new CellKernel(okane2022, { sei: 'reaction limited' });
    const cold = new CellKernel(okane2022, { sei: 'reaction limited', filmHeat: false });
    const fresh = cell.initialState(p);
    const grown = fresh.slice();
    grown[S_SEI_GROWTH] = 20e-9;
    // The same particle lithium: the grown cell's stored stoichiometry carries the SEI's lithium back.
    grown[S_STOICH_NEG] += lithiumLostToSei(p, 20e-9) / p.capacityNeg;
    const T = cell.temperature(fresh);
    const area = ((3 * 0.75) / 5.86e-6) * 85.2e-6 * 0.065 * 1.58;
    expect(filmResistance(p, 20e-9)).toBeCloseTo((25e-9 * 2e5) / area, 12);
    const v = (k: CellKernel, s: Float64Array) => k.evaluate(s, p, 5, T);
    expect(v(cell, fresh).voltage - v(cell, grown).voltage).toBeCloseTo(5 * (filmResistance(p, 20e-9) - filmResistance(p, 0)), 12);
    expect(v(cell, grown).heat - v(cold, grown).heat).toBeCloseTo(25 * filmResistance(p, 20e-9), 12);
    // Without SEI growth there is no film: the same cell with sei 'none' has neither drop nor growth.
    const none = new CellKernel(okane2022, {});
    expect(v(none, fresh).voltage - v(cell, fresh).voltage).toBeCloseTo(5 * filmResistance(p, 0), 12);
    const s = none.initialState(p);
    none.step(s, p, 5, 600);
    expect(s[S_SEI_GROWTH]).toBe(0);
  });

  it('names the field on bad input', () => {
    expect(deriveCellParameters(chen2020, 1).seiLithiumPerThickness).toBe(0);
    expect(() => deriveCellParameters(okane2022, 1, { 'sei.solventDiffusivity': -1 })).toThrow(/sei.solventDiffusivity must be a finite number >= 0, got -1/);
    expect(() => deriveCellParameters(okane2022, 1, { 'sei.rateFactor': -0.5 })).toThrow(/sei.rateFactor must be a finite number >= 0, got -0.5/);
  });
});

describe('SEI growth against the oracle where PyBaMM has no data (40 degC ambient, 2 cycles, the reference pack machine)', () => {
  const warm = withOverrides(okane2022, { 'thermal.ambientTemperature': 313.15, 'thermal.initialTemperature': 313.15 });
  for (const sei of LAWS) {
    for (const filmHeat of [false, true]) {
      it(`${sei}, film heat ${filmHeat ? 'on' : 'off'}`, async () => {
        const oracle = runSpmSeiOracle(warm, { sei, cycles: 2, shells: 40, dt: 5, filmHeat });
        const { rows } = await cyclePacks({ set: warm, sei, cycles: 2, timeStep: 10, filmHeat });
        for (let k = 0; k < 2; k++) {
          const [r, o] = [rows[0][k], oracle.cycles[k]];
          // Measured: capacity 1.7e-5, LLI 6e-4 / 1e-3 (the pack machine's CV step), thickness 7e-5 / 3e-4, maximum
          // temperature 2e-4 K, heat 7e-5.
          expect(rel(r.dischargeCapacityAh, o.dischargeCapacityAh)).toBeLessThan(1e-4);
          expect(rel(r.lliPercent, o.lliPercent)).toBeLessThan(2e-3);
          expect(rel(r.meanSeiThicknessM, o.seiThicknessM)).toBeLessThan(2e-3);
          expect(Math.abs(r.maxTemperatureK - o.maxTemperatureK)).toBeLessThan(0.01);
          expect(rel(r.heatJ, o.cycleHeatJ)).toBeLessThan(2e-3);
        }
      });
    }
  }
});
