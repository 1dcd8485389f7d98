/**
 * The fixed-step SPMe scheme (src/model/electrolyte.ts, src/model/spme.ts) against the independent converged oracle
 * (test/support/spmeOracle.ts) and PyBaMM, its order in dt and in the mesh, f32 behaviour, conservation and physics
 * limits. docs/numerics.md has the full tables these tests sample.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { simulateCell } from '../../src/model/simulate.ts';
import { electrolyteStateLength, summarizeElectrolyte, ELECTROLYTE_SUMMARY_INDEX as X } from '../../src/model/electrolyte.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { meanAsinh, simulateSpmeDischarge, type SpmeDischargeResult } from '../../src/model/spme.ts';
import { chen2020, withOverrides } from '../../src/params/index.ts';
import { interpolate, referenceCurve, referenceScalars, voltageDistance, type ReferenceCase } from '../support/pybammReference.ts';
import { spmeOracleDischarge, type SpmeOracleResult } from '../support/spmeOracle.ts';

const relative = (a: number, b: number) => Math.abs(a / b - 1);

/** RMS and largest voltage difference over the first 95 % of the oracle's discharge, at the scheme's own times. */
function voltageError(r: SpmeDischargeResult, oracle: SpmeOracleResult): { rms: number; max: number } {
  let sum = 0;
  let n = 0;
  let max = 0;
  for (let k = 1; k < r.time.length && r.time[k] <= 0.95 * oracle.durationS; k++) {
    const e = r.voltage[k] - interpolate(oracle.time, oracle.voltage, r.time[k]);
    sum += e * e;
    n++;
    max = Math.max(max, Math.abs(e));
  }
  return { rms: Math.sqrt(sum / n), max };
}

const cases: Array<{ name: ReferenceCase; current: number; bounds: { T: number; heat: number; rms: number } }> = [
  // Measured at the defaults (12/2/12 volumes, 10 s, ROS2): 1C 0.008 K, electrolyte heat 0.17 %, 0.11 mV RMS;
  // 2C 0.063 K, 0.27 %, 0.42 mV RMS. The bounds leave about 1.5x.
  { name: 'spme_chen2020_1C_lumped', current: 5, bounds: { T: 0.015, heat: 0.003, rms: 0.3e-3 } },
  { name: 'spme_chen2020_2C_lumped', current: 10, bounds: { T: 0.1, heat: 0.004, rms: 0.7e-3 } },
];

describe('SPMe scheme at its defaults against the converged oracle and PyBaMM (Chen2020, lumped)', () => {
  for (const { name, current, bounds } of cases) {
    it(`${name}`, () => {
      const oracle = spmeOracleDischarge(chen2020, { current, electrolyteCells: 64, dtMax: 1 });
      const r = simulateSpmeDischarge(chen2020, { current });
      expect(r.endReason).toBe('cutoff');
      // Against the converged solution: the scheme's own error.
      expect(relative(r.capacityAh, oracle.capacityAh)).toBeLessThan(1e-4);
      expect(voltageError(r, oracle).rms).toBeLessThan(bounds.rms);
      expect(Math.abs(r.finalTemperatureK - oracle.finalTemperatureK)).toBeLessThan(bounds.T);
      for (const term of ['ohmicElectrolyte', 'ohmicSolid', 'ohmicCollector', 'irreversible'] as const) {
        expect(relative(r.heatJ[term], oracle.heatJ[term]), term).toBeLessThan(bounds.heat);
      }
      // Against PyBaMM: the targets.
      const ref = referenceScalars(name);
      expect(relative(r.capacityAh, ref.capacityAh)).toBeLessThan(1e-3);
      expect(voltageDistance(r.time, r.voltage, referenceCurve(name)).rms).toBeLessThan(3e-3);
      expect(Math.abs(r.finalTemperatureK - ref.finalTemperatureK)).toBeLessThan(0.2);
      expect(relative(r.heatJ.ohmicElectrolyte, ref.ohmicElectrolyteHeatJ)).toBeLessThan(0.01);
      expect(relative(r.heatJ.ohmicSolid, ref.ohmicSolidHeatJ)).toBeLessThan(0.01);
      expect(relative(r.heatJ.ohmicCollector, ref.ohmicCurrentCollectorHeatJ)).toBeLessThan(0.01);
      expect(relative(r.heatJ.irreversible, ref.irreversibleHeatJ)).toBeLessThan(0.01);
      expect(r.heatJ.reversible).toBe(0);
      // Bookkeeping: the heat terms add up, and C_th dT = heat - cooling.
      const sum = r.heatJ.ohmicElectrolyte + r.heatJ.ohmicSolid + r.heatJ.ohmicCollector + r.heatJ.contact + r.heatJ.irreversible + r.heatJ.reversible;
      expect(Math.abs(sum - r.heatJ.total)).toBeLessThan(1e-9 * r.heatJ.total);
      const C = deriveCellParameters(chen2020, 1).heatCapacity;
      expect(Math.abs(C * (r.finalTemperatureK - 298.15) - (r.heatJ.total - r.coolingJ))).toBeLessThan(1e-8 * r.heatJ.total);
    });
  }

  it('temperature-dependent transport (Arrhenius D_e and kappa_e, electrode Bruggeman 1.5, 308 K ambient) follows the oracle', () => {
    const set = withOverrides(chen2020, {
      'electrolyte.diffusivity.activationEnergy': 17000,
      'electrolyte.conductivity.activationEnergy': 17000,
      'negative.bruggemanElectrode': 1.5,
      'positive.bruggemanElectrode': 1.5,
      'negative.diffusivityActivationEnergy': 30300,
      'thermal.ambientTemperature': 308.15,
      'thermal.initialTemperature': 308.15,
    });
    const oracle = spmeOracleDischarge(set, { current: 10, electrolyteCells: 64, dtMax: 1 });
    const r = simulateSpmeDischarge(set, { current: 10 });
    expect(relative(r.capacityAh, oracle.capacityAh)).toBeLessThan(1e-4);
    expect(Math.abs(r.finalTemperatureK - oracle.finalTemperatureK)).toBeLessThan(0.1);
    expect(voltageError(r, oracle).rms).toBeLessThan(1e-3);
    for (const term of ['ohmicElectrolyte', 'ohmicSolid', 'irreversible'] as const) expect(relative(r.heatJ[term], oracle.heatJ[term]), term).toBeLessThan(0.005);
    // The electrode Bruggeman factor (1 - eps)^1.5 multiplies the solid resistance: 0.75^-1.5 and 0.665^-1.5.
    expect(r.heatJ.ohmicSolid).toBeGreaterThan(1.7 * simulateSpmeDischarge(chen2020, { current: 10, duration: r.durationS }).heatJ.ohmicSolid);
  });
});

