import { CellspreadInputError } from '../errors.ts';
import { exp, tanh } from '../math/elementary.ts';
import { intervalOf, type PiecewiseCubic } from '../math/spline.ts';
import type { ParameterSet, SeiParameters } from '../params/types.ts';
import { FARADAY, GAS_CONSTANT, SECONDS_PER_HOUR } from './constants.ts';
import type { ParameterDecl } from '../kernels/define.ts';
import { CELL_PARAMETER_COUNT, CELL_PARAMETER_INDEX, CELL_PARAMETERS, unpackCellParameters, type CellKernelParameters } from './layout.ts';
import { illinois } from './roots.ts';
import { ocpFunction } from './ocp-table.ts';
import { isPiecewiseCubic, OCP_REGULARISATION, OCP_STOICH_MIN, type StoichFunction } from './series.ts';

/**
 * Per-cell deviations from the parameter set: any numeric leaf by dotted path (e.g. "negative.particleRadius",
 * "electrical.contactResistance", "thermal.heatTransferCoefficient"), plus `lithiumInventoryFactor`, which scales the
 * set's cyclable lithium (1 = as in the set). Only the paths in CELL_INPUTS change a cell's kernel parameters.
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

// ---------------------------------------------------------------------------------------------------------------------
// The cell input vector

/** The `sei` block's fields (a set without the block reads 0 for each: no film, no growth). */
const SEI_FIELDS = [
  'initialThickness',
  'partialMolarVolume',
  'resistivity',
  'solventDiffusivity',
  'bulkSolventConcentration',
  'reactionExchangeCurrentDensity',
  'openCircuitPotential',
  'activationEnergy',
  'lithiumPerSeiMole',
] as const satisfies readonly (keyof SeiParameters)[];

const ELECTRODE_FIELDS = [
  'thickness',
  'particleRadius',
  'activeMaterialVolumeFraction',
  'maxConcentration',
  'initialConcentration',
  'diffusivity',
  'diffusivityActivationEnergy',
  'exchangeCurrentPrefactor',
  'exchangeCurrentActivationEnergy',
] as const;

/**
 * What the SPMe's electrolyte rows read besides the SPM's inputs (src/model/electrolyte.ts ElectrolyteDeriver), so the
 * sampler fills one vector per cell for both. `tortuosity.<region>` (eps / tau instead of Bruggeman when given) reads
 * NaN when no override gives it; `electrolyteDiffusivity` and `electrolyteConductivity` are factors on the set's fits
 * (1 = as in the set).
 */
export const ELECTROLYTE_INPUTS = [
  ...(['negative', 'separator', 'positive'] as const).flatMap((r) => [`${r}.porosity`, `${r}.bruggemanElectrolyte`, `tortuosity.${r}`]),
  ...(['negative', 'positive'] as const).flatMap((r) => [`${r}.conductivity`, `${r}.bruggemanElectrode`]),
  'electrolyte.transferenceNumber',
  'electrolyte.thermodynamicFactor',
  'electrolyte.diffusivity.activationEnergy',
  'electrolyte.conductivity.activationEnergy',
  'electrolyteDiffusivity',
  'electrolyteConductivity',
] as const;

/**
 * Kernel parameters the cell-physics definition reads from the set itself (`fromSet` in src/model/physics.ts), with
 * the paths they read (found once, by calling each with a recording reader).
 */
const FROM_SET = (CELL_PARAMETERS as readonly ParameterDecl[]).flatMap((p, index) => (p.fromSet ? [{ index, fromSet: p.fromSet }] : []));
const FROM_SET_PATHS = new Set<string>();
for (const p of FROM_SET) p.fromSet((path) => (FROM_SET_PATHS.add(path), 1));

/**
 * Every value the derivation reads per cell, named by the dotted path an override uses, in a fixed order: a cell's
 * input vector. The sampler fills these vectors directly (no per-cell objects); `cellInputs` builds one from a set and
 * overrides. The negative electrode's fields come first, then the positive's in the same order, then the rest, then any
 * path a `fromSet` parameter reads that the list does not name yet.
 */
