import { describe, expect, it } from 'vitest';
import { deriveCellParameters } from '../../src/model/derive.ts';
import type { CellKernelParameters } from '../../src/model/layout.ts';
import { simulateCell } from '../../src/model/simulate.ts';
import { compileProtocol, type PackProtocolStep } from '../../src/pack/protocol.ts';
import { simulatePack, type PackSettings } from '../../src/pack/simulate.ts';
import { validateLayout, type PackLayout } from '../../src/pack/topology.ts';
import { chen2020 } from '../../src/params/index.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { studyModel } from '../../src/study/job.ts';

const settings: PackSettings = { timeStep: 10, modes: 10, thermal: 'lumped', conduction: 0, stopAt: 'cell' };
const ctx = (layout: PackLayout) => ({ layout, nominalCapacity: 5, lowerCutoff: 2.5, upperCutoff: 4.2, nominalVoltage: 3.35 });

function pack(layout: PackLayout, cells: CellKernelParameters[], protocol: PackProtocolStep[], extra: Partial<PackSettings> = {}, interconnect?: number[]) {
  return simulatePack({
    set: chen2020,
    layout,
    segments: compileProtocol(protocol, ctx(layout)),
    settings: { ...settings, ...extra },
    cells,
    interconnect: Float64Array.from(interconnect ?? new Array(layout.series).fill(0)),
    record: true,
  });
}

const nominal = deriveCellParameters(chen2020, 1);

