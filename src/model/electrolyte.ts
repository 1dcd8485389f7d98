/**
 * The SPMe's electrolyte parameters (PyBaMM's `pybamm.lithium_ion.SPMe`: electrolyte_diffusion/full_diffusion.py,
 * electrolyte_conductivity/composite_conductivity.py, electrode/ohm/composite_ohm.py): the per-cell kernel parameters
 * of the one cell-physics definition (src/model/physics.ts ELECTROLYTE_PARAMETERS, where the equations and the scheme
 * are written), derived from a parameter set, a mesh and per-cell overrides, with every electrolyte value checked.
 *
 * The finite volumes: theta_j = c_e,j / c_e0 in N = N_n + N_s + N_p volumes (negative electrode, separator, positive
 * electrode), uniform per region, width h = L / N, porosity eps, transport efficiency B = eps^b (Bruggeman) or eps / tau;
 * q_j = (1 - t+) / (F c_e0 A N_n) in the negative electrode, 0 in the separator, -(1 - t+) / (F c_e0 A N_p) in the
 * positive (the x-averaged reaction a j = i/L_n, -i/L_p).
 */
import { CellspreadInputError } from '../errors.ts';
import type { ElectrolyteFunction, ParameterSet } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT } from './constants.ts';
import { deriveCellParameters, electrodeArea, pick, type CellOverrides } from './derive.ts';
import type { CellKernelParameters, ElectrolyteParameterName, LayoutEntry } from './layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength, SPME_DEFINITION, TRANSPORT_CONCENTRATION_MIN, type CellModel, type ElectrolyteMesh } from './physics.ts';

export { DEFAULT_ELECTROLYTE_MESH, ELECTROLYTE_PARAMETERS, electrolyteStateLength, TRANSPORT_CONCENTRATION_MIN, type ElectrolyteMesh } from './physics.ts';
export type { ElectrolyteParameterName } from './layout.ts';
export type ElectrolyteKernelParameters = Record<ElectrolyteParameterName, number>;

/** Whole volumes in every region, and no more in all than the kernels hold (the definition's electrolyteCells max). */
export function checkElectrolyteMesh(mesh: ElectrolyteMesh): void {
  for (const region of ['negative', 'separator', 'positive'] as const) {
    const n = mesh[region];
    if (!(Number.isInteger(n) && n >= 1)) throw new CellspreadInputError(`electrolyteMesh.${region}`, 'must be an integer >= 1', n);
  }
  const max = SPME_DEFINITION.lengths.find((l) => l.name === 'electrolyteCells')!.max;
  const n = electrolyteStateLength(mesh);
  if (n > max) throw new CellspreadInputError('electrolyteMesh', `must have at most ${max} volumes in all`, n);
}


/**
 * f(c_e) = sum a z^p exp(r z), z = max(c_e, 10) / c_ref, without the Arrhenius factor (see ElectrolyteFunction).
 * Integer powers are products, so the common fits need no pow on a GPU.
 */
export function electrolyteFunction(f: ElectrolyteFunction, concentration: number): number {
  const z = Math.max(concentration, TRANSPORT_CONCENTRATION_MIN) / f.referenceConcentration;
  let v = 0;
  for (const t of f.terms) {
    const power = t.power === 0 ? 1 : t.power === 1 ? z : t.power === 2 ? z * z : t.power === 3 ? z * z * z : z ** t.power;
    v += t.coefficient * power * (t.rate === 0 ? 1 : Math.exp(t.rate * z));
  }
  return v;
}


// ---------------------------------------------------------------------------------------------------------------
// Parameter derivation and validation
// ---------------------------------------------------------------------------------------------------------------

/**
 * The kernel parameters of one cell for a model (src/model/physics.ts): the SPM's (deriveCellParameters), and for the
 * SPMe the electrolyte's after them, on the study's mesh.
 */
export function deriveModelParameters(
  set: ParameterSet,
  soc: number,
  model: CellModel,
  overrides?: CellOverrides,
  mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH,
): CellKernelParameters {
  const p = deriveCellParameters(set, soc, overrides);
  return model === 'spme' ? { ...p, ...deriveElectrolyteParameters(set, mesh, overrides) } : p;
}

