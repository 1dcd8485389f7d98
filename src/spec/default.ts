import { parseStudySpec } from './parse.ts';
import type { StudySpec } from './schema.ts';

/**
 * The built-in default study: a 12s2p pack of LG M50 cells (Chen2020) in 3 modules, discharged at 1C, with coating,
 * porosity, particle-size, capacity and cooling spread at pack, module and cell level, and tab-weld defects at 0.2 %.
 */
export const DEFAULT_STUDY_YAML = `# cellspread default study: 12s2p LG M50 pack in 3 modules, 1C discharge.
name: default-12s2p
params: chen2020
pack:
  series: 12
  parallel: 2
  modules: 3
  interconnectResistance: 1.0e-4     # Ohm per busbar connection
  conduction: 0.0                    # W/K between neighbouring cells
initial:
  soc: 1.0
simulation:
  model: spme                        # spm | spme (SPM + electrolyte, every heat source)
  timeStep: 10
  modes: 10
  thermal: lumped
protocol:
  - { type: discharge, cRate: 1 }
variation:
  coatingThickness.negative:         # relative: sd 0.5 % lot-to-lot, 0.5 % module, 1 % cell
    scale: relative
    pack: { distribution: normal, sd: 0.005 }
    module: { distribution: normal, sd: 0.005 }
    cell: { distribution: normal, sd: 0.01 }
  coatingThickness.positive:
    scale: relative
    pack: { distribution: normal, sd: 0.005 }
    cell: { distribution: normal, sd: 0.01 }
  porosity.negative:                 # absolute porosity points, truncated at +-3 sd
    scale: additive
    cell: { distribution: truncatedNormal, sd: 0.01, min: -0.03, max: 0.03 }
  particleRadius.negative:           # multiplicative, 5 % log-sd
    scale: log
    cell: { distribution: lognormal, sd: 0.05 }
  capacity:
    scale: relative
    cell: { distribution: normal, sd: 0.005 }
  contactResistance:                 # tab welds: lognormal, 0.2 % defective welds with a Pareto(1.5) factor >= 2
    scale: log
    base: 2.0e-4
    cell:
      distribution: defectMixture
      probability: 0.002
      base: { distribution: lognormal, sd: 0.1 }
      factor: { distribution: pareto, alpha: 1.5, min: 2 }
  heatTransferCoefficient:           # coolant plate contact varies per module
    scale: relative
    module: { distribution: uniform, min: -0.1, max: 0.1 }
    cell: { distribution: normal, sd: 0.05 }
correlation:
  cell:
    quantities: [porosity.negative, particleRadius.negative]
    matrix: [[1, 0.5], [0.5, 1]]
analysis:
  tail:
    # target: the largest acceptable share of packs beyond the limit (the report's verdict compares against it)
    - { output: maxTemperatureK, limit: 316.0, tail: upper, target: 1.0e-3 }   # 17.85 K over the coolant; 1 pack in 1000
    - { output: capacityAh, limit: 9.6, tail: lower, target: 0.02 }          # 96 % of the 2p pack's 10 Ah; 2 % yield loss
  sensitivity: { method: sobol, outputs: [maxTemperatureK, capacityAh], n: 64 }
run:
  samples: 200
  seed: 1
  chunkSize: 64
`;

/** The default study, parsed and validated. */
export function defaultStudy(): StudySpec {
  return parseStudySpec(DEFAULT_STUDY_YAML, { format: 'yaml', source: 'default-study.yaml' });
}
