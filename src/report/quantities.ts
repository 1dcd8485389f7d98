/**
 * Names and units as a reader wants them: unit symbols for display (W/(m²·K), Ω), an SI prefix that puts typical
 * values between 1 and 1000 (µm, mΩ), words for camelCase quantity names, and a per-sample input column shown as the
 * physical quantity it stands for (a level's relative deviation becomes nominal (1 + x) in the quantity's unit).
 */
import type { InputColumn } from '../results/format.ts';

/** Unit strings as stored (ASCII, machine-readable) to their display symbols. */
const SYMBOLS: Record<string, string> = {
  'W/(m2 K)': 'W/(m²·K)',
  'W/(m K)': 'W/(m·K)',
  'J/(kg K)': 'J/(kg·K)',
  'J/K': 'J/K',
  Ohm: 'Ω',
  'Ohm m2': 'Ω·m²',
  'm2/s': 'm²/s',
  'mol/m3': 'mol/m³',
  'kg/m3': 'kg/m³',
  m2: 'm²',
  m3: 'm³',
  '-': '',
};

/** The display symbol of a stored unit ('' for dimensionless). */
export function unitSymbol(unit: string | undefined): string {
  if (!unit) return '';
  return SYMBOLS[unit] ?? unit;
}

/** "name [unit]", or just the name for dimensionless quantities. */
export function withUnit(name: string, unit: string | undefined): string {
  const u = unitSymbol(unit);
  return u ? `${name} [${u}]` : name;
}

/** Base units that take an SI prefix in the report (others are shown as they are: K, V, Ah, ...). */
const PREFIXABLE = new Set(['m', 'Ω', 'J', 's', 'A', 'W']);
const PREFIXES: [number, string][] = [
  [1e-9, 'n'],
  [1e-6, 'µ'],
  [1e-3, 'm'],
  [1, ''],
  [1e3, 'k'],
  [1e6, 'M'],
];

/**
 * A display unit with an SI prefix so that `typical` reads between 1 and 1000 ({ unit: 'µm', factor: 1e6 } for
 * 85e-6 m), except that resistances read in mΩ from 0.1 mΩ, as welds and contacts are quoted.
 */
export function scaledUnit(unit: string | undefined, typical: number): { unit: string; factor: number } {
  const u = unitSymbol(unit);
  if (!PREFIXABLE.has(u) || !Number.isFinite(typical) || typical === 0 || u === 's') return { unit: u, factor: 1 };
  const a = Math.abs(typical);
  const lowest = u === 'Ω' ? 0.1 : 1;
  let chosen = PREFIXES[0];
  for (const p of PREFIXES) if (a >= lowest * p[0] * 0.9999) chosen = p;
  return { unit: `${chosen[1]}${u}`, factor: 1 / chosen[0] };
}

/** camelCase and dotted names in words: "heatTransferCoefficient" -> "heat transfer coefficient", "coatingThickness.negative" -> "negative electrode coating thickness". */
export function words(name: string): string {
  const parts = name.split('.');
  const spaced = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  const last = parts[parts.length - 1];
  if (parts.length > 1 && (last === 'negative' || last === 'positive')) {
    return `${last} electrode ${parts.slice(0, -1).map(spaced).join(' ')}`;
  }
  return parts.map(spaced).join(' ');
}

/** What one value of an input column is, in words: "lowest of the pack's 3 modules", "mean over the pack's cells". */
export function statisticWords(c: InputColumn, counts: { modules?: number; cells?: number }): string {
  if (c.level === 'pack') return 'the pack (lot) value';
  if (c.level === 'epistemic') return 'the epistemic draw';
  const module = c.level === 'module';
  const n = module ? counts.modules : counts.cells;
  const entities = `the pack's ${n ? `${n} ` : ''}${module ? 'modules' : 'cells'}`;
  if (c.statistic === 'min') return `lowest of ${entities}`;
  if (c.statistic === 'max') return `highest of ${entities}`;
  return `mean over ${entities}`;
}

/**
 * The physical value a column holds, in its quantity's unit: level draws are deviations (additive), relative
 * deviations (relative) or factors (log) around the nominal; aggregates are already physical. null when the column's
 * description is not enough to say (older results: the raw value is shown instead).
 */
export function physicalValue(c: InputColumn): ((x: number) => number) | null {
  if (c.level === undefined) return c.statistic ? (x) => x : null;
  const n = c.nominal;
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  if (c.scale === 'additive') return (x) => n + x;
  if (c.scale === 'relative') return (x) => n * (1 + x);
  if (c.scale === 'log') return (x) => n * x;
  return null;
}
