import type { LayoutEntry } from '../model/layout.ts';

/**
 * Quantities of interest per simulated pack, in this order in every backend's output rows.
 * All are finite numbers: "none" is -1 for indices, and the run duration for a time that was never reached.
 */
export const PACK_OUTPUTS = [
  { name: 'capacityAh', unit: 'Ah', description: 'net charge delivered by the pack (string), discharge positive' },
  { name: 'energyWh', unit: 'Wh', description: 'net electrical energy delivered at the pack terminals' },
  { name: 'durationS', unit: 's', description: 'time until the protocol ended' },
  { name: 'timeToFirstCutoffS', unit: 's', description: 'time when the first cell reached a voltage limit or was exhausted (duration if none did)' },
  { name: 'cutoffCell', unit: '-', description: 'index of the cell that reached the limit (or was exhausted) first (group * parallel + j), -1 if none' },
  { name: 'maxTemperatureK', unit: 'K', description: 'maximum cell temperature over the run' },
  { name: 'maxTemperatureSpreadK', unit: 'K', description: 'maximum over time of the temperature spread across cells' },
  { name: 'maxCurrentImbalance', unit: '-', description: 'maximum over time and groups of max cell current over the group mean' },
  { name: 'minCellVoltageV', unit: 'V', description: 'minimum cell terminal voltage over the run' },
  { name: 'maxCellVoltageV', unit: 'V', description: 'maximum cell terminal voltage over the run' },
  { name: 'finalSocSpread', unit: '-', description: 'spread (max - min) of cell SOC at the end' },
  { name: 'weldLossJ', unit: 'J', description: 'Ohmic loss in the cell welds/contacts' },
  { name: 'interconnectLossJ', unit: 'J', description: 'Ohmic loss in the series interconnects (busbars)' },
  { name: 'heatJ', unit: 'J', description: 'heat generated in the cells (reaction, reversible, Ohmic incl. welds): the sum of the heat terms and weldLossJ' },
  { name: 'finalPackVoltageV', unit: 'V', description: 'pack terminal voltage at the end' },
  {
    name: 'stopReason',
    unit: '-',
    description:
      '0 protocol completed, 1 cell voltage limit, 2 pack voltage limit, 3 power not deliverable, 4 electrolyte depleted (SPMe: c_e reached 10 mol/m3 in a cell), 5 cell exhausted, 6 voltage out of range',
  },
  { name: 'heatIrreversibleJ', unit: 'J', description: 'heat term: irreversible (reaction) heat I (eta_n - eta_p), over the cells and the run' },
  { name: 'heatReversibleJ', unit: 'J', description: 'heat term: reversible (entropic) heat I T (dU_n/dT - dU_p/dT)' },
  { name: 'heatOhmicElectrolyteJ', unit: 'J', description: 'heat term: electrolyte Ohmic heat -I (eta_c + dphi_e) (0 for the SPM)' },
  { name: 'heatOhmicSolidJ', unit: 'J', description: 'heat term: solid-phase Ohmic heat I^2 R_s (0 for the SPM) and the Joule heat of the SEI film I^2 R_film (0 without SEI growth)' },
  { name: 'heatCollectorJ', unit: 'J', description: 'heat term: current-collector Ohmic heat I^2 R_cc (the contact term is weldLossJ)' },
  { name: 'minElectrolyteFraction', unit: '-', description: 'lowest electrolyte concentration over the cells and the run, over its initial value (1 for the SPM)' },
] as const satisfies readonly LayoutEntry[];

export type PackOutputName = (typeof PACK_OUTPUTS)[number]['name'];
export type PackOutputs = Record<PackOutputName, number>;
export const PACK_OUTPUT_COUNT = PACK_OUTPUTS.length;
export const PACK_OUTPUT_INDEX = Object.fromEntries(PACK_OUTPUTS.map((o, i) => [o.name, i])) as Record<PackOutputName, number>;
export const PACK_OUTPUT_NAMES: readonly PackOutputName[] = PACK_OUTPUTS.map((o) => o.name);

/**
 * Why a pack's run ended (the `stopReason` output). A voltage limit ends its protocol step (the next step runs); power
 * not deliverable, an electrolyte depleted (the SPMe), a cell exhausted and a voltage out of range end the whole run,
 * located within the step where they happened (docs/packs.md, "Valid states only"). src/results/validity.ts says which
 * are valid ends.
 */
export const STOP_REASON = { completed: 0, cellLimit: 1, packLimit: 2, powerLimit: 3, electrolyteDepleted: 4, cellExhausted: 5, voltageOutOfRange: 6 } as const;

/** The heat terms of a pack, in the order of PACK_OUTPUTS (with weldLossJ, the contact term, they sum to heatJ). */
export const HEAT_TERM_OUTPUTS = ['heatIrreversibleJ', 'heatReversibleJ', 'heatOhmicElectrolyteJ', 'heatOhmicSolidJ', 'heatCollectorJ', 'weldLossJ'] as const satisfies readonly PackOutputName[];