describe('SPMe scheme: order in dt and in the mesh', () => {
  // Isothermal 2C, the electrolyte's own time error (particles are exact under constant current): max |theta| error
  // at t = 200 s, inside the first transient, against dt = 0.078 s with the same mesh.
  const thetaError = (scheme: 'ros2' | 'euler', dts: number[]) => {
    const run = (dt: number) => simulateSpmeDischarge(chen2020, { current: 10, timeStep: dt, scheme, duration: 200, thermal: 'isothermal' });
    const ref = run(0.078125);
    const n = electrolyteStateLength({ negative: 12, separator: 2, positive: 12 });
    const o = ref.finalState.length - n - 8;
    return dts.map((dt) => {
      const s = run(dt).finalState;
      let e = 0;
      for (let j = o; j < o + n; j++) e = Math.max(e, Math.abs(s[j] - ref.finalState[j]));
      return e;
    });
  };

  it('ROS2 has smaller errors than Euler at every step; Euler converges at first order', () => {
    const ros2 = thetaError('ros2', [10, 5, 2.5]);
    const euler = thetaError('euler', [10, 5, 2.5]);
    // Measured: ROS2 9.2e-4, 2.9e-4, 1.4e-4; Euler 2.9e-3, 1.6e-3, 7.7e-4 (docs/numerics.md).
    for (let k = 1; k < 3; k++) {
      expect(euler[k - 1] / euler[k]).toBeGreaterThan(1.4);
      expect(euler[k - 1] / euler[k]).toBeLessThan(2.8);
      expect(ros2[k]).toBeLessThan(ros2[k - 1]);
    }
    for (let k = 0; k < 3; k++) expect(ros2[k]).toBeLessThan(euler[k]);
  });

  it('the mesh error falls at second order (2C electrolyte heat against the oracle)', () => {
    const oracle = spmeOracleDischarge(chen2020, { current: 10, electrolyteCells: 96, duration: 1200 });
    const errors = [6, 12, 24].map((m) =>
      relative(
        simulateSpmeDischarge(chen2020, { current: 10, timeStep: 2.5, duration: 1200, mesh: { negative: m, separator: 2, positive: m } }).heatJ.ohmicElectrolyte,
        oracle.heatJ.ohmicElectrolyte,
      ),
    );
    for (let k = 1; k < errors.length; k++) {
      const order = Math.log2(errors[k - 1] / errors[k]);
      expect(order).toBeGreaterThan(1.6);
      expect(order).toBeLessThan(2.6);
    }
  });
});

