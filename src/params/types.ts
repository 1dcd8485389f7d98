/**
 * Typed parameter sets: physical inputs of the SPM + lumped thermal cell model, SI units, one file per paper.
 * Units and descriptions live in `descriptors.ts` (one row per leaf), checked for completeness by the tests.
 */

/**
 * Open-circuit potential (or its entropic coefficient) as a series in the stoichiometry s:
 *   U(s) = constant + linear * s + sum(a * exp(b * s)) + sum(a * tanh(k * (s - c))) + sum(a * sech^2(k * (s - c)))
 * Every backend (TS, WGSL, AssemblyScript, C) evaluates the same coefficients, so a new parameter set needs no new
 * kernel code as long as its fits have this shape (PyBaMM's Chen2020 and Marquis2019 fits do; the sech^2 terms are the
 * derivatives of tanh fits, as in Marquis2019's entropic changes).
 */
export interface SeriesFunction {
  constant: number;
  linear: number;
  exp: ReadonlyArray<{ amplitude: number; rate: number }>;
  tanh: ReadonlyArray<{ amplitude: number; slope: number; center: number }>;
  sech2?: ReadonlyArray<{ amplitude: number; slope: number; center: number }>;
}

export interface ElectrodeParameters {
  /** Electrode coating thickness [m]. */
  thickness: number;
  /** Particle radius [m]. */
  particleRadius: number;
  /** Active material volume fraction [-]. */
  activeMaterialVolumeFraction: number;
  /** Electrolyte volume fraction (porosity) [-]. */
  porosity: number;
  /** Maximum lithium concentration in the active material [mol/m3]. */
  maxConcentration: number;
  /** Initial lithium concentration of the set (used for the cyclable lithium inventory) [mol/m3]. */
  initialConcentration: number;
  /** Solid diffusivity at the reference temperature [m2/s]. */
  diffusivity: number;
  /** Activation energy of the solid diffusivity [J/mol] (0: constant). */
  diffusivityActivationEnergy: number;
  /** Exchange-current prefactor m in j0 = m ce^0.5 cs^0.5 (cmax - cs)^0.5 [A/m2 (m3/mol)^1.5]. */
  exchangeCurrentPrefactor: number;
  /** Activation energy of the exchange current [J/mol]. */
  exchangeCurrentActivationEnergy: number;
  /** Open-circuit potential at the reference temperature as a function of stoichiometry [V]. */
  ocp: SeriesFunction;
  /** Entropic change dU/dT as a function of stoichiometry [V/K]. */
  entropicChange: SeriesFunction;
  /** Electrode density [kg/m3]. */
  density: number;
  /** Electrode specific heat capacity [J/(kg K)]. */
  specificHeat: number;
  /** Current collector thickness [m]. */
  collectorThickness: number;
  /** Current collector density [kg/m3]. */
  collectorDensity: number;
  /** Current collector specific heat capacity [J/(kg K)]. */
  collectorSpecificHeat: number;
  /** Current collector electrical conductivity [S/m]. */
  collectorConductivity: number;
}

export interface SeparatorParameters {
  thickness: number;
  porosity: number;
  density: number;
  specificHeat: number;
}

export interface CellGeometry {
  /** Electrode height L_z [m]. */
  electrodeHeight: number;
  /** Electrode width L_y [m]. */
  electrodeWidth: number;
  /** Number of electrodes connected in parallel to make a cell [-]. */
  electrodeCount: number;
  /** Cell volume (for the lumped heat capacity) [m3]. */
  cellVolume: number;
  /** Cell surface area cooled by the coolant/ambient [m2]. */
  coolingArea: number;
}

export interface ElectrolyteParameters {
  /** Electrolyte concentration, constant in the SPM [mol/m3]. */
  concentration: number;
  /** Bruggeman exponent [-] (used by variation mappings for effective transport). */
  bruggeman: number;
  /** Cation transference number [-]. */
  transferenceNumber: number;
}

export interface ThermalParameters {
  /** Heat-transfer coefficient to the ambient/coolant [W/(m2 K)]. */
  heatTransferCoefficient: number;
  /** Ambient (coolant) temperature [K]. */
  ambientTemperature: number;
  /** Initial cell temperature [K]. */
  initialTemperature: number;
  /** Reference temperature of the OCP fits and Arrhenius laws [K]. */
  referenceTemperature: number;
}

export interface ElectricalParameters {
  /** Nominal cell capacity [A.h]. */
  nominalCapacity: number;
  /** Lower voltage cut-off [V]. */
  lowerVoltageCutoff: number;
  /** Upper voltage cut-off [V]. */
  upperVoltageCutoff: number;
  /** Contact (tab/weld) resistance in series with the cell [Ohm]; 0 means none. */
  contactResistance: number;
}

export interface Citation {
  key: string;
  text: string;
  doi?: string;
}

export interface ParameterSet {
  /** Registry name, lower case (e.g. "chen2020"). */
  name: string;
  /** Human-readable description (cell, chemistry). */
  description: string;
  sources: readonly Citation[];
  negative: ElectrodeParameters;
  separator: SeparatorParameters;
  positive: ElectrodeParameters;
  electrolyte: ElectrolyteParameters;
  geometry: CellGeometry;
  thermal: ThermalParameters;
  electrical: ElectricalParameters;
}
