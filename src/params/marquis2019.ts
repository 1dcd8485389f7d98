import type { ParameterSet, SeriesFunction } from './types.ts';

/**
 * Kokam SLPB 75106100 (graphite MCMB 2528 / LiCoO2), as in PyBaMM's `Marquis2019` parameter set
 * (input/parameters/lithium_ion/Marquis2019.py, PyBaMM 26.8). Its fits come from Dualfoil (OCPs, diffusivities and
 * exchange currents, with Arrhenius temperature dependence) and Moura's fastDFN (entropic changes).
 *
 * The functions are written below exactly as PyBaMM writes them, rearranged into the SeriesFunction shape:
 *   tanh(a - b t) = -tanh(b (t - a/b)),  sech^2 is even,  t = 1.062 s (the LiCoO2 "stretch"),
 * and the entropic changes' sech^2 terms are cosh^-2. PyBaMM's docstring names the cell SLPB78205130H; the paper's
 * cell is the SLPB 75106100.
 */

/** a tanh((s - c) / w) */
const tanhTerm = (amplitude: number, center: number, width: number) => ({ amplitude, slope: 1 / width, center });
/** a tanh(k - b stretch s) = -a tanh(b stretch (s - k / (b stretch))) */
const tanhLinear = (amplitude: number, k: number, b: number, stretch: number) => ({ amplitude: -amplitude, slope: b * stretch, center: k / (b * stretch) });
/** a sech^2(k - b stretch s) = a sech^2(b stretch (s - k / (b stretch))) */
const sech2Linear = (amplitude: number, k: number, b: number, stretch: number) => ({ amplitude, slope: b * stretch, center: k / (b * stretch) });

const GRAPHITE_CMAX = 24983.2619938437;
const LICOO2_CMAX = 51217.9257309275;
const STRETCH = 1.062;

/** graphite_mcmb2528_ocp_Dualfoil1998 */
const graphiteOcp: SeriesFunction = {
  constant: 0.194,
  linear: 0,
  exp: [{ amplitude: 1.5, rate: -120 }],
  tanh: [
    tanhTerm(0.0351, 0.286, 0.083),
    tanhTerm(-0.0045, 0.849, 0.119),
    tanhTerm(-0.035, 0.9233, 0.05),
    tanhTerm(-0.0147, 0.5, 0.034),
    tanhTerm(-0.102, 0.194, 0.142),
    tanhTerm(-0.022, 0.9, 0.0164),
    tanhTerm(-0.011, 0.124, 0.0226),
    tanhTerm(0.0155, 0.105, 0.029),
  ],
};

/** graphite_entropic_change_Moura2016: the derivative of the OCP's terms over c_max (PyBaMM's constant). */
const graphiteEntropic: SeriesFunction = {
  constant: 0,
  linear: 0,
  exp: [{ amplitude: -1.5 * (120 / GRAPHITE_CMAX), rate: -120 }],
  tanh: [],
  sech2: [
    { amplitude: 0.0351 / (0.083 * GRAPHITE_CMAX), slope: 1 / 0.083, center: 0.286 },
    { amplitude: -0.0045 / (0.119 * GRAPHITE_CMAX), slope: 1 / 0.119, center: 0.849 },
    { amplitude: -0.035 / (0.05 * GRAPHITE_CMAX), slope: 1 / 0.05, center: 0.9233 },
    { amplitude: -0.0147 / (0.034 * GRAPHITE_CMAX), slope: 1 / 0.034, center: 0.5 },
    { amplitude: -0.102 / (0.142 * GRAPHITE_CMAX), slope: 1 / 0.142, center: 0.194 },
    { amplitude: -0.022 / (0.0164 * GRAPHITE_CMAX), slope: 1 / 0.0164, center: 0.9 },
    { amplitude: -0.011 / (0.0226 * GRAPHITE_CMAX), slope: 1 / 0.0226, center: 0.124 },
    { amplitude: 0.0155 / (0.029 * GRAPHITE_CMAX), slope: 1 / 0.029, center: 0.105 },
  ],
};

/** lico2_ocp_Dualfoil1998 (argument stretched by 1.062) */
const licoo2Ocp: SeriesFunction = {
  constant: 2.16216,
  linear: 0,
  exp: [],
  tanh: [
    tanhLinear(0.07645, 30.834, 54.4806, STRETCH),
    tanhLinear(2.1581, 52.294, 50.294, STRETCH),
    tanhLinear(-0.14169, 11.0923, 19.8543, STRETCH),
    tanhLinear(0.2051, 1.4684, 5.4888, STRETCH),
    // 0.2531 tanh((-t + 0.56478) / 0.1316) = -0.2531 tanh((t - 0.56478) / 0.1316)
    { amplitude: -0.2531, slope: STRETCH / 0.1316, center: 0.56478 / STRETCH },
    { amplitude: -0.02167, slope: STRETCH / 0.006, center: 0.525 / STRETCH },
  ],
};