describe('pack physics (reference backend)', () => {
  it('group Newton on exact slopes: about two cell evaluations per committed cell-step, the second a linearised correction', () => {
    // Cells that differ (capacity, diffusion, welds) share current unevenly and the split drifts over the discharge.
    const layout = { series: 2, parallel: 3, modules: 1 };
    const cells = [1, 0.97, 1.03, 1.01, 0.98, 1].map((f, i) => ({
      ...nominal,
      capacityNeg: nominal.capacityNeg * f,
      capacityPos: nominal.capacityPos * f,
      diffusionTimeNeg: nominal.diffusionTimeNeg * (2 - f),
      contactResistance: i === 4 ? 3e-3 : 5e-4,
    }));
    const r = pack(layout, cells, [{ type: 'discharge', cRate: 1 }]);
    // 2 per group solve on ordinary steps (the extrapolated split and one Newton update), 3 now and then, more only
    // where the cut-off is located; finite-difference slopes took about 6. The first update is evaluated by
    // CellKernel.correct (particle states exact, the thermal part linearised) wherever the tolerance table allows.
    const total = (r.cellEvaluations + r.cellCorrections) / r.cellSteps;
    expect(total).toBeGreaterThanOrEqual(2);
    expect(total).toBeLessThan(2.6);
    expect(r.cellCorrections / r.cellSteps).toBeGreaterThan(0.8);
    expect(r.cellEvaluations / r.cellSteps).toBeLessThan(1.4);
  });

  it('a pack of identical cells behaves like one cell scaled: capacity x Np, voltage x Ns', () => {
    const layout = { series: 3, parallel: 2, modules: 1 };
    const r = pack(layout, new Array(6).fill(nominal), [{ type: 'discharge', cRate: 1 }]);
    const cell = simulateCell({ protocol: [{ type: 'discharge', cRate: 1 }] });
    expect(r.outputs.capacityAh / (2 * cell.capacityAh)).toBeCloseTo(1, 9);
    expect(r.outputs.energyWh / (6 * cell.energyWh)).toBeCloseTo(1, 9);
    expect(r.outputs.maxTemperatureK).toBeCloseTo(cell.maxTemperatureK, 9);
    expect(r.outputs.finalPackVoltageV).toBeCloseTo(3 * 2.5, 9);
    expect(r.outputs.maxTemperatureSpreadK).toBeLessThan(1e-9);
    expect(r.outputs.maxCurrentImbalance).toBeCloseTo(1, 9);
    // The pack voltage trace is three times the cell's at the same times.
    const tr = r.trace!;
    for (let k = 1; k < tr.time.length - 1; k += 37) {
      const i = cell.trace.time.findIndex((t) => Math.abs(t - tr.time[k]) < 1e-9);
      expect(tr.packVoltage[k]).toBeCloseTo(3 * cell.trace.voltage[i], 9);
    }
  });

  it('a cell with a larger weld resistance carries less current, its neighbours more, and the currents sum to the group current', () => {
    const layout = { series: 2, parallel: 3, modules: 1 };
    const cells = new Array(6).fill(nominal).map((p, i) => (i === 1 ? { ...p, contactResistance: 0.01 } : p));
    const r = pack(layout, cells, [{ type: 'discharge', cRate: 1, duration: 1800 }]);
    const tr = r.trace!;
    const charge = [0, 0, 0];
    for (let k = 1; k < tr.time.length; k++) {
      const I = tr.cellCurrent[k];
      expect(Math.abs(I[0] + I[1] + I[2] - 15)).toBeLessThan(1e-8);
      expect(Math.abs(I[3] + I[4] + I[5] - 15)).toBeLessThan(1e-8);
      expect(I[4]).toBeCloseTo(5, 6);
      for (let j = 0; j < 3; j++) charge[j] += I[j] * (tr.time[k] - tr.time[k - 1]);
      if (tr.time[k] <= 600) {
        // Early on the welded cell is starved; later its higher SOC lets it catch up (self-balancing).
        expect(I[1]).toBeLessThan(5);
        expect(I[0]).toBeGreaterThan(5);
        expect(I[2]).toBeGreaterThan(5);
      }
    }
    expect(charge[1]).toBeLessThan(charge[0]);
    expect(charge[1]).toBeLessThan(charge[2]);
    expect(r.outputs.weldLossJ).toBeGreaterThan(0);
  });

  it('the implicit split at a large time step follows the fine-step solution (no oscillation)', () => {
    const layout = { series: 1, parallel: 4, modules: 1 };
    const cells = [0, 1, 2, 3].map((i) => deriveCellParameters(chen2020, 1, { 'negative.particleRadius': 5e-6 * (1 + 0.2 * i) }));
    const coarse = pack(layout, cells, [{ type: 'discharge', cRate: 2, duration: 1200 }], { timeStep: 60 }).trace!;
    const fine = pack(layout, cells, [{ type: 'discharge', cRate: 2, duration: 1200 }], { timeStep: 10 }).trace!;
    let worst = 0;
    for (let k = 2; k < coarse.time.length; k++) {
      const f = fine.time.findIndex((t) => Math.abs(t - coarse.time[k]) < 1e-9);
      for (let c = 0; c < 4; c++) worst = Math.max(worst, Math.abs(coarse.cellCurrent[k][c] - fine.cellCurrent[f][c]));
    }
    // Cell currents are about 10 A and vary by several percent as the graphite stages pass; the 60 s split stays
    // within 1.5 % of the 10 s one (largest just after the current is switched on).
    expect(worst).toBeLessThan(0.15);
  });

  it('conduction between neighbouring cells makes the temperature spread smaller', () => {
    const layout = { series: 4, parallel: 1, modules: 1 };
    const cells = new Array(4).fill(nominal).map((p, i) => (i === 2 ? { ...p, contactResistance: 0.02 } : p));
    const off = pack(layout, cells, [{ type: 'discharge', cRate: 1 }]);
    const on = pack(layout, cells, [{ type: 'discharge', cRate: 1 }], { conduction: 1 });
    expect(off.outputs.maxTemperatureSpreadK).toBeGreaterThan(1);
    expect(on.outputs.maxTemperatureSpreadK).toBeLessThan(0.8 * off.outputs.maxTemperatureSpreadK);
    // Conduction moves heat, it does not create it: stored + cooled equals generated in both.
    for (const r of [off, on]) expect(Math.abs(r.diagnostics.storedHeatJ + r.diagnostics.coolingJ - r.outputs.heatJ) / r.outputs.heatJ).toBeLessThan(1e-9);
  });

  it('the pack capacity equals the limiting cell behaviour (series string, weakest cell cuts off)', () => {
    const layout = { series: 3, parallel: 1, modules: 1 };
    const weak = { 'negative.thickness': 0.9 * chen2020.negative.thickness, 'positive.thickness': 0.9 * chen2020.positive.thickness };
    const cells = [nominal, deriveCellParameters(chen2020, 1, weak), nominal];
    const r = pack(layout, cells, [{ type: 'discharge', current: 5 }]);
    const single = simulateCell({ protocol: [{ type: 'discharge', current: 5 }], overrides: weak });
    expect(r.outputs.cutoffCell).toBe(1);
    expect(r.outputs.capacityAh / single.capacityAh).toBeCloseTo(1, 8);
    expect(r.outputs.timeToFirstCutoffS).toBeCloseTo(single.durationS, 5);
  });

  it('energy bookkeeping closes: electrical energy out + heat + interconnect loss = chemical energy change', () => {
    const layout = { series: 3, parallel: 2, modules: 1 };
    const cells = new Array(6).fill(nominal).map((p, i) => ({ ...p, contactResistance: 1e-3 * (i + 1) }));
    const r = pack(layout, cells, [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 600 }], {}, [1e-3, 2e-3, 1e-3]);
    const electrical = r.outputs.energyWh * 3600;
    const balance = electrical + r.outputs.heatJ + r.outputs.interconnectLossJ - r.outputs.heatCollectorJ;
    expect(Math.abs(balance / r.diagnostics.chemicalEnergyJ - 1)).toBeLessThan(1e-4);
    expect(r.outputs.interconnectLossJ).toBeGreaterThan(0);
  });

  it('constant power: the pack delivers the requested power at every step', () => {
    const layout = { series: 2, parallel: 2, modules: 1 };
    const r = pack(layout, new Array(4).fill(nominal), [{ type: 'discharge', power: 60, duration: 1200 }]);
    const tr = r.trace!;
    for (let k = 1; k < tr.time.length; k++) expect(tr.current[k] * tr.packVoltage[k]).toBeCloseTo(60, 6);
  });

  it('CC-CV charge holds the highest cell at the CV voltage and ends at the current cut-off', () => {
    const layout = { series: 2, parallel: 1, modules: 1 };
    const cells = [deriveCellParameters(chen2020, 0.3), deriveCellParameters(chen2020, 0.3, { 'negative.thickness': 80e-6 })];
    const r = pack(layout, cells, [{ type: 'cccv', cRate: 1, voltage: 4.2, cutoffCRate: 0.05 }]);
    expect(r.outputs.maxCellVoltageV).toBeLessThan(4.2 + 1e-6);
    expect(r.outputs.maxCellVoltageV).toBeGreaterThan(4.2 - 1e-6);
    expect(r.outputs.stopReason).toBe(0);
    expect(Math.abs(r.trace!.current.at(-1)!)).toBeCloseTo(0.25, 2);
    expect(r.outputs.capacityAh).toBeLessThan(-2);
  });
});

describe('pack bad input', () => {
  it('a layout whose modules do not divide the series count', () => {
    expect(() => validateLayout({ series: 10, parallel: 2, modules: 3 })).toThrow('pack.modules must divide the series count 10, got 3');
  });

  it('a power demand the pack cannot deliver is rejected before anything is simulated', () => {
    const spec = validateStudySpec({ pack: { series: 2, parallel: 1 }, protocol: [{ type: 'discharge', power: 5000 }], run: { samples: 2 } });
    expect(() => studyModel(spec)).toThrow(/protocol\[0\]\.power must be below \d+ W, the most the nominal pack can deliver even fully charged, got 5000/);
  });

  it('missing pack layout is named', () => {
    expect(() => validateStudySpec({ params: 'chen2020', pack: { parallel: 2 } })).toThrow(/pack\.series/);
  });

  it('unstable conduction for the time step is named with its limit', () => {
    const layout = { series: 2, parallel: 1, modules: 1 };
    expect(() => pack(layout, [nominal, nominal], [{ type: 'discharge', cRate: 1 }], { conduction: 50 })).toThrow(/pack\.conduction must be below C_th \/ \(2 timeStep\) = 2\.\d+ W\/K/);
  });
});
