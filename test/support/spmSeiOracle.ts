/**
 * An independent f64 oracle for the SPM with SEI growth and lumped thermal, written out from PyBaMM's equations (26.8,
 * the version behind ../shared/reference/pybamm) in PyBaMM's own dimensional variables, and independent of the cell
 * kernels and of `src/model`: its own parameter derivation, OCP spline (dense solve of the second-derivative system),
 * particle discretisation and time integrator. Only the parameter set's raw values are shared.
 *
 * Equations (x-averaged SPM, "SEI": "solvent-diffusion limited" | "reaction limited", "SEI film resistance":
 * "distributed", `interface/kinetics/inverse_kinetics/base_inverse.py`, `interface/sei/sei_growth.py`):
 *   i_cc = I / (n_elec A),  j_tot_n = i_cc / (a_n L_n),  j_tot_p = -i_cc / (a_p L_p),  a_k = 3 eps_k / R_k
 *   eta_r_k = (2 R T / F) asinh(j_tot_k / (2 j0_k)),  j0_k = m_k Arr_k(T) c_e^0.5 c_s^0.5 (c_max - c_s)^0.5
 *     (each power regularised as PyBaMM's RegPower: x (x^2 + delta^2)^(-1/4) on x = c / scale, delta = 1e-3)
 *   eta_sei = -j_tot_n L_sei R_sei                      (SEI film overpotential)
 *   delta_phi_n = eta_r_n + U_n - eta_sei,  V = U_p + eta_r_p - U_n - eta_r_n + eta_sei
 *   j_sei = -D_sol c_sol F / L_sei * Arr_sei(T)                                  (solvent-diffusion limited)
 *   j_sei = -j0_sei exp(-0.5 F/(R T) (delta_phi_n - U_sei - j_tot_n L_sei R_sei)) * Arr_sei(T)   (reaction limited;
 *     PyBaMM builds it before the intercalation current exists, so the current in the film term is j_tot_n)
 *   j_n = j_tot_n - j_sei (intercalation current: the negative particle flux),  j_p = j_tot_p
 *   dc_s/dt = (1/r^2) d/dr (r^2 D(T) dc_s/dr),  -D dc_s/dr (R) = j / F
 *   dc_sei/dt = -a_n j_sei / (F z_sei),  L_sei = c_sei V_bar_sei / a_n   =>  dL_sei/dt = -V_bar_sei j_sei / (F z_sei)
 *   C_th dT/dt = Q - h A_cool (T - T_amb),  Q = n_elec A (L_n a_n j_n eta_r_n + L_p a_p j_p eta_r_p) + I^2 R_cc
 *     (PyBaMM's SPM has no film heat; `filmHeat: true` adds I^2 R_film for comparison)
 *   U_k(s) = U_ref(clip(s, 1e-10, 1 - 1e-10)) + U_asymptotes(s)   (lithium_ion_parameters.py)
 *   LLI [%] = 100 (1 - lithium in the particles / its value at the SOC-1 start)   (base_lithium_ion_model.py)
 *
 * Numerics: cell-centred finite volumes in each sphere (`shells` uniform shells, exact flux boundary condition,
 * surface value extrapolated with the boundary gradient), TR-BDF2 in time (L-stable, second order, one step, so every
 * protocol switch and cut-off restarts cleanly), each implicit stage solved by fixed-point iteration to round-off, the
 * CV hold as the algebraic constraint V = 4.2 V imposed at every stage, and every cut-off located by re-stepping to
 * 1e-9 s. Integrated outputs (charge, energy, heat) use TR-BDF2's own quadrature weights.
 */
import type { ParameterSet, SeriesFunction } from '../../src/params/types.ts';

const R_GAS = 8.314462618;
const F = 96485.33212;

export type SeiLaw = 'solvent-diffusion limited' | 'reaction limited' | 'none';

export interface OracleOptions {
  sei: SeiLaw;
  /** Shells per particle (default 100). */
  shells?: number;
  /** Time step [s] (default 1). */
  dt?: number;
  cycles: number;
  /** Add I^2 R_film to the heat (PyBaMM's SPM does not; default false). */
  filmHeat?: boolean;
  /** Negative OCP: the set's measured table (default, as PyBaMM's OKane2022) or its closed-form fit. */
  negativeOcp?: 'table' | 'fit';
  /** Cycles (1-based) whose step-end time series is recorded. */
  recordCycles?: readonly number[];
}

