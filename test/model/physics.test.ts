import { describe, expect, it } from 'vitest';
import { CellKernel } from '../../src/model/cell.ts';
import { deriveCellParameters, electrodeBalance } from '../../src/model/derive.ts';
import type { ProtocolStep } from '../../src/model/protocol.ts';
import { openCircuitPotential } from '../../src/model/series.ts';
import { simulateCell } from '../../src/model/simulate.ts';
import { sphereEigenvalues, truncatedTail } from '../../src/model/spectral.ts';
import { chen2020, withOverrides } from '../../src/params/index.ts';

describe('spectral building blocks', () => {
  it('eigenvalues solve tan(mu) = mu and the full series sums to 1/10', () => {
    const mu = sphereEigenvalues(50);
    expect(mu[0]).toBeCloseTo(4.493409457909064, 12);
    expect(mu[1]).toBeCloseTo(7.725251836937707, 12);
    for (const m of mu) expect(Math.abs(Math.tan(m) - m) / m).toBeLessThan(1e-9);
    // Tail of sum 1/mu^2 beyond K behaves like 1/(pi^2 K).
    expect(truncatedTail(mu)).toBeGreaterThan(0);
    expect(truncatedTail(mu) * Math.PI ** 2 * 50).toBeCloseTo(1, 1);
  });
});

describe('electrode balance (PyBaMM electrode-SOH method)', () => {
  it('reproduces the reference 100 % SOC stoichiometries for Chen2020', () => {
    const b = electrodeBalance(chen2020);
    expect(b.x100).toBeCloseTo(0.9106, 4);
    expect(b.y100).toBeCloseTo(0.2638, 4);
    const ocv = (x: number, y: number) => openCircuitPotential(chen2020.positive.ocp, y) - openCircuitPotential(chen2020.negative.ocp, x);
    expect(ocv(b.x100, b.y100)).toBeCloseTo(4.2, 10);
    expect(ocv(b.x0, b.y0)).toBeCloseTo(2.5, 10);
    // The set's own initial concentrations sit at about 98 % SOC (OCV 4.181 V).
    expect(ocv(29866 / 33133, 17038 / 63104)).toBeCloseTo(4.181, 3);
  });

  it('derives the lumped thermal constants of the reference (C_th ~ 42.8 J/K, tau ~ 806 s)', () => {
    const p = deriveCellParameters(chen2020, 1);
    expect(p.heatCapacity).toBeCloseTo(42.8, 1);
    expect(p.heatCapacity / p.coolingConductance).toBeCloseTo(806, -1);
  });
});

