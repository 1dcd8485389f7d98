/**
 * Manufacturing quantities an engineer measures on the line, and how each maps onto the parameter-set overrides that
 * `deriveCellParameters` reads. Any numeric parameter-set leaf may also be varied directly by its dotted path.
 * docs/variation.md gives every formula.
 */
import { describeParameter, numericPaths } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import { pow } from '../math/elementary.ts';
import { MAX_CONTACT_RESISTANCE_OHM, TEMPERATURE_RANGE_K } from '../spec/physical.ts';

/** Values a cell's quantity may take: [lower, upper], each end open or closed. */
export interface ValidRange {
  lower: number;
  upper: number;
  lowerOpen: boolean;
  upperOpen: boolean;
}

const range = (lower: number, upper: number, lowerOpen: boolean, upperOpen: boolean): ValidRange => ({ lower, upper, lowerOpen, upperOpen });
export const POSITIVE: ValidRange = range(0, Infinity, true, true);
export const NON_NEGATIVE: ValidRange = range(0, Infinity, false, true);
export const FRACTION: ValidRange = range(0, 1, true, true);
export const FINITE: ValidRange = range(-Infinity, Infinity, true, true);
const TEMPERATURE: ValidRange = range(TEMPERATURE_RANGE_K[0], TEMPERATURE_RANGE_K[1], false, false);
const CONTACT_RESISTANCE: ValidRange = range(0, MAX_CONTACT_RESISTANCE_OHM, false, false);

export function inRange(x: number, r: ValidRange): boolean {
  if (!Number.isFinite(x)) return false;
  const lowOk = r.lowerOpen ? x > r.lower : x >= r.lower;
  const highOk = r.upperOpen ? x < r.upper : x <= r.upper;
  return lowOk && highOk;
}

/** "> 0", "in (0, 1)", "in [173.15, 473.15]", "finite". */
export function describeRange(r: ValidRange): string {
  if (r.lower === -Infinity && r.upper === Infinity) return 'finite';
  if (r.upper === Infinity) return `${r.lowerOpen ? '>' : '>='} ${r.lower}`;
  if (r.lower === -Infinity) return `${r.upperOpen ? '<' : '<='} ${r.upper}`;
  return `in ${r.lowerOpen ? '(' : '['}${r.lower}, ${r.upper}${r.upperOpen ? ')' : ']'}`;
}

export type Scale = 'additive' | 'relative' | 'log';
export type Level = 'pack' | 'module' | 'cell';
export const LEVELS: readonly Level[] = ['pack', 'module', 'cell'];

export interface ManufacturingQuantity {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  /** Scale used when the study gives none. */
  readonly defaultScale: Scale;
  /** Nominal value from the set (and the study's initial SOC); may be 0 (then the study must give `base`). */
  nominal(set: ParameterSet, initialSoc: number): number;
  /** Whether the quantity must stay > 0 (true) or may be any real (false). */
  readonly positive: boolean;
  /** Values a cell may take (checked on every sampled cell, before anything is simulated). */
  readonly valid: ValidRange;
  /** Parameter-set paths the mapping writes (used to detect two variations of one parameter). */
  readonly writes: readonly string[];
  /**
   * 'spme': the quantity acts only through the SPMe's electrolyte (src/model/electrolyte.ts derives it), so a study on
   * the SPM refuses it rather than ignore it. Absent: it acts in both models.
   */
  readonly model?: 'spme';
}

