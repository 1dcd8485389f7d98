/**
 * Lifetime runs through the real generated reference kernel and pack machine (src/pack/lifetime.ts around the
 * reference backend): PyBaMM's SPM + SEI curves, cycle jumping against full cycling, the pack's fade against its cells',
 * lithium conservation including the SEI, and the per-cycle random walk's reproducibility.
 */
import { describe, expect, it } from 'vitest';
import { S_SEI_GROWTH } from '../../src/model/kernel.generated.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { cellStateLength } from '../../src/model/layout.ts';
import { lithiumInventory, lithiumLostToSei, particleLithium } from '../../src/model/sei.ts';
import { compileLifetimeProtocol } from '../../src/pack/lifetime.ts';
import { okane2022 } from '../../src/params/index.ts';
import { cyclePacks, REFERENCE_CYCLE } from '../support/lifetime.ts';
import { pybammCycles } from '../support/pybammAging.ts';

const rel = (a: number, b: number) => Math.abs(a / b - 1);
const LAWS = ['solvent-diffusion limited', 'reaction limited'] as const;

describe("lifetime against PyBaMM's SPM + SEI (OKane2022, 50 cycles, 10 s steps, a 1s1p pack, PyBaMM's heat: no film heat)", () => {
  for (const sei of LAWS) {
    it(`${sei}: discharge capacity, LLI and SEI thickness every cycle`, async () => {
      const { rows } = await cyclePacks({ sei, cycles: 50, filmHeat: false });
      const ref = pybammCycles(sei);
      const worst = { capacity: 0, lli: 0, thickness: 0, energy: 0, charge: 0, temperature: 0, heat: 0 };
      rows[0].forEach((r, i) => {
        worst.capacity = Math.max(worst.capacity, rel(r.dischargeCapacityAh, ref.discharge_capacity_Ah[i]));
        worst.lli = Math.max(worst.lli, rel(r.lliPercent, ref.lli_percent[i]));
        worst.thickness = Math.max(worst.thickness, rel(r.meanSeiThicknessM, ref.sei_thickness_m[i]));
        worst.energy = Math.max(worst.energy, rel(r.dischargeEnergyWh, ref.discharge_energy_Wh[i]));
        worst.charge = Math.max(worst.charge, rel(r.chargeCapacityAh, ref.charge_capacity_Ah[i]));
        worst.temperature = Math.max(worst.temperature, Math.abs(r.maxTemperatureK - ref.max_temperature_K[i]));
        worst.heat = Math.max(worst.heat, rel(r.heatJ, ref.cycle_heat_J[i]));
      });
      // Issue 20's targets.
      expect(worst.capacity).toBeLessThan(0.005);
      expect(worst.lli).toBeLessThan(0.02);
      expect(worst.thickness).toBeLessThan(0.02);
      // Measured: capacity 1.8e-5, LLI 5e-4 (solvent) / 7.5e-4 (reaction: the pack machine's CV step holds its end
      // current, docs/lifetime.md), thickness 2e-4 / 7e-4, energy 3e-5, charge 5e-6, max temperature 1.2e-4 K, heat 8e-5.
      expect(worst.capacity).toBeLessThan(1e-4);
      expect(worst.lli).toBeLessThan(2e-3);
      expect(worst.thickness).toBeLessThan(2e-3);
      expect(worst.energy).toBeLessThan(2e-4);
      expect(worst.charge).toBeLessThan(1e-4);
      expect(worst.temperature).toBeLessThan(0.002);
      expect(worst.heat).toBeLessThan(1e-3);
      // The fade is real: cycle 50 below cycle 2 by the lithium lost, not by noise.
      expect(rows[0][1].dischargeCapacityAh - rows[0][49].dischargeCapacityAh).toBeGreaterThan(sei === 'reaction limited' ? 0.03 : 0.005);
    });
  }

  it("with the film's Joule heat (the default; absent from PyBaMM's SPM) the cell runs warmer and still meets the targets", async () => {
    const ref = pybammCycles('reaction limited');
    const { rows } = await cyclePacks({ sei: 'reaction limited', cycles: 50 });
    const last = rows[0][49];
    expect(rel(last.dischargeCapacityAh, ref.discharge_capacity_Ah[49])).toBeLessThan(0.005);
    expect(rel(last.lliPercent, ref.lli_percent[49])).toBeLessThan(0.02);
    expect(rel(last.meanSeiThicknessM, ref.sei_thickness_m[49])).toBeLessThan(0.02);
    // A 46 nm film (2.7 mOhm) at 5 A: about 1 K warmer at the end of the discharge than PyBaMM (measured 1.04 K).
    expect(last.maxTemperatureK - ref.max_temperature_K[49]).toBeGreaterThan(0.5);
    expect(rows[0][0].maxTemperatureK - ref.max_temperature_K[0]).toBeLessThan(0.2);
  });
});