/** One row per cycle, with the columns of the PyBaMM reference `_cycles.csv`. */
export interface OracleCycle {
  cycle: number;
  dischargeCapacityAh: number;
  dischargeEnergyWh: number;
  dischargeDurationS: number;
  dischargeEndTemperatureK: number;
  maxTemperatureK: number;
  chargeCapacityAh: number;
  lliPercent: number;
  lliPercentEndOfDischarge: number;
  seiThicknessM: number;
  capacityLostToSeiAh: number;
  cycleHeatJ: number;
  cycleStartS: number;
  cycleEndS: number;
  endTemperatureK: number;
}

export interface OracleTrace {
  cycle: number[];
  step: number[];
  time: number[];
  voltage: number[];
  current: number[];
  temperature: number[];
}

export interface OracleResult {
  cycles: OracleCycle[];
  trace: OracleTrace;
  /** Initial stoichiometries of the SOC-1 state. */
  initialStoichiometry: { negative: number; positive: number };
  /** Largest relative lithium-balance residual over the run: |particles + SEI - initial| / initial. */
  lithiumBalanceResidual: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Open-circuit potentials

function series(f: SeriesFunction, s: number): number {
  let u = f.constant + f.linear * s;
  for (const e of f.exp) u += e.amplitude * Math.exp(e.rate * s);
  for (const t of f.tanh) u += t.amplitude * Math.tanh(t.slope * (s - t.center));
  return u;
}

/** PyBaMM's U_asymptote_approaching_zero: a barrier of 1 mV at sto = 0.001 and 1 V at sto = 0. */
function asymptoteNearZero(sto: number): number {
  const a = 205.0568621937484;
  const b = 6910.192179565431;
  const c = -7.7e-4;
  const limit = c - Math.log(2 / Number.EPSILON) / b;
  return a * (Math.log1p(Math.exp(-b * (Math.max(limit, sto) - c))) - b * Math.min(0, sto - limit));
}

function asymptotes(sto: number): number {
  return asymptoteNearZero(sto) - asymptoteNearZero(1 - sto);
}

/**
 * Not-a-knot cubic spline through (x, y), built the textbook way: second derivatives M_i from the n x n system
 * (continuity of the first derivative at interior knots, continuity of the third derivative at x_1 and x_{n-2}),
 * solved densely by Gaussian elimination with partial pivoting.
 */
function notAKnot(x: readonly number[], y: readonly number[]): (s: number) => number {
  const n = x.length;
  const h = (i: number) => x[i + 1] - x[i];
  const A: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  A[0][0] = h(1);
  A[0][1] = -(h(0) + h(1));
  A[0][2] = h(0);
  A[n - 1][n - 3] = h(n - 2);
  A[n - 1][n - 2] = -(h(n - 3) + h(n - 2));
  A[n - 1][n - 1] = h(n - 3);
  for (let i = 1; i < n - 1; i++) {
    A[i][i - 1] = h(i - 1) / 6;
    A[i][i] = (h(i - 1) + h(i)) / 3;
    A[i][i + 1] = h(i) / 6;
    b[i] = (y[i + 1] - y[i]) / h(i) - (y[i] - y[i - 1]) / h(i - 1);
  }
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i][k]) > Math.abs(A[p][k])) p = i;
    [A[k], A[p]] = [A[p], A[k]];
    [b[k], b[p]] = [b[p], b[k]];
    for (let i = k + 1; i < n; i++) {
      const f = A[i][k] / A[k][k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) A[i][j] -= f * A[k][j];
      b[i] -= f * b[k];
    }
  }
  const M = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let j = i + 1; j < n; j++) s -= A[i][j] * M[j];
    M[i] = s / A[i][i];
  }
  return (s: number) => {
    let i = 0;
    let top = n - 2;
    while (i < top) {
      const mid = (i + top + 1) >> 1;
      if (x[mid] <= s) i = mid;
      else top = mid - 1;
    }
    const hi = h(i);
    const a = (x[i + 1] - s) / hi;
    const c = (s - x[i]) / hi;
    return a * y[i] + c * y[i + 1] + (((a * a * a - a) * M[i] + (c * c * c - c) * M[i + 1]) * hi * hi) / 6;
  };
}

