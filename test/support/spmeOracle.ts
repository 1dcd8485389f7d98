/**
 * An independent, converged solution of PyBaMM's SPMe with lumped thermal (`pybamm.lithium_ion.SPMe({"thermal":
 * "lumped"})`), the yardstick for the fixed-step SPMe scheme (src/model/electrolyte.ts) and for the PyBaMM reference
 * curves. Written from PyBaMM's submodels, not from the scheme: SI units, dimensional concentrations, PyBaMM names.
 *
 * - Particles (x-averaged, one per electrode): cell-centred finite volumes in the sphere (Sphere, 200 shells).
 * - Electrolyte (electrolyte_diffusion/full_diffusion.py): eps dc_e/dt = d/dx(eps^b D_e(c_e, T) dc_e/dx) + (1 - t+) a j / F,
 *   zero flux at both current collectors, cell-centred finite volumes, uniform per region, harmonic face averages
 *   (as PyBaMM discretises a flux), a j = i/L_n, 0, -i/L_p (x-averaged interfacial current).
 * - Temperature: C_th dT/dt = Q - hA (T - T_amb).
 * - Time: variable-step BDF2 for all of it (first step backward Euler), steps growing from 1 ms to dtMax so the sqrt(t)
 *   start of the transients is resolved; the nonlinearity (D_e(c_e), every T dependence, the heat) is iterated to
 *   convergence inside each step (Picard), so the scheme is fully implicit.
 * - Voltage (composite conductivity, composite Ohm, inverse Butler-Volmer with the local c_e in j0):
 *   V = U_p - U_n + <eta_p> - <eta_n> + eta_c + dphi_e + dphi_s - I R_contact, with
 *   eta_k(x) = (2RT/F) asinh(j_k / (2 j0_k(c_e(x), c_s_surf, T))), <.> the x-average over the electrode,
 *   eta_c = chi RT/F (<ln c_e>_p - <ln c_e>_n), chi = 2 (1 - t+) TDF,
 *   dphi_e = -i (L_n/(3 kappa_n) + L_s/kappa_s + L_p/(3 kappa_p)), kappa_k = kappa_e(c_e,av, T) eps_k^b_k with PyBaMM's
 *   c_e,av = <eps c_e>/<eps> (see `evaluate`),
 *   dphi_s = -i (L_n/(3 sigma_n) + L_p/(3 sigma_p)), sigma_k = sigma (1 - eps_k)^b_s,k.
 * - Heat (thermal/base_thermal.py), in W: electrolyte Ohmic A int -i_e dphi_e/dx dx (i_e piecewise linear, phi_e the
 *   composite potential), solid Ohmic A int -i_s dphi_s/dx dx, current collectors i^2 A (L_cn/sigma_cn + L_cp/sigma_cp),
 *   irreversible A int a j eta dx, reversible A int a j T dU/dT dx, plus contact I^2 R_contact (cellspread's).
 * Only the electrode balance (initial stoichiometries), the heat capacity and the cooling conductance come from
 * src/model/derive.ts.
 */
import { FARADAY, GAS_CONSTANT } from '../../src/model/constants.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import type { ElectrolyteFunction, ParameterSet } from '../../src/params/types.ts';
import { ocp, series, Sphere } from './finiteVolumeCell.ts';

const R = GAS_CONSTANT;
const F = FARADAY;

export const HEAT_TERMS = ['ohmicElectrolyte', 'ohmicSolid', 'ohmicCollector', 'contact', 'irreversible', 'reversible'] as const;
export type HeatTerm = (typeof HEAT_TERMS)[number];