describe('SPMe scheme: f32, conservation, limits', () => {
  let f64: SpmeDischargeResult;
  let f32: SpmeDischargeResult;
  beforeAll(() => {
    f64 = simulateSpmeDischarge(chen2020, { current: 10 });
    f32 = simulateSpmeDischarge(chen2020, { current: 10, f32Electrolyte: true });
  });

  it('conserves the salt to round-off in f64 and to 1e-5 in f32 over a 2C discharge', () => {
    expect(Math.abs(f64.saltRatio - 1)).toBeLessThan(1e-13);
    expect(Math.abs(f32.saltRatio - 1)).toBeLessThan(1e-5);
  });

  it('an f32 electrolyte (every stored intermediate rounded) stays within 1 uV and 1e-4 K of f64', () => {
    let dv = 0;
    for (let k = 0; k < Math.min(f64.time.length, f32.time.length) - 1; k++) dv = Math.max(dv, Math.abs(f64.voltage[k] - f32.voltage[k]));
    expect(dv).toBeLessThan(1e-6);
    expect(Math.abs(f64.finalTemperatureK - f32.finalTemperatureK)).toBeLessThan(1e-4);
    expect(relative(f32.capacityAh, f64.capacityAh)).toBeLessThan(1e-7);
  });

  it('with fast electrolyte transport and solid conduction it becomes the SPM', () => {
    const overrides = { electrolyteConductivity: 1e6, electrolyteDiffusivity: 1e6, 'negative.conductivity': 1e9, 'positive.conductivity': 1e9 };
    const spme = simulateSpmeDischarge(chen2020, { current: 10, overrides });
    const spm = simulateCell({ protocol: [{ type: 'discharge', cRate: 2 }], record: false });
    expect(relative(spme.capacityAh, spm.capacityAh)).toBeLessThan(1e-6);
    expect(Math.abs(spme.finalTemperatureK - spm.finalTemperatureK)).toBeLessThan(1e-3);
    expect(spme.heatJ.ohmicElectrolyte / spme.heatJ.total).toBeLessThan(1e-5);
  });

  it('ends when the electrolyte runs dry (2.5C): at 10 mol/m3, before the voltage cut-off', () => {
    const r = simulateSpmeDischarge(chen2020, { current: 12.5 });
    expect(r.endReason).toBe('electrolyte-depleted');
    const n = electrolyteStateLength({ negative: 12, separator: 2, positive: 12 });
    const theta = Array.from(r.finalState.slice(r.finalState.length - n - 8, r.finalState.length - 8));
    expect(Math.abs(Math.min(...theta) * 1000 - 10)).toBeLessThan(1e-6);
    expect(r.voltage.at(-1)!).toBeGreaterThan(2.5);
  });

  it('physics orderings: porosity, tortuosity and conductivity move the electrolyte heat the right way; contact adds I^2 R t', () => {
    const run = (overrides?: Record<string, number>) => simulateSpmeDischarge(chen2020, { current: 5, duration: 1200, overrides });
    const base = run();
    const porous = run({ 'separator.porosity': 0.6 });
    const tortuous = run({ 'tortuosity.negative': 3 }); // nominal 0.25^(1 - 1.5) = 2
    const conductive = run({ electrolyteConductivity: 1.2 });
    const contact = run({ 'electrical.contactResistance': 0.01 });
    for (const r of [base, porous, tortuous, conductive, contact]) expect(r.endReason).toBe('duration');
    expect(porous.heatJ.ohmicElectrolyte).toBeLessThan(base.heatJ.ohmicElectrolyte);
    expect(tortuous.heatJ.ohmicElectrolyte).toBeGreaterThan(base.heatJ.ohmicElectrolyte);
    expect(conductive.heatJ.ohmicElectrolyte).toBeLessThan(base.heatJ.ohmicElectrolyte);
    expect(conductive.voltage.at(-1)!).toBeGreaterThan(base.voltage.at(-1)!);
    expect(contact.heatJ.contact).toBeCloseTo(5 * 5 * 0.01 * 1200, 8);
    expect(contact.finalTemperatureK).toBeGreaterThan(base.finalTemperatureK);
  });
});

describe('electrolyte summary: two-point Gauss rule for the x-averaged overpotential', () => {
  it('matches the volume-by-volume average of asinh(u / sqrt(theta)) within 1e-3 of eta scale on steep profiles', () => {
    const mesh = { negative: 12, separator: 2, positive: 12 };
    const n = electrolyteStateLength(mesh);
    const out = new Float64Array(8);
    // Profiles like the 2C steady state (3.2 to 0.1) and random ones.
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 50; trial++) {
      const theta = Array.from({ length: n }, (_, j) => (trial === 0 ? 3.2 * Math.exp(-0.14 * j) : 0.1 + 3.4 * rand()));
      summarizeElectrolyte(theta, 0, mesh, out, 0);
      for (const u of [-4, -1, 0.3, 1, 4]) {
        const exact = theta.slice(0, 12).reduce((s, t) => s + Math.asinh(u / Math.sqrt(t)), 0) / 12;
        expect(Math.abs(meanAsinh(u, out[X.nodeNeg1], out[X.nodeNeg2], out[X.weightNeg1]) - exact)).toBeLessThan(0.02);
        const lnMean = theta.slice(14).reduce((s, t) => s + Math.log(t), 0) / 12;
        expect(out[X.lnMeanPos]).toBeCloseTo(lnMean, 12);
      }
    }
    // A uniform electrolyte: one node, exact.
    summarizeElectrolyte(new Array(n).fill(1), 0, mesh, out, 0);
    expect(out[X.nodeNeg1]).toBe(1);
    expect(meanAsinh(0.7, out[X.nodeNeg1], out[X.nodeNeg2], out[X.weightNeg1])).toBeCloseTo(Math.asinh(0.7), 15);
  });
});