/** PyBaMM's RegPower for the square root: x^0.5 regularised on u = x / scale as u (u^2 + delta^2)^(-1/4) scale^0.5. */
function reg(x: number, scale: number): number {
  const u = x / scale;
  return u * Math.pow(u * u + 1e-6, -0.25) * Math.sqrt(scale);
}

// ---------------------------------------------------------------------------------------------------------------
// The model

interface Electrode {
  R: number;
  cMax: number;
  /** a L n_elec A: interfacial area of the electrode [m2]. */
  area: number;
  /** eps_s L n_elec A: active material volume [m3]. */
  volume: number;
  D: (T: number) => number;
  m: number;
  kineticE: number;
  U: (sto: number) => number;
}

interface Stage {
  cn: Float64Array;
  cp: Float64Array;
  L: number;
  T: number;
  I: number;
}

/** Instantaneous quantities at a state and current. */
interface Evaluation {
  V: number;
  Q: number;
  /** SEI current density j_sei [A/m2] (negative: lithium consumed). */
  jSei: number;
  /** Intercalation current density of the negative particle [A/m2]. */
  jn: number;
  jp: number;
}

const GAMMA = 2 - Math.SQRT2;

class Oracle {
  readonly N: number;
  readonly neg: Electrode;
  readonly pos: Electrode;
  readonly ce: number;
  readonly Tref: number;
  readonly Tamb: number;
  readonly Cth: number;
  readonly hA: number;
  readonly Rcc: number;
  readonly sei: SeiLaw;
  readonly filmHeat: boolean;
  readonly L0: number;
  readonly Vbar: number;
  readonly Rsei: number;
  readonly z: number;
  readonly Esei: number;
  readonly Dsol: number;
  readonly csol: number;
  readonly j0sei: number;
  readonly Usei: number;
  /** Shell volumes (r/R)^3 / 3 differences and face areas (r/R)^2 on the unit sphere. */
  readonly vol: Float64Array;
  readonly face: Float64Array;
  readonly dr: number;
  private readonly scratch: { a: Float64Array; b: Float64Array; c: Float64Array; d: Float64Array };

  constructor(set: ParameterSet, opts: OracleOptions) {
    const N = (this.N = opts.shells ?? 100);
    this.scratch = { a: new Float64Array(N), b: new Float64Array(N), c: new Float64Array(N), d: new Float64Array(N) };
    this.dr = 1 / N;
    this.vol = new Float64Array(N);
    this.face = new Float64Array(N + 1);
    for (let i = 0; i <= N; i++) this.face[i] = (i / N) ** 2;
    for (let i = 0; i < N; i++) this.vol[i] = (((i + 1) / N) ** 3 - (i / N) ** 3) / 3;
    this.Tref = set.thermal.referenceTemperature;
    this.Tamb = set.thermal.ambientTemperature;
    const A = set.geometry.electrodeHeight * set.geometry.electrodeWidth * set.geometry.electrodeCount;
    const Tref = this.Tref;
    const electrode = (side: 'negative' | 'positive', U: (s: number) => number): Electrode => {
      const e = set[side];
      return {
        R: e.particleRadius,
        cMax: e.maxConcentration,
        area: ((3 * e.activeMaterialVolumeFraction) / e.particleRadius) * e.thickness * A,
        volume: e.activeMaterialVolumeFraction * e.thickness * A,
        D: (T) => e.diffusivity * Math.exp((e.diffusivityActivationEnergy / R_GAS) * (1 / Tref - 1 / T)),
        m: e.exchangeCurrentPrefactor,
        kineticE: e.exchangeCurrentActivationEnergy,
        U,
      };
    };
    const table = set.negative.ocpTable;
    const useTable = (opts.negativeOcp ?? 'table') === 'table' && table !== undefined;
    const unRef = useTable ? notAKnot(table.stoichiometry, table.potential) : (s: number) => series(set.negative.ocp, s);
    const clip = (s: number) => Math.min(Math.max(s, 1e-10), 1 - 1e-10);
    this.neg = electrode('negative', (s) => unRef(clip(s)) + asymptotes(s));
    this.pos = electrode('positive', (s) => series(set.positive.ocp, clip(s)) + asymptotes(s));
    this.ce = set.electrolyte.concentration;
    const layers: Array<[number, number, number]> = [
      [set.negative.collectorDensity, set.negative.collectorSpecificHeat, set.negative.collectorThickness],
      [set.negative.density, set.negative.specificHeat, set.negative.thickness],
      [set.separator.density, set.separator.specificHeat, set.separator.thickness],
      [set.positive.density, set.positive.specificHeat, set.positive.thickness],
      [set.positive.collectorDensity, set.positive.collectorSpecificHeat, set.positive.collectorThickness],
    ];
    this.Cth = (set.geometry.cellVolume * layers.reduce((s, [rho, cp, l]) => s + rho * cp * l, 0)) / layers.reduce((s, [, , l]) => s + l, 0);
    this.hA = set.thermal.heatTransferCoefficient * set.geometry.coolingArea;
    this.Rcc = (set.negative.collectorThickness / set.negative.collectorConductivity + set.positive.collectorThickness / set.positive.collectorConductivity) / A;
    this.sei = opts.sei;
    this.filmHeat = opts.filmHeat ?? false;
    const p = set.sei;
    if (!p && opts.sei !== 'none') throw new Error(`oracle: parameter set ${set.name} has no sei block`);
    this.L0 = p?.initialThickness ?? 0;
    this.Vbar = p?.partialMolarVolume ?? 1;
    this.Rsei = p?.resistivity ?? 0;
    this.z = p?.lithiumPerSeiMole ?? 1;
    this.Esei = p?.activationEnergy ?? 0;
    this.Dsol = p?.solventDiffusivity ?? 0;
    this.csol = p?.bulkSolventConcentration ?? 0;
    this.j0sei = p?.reactionExchangeCurrentDensity ?? 0;
    this.Usei = p?.openCircuitPotential ?? 0;
  }

