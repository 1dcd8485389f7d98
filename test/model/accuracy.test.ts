/**
 * Accuracy at default settings against a converged solution from an independent method (finite volumes, 200 shells,
 * dt 0.25 s; see test/support/finiteVolumeCell.ts and docs/numerics.md for the refinement study).
 * Targets from the foundation issue: capacity within 0.3 %, voltage within 5 mV over the first 95 % of the discharge,
 * final temperature within 0.2 K.
 */
import { describe, expect, it } from 'vitest';
import { simulateCell } from '../../src/model/simulate.ts';
import { chen2020 } from '../../src/params/index.ts';
import { finiteVolumeDischarge } from '../support/finiteVolumeCell.ts';

function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return ys[lo] + ((x - xs[lo]) / (xs[hi] - xs[lo])) * (ys[hi] - ys[lo]);
}

const cases = [
  { cRate: 0.5, thermal: 'lumped' },
  { cRate: 1, thermal: 'lumped' },
  { cRate: 2, thermal: 'lumped' },
  { cRate: 1, thermal: 'isothermal' },
] as const;

describe('reference cell model accuracy (Chen2020, 100 % SOC, 298.15 K, to 2.5 V)', () => {
  for (const { cRate, thermal } of cases) {
    it(`${cRate}C ${thermal}: capacity, voltage and temperature match the converged solution`, () => {
      const converged = finiteVolumeDischarge(chen2020, { current: 5 * cRate, soc: 1, cutoff: 2.5, shells: 200, dt: 0.25, thermal });
      const r = simulateCell({ protocol: [{ type: 'discharge', cRate }], thermal });
      expect(Math.abs(r.capacityAh / converged.capacityAh - 1)).toBeLessThan(0.003);
      let worst = 0;
      for (let i = 1; i < r.trace.time.length && r.trace.time[i] <= 0.95 * r.durationS; i++) {
        worst = Math.max(worst, Math.abs(r.trace.voltage[i] - interpolate(converged.time, converged.voltage, r.trace.time[i])));
      }
      expect(worst).toBeLessThan(0.005);
      expect(Math.abs(r.finalTemperatureK - converged.finalTemperatureK)).toBeLessThan(0.2);
      // The scheme is far inside those targets; a regression that eats most of the margin should fail too.
      expect(Math.abs(r.capacityAh / converged.capacityAh - 1)).toBeLessThan(1e-4);
      expect(worst).toBeLessThan(0.001);
      expect(Math.abs(r.finalTemperatureK - converged.finalTemperatureK)).toBeLessThan(0.02);
    });
  }

  it('1C discharge gives plausible LG M50 figures (about 5 Ah, a few kelvin of self-heating)', () => {
    const r = simulateCell({ protocol: [{ type: 'discharge', cRate: 1 }] });
    expect(r.capacityAh).toBeGreaterThan(4.8);
    expect(r.capacityAh).toBeLessThan(5.2);
    expect(r.finalTemperatureK - 298.15).toBeGreaterThan(3);
    expect(r.finalTemperatureK - 298.15).toBeLessThan(15);
  });
});

describe('convergence order of the time integration', () => {
  it('temperature converges at second order in the time step (2C discharge)', () => {
    const final = (dt: number) =>
      simulateCell({ protocol: [{ type: 'discharge', cRate: 2, duration: 1600 }], timeStep: dt, record: false }).finalTemperatureK;
    const fine = final(0.3125);
    const errors = [40, 20, 10].map((dt) => Math.abs(final(dt) - fine));
    const order1 = Math.log2(errors[0] / errors[1]);
    const order2 = Math.log2(errors[1] / errors[2]);
    expect(order1).toBeGreaterThan(1.7);
    expect(order1).toBeLessThan(2.3);
    expect(order2).toBeGreaterThan(1.7);
    expect(order2).toBeLessThan(2.3);
  });

  it('particle diffusion has no time-step error under constant current (isothermal)', () => {
    const v = (dt: number) =>
      simulateCell({ protocol: [{ type: 'discharge', cRate: 1, duration: 1200 }], timeStep: dt, thermal: 'isothermal', record: false }).finalVoltageV;
    expect(Math.abs(v(100) - v(1))).toBeLessThan(1e-10);
  });

  it('mode truncation error falls as modes are added (voltage 20 s into a 1C discharge)', () => {
    const v = (modes: number) =>
      simulateCell({ protocol: [{ type: 'discharge', cRate: 1, duration: 20 }], modes, timeStep: 20, thermal: 'isothermal', record: false }).finalVoltageV;
    const exact = v(200);
    const errors = [2, 5, 10, 20].map((m) => Math.abs(v(m) - exact));
    for (let i = 1; i < errors.length; i++) expect(errors[i]).toBeLessThan(errors[i - 1]);
    expect(errors[2]).toBeLessThan(1e-3);
  });
});
