/**
 * The one table of tolerances and iteration limits of the pack machines, with an f64 column (the TypeScript
 * reference, AssemblyScript, C) and an f32 column (WGSL), each with its reason. scripts/generate.ts writes it into
 * assembly/layout.generated.ts, shaders/layout.generated.wgsl and bench/native/kernel.generated.h.
 */
import { OCP_STOICH_MIN } from '../model/series.ts';

export interface Tolerance {
  readonly f64: number;
  readonly f32: number;
  readonly unit: string;
  /** What it bounds. */
  readonly meaning: string;
  /** Why the f32 value differs (or why the value is what it is). */
  readonly reason: string;
  /** An iteration count (emitted as an integer). */
  readonly count?: boolean;
}

export const TOLERANCES = {
  groupCurrent: {
    f64: 1e-10,
    f32: 5e-5,
    unit: 'relative to max(1 A, |group current|)',
    meaning: 'group Newton: largest current update of a converged cell',
    reason: 'f64: far below any physical effect; f32: currents carry ~6e-8 relative rounding, so the voltage test below decides',
  },
  groupVoltage: {
    f64: Infinity,
    f32: 1e-5,
    unit: 'V',
    meaning: 'group Newton: largest gap between a converged cell and the common voltage',
    reason: 'f64: implied by the current test (1e-10 A times |dV/dI| < 1e-9 V); f32: the current test alone passes with millivolts of gap on the steep end of an OCP',
  },
  groupCurrentResolution: {
    f64: 0,
    f32: 5e-7,
    unit: 'relative to max(1 A, |cell current|)',
    meaning: 'group Newton: a cell whose update is below this is converged even with a voltage gap',
    reason: 'f32: a cell on the positive cliff (|dV/dI| ~ 1e3 V/A) cannot pin its voltage better than its current rounding times that slope',
  },
  linearisedRise: {
    f64: 1e-9,
    f32: 1e-6,
    unit: 'K',
    meaning: "group Newton: the first update is evaluated with the thermal part linearised (CellKernel.correct) when every cell's bound on the neglected rise, (dt / C_th) |dV/dI| delta^2, is below this",
    reason: 'f64: 1e-9 K moves a cell voltage by under 2e-12 V (|dV/dT| < 2e-3 V/K), below the group current tolerance times |dV/dI|; f32: under the rounding of a rise of a few kelvin',
  },
  power: {
    f64: 1e-10,
    f32: 4e-6,
    unit: 'relative to |P|',
    meaning: 'power drive: Newton on I V(I) = P stops when the power error is below this',
    reason: 'f32: voltages carry ~1e-6 relative rounding',
  },
  crossing: {
    f64: 1e-12,
    f32: 2.4e-7,
    unit: 'relative to max(1 s, tau)',
    meaning: 'cut-off location: Illinois bracket width on the sub-step length',
    reason: 'f32: two ulps of the step length (the voltage can fall steeply at the cut-off)',
  },
  constantVoltage: {
    f64: 1e-13,
    f32: 2e-6,
    unit: 'relative to max(1 A, |I|)',
    meaning: 'CV drive: Illinois bracket width on the string current',
    reason: 'f32: ~16 ulps of the current',
  },
  fallbackSlope: {
    f64: -1e-3,
    f32: -1e-3,
    unit: 'V/A',
    meaning: 'slope used where a cell has none (not finite or not negative: a cell outside its physical range)',
    reason: 'keeps the linearised solves defined; never used on a physical state',
  },
  stoichiometryMargin: {
    f64: OCP_STOICH_MIN,
    f32: OCP_STOICH_MIN,
    unit: '-',
    meaning: 'valid state: a cell whose surface stoichiometry is this close to 0 or 1 (or beyond) is exhausted',
    reason: 'the OCP fits are clipped there (src/model/series.ts): beyond it the voltage no longer depends on the state; f32: the positive complement is a double-float, so it resolves this too',
  },
  maxCellVoltage: {
    f64: 10,
    f32: 10,
    unit: 'V',
    meaning: 'valid state: a cell voltage above this (or not finite) is out of range',
    reason: 'no lithium-ion cell reaches it; the OCP regularisation gives ~1e4 V where a solve left the model',
  },
  maxNewton: { f64: 40, f32: 40, unit: 'iterations', meaning: 'group, power Newton: iteration limit', reason: 'a safeguard; ordinary steps take 1 to 2', count: true },
  maxBacktrack: { f64: 8, f32: 8, unit: 'halvings', meaning: 'group Newton: step halvings before a step is taken anyway', reason: 'a safeguard for cells at a cut-off cliff', count: true },
  maxIllinois: { f64: 100, f32: 100, unit: 'iterations', meaning: 'cut-off location and CV drive: Illinois iteration limit', reason: 'superlinear convergence; a safeguard', count: true },
} as const satisfies Record<string, Tolerance>;

