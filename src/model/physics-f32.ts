/**
 * Named per-target overrides of the cell physics (src/model/physics.ts) for f32 targets (the WGSL kernel). They change
 * how quantities are formed, never what they are: each replacement equals the physics expression in exact arithmetic.
 *
 * - inverseTemperatureGap: 1/T_ref - 1/T cancels in f32 for T near T_ref; rise / (T_ref T) does not.
 * - The positive surface complement. At the end of a discharge 1 - y_s falls to ~1e-6, where the cut-off is on the OCP
 *   regularisation 1e-6 / (1 - y_s): formed in f32 from terms of ~0.05 it would carry ~1e-8 of rounding noise as a
 *   function of the current (millivolts of jitter in the located cut-off and in the group current sharing). So the
 *   state slot of stoichPos holds Z = (1 - y) - sum of the positive modes as a double-float (head + tail), and
 *     1 - y_s = Z + (-I) (tail G / r)                         (one exact product, G = 1 / (3600 Q_pos))
 *     Z_end   = Z + sum b_m w_m + (-I) G (dt + (2/3) sum w_m / lambda_m),   w_m = 1 - exp(-lambda_m dt)
 *   are an I-independent part plus (-I) times an I-independent factor, formed with exact products: 1 - y_s is smooth in
 *   I to ~1e-14. (The prepare/apply split of the compiler keeps that form: a holds the first part, b the factor.)
 * - The SEI growth. A step grows the film by 1e-14 to 6e-13 m on 5 to 800 nm, a thousand down to one f32 ulp: summed in
 *   f32 such increments are biased (0.1 % to 1.6 % of the growth after 1,000 cycles, docs/lifetime.md section 5), so the
 *   seiGrowth slot holds a double-float (head + tail), added to with df_add and read as one float.
 * The double-float primitives (two_prod, df_add) are the f32 emitter's; test/webgpu checks them on the device.
 */
import type { PrecisionOverrides } from '../kernels/compile.ts';
import { add, constant, derived, dfAdd, dfOf, dfValue, div, elem, expm1, input, mul, neg, param, state, sub, sum, twoProd, ZERO } from '../kernels/ir.ts';

export const F32_OVERRIDES: PrecisionOverrides = {
  description: 'f32 targets: cancellation-free Arrhenius argument, double-float positive surface complement and SEI growth',
  states: {
    stoichPos: {
      type: 'df',
      description: 'Z = (1 - y) - sum of the positive modes, double-float (the positive surface complement without the tail term)',
      // Z = 1 - y - sum b and y = 1 - Z - sum b: the same map both ways.
      fromReference: (state) => 1 - (state('stoichPos') as number) - total(state('modesPos') as Float64Array),
      toReference: (state) => 1 - (state('stoichPos') as number) - total(state('modesPos') as Float64Array),
    },
    seiGrowth: {
      type: 'df',
      description: 'SEI growth since manufacture L_sei - L_sei_0, double-float',
      fromReference: (state) => state('seiGrowth') as number,
      toReference: (state) => state('seiGrowth') as number,
    },
  },
  derived: () => [
    {
      name: 'initialVacancyPos',
      unit: '-',
      description: '1 - initial positive stoichiometry, as a double-float computed in f64',
      node: derived('initialVacancyPos', dfOf(sub(1, param('initialStoichPos')))),
    },
  ],
  intermediates: (get) => {
    const current = input('current');
    const z = state('stoichPos', 's', 'df');
    const vacancy = dfValue(dfAdd(z, twoProd(neg(current), div(mul(get('invChargePos'), constant('tailCoefficient')), get('diffusionRatePos')))));
    return {
      inverseTemperatureGap: div(input('rise'), mul(constant('referenceTemperature'), get('temperature'))),
      surfaceVacancyPos: vacancy,
      surfaceStoichPos: sub(1, get('surfaceVacancyPos')),
      seiGrowthValue: dfValue(state('seiGrowth', 's', 'df')),
    };
  },
  stores: (get) => {
    const current = input('current');
    const dt = input('dt');
    const lambda = get('decayRatePos');
    const w = neg(expm1(neg(mul(lambda, dt))));
    const z = state('stoichPos', 's', 'df');
    const settled = dfAdd(z, sum('modes', twoProd(elem('modesPos', 'modes'), w)));
    const driven = twoProd(neg(current), mul(get('invChargePos'), add(dt, mul(2 / 3, sum('modes', div(w, lambda))))));
    const growth = state('seiGrowth', 's', 'df');
    return {
      advance: { stoichPos: dfAdd(settled, driven), seiGrowth: growth },
      init: { stoichPos: get('initialVacancyPos'), seiGrowth: dfOf(ZERO) },
      integrate: { seiGrowth: dfAdd(growth, dfOf(get('seiGrowthIncrement'))) },
    };
  },
};

function total(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}