  /** Surface concentration: last shell value plus half a shell times the boundary gradient dc/dr = -j R / (F D). */
  surface(c: Float64Array, e: Electrode, j: number, T: number): number {
    return c[this.N - 1] - 0.5 * this.dr * ((j * e.R) / (F * e.D(T)));
  }

  /** Mean concentration of a particle [mol/m3]. */
  mean(c: Float64Array): number {
    let s = 0;
    for (let i = 0; i < this.N; i++) s += c[i] * this.vol[i];
    return 3 * s;
  }

  lithium(cn: Float64Array, cp: Float64Array): number {
    return this.mean(cn) * this.neg.volume + this.mean(cp) * this.pos.volume;
  }

  j0(e: Electrode, cs: number, T: number): number {
    const c = Math.min(Math.max(cs, 0), e.cMax);
    const arr = Math.exp((e.kineticE / R_GAS) * (1 / this.Tref - 1 / T));
    return e.m * arr * reg(this.ce, this.ce) * reg(c, e.cMax) * reg(e.cMax - c, e.cMax);
  }

  /**
   * Voltage, heat, SEI and intercalation currents at a state. The surface concentrations depend on the particle
   * fluxes, and the negative flux on j_sei, which (reaction limited) depends on the surface: a short fixed-point
   * iteration settles it (j_sei / j is below 1e-4, so two passes reach round-off).
   */
  evaluate(s: Stage): Evaluation {
    const { neg, pos } = this;
    const T = s.T;
    const jTotN = s.I / neg.area;
    const jTotP = -s.I / pos.area;
    const arrSei = Math.exp((this.Esei / R_GAS) * (1 / this.Tref - 1 / T));
    const thermal = (2 * R_GAS * T) / F;
    let jSei = 0;
    let out: Evaluation = { V: 0, Q: 0, jSei: 0, jn: jTotN, jp: jTotP };
    for (let pass = 0; pass < 4; pass++) {
      const jn = jTotN - jSei;
      const xs = this.surface(s.cn, neg, jn, T) / neg.cMax;
      const ys = this.surface(s.cp, pos, jTotP, T) / pos.cMax;
      const etaN = thermal * Math.asinh(jTotN / (2 * this.j0(neg, xs * neg.cMax, T)));
      const etaP = thermal * Math.asinh(jTotP / (2 * this.j0(pos, ys * pos.cMax, T)));
      const Un = neg.U(xs);
      const Up = pos.U(ys);
      const etaSeiFilm = -jTotN * s.L * this.Rsei;
      const V = Up + etaP - Un - etaN + etaSeiFilm;
      let next = 0;
      if (this.sei === 'solvent-diffusion limited') next = (-this.Dsol * this.csol * F * arrSei) / s.L;
      else if (this.sei === 'reaction limited') {
        const deltaPhi = etaN + Un - etaSeiFilm;
        const etaSei = deltaPhi - this.Usei - jTotN * s.L * this.Rsei;
        next = -this.j0sei * Math.exp((-0.5 * F * etaSei) / (R_GAS * T)) * arrSei;
      }
      let Q = neg.area * jn * etaN + pos.area * jTotP * etaP + s.I * s.I * this.Rcc;
      if (this.filmHeat) Q += s.I * s.I * ((s.L * this.Rsei) / neg.area);
      out = { V, Q, jSei: next, jn, jp: jTotP };
      if (Math.abs(next - jSei) <= 1e-15 * Math.abs(next)) break;
      jSei = next;
    }
    return out;
  }

