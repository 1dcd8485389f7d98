/**
 * The independent SPMe oracle (test/support/spmeOracle.ts: 128 finite volumes per region, 200 shells per particle,
 * BDF2 with steps up to 0.5 s) against PyBaMM's SPMe with lumped thermal (Chen2020, 1C and 2C, from SOC 1 to 2.5 V).
 * Issue targets: capacity within 0.1 %, voltage within 3 mV RMS over the first 95 % of the discharge, final temperature
 * within 0.2 K, each integrated heat term within 1 %. The oracle is far inside them; the tighter margins below catch a
 * regression that eats most of that lead. The refinement study behind the mesh is in docs/numerics.md.
 */
import { describe, expect, it } from 'vitest';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { chen2020 } from '../../src/params/index.ts';
import { referenceCurve, referenceScalars, voltageDistance, type ReferenceCase } from '../support/pybammReference.ts';
import { spmeOracleDischarge } from '../support/spmeOracle.ts';

const cases: Array<{ name: ReferenceCase; current: number }> = [
  { name: 'spme_chen2020_1C_lumped', current: 5 },
  { name: 'spme_chen2020_2C_lumped', current: 10 },
];

describe('SPMe oracle against PyBaMM (Chen2020, lumped thermal)', () => {
  for (const { name, current } of cases) {
    it(`${name}: capacity, voltage, final temperature and every heat term`, () => {
      const ref = referenceScalars(name);
      const curve = referenceCurve(name);
      const r = spmeOracleDischarge(chen2020, { current });
      expect(r.endReason).toBe('cutoff');
      const capacityError = Math.abs(r.capacityAh / ref.capacityAh - 1);
      const { rms } = voltageDistance(r.time, r.voltage, curve);
      const temperatureError = Math.abs(r.finalTemperatureK - ref.finalTemperatureK);
      expect(capacityError).toBeLessThan(1e-3);
      expect(rms).toBeLessThan(3e-3);
      expect(temperatureError).toBeLessThan(0.2);
      const terms = [
        [r.heatJ.ohmicElectrolyte, ref.ohmicElectrolyteHeatJ],
        [r.heatJ.ohmicSolid, ref.ohmicSolidHeatJ],
        [r.heatJ.ohmicCollector, ref.ohmicCurrentCollectorHeatJ],
        [r.heatJ.irreversible, ref.irreversibleHeatJ],
        [r.heatJ.total, ref.totalHeatJ],
      ] as const;
      for (const [mine, theirs] of terms) expect(Math.abs(mine / theirs - 1)).toBeLessThan(0.01);
      expect(r.heatJ.reversible).toBe(0); // Chen2020 has no entropic change
      expect(ref.reversibleHeatJ).toBe(0);
      // Regression margins (measured: capacity 0.002 %, 0.15 / 0.42 mV RMS, 0.004 / 0.012 K, heat terms 0.1 %).
      expect(capacityError).toBeLessThan(1e-4);
      expect(rms).toBeLessThan(0.6e-3);
      expect(temperatureError).toBeLessThan(0.03);
      for (const [mine, theirs] of terms) expect(Math.abs(mine / theirs - 1)).toBeLessThan(2e-3);
      // The electrolyte profile at the end: both current-collector concentrations within 0.5 %.
      const last = curve[curve.length - 1];
      expect(Math.abs(r.ceNegativeCc.at(-1)! / last.ce_negative_cc_mol_m3 - 1)).toBeLessThan(5e-3);
      expect(Math.abs(r.cePositiveCc.at(-1)! / last.ce_positive_cc_mol_m3 - 1)).toBeLessThan(5e-3);
      // Energy balance of the oracle itself: C_th dT = heat - cooling.
      const { heatCapacity } = deriveCellParameters(chen2020, 1);
      expect(Math.abs(heatCapacity / 42.77529812754263 - 1)).toBeLessThan(1e-9); // PyBaMM's C_th (shared cases.json)
      expect(Math.abs(heatCapacity * (r.finalTemperatureK - 298.15) - (r.heatJ.total - r.coolingJ))).toBeLessThan(0.05);
    });
  }
});
