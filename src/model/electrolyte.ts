/**
 * The electrolyte of the SPMe (PyBaMM's `pybamm.lithium_ion.SPMe`: electrolyte_diffusion/full_diffusion.py,
 * electrolyte_conductivity/composite_conductivity.py, electrode/ohm/composite_ohm.py) as a fixed-step scheme that runs
 * in f32: per-cell parameters and their derivation, the implicit finite-volume step, and the voltage and heat terms.
 * Pure functions of (state array, parameters, current, temperature, dt), written as expression evaluations, one
 * tridiagonal solve and loops over the finite volumes, the shape the one cell-physics definition will take
 * (docs/spme.md gives the port; docs/numerics.md the error and order).
 *
 * State: theta_j = c_e,j / c_e0 in N = N_n + N_s + N_p finite volumes (negative electrode, separator, positive
 * electrode), uniform per region. Balance of volume j (width h_j, porosity eps_j), current I held over the step:
 *   eps_j h_j dtheta_j/dt = G_{j+1/2} (theta_{j+1} - theta_j) - G_{j-1/2} (theta_j - theta_{j-1}) + I q_j
 *   G_{j+1/2} = Dbar_{j+1/2} / ((rho_j + rho_{j+1}) / 2),  rho_j = h_j / B_j,  B = eps^b (Bruggeman) or eps / tau,
 *   Dbar the mean of D_e(c_e0 theta, T) between the two volumes (see faceConductances),
 *   q_j = (1 - t+) / (F c_e0 A N_n) in the negative electrode, 0 in the separator, -(1 - t+) / (F c_e0 A N_p) in the
 *   positive (the x-averaged reaction a j = i/L_n, -i/L_p); no flux at either current collector.
 */
import { CellspreadInputError } from '../errors.ts';
import type { ElectrolyteFunction, ParameterSet } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT } from './constants.ts';
import { deriveCellParameters, electrodeArea, pick, type CellOverrides } from './derive.ts';
import type { CellKernelParameters, ElectrolyteParameterName, LayoutEntry } from './layout.ts';
import { DEFAULT_ELECTROLYTE_MESH, electrolyteStateLength, TRANSPORT_CONCENTRATION_MIN, type CellModel, type ElectrolyteMesh } from './physics.ts';

export { DEFAULT_ELECTROLYTE_MESH, ELECTROLYTE_PARAMETERS, electrolyteStateLength, TRANSPORT_CONCENTRATION_MIN, type ElectrolyteMesh } from './physics.ts';
export type { ElectrolyteParameterName } from './layout.ts';
export type ElectrolyteKernelParameters = Record<ElectrolyteParameterName, number>;

/** What the scheme needs that is the same for every cell of a study: the mesh, the D_e fit, the reference temperature. */
export interface ElectrolyteModel {
  readonly mesh: Readonly<ElectrolyteMesh>;
  readonly diffusivity: ElectrolyteFunction;
  readonly referenceTemperature: number;
}

