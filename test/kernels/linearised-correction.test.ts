/**
 * CellKernel.correct, the group Newton's first update by its exact linearisation (docs/packs.md): against a full step
 * at the updated current, the particle states are exact, the thermal part is off by a second-order term within the
 * bound the pack machines gate it with, (dt / C_th) |dV/dI| delta^2, and the end voltage agrees to second order.
 */
import { describe, expect, it } from 'vitest';
import { CellKernel, newStepResult } from '../../src/model/cell.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { S_TEMPERATURE_RISE as RISE } from '../../src/model/kernel.generated.ts';
import { chen2020, marquis2019, type ParameterSet } from '../../src/params/index.ts';

const MODES = 10;

/** Start states along a 1.5C discharge (fresh, mid, late), with a cell that has warmed up. */
function starts(k: CellKernel, set: ParameterSet): Float64Array[] {
  const p = deriveCellParameters(set, 1);
  const s = k.initialState(p);
  const out: Float64Array[] = [];
  for (let i = 0; i < 3; i++) {
    out.push(Float64Array.from(s));
    for (let j = 0; j < 60; j++) k.step(s, p, 1.5 * set.electrical.nominalCapacity, 10);
  }
  return out;
}

describe('CellKernel.correct: the step at an updated current from the last evaluation with a slope', () => {
  for (const [name, set] of [
    ['chen2020', chen2020],
    ['marquis2019 (Arrhenius, entropic heat)', marquis2019],
  ] as const) {
    for (const thermal of ['lumped', 'isothermal'] as const) {
      it(`${name}, ${thermal}: particle states exact, thermal part and voltage second order, rise within the gate's bound`, () => {
        const k = new CellKernel(set, { modes: MODES, thermal });
        const p = deriveCellParameters(set, 1);
        const L = k.stateLength;
        const I = set.electrical.nominalCapacity;
        for (const s of starts(k, set)) {
          for (const dt of [1, 10, 60]) {
            const a = new Float64Array(L);
            const b = new Float64Array(L);
            k.prepare(s, p, dt, a, b);
            const errors = { rise: [] as number[], heat: [] as number[], voltageStart: [] as number[], voltage: [] as number[] };
            for (const delta of [0.04 * I, 0.02 * I, 0.01 * I]) {
              const first = k.finish(s, a, b, p, I, dt, 0.3, new Float64Array(L), newStepResult(), true);
              const endCorrected = new Float64Array(L);
              const corrected = k.correct(a, b, p, I + delta, delta, endCorrected, { ...first });
              const endFull = new Float64Array(L);
              const full = k.finish(s, a, b, p, I + delta, dt, 0.3, endFull, newStepResult(), false);
              // Particle states: a + b I, exactly what the full step forms.
              for (let i = 0; i < L; i++) if (i !== RISE) expect(endCorrected[i]).toBe(endFull[i]);
              const riseError = Math.abs(endCorrected[RISE] - endFull[RISE]);
              // The gate's bound on the neglected rise holds (and is zero without a thermal model).
              expect(riseError).toBeLessThanOrEqual((dt / p.heatCapacity) * Math.abs(first.slope) * delta * delta);
              if (thermal === 'isothermal') expect(riseError).toBe(0);
              errors.rise.push(riseError);
              errors.heat.push(Math.abs(corrected.heat - full.heat));
              errors.voltageStart.push(Math.abs(corrected.voltageStart - full.voltageStart));
              errors.voltage.push(Math.abs(corrected.voltage - full.voltage));
            }
            // Second order in delta: halving it divides each difference by about 4 (unless already at round-off).
            for (const [what, e] of Object.entries(errors)) {
              for (let i = 0; i + 1 < e.length; i++) {
                if (e[i + 1] > 1e-12 * Math.max(1, Math.abs(I))) expect(e[i] / e[i + 1], `${what}, dt ${dt}`).toBeGreaterThan(3);
              }
            }
          }
        }
      });
    }
  }
});
