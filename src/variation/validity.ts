/**
 * Valid cells only. Every sampled cell is checked after mapping, before anything is simulated: each varied quantity
 * inside its valid range (positive capacities and thicknesses, porosities and fractions in (0, 1), non-negative finite
 * resistances, temperatures in a physical range, SOC in [0, 1]) and the derived kernel parameters consistent (a
 * stoichiometry window inside (0, 1), positive capacities and heat capacity). The first violation is a spec error
 * naming the quantity, the level that pushed it out, the sample, the cell and the value; nothing is clipped.
 */
import type { CellKernelParameters } from '../model/layout.ts';
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

/** Volume fractions of an electrode: porosity + active material <= 1. */
export function checkVolumeFractions(overrides: Record<string, number>, defaults: Record<'negative' | 'positive', { porosity: number; eps: number }>, sample: number, cell: number): void {
  for (const side of ['negative', 'positive'] as const) {
    const porosity = overrides[`${side}.porosity`] ?? defaults[side].porosity;
    const eps = overrides[`${side}.activeMaterialVolumeFraction`] ?? defaults[side].eps;
    if (porosity + eps > 1 + 1e-12) {
      throw new StudySpecError(
        ['variation'],
        `must keep every cell's ${side} porosity + active material volume fraction <= 1 (sample ${sample}, cell ${cell})`,
        porosity + eps,
        `porosity ${porosity.toPrecision(4)}, active material ${eps.toPrecision(4)}; vary porosity.${side} and activeFraction.${side} instead, which keep the sum valid`,
      );
    }
  }
}

const POSITIVE_PARAMETERS = ['capacityNeg', 'capacityPos', 'diffusionTimeNeg', 'diffusionTimePos', 'kineticCurrentNeg', 'kineticCurrentPos', 'heatCapacity'] as const;
const NON_NEGATIVE_PARAMETERS = ['contactResistance', 'collectorResistance', 'coolingConductance'] as const;

/** What is wrong with a cell's derived kernel parameters, or undefined. */
export function kernelParameterProblem(p: CellKernelParameters): string | undefined {
  for (const [name, v] of Object.entries(p)) if (!Number.isFinite(v)) return `${name} is ${v}`;
  for (const name of POSITIVE_PARAMETERS) if (!(p[name] > 0)) return `${name} is ${p[name]}, must be > 0`;
  for (const name of NON_NEGATIVE_PARAMETERS) if (!(p[name] >= 0)) return `${name} is ${p[name]}, must be >= 0`;
  if (!(p.stoichNegEmpty > 0 && p.stoichNegEmpty < p.stoichNegFull && p.stoichNegFull < 1)) {
    return `the negative stoichiometry window [${p.stoichNegEmpty}, ${p.stoichNegFull}] is not inside (0, 1)`;
  }
  for (const name of ['initialStoichNeg', 'initialStoichPos'] as const) if (!(p[name] > 0 && p[name] < 1)) return `${name} is ${p[name]}, must be in (0, 1)`;
  for (const name of ['ambientTemperature', 'initialTemperature'] as const) if (!inTemperatureRange(p[name])) return `${name} is ${p[name]} K, outside the physical range`;
  return undefined;
}