const side = (s: 'negative' | 'positive') => [
  {
    name: `coatingThickness.${s}`,
    unit: 'm',
    description: `${s} electrode coating thickness L (capacity, interfacial area and heat capacity follow)`,
    defaultScale: 'relative',
    nominal: (set: ParameterSet) => set[s].thickness,
    positive: true,
    valid: POSITIVE,
    writes: [`${s}.thickness`],
  },
  {
    name: `porosity.${s}`,
    unit: '-',
    description: `${s} electrode porosity eps_e; the active volume fraction becomes a (1 - eps_e); in the SPMe also the pore volume and the transport efficiency eps_e^b`,
    defaultScale: 'additive',
    nominal: (set: ParameterSet) => set[s].porosity,
    positive: true,
    valid: FRACTION,
    writes: [`${s}.porosity`, `${s}.activeMaterialVolumeFraction`],
  },
  {
    name: `activeFraction.${s}`,
    unit: '-',
    description: `${s} active-material fraction a of the solid (coating) volume; eps_s = a (1 - eps_e)`,
    defaultScale: 'relative',
    nominal: (set: ParameterSet) => set[s].activeMaterialVolumeFraction / (1 - set[s].porosity),
    positive: true,
    valid: range(0, 1, true, false),
    writes: [`${s}.activeMaterialVolumeFraction`],
  },
  {
    name: `particleRadius.${s}`,
    unit: 'm',
    description: `${s} particle radius R (diffusion time R^2/D and interfacial area 3 eps_s L / R follow)`,
    defaultScale: 'log',
    nominal: (set: ParameterSet) => set[s].particleRadius,
    positive: true,
    valid: POSITIVE,
    writes: [`${s}.particleRadius`],
  },
] satisfies ManufacturingQuantity[];

type Region = 'negative' | 'separator' | 'positive';
const regionOf = (set: ParameterSet, r: Region) => (r === 'separator' ? set.separator : set[r]);

/**
 * Tortuosity tau of the pore network of one region (electrolyte transport efficiency eps / tau), as measured by
 * impedance (MacMullin number N_M = tau / eps). Nominal: the set's Bruggeman relation, tau0 = eps^(1 - b). Sampled, it
 * replaces the Bruggeman relation for that cell: B = eps_cell / tau_cell.
 */
const tortuosity = (r: Region): ManufacturingQuantity => ({
  name: `tortuosity.${r}`,
  unit: '-',
  description: `${r} tortuosity tau: electrolyte transport efficiency eps / tau in place of eps^b (SPMe)`,
  defaultScale: 'relative',
  nominal: (set) => pow(regionOf(set, r).porosity, 1 - regionOf(set, r).bruggemanElectrolyte),
  positive: true,
  valid: range(1, Infinity, false, true), // a path through the pores is never shorter than the straight one
  writes: [`tortuosity.${r}`, `${r}.bruggemanElectrolyte`],
  model: 'spme',
});

/** Parameter-set paths that only the SPMe's electrolyte reads: varying one in an SPM study would change nothing. */
const SPME_ONLY_PATH =
  /^((negative|positive)\.(conductivity|bruggemanElectrolyte|bruggemanElectrode)|separator\.(porosity|bruggemanElectrolyte)|electrolyte\.(transferenceNumber|thermodynamicFactor|diffusivity\..+|conductivity\..+))$/;