export const CELL_INPUTS: readonly string[] = withFromSetPaths([
  ...ELECTRODE_FIELDS.map((f) => `negative.${f}`),
  ...ELECTRODE_FIELDS.map((f) => `positive.${f}`),
  'separator.thickness',
  'geometry.electrodeHeight',
  'geometry.electrodeWidth',
  'geometry.electrodeCount',
  'geometry.cellVolume',
  'geometry.coolingArea',
  'electrolyte.concentration',
  'electrical.contactResistance',
  'electrical.lowerVoltageCutoff',
  'electrical.upperVoltageCutoff',
  'thermal.heatTransferCoefficient',
  'thermal.ambientTemperature',
  'thermal.initialTemperature',
  'lithiumInventoryFactor',
  ...SEI_FIELDS.map((f) => `sei.${f}`),
  'sei.rateFactor',
  ...ELECTROLYTE_INPUTS,
]);
export const CELL_INPUT_COUNT = CELL_INPUTS.length;
const INPUT_INDEX = new Map(CELL_INPUTS.map((path, i) => [path, i]));

/** Position of an override path in the cell input vector, or -1 when the derivation does not read it. */
export function cellInputIndex(path: string): number {
  return INPUT_INDEX.get(path) ?? -1;
}

const at = (path: string): number => INPUT_INDEX.get(path)!;
// Offsets of the electrode fields inside an electrode's block, and where each block starts.
const NEG = 0;
const POS = ELECTRODE_FIELDS.length;
const THICKNESS = 0;
const RADIUS = 1;
const EPS_S = 2;
const C_MAX = 3;
const C_0 = 4;
const DIFFUSIVITY = 5;
const DIFFUSION_EA = 6;
const PREFACTOR = 7;
const KINETIC_EA = 8;
const SEPARATOR_THICKNESS = at('separator.thickness');
const HEIGHT = at('geometry.electrodeHeight');
const WIDTH = at('geometry.electrodeWidth');
const ELECTRODE_COUNT = at('geometry.electrodeCount');
const CELL_VOLUME = at('geometry.cellVolume');
const COOLING_AREA = at('geometry.coolingArea');
const ELECTROLYTE_CONCENTRATION = at('electrolyte.concentration');
const CONTACT_RESISTANCE = at('electrical.contactResistance');
const V_MIN = at('electrical.lowerVoltageCutoff');
const V_MAX = at('electrical.upperVoltageCutoff');
const HEAT_TRANSFER = at('thermal.heatTransferCoefficient');
const LITHIUM_FACTOR = at('lithiumInventoryFactor');
const SEI = Object.fromEntries(SEI_FIELDS.map((f) => [f, at(`sei.${f}`)])) as Record<(typeof SEI_FIELDS)[number], number>;
const SEI_RATE_FACTOR = at('sei.rateFactor');

function withFromSetPaths(paths: string[]): string[] {
  return [...paths, ...[...FROM_SET_PATHS].filter((p) => !paths.includes(p))];
}

/**
 * The set's value at an input path (the factors lithiumInventoryFactor, sei.rateFactor, electrolyteDiffusivity and
 * electrolyteConductivity: 1; sei.* of a set without SEI: 0; tortuosity.*: NaN, none given).
 */