  /** Right-hand sides at a state (into the provided arrays), given its evaluation. */
  rhs(s: Stage, ev: Evaluation, dcn: Float64Array, dcp: Float64Array): { dL: number; dT: number } {
    this.diffusion(s.cn, this.neg, ev.jn, s.T, dcn);
    this.diffusion(s.cp, this.pos, ev.jp, s.T, dcp);
    return { dL: (-this.Vbar * ev.jSei) / (F * this.z), dT: (ev.Q - this.hA * (s.T - this.Tamb)) / this.Cth };
  }

  diffusion(c: Float64Array, e: Electrode, j: number, T: number, out: Float64Array): void {
    const { N, dr, vol, face } = this;
    const k = e.D(T) / (e.R * e.R);
    for (let i = 0; i < N; i++) {
      const west = i > 0 ? face[i] * ((c[i] - c[i - 1]) / dr) : 0;
      const east = i < N - 1 ? face[i + 1] * ((c[i + 1] - c[i]) / dr) : -(j * e.R) / (F * e.D(T));
      out[i] = (k * (east - west)) / vol[i];
    }
  }

  /**
   * Solve c = known + w h (diffusion with flux j at temperature T) for one particle: a tridiagonal system.
   */
  implicitDiffusion(known: Float64Array, e: Electrode, j: number, T: number, wh: number, out: Float64Array): void {
    const { N, dr, vol, face } = this;
    const k = (wh * e.D(T)) / (e.R * e.R);
    const { a, b, c, d } = this.scratch;
    for (let i = 0; i < N; i++) {
      const west = i > 0 ? (k * face[i]) / (dr * vol[i]) : 0;
      const east = i < N - 1 ? (k * face[i + 1]) / (dr * vol[i]) : 0;
      a[i] = -west;
      c[i] = -east;
      b[i] = 1 + west + east;
      d[i] = known[i] - (i === N - 1 ? (wh * j) / (F * e.R * vol[i]) : 0);
    }
    for (let i = 1; i < N; i++) {
      const m = a[i] / b[i - 1];
      b[i] -= m * c[i - 1];
      d[i] -= m * d[i - 1];
    }
    out[N - 1] = d[N - 1] / b[N - 1];
    for (let i = N - 2; i >= 0; i--) out[i] = (d[i] - c[i] * out[i + 1]) / b[i];
  }

  /**
   * One implicit stage y = known + w h f(y, I), by fixed-point iteration from `guess` (which it overwrites).
   * Diffusion is solved implicitly with the flux, diffusivity and temperature of the current iterate; temperature
   * implicitly in its cooling term.
   */
  stage(known: Stage, wh: number, guess: Stage): Stage {
    const y = guess;
    let cn: Float64Array = new Float64Array(this.N);
    let cp: Float64Array = new Float64Array(this.N);
    for (let it = 0; it < 60; it++) {
      const ev = this.evaluate(y);
      this.implicitDiffusion(known.cn, this.neg, ev.jn, y.T, wh, cn);
      this.implicitDiffusion(known.cp, this.pos, ev.jp, y.T, wh, cp);
      const L = known.L + (wh * -this.Vbar * ev.jSei) / (F * this.z);
      const evNew = this.evaluate({ cn, cp, L, T: y.T, I: y.I });
      const T = (known.T + (wh * (evNew.Q + this.hA * this.Tamb)) / this.Cth) / (1 + (wh * this.hA) / this.Cth);
      const converged =
        Math.abs(T - y.T) < 1e-11 &&
        Math.abs(L - y.L) <= 1e-13 * Math.max(this.L0, 1e-12) &&
        Math.abs(cn[this.N - 1] - y.cn[this.N - 1]) < 1e-13 * this.neg.cMax &&
        Math.abs(cp[this.N - 1] - y.cp[this.N - 1]) < 1e-13 * this.pos.cMax;
      [y.cn, cn] = [cn, y.cn];
      [y.cp, cp] = [cp, y.cp];
      y.L = L;
      y.T = T;
      if (converged) return y;
    }
    throw new Error('oracle: stage iteration did not converge');
  }

