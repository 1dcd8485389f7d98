/**
 * CellKernel.correct, the group Newton's first update by its exact linearisation (docs/packs.md): against a full step
 * at the updated current, the particle states (and the SPMe's electrolyte and summaries) are exact, the thermal part
 * is off by a second-order term within the bound the pack machines gate it with, (dt / C_th) |dV/dI| delta^2, and the
 * end voltage agrees to second order. The heat terms (no derivatives of their own) keep adding up to the heat and are
 * off by a first-order share of its change; the electrolyte limits are the full step's.
 */
import { describe, expect, it } from 'vitest';
import { CellKernel, newStepResult } from '../../src/model/cell.ts';
import { deriveModelParameters } from '../../src/model/electrolyte.ts';
import { S_TEMPERATURE_RISE as RISE } from '../../src/model/kernel.generated.ts';
import { chen2020, marquis2019, type ParameterSet } from '../../src/params/index.ts';

const MODES = 10;

/** Start states along a 1.5C discharge (fresh, mid, late), with a cell that has warmed up. */
function starts(k: CellKernel, set: ParameterSet): Float64Array[] {
  // (the SPMe's electrolyte is far from depletion along this discharge)
  const p = deriveModelParameters(set, 1, k.model);
  const s = k.initialState(p);
  const out: Float64Array[] = [];
  for (let i = 0; i < 3; i++) {
    out.push(Float64Array.from(s));
    for (let j = 0; j < 60; j++) k.step(s, p, 1.5 * set.electrical.nominalCapacity, 10);
  }
  return out;
}

describe('CellKernel.correct: the step at an updated current from the last evaluation with a slope', () => {
  for (const [name, set, model] of [
    ['chen2020', chen2020, 'spm'],
    ['marquis2019 (Arrhenius, entropic heat)', marquis2019, 'spm'],
    ['chen2020 SPMe', chen2020, 'spme'],
    ['marquis2019 SPMe', marquis2019, 'spme'],
  ] as const) {
    for (const thermal of ['lumped', 'isothermal'] as const) {
      it(`${name}, ${thermal}: particle states exact, thermal part and voltage second order, rise within the gate's bound`, () => {
        const k = new CellKernel(set, { modes: MODES, thermal, model });
        const p = deriveModelParameters(set, 1, k.model);
        const L = k.stateLength;
        const I = set.electrical.nominalCapacity;
        for (const s of starts(k, set)) {
          for (const dt of [1, 10, 60]) {
            const a = new Float64Array(L);
            const b = new Float64Array(L);
            k.prepare(s, p, dt, a, b);
            const errors = { rise: [] as number[], heat: [] as number[], voltageStart: [] as number[], voltage: [] as number[] };
            const termErrors: number[] = [];
            const heatChanges: number[] = [];
            for (const delta of [0.04 * I, 0.02 * I, 0.01 * I]) {
              const first = k.finish(s, a, b, p, I, dt, 0.3, new Float64Array(L), newStepResult(), true);
              const endCorrected = new Float64Array(L);
              const corrected = k.correct(a, b, p, I + delta, delta, dt, endCorrected, { ...first, heatTerms: { ...first.heatTerms } });
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
              // The electrolyte limits at the (exact) end state are the full step's.
              expect(corrected.electrolyteMinimum).toBe(full.electrolyteMinimum);
              expect(corrected.depletionMargin).toBe(full.depletionMargin);
              if (model === 'spme') expect(corrected.electrolyteMinimum).toBeLessThan(1);
              // The heat terms add up to the heat less the contact and collector heat, as the full step's do.
              const ohmic = (I + delta) ** 2 * (p.contactResistance + p.collectorResistance) * dt;
              const sum = (t: typeof full.heatTerms) => Object.values(t).reduce((x, y) => x + y, 0);
              expect(sum(full.heatTerms) + ohmic).toBeCloseTo(full.heat, 9);
              expect(sum(corrected.heatTerms) + ohmic).toBeCloseTo(corrected.heat, 9);
              heatChanges.push(Math.abs(full.heat - first.heat));
              termErrors.push(Math.max(...Object.keys(full.heatTerms).map((t) => Math.abs(corrected.heatTerms[t as keyof typeof full.heatTerms] - full.heatTerms[t as keyof typeof full.heatTerms]))));
            }
            // The terms' split of the heat's change is first order in delta: no term is off by more than the heat's change
            // itself (here the terms all grow with the current).
            termErrors.forEach((e, i) => expect(e, `heat terms, dt ${dt}`).toBeLessThanOrEqual(heatChanges[i]));
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
