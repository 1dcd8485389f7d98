/**
 * SEI quantities of a cell from its state and kernel parameters, for hosts and analyses (the growth itself is in the
 * cell definition, src/model/physics.ts, and every backend's step template). The state holds `seiGrowth` = L_sei -
 * L_sei_0; the stored negative stoichiometry excludes the SEI's lithium, so particles + SEI conserve lithium exactly.
 */
import { S_SEI_GROWTH, S_STOICH_NEG, S_STOICH_POS } from './kernel.generated.ts';
import type { CellKernelParameters } from './layout.ts';

export { SEI_LAWS, type SeiLaw } from './physics.ts';

/** SEI growth since manufacture [m] of a state (reference layout; `offset` of the cell in a longer array). */
export function seiGrowthOf(state: ArrayLike<number>, offset = 0): number {
  return state[offset + S_SEI_GROWTH];
}

/** SEI thickness L_sei [m]. */
export function seiThickness(p: CellKernelParameters, growth: number): number {
  return p.seiInitialThickness + growth;
}

/** SEI film resistance [Ohm] (its drop I R_film is in the voltage; its Joule heat in the heat unless turned off). */
export function filmResistance(p: CellKernelParameters, growth: number): number {
  return p.seiFilmResistivity * seiThickness(p, growth);
}

/** Lithium held by the SEI grown since manufacture [Ah] (PyBaMM's "Loss of capacity to negative SEI [A.h]"). */
export function lithiumLostToSei(p: CellKernelParameters, growth: number): number {
  return p.seiLithiumPerThickness * growth;
}

/** The cell's cyclable lithium at manufacture [Ah] (in the particles of its initial state). */
export function lithiumInventory(p: CellKernelParameters): number {
  return p.initialStoichNeg * p.capacityNeg + p.initialStoichPos * p.capacityPos;
}

/** Loss of lithium inventory [%]: the SEI's lithium over the inventory at manufacture. */
export function lliPercent(p: CellKernelParameters, growth: number): number {
  return (100 * lithiumLostToSei(p, growth)) / lithiumInventory(p);
}

/** Lithium in the particles [Ah] of a state (f64 layout): the physical averages, the SEI's lithium taken out. */
export function particleLithium(p: CellKernelParameters, state: ArrayLike<number>, offset = 0): number {
  const growth = state[offset + S_SEI_GROWTH];
  return (state[offset + S_STOICH_NEG] - (growth * p.seiLithiumPerThickness) / p.capacityNeg) * p.capacityNeg + state[offset + S_STOICH_POS] * p.capacityPos;
}