describe('physics properties of the reference cell', () => {
  const protocol: ProtocolStep[] = [
    { type: 'discharge', cRate: 1 },
    { type: 'rest', duration: 1800 },
    { type: 'cccv', cRate: 0.5, cutoffCRate: 0.05 },
    { type: 'table', time: [0, 300, 600, 900], current: [10, -5, 15, 0] },
  ];

  it('conserves lithium: charge passed equals the change in stoichiometry times electrode capacity', () => {
    const r = simulateCell({ protocol });
    const p = r.parameters;
    const chargeAh = r.chargeC / 3600;
    const negative = (p.initialStoichNeg - r.finalState[0]) * p.capacityNeg;
    const positive = (r.finalState[1] - p.initialStoichPos) * p.capacityPos;
    expect(Math.abs(negative - chargeAh)).toBeLessThan(1e-9);
    expect(Math.abs(positive - chargeAh)).toBeLessThan(1e-9);
    expect(r.dischargedAh).toBeGreaterThan(5);
    expect(r.chargedAh).toBeGreaterThan(4);
  });

  it('at rest the terminal voltage relaxes to U_p - U_n of the particle averages', () => {
    const r = simulateCell({ protocol: [{ type: 'discharge', cRate: 2, duration: 1000 }, { type: 'rest', duration: 36000 }] });
    const x = r.finalState[0];
    const y = r.finalState[1];
    const ocv = openCircuitPotential(chen2020.positive.ocp, y) - openCircuitPotential(chen2020.negative.ocp, x);
    expect(Math.abs(r.finalVoltageV - ocv)).toBeLessThan(1e-9);
    expect(Math.abs(r.finalTemperatureK - 298.15)).toBeLessThan(1e-6);
  });

  it('heat balance closes: generated heat = C_th dT + cooling, and equals I (OCV_surface - V) integrated', () => {
    const r = simulateCell({ protocol: [{ type: 'discharge', cRate: 2 }], timeStep: 2 });
    const C = r.parameters.heatCapacity;
    expect(Math.abs(r.heatJ - (C * (r.finalTemperatureK - 298.15) + r.coolingJ))).toBeLessThan(1e-9 * r.heatJ);
    // Independent check from the trace: the SPM's heat is I (U_p(y_s) - U_n(x_s) - V) (no entropic term for Chen2020).
    const t = r.trace;
    let heat = 0;
    const q = (i: number) =>
      t.current[i] *
      (openCircuitPotential(chen2020.positive.ocp, t.surfaceStoichPos[i]) -
        openCircuitPotential(chen2020.negative.ocp, t.surfaceStoichNeg[i]) -
        t.voltage[i]);
    for (let i = 1; i < t.time.length; i++) heat += 0.5 * (q(i - 1 === 0 ? 1 : i - 1) + q(i)) * (t.time[i] - t.time[i - 1]);
    expect(Math.abs(heat / r.heatJ - 1)).toBeLessThan(0.005);
  });

  it('approaches the isothermal model as the heat-transfer coefficient grows', () => {
    const iso = simulateCell({ protocol: [{ type: 'discharge', cRate: 2 }], thermal: 'isothermal', record: false });
    let previousRise = Infinity;
    let previousGap = Infinity;
    for (const h of [10, 100, 1000, 1e5]) {
      const r = simulateCell({ protocol: [{ type: 'discharge', cRate: 2 }], overrides: { 'thermal.heatTransferCoefficient': h }, record: false });
      const rise = r.maxTemperatureK - 298.15;
      const gap = Math.abs(r.capacityAh - iso.capacityAh);
      expect(rise).toBeLessThan(previousRise);
      expect(gap).toBeLessThan(previousGap);
      previousRise = rise;
      previousGap = gap;
    }
    expect(previousRise).toBeLessThan(0.01);
    expect(previousGap).toBeLessThan(1e-3);
  });

  it('adding contact resistance makes the cell strictly hotter and its voltage strictly lower', () => {
    const base = simulateCell({ protocol: [{ type: 'discharge', cRate: 1, duration: 3000 }] });
    const welded = simulateCell({ protocol: [{ type: 'discharge', cRate: 1, duration: 3000 }], overrides: { 'electrical.contactResistance': 0.01 } });
    expect(welded.trace.time.length).toBe(base.trace.time.length);
    for (let i = 1; i < base.trace.time.length; i++) {
      expect(welded.trace.temperature[i]).toBeGreaterThan(base.trace.temperature[i]);
      expect(welded.trace.voltage[i]).toBeLessThan(base.trace.voltage[i]);
    }
  });

  it('a higher C-rate ends with less capacity and a lower voltage at the same discharged charge', () => {
    const rates = [0.5, 1, 2, 3];
    const runs = rates.map((cRate) => simulateCell({ protocol: [{ type: 'discharge', cRate }] }));
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i].capacityAh).toBeLessThan(runs[i - 1].capacityAh);
      // Voltage after 2 Ah.
      const at = (r: (typeof runs)[number], rate: number) => {
        const t = (2 * 3600) / (5 * rate);
        const k = r.trace.time.findIndex((x) => x >= t);
        return r.trace.voltage[k];
      };
      expect(at(runs[i], rates[i])).toBeLessThan(at(runs[i - 1], rates[i - 1]));
    }
  });

  it('the voltage cut-off crossing is located inside the step, not rounded to the grid', () => {
    const coarse = simulateCell({ protocol: [{ type: 'discharge', cRate: 1 }], timeStep: 60, thermal: 'isothermal' });
    const fine = simulateCell({ protocol: [{ type: 'discharge', cRate: 1 }], timeStep: 1, thermal: 'isothermal' });
    expect(coarse.durationS % 60).not.toBe(0);
    expect(Math.abs(coarse.durationS - fine.durationS)).toBeLessThan(0.01);
    expect(coarse.finalVoltageV).toBe(2.5);
  });

  it('CC-CV charge ends at the CV voltage with the current at its cut-off', () => {
    const r = simulateCell({ soc: 0.2, protocol: [{ type: 'cccv', cRate: 1, voltage: 4.2, cutoffCRate: 0.05 }] });
    const n = r.trace.time.length;
    expect(r.steps[0].endReason).toBe('current-cutoff');
    expect(r.trace.voltage[n - 2]).toBeCloseTo(4.2, 6);
    expect(r.trace.voltage[n - 1]).toBeCloseTo(4.2, 9);
    expect(r.trace.current[n - 1]).toBeCloseTo(-0.25, 3);
    expect(Math.max(...r.trace.voltage)).toBeLessThan(4.2 + 1e-6);
  });

  it('a current table is followed step by step, with breakpoints on the time grid', () => {
    const r = simulateCell({ soc: 0.5, protocol: [{ type: 'table', time: [0, 15, 40], current: [5, -2.5, 0] }], timeStep: 10 });
    // Each segment is split evenly into ceil(span / dt) steps: 15 s -> 2 steps, 25 s -> 3 steps.
    const expected = [0, 7.5, 15, 15 + 25 / 3, 15 + 50 / 3, 40];
    r.trace.time.forEach((t, i) => expect(t).toBeCloseTo(expected[i], 12));
    expect(r.trace.time.length).toBe(expected.length);
    expect(Array.from(r.trace.current.slice(1))).toEqual([5, 5, -2.5, -2.5, -2.5]);
    expect(r.capacityAh).toBeCloseTo((5 * 15 - 2.5 * 25) / 3600, 12);
  });

  it('the kernel is a pure function of its inputs (same state, same result)', () => {
    const p = deriveCellParameters(chen2020, 0.8);
    const k = new CellKernel(chen2020);
    const a = k.initialState(p);
    const b = k.initialState(p);
    k.step(a, p, 7, 10);
    k.step(b, p, 7, 10);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('a set with an entropic term heats differently (reversible heat is wired in)', () => {
    const entropic = withOverrides(chen2020, {});
    (entropic.positive as { entropicChange: unknown }).entropicChange = { constant: -1e-4, linear: 0, exp: [], tanh: [] };
    const base = simulateCell({ protocol: [{ type: 'discharge', cRate: 1, duration: 600 }] });
    const rev = simulateCell({ params: entropic, protocol: [{ type: 'discharge', cRate: 1, duration: 600 }] });
    // dU_p/dT < 0 gives Q_rev = I T (0 - dUp/dT) > 0 on discharge: hotter.
    expect(rev.finalTemperatureK).toBeGreaterThan(base.finalTemperatureK + 0.05);
  });
});

