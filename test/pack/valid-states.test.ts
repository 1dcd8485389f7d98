// Valid states only, the kernel side (issue 15): the pack machine never commits a state the model cannot describe. A
// step already past its limit ends at once; cells at the end of their stoichiometry range in a parallel group still
// reach the cut-off (the group Newton stays inside the range); a cell that is exhausted before any limit stops the
// run where it happened, with its own stop reason; the same on the SPMe, whose electrolyte depletion is a stop of its
// own. The other ports run the same cases in test/parity.
import { describe, expect, it } from 'vitest';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { deriveModelParameters } from '../../src/model/electrolyte.ts';
import type { CellKernelParameters } from '../../src/model/layout.ts';
import { STOP_REASON } from '../../src/pack/outputs.ts';
import { compileProtocol, type PackProtocolStep } from '../../src/pack/protocol.ts';
import { simulatePack, type PackSettings } from '../../src/pack/simulate.ts';
import type { PackLayout } from '../../src/pack/topology.ts';
import { chen2020 } from '../../src/params/index.ts';

const settings: PackSettings = { timeStep: 10, modes: 10, thermal: 'lumped', conduction: 0, stopAt: 'cell' };

function pack(layout: PackLayout, cells: CellKernelParameters[], protocol: PackProtocolStep[], extra: Partial<PackSettings> = {}) {
  const ctx = { layout, nominalCapacity: 5, lowerCutoff: 2.5, upperCutoff: 4.2, nominalVoltage: 3.35 };
  return simulatePack({ set: chen2020, layout, segments: compileProtocol(protocol, ctx), settings: { ...settings, ...extra }, cells, interconnect: new Float64Array(layout.series), record: true });
}

/** A cell with both electrodes scaled by f (a smaller or larger cell of the same balance). */
function scaled(p: CellKernelParameters, f: number): CellKernelParameters {
  return { ...p, capacityNeg: p.capacityNeg * f, capacityPos: p.capacityPos * f };
}

describe('a step already past its limit at its start', () => {
  it('SOC 0 then a discharge: ends at once with 0 Ah at the cut-off, and the next steps run', () => {
    const empty = deriveCellParameters(chen2020, 0);
    const r = pack({ series: 2, parallel: 1, modules: 1 }, [empty, empty], [
      { type: 'discharge', cRate: 1 },
      { type: 'rest', duration: 60 },
      { type: 'charge', cRate: 1, duration: 600 },
    ]);
    // The discharge took no time and no charge: the whole run is the rest and the 600 s charge.
    expect(r.outputs.durationS).toBeCloseTo(660, 9);
    expect(r.outputs.capacityAh).toBeCloseTo((-5 * 600) / 3600, 6);
    expect(r.trace!.time[1]).toBeCloseTo(10, 9);
    expect(r.outputs.stopReason).toBe(STOP_REASON.cellLimit);
    expect(r.outputs.timeToFirstCutoffS).toBe(0);
    // Never below the cut-off: the 0 % SOC open-circuit voltage is the cut-off itself.
    expect(r.outputs.minCellVoltageV).toBeGreaterThan(2.5 - 1e-9);
  });

  it('charging a full pack: the charge ends at once with 0 Ah, a CC-CV hands over to its CV phase at once', () => {
    const full = deriveCellParameters(chen2020, 1);
    const charge = pack({ series: 2, parallel: 1, modules: 1 }, [full, full], [{ type: 'charge', cRate: 1 }]);
    expect(charge.outputs).toMatchObject({ capacityAh: 0, energyWh: 0, durationS: 0, stopReason: STOP_REASON.cellLimit, cutoffCell: 0 });
    expect(charge.outputs.maxCellVoltageV).toBeLessThan(4.2 + 1e-9);
    const cccv = pack({ series: 2, parallel: 1, modules: 1 }, [full, full], [{ type: 'cccv', cRate: 1, cutoffCRate: 0.05 }]);
    // The CV phase holds 4.2 V: the current is the cut-off's at once (the cells are full), so it ends in its first step.
    expect(cccv.outputs.stopReason).toBe(STOP_REASON.completed);
    expect(cccv.outputs.durationS).toBeLessThanOrEqual(10);
    expect(cccv.outputs.maxCellVoltageV).toBeLessThan(4.2 + 1e-9);
  });
});

describe('parallel groups at 10C, both cells at the end of their positive electrode together', () => {
  // The f64 reference before this change ended 1s3p (f 0.999, 0.99, 0.98) and 1s2p (f 0.95) at about -9,900 V and
  // -1,200 Wh: its group Newton stepped a cell past the end of its range, onto the clipped OCP.
  const nominal = deriveCellParameters(chen2020, 1);
  for (const f of [0.999, 0.99, 0.98, 0.95]) {
    for (const parallel of [2, 3]) {
      it(`1s${parallel}p, every other cell ${f} of the capacity: the cut-off at 2.5 V, positive energy`, () => {
        const cells = Array.from({ length: parallel }, (_, j) => scaled(nominal, j % 2 ? f : 1));
        const r = pack({ series: 1, parallel, modules: 1 }, cells, [{ type: 'discharge', cRate: 10 }]);
        expect(r.outputs.stopReason).toBe(STOP_REASON.cellLimit);
        expect(Math.abs(r.outputs.minCellVoltageV - 2.5)).toBeLessThan(1e-6);
        expect(r.outputs.energyWh).toBeGreaterThan(0);
        // Less than the cells hold.
        expect(r.outputs.capacityAh).toBeLessThan(cells.reduce((a, c) => a + Math.min(c.capacityNeg, c.capacityPos), 0));
      });
    }
  }
});

