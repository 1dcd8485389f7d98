/**
 * An independent, deliberately simple solution of the same SPM + lumped thermal equations, used as the converged
 * reference in the accuracy tests: cell-centred finite volumes in each sphere (N shells, implicit Euler, Thomas
 * algorithm), explicit Euler for temperature, tiny time steps, voltage and heat written out again from the shared
 * reference document rather than imported from the kernel. Only the parameter derivation is shared.
 */
import { FARADAY, GAS_CONSTANT } from '../../src/model/constants.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import type { ParameterSet, SeriesFunction } from '../../src/params/types.ts';

export function series(f: SeriesFunction, s: number): number {
  let u = f.constant + f.linear * s;
  for (const e of f.exp) u += e.amplitude * Math.exp(e.rate * s);
  for (const t of f.tanh) u += t.amplitude * Math.tanh(t.slope * (s - t.center));
  return u;
}

export function ocp(f: SeriesFunction, s: number): number {
  const x = Math.min(Math.max(s, 1e-10), 1 - 1e-10);
  return series(f, x) + 1e-6 * (1 / x + 1 / (x - 1));
}

export class Sphere {
  readonly c: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private readonly cc: Float64Array;
  private readonly d: Float64Array;
  private readonly vol: Float64Array;
  private readonly face: Float64Array;
  readonly dr: number;
  constructor(readonly n: number, c0: number) {
    this.c = new Float64Array(n).fill(c0);
    this.a = new Float64Array(n);
    this.b = new Float64Array(n);
    this.cc = new Float64Array(n);
    this.d = new Float64Array(n);
    this.dr = 1 / n;
    this.vol = new Float64Array(n);
    this.face = new Float64Array(n + 1);
    for (let i = 0; i <= n; i++) this.face[i] = (i * this.dr) ** 2;
    for (let i = 0; i < n; i++) this.vol[i] = (((i + 1) * this.dr) ** 3 - (i * this.dr) ** 3) / 3;
  }
  /** One implicit Euler step of d(theta)/dt = rate * div(grad theta), with d(theta)/dr = -gradS at r = 1. */
  step(rate: number, gradS: number, dt: number): void {
    const { n, dr, vol, face, a, b, cc, d, c } = this;
    for (let i = 0; i < n; i++) {
      const west = i > 0 ? (rate * dt * face[i]) / (dr * vol[i]) : 0;
      const east = i < n - 1 ? (rate * dt * face[i + 1]) / (dr * vol[i]) : 0;
      a[i] = -west;
      cc[i] = -east;
      b[i] = 1 + west + east;
      d[i] = c[i] - (i === n - 1 ? (rate * dt * face[n] * gradS) / vol[i] : 0);
    }
    for (let i = 1; i < n; i++) {
      const m = a[i] / b[i - 1];
      b[i] -= m * cc[i - 1];
      d[i] -= m * d[i - 1];
    }
    c[n - 1] = d[n - 1] / b[n - 1];
    for (let i = n - 2; i >= 0; i--) c[i] = (d[i] - cc[i] * c[i + 1]) / b[i];
  }
  surface(gradS: number): number {
    return this.c[this.n - 1] - 0.5 * this.dr * gradS;
  }
}

export interface FvResult {
  time: number[];
  voltage: number[];
  temperature: number[];
  capacityAh: number;
  durationS: number;
  finalTemperatureK: number;
}

/** Constant-current discharge at `current` [A] to `cutoff` [V]. */
export function finiteVolumeDischarge(
  set: ParameterSet,
  opts: { current: number; soc: number; cutoff: number; shells: number; dt: number; thermal: 'lumped' | 'isothermal' },
): FvResult {
  const p = deriveCellParameters(set, opts.soc);
  const Tref = set.thermal.referenceTemperature;
  const I = opts.current;
  const neg = new Sphere(opts.shells, p.initialStoichNeg);
  const pos = new Sphere(opts.shells, p.initialStoichPos);
  const gNeg = I / (3600 * p.capacityNeg);
  const gPos = -I / (3600 * p.capacityPos);
  // d(theta)/dr at the surface, in units of the particle radius: -(tau g / 3).
  const gradNeg = (p.diffusionTimeNeg * gNeg) / 3;
  const gradPos = (p.diffusionTimePos * gPos) / 3;
  let T = p.initialTemperature;
  const evaluate = () => {
    const xs = neg.surface(gradNeg);
    const ys = pos.surface(gradPos);
    const arrN = Math.exp(p.kineticActivationNeg * (1 / Tref - 1 / T));
    const arrP = Math.exp(p.kineticActivationPos * (1 / Tref - 1 / T));
    const kn = Math.min(Math.max(xs, 1e-8), 1 - 1e-8);
    const kp = Math.min(Math.max(ys, 1e-8), 1 - 1e-8);
    const etaN = ((2 * GAS_CONSTANT * T) / FARADAY) * Math.asinh(I / (p.kineticCurrentNeg * arrN * Math.sqrt(kn * (1 - kn))));
    const etaP = ((2 * GAS_CONSTANT * T) / FARADAY) * Math.asinh(-I / (p.kineticCurrentPos * arrP * Math.sqrt(kp * (1 - kp))));
    const v = ocp(set.positive.ocp, ys) - ocp(set.negative.ocp, xs) + etaP - etaN - I * p.contactResistance;
    const q = I * (etaN - etaP) + I * I * (p.contactResistance + p.collectorResistance);
    return { v, q };
  };
  const out: FvResult = { time: [0], voltage: [evaluate().v], temperature: [T], capacityAh: 0, durationS: 0, finalTemperatureK: T };
  let t = 0;
  let prev = evaluate();
  for (let k = 1; ; k++) {
    const q = prev.q;
    neg.step(1 / p.diffusionTimeNeg, gradNeg, opts.dt);
    pos.step(1 / p.diffusionTimePos, gradPos, opts.dt);
    if (opts.thermal === 'lumped') T += (opts.dt * (q - p.coolingConductance * (T - p.ambientTemperature))) / p.heatCapacity;
    const tNew = k * opts.dt;
    const now = evaluate();
    if (now.v <= opts.cutoff) {
      const frac = (prev.v - opts.cutoff) / (prev.v - now.v);
      const tCut = t + frac * opts.dt;
      const Tcut = out.temperature[out.temperature.length - 1] + frac * (T - out.temperature[out.temperature.length - 1]);
      out.time.push(tCut);
      out.voltage.push(opts.cutoff);
      out.temperature.push(Tcut);
      out.durationS = tCut;
      out.capacityAh = (I * tCut) / 3600;
      out.finalTemperatureK = Tcut;
      return out;
    }
    t = tNew;
    out.time.push(t);
    out.voltage.push(now.v);
    out.temperature.push(T);
    prev = now;
    if (t > 20 * 3600) throw new Error('finite-volume reference: cutoff not reached');
  }
}
