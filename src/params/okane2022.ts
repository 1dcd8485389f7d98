import { chen2020 } from './chen2020.ts';
import { GRAPHITE_LGM50_OCP_CHEN2020 } from './data/graphite-lgm50-ocp-chen2020.ts';
import type { ParameterSet } from './types.ts';

/**
 * LG M50 with degradation, as in PyBaMM's `OKane2022` parameter set: Chen2020 plus the SEI parameters O'Kane et al. fitted,
 * Arrhenius particle diffusivities and the measured graphite OCP. Differences from `chen2020` that act in an SPM:
 * - negative OCP: the measured table (`negative.ocpTable`, a not-a-knot cubic spline as in PyBaMM) instead of the tanh fit;
 *   the fit stays in `negative.ocp` for the kernels that cannot evaluate a table yet (up to 10 mV apart, docs/lifetime.md);
 * - particle diffusivity activation energies 30.3 kJ/mol (negative, after Ecker2015) and 25 kJ/mol (positive);
 * - the `sei` block (solvent-diffusion and reaction limited growth), ratio of lithium to SEI moles 1 (2 in PyBaMM's
 *   Chen2020), SEI growth activation energy 38 kJ/mol (0 in PyBaMM's Chen2020).
 * - Arrhenius electrolyte diffusivity and conductivity (17 kJ/mol, `electrolyte_*_Nyman2008_arrhenius`) and electrode
 *   Bruggeman coefficient 1.5 (0 in Chen2020); these act only in models with electrolyte physics (SPMe).
 * Plating, cracking and LAM parameters belong to options not modelled here.
 */
export const okane2022: ParameterSet = {
  ...chen2020,
  name: 'okane2022',
  description: "LG M50 21700 cell with SEI growth (O'Kane 2022): graphite (negative) / NMC811 (positive), 5 Ah",
  sources: [
    {
      key: 'OKane2022',
      text: "S. E. J. O'Kane, W. Ai, G. Madabattula, D. Alonso-Alvarez, R. Timms, V. Sulzer, J. S. Edge, B. Wu, G. J. Offer, M. Marinescu, \"Lithium-ion battery degradation: how to model it\", Phys. Chem. Chem. Phys. 24 (2022) 7909-7922",
      doi: '10.1039/D2CP00417H',
    },
    ...chen2020.sources.filter((s) => s.key === 'Chen2020'),
    {
      key: 'PyBaMM',
      text: 'V. Sulzer, S. G. Marquis, R. Timms, M. Robinson, S. J. Chapman, "Python Battery Mathematical Modelling (PyBaMM)", J. Open Research Software 9 (2021) 14; parameter file input/parameters/lithium_ion/OKane2022.py',
      doi: '10.5334/jors.309',
    },
  ],
  negative: {
    ...chen2020.negative,
    diffusivityActivationEnergy: 30300,
    bruggemanElectrode: 1.5,
    ocpTable: GRAPHITE_LGM50_OCP_CHEN2020,
  },
  positive: {
    ...chen2020.positive,
    diffusivityActivationEnergy: 25000,
    bruggemanElectrode: 1.5,
  },
  electrolyte: {
    ...chen2020.electrolyte,
    diffusivity: { ...chen2020.electrolyte.diffusivity, activationEnergy: 17000 },
    conductivity: { ...chen2020.electrolyte.conductivity, activationEnergy: 17000 },
  },
  sei: {
    initialThickness: 5e-9,
    partialMolarVolume: 9.585e-5,
    resistivity: 2e5,
    solventDiffusivity: 2.5e-22,
    bulkSolventConcentration: 2636,
    reactionExchangeCurrentDensity: 1.5e-7,
    openCircuitPotential: 0.4,
    activationEnergy: 38000,
    lithiumPerSeiMole: 1,
  },
};
