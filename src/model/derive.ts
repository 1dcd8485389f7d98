import { CellspreadInputError } from '../errors.ts';
import type { ElectrodeParameters, ParameterSet } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import type { ParameterDecl } from '../kernels/define.ts';
import { CELL_PARAMETERS, type CellKernelParameters } from './layout.ts';
import { illinois } from './roots.ts';
import { ocpFunction } from './ocp-table.ts';
import { openCircuitPotential, openCircuitPotentialSlope } from './series.ts';

/**
 * Per-cell deviations from the parameter set: any numeric leaf by dotted path (e.g. "negative.particleRadius",
 * "electrical.contactResistance", "thermal.heatTransferCoefficient"), plus `lithiumInventoryFactor`, which scales the
 * set's cyclable lithium (1 = as in the set). Reading overrides never copies the set, so deriving a million cells is cheap.
 */
export type CellOverrides = Readonly<Record<string, number | undefined>>;

export interface ElectrodeBalance {
  /** Negative and positive electrode capacities [Ah]. */
  capacityNeg: number;
  capacityPos: number;
  /** Cyclable lithium [Ah]: x Q_n + y Q_p is conserved. */
  lithiumInventory: number;
  /** Stoichiometries at 0 % and 100 % SOC (OCV at lower and upper cut-off). */
  x0: number;
  x100: number;
  y0: number;
  y100: number;
}

/** The override at `path`, else the set's value `base`. */
export function pick(o: CellOverrides | undefined, path: string, base: number): number {
  const v = o?.[path];
  return v === undefined ? base : v;
}

const ELECTRODE_KEYS = {
  negative: electrodeKeys('negative'),
  positive: electrodeKeys('positive'),
};

function electrodeKeys(side: 'negative' | 'positive') {
  return {
    thickness: `${side}.thickness`,
    radius: `${side}.particleRadius`,
    epsS: `${side}.activeMaterialVolumeFraction`,
    cMax: `${side}.maxConcentration`,
    c0: `${side}.initialConcentration`,
    diffusivity: `${side}.diffusivity`,
    diffusionEa: `${side}.diffusivityActivationEnergy`,
    m: `${side}.exchangeCurrentPrefactor`,
    kineticEa: `${side}.exchangeCurrentActivationEnergy`,
  } as const;
}

type ElectrodeValues = Record<keyof ReturnType<typeof electrodeKeys>, number>;

function electrodeOf(set: ParameterSet, side: 'negative' | 'positive', o?: CellOverrides): ElectrodeValues {
  const e: ElectrodeParameters = set[side];
  const k = ELECTRODE_KEYS[side];
  return {
    thickness: pick(o, k.thickness, e.thickness),
    radius: pick(o, k.radius, e.particleRadius),
    epsS: pick(o, k.epsS, e.activeMaterialVolumeFraction),
    cMax: pick(o, k.cMax, e.maxConcentration),
    c0: pick(o, k.c0, e.initialConcentration),
    diffusivity: pick(o, k.diffusivity, e.diffusivity),
    diffusionEa: pick(o, k.diffusionEa, e.diffusivityActivationEnergy),
    m: pick(o, k.m, e.exchangeCurrentPrefactor),
    kineticEa: pick(o, k.kineticEa, e.exchangeCurrentActivationEnergy),
  };
}

/** Every electrode value finite, the positive-only ones > 0; names the offending override. */
function checkElectrode(side: 'negative' | 'positive', e: ElectrodeValues): void {
  const keys = ELECTRODE_KEYS[side];
  for (const name of ['thickness', 'radius', 'epsS', 'cMax', 'diffusivity'] as const) {
    if (!(e[name] > 0 && Number.isFinite(e[name]))) throw new CellspreadInputError(keys[name], 'must be a finite number > 0', e[name]);
  }
  for (const name of ['c0', 'm'] as const) {
    if (!(e[name] >= 0 && Number.isFinite(e[name]))) throw new CellspreadInputError(keys[name], 'must be a finite number >= 0', e[name]);
  }
  for (const name of ['diffusionEa', 'kineticEa'] as const) {
    if (!Number.isFinite(e[name])) throw new CellspreadInputError(keys[name], 'must be a finite number', e[name]);
  }
}

