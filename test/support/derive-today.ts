/**
 * TEST ORACLE, frozen: src/model/derive.ts as of commit 70c94c9 (before the sampling-speed work of issue 17), kept
 * verbatim apart from export names, with the few helpers it used (constants, OCP series, Illinois) inlined so that it
 * does not move when they do. test/model/derive-oracle.test.ts checks that the fast derivation
 * gives the same kernel parameters (1e-12 relative) on many random cells. Do not "fix" or speed this file up: its
 * whole value is that it is today's numbers.
 */
import { CellspreadInputError } from '../../src/errors.ts';
import type { ElectrodeParameters, ParameterSet } from '../../src/params/types.ts';
import type { SeriesFunction } from '../../src/params/types.ts';

// Inlined from src/model/constants.ts, series.ts and roots.ts at the same commit, so the oracle does not move with them.
const FARADAY = 96485.33212;
const GAS_CONSTANT = 8.314462618;
const SECONDS_PER_HOUR = 3600;
function evaluateSeries(f: SeriesFunction, s: number): number {
  let u = f.constant + f.linear * s;
  for (const e of f.exp) u += e.amplitude * Math.exp(e.rate * s);
  for (const t of f.tanh) u += t.amplitude * Math.tanh(t.slope * (s - t.center));
  return u;
}
function openCircuitPotential(f: SeriesFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, 1e-10), 1 - 1e-10);
  return evaluateSeries(f, s) + 1e-6 * (1 / s + 1 / (s - 1));
}
function openCircuitPotentialSlope(f: SeriesFunction, stoich: number): number {
  const s = Math.min(Math.max(stoich, 1e-10), 1 - 1e-10);
  let d = f.linear;
  for (const e of f.exp) d += e.amplitude * e.rate * Math.exp(e.rate * s);
  for (const t of f.tanh) {
    const th = Math.tanh(t.slope * (s - t.center));
    d += t.amplitude * t.slope * (1 - th * th);
  }
  return d - 1e-6 * (1 / (s * s) + 1 / ((s - 1) * (s - 1)));
}
function illinois(f: (x: number) => number, lo: number, hi: number, tol = 1e-13, maxIter = 100): number {
  let flo = f(lo);
  let fhi = f(hi);
  if (flo === 0) return lo;
  if (fhi === 0) return hi;
  if (Math.sign(flo) === Math.sign(fhi)) return NaN;
  let side = 0;
  let x = lo;
  for (let i = 0; i < maxIter; i++) {
    x = (lo * fhi - hi * flo) / (fhi - flo);
    const fx = f(x);
    if (fx === 0 || Math.abs(hi - lo) < tol * Math.max(1, Math.abs(x))) return x;
    if (Math.sign(fx) === Math.sign(fhi)) {
      hi = x;
      fhi = fx;
      if (side === -1) flo /= 2;
      side = -1;
    } else {
      lo = x;
      flo = fx;
      if (side === 1) fhi /= 2;
      side = 1;
    }
  }
  return x;
}
/** The kernel parameters as today's derivation returns them (name -> value). */
export type CellKernelParameters = Record<string, number>;

/**
 * Per-cell deviations from the parameter set: any numeric leaf by dotted path (e.g. "negative.particleRadius",
 * "electrical.contactResistance", "thermal.heatTransferCoefficient"), plus `lithiumInventoryFactor`, which scales the
 * set's cyclable lithium (1 = as in the set). Reading overrides never copies the set, so deriving a million cells is cheap.
 */
export type CellOverrides = Readonly<Record<string, number | undefined>>;

export interface ElectrodeBalance {
  /** Negative and positive electrode capacities [A.h]. */
  capacityNeg: number;
  capacityPos: number;
  /** Cyclable lithium [A.h]: x Q_n + y Q_p is conserved. */
  lithiumInventory: number;
  /** Stoichiometries at 0 % and 100 % SOC (OCV at lower and upper cut-off). */
  x0: number;
  x100: number;
  y0: number;
  y100: number;
}

function pick(o: CellOverrides | undefined, path: string, base: number): number {
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

function electrodeArea(set: ParameterSet, o?: CellOverrides): number {
  return (
    pick(o, 'geometry.electrodeHeight', set.geometry.electrodeHeight) *
    pick(o, 'geometry.electrodeWidth', set.geometry.electrodeWidth) *
    pick(o, 'geometry.electrodeCount', set.geometry.electrodeCount)
  );
}

/** Electrode capacities, lithium inventory and the 0 %/100 % SOC stoichiometries (PyBaMM's electrode-SOH method). */
export function todayElectrodeBalance(set: ParameterSet, overrides?: CellOverrides): ElectrodeBalance {
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
  const ocvAt = (x: number) =>
    openCircuitPotential(set.positive.ocp, (lithiumInventory - x * capacityNeg) / capacityPos) - openCircuitPotential(set.negative.ocp, x);
  const ocvSlope = (x: number) =>
    (-capacityNeg / capacityPos) * openCircuitPotentialSlope(set.positive.ocp, (lithiumInventory - x * capacityNeg) / capacityPos) -
    openCircuitPotentialSlope(set.negative.ocp, x);
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
    b = todayElectrodeBalance(set);
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
function effectiveVolumetricHeatCapacity(set: ParameterSet, o?: CellOverrides): number {
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
export function todayDeriveCellParameters(set: ParameterSet, soc: number, overrides?: CellOverrides): CellKernelParameters {
  if (!(soc >= 0 && soc <= 1)) throw new CellspreadInputError('soc', 'must be between 0 and 1', soc);
  const area = electrodeArea(set, overrides);
  const neg = electrodeOf(set, 'negative', overrides);
  const pos = electrodeOf(set, 'positive', overrides);
  checkElectrode('negative', neg);
  checkElectrode('positive', pos);
  const balance = todayElectrodeBalance(set, overrides);
  const ce = pick(overrides, 'electrolyte.concentration', set.electrolyte.concentration);
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
  return {
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
    ambientTemperature: pick(overrides, 'thermal.ambientTemperature', set.thermal.ambientTemperature),
    initialStoichNeg: balance.x0 + soc * (balance.x100 - balance.x0),
    initialStoichPos: balance.y0 + soc * (balance.y100 - balance.y0),
    initialTemperature: pick(overrides, 'thermal.initialTemperature', set.thermal.initialTemperature),
    stoichNegEmpty: balance.x0,
    stoichNegFull: balance.x100,
  };
}