  /** A stage whose current is set by the constraint V = vCv (CV hold), by secant on the current. */
  stageCv(known: Stage, wh: number, guess: Stage, vCv: number): Stage {
    const solve = (I: number) => this.stage(known, wh, { ...guess, cn: guess.cn.slice(), cp: guess.cp.slice(), I });
    let i0 = guess.I;
    let s0 = solve(i0);
    let f0 = this.evaluate(s0).V - vCv;
    let i1 = i0 * 0.999 + 1e-4;
    let s1 = solve(i1);
    let f1 = this.evaluate(s1).V - vCv;
    for (let it = 0; it < 50; it++) {
      if (Math.abs(f1) < 1e-13) return s1;
      const i2 = i1 - (f1 * (i1 - i0)) / (f1 - f0);
      [i0, f0, s0] = [i1, f1, s1];
      i1 = i2;
      s1 = solve(i1);
      f1 = this.evaluate(s1).V - vCv;
    }
    if (Math.abs(f1) < 1e-10) return s1;
    throw new Error('oracle: CV current did not converge');
  }

  /**
   * One TR-BDF2 step of length h from y0 (with the current at its start `I0`, right limit). `current` is a number
   * (fixed current) or { cv } (current set by the CV constraint). Returns the end state and the step's integrals.
   */
  step(y0: Stage, h: number, current: number | { cv: number }): { y: Stage; charge: number; energy: number; heat: number } {
    const N = this.N;
    const ev0 = this.evaluate(y0);
    const dcn = new Float64Array(N);
    const dcp = new Float64Array(N);
    const r0 = this.rhs(y0, ev0, dcn, dcp);
    const w1 = (GAMMA * h) / 2;
    const known1: Stage = {
      cn: y0.cn.map((c, i) => c + w1 * dcn[i]),
      cp: y0.cp.map((c, i) => c + w1 * dcp[i]),
      L: y0.L + w1 * r0.dL,
      T: y0.T + w1 * r0.dT,
      I: 0,
    };
    const solve = (known: Stage, wh: number, guess: Stage) =>
      typeof current === 'number' ? this.stage(known, wh, { ...guess, I: current }) : this.stageCv(known, wh, guess, current.cv);
    // Initial guesses: explicit Euler to the first stage, linear extrapolation through it to the end.
    const yg = solve(known1, w1, {
      cn: y0.cn.map((c, i) => c + 2 * w1 * dcn[i]),
      cp: y0.cp.map((c, i) => c + 2 * w1 * dcp[i]),
      L: y0.L + 2 * w1 * r0.dL,
      T: y0.T + 2 * w1 * r0.dT,
      I: y0.I,
    });
    const a = 1 / (GAMMA * (2 - GAMMA));
    const b = ((1 - GAMMA) * (1 - GAMMA)) / (GAMMA * (2 - GAMMA));
    const w2 = ((1 - GAMMA) / (2 - GAMMA)) * h;
    const known2: Stage = {
      cn: yg.cn.map((c, i) => a * c - b * y0.cn[i]),
      cp: yg.cp.map((c, i) => a * c - b * y0.cp[i]),
      L: a * yg.L - b * y0.L,
      T: a * yg.T - b * y0.T,
      I: 0,
    };
    const ext = (g: number, o: number) => o + (g - o) / GAMMA;
    const y1 = solve(known2, w2, {
      cn: yg.cn.map((c, i) => ext(c, y0.cn[i])),
      cp: yg.cp.map((c, i) => ext(c, y0.cp[i])),
      L: ext(yg.L, y0.L),
      T: ext(yg.T, y0.T),
      I: ext(yg.I, y0.I),
    });
    // TR-BDF2 as a quadrature: weights h/(2(2-g)) at t0 and t0 + g h, h (1-g)/(2-g) at t1.
    const wa = h / (2 * (2 - GAMMA));
    const wb = (h * (1 - GAMMA)) / (2 - GAMMA);
    const evg = this.evaluate(yg);
    const ev1 = this.evaluate(y1);
    return {
      y: y1,
      charge: wa * (y0.I + yg.I) + wb * y1.I,
      energy: wa * (y0.I * ev0.V + yg.I * evg.V) + wb * y1.I * ev1.V,
      heat: wa * (ev0.Q + evg.Q) + wb * ev1.Q,
    };
  }
}

