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
import { cellInputIndex, cellInputs, deriveCellParameters, type CellOverrides } from './derive.ts';
import type { CellKernelParameters, ElectrolyteParameterName, LayoutEntry } from './layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, ELECTROLYTE_PARAMETERS, electrolyteStateLength, SPME_DEFINITION, TRANSPORT_CONCENTRATION_MIN, type CellModel, type ElectrolyteMesh } from './physics.ts';

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
  const out = new Float64Array(ELECTROLYTE_PARAMETERS.length);
  new ElectrolyteDeriver(set, mesh).derive(cellInputs(set, o), out, 0, 1);
  return Object.fromEntries(ELECTROLYTE_PARAMETERS.map((p, j) => [p.name, out[j]])) as ElectrolyteKernelParameters;
}

const input = (path: string): number => {
  const i = cellInputIndex(path);
  if (i < 0) throw new Error(`cellspread: ${path} is not a cell input (src/model/derive.ts ELECTROLYTE_INPUTS)`);
  return i;
};
const AREA = ['geometry.electrodeHeight', 'geometry.electrodeWidth', 'geometry.electrodeCount'].map(input);
const CONCENTRATION = input('electrolyte.concentration');
const TRANSFERENCE = input('electrolyte.transferenceNumber');
const THERMODYNAMIC_FACTOR = input('electrolyte.thermodynamicFactor');
const DIFFUSIVITY_SCALE = input('electrolyteDiffusivity');
const CONDUCTIVITY_SCALE = input('electrolyteConductivity');
const DIFFUSIVITY_EA = input('electrolyte.diffusivity.activationEnergy');
const CONDUCTIVITY_EA = input('electrolyte.conductivity.activationEnergy');

/** Each electrolyte row's position in ELECTROLYTE_PARAMETERS. */
const ROW = Object.fromEntries(ELECTROLYTE_PARAMETERS.map((p, j) => [p.name, j])) as Record<ElectrolyteParameterName, number>;

/** A region's inputs, by position in the cell input vector, with the field names its errors report. */
type RegionName = 'negative' | 'separator' | 'positive';
const regionInputs = (name: RegionName) => ({
  name,
  full: name === 'separator', // a separator may be all electrolyte (Marquis2019's has porosity 1); an electrode needs its solid
  thickness: { path: `${name}.thickness`, at: input(`${name}.thickness`) },
  porosity: { path: `${name}.porosity`, at: input(`${name}.porosity`) },
  tortuosity: { path: `tortuosity.${name}`, at: input(`tortuosity.${name}`) },
  bruggeman: { path: `${name}.bruggemanElectrolyte`, at: input(`${name}.bruggemanElectrolyte`) },
});
const REGIONS = [regionInputs('negative'), regionInputs('separator'), regionInputs('positive')] as const;
const solidInputs = (side: 'negative' | 'positive') => ({
  porosity: `${side}.porosity`,
  activeFraction: input(`${side}.activeMaterialVolumeFraction`),
  conductivity: { path: `${side}.conductivity`, at: input(`${side}.conductivity`) },
  bruggeman: { path: `${side}.bruggemanElectrode`, at: input(`${side}.bruggemanElectrode`) },
});
const SOLIDS = [solidInputs('negative'), solidInputs('positive')] as const;

/** x ** b, remembering the last pair (a study's separator, and any region whose porosity does not vary, repeats it). */
class LastPower {
  private x = NaN;
  private b = NaN;
  private value = NaN;
  of(x: number, b: number): number {
    if (x !== this.x || b !== this.b) {
      this.x = x;
      this.b = b;
      this.value = x ** b;
    }
    return this.value;
  }
}

/**
 * The SPMe's electrolyte rows for one parameter set and mesh, compiled once: `derive` writes a cell's rows, in
 * ELECTROLYTE_PARAMETERS order, from its input vector (src/model/derive.ts CELL_INPUTS, as the sampler fills it), every
 * value checked.
 */
export class ElectrolyteDeriver {
  private readonly region = REGIONS.map(() => ({ L: 0, eps: 0, efficiency: 0, h: 0, power: new LastPower() }));
  private readonly solidPower = SOLIDS.map(() => new LastPower());
  // The transport properties at the last initial concentration (they depend on nothing else).
  private c0 = NaN;
  private kappa = NaN;

  constructor(
    private readonly set: ParameterSet,
    private readonly mesh: ElectrolyteMesh,
  ) {
    checkElectrolyteMesh(mesh);
  }