describe('cycle jumping against full cycling, 500 cycles', () => {
  for (const sei of LAWS) {
    it(`${sei}: capacity after 500 cycles within 0.5 %, on a fifteenth of the cycles`, async () => {
      const full = await cyclePacks({ sei, cycles: 500, timeStep: 20 });
      const jumped = await cyclePacks({ sei, cycles: 500, timeStep: 20, jumping: true });
      const [a, b] = [full.rows[0][499], jumped.rows[0][499]];
      expect(b.simulated).toBe(1);
      expect(rel(b.dischargeCapacityAh, a.dischargeCapacityAh)).toBeLessThan(0.005);
      // Measured: capacity 3e-6 (solvent) / 3e-5 (reaction), LLI 2e-3 / 7e-5, on 21 / 17 cycles.
      expect(rel(b.dischargeCapacityAh, a.dischargeCapacityAh)).toBeLessThan(1e-4);
      expect(rel(b.lliPercent, a.lliPercent)).toBeLessThan(5e-3);
      expect(rel(b.meanSeiThicknessM, a.meanSeiThicknessM)).toBeLessThan(2e-3);
      expect(jumped.result.simulatedCycles[0]).toBeLessThan(34);
      expect(full.result.simulatedCycles[0]).toBe(500);
      // Every cycle has a row; interpolated ones stay close to the full run too.
      for (let i = 0; i < 500; i++) expect(rel(jumped.rows[0][i].dischargeCapacityAh, full.rows[0][i].dischargeCapacityAh)).toBeLessThan(2e-3);
      // One discharge per cycle simulated, less those of rejected jumps.
      expect(jumped.rows[0].filter((r) => r.simulated === 1).length).toBe(jumped.result.simulatedCycles[0] - jumped.result.rejectedJumps[0]);
    });
  }

  it('a tighter tolerance takes more cycles and gets closer; jumping at the cycle start (before the discharge) does worse', async () => {
    const sei = 'solvent-diffusion limited';
    const full = (await cyclePacks({ sei, cycles: 120, timeStep: 30 })).rows[0][119];
    const loose = await cyclePacks({ sei, cycles: 120, timeStep: 30, jumping: { tolerance: 1e-4, relativeTolerance: 0.05 } });
    const tight = await cyclePacks({ sei, cycles: 120, timeStep: 30, jumping: { tolerance: 1e-7, relativeTolerance: 1e-3 } });
    expect(tight.result.simulatedCycles[0]).toBeGreaterThan(loose.result.simulatedCycles[0]);
    expect(rel(tight.rows[0][119].lliPercent, full.lliPercent)).toBeLessThan(rel(loose.rows[0][119].lliPercent, full.lliPercent));
    // At the cycle start the cell is still charged: extrapolating the SEI there leaves it under-charged for the
    // discharge that follows, the error estimate sees the disturbance, and the jumps stay short.
    const atStart = await cyclePacks({ sei, cycles: 120, timeStep: 30, jumping: { jumpBefore: 0 } });
    const beforeCharge = await cyclePacks({ sei, cycles: 120, timeStep: 30, jumping: true });
    expect(atStart.result.simulatedCycles[0]).toBeGreaterThan(beforeCharge.result.simulatedCycles[0]);
  });

  it('no jump lands past the predicted end of life: the end-of-life cycle and the one before are simulated', async () => {
    const { rows } = await cyclePacks({ sei: 'reaction limited', cycles: 300, timeStep: 30, jumping: true, endOfLife: { fraction: 0.97, reference: 'second' } });
    const threshold = 0.97 * rows[0][1].dischargeCapacityAh;
    const eol = rows[0].findIndex((r) => r.dischargeCapacityAh < threshold);
    expect(eol).toBeGreaterThan(50);
    expect(rows[0][eol].simulated).toBe(1);
    expect(rows[0][eol - 1].simulated).toBe(1);
    expect(rows[0].filter((r) => r.simulated === 0).length).toBeGreaterThan(150);
  });
});

