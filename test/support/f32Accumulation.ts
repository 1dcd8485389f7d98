/**
 * f32 emulation of the SEI growth accumulation (every operation rounded with Math.fround, as a WGSL kernel rounds it),
 * for test/model/sei-f32.test.ts and bench/aging.ts: one recurrence accumulated five ways over 1,000 cycles.
 */
import { okane2022 } from '../../src/params/index.ts';

export const f = Math.fround;
export const STEPS_PER_CYCLE = 1380;
const CYCLES = 1000;
export const DT = 10;

/** Error-free f32 sum: s + e = a + b exactly (Knuth's TwoSum, every operation rounded to f32). */
function twoSum(a: number, b: number): [number, number] {
  const s = f(a + b);
  const bb = f(s - a);
  const e = f(f(a - f(s - bb)) + f(b - bb));
  return [s, e];
}

/** Double-float accumulator hi + lo (two f32s), as the WGSL kernel keeps the positive surface stoichiometry. */
function addDoubleFloat(hi: number, lo: number, x: number): [number, number] {
  const [s, e] = twoSum(hi, x);
  const t = f(e + lo);
  const h = f(s + t);
  return [h, f(t - f(h - s))];
}

export interface Storage {
  name: string;
  /** Growth L - L0 after CYCLES cycles. */
  growth: number;
}

/** Accumulate `increment(L, f32, step)` (step: index within the cycle) over CYCLES cycles in five ways. */
export function run(increment: (L: number, single: boolean, step: number) => number): { exact: number; stores: Storage[] } {
  const L0 = okane2022.sei!.initialThickness;
  let g64 = 0;
  let absolute = f(L0);
  let growth = 0;
  let hi = 0;
  let lo = 0;
  let total = 0;
  let perCycle = 0;
  for (let c = 0; c < CYCLES; c++) {
    for (let k = 0; k < STEPS_PER_CYCLE; k++) {
      g64 += increment(L0 + g64, false, k);
      absolute = f(absolute + increment(absolute, true, k));
      growth = f(growth + increment(f(L0 + growth), true, k));
      [hi, lo] = addDoubleFloat(hi, lo, increment(f(L0 + f(hi + lo)), true, k));
      perCycle = f(perCycle + increment(f(L0 + f(total + perCycle)), true, k));
    }
    total = f(total + perCycle);
    perCycle = 0;
  }
  return {
    exact: g64,
    stores: [
      { name: 'f32 thickness L', growth: absolute - f(L0) },
      { name: 'f32 growth L - L0', growth },
      { name: 'double-float growth (hi, lo)', growth: hi + lo },
      { name: 'f32 growth, per-cycle partial sums', growth: total },
    ],
  };
}


/** Relative error of the growth of each storage against the f64 recurrence. */
export function storageErrors(increment: Parameters<typeof run>[0]): { exact: number; err: Record<string, number> } {
  const { exact, stores } = run(increment);
  return { exact, err: Object.fromEntries(stores.map((x) => [x.name, Math.abs(x.growth / exact - 1)])) };
}