/** x such that U_p((Q_Li - x Q_n)/Q_p) - U_n(x) = V (OCV increasing in x), by bisection to round-off. */
function stoichiometryAtVoltage(o: Oracle, lithium: number, V: number): { x: number; y: number } {
  const qn = o.neg.volume * o.neg.cMax;
  const qp = o.pos.volume * o.pos.cMax;
  const yOf = (x: number) => (lithium - x * qn) / qp;
  let lo = Math.max(1e-6, (lithium - qp) / qn);
  let hi = Math.min(1 - 1e-6, lithium / qn);
  for (let i = 0; i < 200 && hi - lo > 1e-16; i++) {
    const mid = 0.5 * (lo + hi);
    if (o.pos.U(yOf(mid)) - o.neg.U(mid) < V) lo = mid;
    else hi = mid;
  }
  const x = 0.5 * (lo + hi);
  return { x, y: yOf(x) };
}

type ProtocolStep =
  | { kind: 'cc'; current: number; cutoff: number; direction: 'below' | 'above' }
  | { kind: 'rest'; duration: number }
  | { kind: 'cv'; voltage: number; cutoffCurrent: number };

/**
 * The reference experiment: discharge at 1C to the lower cut-off, rest 10 min, charge at C/2 to the upper cut-off,
 * hold the upper cut-off until C/50, rest 10 min; `cycles` times from the SOC-1 equilibrium (PyBaMM's initial_soc=1).
 */
