/**
 * How an f32 kernel must store the SEI state (docs/lifetime.md, "f32"). Every operation below is rounded to f32 with
 * Math.fround, as a WGSL kernel would do it, and compared with the same recurrence in f64 over 1,000 reference cycles of
 * 10 s steps (1,380 steps a cycle). The per-step increments are the scheme's: the solvent-diffusion limited update
 * 2 k dt / (L + sqrt(L^2 + 2 k dt)) with OKane2022's k = V_bar D_sol c_sol / z at 25 degC, and for the reaction limited
 * law PyBaMM's mean growth of 0.82 nm per cycle, spread over the cycle's steps. A step adds 1e-14 to 6e-13 m to a film of 5 to 800 nm:
 * 1e-4 to 1e-7 of the film, i.e. a thousand down to one f32 ulp. Rounding each sum to f32 is then biased whenever the
 * increments repeat (constant temperature, storage): the result is a drift, not noise.
 */
import { describe, expect, it } from 'vitest';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { okane2022 } from '../../src/params/index.ts';
import { DT, f, STEPS_PER_CYCLE, storageErrors } from '../support/f32Accumulation.ts';

describe('f32 storage of the SEI state over 1,000 cycles of 10 s steps', () => {
  const s = deriveCellParameters(okane2022, 1);
  const errors = storageErrors;

  it('smooth increments (solvent-diffusion limited at constant temperature): plain f32 sums drift by 0.1 %, a double-float does not', () => {
    const k = s.seiSolventGrowth;
    const { exact, err } = errors((L, single) => {
      if (!single) return (2 * k * DT) / (L + Math.sqrt(L * L + 2 * k * DT));
      const twice = f(2 * f(k * DT));
      return f(twice / f(L + f(Math.sqrt(f(f(L * L) + twice)))));
    });
    expect(exact).toBeGreaterThan(3e-8); // the film has grown several-fold
    // Measured: 2.1e-3, 1.4e-3, 1.7e-9, 4.6e-7.
    expect(err['f32 thickness L']).toBeGreaterThan(1e-3);
    expect(err['f32 growth L - L0']).toBeGreaterThan(1e-3);
    expect(err['double-float growth (hi, lo)']).toBeLessThan(1e-8);
    expect(err['f32 growth, per-cycle partial sums']).toBeLessThan(1e-5);
  });

  it('constant increments (reaction limited storage): the same bias, larger', () => {
    const perStep = f(0.82e-9 / STEPS_PER_CYCLE);
    const { exact, err } = errors(() => perStep);
    expect(exact).toBeGreaterThan(5e-7);
    expect(err['f32 thickness L']).toBeGreaterThan(1e-3);
    expect(err['f32 growth L - L0']).toBeGreaterThan(1e-3);
    expect(err['double-float growth (hi, lo)']).toBeLessThan(1e-8);
    expect(err['f32 growth, per-cycle partial sums']).toBeLessThan(1e-4);
  });

  it('increments that vary over the cycle (0.2x to 1.8x): rounding averages out, a double-float is still exact', () => {
    const perStep = 0.82e-9 / STEPS_PER_CYCLE;
    const { err } = errors((_L, single, step) => {
      const x = perStep * (0.2 + (1.6 * step) / STEPS_PER_CYCLE);
      return single ? f(x) : x;
    });
    // Measured: 1e-6, 6e-7, 1.4e-10, 1.1e-5: no bias here, but a kernel cannot count on its protocol to vary.
    expect(err['f32 thickness L']).toBeLessThan(1e-4);
    expect(err['double-float growth (hi, lo)']).toBeLessThan(1e-8);
    expect(err['f32 growth, per-cycle partial sums']).toBeLessThan(1e-4);
  });
});