/**
 * Per-cell SPMe parameters from a parameter set, the mesh and per-cell overrides (the same overrides
 * `deriveCellParameters` reads, plus the electrolyte variation keys of docs/variation.md: `tortuosity.<region>`,
 * `electrolyteConductivity`, `electrolyteDiffusivity`). Every electrolyte value is checked; a value outside its
 * physical range is an error naming it.
 */
export function deriveElectrolyteParameters(set: ParameterSet, mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH, o?: CellOverrides): ElectrolyteKernelParameters {
  checkElectrolyteMesh(mesh);
  const area = electrodeArea(set, o);
  const el = set.electrolyte;
  const c0 = pick(o, 'electrolyte.concentration', el.concentration);
  const tPlus = pick(o, 'electrolyte.transferenceNumber', el.transferenceNumber);
  const tdf = pick(o, 'electrolyte.thermodynamicFactor', el.thermodynamicFactor);
  const diffusivityScale = pick(o, 'electrolyteDiffusivity', 1);
  const conductivityScale = pick(o, 'electrolyteConductivity', 1);
  const diffusivityEa = pick(o, 'electrolyte.diffusivity.activationEnergy', el.diffusivity.activationEnergy);
  const conductivityEa = pick(o, 'electrolyte.conductivity.activationEnergy', el.conductivity.activationEnergy);
  requirePositive('electrolyte.concentration', c0);
  if (!(tPlus >= 0 && tPlus < 1)) throw new CellspreadInputError('electrolyte.transferenceNumber', 'must be in [0, 1)', tPlus);
  requirePositive('electrolyte.thermodynamicFactor', tdf);
  requirePositive('electrolyteDiffusivity', diffusivityScale);
  requirePositive('electrolyteConductivity', conductivityScale);
  requireFinite('electrolyte.diffusivity.activationEnergy', diffusivityEa);
  requireFinite('electrolyte.conductivity.activationEnergy', conductivityEa);
  transportAt(el, 'diffusivity', c0);
  const kappa0 = conductivityScale * transportAt(el, 'conductivity', c0);

  const n = regionOf(set, o, REGION_PATHS.negative, mesh.negative);
  const s = regionOf(set, o, REGION_PATHS.separator, mesh.separator);
  const p = regionOf(set, o, REGION_PATHS.positive, mesh.positive);
  let solidResistance = 0;
  solidResistance += solidTerm(set, o, SOLID_PATHS.negative, n.L, n.eps);
  solidResistance += solidTerm(set, o, SOLID_PATHS.positive, p.L, p.eps);
  solidResistance /= area;
  const sourceScale = (1 - tPlus) / (FARADAY * c0 * area);
  return {
    electrolyteConcentration: c0,
    poreWidthNeg: n.eps * n.h,
    poreWidthSep: s.eps * s.h,
    poreWidthPos: p.eps * p.h,
    pathLengthNeg: n.h / n.efficiency,
    pathLengthSep: s.h / s.efficiency,
    pathLengthPos: p.h / p.efficiency,
    diffusivityScale,
    diffusivityActivation: diffusivityEa / GAS_CONSTANT,
    sourceNeg: sourceScale / mesh.negative,
    sourcePos: -sourceScale / mesh.positive,
    macinnesCoefficient: (2 * (1 - tPlus) * tdf * GAS_CONSTANT) / FARADAY,
    electrolyteResistance: (n.L / (3 * n.efficiency) + s.L / s.efficiency + p.L / (3 * p.efficiency)) / (area * kappa0),
    conductivityActivation: conductivityEa / GAS_CONSTANT,
    solidResistance,
  };
}