/** Electrode area A = L_z L_y n_elec [m2]. */
export function electrodeArea(set: ParameterSet, o?: CellOverrides): number {
  return (
    pick(o, 'geometry.electrodeHeight', set.geometry.electrodeHeight) *
    pick(o, 'geometry.electrodeWidth', set.geometry.electrodeWidth) *
    pick(o, 'geometry.electrodeCount', set.geometry.electrodeCount)
  );
}

/** Electrode capacities, lithium inventory and the 0 %/100 % SOC stoichiometries (PyBaMM's electrode-SOH method). */
export function electrodeBalance(set: ParameterSet, overrides?: CellOverrides): ElectrodeBalance {
  const area = electrodeArea(set, overrides);
  const neg = electrodeOf(set, 'negative', overrides);
  const pos = electrodeOf(set, 'positive', overrides);
  const toAh = (FARADAY * area) / SECONDS_PER_HOUR;
  const capacityNeg = neg.epsS * neg.thickness * neg.cMax * toAh;
  const capacityPos = pos.epsS * pos.thickness * pos.cMax * toAh;
  const lithiumInventory =
    (neg.epsS * neg.thickness * neg.c0 + pos.epsS * pos.thickness * pos.c0) * toAh * pick(overrides, 'lithiumInventoryFactor', 1);
  const vMin = pick(overrides, 'electrical.lowerVoltageCutoff', set.electrical.lowerVoltageCutoff);
  const vMax = pick(overrides, 'electrical.upperVoltageCutoff', set.electrical.upperVoltageCutoff);
  // x ranges where both stoichiometries stay inside (0, 1).
  const xLo = Math.max(1e-9, (lithiumInventory - capacityPos) / capacityNeg + 1e-9);
  const xHi = Math.min(1 - 1e-9, lithiumInventory / capacityNeg - 1e-9);
  if (!(xHi > xLo)) {
    throw new CellspreadInputError('lithiumInventory', 'must fit both electrodes (0 < x, y < 1)', lithiumInventory);
  }
  // The OCPs as the set defines them: measured tables where it gives them (the balance PyBaMM computes).
  const uNeg = ocpFunction(set.negative, 'negative.ocpTable');
  const uPos = ocpFunction(set.positive, 'positive.ocpTable');
  const ocvAt = (x: number) => openCircuitPotential(uPos, (lithiumInventory - x * capacityNeg) / capacityPos) - openCircuitPotential(uNeg, x);
  const ocvSlope = (x: number) =>
    (-capacityNeg / capacityPos) * openCircuitPotentialSlope(uPos, (lithiumInventory - x * capacityNeg) / capacityPos) - openCircuitPotentialSlope(uNeg, x);
  const guess = overrides === undefined ? undefined : nominalBalance(set);
  const solve = (v: number, name: string, guess: number | undefined) => {
    const x = solveOcv(ocvAt, ocvSlope, v, xLo, xHi, guess);
    if (!Number.isFinite(x)) {
      throw new CellspreadInputError(name, 'must lie inside the open-circuit voltage range of the cell', v);
    }
    return x;
  };
  const x100 = solve(vMax, 'electrical.upperVoltageCutoff', guess?.x100);
  const x0 = solve(vMin, 'electrical.lowerVoltageCutoff', guess?.x0);
  return {
    capacityNeg,
    capacityPos,
    lithiumInventory,
    x0,
    x100,
    y0: (lithiumInventory - x0 * capacityNeg) / capacityPos,
    y100: (lithiumInventory - x100 * capacityNeg) / capacityPos,
  };
}

/**
 * The nominal set's own balance, the starting point of every cell's Newton iterations. It is a pure function of the
 * set (so every cell's result depends on its own inputs alone, bit for bit), computed once per set object.
 */
const nominalBalances = new WeakMap<ParameterSet, ElectrodeBalance>();
function nominalBalance(set: ParameterSet): ElectrodeBalance {
  let b = nominalBalances.get(set);
  if (!b) {
    b = electrodeBalance(set);
    nominalBalances.set(set, b);
  }
  return b;
}

/**
 * Root of ocv(x) = v on [lo, hi] (ocv increasing in x): Newton from `guess` on the analytic slope, kept inside a
 * shrinking bracket with bisection whenever a step would leave it; falls back to Illinois if it stalls.
 */
