import type { ParameterSet } from './types.ts';

/**
 * LG M50 (21700, graphite-SiOx / NMC811), as in PyBaMM's `Chen2020` parameter set.
 * Values and OCP fits: Chen et al., J. Electrochem. Soc. 167 (2020) 080534; thermal values as in PyBaMM.
 */
export const chen2020: ParameterSet = {
  name: 'chen2020',
  description: 'LG M50 21700 cell, graphite (negative) / NMC811 (positive), 5 Ah',
  sources: [
    {
      key: 'Chen2020',
      text: 'C.-H. Chen, F. Brosa Planella, K. O\'Regan, D. Gastol, W. D. Widanage, E. Kendrick, "Development of Experimental Techniques for Parameterization of Multi-scale Lithium-ion Battery Models", J. Electrochem. Soc. 167 (2020) 080534',
      doi: '10.1149/1945-7111/ab9050',
    },
    {
      key: 'Nyman2008',
      text: 'A. Nyman, M. Behm, G. Lindbergh, "Electrochemical characterisation and modelling of the mass transport phenomena in LiPF6-EC-EMC electrolyte", Electrochim. Acta 53 (2008) 6356-6365 (electrolyte diffusivity and conductivity)',
    },
    {
      key: 'PyBaMM',
      text: 'V. Sulzer, S. G. Marquis, R. Timms, M. Robinson, S. J. Chapman, "Python Battery Mathematical Modelling (PyBaMM)", J. Open Research Software 9 (2021) 14; parameter file input/parameters/lithium_ion/Chen2020.py',
      doi: '10.5334/jors.309',
    },
  ],
  negative: {
    thickness: 85.2e-6,
    particleRadius: 5.86e-6,
    activeMaterialVolumeFraction: 0.75,
    porosity: 0.25,
    maxConcentration: 33133,
    initialConcentration: 29866,
    diffusivity: 3.3e-14,
    diffusivityActivationEnergy: 0,
    exchangeCurrentPrefactor: 6.48e-7,
    exchangeCurrentActivationEnergy: 35000,
    ocp: {
      constant: 0.2482,
      linear: 0,
      exp: [{ amplitude: 1.9793, rate: -39.3631 }],
      tanh: [
        { amplitude: -0.0909, slope: 29.8538, center: 0.1234 },
        { amplitude: -0.04478, slope: 14.9159, center: 0.2769 },
        { amplitude: -0.0205, slope: 30.4444, center: 0.6103 },
      ],
    },
    entropicChange: { constant: 0, linear: 0, exp: [], tanh: [] },
    density: 1657,
    specificHeat: 700,
    collectorThickness: 12e-6,
    collectorDensity: 8960,
    collectorSpecificHeat: 385,
    collectorConductivity: 5.8411e7,
    conductivity: 215,
    bruggemanElectrolyte: 1.5,
    bruggemanElectrode: 0,
  },
  separator: { thickness: 12e-6, porosity: 0.47, density: 397, specificHeat: 700, bruggemanElectrolyte: 1.5 },
  positive: {
    thickness: 75.6e-6,
    particleRadius: 5.22e-6,
    activeMaterialVolumeFraction: 0.665,
    porosity: 0.335,
    maxConcentration: 63104,
    initialConcentration: 17038,
    diffusivity: 4e-15,
    diffusivityActivationEnergy: 0,
    exchangeCurrentPrefactor: 3.42e-6,
    exchangeCurrentActivationEnergy: 17800,
    ocp: {
      constant: 4.4875,
      linear: -0.809,
      exp: [],
      tanh: [
        { amplitude: -0.0428, slope: 18.5138, center: 0.5542 },
        { amplitude: -17.7326, slope: 15.789, center: 0.3117 },
        { amplitude: 17.5842, slope: 15.9308, center: 0.312 },
      ],
    },
    entropicChange: { constant: 0, linear: 0, exp: [], tanh: [] },
    density: 3262,
    specificHeat: 700,
    collectorThickness: 16e-6,
    collectorDensity: 2700,
    collectorSpecificHeat: 897,
    collectorConductivity: 3.6914e7,
    conductivity: 0.18,
    bruggemanElectrolyte: 1.5,
    bruggemanElectrode: 0,
  },
  electrolyte: {
    concentration: 1000,
    transferenceNumber: 0.2594,
    thermodynamicFactor: 1,
    // Nyman et al., Electrochim. Acta 53 (2008) 6356 (PyBaMM electrolyte_diffusivity_Nyman2008): no T dependence.
    diffusivity: {
      referenceConcentration: 1000,
      terms: [
        { coefficient: 8.794e-11, power: 2, rate: 0 },
        { coefficient: -3.972e-10, power: 1, rate: 0 },
        { coefficient: 4.862e-10, power: 0, rate: 0 },
      ],
      activationEnergy: 0,
    },
    // Nyman2008 (PyBaMM electrolyte_conductivity_Nyman2008): no T dependence.
    conductivity: {
      referenceConcentration: 1000,
      terms: [
        { coefficient: 0.1297, power: 3, rate: 0 },
        { coefficient: -2.51, power: 1.5, rate: 0 },
        { coefficient: 3.329, power: 1, rate: 0 },
      ],
      activationEnergy: 0,
    },
  },
  geometry: {
    electrodeHeight: 0.065,
    electrodeWidth: 1.58,
    electrodeCount: 1,
    cellVolume: 2.42e-5,
    coolingArea: 0.00531,
  },
  thermal: {
    heatTransferCoefficient: 10,
    ambientTemperature: 298.15,
    initialTemperature: 298.15,
    referenceTemperature: 298.15,
  },
  electrical: {
    nominalCapacity: 5.0,
    lowerVoltageCutoff: 2.5,
    upperVoltageCutoff: 4.2,
    contactResistance: 0,
  },
};