describe('bad input', () => {
  it('names the option and the value', () => {
    expect(() => simulateCell({ params: 'chen2021', protocol: [{ type: 'discharge', cRate: 1 }] })).toThrow(
      /params must be a known name, got "chen2021" \(did you mean "chen2020"\?\)/,
    );
    expect(() => simulateCell({ protocol: [{ type: 'discharge', cRate: -1 }] })).toThrow(/protocol\[0\]\.cRate must be a number > 0, got -1/);
    expect(() => simulateCell({ soc: 1.5, protocol: [{ type: 'discharge', cRate: 1 }] })).toThrow(/soc must be between 0 and 1, got 1.5/);
    expect(() => simulateCell({ protocol: [{ type: 'rest', duration: 0 }] })).toThrow(/protocol\[0\]\.duration must be a number > 0, got 0/);
    expect(() => simulateCell({ timeStep: 0, protocol: [{ type: 'rest', duration: 1 }] })).toThrow(/timeStep must be a number > 0, got 0/);
  });

  it('rejects a protocol that can never reach its cut-off', () => {
    expect(() => simulateCell({ protocol: [{ type: 'discharge', cRate: 1, cutoffVoltage: 4.3 }] })).toThrow(
      /protocol\[0\]\.cutoffVoltage must be below the voltage at the start of the discharge/,
    );
    expect(() => simulateCell({ soc: 0, protocol: [{ type: 'discharge', cRate: 1 }] })).toThrow(/cutoffVoltage must be below/);
    expect(() => simulateCell({ soc: 0.5, protocol: [{ type: 'discharge', cRate: 0.01, cutoffVoltage: 0.001 }] })).toThrow(
      /protocol\[0\]\.cutoffVoltage can never be reached: the cell's open-circuit voltage spans/,
    );
  });
});
