/**
 * The one layout of the cell kernel: per-cell parameters (derived from a parameter set plus sampled variation),
 * per-cell state, and per-study uniforms. The TypeScript reference, the WGSL kernels and the AssemblyScript kernels all
 * index parameters and state by these positions; `scripts/gen-layout.ts` writes them into the other two languages and a
 * test fails if the generated files are stale.
 */

export interface LayoutEntry {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
}

export const CELL_PARAMETERS = [
  { name: 'capacityNeg', unit: 'Ah', description: 'negative electrode capacity eps_s L c_max F A_cc n_elec / 3600' },
  { name: 'capacityPos', unit: 'Ah', description: 'positive electrode capacity eps_s L c_max F A_cc n_elec / 3600' },
  { name: 'diffusionTimeNeg', unit: 's', description: 'negative particle diffusion time R^2 / D at the reference temperature' },
  { name: 'diffusionTimePos', unit: 's', description: 'positive particle diffusion time R^2 / D at the reference temperature' },
  { name: 'diffusionActivationNeg', unit: 'K', description: 'negative diffusivity activation energy over R (E / R)' },
  { name: 'diffusionActivationPos', unit: 'K', description: 'positive diffusivity activation energy over R (E / R)' },
  { name: 'kineticCurrentNeg', unit: 'A', description: 'negative kinetic current scale 2 A_int m sqrt(c_e) c_max' },
  { name: 'kineticCurrentPos', unit: 'A', description: 'positive kinetic current scale 2 A_int m sqrt(c_e) c_max' },
  { name: 'kineticActivationNeg', unit: 'K', description: 'negative exchange-current activation energy over R (E / R)' },
  { name: 'kineticActivationPos', unit: 'K', description: 'positive exchange-current activation energy over R (E / R)' },
  { name: 'contactResistance', unit: 'Ohm', description: 'contact/weld resistance in series with the cell' },
  { name: 'collectorResistance', unit: 'Ohm', description: 'current-collector resistance (L_cn/sigma_cn + L_cp/sigma_cp) / (n_elec A_cc), heat only' },
  { name: 'heatCapacity', unit: 'J/K', description: 'lumped heat capacity V_cell rho_cp_eff' },
  { name: 'coolingConductance', unit: 'W/K', description: 'heat-transfer coefficient times cooled area h A' },
  { name: 'ambientTemperature', unit: 'K', description: 'coolant/ambient temperature' },
  { name: 'initialStoichNeg', unit: '-', description: 'initial negative stoichiometry x (uniform in the particle)' },
  { name: 'initialStoichPos', unit: '-', description: 'initial positive stoichiometry y (uniform in the particle)' },
  { name: 'initialTemperature', unit: 'K', description: 'initial cell temperature' },
  { name: 'stoichNegEmpty', unit: '-', description: 'negative stoichiometry at 0 % SOC (for reporting SOC)' },
  { name: 'stoichNegFull', unit: '-', description: 'negative stoichiometry at 100 % SOC (for reporting SOC)' },
] as const satisfies readonly LayoutEntry[];

export type CellParameterName = (typeof CELL_PARAMETERS)[number]['name'];
export type CellKernelParameters = Record<CellParameterName, number>;
export const CELL_PARAMETER_COUNT = CELL_PARAMETERS.length;

/** Position of each parameter in a packed per-cell vector. */
export const CELL_PARAMETER_INDEX = Object.fromEntries(CELL_PARAMETERS.map((p, i) => [p.name, i])) as Record<
  CellParameterName,
  number
>;

/**
 * Per-cell state. The particle modes follow: `modes` values for the negative electrode then `modes` for the positive.
 * Stoichiometries are dimensionless; temperature is stored as the rise over the reference temperature so that f32
 * kernels keep resolution for small increments.
 */
export const CELL_STATE = [
  { name: 'stoichNeg', unit: '-', description: 'particle-average negative stoichiometry' },
  { name: 'stoichPos', unit: '-', description: 'particle-average positive stoichiometry' },
  { name: 'temperatureRise', unit: 'K', description: 'cell temperature minus the reference temperature' },
] as const satisfies readonly LayoutEntry[];

export const CELL_STATE_INDEX = Object.fromEntries(CELL_STATE.map((s, i) => [s.name, i])) as Record<
  (typeof CELL_STATE)[number]['name'],
  number
>;

/** Total state length for a model with `modes` particle modes per electrode. */
export function cellStateLength(modes: number): number {
  return CELL_STATE.length + 2 * modes;
}

/** Pack the named parameters into a vector in layout order. */
export function packCellParameters(p: CellKernelParameters, out = new Float64Array(CELL_PARAMETER_COUNT), offset = 0): Float64Array {
  for (let i = 0; i < CELL_PARAMETER_COUNT; i++) out[offset + i] = p[CELL_PARAMETERS[i].name];
  return out;
}

export function unpackCellParameters(v: ArrayLike<number>, offset = 0): CellKernelParameters {
  const p = {} as CellKernelParameters;
  for (let i = 0; i < CELL_PARAMETER_COUNT; i++) p[CELL_PARAMETERS[i].name] = v[offset + i];
  return p;
}
