/**
 * Typed parameter sets: physical inputs of the SPM and SPMe (with lumped thermal) cell models, SI units, one file per
 * paper. Units and descriptions live in `descriptors.ts` (one row per leaf), checked for completeness by the tests.
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

/**
 * An electrolyte transport property (diffusivity or conductivity) as a function of concentration and temperature:
 *   f(c_e, T) = sum_k coefficient_k * z^power_k * exp(rate_k * z) * exp(activationEnergy / R * (1/T_ref - 1/T)),
 *   z = c_e / referenceConcentration, T_ref = the set's thermal.referenceTemperature.
 * This one shape covers PyBaMM's Nyman2008 fits (Chen2020: powers only, no temperature dependence), their Arrhenius
 * versions (OKane2022, 17 kJ/mol) and Capiglia1999 (Marquis2019: an exponential term, Arrhenius), so a new set needs
 * data, not kernel code. As in PyBaMM, c_e is raised to 10 mol/m3 before evaluation (tolerances D_e__c_e, kappa_e__c_e).
 */
export interface ElectrolyteFunction {
  /** Concentration that scales the argument z = c_e / referenceConcentration [mol/m3]. */
  referenceConcentration: number;
  terms: ReadonlyArray<{ coefficient: number; power: number; rate: number }>;
  /** Arrhenius activation energy [J/mol] (0: no temperature dependence). */
  activationEnergy: number;
}

/**
 * A measured open-circuit potential at the reference temperature: breakpoints in stoichiometry (strictly increasing)
 * and the potential at each, interpolated by a not-a-knot cubic spline (PyBaMM's `Interpolant(..., "cubic")`, which
 * PyBaMM evaluates as `scipy.interpolate.make_interp_spline(x, y, k=3)`).
 */
export interface OcpTable {
  stoichiometry: readonly number[];
  potential: readonly number[];
  /** Where the numbers come from (file, commit). */
  source: string;
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
  /**
   * Measured OCP (optional). Where a set gives it, it is the set's OCP, as in PyBaMM, and `ocp` is the closed-form fit
   * that the kernels of today evaluate; the SEI oracle and `src/model/sei.ts` use the table (docs/lifetime.md).
   */
  ocpTable?: OcpTable;
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
  /** Electronic conductivity of the electrode solid sigma [S/m] (SPMe solid-phase Ohmic drop and heat). */
  conductivity: number;
  /** Bruggeman exponent b_e of the electrolyte in this electrode: transport efficiency eps_e^b_e [-]. */
  bruggemanElectrolyte: number;
  /** Bruggeman exponent b_s of the solid: effective conductivity sigma (1 - eps_e)^b_s [-]. */
  bruggemanElectrode: number;
}

export interface SeparatorParameters {
  /** Separator thickness [m]. */
  thickness: number;
  /** Separator porosity eps_s [-]. */
  porosity: number;
  /** Separator density [kg/m3]. */
  density: number;
  /** Separator specific heat capacity [J/(kg K)]. */
  specificHeat: number;
  /** Bruggeman exponent of the electrolyte in the separator: transport efficiency eps^b [-]. */
  bruggemanElectrolyte: number;
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
  /** Initial electrolyte concentration c_e0 (uniform; constant in the SPM) [mol/m3]. */
  concentration: number;
  /** Cation transference number t+ [-] (constant). */
  transferenceNumber: number;
  /** Thermodynamic factor 1 + d ln f / d ln c [-] (constant). */
  thermodynamicFactor: number;
  /** Electrolyte diffusivity D_e(c_e, T) [m2/s]. */
  diffusivity: ElectrolyteFunction;
  /** Electrolyte conductivity kappa_e(c_e, T) [S/m]. */
  conductivity: ElectrolyteFunction;
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
  /** Nominal cell capacity [Ah]. */
  nominalCapacity: number;
  /** Lower voltage cut-off [V]. */
  lowerVoltageCutoff: number;
  /** Upper voltage cut-off [V]. */
  upperVoltageCutoff: number;
  /** Contact (tab/weld) resistance in series with the cell [Ohm]; 0 means none. */
  contactResistance: number;
}

/**
 * Solid-electrolyte interphase on the negative electrode, with PyBaMM's parameter names in the comments
 * (`interface/sei/sei_growth.py`, `lithium_ion_parameters.py`). The growth law ("solvent-diffusion limited",
 * "reaction limited") is a model option, not a parameter.
 */
export interface SeiParameters {
  /** "Initial SEI thickness [m]". */
  initialThickness: number;
  /** "SEI partial molar volume [m3.mol-1]". */
  partialMolarVolume: number;
  /** "SEI resistivity [Ohm.m]": the film resistance per area is thickness times resistivity. */
  resistivity: number;
  /** "SEI solvent diffusivity [m2.s-1]" (solvent-diffusion limited growth). */
  solventDiffusivity: number;
  /** "Bulk solvent concentration [mol.m-3]" (solvent-diffusion limited growth). */
  bulkSolventConcentration: number;
  /** "SEI reaction exchange current density [A.m-2]" (reaction limited growth). */
  reactionExchangeCurrentDensity: number;
  /** "SEI open-circuit potential [V]" (reaction limited growth). */
  openCircuitPotential: number;
  /** "SEI growth activation energy [J.mol-1]": Arrhenius factor of every growth law (0: none). */
  activationEnergy: number;
  /** "Ratio of lithium moles to SEI moles" [-]. */
  lithiumPerSeiMole: number;
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
  /** SEI growth on the negative electrode (optional: a set without it does not age). */
  sei?: SeiParameters;
}
