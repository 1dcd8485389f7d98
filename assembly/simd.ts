// Two cells in lockstep, one per f64x2 lane. (Scalar stand-in: replaced by the SIMD kernel.)
import { step, evVoltage, evSurfaceOcv, stepHeatJ, stepCoolingJ, stepVoltageStart, stepSurfaceOcvStart } from './cell';

export let l0Heat: f64 = 0;
export let l0Cooling: f64 = 0;
export let l0VoltageStart: f64 = 0;
export let l0OcvStart: f64 = 0;
export let l0OcvEnd: f64 = 0;
export let l0Voltage: f64 = 0;
export let l1Heat: f64 = 0;
export let l1Cooling: f64 = 0;
export let l1VoltageStart: f64 = 0;
export let l1OcvStart: f64 = 0;
export let l1OcvEnd: f64 = 0;
export let l1Voltage: f64 = 0;

export function step2(s0: usize, p0: usize, I0: f64, dt0: f64, q0: f64, s1: usize, p1: usize, I1: f64, dt1: f64, q1: f64, single: bool): void {
  step(s0, p0, I0, dt0, q0);
  l0Heat = stepHeatJ;
  l0Cooling = stepCoolingJ;
  l0VoltageStart = stepVoltageStart;
  l0OcvStart = stepSurfaceOcvStart;
  l0OcvEnd = evSurfaceOcv;
  l0Voltage = evVoltage;
  if (single) return;
  step(s1, p1, I1, dt1, q1);
  l1Heat = stepHeatJ;
  l1Cooling = stepCoolingJ;
  l1VoltageStart = stepVoltageStart;
  l1OcvStart = stepSurfaceOcvStart;
  l1OcvEnd = evSurfaceOcv;
  l1Voltage = evVoltage;
}
