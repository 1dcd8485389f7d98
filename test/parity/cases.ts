/**
 * Shared parity cases: randomized parameter draws through the real sampler, covering where the ports can differ:
 * single cells at several C-rates, cold starts, high C-rates, defect welds, conduction, CC-CV charge and rest, constant
 * power to the power limit, a CC charge ending on its cut-off, current and power tables (step and linear), and
 * Marquis2019 (entropic heat, Arrhenius diffusion and kinetics) in single cells and in the 2-cell pack that the WGSL
 * kernel runs in private memory; OKane2022 (its measured graphite OCP table) with SEI growth by either law; the
 * valid-state stops of issue 15 (steps already past their limit at their start, a 12s2p pack at 10C whose cells reach
 * the end of their stoichiometry range, near-empty cells at a high C-rate, a cell exhausted before the pack limit, and
 * the same on the SPMe); and the SPMe: Chen2020 cells at 1C and 2C with electrolyte variation, a pack with welds and
 * conduction, a CC-CV charge (cells), the electrolyte depletion stop at 2.5C, OKane2022's Arrhenius electrolyte with
 * electrode Bruggeman 1.5, and Marquis2019's separator of porosity 1. Cases on the same set and pack shape share one
 * compiled WGSL pipeline.
 */
import type { PackSettings } from '../../src/pack/simulate.ts';
import { validateStudySpec, type StudySpec } from '../../src/spec/index.ts';
import { studyModel, type StudyModel } from '../../src/study/job.ts';
import type { ToleranceOverride } from './tolerance.ts';

const cellVariation = {
  'particleRadius.negative': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.15 } },
  'particleRadius.positive': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.15 } },
  'coatingThickness.negative': { scale: 'relative', cell: { distribution: 'normal', sd: 0.05 } },
  capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.03 } },
  heatTransferCoefficient: { scale: 'relative', cell: { distribution: 'uniform', min: -0.5, max: 0.5 } },
  contactResistance: {
    scale: 'log',
    base: 5e-4,
    cell: { distribution: 'defectMixture', probability: 0.1, base: { distribution: 'lognormal', sd: 0.2 }, factor: { distribution: 'pareto', alpha: 1.5, min: 3 } },
  },
};

/** The SPM cases name their model, so that they run it whatever the default. */
function spec(o: Record<string, unknown>): StudySpec {
  const simulation = { model: 'spm', ...(o.simulation as object | undefined) };
  return validateStudySpec({ params: 'chen2020', variation: cellVariation, run: { samples: 12, seed: 7, chunkSize: 12 }, ...o, simulation });
}

/** The SPMe cells vary in their electrolyte too: tortuosity, transport scales, porosity (through Bruggeman). */
const spmeVariation = {
  ...cellVariation,
  'porosity.negative': { scale: 'additive', cell: { distribution: 'truncatedNormal', sd: 0.02, min: -0.05, max: 0.05 } },
  'tortuosity.separator': { scale: 'relative', cell: { distribution: 'normal', sd: 0.1 } },
  electrolyteDiffusivity: { scale: 'log', cell: { distribution: 'lognormal', sd: 0.2 } },
  electrolyteConductivity: { scale: 'log', cell: { distribution: 'lognormal', sd: 0.2 } },
};

function spmeSpec(o: Record<string, unknown>): StudySpec {
  const simulation = { model: 'spme', ...(o.simulation as object | undefined) };
  return validateStudySpec({ params: 'chen2020', variation: spmeVariation, run: { samples: 8, seed: 23, chunkSize: 8 }, ...o, simulation });
}

/** Marquis2019 cells vary in particle size and capacity (its weld-free contact resistance is 0). */
const marquisVariation = {
  'particleRadius.negative': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.15 } },
  'particleRadius.positive': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.15 } },
  capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.03 } },
  heatTransferCoefficient: { scale: 'relative', cell: { distribution: 'uniform', min: -0.5, max: 0.5 } },
};

/** OKane2022 cells vary in particle size, capacity and SEI growth. */
const okaneVariation = {
  'particleRadius.negative': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.15 } },
  capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.03 } },
  'sei.solventDiffusivity': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.3 } },
  'sei.reactionExchangeCurrentDensity': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.3 } },
};

