/**
 * The physical ranges cellspread holds inputs and results to. One home, so the study checks, the sampled-cell checks
 * and the per-pack result checks agree. A value outside them is not a result: it is a spec error (inputs) or an
 * invalid pack (outputs).
 */

/**
 * Temperatures a Li-ion cell model can describe [K]: -100 degC to 200 degC. Below, electrolytes freeze; above, the
 * cell is in thermal runaway, which the SPM + lumped thermal model does not describe.
 */
export const TEMPERATURE_RANGE_K: readonly [number, number] = [173.15, 473.15];

/** A contact (weld) resistance above this is an open circuit, not a weld [Ohm]. */
export const MAX_CONTACT_RESISTANCE_OHM = 1000;

/**
 * Slack on the protocol's voltage limits when judging a pack's result [V]: the cut-off is located inside the step to
 * about 1e-6 V in f64, and within a few mV in f32 (WebGPU); a cell voltage beyond a limit by more than this means a
 * step ran past its limit.
 */
export const VOLTAGE_LIMIT_SLACK_V = 0.02;

/** Relative slack on the charge a pack can hold when judging a result (capacities are exact sums in f64). */
export const CAPACITY_SLACK = 1e-6;

export function inTemperatureRange(t: number): boolean {
  return t >= TEMPERATURE_RANGE_K[0] && t <= TEMPERATURE_RANGE_K[1];
}