function solveOcv(ocv: (x: number) => number, slope: (x: number) => number, v: number, lo: number, hi: number, guess?: number): number {
  // ocv is increasing, so the sign of f(x) alone shrinks the bracket; no end-point evaluations are needed.
  const lo0 = lo;
  const hi0 = hi;
  let x = guess !== undefined && guess > lo && guess < hi ? guess : 0.5 * (lo + hi);
  for (let i = 0; i < 80; i++) {
    const f = ocv(x) - v;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const d = slope(x);
    let next = x - f / d;
    if (!(d > 0) || !(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, Math.abs(x)) || hi - lo <= 2e-16) {
      // Converged onto an end of the original range: no root inside it.
      if (next - lo0 < 1e-12 || hi0 - next < 1e-12) return Math.abs(ocv(next) - v) < 1e-9 ? next : NaN;
      return next;
    }
    x = next;
  }
  return illinois((xx) => ocv(xx) - v, lo, hi, 1e-14);
}

/** Lumped volumetric heat capacity: thickness-weighted rho c_p over the five layers (cn, n, s, p, cp). */
export function effectiveVolumetricHeatCapacity(set: ParameterSet, o?: CellOverrides): number {
  const n = set.negative;
  const p = set.positive;
  const s = set.separator;
  const layers: Array<[number, number, number]> = [
    [n.collectorDensity, n.collectorSpecificHeat, n.collectorThickness],
    [n.density, n.specificHeat, pick(o, 'negative.thickness', n.thickness)],
    [s.density, s.specificHeat, pick(o, 'separator.thickness', s.thickness)],
    [p.density, p.specificHeat, pick(o, 'positive.thickness', p.thickness)],
    [p.collectorDensity, p.collectorSpecificHeat, p.collectorThickness],
  ];
  let num = 0;
  let den = 0;
  for (const [rho, cp, l] of layers) {
    num += rho * cp * l;
    den += l;
  }
  return num / den;
}

/**
 * Kernel parameters of one cell at state of charge `soc` (0..1), from a parameter set and optional per-cell overrides.
 * This is the only place where physical parameters turn into the quantities the kernels use.
 */
export function deriveCellParameters(set: ParameterSet, soc: number, overrides?: CellOverrides): CellKernelParameters {
  if (!(soc >= 0 && soc <= 1)) throw new CellspreadInputError('soc', 'must be between 0 and 1', soc);
  const area = electrodeArea(set, overrides);
  const neg = electrodeOf(set, 'negative', overrides);
  const pos = electrodeOf(set, 'positive', overrides);
  checkElectrode('negative', neg);
  checkElectrode('positive', pos);
  const balance = electrodeBalance(set, overrides);
  const ce = pick(overrides, 'electrolyte.concentration', set.electrolyte.concentration);
  if (!(ce > 0 && Number.isFinite(ce))) throw new CellspreadInputError('electrolyte.concentration', 'must be a finite number > 0', ce);
  const interfacialArea = (e: ElectrodeValues) => (area * 3 * e.epsS * e.thickness) / e.radius;
  const collectorResistance =
    (set.negative.collectorThickness / set.negative.collectorConductivity +
      set.positive.collectorThickness / set.positive.collectorConductivity) /
    area;
  const contactResistance = pick(overrides, 'electrical.contactResistance', set.electrical.contactResistance);
  const h = pick(overrides, 'thermal.heatTransferCoefficient', set.thermal.heatTransferCoefficient);
  const coolingArea = pick(overrides, 'geometry.coolingArea', set.geometry.coolingArea);
  const cellVolume = pick(overrides, 'geometry.cellVolume', set.geometry.cellVolume);
  if (!(contactResistance >= 0)) throw new CellspreadInputError('electrical.contactResistance', 'must be >= 0', contactResistance);
  if (!(h >= 0)) throw new CellspreadInputError('thermal.heatTransferCoefficient', 'must be >= 0', h);
  const derived: Omit<CellKernelParameters, 'ambientTemperature' | 'initialTemperature'> = {
    capacityNeg: balance.capacityNeg,
    capacityPos: balance.capacityPos,
    diffusionTimeNeg: (neg.radius * neg.radius) / neg.diffusivity,
    diffusionTimePos: (pos.radius * pos.radius) / pos.diffusivity,
    diffusionActivationNeg: neg.diffusionEa / GAS_CONSTANT,
    diffusionActivationPos: pos.diffusionEa / GAS_CONSTANT,
    kineticCurrentNeg: 2 * interfacialArea(neg) * neg.m * Math.sqrt(ce) * neg.cMax,
    kineticCurrentPos: 2 * interfacialArea(pos) * pos.m * Math.sqrt(ce) * pos.cMax,
    kineticActivationNeg: neg.kineticEa / GAS_CONSTANT,
    kineticActivationPos: pos.kineticEa / GAS_CONSTANT,
    contactResistance,
    collectorResistance,
    heatCapacity: cellVolume * effectiveVolumetricHeatCapacity(set, overrides),
    coolingConductance: h * coolingArea,
    initialStoichNeg: balance.x0 + soc * (balance.x100 - balance.x0),
    initialStoichPos: balance.y0 + soc * (balance.y100 - balance.y0),
    stoichNegEmpty: balance.x0,
    stoichNegFull: balance.x100,
    ...seiParameters(set, overrides, interfacialArea(neg)),
  };
  // Parameters the definition derives itself (src/model/physics.ts `fromSet`), read through the same overrides.
  const out = derived as CellKernelParameters;
  for (const p of CELL_PARAMETERS as readonly ParameterDecl[]) {
    if (p.fromSet) out[p.name as keyof CellKernelParameters] = p.fromSet((path) => pick(overrides, path, leaf(set, path)));
  }
  return out;
}

