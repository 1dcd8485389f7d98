import type { SeriesFunction } from '../params/types.ts';
import { exp, tanh } from '../math/elementary.ts';

/** U(s) = constant + linear*s + sum a exp(b s) + sum a tanh(k (s - c)), the shape every backend evaluates. */
export function evaluateSeries(f: SeriesFunction, s: number): number {
  let u = f.constant + f.linear * s;
  for (const e of f.exp) u += e.amplitude * exp(e.rate * s);
  for (const t of f.tanh) u += t.amplitude * tanh(t.slope * (s - t.center));
  return u;
}

/** Stoichiometry clip used inside OCP evaluation (PyBaMM convention). */
export const OCP_STOICH_MIN = 1e-10;
/** PyBaMM's OCP regularisation 1e-6 (1/s + 1/(s-1)) keeps U finite-but-steep at the ends of the range. */
export const OCP_REGULARISATION = 1e-6;
/** Surface stoichiometry clip inside the exchange current (PyBaMM convention). */
export const KINETIC_STOICH_MIN = 1e-8;

/** Open-circuit potential with PyBaMM's clip and end regularisation, at the reference temperature. */
export function openCircuitPotential(f: SeriesFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
  return evaluateSeries(f, s) + OCP_REGULARISATION * (1 / s + 1 / (s - 1));
}

/** dU/ds of the series (same clip as openCircuitPotential, including the regularisation's derivative). */
export function openCircuitPotentialSlope(f: SeriesFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
  let d = f.linear;
  for (const e of f.exp) d += e.amplitude * e.rate * exp(e.rate * s);
  for (const t of f.tanh) {
    const th = tanh(t.slope * (s - t.center));
    d += t.amplitude * t.slope * (1 - th * th);
  }
  return d - OCP_REGULARISATION * (1 / (s * s) + 1 / ((s - 1) * (s - 1)));
}
