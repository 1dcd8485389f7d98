/**
 * Valid cells only. Every sampled cell is checked after mapping, before anything is simulated: each varied quantity
 * inside its valid range (positive capacities and thicknesses, porosities and fractions in (0, 1), non-negative finite
 * resistances, temperatures in a physical range, SOC in [0, 1]) and the derived kernel parameters consistent (a
 * stoichiometry window inside (0, 1), positive capacities and heat capacity). The first violation is a spec error
 * naming the quantity, the level that pushed it out, the sample, the cell and the value; nothing is clipped.
 */
import { CELL_PARAMETER_INDEX, CELL_PARAMETERS, type CellKernelParameters, type CellParameterName } from '../model/layout.ts';
import { StudySpecError } from '../spec/errors.ts';
import { inTemperatureRange } from '../spec/physical.ts';
import type { StudySpec } from '../spec/schema.ts';
import type { CompiledQuantity } from './design.ts';
import { describeRange, inRange, LEVELS, type Level } from './quantities.ts';

/** Scale-space draws of one quantity for one sample: pack (1), module (per module), cell (per cell), when varied. */
export type LevelDraws = Record<Level, Float64Array | null>;

/**
 * The level whose draw pushed the cell's value out of range: the most extreme draw in the offending direction (an
 * epistemic draw, shared by every cell of an outer sample, competes like a level above pack).
 */
function culpritLevel(draws: LevelDraws, moduleOfCell: Int32Array, cell: number, tooLow: boolean, epistemic?: number): { level: Level | 'epistemic'; draw: number } | undefined {
  let best: { level: Level | 'epistemic'; draw: number } | undefined = epistemic === undefined ? undefined : { level: 'epistemic', draw: epistemic };
  for (const level of LEVELS) {
    const d = draws[level];
    if (!d) continue;
    const draw = level === 'pack' ? d[0] : level === 'module' ? d[moduleOfCell[cell]] : d[cell];
    if (!best || (tooLow ? draw < best.draw : draw > best.draw)) best = { level, draw };
  }
  return best;
}

function boundingHint(distribution: string | undefined, positive: boolean): string {
  const what = distribution ? `${distribution} can reach values the cell cannot have` : 'the levels add up to a value the cell cannot have';
  const fixes = ['bound the draw with truncatedNormal (min/max) or uniform', 'or narrow the spread'];
  if (positive) fixes.push('or use scale: log (a positive factor)');
  return `${what}: ${fixes.join(', ')}`;
}

/** Check one cell's value of a varied quantity; throws the spec error described above. */
export function checkCellValue(
  spec: StudySpec,
  q: CompiledQuantity,
  draws: LevelDraws,
  moduleOfCell: Int32Array,
  sample: number,
  cell: number,
  value: number,
  epistemicDraw?: number,
): void {
  if (inRange(value, q.info.valid)) return;
  const tooLow = !(value > q.info.valid.lower) || Number.isNaN(value);
  const culprit = culpritLevel(draws, moduleOfCell, cell, tooLow, epistemicDraw);
  const level = culprit?.level;
  const dist = level === 'epistemic' ? spec.epistemic?.quantities[q.key]?.value.distribution : level ? spec.variation[q.key]?.[level]?.distribution : undefined;
  const path = level === 'epistemic' ? ['epistemic', 'quantities', q.key, 'value'] : level ? ['variation', q.key, level] : ['variation', q.key];
  const unit = q.info.unit && q.info.unit !== '-' ? ` ${q.info.unit}` : '';
  const drawText = culprit ? `; its ${culprit.level}-level draw is ${culprit.draw.toPrecision(4)} on the ${q.scale} scale` : '';
  throw new StudySpecError(
    path,
    `must keep every cell's ${q.key} ${describeRange(q.info.valid)}${unit} (sample ${sample}, cell ${cell})`,
    value,
    `${boundingHint(dist, q.info.valid.upper === Infinity && q.info.valid.lower >= 0)}${drawText}`,
  );
}