export interface SpmeOracleOptions {
  /** Applied current [A], > 0 on discharge, constant. */
  current: number;
  /** Lower voltage cut-off [V] (default: the set's). */
  cutoff?: number;
  /** Initial state of charge (default 1). */
  soc?: number;
  /** Finite volumes per region (negative, separator, positive; default 128 each). */
  electrolyteCells?: number;
  /** Shells per particle (default 200). */
  shells?: number;
  /** Largest time step [s] (default 0.5). */
  dtMax?: number;
  thermal?: 'lumped' | 'isothermal';
  /** Stop at this time [s] if the cut-off comes later. */
  duration?: number;
}

export interface SpmeOracleResult {
  time: number[];
  voltage: number[];
  temperature: number[];
  /** Electrolyte concentration at x = 0 and x = L_x [mol/m3] (extrapolated with zero slope, as PyBaMM's boundary_value). */
  ceNegativeCc: number[];
  cePositiveCc: number[];
  /** Each heat term [W] at each recorded time. */
  heatW: Record<HeatTerm | 'total', number[]>;
  /** Each heat term integrated over the run [J]. */
  heatJ: Record<HeatTerm | 'total', number>;
  coolingJ: number;
  capacityAh: number;
  durationS: number;
  finalTemperatureK: number;
  endReason: 'cutoff' | 'duration';
  /** Final electrolyte concentration per finite volume [mol/m3] and the cell centres [m]. */
  finalElectrolyte: { x: number[]; c: number[] };
}

/** PyBaMM's RegPower(x, 1/2, scale) = (x/s) ((x/s)^2 + 1e-6)^(-1/4) sqrt(s): the regularised sqrt in j0. */
function regSqrt(x: number, scale: number): number {
  const z = x / scale;
  return z * Math.pow(z * z + 1e-6, -0.25) * Math.sqrt(scale);
}

/** D_e or kappa_e at (c, T), with PyBaMM's floor c >= 10 mol/m3. */
function transport(f: ElectrolyteFunction, c: number, T: number, Tref: number): number {
  const z = Math.max(c, 10) / f.referenceConcentration;
  let v = 0;
  for (const t of f.terms) v += t.coefficient * Math.pow(z, t.power) * Math.exp(t.rate * z);
  return f.activationEnergy === 0 ? v : v * Math.exp((f.activationEnergy / R) * (1 / Tref - 1 / T));
}

function arrhenius(E: number, T: number, Tref: number): number {
  return Math.exp((E / R) * (1 / Tref - 1 / T));
}

function solveTridiagonal(lower: Float64Array, diag: Float64Array, upper: Float64Array, rhs: Float64Array, out: Float64Array): void {
  const n = diag.length;
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  c[0] = upper[0] / diag[0];
  d[0] = rhs[0] / diag[0];
  for (let i = 1; i < n; i++) {
    const m = diag[i] - lower[i] * c[i - 1];
    c[i] = upper[i] / m;
    d[i] = (rhs[i] - lower[i] * d[i - 1]) / m;
  }
  out[n - 1] = d[n - 1];
  for (let i = n - 2; i >= 0; i--) out[i] = d[i] - c[i] * out[i + 1];
}

/** Variable-step BDF2: y1 - a y0 + b y_1 = g dt f(y1) (backward Euler without history). */
function bdf2(dt: number, dtPrev: number | undefined): { a: number; b: number; g: number } {
  if (dtPrev === undefined) return { a: 1, b: 0, g: 1 };
  const w = dt / dtPrev;
  return { a: ((1 + w) * (1 + w)) / (1 + 2 * w), b: (w * w) / (1 + 2 * w), g: (1 + w) / (1 + 2 * w) };
}

