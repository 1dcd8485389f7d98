import { CellspreadInputError } from '../errors.ts';
import type { ElectrodeParameters, ParameterSet } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import type { CellKernelParameters } from './layout.ts';
import { illinois } from './roots.ts';
import { openCircuitPotential } from './series.ts';

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

function electrodeOf(set: ParameterSet, side: 'negative' | 'positive', o?: CellOverrides) {
  const e: ElectrodeParameters = set[side];
  return {
    thickness: pick(o, `${side}.thickness`, e.thickness),
    radius: pick(o, `${side}.particleRadius`, e.particleRadius),
    epsS: pick(o, `${side}.activeMaterialVolumeFraction`, e.activeMaterialVolumeFraction),
    cMax: pick(o, `${side}.maxConcentration`, e.maxConcentration),
    c0: pick(o, `${side}.initialConcentration`, e.initialConcentration),
    diffusivity: pick(o, `${side}.diffusivity`, e.diffusivity),
    diffusionEa: pick(o, `${side}.diffusivityActivationEnergy`, e.diffusivityActivationEnergy),
    m: pick(o, `${side}.exchangeCurrentPrefactor`, e.exchangeCurrentPrefactor),
    kineticEa: pick(o, `${side}.exchangeCurrentActivationEnergy`, e.exchangeCurrentActivationEnergy),
  };
}

function electrodeArea(set: ParameterSet, o?: CellOverrides): number {
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
  const ocvAt = (x: number) =>
    openCircuitPotential(set.positive.ocp, (lithiumInventory - x * capacityNeg) / capacityPos) - openCircuitPotential(set.negative.ocp, x);
  const solve = (v: number, name: string) => {
    const x = illinois((xx) => ocvAt(xx) - v, xLo, xHi, 1e-14);
    if (!Number.isFinite(x)) {
      throw new CellspreadInputError(name, 'must lie inside the open-circuit voltage range of the cell', v);
    }
    return x;
  };
  const x100 = solve(vMax, 'electrical.upperVoltageCutoff');
  const x0 = solve(vMin, 'electrical.lowerVoltageCutoff');
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
  for (const [side, e] of [['negative', neg], ['positive', pos]] as const) {
    for (const [k, v] of Object.entries(e)) {
      if (!Number.isFinite(v) || (v < 0 && k !== 'diffusionEa' && k !== 'kineticEa')) {
        throw new CellspreadInputError(`${side}.${k}`, 'must be a finite non-negative number', v);
      }
    }
    if (!(e.radius > 0 && e.diffusivity > 0 && e.thickness > 0 && e.epsS > 0)) {
      throw new CellspreadInputError(`${side}`, 'thickness, particle radius, active fraction and diffusivity must be > 0', e);
    }
  }
  const balance = electrodeBalance(set, overrides);
  const ce = pick(overrides, 'electrolyte.concentration', set.electrolyte.concentration);
  const interfacialArea = (e: typeof neg) => (area * 3 * e.epsS * e.thickness) / e.radius;
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