type SeiRow = 'seiInitialThickness' | 'seiFilmResistivity' | 'seiLithiumPerThickness' | 'seiSolventGrowth' | 'seiReactionGrowth' | 'seiOcp' | 'seiActivation' | 'seiRateFactor';

/**
 * The SEI rows of one cell (docs/lifetime.md section 2), from the set's `sei` block with the cell's overrides (`sei.*`,
 * and the negative electrode's geometry through a_n L_n A, the interfacial area `area` [m2]); all 0 (no film, no
 * growth) for a set without one. `sei.rateFactor` (default 1) multiplies the growth: the ageing variation's handle.
 */
export function seiParameters(set: ParameterSet, overrides: CellOverrides | undefined, area: number): Record<SeiRow, number> {
  const sei = set.sei;
  const factor = pick(overrides, 'sei.rateFactor', 1);
  if (!(factor >= 0 && Number.isFinite(factor))) throw new CellspreadInputError('sei.rateFactor', 'must be a finite number >= 0', factor);
  if (!sei) {
    return { seiInitialThickness: 0, seiFilmResistivity: 0, seiLithiumPerThickness: 0, seiSolventGrowth: 0, seiReactionGrowth: 0, seiOcp: 0, seiActivation: 0, seiRateFactor: factor };
  }
  const v = (key: keyof typeof sei) => pick(overrides, `sei.${key}`, sei[key]);
  for (const key of ['initialThickness', 'partialMolarVolume', 'lithiumPerSeiMole'] as const) {
    if (!(v(key) > 0 && Number.isFinite(v(key)))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number > 0', v(key));
  }
  for (const key of ['resistivity', 'solventDiffusivity', 'bulkSolventConcentration', 'reactionExchangeCurrentDensity'] as const) {
    if (!(v(key) >= 0 && Number.isFinite(v(key)))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number >= 0', v(key));
  }
  for (const key of ['openCircuitPotential', 'activationEnergy'] as const) {
    if (!Number.isFinite(v(key))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number', v(key));
  }
  const z = v('lithiumPerSeiMole');
  const vBar = v('partialMolarVolume');
  return {
    seiInitialThickness: v('initialThickness'),
    seiFilmResistivity: v('resistivity') / area,
    seiLithiumPerThickness: (area * z * FARADAY) / (SECONDS_PER_HOUR * vBar),
    seiSolventGrowth: (vBar * v('solventDiffusivity') * v('bulkSolventConcentration')) / z,
    seiReactionGrowth: (vBar * v('reactionExchangeCurrentDensity')) / (FARADAY * z),
    seiOcp: v('openCircuitPotential'),
    seiActivation: v('activationEnergy') / GAS_CONSTANT,
    seiRateFactor: factor,
  };
}

/** The numeric leaf of a set at a dotted path. */
function leaf(set: ParameterSet, path: string): number {
  let node: unknown = set;
  for (const key of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  if (typeof node !== 'number') throw new CellspreadInputError(path, 'must name a numeric leaf of the parameter set', path);
  return node;
}