/** lico2_entropic_change_Moura2016 (argument stretched by 1.062; PyBaMM's coefficients, including 19.854). */
const licoo2Entropic: SeriesFunction = {
  constant: 0,
  linear: 0,
  exp: [],
  tanh: [],
  sech2: [
    sech2Linear(0.07645 * (-54.4806 / LICOO2_CMAX), 30.834, 54.4806, STRETCH),
    sech2Linear(2.1581 * (-50.294 / LICOO2_CMAX), 52.294, 50.294, STRETCH),
    sech2Linear(0.14169 * (19.854 / LICOO2_CMAX), 11.0923, 19.8543, STRETCH),
    sech2Linear(-0.2051 * (5.4888 / LICOO2_CMAX), 1.4684, 5.4888, STRETCH),
    { amplitude: -(0.2531 / 0.1316 / LICOO2_CMAX), slope: STRETCH / 0.1316, center: 0.56478 / STRETCH },
    { amplitude: -(0.02167 / 0.006 / LICOO2_CMAX), slope: STRETCH / 0.006, center: 0.525 / STRETCH },
  ],
};

export const marquis2019: ParameterSet = {
  name: 'marquis2019',
  description: 'Kokam SLPB 75106100 pouch cell, graphite (negative) / LiCoO2 (positive), 0.68 Ah; entropic and Arrhenius terms',
  sources: [
    {
      key: 'Marquis2019',
      text: 'S. G. Marquis, V. Sulzer, R. Timms, C. P. Please, S. J. Chapman, "An asymptotic derivation of a single particle model with electrolyte", J. Electrochem. Soc. 166 (2019) A3693',
      doi: '10.1149/2.0341915jes',
    },
    {
      key: 'PyBaMM',
      text: 'V. Sulzer, S. G. Marquis, R. Timms, M. Robinson, S. J. Chapman, "Python Battery Mathematical Modelling (PyBaMM)", J. Open Research Software 9 (2021) 14; parameter file input/parameters/lithium_ion/Marquis2019.py',
      doi: '10.5334/jors.309',
    },
    { key: 'Dualfoil', text: 'J. Newman, Dualfoil (OCP, diffusivity and exchange-current fits)' },
    { key: 'Moura2016', text: 'S. J. Moura, fastDFN (entropic-change fits), https://github.com/scott-moura/fastDFN' },
  ],
  negative: {
    thickness: 1e-4,
    particleRadius: 1e-5,
    activeMaterialVolumeFraction: 0.6,
    porosity: 0.3,
    maxConcentration: GRAPHITE_CMAX,
    initialConcentration: 19986.609595075,
    diffusivity: 3.9e-14,
    diffusivityActivationEnergy: 42770,
    exchangeCurrentPrefactor: 2e-5,
    exchangeCurrentActivationEnergy: 37480,
    ocp: graphiteOcp,
    entropicChange: graphiteEntropic,
    density: 1657,
    specificHeat: 700,
    collectorThickness: 2.5e-5,
    collectorDensity: 8954,
    collectorSpecificHeat: 385,
    collectorConductivity: 59600000,
    conductivity: 100,
    bruggemanElectrolyte: 1.5,
    bruggemanElectrode: 1.5,
  },
  separator: { thickness: 2.5e-5, porosity: 1.0, density: 397, specificHeat: 700, bruggemanElectrolyte: 1.5 },
  positive: {
    thickness: 1e-4,
    particleRadius: 1e-5,
    activeMaterialVolumeFraction: 0.5,
    porosity: 0.3,
    maxConcentration: LICOO2_CMAX,
    initialConcentration: 30730.7554385565,
    diffusivity: 1e-13,
    diffusivityActivationEnergy: 18550,
    exchangeCurrentPrefactor: 6e-7,
    exchangeCurrentActivationEnergy: 39570,
    ocp: licoo2Ocp,
    entropicChange: licoo2Entropic,
    density: 3262,
    specificHeat: 700,
    collectorThickness: 2.5e-5,
    collectorDensity: 2707,
    collectorSpecificHeat: 897,
    collectorConductivity: 35500000,
    conductivity: 10,
    bruggemanElectrolyte: 1.5,
    bruggemanElectrode: 1.5,
  },
  electrolyte: {
    concentration: 1000,
    transferenceNumber: 0.4,
    thermodynamicFactor: 1,
    // electrolyte_diffusivity_Capiglia1999: 5.34e-10 exp(-0.65 c_e / 1000), Arrhenius 37.04 kJ/mol.
    diffusivity: { referenceConcentration: 1000, terms: [{ coefficient: 5.34e-10, power: 0, rate: -0.65 }], activationEnergy: 37040 },
    // electrolyte_conductivity_Capiglia1999: 0.0911 + 1.9101 z - 1.052 z^2 + 0.1554 z^3, z = c_e / 1000, Arrhenius 34.7 kJ/mol.
    conductivity: {
      referenceConcentration: 1000,
      terms: [
        { coefficient: 0.0911, power: 0, rate: 0 },
        { coefficient: 1.9101, power: 1, rate: 0 },
        { coefficient: -1.052, power: 2, rate: 0 },
        { coefficient: 0.1554, power: 3, rate: 0 },
      ],
      activationEnergy: 34700,
    },
  },
  geometry: {
    electrodeHeight: 0.137,
    electrodeWidth: 0.207,
    electrodeCount: 1,
    cellVolume: 7.8e-6,
    coolingArea: 0.0569,
  },
  thermal: {
    heatTransferCoefficient: 10,
    ambientTemperature: 298.15,
    initialTemperature: 298.15,
    referenceTemperature: 298.15,
  },
  electrical: {
    nominalCapacity: 0.680616,
    lowerVoltageCutoff: 3.105,
    upperVoltageCutoff: 4.1,
    contactResistance: 0,
  },
};