/** Volume fractions of an electrode: porosity + active material volume fraction <= 1. */
export function checkVolumeFraction(side: 'negative' | 'positive', porosity: number, activeMaterial: number, sample: number, cell: number): void {
  if (porosity + activeMaterial > 1 + 1e-12) {
    throw new StudySpecError(
      ['variation'],
      `must keep every cell's ${side} porosity + active material volume fraction <= 1 (sample ${sample}, cell ${cell})`,
      porosity + activeMaterial,
      `porosity ${porosity.toPrecision(4)}, active material ${activeMaterial.toPrecision(4)}; vary porosity.${side} and activeFraction.${side} instead, which keep the sum valid`,
    );
  }
}

const POSITIVE_PARAMETERS = ['capacityNeg', 'capacityPos', 'diffusionTimeNeg', 'diffusionTimePos', 'kineticCurrentNeg', 'kineticCurrentPos', 'heatCapacity'] as const;
const NON_NEGATIVE_PARAMETERS = ['contactResistance', 'collectorResistance', 'coolingConductance'] as const;

/** What is wrong with a cell's derived kernel parameters, or undefined. */
export function kernelParameterProblem(p: CellKernelParameters): string | undefined {
  return parameterProblem((name) => p[name]);
}

const I = CELL_PARAMETER_INDEX;
const POSITIVE_AT = POSITIVE_PARAMETERS.map((n) => I[n]);
const NON_NEGATIVE_AT = NON_NEGATIVE_PARAMETERS.map((n) => I[n]);
const PARAMETER_COUNT = CELL_PARAMETERS.length;

/**
 * kernelParameterProblem of the cell at `index` of a struct-of-arrays parameter block (parameter p at
 * p * stride + index). On the sampling path: a quick pass over the numbers, the message only for a bad cell.
 */
export function kernelParameterProblemAt(parameters: Float64Array, index: number, stride: number): string | undefined {
  // x * 0 is 0 for every finite x and NaN otherwise: one sum tells whether all parameters are finite.
  let zero = 0;
  for (let p = 0, at = index; p < PARAMETER_COUNT; p++, at += stride) zero += parameters[at] * 0;
  let ok = zero === 0;
  for (let k = 0; k < POSITIVE_AT.length; k++) ok = ok && parameters[POSITIVE_AT[k] * stride + index] > 0;
  for (let k = 0; k < NON_NEGATIVE_AT.length; k++) ok = ok && parameters[NON_NEGATIVE_AT[k] * stride + index] >= 0;
  const empty = parameters[I.stoichNegEmpty * stride + index];
  const full = parameters[I.stoichNegFull * stride + index];
  const x0 = parameters[I.initialStoichNeg * stride + index];
  const y0 = parameters[I.initialStoichPos * stride + index];
  ok = ok && empty > 0 && empty < full && full < 1 && x0 > 0 && x0 < 1 && y0 > 0 && y0 < 1;
  ok = ok && inTemperatureRange(parameters[I.ambientTemperature * stride + index]) && inTemperatureRange(parameters[I.initialTemperature * stride + index]);
  return ok ? undefined : parameterProblem((name) => parameters[I[name] * stride + index]);
}

function parameterProblem(get: (name: CellParameterName) => number): string | undefined {
  for (const { name } of CELL_PARAMETERS) if (!Number.isFinite(get(name))) return `${name} is ${get(name)}`;
  for (const name of POSITIVE_PARAMETERS) if (!(get(name) > 0)) return `${name} is ${get(name)}, must be > 0`;
  for (const name of NON_NEGATIVE_PARAMETERS) if (!(get(name) >= 0)) return `${name} is ${get(name)}, must be >= 0`;
  const empty = get('stoichNegEmpty');
  const full = get('stoichNegFull');
  if (!(empty > 0 && empty < full && full < 1)) return `the negative stoichiometry window [${empty}, ${full}] is not inside (0, 1)`;
  for (const name of ['initialStoichNeg', 'initialStoichPos'] as const) if (!(get(name) > 0 && get(name) < 1)) return `${name} is ${get(name)}, must be in (0, 1)`;
  for (const name of ['ambientTemperature', 'initialTemperature'] as const) if (!inTemperatureRange(get(name))) return `${name} is ${get(name)} K, outside the physical range`;
  return undefined;
}