/** Constant-current discharge of one Chen2020-like cell with the SPMe, to the cut-off or `duration`. */
export function spmeOracleDischarge(set: ParameterSet, opts: SpmeOracleOptions): SpmeOracleResult {
  const I = opts.current;
  const cutoff = opts.cutoff ?? set.electrical.lowerVoltageCutoff;
  const thermal = opts.thermal ?? 'lumped';
  const derived = deriveCellParameters(set, opts.soc ?? 1);
  const Tref = set.thermal.referenceTemperature;
  const neg = set.negative;
  const pos = set.positive;
  const sep = set.separator;
  const el = set.electrolyte;
  const A = set.geometry.electrodeHeight * set.geometry.electrodeWidth * set.geometry.electrodeCount;
  const i = I / A; // current collector current density [A/m2]
  const Ln = neg.thickness;
  const Ls = sep.thickness;
  const Lp = pos.thickness;
  const Lx = Ln + Ls + Lp;
  const aN = (3 * neg.activeMaterialVolumeFraction) / neg.particleRadius;
  const aP = (3 * pos.activeMaterialVolumeFraction) / pos.particleRadius;
  const jN = i / (aN * Ln); // interfacial current density [A/m2], x-averaged
  const jP = -i / (aP * Lp);
  const tPlus = el.transferenceNumber;
  const chi = 2 * (1 - tPlus) * el.thermodynamicFactor;
  const c0 = el.concentration;
  const sigmaN = neg.conductivity * (1 - neg.porosity) ** neg.bruggemanElectrode;
  const sigmaP = pos.conductivity * (1 - pos.porosity) ** pos.bruggemanElectrode;
  const solidResistance = (Ln / (3 * sigmaN) + Lp / (3 * sigmaP)) / A;
  const collectorResistance = (neg.collectorThickness / neg.collectorConductivity + pos.collectorThickness / pos.collectorConductivity) / A;
  const contactResistance = set.electrical.contactResistance;

  // Electrolyte mesh: cells 0..N-1, uniform per region.
  const M = opts.electrolyteCells ?? 128;
  const N = 3 * M;
  const width = new Float64Array(N);
  const eps = new Float64Array(N);
  const efficiency = new Float64Array(N); // eps^b
  const source = new Float64Array(N); // (1 - t+) a j / F [mol/(m3 s)]
  const centre = new Float64Array(N);
  const regions = [
    { L: Ln, eps: neg.porosity, b: neg.bruggemanElectrolyte, aj: i / Ln },
    { L: Ls, eps: sep.porosity, b: sep.bruggemanElectrolyte, aj: 0 },
    { L: Lp, eps: pos.porosity, b: pos.bruggemanElectrolyte, aj: -i / Lp },
  ];
  let x = 0;
  regions.forEach((r, k) => {
    for (let m = 0; m < M; m++) {
      const j = k * M + m;
      width[j] = r.L / M;
      eps[j] = r.eps;
      efficiency[j] = r.eps ** r.b;
      source[j] = ((1 - tPlus) * r.aj) / F;
      centre[j] = x + width[j] / 2;
      x += width[j];
    }
  });

  // States: electrolyte, particles, temperature (and their previous values for BDF2).
  let ce = new Float64Array(N).fill(c0);
  let cePrev = ce.slice();
  const ceIter = new Float64Array(N);
  const shells = opts.shells ?? 200;
  const sphereN = new Sphere(shells, derived.initialStoichNeg);
  const sphereP = new Sphere(shells, derived.initialStoichPos);
  let thetaN = sphereN.c.slice();
  let thetaP = sphereP.c.slice();
  let thetaNPrev = thetaN.slice();
  let thetaPPrev = thetaP.slice();
  let T = derived.initialTemperature;
  let TPrev = T;
  const C = derived.heatCapacity;
  const hA = derived.coolingConductance;
  const Tamb = derived.ambientTemperature;

  // Particle surface flux: d(theta)/d(r/R) at the surface = -R j / (F D c_max).
  const surfaceGradient = (e: typeof neg, j: number, T: number) =>
    (e.particleRadius * j) / (F * e.diffusivity * arrhenius(e.diffusivityActivationEnergy, T, Tref) * e.maxConcentration);
  const particleRate = (e: typeof neg, T: number) => (e.diffusivity * arrhenius(e.diffusivityActivationEnergy, T, Tref)) / e.particleRadius ** 2;

  /** Voltage and every heat term [W] at the current states (spheres hold the particle state). */
  const evaluate = (c: Float64Array, T: number) => {
    const xs = sphereN.surface(surfaceGradient(neg, jN, T));
    const ys = sphereP.surface(surfaceGradient(pos, jP, T));
    const dUn = series(neg.entropicChange, Math.min(Math.max(xs, 1e-10), 1 - 1e-10));
    const dUp = series(pos.entropicChange, Math.min(Math.max(ys, 1e-10), 1 - 1e-10));
    const Un = ocp(neg.ocp, xs) + (T - Tref) * dUn;
    const Up = ocp(pos.ocp, ys) + (T - Tref) * dUp;
    const csN = xs * neg.maxConcentration;
    const csP = ys * pos.maxConcentration;
    const j0Solid = (e: typeof neg, cs: number) =>
      e.exchangeCurrentPrefactor * arrhenius(e.exchangeCurrentActivationEnergy, T, Tref) * regSqrt(cs, e.maxConcentration) * regSqrt(e.maxConcentration - cs, e.maxConcentration);
    const j0N = j0Solid(neg, csN);
    const j0P = j0Solid(pos, csP);
    const RT_F = (R * T) / F;
    let etaN = 0;
    let etaP = 0;
    let lnN = 0;
    let lnP = 0;
    let cAv = 0;
    for (let j = 0; j < N; j++) cAv += width[j] * c[j];
    cAv /= Lx;
    for (let m = 0; m < M; m++) {
      const cn = c[m];
      const cp = c[2 * M + m];
      etaN += 2 * RT_F * Math.asinh(jN / (2 * j0N * regSqrt(cn, c0)));
      etaP += 2 * RT_F * Math.asinh(jP / (2 * j0P * regSqrt(cp, c0)));
      lnN += Math.log(Math.max(cn / cAv, 1e-15));
      lnP += Math.log(Math.max(cp / cAv, 1e-15));
    }
    etaN /= M;
    etaP /= M;
    const etaC = chi * RT_F * (lnP / M - lnN / M);
    // PyBaMM 26.8 evaluates kappa_e at "X-averaged electrolyte concentration" = x_average(eps c_e / eps), which its
    // x_average simplifies to x_average(eps c_e) / x_average(eps) (porosity pulled out as "constant"): the salt content
    // over the pore volume, conserved, so c_e0 all along. The plain x-average would rise to 1142 mol/m3 at 2C.
    let salt = 0;
    let pores = 0;
    for (let j = 0; j < N; j++) {
      salt += eps[j] * width[j] * c[j];
      pores += eps[j] * width[j];
    }
    const kappa = transport(el.conductivity, salt / pores, T, Tref);
    const kN = kappa * regions[0].eps ** regions[0].b;
    const kS = kappa * regions[1].eps ** regions[1].b;
    const kP = kappa * regions[2].eps ** regions[2].b;
    const dPhiE = -i * (Ln / (3 * kN) + Ls / kS + Lp / (3 * kP));
    const voltage = Up - Un + etaP - etaN + etaC + dPhiE - I * solidResistance - I * contactResistance;
    // Electrolyte Ohmic heat: int -i_e dphi_e/dx = int i_e^2 / kappa_eff - chi RT/F int i_e d(ln c_e)/dx.
    let macinnes = 0;
    for (let j = 0; j + 1 < N; j++) {
      const xf = centre[j] + width[j] / 2;
      const ie = xf <= Ln ? (i * xf) / Ln : xf <= Ln + Ls ? i : (i * (Lx - xf)) / Lp;
      macinnes += ie * (Math.log(c[j + 1]) - Math.log(c[j]));
    }
    const joule = i * i * (Ln / (3 * kN) + Ls / kS + Lp / (3 * kP));
    const heat: Record<HeatTerm, number> = {
      ohmicElectrolyte: A * (joule - chi * RT_F * macinnes),
      ohmicSolid: I * I * solidResistance,
      ohmicCollector: I * I * collectorResistance,
      contact: I * I * contactResistance,
      irreversible: A * ((i / Ln) * etaN * Ln + (-i / Lp) * etaP * Lp),
      reversible: A * ((i / Ln) * T * dUn * Ln + (-i / Lp) * T * dUp * Lp),
    };
    let total = 0;
    for (const k of HEAT_TERMS) total += heat[k];
    return { voltage, heat, total };
  };

  const boundaryValues = (c: Float64Array) => ({ left: (9 * c[0] - c[1]) / 8, right: (9 * c[N - 1] - c[N - 2]) / 8 });
  const heatKeys = [...HEAT_TERMS, 'total'] as const;
  const out: SpmeOracleResult = {
    time: [],
    voltage: [],
    temperature: [],
    ceNegativeCc: [],
    cePositiveCc: [],
    heatW: Object.fromEntries(heatKeys.map((k) => [k, [] as number[]])) as SpmeOracleResult['heatW'],
    heatJ: Object.fromEntries(heatKeys.map((k) => [k, 0])) as SpmeOracleResult['heatJ'],
    coolingJ: 0,
    capacityAh: 0,
    durationS: 0,
    finalTemperatureK: T,
    endReason: 'cutoff',
    finalElectrolyte: { x: [], c: [] },
  };
  const record = (t: number, T: number, c: Float64Array, ev: ReturnType<typeof evaluate>) => {
    out.time.push(t);
    out.voltage.push(ev.voltage);
    out.temperature.push(T);
    const b = boundaryValues(c);
    out.ceNegativeCc.push(b.left);
    out.cePositiveCc.push(b.right);
    for (const k of HEAT_TERMS) out.heatW[k].push(ev.heat[k]);
    out.heatW.total.push(ev.total);
  };

  let prev = evaluate(ce, T);
  record(0, T, ce, prev);
  const dtMax = opts.dtMax ?? 0.5;
  const tEnd = opts.duration ?? Infinity;
  const lower = new Float64Array(N);
  const diag = new Float64Array(N);
  const upper = new Float64Array(N);
  const rhs = new Float64Array(N);
  const D = new Float64Array(N);
  let t = 0;
  let dt = 1e-3;
  let dtPrev: number | undefined;
  for (;;) {
    if (t + dt > tEnd) dt = tEnd - t;
    const { a, b, g } = bdf2(dt, dtPrev);
    const gdt = g * dt;
    const hatN = thetaN.map((v, k) => a * v - b * thetaNPrev[k]);
    const hatP = thetaP.map((v, k) => a * v - b * thetaPPrev[k]);
    const hatC = ce.map((v, k) => a * v - b * cePrev[k]);
    const hatT = a * T - b * TPrev;
    let Tk = T;
    const ck = ce.slice();
    let ev = prev;
    let converged = false;
    for (let it = 0; it < 100 && !converged; it++) {
      // Particles at the iterate's temperature.
      sphereN.c.set(hatN);
      sphereP.c.set(hatP);
      sphereN.step(particleRate(neg, Tk), surfaceGradient(neg, jN, Tk), gdt);
      sphereP.step(particleRate(pos, Tk), surfaceGradient(pos, jP, Tk), gdt);
      // Electrolyte with D_e at the iterate.
      for (let j = 0; j < N; j++) D[j] = efficiency[j] * transport(el.diffusivity, ck[j], Tk, Tref);
      for (let j = 0; j < N; j++) {
        const west = j > 0 ? 1 / (width[j - 1] / (2 * D[j - 1]) + width[j] / (2 * D[j])) : 0;
        const east = j < N - 1 ? 1 / (width[j] / (2 * D[j]) + width[j + 1] / (2 * D[j + 1])) : 0;
        lower[j] = -gdt * west;
        upper[j] = -gdt * east;
        diag[j] = eps[j] * width[j] + gdt * (west + east);
        rhs[j] = eps[j] * width[j] * hatC[j] + gdt * width[j] * source[j];
      }
      solveTridiagonal(lower, diag, upper, rhs, ceIter);
      let change = 0;
      for (let j = 0; j < N; j++) {
        if (!(ceIter[j] > 0)) throw new Error(`SPMe oracle: electrolyte depleted (c_e = ${ceIter[j]} at x = ${centre[j]}) at t = ${t + dt}`);
        change = Math.max(change, Math.abs(ceIter[j] - ck[j]) / c0);
        ck[j] = ceIter[j];
      }
      ev = evaluate(ck, Tk);
      const Tnew = thermal === 'isothermal' ? T : (C * hatT + gdt * (ev.total + hA * Tamb)) / (C + gdt * hA);
      change = Math.max(change, Math.abs(Tnew - Tk));
      Tk = Tnew;
      converged = change < 1e-12;
    }
    if (!converged) throw new Error(`SPMe oracle: Picard iteration did not converge at t = ${t + dt}`);
    ev = evaluate(ck, Tk);
    const tNew = t + dt;
    if (ev.voltage <= cutoff) {
      const frac = (prev.voltage - cutoff) / (prev.voltage - ev.voltage);
      const tCut = t + frac * dt;
      const lerp = (u: number, v: number) => u + frac * (v - u);
      const Tcut = lerp(T, Tk);
      for (const k of HEAT_TERMS) out.heatJ[k] += 0.5 * frac * dt * (prev.heat[k] + lerp(prev.heat[k], ev.heat[k]));
      out.heatJ.total += 0.5 * frac * dt * (prev.total + lerp(prev.total, ev.total));
      out.coolingJ += thermal === 'lumped' ? 0.5 * frac * dt * (hA * (T - Tamb) + hA * (Tcut - Tamb)) : 0;
      const cCut = ce.map((v, k) => lerp(v, ck[k]));
      out.time.push(tCut);
      out.voltage.push(cutoff);
      out.temperature.push(Tcut);
      const bPrev = boundaryValues(ce);
      const bNew = boundaryValues(ck);
      out.ceNegativeCc.push(lerp(bPrev.left, bNew.left));
      out.cePositiveCc.push(lerp(bPrev.right, bNew.right));
      for (const k of HEAT_TERMS) out.heatW[k].push(lerp(prev.heat[k], ev.heat[k]));
      out.heatW.total.push(lerp(prev.total, ev.total));
      out.durationS = tCut;
      out.finalTemperatureK = Tcut;
      out.capacityAh = (I * tCut) / 3600;
      out.finalElectrolyte = { x: Array.from(centre), c: Array.from(cCut) };
      return out;
    }
    for (const k of HEAT_TERMS) out.heatJ[k] += 0.5 * dt * (prev.heat[k] + ev.heat[k]);
    out.heatJ.total += 0.5 * dt * (prev.total + ev.total);
    if (thermal === 'lumped') out.coolingJ += 0.5 * dt * hA * (T - Tamb + (Tk - Tamb));
    thetaNPrev = thetaN;
    thetaPPrev = thetaP;
    thetaN = sphereN.c.slice();
    thetaP = sphereP.c.slice();
    cePrev = ce;
    ce = ck;
    TPrev = T;
    T = Tk;
    t = tNew;
    prev = ev;
    record(t, T, ce, ev);
    if (t >= tEnd) {
      out.durationS = t;
      out.finalTemperatureK = T;
      out.capacityAh = (I * t) / 3600;
      out.endReason = 'duration';
      out.finalElectrolyte = { x: Array.from(centre), c: Array.from(ce) };
      return out;
    }
    if (t > 20 * 3600) throw new Error('SPMe oracle: cut-off not reached in 20 h');
    dtPrev = dt;
    dt = Math.min(dtMax, dt * 1.15);
  }
}
