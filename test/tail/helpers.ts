import { Rng } from '../../src/random/rng.ts';

/** n draws from a GPD(scale, shape) by inversion. */
export function gpdSample(n: number, scale: number, shape: number, seed: number): Float64Array {
  const r = new Rng(seed, 11);
  return Float64Array.from({ length: n }, () => {
    const u = r.uniform();
    return shape === 0 ? -scale * Math.log(u) : (scale / shape) * (Math.pow(u, -shape) - 1);
  });
}

export function normalSample(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = new Rng(seed, 12);
  return Float64Array.from({ length: n }, () => mean + sd * r.normal());
}

export function exponentialSample(n: number, seed: number, rate = 1): Float64Array {
  const r = new Rng(seed, 13);
  return Float64Array.from({ length: n }, () => -Math.log(r.uniform()) / rate);
}
