/**
 * Cycle jumping (src/model/cycle-jump.ts) against full cycling of the same scheme, 500 reference cycles (OKane2022,
 * 1C / C/2 CC-CV), 30 s steps (the comparison is like for like; bench/aging.ts runs it at the default 10 s).
 * Issue 20's target: capacity after 500 cycles within 0.5 %.
 */
import { describe, expect, it } from 'vitest';
import { cycleCellWithJumps } from '../../src/model/cycle-jump.ts';
import { cycleCell, REFERENCE_CYCLE } from '../../src/model/cycling.ts';

const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('cycle jumping against full cycling, 500 cycles', () => {
  for (const sei of ['solvent-diffusion limited', 'reaction limited'] as const) {
    it(`${sei}: capacity and LLI after 500 cycles, on a twentieth of the cycles`, () => {
      const full = cycleCell({ sei, cycles: 500, timeStep: 30 });
      const jumped = cycleCellWithJumps({ sei, cycles: 500, timeStep: 30, steps: REFERENCE_CYCLE });
      const [a, b] = [full[499], jumped.rows[499]];
      expect(b.simulated).toBe(true);
      expect(rel(b.dischargeCapacityAh, a.dischargeCapacityAh)).toBeLessThan(0.005);
      // Measured: capacity 8e-6 (solvent) / 3e-5 (reaction), LLI 2e-3 / 8e-5, 22 / 17 cycles simulated.
      expect(rel(b.dischargeCapacityAh, a.dischargeCapacityAh)).toBeLessThan(1e-4);
      expect(rel(b.lliPercent, a.lliPercent)).toBeLessThan(5e-3);
      expect(rel(b.seiThicknessM, a.seiThicknessM)).toBeLessThan(2e-3);
      expect(jumped.simulatedCycles).toBeLessThan(30);
      // Every cycle has a row; interpolated ones stay close to the full run too.
      expect(jumped.rows.map((r) => r.cycle)).toEqual(full.map((r) => r.cycle));
      for (let i = 0; i < 500; i++) expect(rel(jumped.rows[i].dischargeCapacityAh, full[i].dischargeCapacityAh)).toBeLessThan(2e-3);
      expect(jumped.rows.filter((r) => r.simulated).length).toBe(jumped.simulatedCycles - jumped.rejected);
    });
  }

  it('a tighter tolerance takes more cycles and gets closer; jumping at the cycle start (before the discharge) does worse', () => {
    const sei = 'solvent-diffusion limited';
    const full = cycleCell({ sei, cycles: 120, timeStep: 30 })[119];
    const loose = cycleCellWithJumps({ sei, cycles: 120, timeStep: 30, steps: REFERENCE_CYCLE, tolerance: 1e-4, relativeTolerance: 0.05 });
    const tight = cycleCellWithJumps({ sei, cycles: 120, timeStep: 30, steps: REFERENCE_CYCLE, tolerance: 1e-7, relativeTolerance: 1e-3 });
    expect(tight.simulatedCycles).toBeGreaterThan(loose.simulatedCycles);
    expect(rel(tight.rows[119].lliPercent, full.lliPercent)).toBeLessThan(rel(loose.rows[119].lliPercent, full.lliPercent));
    // At the cycle start the cell is still charged: extrapolating the SEI there leaves it under-charged for the
    // discharge that follows, the error estimate sees the disturbance, and the jumps stay short.
    const atStart = cycleCellWithJumps({ sei, cycles: 120, timeStep: 30, steps: REFERENCE_CYCLE, jumpBefore: 0 });
    const beforeCharge = cycleCellWithJumps({ sei, cycles: 120, timeStep: 30, steps: REFERENCE_CYCLE });
    expect(atStart.simulatedCycles).toBeGreaterThan(beforeCharge.simulatedCycles);
  });

  it('names the option on bad input', () => {
    const base = { sei: 'reaction limited' as const, cycles: 10, steps: REFERENCE_CYCLE };
    expect(() => cycleCellWithJumps({ ...base, cycles: 0 })).toThrow(/cycles must be an integer >= 1, got 0/);
    expect(() => cycleCellWithJumps({ ...base, jumpBefore: 7 })).toThrow(/jumpBefore must be the index of a step \(0 to 3\), got 7/);
    expect(() => cycleCellWithJumps({ ...base, relativeTolerance: 0 })).toThrow(/relativeTolerance must be > 0, got 0/);
    expect(() => cycleCellWithJumps({ ...base, maxJump: 0.5 })).toThrow(/maxJump must be an integer >= 1, got 0.5/);
  });
});