export interface ParityCase {
  name: string;
  spec: StudySpec;
  /** Pack settings a study file does not set (the library's `stopAt`). */
  settings?: Partial<PackSettings>;
  /** Outputs this case compares with its own tolerance, and why. */
  tolerance?: ToleranceOverride;
}

/** The study model a case runs: its spec's, with its settings. */
export function caseModel(c: ParityCase): StudyModel {
  const model = studyModel(c.spec);
  return c.settings ? { ...model, settings: { ...model.settings, ...c.settings } } : model;
}

export const PARITY_CASES: ParityCase[] = [
  { name: 'cells 1C', spec: spec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 1 }], run: { samples: 24, seed: 3, chunkSize: 24 } }) },
  { name: 'cells 0.5C isothermal', spec: spec({ pack: { series: 1, parallel: 1 }, simulation: { thermal: 'isothermal' }, protocol: [{ type: 'discharge', cRate: 0.5 }] }) },
  { name: 'cells 3C', spec: spec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 3 }] }) },
  { name: 'cells cold start 1.5C at 268 K', spec: spec({ pack: { series: 1, parallel: 1, ambientTemperature: 268.15 }, protocol: [{ type: 'discharge', cRate: 1.5 }] }) },
  {
    name: 'pack 4s3p defect welds, conduction, 2C',
    spec: spec({ pack: { series: 4, parallel: 3, modules: 2, interconnectResistance: 2e-4, conduction: 0.5 }, protocol: [{ type: 'discharge', cRate: 2 }], run: { samples: 6, seed: 11, chunkSize: 6 } }),
  },
  {
    // The size where the WGSL kernel runs one workgroup per pack (an invocation per cell): 384 cells.
    name: 'pack 96s4p defect welds, conduction, 2C then rest',
    spec: spec({
      pack: { series: 96, parallel: 4, modules: 8, conduction: 0.05, interconnectResistance: 1e-4 },
      protocol: [{ type: 'discharge', cRate: 2 }, { type: 'rest', duration: 600 }],
      run: { samples: 2, seed: 11, chunkSize: 2 },
    }),
  },
  {
    name: 'pack 2s2p CC-CV charge then rest',
    spec: spec({ pack: { series: 2, parallel: 2 }, initial: { soc: 0.2 }, protocol: [{ type: 'cccv', cRate: 1, voltage: 4.2, cutoffCRate: 0.1 }, { type: 'rest', duration: 600 }], run: { samples: 6, seed: 5, chunkSize: 6 } }),
  },
  {
    name: 'pack 3s2p constant power then drive cycle',
    spec: spec({
      pack: { series: 3, parallel: 2, interconnectResistance: 1e-4 },
      initial: { soc: 0.9 },
      protocol: [
        { type: 'discharge', power: 80, duration: 900 },
        { type: 'table', time: [0, 60, 120, 180, 240], current: [20, -8, 30, 0, 0] },
      ],
      run: { samples: 6, seed: 9, chunkSize: 6 },
    }),
  },
  {
    name: 'cells constant power until the power can no longer be delivered',
    spec: spec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', power: 60 }] }),
  },
  {
    name: 'cells CC charge ending on its cut-off, then linear current and power tables',
    spec: spec({
      pack: { series: 1, parallel: 1 },
      initial: { soc: 0.3 },
      protocol: [
        { type: 'charge', cRate: 1.5, cutoffVoltage: 4.1 },
        { type: 'table', time: [0, 100, 200, 300], current: [5, 15, -10, 2], interpolation: 'linear' },
        { type: 'table', time: [0, 60, 120, 240], power: [40, 10, -20, 25] },
        { type: 'table', time: [0, 90, 180], power: [30, -15, 5], interpolation: 'linear' },
      ],
    }),
  },
  {
    name: 'pack 3s2p power and linear tables, charge to the cut-off',
    spec: spec({
      pack: { series: 3, parallel: 2, interconnectResistance: 1e-4 },
      initial: { soc: 0.5 },
      protocol: [
        { type: 'table', time: [0, 120, 300], power: [150, -60, 90], interpolation: 'linear' },
        { type: 'charge', cRate: 1, cutoffVoltage: 4.15 },
        { type: 'rest', duration: 300 },
      ],
      run: { samples: 6, seed: 13, chunkSize: 6 },
    }),
  },
  {
    name: 'okane2022 pack 2s2p with SEI growth (reaction limited): 1C, rest, CC-CV (measured OCP table, film resistance and heat)',
    spec: validateStudySpec({
      params: 'okane2022',
      variation: { ...okaneVariation, seiRateFactor: { cell: { distribution: 'lognormal', sd: 0.3 } } },
      pack: { series: 2, parallel: 2 },
      simulation: { model: 'spm', sei: 'reaction limited' },
      protocol: [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 600 }, { type: 'cccv', cRate: 0.5, cutoffCRate: 0.05 }],
      run: { samples: 6, seed: 23, chunkSize: 6 },
    }),
  },
  {
    name: 'okane2022 cells with SEI growth (solvent-diffusion limited, no film heat, isothermal), 2C',
    spec: validateStudySpec({
      params: 'okane2022',
      variation: okaneVariation,
      pack: { series: 1, parallel: 1 },
      simulation: { model: 'spm', sei: 'solvent-diffusion limited', filmHeat: false, thermal: 'isothermal' },
      protocol: [{ type: 'discharge', cRate: 2 }],
      run: { samples: 8, seed: 29, chunkSize: 8 },
    }),
  },
  {
    name: 'marquis2019 cells 2C (entropic heat, Arrhenius)',
    spec: validateStudySpec({
      params: 'marquis2019',
      simulation: { model: 'spm' },
      variation: marquisVariation,
      pack: { series: 1, parallel: 1 },
      protocol: [{ type: 'discharge', cRate: 2 }],
      run: { samples: 12, seed: 17, chunkSize: 12 },
    }),
  },
  {
    name: 'marquis2019 pack 1s2p at 268 K, 1.5C then rest (2-cell private WGSL variant)',
    spec: validateStudySpec({
      params: 'marquis2019',
      simulation: { model: 'spm' },
      variation: marquisVariation,
      pack: { series: 1, parallel: 2, ambientTemperature: 268.15 },
      protocol: [{ type: 'discharge', cRate: 1.5 }, { type: 'rest', duration: 600 }],
      run: { samples: 8, seed: 19, chunkSize: 8 },
    }),
  },
  {
    name: 'cells at SOC 0 discharged, then charged, then a full one charged (steps past their limit at their start)',
    spec: spec({
      pack: { series: 1, parallel: 1 },
      initial: { soc: 0 },
      protocol: [
        { type: 'discharge', cRate: 1 },
        { type: 'charge', cRate: 2 },
        { type: 'charge', cRate: 1 },
        { type: 'cccv', cRate: 1, cutoffCRate: 0.5 },
        { type: 'discharge', cRate: 1, duration: 300 },
      ],
    }),
  },
  {
    name: 'pack 12s2p at 10C: cells reach the end of their stoichiometry range (issue 15)',
    spec: spec({ pack: { series: 12, parallel: 2, modules: 3 }, protocol: [{ type: 'discharge', cRate: 10 }], run: { samples: 8, seed: 1, chunkSize: 8 } }),
  },
  {
    name: 'pack 2s2p with near-empty cells at 5C, a rest, 5C again',
    spec: spec({
      pack: { series: 2, parallel: 2 },
      initial: { soc: 0.5 },
      variation: { ...cellVariation, initialSoc: { cell: { distribution: 'uniform', min: -0.49, max: 0 } } },
      protocol: [{ type: 'discharge', cRate: 5 }, { type: 'rest', duration: 60 }, { type: 'discharge', cRate: 5 }],
      run: { samples: 8, seed: 23, chunkSize: 8 },
    }),
  },
  {
    name: 'pack 6s1p stopping at the pack voltage: the weakest cell is exhausted first (its voltage collapses to 0 V)',
    spec: spec({ pack: { series: 6, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 2 }], run: { samples: 8, seed: 29, chunkSize: 8 } }),
    settings: { stopAt: 'pack' },
    // The run stops where the weakest cell's voltage falls through 0 V on the OCP's cliff at the end of its positive
    // electrode, at ~3000 V/s: the f32 port locates that time to ~2e-6 s (TOL crossing), i.e. to ~7 mV of the cell voltage.
    tolerance: {
      minCellVoltageV: { abs: 0.02, rel: 0, reason: 'a stop located on the cliff of an exhausted cell (f32: ~7 mV)' },
      finalPackVoltageV: { abs: 0.02, rel: 0, reason: 'the same cell in the pack voltage' },
    },
  },
  {
    name: 'spme cells at SOC 0 discharged (it ends at once: a step past its limit at its start), then charged and discharged',
    spec: spmeSpec({
      pack: { series: 1, parallel: 1 },
      initial: { soc: 0 },
      protocol: [{ type: 'discharge', cRate: 1 }, { type: 'charge', cRate: 1, duration: 600 }, { type: 'discharge', cRate: 1, duration: 300 }],
      run: { samples: 4, seed: 53, chunkSize: 4 },
    }),
  },
  {
    name: 'spme pack 6s1p stopping at the pack voltage at 1.5C: the weakest cell is exhausted first',
    spec: spmeSpec({ pack: { series: 6, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 1.5 }], run: { samples: 4, seed: 59, chunkSize: 4 } }),
    settings: { stopAt: 'pack' },
    // As the SPM case: the stop is located on the cliff of an exhausted cell (f32: ~7 mV).
    tolerance: {
      minCellVoltageV: { abs: 0.02, rel: 0, reason: 'a stop located on the cliff of an exhausted cell (f32: ~7 mV)' },
      finalPackVoltageV: { abs: 0.02, rel: 0, reason: 'the same cell in the pack voltage' },
    },
  },
  { name: 'spme cells 1C', spec: spmeSpec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 1 }] }) },
  { name: 'spme cells 2C', spec: spmeSpec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 2 }] }) },
  {
    name: 'spme cells 2.5C to electrolyte depletion',
    spec: spmeSpec({ pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 2.5 }, { type: 'rest', duration: 300 }], run: { samples: 6, seed: 29, chunkSize: 6 } }),
  },
  {
    name: 'spme pack 3s2p defect welds, conduction, 2C',
    spec: spmeSpec({ pack: { series: 3, parallel: 2, modules: 3, interconnectResistance: 2e-4, conduction: 0.5 }, protocol: [{ type: 'discharge', cRate: 2 }], run: { samples: 4, seed: 31, chunkSize: 4 } }),
  },
  {
    // Single cells: a CV step of an SPMe pack can take more loop iterations than Mesa's llvmpipe allows one
    // invocation (the WebGPU backend reports it; docs/webgpu.md), so the CV drive is compared on cells here.
    name: 'spme cells CC-CV charge then rest',
    spec: spmeSpec({
      pack: { series: 1, parallel: 1 },
      initial: { soc: 0.2 },
      protocol: [{ type: 'cccv', cRate: 1, voltage: 4.2, cutoffCRate: 0.1 }, { type: 'rest', duration: 600 }],
      run: { samples: 4, seed: 37, chunkSize: 4 },
    }),
  },
  {
    name: 'spme okane2022 cells 1.5C at 283 K (Arrhenius electrolyte, electrode Bruggeman 1.5)',
    spec: validateStudySpec({
      params: 'okane2022',
      simulation: { model: 'spme' },
      variation: { ...marquisVariation, electrolyteDiffusivity: { scale: 'log', cell: { distribution: 'lognormal', sd: 0.2 } } },
      pack: { series: 1, parallel: 1, ambientTemperature: 283.15 },
      protocol: [{ type: 'discharge', cRate: 1.5 }],
      run: { samples: 6, seed: 41, chunkSize: 6 },
    }),
  },
  {
    name: 'spme okane2022 cells with SEI growth (reaction limited): 1C, rest (film resistance and heat on the SPMe)',
    spec: validateStudySpec({
      params: 'okane2022',
      simulation: { model: 'spme', sei: 'reaction limited' },
      variation: { ...okaneVariation, seiRateFactor: { cell: { distribution: 'lognormal', sd: 0.3 } } },
      pack: { series: 1, parallel: 1 },
      protocol: [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 600 }],
      run: { samples: 4, seed: 47, chunkSize: 4 },
    }),
  },
  {
    name: 'spme marquis2019 pack 1s2p 2C (separator of porosity 1, Arrhenius)',
    spec: validateStudySpec({
      params: 'marquis2019',
      simulation: { model: 'spme' },
      variation: marquisVariation,
      pack: { series: 1, parallel: 2 },
      protocol: [{ type: 'discharge', cRate: 2 }],
      run: { samples: 6, seed: 43, chunkSize: 6 },
    }),
  },
];