describe('a cell exhausted before any limit', () => {
  it('a 6s1p pack stopped at the pack voltage: the weakest cell collapses first, the run stops there with its cell', () => {
    const nominal = deriveCellParameters(chen2020, 1);
    const cells = [1, 1, 0.8, 1, 1, 1].map((f) => scaled(nominal, f));
    const r = pack({ series: 6, parallel: 1, modules: 1 }, cells, [{ type: 'discharge', cRate: 2 }, { type: 'rest', duration: 600 }], { stopAt: 'pack' });
    expect(r.outputs.stopReason).toBe(STOP_REASON.cellExhausted);
    expect(r.outputs.cutoffCell).toBe(2);
    expect(r.outputs.timeToFirstCutoffS).toBe(r.outputs.durationS);
    // Stopped where the weak cell's voltage reaches 0 V (located to ~1e-11 s on its cliff), before the pack limit of
    // 6 x 2.5 V; the rest after it never ran (an exhausted cell ends the run).
    expect(r.outputs.minCellVoltageV).toBeGreaterThan(0);
    expect(r.outputs.minCellVoltageV).toBeLessThan(1e-3);
    expect(r.outputs.finalPackVoltageV).toBeGreaterThan(15);
    const trace = r.trace!;
    expect(trace.time[trace.time.length - 1]).toBe(r.outputs.durationS);
    expect(r.outputs.durationS).toBeLessThan((0.8 * 3600) / 2);
    expect(r.outputs.energyWh).toBeGreaterThan(0);
  });
});

describe('the SPMe: the same stops, its electrolyte depletion apart', () => {
  const spme = { model: 'spme' as const };
  const cell = (soc: number) => deriveModelParameters(chen2020, soc, 'spme');

  it('SOC 0 then a discharge, and charging a full pack: each step ends at once with 0 Ah', () => {
    const empty = cell(0);
    const r = pack({ series: 2, parallel: 1, modules: 1 }, [empty, empty], [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 60 }, { type: 'charge', cRate: 1, duration: 600 }], spme);
    expect(r.outputs.durationS).toBeCloseTo(660, 9);
    expect(r.outputs.capacityAh).toBeCloseTo((-5 * 600) / 3600, 6);
    expect(r.outputs).toMatchObject({ stopReason: STOP_REASON.cellLimit, timeToFirstCutoffS: 0 });
    expect(r.outputs.minCellVoltageV).toBeGreaterThan(2.5 - 1e-9);
    const full = cell(1);
    const charge = pack({ series: 2, parallel: 1, modules: 1 }, [full, full], [{ type: 'charge', cRate: 1 }], spme);
    expect(charge.outputs).toMatchObject({ capacityAh: 0, energyWh: 0, durationS: 0, stopReason: STOP_REASON.cellLimit });
    expect(charge.outputs.maxCellVoltageV).toBeLessThan(4.2 + 1e-9);
  });

  it('a 6s1p pack stopped at the pack voltage: the weakest cell is exhausted first (not its electrolyte)', () => {
    const cells = [1, 1, 0.8, 1, 1, 1].map((f) => scaled(cell(1), f));
    const r = pack({ series: 6, parallel: 1, modules: 1 }, cells, [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 600 }], { ...spme, stopAt: 'pack' });
    expect(r.outputs.stopReason).toBe(STOP_REASON.cellExhausted);
    expect(r.outputs.cutoffCell).toBe(2);
    expect(r.outputs.minCellVoltageV).toBeGreaterThan(0);
    expect(r.outputs.minCellVoltageV).toBeLessThan(1e-3);
    expect(r.outputs.minElectrolyteFraction).toBeGreaterThan(0.1);
    // No more charge than the weak cell holds.
    expect(r.outputs.capacityAh).toBeLessThan(Math.min(cells[2].capacityNeg, cells[2].capacityPos));
    expect(r.outputs.energyWh).toBeGreaterThan(0);
  });

  it('a 1s2p pack at 10C: the electrolyte depletes first, its own stop (4), never an exhausted cell or an impossible value', () => {
    const cells = [1, 0.95].map((f) => scaled(cell(1), f));
    const r = pack({ series: 1, parallel: 2, modules: 1 }, cells, [{ type: 'discharge', cRate: 10 }], spme);
    expect(r.outputs.stopReason).toBe(STOP_REASON.electrolyteDepleted);
    expect(STOP_REASON.electrolyteDepleted).not.toBe(STOP_REASON.cellExhausted);
    expect(r.outputs.minCellVoltageV).toBeGreaterThan(2.5);
    expect(r.outputs.energyWh).toBeGreaterThan(0);
    expect(r.outputs.minElectrolyteFraction).toBeLessThan(0.011);
  });
});