function readPath(set: ParameterSet, path: string): number {
  if (path === 'lithiumInventoryFactor' || path === 'sei.rateFactor' || path === 'electrolyteDiffusivity' || path === 'electrolyteConductivity') return 1;
  if (path.startsWith('tortuosity.')) return NaN;
  if (path.startsWith('sei.') && !set.sei) return 0;
  let node: unknown = set;
  for (const key of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  if (typeof node !== 'number') throw new CellspreadInputError(path, 'must name a numeric leaf of the parameter set', path);
  return node;
}

/** The input vector of a cell of `set` with `overrides` applied (paths outside CELL_INPUTS are ignored). */
export function cellInputs(set: ParameterSet, overrides?: CellOverrides, out = new Float64Array(CELL_INPUT_COUNT)): Float64Array {
  out.set(derivationOf(set).nominalInputs);
  if (overrides) {
    for (const path in overrides) {
      const i = INPUT_INDEX.get(path);
      const v = overrides[path];
      if (i !== undefined && v !== undefined) out[i] = v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Open-circuit potentials, value and slope together

/**
 * One OCP series with PyBaMM's clip and end regularisation, evaluated with its slope in one pass so each exp and tanh
 * is computed once. Same arithmetic, in the same order and with the same engine-independent exp and tanh
 * (src/math/elementary.ts), as openCircuitPotential and openCircuitPotentialSlope in series.ts (a test checks they agree
 * bit for bit). A measured table (a piecewise cubic) is evaluated on its interval, the same regularisation added.
 */
export class OcpCurve {
  value = 0;
  slope = 0;
  private readonly table: PiecewiseCubic | undefined;
  private readonly constant: number;
  private readonly linear: number;
  private readonly expAmplitude: Float64Array;
  private readonly expRate: Float64Array;
  private readonly tanhAmplitude: Float64Array;
  private readonly tanhSlope: Float64Array;
  private readonly tanhCenter: Float64Array;

  constructor(curve: StoichFunction) {
    this.table = isPiecewiseCubic(curve) ? curve : undefined;
    const f = isPiecewiseCubic(curve) ? { constant: 0, linear: 0, exp: [], tanh: [] } : curve;
    this.constant = f.constant;
    this.linear = f.linear;
    this.expAmplitude = Float64Array.from(f.exp, (e) => e.amplitude);
    this.expRate = Float64Array.from(f.exp, (e) => e.rate);
    this.tanhAmplitude = Float64Array.from(f.tanh, (t) => t.amplitude);
    this.tanhSlope = Float64Array.from(f.tanh, (t) => t.slope);
    this.tanhCenter = Float64Array.from(f.tanh, (t) => t.center);
  }

  /** Sets `value` = U(stoich) and `slope` = dU/ds. */
  evaluate(stoich: number): void {
    const s = Math.min(Math.max(stoich, OCP_STOICH_MIN), 1 - OCP_STOICH_MIN);
    const t = this.table;
    if (t) {
      const i = intervalOf(t, s);
      const h = s - t.knots[i];
      const c = t.coefficients;
      const j = 4 * i;
      this.value = c[j] + h * (c[j + 1] + h * (c[j + 2] + h * c[j + 3])) + OCP_REGULARISATION * (1 / s + 1 / (s - 1));
      this.slope = c[j + 1] + h * (2 * c[j + 2] + h * 3 * c[j + 3]) - OCP_REGULARISATION * (1 / (s * s) + 1 / ((s - 1) * (s - 1)));
      return;
    }
    let u = this.constant + this.linear * s;
    let d = this.linear;
    for (let i = 0; i < this.expRate.length; i++) {
      const a = this.expAmplitude[i];
      const b = this.expRate[i];
      const e = exp(b * s);
      u += a * e;
      d += a * b * e;
    }
    for (let i = 0; i < this.tanhSlope.length; i++) {
      const a = this.tanhAmplitude[i];
      const k = this.tanhSlope[i];
      const th = tanh(k * (s - this.tanhCenter[i]));
      u += a * th;
      d += a * k * (1 - th * th);
    }
    this.value = u + OCP_REGULARISATION * (1 / s + 1 / (s - 1));
    this.slope = d - OCP_REGULARISATION * (1 / (s * s) + 1 / ((s - 1) * (s - 1)));
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// The derivation of one parameter set

/** Newton stops when its predicted remaining error (step^3 / previous step^2) is below this, in stoichiometry. */
const PREDICTED_ERROR = 1e-17;

/** Where the nominal cell's balance sits, for the first-order start of every other cell's solve. */
interface NominalRoot {
  x: number;
  y: number;
  voltage: number;
  /** dU_p/dy at y and dU_n/dx at x. */
  slopePos: number;
  slopeNeg: number;
}

/**
 * The derivation of one parameter set, compiled once: its nominal input vector, flattened OCP curves, and the nominal
 * electrode balance from which each cell's root solves start. A cell's result is a pure function of its own input
 * vector and the set (bit for bit, whatever else was derived before).
 */
class Derivation {
  readonly nominalInputs: Float64Array;
  private readonly ocpNeg: OcpCurve;
  private readonly ocpPos: OcpCurve;
  private readonly collectorResistancePerArea: number;
  /** The nominal cell's roots (undefined only while they are being solved for, from the middle of the range). */
  private readonly nominal: { full: NominalRoot; empty: NominalRoot } | undefined;
  // The cell being derived and its balance (scratch, so a cell allocates nothing).
  private current: Float64Array;
  private readonly readCurrent = (path: string): number => this.current[INPUT_INDEX.get(path)!];
  capacityNeg = 0;
  capacityPos = 0;
  lithiumInventory = 0;
  x0 = 0;
  x100 = 0;

  constructor(private readonly set: ParameterSet) {
    this.nominalInputs = Float64Array.from(CELL_INPUTS, (path) => readPath(set, path));
    this.current = this.nominalInputs;
    // The OCPs as the set defines them: measured tables where it gives them (the balance PyBaMM computes).
    this.ocpNeg = new OcpCurve(ocpFunction(set.negative, 'negative.ocpTable'));
    this.ocpPos = new OcpCurve(ocpFunction(set.positive, 'positive.ocpTable'));
    this.collectorResistancePerArea =
      set.negative.collectorThickness / set.negative.collectorConductivity + set.positive.collectorThickness / set.positive.collectorConductivity;
    this.balance(this.nominalInputs);
    this.nominal = { full: this.rootAt(this.x100, this.nominalInputs[V_MAX]), empty: this.rootAt(this.x0, this.nominalInputs[V_MIN]) };
  }

  private rootAt(x: number, voltage: number): NominalRoot {
    const y = (this.lithiumInventory - x * this.capacityNeg) / this.capacityPos;
    this.ocpPos.evaluate(y);
    this.ocpNeg.evaluate(x);
    return { x, y, voltage, slopePos: this.ocpPos.slope, slopeNeg: this.ocpNeg.slope };
  }

  /**
   * Electrode capacities, lithium inventory and the 0 %/100 % SOC stoichiometries (PyBaMM's electrode-SOH method)
   * of the input vector `v`, into this object's scratch fields.
   */
  balance(v: Float64Array): void {
    const area = v[HEIGHT] * v[WIDTH] * v[ELECTRODE_COUNT];
    const toAh = (FARADAY * area) / SECONDS_PER_HOUR;
    const capacityNeg = v[NEG + EPS_S] * v[NEG + THICKNESS] * v[NEG + C_MAX] * toAh;
    const capacityPos = v[POS + EPS_S] * v[POS + THICKNESS] * v[POS + C_MAX] * toAh;
    const lithiumInventory =
      (v[NEG + EPS_S] * v[NEG + THICKNESS] * v[NEG + C_0] + v[POS + EPS_S] * v[POS + THICKNESS] * v[POS + C_0]) * toAh * v[LITHIUM_FACTOR];
    this.capacityNeg = capacityNeg;
    this.capacityPos = capacityPos;
    this.lithiumInventory = lithiumInventory;
    // x ranges where both stoichiometries stay inside (0, 1).
    const xLo = Math.max(1e-9, (lithiumInventory - capacityPos) / capacityNeg + 1e-9);
    const xHi = Math.min(1 - 1e-9, lithiumInventory / capacityNeg - 1e-9);
    if (!(xHi > xLo)) {
      throw new CellspreadInputError('lithiumInventory', 'must fit both electrodes (0 < x, y < 1)', lithiumInventory);
    }
    const nominal = this.nominal;
    this.x100 = this.solveOcv(v[V_MAX], xLo, xHi, nominal?.full);
    if (!Number.isFinite(this.x100)) {
      throw new CellspreadInputError('electrical.upperVoltageCutoff', 'must lie inside the open-circuit voltage range of the cell', v[V_MAX]);
    }
    this.x0 = this.solveOcv(v[V_MIN], xLo, xHi, nominal?.empty);
    if (!Number.isFinite(this.x0)) {
      throw new CellspreadInputError('electrical.lowerVoltageCutoff', 'must lie inside the open-circuit voltage range of the cell', v[V_MIN]);
    }
  }

  /** ocv(x) - v for the cell in the scratch fields; leaves both curves' slopes at x for the Newton step. */
  private ocvMinus(x: number, v: number): number {
    this.ocpPos.evaluate((this.lithiumInventory - x * this.capacityNeg) / this.capacityPos);
    this.ocpNeg.evaluate(x);
    return this.ocpPos.value - this.ocpNeg.value - v;
  }

  /**
   * Root of ocv(x) = U_p((Li - x Q_n) / Q_p) - U_n(x) = v on [lo, hi] (ocv increasing in x), for the capacities in the
   * scratch fields. Starts from the nominal root moved to first order in (Q_n, Q_p, Li, v) when given (a cell near the
   * nominal one starts a few 1e-5 from its root), then Newton on the analytic slope, kept inside a shrinking bracket
   * with bisection whenever a step would leave it, stopped once the error predicted from the last two steps is below
   * PREDICTED_ERROR (two evaluations for a typical cell); falls back to Illinois if it stalls. NaN when the range
   * holds no root.
   */
  private solveOcv(v: number, lo: number, hi: number, nominal: NominalRoot | undefined): number {
    const ratio = this.capacityNeg / this.capacityPos;
    const lo0 = lo;
    const hi0 = hi;
    let x = 0.5 * (lo + hi);
    if (nominal) {
      const yAtNominalX = (this.lithiumInventory - nominal.x * this.capacityNeg) / this.capacityPos;
      const residual = nominal.voltage - v + nominal.slopePos * (yAtNominalX - nominal.y);
      const guess = nominal.x + residual / (ratio * nominal.slopePos + nominal.slopeNeg);
      if (guess > lo && guess < hi) x = guess;
    }
    let previousStep = 0; // the last Newton step (0: none yet, or the last step bisected)
    for (let i = 0; i < 80; i++) {
      const f = this.ocvMinus(x, v);
      if (f === 0) return x;
      // ocv is increasing, so the sign of f alone shrinks the bracket; no end-point evaluations are needed.
      if (f < 0) lo = x;
      else hi = x;
      const d = -ratio * this.ocpPos.slope - this.ocpNeg.slope;
      let next = x - f / d;
      const newton = d > 0 && next > lo && next < hi;
      if (!newton) next = 0.5 * (lo + hi);
      const step = Math.abs(next - x);
      const converged =
        step <= 1e-15 * Math.max(1, Math.abs(x)) ||
        hi - lo <= 2e-16 ||
        (newton && previousStep > 0 && step * step * step <= PREDICTED_ERROR * previousStep * previousStep);
      if (converged) {
        // Converged onto an end of the original range: no root inside it.
        if (next - lo0 < 1e-12 || hi0 - next < 1e-12) return Math.abs(this.ocvMinus(next, v)) < 1e-9 ? next : NaN;
        return next;
      }
      previousStep = newton ? step : 0;
      x = next;
    }
    return illinois((xx) => this.ocvMinus(xx, v), lo, hi, 1e-14);
  }

  /**
   * The SEI rows of the cell (docs/lifetime.md section 2) from its `sei.*` inputs and the negative electrode's
   * interfacial area a_n L_n A [m2]; all 0 (no film, no growth) for a set without an `sei` block. `sei.rateFactor`
   * (default 1) multiplies the growth: the ageing variation's handle.
   */
  private deriveSei(v: Float64Array, area: number, out: Float64Array, offset: number, stride: number): void {
    const factor = v[SEI_RATE_FACTOR];
    if (!(factor >= 0 && Number.isFinite(factor))) throw new CellspreadInputError('sei.rateFactor', 'must be a finite number >= 0', factor);
    out[offset + P_SEI_RATE_FACTOR * stride] = factor;
    const rows = [P_SEI_INITIAL_THICKNESS, P_SEI_FILM_RESISTIVITY, P_SEI_LITHIUM_PER_THICKNESS, P_SEI_SOLVENT_GROWTH, P_SEI_REACTION_GROWTH, P_SEI_OCP, P_SEI_ACTIVATION];
    if (!this.set.sei) {
      for (const p of rows) out[offset + p * stride] = 0;
      return;
    }
    for (const key of ['initialThickness', 'partialMolarVolume', 'lithiumPerSeiMole'] as const) {
      if (!(v[SEI[key]] > 0 && Number.isFinite(v[SEI[key]]))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number > 0', v[SEI[key]]);
    }
    for (const key of ['resistivity', 'solventDiffusivity', 'bulkSolventConcentration', 'reactionExchangeCurrentDensity'] as const) {
      if (!(v[SEI[key]] >= 0 && Number.isFinite(v[SEI[key]]))) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number >= 0', v[SEI[key]]);
    }
    for (const key of ['openCircuitPotential', 'activationEnergy'] as const) {
      if (!Number.isFinite(v[SEI[key]])) throw new CellspreadInputError(`sei.${key}`, 'must be a finite number', v[SEI[key]]);
    }
    const z = v[SEI.lithiumPerSeiMole];
    const vBar = v[SEI.partialMolarVolume];
    out[offset + P_SEI_INITIAL_THICKNESS * stride] = v[SEI.initialThickness];
    out[offset + P_SEI_FILM_RESISTIVITY * stride] = v[SEI.resistivity] / area;
    out[offset + P_SEI_LITHIUM_PER_THICKNESS * stride] = (area * z * FARADAY) / (SECONDS_PER_HOUR * vBar);
    out[offset + P_SEI_SOLVENT_GROWTH * stride] = (vBar * v[SEI.solventDiffusivity] * v[SEI.bulkSolventConcentration]) / z;
    out[offset + P_SEI_REACTION_GROWTH * stride] = (vBar * v[SEI.reactionExchangeCurrentDensity]) / (FARADAY * z);
    out[offset + P_SEI_OCP * stride] = v[SEI.openCircuitPotential];
    out[offset + P_SEI_ACTIVATION * stride] = v[SEI.activationEnergy] / GAS_CONSTANT;
  }

  /**
   * Kernel parameters of the cell with input vector `v` at state of charge `soc`, written to
   * out[offset + p * stride] for each parameter p in layout order (stride 1: a packed vector; the sampler writes
   * its struct-of-arrays chunk directly).
   */
  derive(v: Float64Array, soc: number, out: Float64Array, offset = 0, stride = 1): void {
    if (!(soc >= 0 && soc <= 1)) throw new CellspreadInputError('soc', 'must be between 0 and 1', soc);
    checkElectrode('negative', v, NEG);
    checkElectrode('positive', v, POS);
    this.balance(v);
    const area = v[HEIGHT] * v[WIDTH] * v[ELECTRODE_COUNT];
    const ce = v[ELECTROLYTE_CONCENTRATION];
    if (!(ce > 0 && Number.isFinite(ce))) throw new CellspreadInputError('electrolyte.concentration', 'must be a finite number > 0', ce);
    const sqrtCe = Math.sqrt(ce);
    const contactResistance = v[CONTACT_RESISTANCE];
    const h = v[HEAT_TRANSFER];
    if (!(contactResistance >= 0)) throw new CellspreadInputError('electrical.contactResistance', 'must be >= 0', contactResistance);
    if (!(h >= 0)) throw new CellspreadInputError('thermal.heatTransferCoefficient', 'must be >= 0', h);
    const { x0, x100 } = this;
    const y0 = (this.lithiumInventory - x0 * this.capacityNeg) / this.capacityPos;
    const y100 = (this.lithiumInventory - x100 * this.capacityNeg) / this.capacityPos;
    out[offset + P_CAPACITY_NEG * stride] = this.capacityNeg;
    out[offset + P_CAPACITY_POS * stride] = this.capacityPos;
    out[offset + P_DIFFUSION_TIME_NEG * stride] = (v[NEG + RADIUS] * v[NEG + RADIUS]) / v[NEG + DIFFUSIVITY];
    out[offset + P_DIFFUSION_TIME_POS * stride] = (v[POS + RADIUS] * v[POS + RADIUS]) / v[POS + DIFFUSIVITY];
    out[offset + P_DIFFUSION_ACTIVATION_NEG * stride] = v[NEG + DIFFUSION_EA] / GAS_CONSTANT;
    out[offset + P_DIFFUSION_ACTIVATION_POS * stride] = v[POS + DIFFUSION_EA] / GAS_CONSTANT;
    out[offset + P_KINETIC_CURRENT_NEG * stride] = 2 * interfacialArea(v, NEG, area) * v[NEG + PREFACTOR] * sqrtCe * v[NEG + C_MAX];
    out[offset + P_KINETIC_CURRENT_POS * stride] = 2 * interfacialArea(v, POS, area) * v[POS + PREFACTOR] * sqrtCe * v[POS + C_MAX];
    out[offset + P_KINETIC_ACTIVATION_NEG * stride] = v[NEG + KINETIC_EA] / GAS_CONSTANT;
    out[offset + P_KINETIC_ACTIVATION_POS * stride] = v[POS + KINETIC_EA] / GAS_CONSTANT;
    out[offset + P_CONTACT_RESISTANCE * stride] = contactResistance;
    out[offset + P_COLLECTOR_RESISTANCE * stride] = this.collectorResistancePerArea / area;
    out[offset + P_HEAT_CAPACITY * stride] = v[CELL_VOLUME] * volumetricHeatCapacity(this.set, v[NEG + THICKNESS], v[SEPARATOR_THICKNESS], v[POS + THICKNESS]);
    out[offset + P_COOLING_CONDUCTANCE * stride] = h * v[COOLING_AREA];
    out[offset + P_INITIAL_STOICH_NEG * stride] = x0 + soc * (x100 - x0);
    out[offset + P_INITIAL_STOICH_POS * stride] = y0 + soc * (y100 - y0);
    out[offset + P_STOICH_NEG_EMPTY * stride] = x0;
    out[offset + P_STOICH_NEG_FULL * stride] = x100;
    this.deriveSei(v, interfacialArea(v, NEG, area), out, offset, stride);
    // Parameters the definition derives itself, read from this cell's inputs.
    this.current = v;
    for (let i = 0; i < FROM_SET.length; i++) out[offset + FROM_SET[i].index * stride] = FROM_SET[i].fromSet(this.readCurrent);
  }
}

const P_SEI_INITIAL_THICKNESS = CELL_PARAMETER_INDEX.seiInitialThickness;
const P_SEI_FILM_RESISTIVITY = CELL_PARAMETER_INDEX.seiFilmResistivity;
const P_SEI_LITHIUM_PER_THICKNESS = CELL_PARAMETER_INDEX.seiLithiumPerThickness;
const P_SEI_SOLVENT_GROWTH = CELL_PARAMETER_INDEX.seiSolventGrowth;
const P_SEI_REACTION_GROWTH = CELL_PARAMETER_INDEX.seiReactionGrowth;
const P_SEI_OCP = CELL_PARAMETER_INDEX.seiOcp;
const P_SEI_ACTIVATION = CELL_PARAMETER_INDEX.seiActivation;
const P_SEI_RATE_FACTOR = CELL_PARAMETER_INDEX.seiRateFactor;
const P_CAPACITY_NEG = CELL_PARAMETER_INDEX.capacityNeg;
const P_CAPACITY_POS = CELL_PARAMETER_INDEX.capacityPos;
const P_DIFFUSION_TIME_NEG = CELL_PARAMETER_INDEX.diffusionTimeNeg;
const P_DIFFUSION_TIME_POS = CELL_PARAMETER_INDEX.diffusionTimePos;
const P_DIFFUSION_ACTIVATION_NEG = CELL_PARAMETER_INDEX.diffusionActivationNeg;
const P_DIFFUSION_ACTIVATION_POS = CELL_PARAMETER_INDEX.diffusionActivationPos;
const P_KINETIC_CURRENT_NEG = CELL_PARAMETER_INDEX.kineticCurrentNeg;
const P_KINETIC_CURRENT_POS = CELL_PARAMETER_INDEX.kineticCurrentPos;
const P_KINETIC_ACTIVATION_NEG = CELL_PARAMETER_INDEX.kineticActivationNeg;
const P_KINETIC_ACTIVATION_POS = CELL_PARAMETER_INDEX.kineticActivationPos;
const P_CONTACT_RESISTANCE = CELL_PARAMETER_INDEX.contactResistance;
const P_COLLECTOR_RESISTANCE = CELL_PARAMETER_INDEX.collectorResistance;
const P_HEAT_CAPACITY = CELL_PARAMETER_INDEX.heatCapacity;
const P_COOLING_CONDUCTANCE = CELL_PARAMETER_INDEX.coolingConductance;
const P_INITIAL_STOICH_NEG = CELL_PARAMETER_INDEX.initialStoichNeg;
const P_INITIAL_STOICH_POS = CELL_PARAMETER_INDEX.initialStoichPos;
const P_STOICH_NEG_EMPTY = CELL_PARAMETER_INDEX.stoichNegEmpty;
const P_STOICH_NEG_FULL = CELL_PARAMETER_INDEX.stoichNegFull;

function interfacialArea(v: Float64Array, side: number, area: number): number {
  return (area * 3 * v[side + EPS_S] * v[side + THICKNESS]) / v[side + RADIUS];
}

/** Every electrode value finite, the positive-only ones > 0; names the offending override. */
function checkElectrode(side: 'negative' | 'positive', v: Float64Array, block: number): void {
  for (const field of POSITIVE_FIELDS) {
    const x = v[block + field];
    if (!(x > 0 && Number.isFinite(x))) throw electrodeError(side, field, 'must be a finite number > 0', x);
  }
  for (const field of NON_NEGATIVE_FIELDS) {
    const x = v[block + field];
    if (!(x >= 0 && Number.isFinite(x))) throw electrodeError(side, field, 'must be a finite number >= 0', x);
  }
  for (const field of FINITE_FIELDS) {
    const x = v[block + field];
    if (!Number.isFinite(x)) throw electrodeError(side, field, 'must be a finite number', x);
  }
}
const POSITIVE_FIELDS = [THICKNESS, RADIUS, EPS_S, C_MAX, DIFFUSIVITY];
const NON_NEGATIVE_FIELDS = [C_0, PREFACTOR];
const FINITE_FIELDS = [DIFFUSION_EA, KINETIC_EA];

function electrodeError(side: string, field: number, rule: string, value: number): CellspreadInputError {
  return new CellspreadInputError(`${side}.${ELECTRODE_FIELDS[field]}`, rule, value);
}

/** Lumped volumetric heat capacity: thickness-weighted rho c_p over the five layers (cn, n, s, p, cp). */
function volumetricHeatCapacity(set: ParameterSet, negThickness: number, separatorThickness: number, posThickness: number): number {
  const n = set.negative;
  const s = set.separator;
  const p = set.positive;
  let num = n.collectorDensity * n.collectorSpecificHeat * n.collectorThickness;
  let den = n.collectorThickness;
  num += n.density * n.specificHeat * negThickness;
  den += negThickness;
  num += s.density * s.specificHeat * separatorThickness;
  den += separatorThickness;
  num += p.density * p.specificHeat * posThickness;
  den += posThickness;
  num += p.collectorDensity * p.collectorSpecificHeat * p.collectorThickness;
  den += p.collectorThickness;
  return num / den;
}

const derivations = new WeakMap<ParameterSet, Derivation>();
function derivationOf(set: ParameterSet): Derivation {
  let d = derivations.get(set);
  if (!d) {
    d = new Derivation(set);
    derivations.set(set, d);
  }
  return d;
}

// ---------------------------------------------------------------------------------------------------------------------
// Public entry points

/**
 * Kernel parameters of cells from their input vectors, without per-cell objects: the sampler's path.
 * `derive(inputs, soc, out, offset, stride)` writes parameter p of the cell to out[offset + p * stride].
 */
export interface CellDeriver {
  derive(inputs: Float64Array, soc: number, out: Float64Array, offset?: number, stride?: number): void;
}

/** The derivation of `set` (compiled once per set object). */
export function cellDeriver(set: ParameterSet): CellDeriver {
  return derivationOf(set);
}

/** Electrode capacities, lithium inventory and the 0 %/100 % SOC stoichiometries (PyBaMM's electrode-SOH method). */
export function electrodeBalance(set: ParameterSet, overrides?: CellOverrides): ElectrodeBalance {
  const d = derivationOf(set);
  d.balance(cellInputs(set, overrides));
  const { capacityNeg, capacityPos, lithiumInventory, x0, x100 } = d;
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
  const v = cellInputs(set, o);
  return volumetricHeatCapacity(set, v[NEG + THICKNESS], v[SEPARATOR_THICKNESS], v[POS + THICKNESS]);
}

/**
 * Kernel parameters of one cell at state of charge `soc` (0..1), from a parameter set and optional per-cell overrides.
 * This and CellDeriver.derive are the only places where physical parameters turn into the quantities the kernels use.
 */
export function deriveCellParameters(set: ParameterSet, soc: number, overrides?: CellOverrides): CellKernelParameters {
  const out = new Float64Array(CELL_PARAMETER_COUNT);
  derivationOf(set).derive(cellInputs(set, overrides), soc, out);
  return unpackCellParameters(out);
}
