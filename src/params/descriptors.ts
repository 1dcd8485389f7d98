/** Units and meanings of every parameter-set leaf, by dotted path. Reports print these; tests check completeness. */
export interface ParameterDescriptor {
  path: string;
  unit: string;
  description: string;
  /** Leaf of an optional part of a set (the `sei` block, a measured OCP table): not every set has it. */
  optional?: true;
}

const electrode = (side: 'negative' | 'positive'): ParameterDescriptor[] => [
  { path: `${side}.thickness`, unit: 'm', description: `${side} electrode thickness` },
  { path: `${side}.particleRadius`, unit: 'm', description: `${side} particle radius` },
  { path: `${side}.activeMaterialVolumeFraction`, unit: '-', description: `${side} active material volume fraction` },
  { path: `${side}.porosity`, unit: '-', description: `${side} electrode porosity` },
  { path: `${side}.maxConcentration`, unit: 'mol/m3', description: `${side} maximum lithium concentration` },
  { path: `${side}.initialConcentration`, unit: 'mol/m3', description: `${side} initial lithium concentration of the set` },
  { path: `${side}.diffusivity`, unit: 'm2/s', description: `${side} particle diffusivity at the reference temperature` },
  { path: `${side}.diffusivityActivationEnergy`, unit: 'J/mol', description: `${side} diffusivity activation energy` },
  { path: `${side}.exchangeCurrentPrefactor`, unit: 'A/m2 (m3/mol)^1.5', description: `${side} exchange-current prefactor` },
  { path: `${side}.exchangeCurrentActivationEnergy`, unit: 'J/mol', description: `${side} exchange-current activation energy` },
  { path: `${side}.ocp`, unit: 'V', description: `${side} open-circuit potential U(stoichiometry) at the reference temperature` },
  { path: `${side}.entropicChange`, unit: 'V/K', description: `${side} entropic change dU/dT(stoichiometry)` },
  { path: `${side}.density`, unit: 'kg/m3', description: `${side} electrode density` },
  { path: `${side}.specificHeat`, unit: 'J/(kg K)', description: `${side} electrode specific heat capacity` },
  { path: `${side}.collectorThickness`, unit: 'm', description: `${side} current collector thickness` },
  { path: `${side}.collectorDensity`, unit: 'kg/m3', description: `${side} current collector density` },
  { path: `${side}.collectorSpecificHeat`, unit: 'J/(kg K)', description: `${side} current collector specific heat capacity` },
  { path: `${side}.collectorConductivity`, unit: 'S/m', description: `${side} current collector conductivity` },
  { path: `${side}.conductivity`, unit: 'S/m', description: `${side} electrode solid (electronic) conductivity sigma` },
  { path: `${side}.bruggemanElectrolyte`, unit: '-', description: `${side} electrode Bruggeman exponent of the electrolyte (transport efficiency eps^b)` },
  { path: `${side}.bruggemanElectrode`, unit: '-', description: `${side} electrode Bruggeman exponent of the solid (sigma_eff = sigma (1 - eps)^b)` },
];

const electrolyteFunction = (name: 'diffusivity' | 'conductivity', unit: string): ParameterDescriptor[] => [
  { path: `electrolyte.${name}`, unit, description: `electrolyte ${name} as a function of concentration and temperature` },
  { path: `electrolyte.${name}.referenceConcentration`, unit: 'mol/m3', description: `concentration scale of the electrolyte ${name} fit` },
  { path: `electrolyte.${name}.activationEnergy`, unit: 'J/mol', description: `Arrhenius activation energy of the electrolyte ${name}` },
];

export const PARAMETER_DESCRIPTORS: readonly ParameterDescriptor[] = [
  ...electrode('negative'),
  { path: 'negative.ocpTable', unit: 'V', description: 'negative measured open-circuit potential table (not-a-knot cubic spline)', optional: true },
  { path: 'separator.thickness', unit: 'm', description: 'separator thickness' },
  { path: 'separator.porosity', unit: '-', description: 'separator porosity' },
  { path: 'separator.density', unit: 'kg/m3', description: 'separator density' },
  { path: 'separator.specificHeat', unit: 'J/(kg K)', description: 'separator specific heat capacity' },
  { path: 'separator.bruggemanElectrolyte', unit: '-', description: 'separator Bruggeman exponent of the electrolyte (transport efficiency eps^b)' },
  ...electrode('positive'),
  { path: 'electrolyte.concentration', unit: 'mol/m3', description: 'initial electrolyte concentration (constant in the SPM)' },
  { path: 'electrolyte.transferenceNumber', unit: '-', description: 'cation transference number t+' },
  { path: 'electrolyte.thermodynamicFactor', unit: '-', description: 'electrolyte thermodynamic factor' },
  ...electrolyteFunction('diffusivity', 'm2/s'),
  ...electrolyteFunction('conductivity', 'S/m'),
  { path: 'geometry.electrodeHeight', unit: 'm', description: 'electrode height' },
  { path: 'geometry.electrodeWidth', unit: 'm', description: 'electrode width' },
  { path: 'geometry.electrodeCount', unit: '-', description: 'number of electrodes in parallel' },
  { path: 'geometry.cellVolume', unit: 'm3', description: 'cell volume' },
  { path: 'geometry.coolingArea', unit: 'm2', description: 'cooled cell surface area' },
  { path: 'thermal.heatTransferCoefficient', unit: 'W/(m2 K)', description: 'heat-transfer coefficient to coolant' },
  { path: 'thermal.ambientTemperature', unit: 'K', description: 'ambient (coolant) temperature' },
  { path: 'thermal.initialTemperature', unit: 'K', description: 'initial cell temperature' },
  { path: 'thermal.referenceTemperature', unit: 'K', description: 'reference temperature of fits and Arrhenius laws' },
  { path: 'electrical.nominalCapacity', unit: 'Ah', description: 'nominal cell capacity' },
  { path: 'electrical.lowerVoltageCutoff', unit: 'V', description: 'lower voltage cut-off' },
  { path: 'electrical.upperVoltageCutoff', unit: 'V', description: 'upper voltage cut-off' },
  { path: 'electrical.contactResistance', unit: 'Ohm', description: 'contact (tab/weld) resistance in series with the cell' },
  { path: 'sei.initialThickness', unit: 'm', description: 'initial SEI thickness', optional: true },
  { path: 'sei.partialMolarVolume', unit: 'm3/mol', description: 'SEI partial molar volume', optional: true },
  { path: 'sei.resistivity', unit: 'Ohm m', description: 'SEI resistivity (film resistance per area = thickness x resistivity)', optional: true },
  { path: 'sei.solventDiffusivity', unit: 'm2/s', description: 'solvent diffusivity in the SEI (solvent-diffusion limited growth)', optional: true },
  { path: 'sei.bulkSolventConcentration', unit: 'mol/m3', description: 'bulk solvent concentration (solvent-diffusion limited growth)', optional: true },
  { path: 'sei.reactionExchangeCurrentDensity', unit: 'A/m2', description: 'SEI reaction exchange current density (reaction limited growth)', optional: true },
  { path: 'sei.openCircuitPotential', unit: 'V', description: 'SEI open-circuit potential (reaction limited growth)', optional: true },
  { path: 'sei.activationEnergy', unit: 'J/mol', description: 'SEI growth activation energy (Arrhenius factor of every growth law)', optional: true },
  { path: 'sei.lithiumPerSeiMole', unit: '-', description: 'ratio of lithium moles to SEI moles', optional: true },
];

export function describeParameter(path: string): ParameterDescriptor | undefined {
  return PARAMETER_DESCRIPTORS.find((d) => d.path === path);
}