  derive(v: Float64Array, out: Float64Array, offset: number, stride: number): void {
    const mesh = this.mesh;
    const area = v[AREA[0]] * v[AREA[1]] * v[AREA[2]];
    const c0 = v[CONCENTRATION];
    const tPlus = v[TRANSFERENCE];
    const tdf = v[THERMODYNAMIC_FACTOR];
    const diffusivityScale = v[DIFFUSIVITY_SCALE];
    const conductivityScale = v[CONDUCTIVITY_SCALE];
    const diffusivityEa = v[DIFFUSIVITY_EA];
    const conductivityEa = v[CONDUCTIVITY_EA];
    requirePositive('electrolyte.concentration', c0);
    if (!(tPlus >= 0 && tPlus < 1)) throw new CellspreadInputError('electrolyte.transferenceNumber', 'must be in [0, 1)', tPlus);
    requirePositive('electrolyte.thermodynamicFactor', tdf);
    requirePositive('electrolyteDiffusivity', diffusivityScale);
    requirePositive('electrolyteConductivity', conductivityScale);
    requireFinite('electrolyte.diffusivity.activationEnergy', diffusivityEa);
    requireFinite('electrolyte.conductivity.activationEnergy', conductivityEa);
    if (c0 !== this.c0) {
      const el = this.set.electrolyte;
      transportAt(el, 'diffusivity', c0);
      this.kappa = transportAt(el, 'conductivity', c0);
      this.c0 = c0;
    }
    const kappa0 = conductivityScale * this.kappa;

    const [n, s, p] = this.region;
    for (let r = 0; r < 3; r++) this.regionOf(v, r, mesh[REGIONS[r].name]);
    let solidResistance = 0;
    solidResistance += this.solidTerm(v, 0, n.L, n.eps);
    solidResistance += this.solidTerm(v, 1, p.L, p.eps);
    solidResistance /= area;
    const sourceScale = (1 - tPlus) / (FARADAY * c0 * area);
    out[offset + ROW.electrolyteConcentration * stride] = c0;
    out[offset + ROW.poreWidthNeg * stride] = n.eps * n.h;
    out[offset + ROW.poreWidthSep * stride] = s.eps * s.h;
    out[offset + ROW.poreWidthPos * stride] = p.eps * p.h;
    out[offset + ROW.pathLengthNeg * stride] = n.h / n.efficiency;
    out[offset + ROW.pathLengthSep * stride] = s.h / s.efficiency;
    out[offset + ROW.pathLengthPos * stride] = p.h / p.efficiency;
    out[offset + ROW.diffusivityScale * stride] = diffusivityScale;
    out[offset + ROW.diffusivityActivation * stride] = diffusivityEa / GAS_CONSTANT;
    out[offset + ROW.sourceNeg * stride] = sourceScale / mesh.negative;
    out[offset + ROW.sourcePos * stride] = -sourceScale / mesh.positive;
    out[offset + ROW.macinnesCoefficient * stride] = (2 * (1 - tPlus) * tdf * GAS_CONSTANT) / FARADAY;
    out[offset + ROW.electrolyteResistance * stride] = (n.L / (3 * n.efficiency) + s.L / s.efficiency + p.L / (3 * p.efficiency)) / (area * kappa0);
    out[offset + ROW.conductivityActivation * stride] = conductivityEa / GAS_CONSTANT;
    out[offset + ROW.solidResistance * stride] = solidResistance;
  }

  /** Region r's thickness, porosity, transport efficiency (eps / tortuosity, else eps^b) and volume width, checked. */
  private regionOf(v: Float64Array, r: number, cells: number): void {
    const k = REGIONS[r];
    const into = this.region[r];
    const L = v[k.thickness.at];
    const eps = v[k.porosity.at];
    requirePositive(k.thickness.path, L);
    if (!(eps > 0 && (k.full ? eps <= 1 : eps < 1))) throw new CellspreadInputError(k.porosity.path, k.full ? 'must be in (0, 1]' : 'must be in (0, 1)', eps);
    const tau = v[k.tortuosity.at];
    if (!Number.isNaN(tau)) {
      if (!(tau >= 1 && Number.isFinite(tau))) throw new CellspreadInputError(k.tortuosity.path, 'must be a finite number >= 1', tau);
      into.efficiency = eps / tau;
    } else {
      const b = v[k.bruggeman.at];
      if (!(b >= 0 && Number.isFinite(b))) throw new CellspreadInputError(k.bruggeman.path, 'must be a finite number >= 0', b);
      into.efficiency = into.power.of(eps, b);
    }
    into.L = L;
    into.eps = eps;
    into.h = L / cells;
  }

  /** Electrode e's solid-phase Ohmic resistance times the area, L / (3 sigma (1 - eps)^b), checked. */
  private solidTerm(v: Float64Array, e: number, L: number, eps: number): number {
    const k = SOLIDS[e];
    const epsS = v[k.activeFraction];
    if (!(eps + epsS <= 1)) {
      throw new CellspreadInputError(k.porosity, `plus the active material volume fraction (${epsS}) must be <= 1`, eps);
    }
    const sigma = v[k.conductivity.at];
    const bs = v[k.bruggeman.at];
    requirePositive(k.conductivity.path, sigma);
    if (!(bs >= 0 && Number.isFinite(bs))) throw new CellspreadInputError(k.bruggeman.path, 'must be a finite number >= 0', bs);
    return L / (3 * sigma * this.solidPower[e].of(1 - eps, bs));
  }
}

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

function requirePositive(field: string, v: number): void {
  if (!(v > 0 && Number.isFinite(v))) throw new CellspreadInputError(field, 'must be a finite number > 0', v);
}

function requireFinite(field: string, v: number): void {
  if (!Number.isFinite(v)) throw new CellspreadInputError(field, 'must be a finite number', v);
}