export function runSpmSeiOracle(set: ParameterSet, opts: OracleOptions): OracleResult {
  const o = new Oracle(set, opts);
  const dt = opts.dt ?? 1;
  const nominal = set.electrical.nominalCapacity;
  const vLow = set.electrical.lowerVoltageCutoff;
  const vHigh = set.electrical.upperVoltageCutoff;
  const protocol: ProtocolStep[] = [
    { kind: 'cc', current: nominal, cutoff: vLow, direction: 'below' },
    { kind: 'rest', duration: 600 },
    { kind: 'cc', current: -0.5 * nominal, cutoff: vHigh, direction: 'above' },
    { kind: 'cv', voltage: vHigh, cutoffCurrent: nominal / 50 },
    { kind: 'rest', duration: 600 },
  ];
  // SOC-1 start: the lithium inventory of the set's initial concentrations, placed where the OCV is the upper cut-off.
  const lithium0 = set.negative.initialConcentration * o.neg.volume + set.positive.initialConcentration * o.pos.volume;
  const start = stoichiometryAtVoltage(o, lithium0, vHigh);
  let y: Stage = {
    cn: new Float64Array(o.N).fill(start.x * o.neg.cMax),
    cp: new Float64Array(o.N).fill(start.y * o.pos.cMax),
    L: o.L0,
    T: set.thermal.initialTemperature,
    I: 0,
  };
  const lithiumStart = o.lithium(y.cn, y.cp);
  const lithiumToSei = (L: number) => ((L - o.L0) * o.neg.area) / (o.Vbar / o.z); // mol: (c_sei - c_sei_0) V_k z_sei
  const lli = (s: Stage) => 100 * (1 - o.lithium(s.cn, s.cp) / lithiumStart);
  let residual = 0;
  let t = 0;
  const trace: OracleTrace = { cycle: [], step: [], time: [], voltage: [], current: [], temperature: [] };
  const cycles: OracleCycle[] = [];

  for (let cycle = 1; cycle <= opts.cycles; cycle++) {
    const record = opts.recordCycles?.includes(cycle) ?? false;
    const row: OracleCycle = {
      cycle,
      dischargeCapacityAh: 0,
      dischargeEnergyWh: 0,
      dischargeDurationS: 0,
      dischargeEndTemperatureK: 0,
      maxTemperatureK: y.T,
      chargeCapacityAh: 0,
      lliPercent: 0,
      lliPercentEndOfDischarge: 0,
      seiThicknessM: 0,
      capacityLostToSeiAh: 0,
      cycleHeatJ: 0,
      cycleStartS: t,
      cycleEndS: 0,
      endTemperatureK: 0,
    };
    protocol.forEach((ps, k) => {
      const stepStart = t;
      const current: number | { cv: number } = ps.kind === 'cc' ? ps.current : ps.kind === 'rest' ? 0 : { cv: ps.voltage };
      y = { ...y, I: typeof current === 'number' ? current : y.I };
      let charge = 0;
      let energy = 0;
      const take = (r: ReturnType<Oracle['step']>, h: number) => {
        y = r.y;
        t += h;
        charge += r.charge;
        energy += r.energy;
        row.cycleHeatJ += r.heat;
        row.maxTemperatureK = Math.max(row.maxTemperatureK, y.T);
        const balance = Math.abs(o.lithium(y.cn, y.cp) + lithiumToSei(y.L) - lithiumStart) / lithiumStart;
        residual = Math.max(residual, balance);
        if (record) {
          trace.cycle.push(cycle);
          trace.step.push(k + 1);
          trace.time.push(t);
          trace.voltage.push(o.evaluate(y).V);
          trace.current.push(y.I);
          trace.temperature.push(y.T);
        }
      };
      /** > 0 once the state is past the step's end condition. */
      const crossed = (s: Stage): number => {
        if (ps.kind === 'cc') {
          const v = o.evaluate(s).V;
          return ps.direction === 'below' ? ps.cutoff - v : v - ps.cutoff;
        }
        if (ps.kind === 'cv') return ps.cutoffCurrent - Math.abs(s.I);
        return -1;
      };
      for (;;) {
        const h = ps.kind === 'rest' ? Math.min(dt, stepStart + ps.duration - t) : dt;
        const r = o.step(y, h, current);
        if (ps.kind === 'rest') {
          take(r, h);
          if (t >= stepStart + ps.duration - 1e-9) break;
          continue;
        }
        if (crossed(r.y) < 0) {
          take(r, h);
          continue;
        }
        // Locate the end inside the step (Illinois on the step length), then take the shortened step.
        let lo = 0;
        let hi = h;
        let flo = crossed(y);
        let fhi = crossed(r.y);
        let best = r;
        let side = 0;
        for (let it = 0; it < 200 && hi - lo > 1e-9; it++) {
          const mid = (lo * fhi - hi * flo) / (fhi - flo);
          const m = mid > lo && mid < hi ? mid : 0.5 * (lo + hi);
          const rm = o.step(y, m, current);
          const fm = crossed(rm.y);
          if (fm < 0) {
            lo = m;
            flo = fm;
            if (side === -1) fhi /= 2;
            side = -1;
          } else {
            hi = m;
            fhi = fm;
            best = rm;
            if (side === 1) flo /= 2;
            side = 1;
          }
        }
        take(best, hi);
        break;
      }
      if (k === 0) {
        row.dischargeCapacityAh = charge / 3600;
        row.dischargeEnergyWh = energy / 3600;
        row.dischargeDurationS = t - stepStart;
        row.dischargeEndTemperatureK = y.T;
        row.lliPercentEndOfDischarge = lli(y);
      }
      if (k === 2 || k === 3) row.chargeCapacityAh -= charge / 3600;
    });
    row.cycleEndS = t;
    row.endTemperatureK = y.T;
    row.lliPercent = lli(y);
    row.seiThicknessM = y.L;
    row.capacityLostToSeiAh = (lithiumToSei(y.L) * F) / 3600;
    cycles.push(row);
  }
  return {
    cycles,
    trace,
    initialStoichiometry: { negative: start.x, positive: start.y },
    lithiumBalanceResidual: residual,
  };
}