describe('lifetime physics of packs', () => {
  it("a pack's capacity fades faster than its mean cell's when its cells age differently, and exactly as fast when they do not", async () => {
    const factors = [0.5, 1, 1.8];
    const cells = factors.map((f) => ({ 'sei.rateFactor': f }));
    const layout = { series: 3, parallel: 1, modules: 1 };
    const fade = (rows: { dischargeCapacityAh: number }[]) => 1 - rows[rows.length - 1].dischargeCapacityAh / rows[1].dischargeCapacityAh;
    const common = { sei: 'reaction limited' as const, cycles: 40, timeStep: 20 };
    const pack = await cyclePacks({ ...common, layout, cells });
    const alone = await cyclePacks({ ...common, packs: cells.map((c) => [c]) });
    const meanCell = alone.rows.map(fade).reduce((a, b) => a + b, 0) / factors.length;
    expect(fade(alone.rows[2])).toBeGreaterThan(fade(alone.rows[0]));
    expect(fade(pack.rows[0])).toBeGreaterThan(1.2 * meanCell);
    // The fastest-ageing cell limits the pack's discharges.
    expect(pack.rows[0][39].limitingCell).toBe(2);
    const same = await cyclePacks({ ...common, layout, cells: [{}] });
    const one = await cyclePacks({ ...common, cells: [{}] });
    expect(rel(fade(same.rows[0]), fade(one.rows[0]))).toBeLessThan(1e-9);
  });

  it('conserves lithium including the SEI in every cell of a pack, to round-off', async () => {
    const cells = [{}, { 'sei.rateFactor': 2 }, { capacity: 1 }, { 'negative.particleRadius': 7e-6 }];
    const layout = { series: 2, parallel: 2, modules: 1 };
    const { result } = await cyclePacks({ sei: 'reaction limited', cycles: 3, layout, cells, timeStep: 20 });
    const L = cellStateLength(10);
    cells.forEach((o, c) => {
      const p = deriveCellParameters(okane2022, 1, o);
      const start = c * L;
      const sei = lithiumLostToSei(p, result.states[start + S_SEI_GROWTH]);
      expect(sei).toBeGreaterThan(2e-3);
      expect(Math.abs(particleLithium(p, result.states, start) + sei - lithiumInventory(p))).toBeLessThan(1e-13 * lithiumInventory(p));
    });
  });

  it('the per-cycle random walk is reproducible: the same per sample whatever the chunk, and jumped runs follow the same path', async () => {
    const walk = { seed: 11, sigma: 0.1, rho: 1 };
    const common = { sei: 'reaction limited' as const, cycles: 12, timeStep: 30, walk, layout: { series: 2, parallel: 1, modules: 1 } };
    const both = await cyclePacks({ ...common, packs: [[{}], [{ capacity: 4.8 }]] });
    const second = await cyclePacks({ ...common, packs: [[{ capacity: 4.8 }]], firstSample: 1 });
    expect(Array.from(second.result.cycleOutputs)).toEqual(Array.from(both.result.cycleOutputs.subarray(both.result.cycleOutputs.length / 2)));
    const still = await cyclePacks({ ...common, walk: undefined, packs: [[{}]] });
    expect(Math.abs(both.rows[0][11].lliPercent / still.rows[0][11].lliPercent - 1)).toBeGreaterThan(1e-3);
    // Over a long life the jumped run lands on the same random path (the factors of jumped cycles are drawn exactly).
    const long = { ...common, cycles: 200, packs: [[{}]] };
    const full = await cyclePacks(long);
    const jumped = await cyclePacks({ ...long, jumping: true });
    expect(rel(jumped.rows[0][199].lliPercent, full.rows[0][199].lliPercent)).toBeLessThan(5e-3);
    expect(rel(jumped.rows[0][199].dischargeCapacityAh, full.rows[0][199].dischargeCapacityAh)).toBeLessThan(1e-3);
    expect(jumped.result.simulatedCycles[0]).toBeLessThan(60);
  });

  it('names the field on bad repeat blocks', () => {
    const ctx = { layout: { series: 1, parallel: 1, modules: 1 }, nominalCapacity: 5, lowerCutoff: 2.5, upperCutoff: 4.2, nominalVoltage: 3.6 };
    expect(() => compileLifetimeProtocol([{ repeat: 2, steps: REFERENCE_CYCLE }, { repeat: 2, steps: REFERENCE_CYCLE }], ctx)).toThrow(/protocol\[1\] must not be a second repeat block/);
    expect(() => compileLifetimeProtocol([{ repeat: 0, steps: REFERENCE_CYCLE }], ctx)).toThrow(/protocol\[0\].repeat must be an integer >= 1, got 0/);
    expect(() => compileLifetimeProtocol([{ repeat: 3, steps: [] }], ctx)).toThrow(/protocol\[0\].steps must be a non-empty list of steps/);
    expect(() => compileLifetimeProtocol([{ repeat: 3, steps: REFERENCE_CYCLE, jumping: { jumpBefore: 4 } }], ctx)).toThrow(/protocol\[0\].jumping.jumpBefore must be the index of a step of the block \(0 to 3\), got 4/);
    expect(() => compileLifetimeProtocol([{ repeat: 3, steps: [{ type: 'rest', duration: -1 }] }], ctx)).toThrow(/protocol\[0\].steps\[0\].duration must be a number > 0, got -1/);
    expect(() => compileLifetimeProtocol([{ type: 'rest', duration: 60 }, { repeat: 3, steps: REFERENCE_CYCLE }, { type: 'rest', duration: 0 }], ctx)).toThrow(/protocol\[2\].duration must be a number > 0, got 0/);
    expect(compileLifetimeProtocol(REFERENCE_CYCLE, ctx)).toBeNull();
  });
});