export const MANUFACTURING_QUANTITIES: readonly ManufacturingQuantity[] = [
  ...side('negative'),
  ...side('positive'),
  tortuosity('negative'),
  tortuosity('separator'),
  tortuosity('positive'),
  {
    name: 'electrolyteConductivity',
    unit: '-',
    description: "factor on the set's electrolyte conductivity kappa_e(c_e, T) (SPMe: Ohmic drop and heat)",
    defaultScale: 'relative',
    nominal: () => 1,
    positive: true,
    valid: POSITIVE,
    writes: ['electrolyteConductivity'],
    model: 'spme',
  },
  {
    name: 'electrolyteDiffusivity',
    unit: '-',
    description: "factor on the set's electrolyte diffusivity D_e(c_e, T) (SPMe: concentration gradients)",
    defaultScale: 'relative',
    nominal: () => 1,
    positive: true,
    valid: POSITIVE,
    writes: ['electrolyteDiffusivity'],
    model: 'spme',
  },
  {
    name: 'contactResistance',
    unit: 'Ohm',
    description: 'tab/weld contact resistance in series with the cell',
    defaultScale: 'log',
    nominal: (set) => set.electrical.contactResistance,
    positive: true,
    valid: CONTACT_RESISTANCE,
    writes: ['electrical.contactResistance'],
  },
  {
    name: 'capacity',
    unit: 'Ah',
    description: 'cell capacity through the electrode area: capacity, interfacial area and 1/collector resistance scale together',
    defaultScale: 'relative',
    nominal: (set) => set.electrical.nominalCapacity,
    positive: true,
    valid: POSITIVE,
    writes: ['geometry.electrodeWidth'],
  },
  {
    name: 'initialSoc',
    unit: '-',
    description: 'initial state of charge of the cell, in [0, 1]',
    defaultScale: 'additive',
    nominal: (_set, soc) => soc,
    positive: false,
    valid: range(0, 1, false, false),
    writes: ['soc'],
  },
  {
    name: 'lithiumInventory',
    unit: '-',
    description: 'cyclable lithium relative to the set (lithiumInventoryFactor, nominal 1)',
    defaultScale: 'relative',
    nominal: () => 1,
    positive: true,
    valid: POSITIVE,
    writes: ['lithiumInventoryFactor'],
  },
  {
    name: 'seiRateFactor',
    unit: '-',
    description: "factor on the cell's SEI growth rate (nominal 1): the cell-to-cell spread of ageing not explained by its sei.* parameters; the per-cycle random walk (ageing.randomWalk) multiplies it",
    defaultScale: 'log',
    nominal: () => 1,
    positive: true,
    valid: POSITIVE,
    writes: ['sei.rateFactor'],
  },
  {
    name: 'heatTransferCoefficient',
    unit: 'W/(m2 K)',
    description: 'heat-transfer coefficient to the coolant (cooling conductance h A follows)',
    defaultScale: 'relative',
    nominal: (set) => set.thermal.heatTransferCoefficient,
    positive: true,
    valid: NON_NEGATIVE,
    writes: ['thermal.heatTransferCoefficient'],
  },
  {
    name: 'ambientTemperature',
    unit: 'K',
    description: 'coolant/ambient temperature seen by the cell',
    defaultScale: 'additive',
    nominal: (set) => set.thermal.ambientTemperature,
    positive: true,
    valid: TEMPERATURE,
    writes: ['thermal.ambientTemperature'],
  },
  {
    name: 'initialTemperature',
    unit: 'K',
    description: 'initial cell temperature',
    defaultScale: 'additive',
    nominal: (set) => set.thermal.initialTemperature,
    positive: true,
    valid: TEMPERATURE,
    writes: ['thermal.initialTemperature'],
  },
];

export const MANUFACTURING_QUANTITY_NAMES: readonly string[] = MANUFACTURING_QUANTITIES.map((q) => q.name);

/** The quantity a variation key names: a manufacturing quantity, or a raw parameter-set path (undefined if neither). */
export function resolveQuantity(name: string, set: ParameterSet): ManufacturingQuantity | undefined {
  const mq = MANUFACTURING_QUANTITIES.find((q) => q.name === name);
  if (mq) return mq;
  if (!variablePaths(set).includes(name)) return undefined;
  const keys = name.split('.');
  const d = describeParameter(name);
  return {
    name,
    unit: d?.unit ?? '',
    description: d?.description ?? name,
    defaultScale: 'relative',
    nominal: (s) => {
      let node: unknown = s;
      for (const k of keys) node = (node as Record<string, unknown>)[k];
      return node as number;
    },
    positive: !/activationEnergy$/i.test(name),
    valid: parameterRange(name),
    writes: [name],
    ...(SPME_ONLY_PATH.test(name) ? { model: 'spme' as const } : {}),
  };
}

/** Valid values of a raw parameter-set path varied directly. */
function parameterRange(path: string): ValidRange {
  if (/activationEnergy$/i.test(path)) return FINITE;
  if (/(porosity|activeMaterialVolumeFraction|transferenceNumber)$/.test(path)) return FRACTION;
  if (/^thermal\..*Temperature$/.test(path)) return TEMPERATURE;
  if (path === 'electrical.contactResistance') return CONTACT_RESISTANCE;
  if (/^(negative|positive)\.initialConcentration$|exchangeCurrentPrefactor$|heatTransferCoefficient$/.test(path)) return NON_NEGATIVE;
  return POSITIVE;
}

/** Every name a variation key may take for this set, for "did you mean" suggestions. */
export function variationKeyNames(set: ParameterSet): string[] {
  return [...MANUFACTURING_QUANTITY_NAMES, ...variablePaths(set)];
}

/** Numeric parameter paths a cell may vary: all but the electrolyte fits' reference concentrations (a fit's scale). */
function variablePaths(set: ParameterSet): string[] {
  return numericPaths(set).filter((p) => !p.endsWith('.referenceConcentration'));
}