// The override paths each region and electrode reads, built once (this runs for every sampled SPMe cell).
type RegionName = 'negative' | 'separator' | 'positive';
const regionPaths = (name: RegionName) => ({
  name,
  thickness: `${name}.thickness`,
  porosity: `${name}.porosity`,
  tortuosity: `tortuosity.${name}`,
  bruggeman: `${name}.bruggemanElectrolyte`,
});
const REGION_PATHS = { negative: regionPaths('negative'), separator: regionPaths('separator'), positive: regionPaths('positive') };
const solidPaths = (side: 'negative' | 'positive') => ({
  side,
  porosity: `${side}.porosity`,
  activeFraction: `${side}.activeMaterialVolumeFraction`,
  conductivity: `${side}.conductivity`,
  bruggeman: `${side}.bruggemanElectrode`,
});
const SOLID_PATHS = { negative: solidPaths('negative'), positive: solidPaths('positive') };

/** A transport property of the set at the initial concentration, checked (the fits' reference concentrations are the set's). */
function transportAt(el: ParameterSet['electrolyte'], name: 'diffusivity' | 'conductivity', c: number): number {
  const f = el[name];
  requirePositive(`electrolyte.${name}.referenceConcentration`, f.referenceConcentration);
  const v = electrolyteFunction(f, c);
  if (!(v > 0 && Number.isFinite(v))) {
    throw new CellspreadInputError(`electrolyte.${name}`, `must be > 0 at the initial concentration ${c} mol/m3 and the reference temperature`, v);
  }
  return v;
}

/** A region's thickness, porosity, transport efficiency (eps / tortuosity) and volume width, checked. */
function regionOf(set: ParameterSet, o: CellOverrides | undefined, paths: ReturnType<typeof regionPaths>, cells: number) {
  const e = paths.name === 'separator' ? set.separator : set[paths.name];
  const L = pick(o, paths.thickness, e.thickness);
  const eps = pick(o, paths.porosity, e.porosity);
  requirePositive(paths.thickness, L);
  // A separator may be all electrolyte (Marquis2019's has porosity 1); an electrode needs its solid.
  const full = paths.name === 'separator';
  if (!(eps > 0 && (full ? eps <= 1 : eps < 1))) throw new CellspreadInputError(paths.porosity, full ? 'must be in (0, 1]' : 'must be in (0, 1)', eps);
  const tau = o?.[paths.tortuosity];
  let efficiency: number;
  if (tau !== undefined) {
    if (!(tau >= 1 && Number.isFinite(tau))) throw new CellspreadInputError(paths.tortuosity, 'must be a finite number >= 1', tau);
    efficiency = eps / tau;
  } else {
    const b = pick(o, paths.bruggeman, e.bruggemanElectrolyte);
    if (!(b >= 0 && Number.isFinite(b))) throw new CellspreadInputError(paths.bruggeman, 'must be a finite number >= 0', b);
    efficiency = eps ** b;
  }
  const h = L / cells;
  return { L, eps, efficiency, h };
}

/** An electrode's solid-phase Ohmic resistance times the area, L / (3 sigma (1 - eps)^b), checked. */
function solidTerm(set: ParameterSet, o: CellOverrides | undefined, paths: ReturnType<typeof solidPaths>, L: number, eps: number): number {
  const e = set[paths.side];
  const epsS = pick(o, paths.activeFraction, e.activeMaterialVolumeFraction);
  if (!(eps + epsS <= 1)) {
    throw new CellspreadInputError(paths.porosity, `plus the active material volume fraction (${epsS}) must be <= 1`, eps);
  }
  const sigma = pick(o, paths.conductivity, e.conductivity);
  const bs = pick(o, paths.bruggeman, e.bruggemanElectrode);
  requirePositive(paths.conductivity, sigma);
  if (!(bs >= 0 && Number.isFinite(bs))) throw new CellspreadInputError(paths.bruggeman, 'must be a finite number >= 0', bs);
  return L / (3 * sigma * (1 - eps) ** bs);
}

function requirePositive(field: string, v: number): void {
  if (!(v > 0 && Number.isFinite(v))) throw new CellspreadInputError(field, 'must be a finite number > 0', v);
}

function requireFinite(field: string, v: number): void {
  if (!Number.isFinite(v)) throw new CellspreadInputError(field, 'must be a finite number', v);
}