export type ToleranceName = keyof typeof TOLERANCES;

/** The f64 column (what the TypeScript reference uses). */
export const F64 = Object.fromEntries(Object.entries(TOLERANCES).map(([k, v]) => [k, v.f64])) as { readonly [K in ToleranceName]: number };

export type Precision = 'f64' | 'f32';

/**
 * Kernel conformance (test/kernels/conformance.test.ts): how far one step of a backend may be from the f64 reference.
 * f64 targets (WebAssembly, C) differ only in their elementary functions' last bits; f32 (WGSL) by rounding.
 */
export const CONFORMANCE = {
  voltage: { f64: 1e-12, f32: 1e-4, unit: 'V', reason: 'f32: OCP terms of ~4 V carry ~2e-7 V of rounding each, summed over a dozen terms' },
  voltageRelative: { f64: 1e-14, f32: 4e-7, unit: 'relative', reason: 'added to the voltage tolerance: an electrode driven empty in a long step reaches the OCP regularisation, |V| ~ 1e4 V, where 4e-7 is ~3 f32 ulps' },
  slope: { f64: 1e-11, f32: 1e-3, unit: 'relative', reason: 'f32: a derivative formed from f32 intermediates (measured ~2e-5)' },
  heat: { f64: 1e-13, f32: 1e-3, unit: 'relative (plus 1 mW over the step)', reason: 'f32: I (eta_n - eta_p) with overpotentials of millivolts (measured ~4e-5)' },
  stoichiometry: { f64: 1e-15, f32: 2e-7, unit: '-', reason: 'f32: ~6e-8 relative in each stored value' },
  seiGrowth: { f64: 1e-10, f32: 1e-3, unit: 'relative to the growth over the step', reason: 'f32: exp(-eta_SEI / (2RT/F)) with eta_SEI from f32 OCPs (1e-7 V: 4e-6), the drive and the increment in f32' },
  temperatureRise: {
    f64: 1e-12,
    f32: 5e-5,
    unit: 'K',
    reason: 'f32: rises of tens of kelvin carry ~2e-6 K of rounding (SPM: measured 5e-6 K); the SPMe at 3C over 60 s adiabatic (~40 K in one step, OKane2022 with Arrhenius transport) carries its f32 heat error of ~1e-6 relative into the rise: measured 3.4e-5 K',
  },
  electrolyte: {
    f64: 1e-13,
    f32: 2e-4,
    unit: 'relative to max(1, |value|)',
    reason:
      'SPMe: theta = c_e / c_e0 per volume, what its summaries stand for (<ln theta>, the mean and mean square of theta^(-1/2) by the two-point rule) and the depletion margin; f32: after a 60 s step at 3C theta carries ~4e-6 of rounding from the tridiagonal solve, and where c_e is low (theta ~ 0.14) theta^(-1/2) amplifies it: the mean square to ~1.3e-4 relative (measured, OKane2022 at 3C)',
  },
} as const;