export function electrolyteModel(set: ParameterSet, mesh: ElectrolyteMesh = DEFAULT_ELECTROLYTE_MESH): ElectrolyteModel {
  for (const region of ['negative', 'separator', 'positive'] as const) {
    const n = mesh[region];
    if (!(Number.isInteger(n) && n >= 1)) throw new CellspreadInputError(`electrolyteMesh.${region}`, 'must be an integer >= 1', n);
  }
  return { mesh: { ...mesh }, diffusivity: set.electrolyte.diffusivity, referenceTemperature: set.thermal.referenceTemperature };
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

/** exp(activation (1/T_ref - 1/T)), activation = E / R [K]; exactly 1 without temperature dependence. */
export function arrheniusFactor(activation: number, referenceTemperature: number, T: number): number {
  return activation === 0 ? 1 : Math.exp(activation * (1 / referenceTemperature - 1 / T));
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
  // The fits' reference concentrations belong to the set (the step evaluates the set's D_e), not to a cell.
  const functionAt = (name: 'diffusivity' | 'conductivity', c: number) => {
    const f = el[name];
    requirePositive(`electrolyte.${name}.referenceConcentration`, f.referenceConcentration);
    const v = electrolyteFunction(f, c);
    if (!(v > 0 && Number.isFinite(v))) {
      throw new CellspreadInputError(`electrolyte.${name}`, `must be > 0 at the initial concentration ${c} mol/m3 and the reference temperature`, v);
    }
    return v;
  };
  functionAt('diffusivity', c0);
  const kappa0 = conductivityScale * functionAt('conductivity', c0);

  const region = (name: 'negative' | 'separator' | 'positive', cells: number) => {
    const e = name === 'separator' ? set.separator : set[name];
    const L = pick(o, `${name}.thickness`, e.thickness);
    const eps = pick(o, `${name}.porosity`, e.porosity);
    requirePositive(`${name}.thickness`, L);
    // A separator may be all electrolyte (Marquis2019's has porosity 1); an electrode needs its solid.
    const full = name === 'separator';
    if (!(eps > 0 && (full ? eps <= 1 : eps < 1))) throw new CellspreadInputError(`${name}.porosity`, full ? 'must be in (0, 1]' : 'must be in (0, 1)', eps);
    const tau = o?.[`tortuosity.${name}`];
    let efficiency: number;
    if (tau !== undefined) {
      if (!(tau >= 1 && Number.isFinite(tau))) throw new CellspreadInputError(`tortuosity.${name}`, 'must be a finite number >= 1', tau);
      efficiency = eps / tau;
    } else {
      const b = pick(o, `${name}.bruggemanElectrolyte`, e.bruggemanElectrolyte);
      if (!(b >= 0 && Number.isFinite(b))) throw new CellspreadInputError(`${name}.bruggemanElectrolyte`, 'must be a finite number >= 0', b);
      efficiency = eps ** b;
    }
    const h = L / cells;
    return { L, eps, efficiency, h };
  };
  const n = region('negative', mesh.negative);
  const s = region('separator', mesh.separator);
  const p = region('positive', mesh.positive);
  const solidResistance = (['negative', 'positive'] as const).reduce((sum, side) => {
    const e = set[side];
    const L = side === 'negative' ? n.L : p.L;
    const eps = side === 'negative' ? n.eps : p.eps;
    const epsS = pick(o, `${side}.activeMaterialVolumeFraction`, e.activeMaterialVolumeFraction);
    if (!(eps + epsS <= 1)) {
      throw new CellspreadInputError(`${side}.porosity`, `plus the active material volume fraction (${epsS}) must be <= 1`, eps);
    }
    const sigma = pick(o, `${side}.conductivity`, e.conductivity);
    const bs = pick(o, `${side}.bruggemanElectrode`, e.bruggemanElectrode);
    requirePositive(`${side}.conductivity`, sigma);
    if (!(bs >= 0 && Number.isFinite(bs))) throw new CellspreadInputError(`${side}.bruggemanElectrode`, 'must be a finite number >= 0', bs);
    return sum + L / (3 * sigma * (1 - eps) ** bs);
  }, 0) / area;
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

function requirePositive(field: string, v: number): void {
  if (!(v > 0 && Number.isFinite(v))) throw new CellspreadInputError(field, 'must be a finite number > 0', v);
}

function requireFinite(field: string, v: number): void {
  if (!Number.isFinite(v)) throw new CellspreadInputError(field, 'must be a finite number', v);
}

// ---------------------------------------------------------------------------------------------------------------
// The step
// ---------------------------------------------------------------------------------------------------------------

/** Rounding applied to every stored intermediate: identity in f64, Math.fround to emulate an f32 kernel. */
export type Rounding = (x: number) => number;
const exact: Rounding = (x) => x;

type FloatArray = Float64Array | Float32Array;

/** Work arrays of one electrolyte step (N = state length each). */
export interface ElectrolyteScratch {
  conductance: FloatArray;
  lower: FloatArray;
  diag: FloatArray;
  upper: FloatArray;
  rhs: FloatArray;
  rate: FloatArray;
  trial: FloatArray;
}

export function electrolyteScratch(mesh: ElectrolyteMesh, f32 = false): ElectrolyteScratch {
  const n = electrolyteStateLength(mesh);
  const make = () => (f32 ? new Float32Array(n) : new Float64Array(n));
  return { conductance: make(), lower: make(), diag: make(), upper: make(), rhs: make(), rate: make(), trial: make() };
}

/**
 * LU factorisation of a tridiagonal matrix in place (Thomas): lower[j] becomes the multiplier, diag[j] the pivot
 * (lower[0] and upper[n-1] are unused). No pivoting: the SPMe matrix is a symmetric M-matrix, strictly diagonally
 * dominant through its mass term, so elimination is stable in f32 and every pivot is positive.
 */
export function factorTridiagonal(lower: FloatArray, diag: FloatArray, upper: ArrayLike<number>, n: number, r: Rounding = exact): void {
  for (let j = 1; j < n; j++) {
    lower[j] = r(lower[j] / diag[j - 1]);
    diag[j] = r(diag[j] - r(lower[j] * upper[j - 1]));
  }
}

/** Solve with a factorisation from factorTridiagonal, overwriting `rhs` with the solution. */
export function solveFactored(lower: ArrayLike<number>, diag: ArrayLike<number>, upper: ArrayLike<number>, rhs: FloatArray, n: number, r: Rounding = exact): void {
  for (let j = 1; j < n; j++) rhs[j] = r(rhs[j] - r(lower[j] * rhs[j - 1]));
  rhs[n - 1] = r(rhs[n - 1] / diag[n - 1]);
  for (let j = n - 2; j >= 0; j--) rhs[j] = r(r(rhs[j] - r(upper[j] * rhs[j + 1])) / diag[j]);
}

/** The value of a per-region quantity (negative, separator, positive) at finite volume j. */
function byRegion(mesh: ElectrolyteMesh, j: number, negative: number, separator: number, positive: number): number {
  return j < mesh.negative ? negative : j < mesh.negative + mesh.separator ? separator : positive;
}

/**
 * Face conductances G_{j+1/2} = Dbar / d_{j+1/2} for j = 0..N-2, d = (rho_j + rho_{j+1}) / 2, rho = h / B, with Dbar
 * the mean of D_e over [theta_j, theta_{j+1}] by Simpson's rule, (D_j + 4 D_mid + D_{j+1}) / 6. That mean is the
 * Kirchhoff transform's exact face flux, (Phi_{j+1} - Phi_j) / (theta_{j+1} - theta_j) with Phi' = D, for any D_e up to
 * cubic in c_e (Nyman2008 is quadratic), computed without the cancellation of that difference quotient. It makes the
 * discrete steady state exact for piecewise-quadratic Phi and the error 4x smaller than PyBaMM's harmonic face average
 * of D_e at the same mesh (docs/numerics.md). conductance[N-1] = 0: no flux at the positive current collector.
 */
export function faceConductances(
  theta: ArrayLike<number>,
  offset: number,
  model: ElectrolyteModel,
  p: ElectrolyteKernelParameters,
  T: number,
  out: FloatArray,
  r: Rounding = exact,
): void {
  const { mesh } = model;
  const n = electrolyteStateLength(mesh);
  const scale = r(p.diffusivityScale * arrheniusFactor(p.diffusivityActivation, model.referenceTemperature, T));
  const c0 = p.electrolyteConcentration;
  const f = model.diffusivity;
  let left = r(electrolyteFunction(f, r(c0 * theta[offset])));
  for (let j = 1; j < n; j++) {
    const right = r(electrolyteFunction(f, r(c0 * theta[offset + j])));
    const middle = r(electrolyteFunction(f, r(c0 * r(0.5 * r(theta[offset + j - 1] + theta[offset + j])))));
    const mean = r(r(scale * r(r(left + right) + r(4 * middle))) / 6);
    out[j - 1] = r(mean * inverseDistance(mesh, p, j - 1, r));
    left = right;
  }
  out[n - 1] = 0;
}

/** 1 / d_{j+1/2}: the inverse distance between the centres of volumes j and j+1, in units of h / B. */
function inverseDistance(mesh: ElectrolyteMesh, p: ElectrolyteKernelParameters, j: number, r: Rounding): number {
  const left = byRegion(mesh, j, p.pathLengthNeg, p.pathLengthSep, p.pathLengthPos);
  const right = byRegion(mesh, j + 1, p.pathLengthNeg, p.pathLengthSep, p.pathLengthPos);
  return r(2 / r(left + right));
}

/** F_j = G_{j-1/2} (theta_{j-1} - theta_j) + G_{j+1/2} (theta_{j+1} - theta_j) + I q_j: the rate of eps_j h_j theta_j. */
function electrolyteRate(
  theta: ArrayLike<number>,
  offset: number,
  model: ElectrolyteModel,
  p: ElectrolyteKernelParameters,
  G: ArrayLike<number>,
  current: number,
  out: FloatArray,
  r: Rounding,
): void {
  const { mesh } = model;
  const n = electrolyteStateLength(mesh);
  for (let j = 0; j < n; j++) {
    const x = theta[offset + j];
    const west = j > 0 ? r(G[j - 1] * r(theta[offset + j - 1] - x)) : 0;
    const east = j < n - 1 ? r(G[j] * r(theta[offset + j + 1] - x)) : 0;
    out[j] = r(r(west + east) + r(current * byRegion(mesh, j, p.sourceNeg, 0, p.sourcePos)));
  }
}

/**
 * 'ros2' (default): the two-stage Rosenbrock-W method ROS2 of Verwer, Spee, Blom and Hundsdorfer (SIAM J. Sci.
 * Comput. 20 (1999) 1456): second order for any matrix W in place of the Jacobian, L-stable for W = J. Here W = -K,
 * the symmetric conductance matrix at the start of the step (one factorisation for both stages). Measured against
 * W = the exact Jacobian of the Kirchhoff fluxes (centre values of D, not symmetric), it has 3 to 9x smaller errors at
 * the step sizes of interest, although its observed order during the first transient is below two (docs/numerics.md).
 * 'euler': the linearly implicit Euler step with the same matrix, first order; its end state is affine in the current
 * for a given start (an exact dV/dI from one more solve), at the price of the first-order error.
 */
export type TimeScheme = 'ros2' | 'euler';

const ROS2_GAMMA = 1 + Math.SQRT1_2;

/**
 * Advance theta = state[offset .. offset+N) over dt with the current held constant, at temperature T (D_e's Arrhenius
 * factor; Chen2020 has none). With M = diag(eps_j h_j), F the rate above and K = K(theta^n) the conductance matrix
 * ((K x)_j = sum over the faces of j of G (x_j - x_neighbour)):
 *   ros2:  (M + g K) k1 = F(theta^n),  (M + g K) k2 = F(theta^n + dt k1) - 2 M k1,
 *          theta^{n+1} = theta^n + dt (3 k1 + k2) / 2,  g = (1 + 1/sqrt 2) dt
 *   euler: (M + dt K) k1 = F(theta^n),  theta^{n+1} = theta^n + dt k1
 * Total salt sum eps_j h_j theta_j changes by dt I sum q_j = 0 in exact arithmetic (K and the fluxes of F are
 * conservative).
 */
export function advanceElectrolyte(
  state: FloatArray,
  offset: number,
  model: ElectrolyteModel,
  p: ElectrolyteKernelParameters,
  current: number,
  T: number,
  dt: number,
  scratch: ElectrolyteScratch,
  scheme: TimeScheme = 'ros2',
  r: Rounding = exact,
): void {
  if (!(dt > 0)) return;
  const { mesh } = model;
  const n = electrolyteStateLength(mesh);
  const { conductance: G, lower, diag, upper, rhs, rate, trial } = scratch;
  faceConductances(state, offset, model, p, T, G, r);
  const g = scheme === 'ros2' ? r(ROS2_GAMMA * dt) : dt;
  for (let j = 0; j < n; j++) {
    const west = j > 0 ? G[j - 1] : 0;
    lower[j] = r(-g * west);
    upper[j] = r(-g * G[j]);
    diag[j] = r(byRegion(mesh, j, p.poreWidthNeg, p.poreWidthSep, p.poreWidthPos) + r(g * r(west + G[j])));
  }
  factorTridiagonal(lower, diag, upper, n, r);
  electrolyteRate(state, offset, model, p, G, current, rhs, r);
  solveFactored(lower, diag, upper, rhs, n, r);
  if (scheme === 'euler') {
    for (let j = 0; j < n; j++) state[offset + j] = r(state[offset + j] + r(dt * rhs[j]));
    return;
  }
  for (let j = 0; j < n; j++) {
    rate[j] = rhs[j];
    trial[j] = r(state[offset + j] + r(dt * rhs[j]));
  }
  faceConductances(trial, 0, model, p, T, G, r);
  electrolyteRate(trial, 0, model, p, G, current, rhs, r);
  for (let j = 0; j < n; j++) rhs[j] = r(rhs[j] - r(2 * r(byRegion(mesh, j, p.poreWidthNeg, p.poreWidthSep, p.poreWidthPos) * rate[j])));
  solveFactored(lower, diag, upper, rhs, n, r);
  for (let j = 0; j < n; j++) state[offset + j] = r(state[offset + j] + r(dt * r(r(1.5 * rate[j]) + r(0.5 * rhs[j]))));
}

// ---------------------------------------------------------------------------------------------------------------
// What the voltage needs from the electrolyte
// ---------------------------------------------------------------------------------------------------------------

/**
 * Derived values of an electrolyte state, computed once per state (after each step) so that an evaluation of the
 * voltage, which the Heun update and a pack's current sharing repeat many times per step, costs a few scalars:
 * - <ln theta> over each electrode (eta_c = chi RT/F (<ln theta>_p - <ln theta>_n));
 * - a two-point Gauss rule for the x-average of f(s) over each electrode's volumes, s = theta^(-1/2): nodes s1, s2
 *   and weight w1 (w2 = 1 - w1), exact for cubics in s. The x-averaged reaction overpotential is then
 *   <asinh(u s)> = w1 asinh(u s1) + w2 asinh(u s2), u = j / (2 j0) at theta = 1: two asinh per electrode instead of
 *   one per volume. Error against the volume-by-volume average: below 0.03 mV in eta for |u| <= 4 on the 2C profile
 *   (c_e from 3170 to 110 mol/m3; test/model/spme-scheme.test.ts), far below the mesh error.
 */
export const ELECTROLYTE_SUMMARY = [
  { name: 'lnMeanNeg', unit: '-', description: '<ln theta> over the negative electrode volumes' },
  { name: 'nodeNeg1', unit: '-', description: 'first Gauss node in theta^(-1/2), negative electrode' },
  { name: 'nodeNeg2', unit: '-', description: 'second Gauss node in theta^(-1/2), negative electrode' },
  { name: 'weightNeg1', unit: '-', description: 'weight of the first node, negative electrode (the second has 1 - w)' },
  { name: 'lnMeanPos', unit: '-', description: '<ln theta> over the positive electrode volumes' },
  { name: 'nodePos1', unit: '-', description: 'first Gauss node in theta^(-1/2), positive electrode' },
  { name: 'nodePos2', unit: '-', description: 'second Gauss node in theta^(-1/2), positive electrode' },
  { name: 'weightPos1', unit: '-', description: 'weight of the first node, positive electrode' },
] as const satisfies readonly LayoutEntry[];

export const ELECTROLYTE_SUMMARY_INDEX = Object.fromEntries(ELECTROLYTE_SUMMARY.map((s, i) => [s.name, i])) as Record<
  (typeof ELECTROLYTE_SUMMARY)[number]['name'],
  number
>;

/** Floor on theta inside ln and the square root (the cell stops at 10 mol/m3 long before; this only keeps NaN out). */
export const THETA_FLOOR = 1e-6;

/** Below this variance of s the volumes are treated as equal (one node): no 0/0 at a uniform electrolyte. */
const VARIANCE_MIN = 1e-12;

/**
 * Write the summary of theta = state[offset .. offset+N) into out[outOffset .. +8) (ELECTROLYTE_SUMMARY order: ln mean,
 * node 1, node 2, weight 1 for the negative electrode, then the same for the positive). Two passes per electrode:
 * the mean of s and of ln theta, then the central moments mu2, mu3 of s (centred, so no cancellation in f32); the
 * nodes solve xi^2 - (mu3/mu2) xi - mu2 = 0 around the mean.
 */
export function summarizeElectrolyte(
  state: ArrayLike<number>,
  offset: number,
  mesh: ElectrolyteMesh,
  out: FloatArray,
  outOffset: number,
  r: Rounding = exact,
): void {
  const I = ELECTROLYTE_SUMMARY_INDEX;
  summarizeElectrode(state, offset, 0, mesh.negative, out, outOffset + I.lnMeanNeg, r);
  summarizeElectrode(state, offset, mesh.negative + mesh.separator, mesh.positive, out, outOffset + I.lnMeanPos, r);
}

/** ln mean, nodes and first weight of volumes first .. first+count-1 into out[slot .. slot+4). */
function summarizeElectrode(state: ArrayLike<number>, offset: number, first: number, count: number, out: FloatArray, slot: number, r: Rounding): void {
  let sMean = 0;
  let lnMean = 0;
  for (let j = first; j < first + count; j++) {
    const theta = Math.max(state[offset + j], THETA_FLOOR);
    sMean = r(sMean + r(1 / r(Math.sqrt(theta))));
    lnMean = r(lnMean + r(Math.log(theta)));
  }
  sMean = r(sMean / count);
  let mu2 = 0;
  let mu3 = 0;
  for (let j = first; j < first + count; j++) {
    const d = r(r(1 / r(Math.sqrt(Math.max(state[offset + j], THETA_FLOOR)))) - sMean);
    const d2 = r(d * d);
    mu2 = r(mu2 + d2);
    mu3 = r(mu3 + r(d2 * d));
  }
  mu2 = r(mu2 / count);
  mu3 = r(mu3 / count);
  out[slot] = r(lnMean / count);
  if (!(mu2 > VARIANCE_MIN)) {
    out[slot + 1] = sMean;
    out[slot + 2] = sMean;
    out[slot + 3] = 0.5;
    return;
  }
  const half = r(r(mu3 / mu2) / 2);
  const root = r(Math.sqrt(r(r(half * half) + mu2)));
  const xi1 = r(half - root);
  const xi2 = r(half + root);
  out[slot + 1] = r(sMean + xi1);
  out[slot + 2] = r(sMean + xi2);
  out[slot + 3] = r(xi2 / r(xi2 - xi1));
}
