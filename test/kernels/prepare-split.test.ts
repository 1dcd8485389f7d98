/**
 * The prepare split (src/kernels/compile.ts): prepareFactors + prepareStart write exactly what prepare writes, bit for
 * bit, and riseSensitive says when the factors may be kept for another start state and temperature (hosts keep them
 * while the step length is unchanged: assembly/pack.ts).
 */
import { describe, expect, it } from 'vitest';
import { CellKernel, kernelConstants } from '../../src/model/cell.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { prepare, prepareFactors, prepareStart, S_TEMPERATURE_RISE as RISE } from '../../src/model/kernel.generated.ts';
import { vectorOffset, type SpmeKernelParameters } from '../../src/model/layout.ts';
import * as SPME from '../../src/model/kernel-spme.generated.ts';
import { deriveModelParameters } from '../../src/model/electrolyte.ts';
import { chen2020, marquis2019, type ParameterSet } from '../../src/params/index.ts';

const MODES = 10;

/** States met along a discharge, with their temperature rises. */
function states(set: ParameterSet): Float64Array[] {
  const p = deriveCellParameters(set, 1);
  const k = new CellKernel(set, { modes: MODES });
  const s = k.initialState(p);
  const out: Float64Array[] = [Float64Array.from(s)];
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 40; j++) k.step(s, p, 1.5 * set.electrical.nominalCapacity, 10);
    out.push(Float64Array.from(s));
  }
  return out;
}

describe('prepare split into factors and start', () => {
  for (const [name, set, sensitive] of [
    ['chen2020 (no diffusivity activation)', chen2020, false],
    ['marquis2019 (Arrhenius diffusivities)', marquis2019, true],
  ] as const) {
    it(`${name}: writes what prepare writes, bit for bit; riseSensitive ${sensitive ? '> 0' : '= 0'}`, () => {
      const p = deriveCellParameters(set, 1);
      const k = kernelConstants(set, MODES);
      const L = states(set)[0].length;
      for (const s of states(set)) {
        for (const dt of [0.37, 10, 60]) {
          const [a, b, a2, b2, f] = [0, 1, 2, 3, 4].map(() => new Float64Array(L).fill(NaN));
          prepare(s, a, b, p, k, dt, s[RISE]);
          const out = { riseSensitive: NaN };
          prepareFactors(b2, f, p, k, dt, s[RISE], out);
          prepareStart(s, f, a2, b2, p, k, dt, s[RISE]);
          expect(Array.from(a2)).toEqual(Array.from(a));
          expect(Array.from(b2)).toEqual(Array.from(b));
          expect(out.riseSensitive > 0).toBe(sensitive);
        }
      }
    });
  }

  it('factors kept from another state and temperature give the same parts when riseSensitive is 0', () => {
    const p = deriveCellParameters(chen2020, 1);
    const k = kernelConstants(chen2020, MODES);
    const [first, ...later] = states(chen2020);
    const L = first.length;
    const f = new Float64Array(L);
    const bKept = new Float64Array(L);
    const out = { riseSensitive: NaN };
    prepareFactors(bKept, f, p, k, 10, first[RISE], out);
    expect(out.riseSensitive).toBe(0);
    for (const s of later) {
      expect(s[RISE]).not.toBe(first[RISE]); // the cell has warmed up
      const [a, b, a2, b2] = [0, 1, 2, 3].map(() => new Float64Array(L));
      prepare(s, a, b, p, k, 10, s[RISE]);
      b2.set(bKept);
      prepareStart(s, f, a2, b2, p, k, 10, s[RISE]);
      expect(Array.from(a2)).toEqual(Array.from(a));
      expect(Array.from(b2)).toEqual(Array.from(b));
    }
  });
});

describe('prepare split for the SPMe (the electrolyte reads the start state: prepareStart forms it in full)', () => {
  /** States met along a 1.5C SPMe discharge (the electrolyte away from its rest profile). */
  function spmeStates(set: ParameterSet): { k: CellKernel; p: SpmeKernelParameters; states: Float64Array[] } {
    const k = new CellKernel(set, { modes: MODES, model: 'spme' });
    const p = deriveModelParameters(set, 1, 'spme') as SpmeKernelParameters;
    const s = k.initialState(p);
    const states: Float64Array[] = [Float64Array.from(s)];
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 40; j++) k.step(s, p, 1.5 * set.electrical.nominalCapacity, 10);
      states.push(Float64Array.from(s));
    }
    return { k, p, states };
  }

  for (const [name, set, sensitive] of [
    ['chen2020', chen2020, false],
    ['marquis2019 (Arrhenius diffusivities)', marquis2019, true],
  ] as const) {
    it(`${name}: writes what prepare writes, bit for bit, and kept factors (riseSensitive 0) give the same parts`, () => {
      const { k, p, states } = spmeStates(set);
      const L = k.stateLength;
      const kc = k.constants as unknown as Parameters<typeof SPME.prepare>[4];
      const first = states[0];
      const kept = new Float64Array(L);
      const bKept = new Float64Array(L);
      const out0 = { riseSensitive: NaN };
      SPME.prepareFactors(bKept, kept, p, kc, 10, first[RISE], out0);
      expect(out0.riseSensitive > 0).toBe(sensitive);
      // The electrolyte moves off its uniform start (the split is tested where the state matters).
      expect(states[states.length - 1][vectorOffset('electrolyte', MODES, 'spme')]).not.toBe(first[vectorOffset('electrolyte', MODES, 'spme')]);
      for (const s of states) {
        for (const dt of [0.37, 10, 60]) {
          const [a, b, a2, b2, f] = [0, 1, 2, 3, 4].map(() => new Float64Array(L).fill(NaN));
          SPME.prepare(s, a, b, p, kc, dt, s[RISE]);
          const out = { riseSensitive: NaN };
          SPME.prepareFactors(b2, f, p, kc, dt, s[RISE], out);
          SPME.prepareStart(s, f, a2, b2, p, kc, dt, s[RISE]);
          expect(Array.from(a2)).toEqual(Array.from(a));
          expect(Array.from(b2)).toEqual(Array.from(b));
        }
        if (!sensitive) {
          const [a, b, a2, b2] = [0, 1, 2, 3].map(() => new Float64Array(L));
          SPME.prepare(s, a, b, p, kc, 10, s[RISE]);
          b2.set(bKept);
          SPME.prepareStart(s, kept, a2, b2, p, kc, 10, s[RISE]);
          expect(Array.from(a2)).toEqual(Array.from(a));
          expect(Array.from(b2)).toEqual(Array.from(b));
        }
      }
    });
  }
});
