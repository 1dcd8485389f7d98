/**
 * Counter-keyed pseudo-random streams: a stream is a pure function of (seed, key...), e.g. (seed, sampleIndex, level),
 * so sample i draws the same numbers whatever the chunking, worker count, backend or shard.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 32-bit arithmetic that is fast in JavaScript, seeded by a
 * splitmix32-style hash chain over the keys. Doubles take 53 random bits from two outputs.
 */
import { CellspreadInputError } from '../errors.ts';
import { exp, log } from '../math/elementary.ts';
export const RNG_ALGORITHM = {
  name: 'xoshiro128**',
  keying: 'splitmix32 hash chain over (seed, keys...)',
  normal: 'inverse CDF (Wichura AS241) of one 53-bit uniform',
  version: 1,
} as const;

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Hash a seed and integer keys (each a safe integer, may exceed 32 bits) into a 32-bit value. */
export function hashKeys(seed: number, keys: readonly number[], salt = 0): number {
  let h = absorb(mix32((salt + 0x9e3779b9) >>> 0), seed);
  for (let i = 0; i < keys.length; i++) h = absorb(h, keys[i]);
  return h;
}

/** One key into the hash chain, low 32 bits then high. (A plain function: no closure per call on the sampling path.) */
function absorb(h: number, v: number): number {
  const lo = v >>> 0;
  const hi = Math.floor(v / 4294967296) >>> 0;
  h = mix32((h ^ lo) + 0x9e3779b9);
  return mix32((h ^ hi) + 0x7f4a7c15);
}

function checkKey(v: number, index: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new CellspreadInputError(index < 0 ? 'seed' : `key ${index}`, 'must be a non-negative safe integer', v);
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A stream determined by `seed` and the integer `keys` alone. */
  constructor(seed: number, ...keys: number[]) {
    checkKey(seed, -1);
    for (let i = 0; i < keys.length; i++) checkKey(keys[i], i);
    this.s0 = hashKeys(seed, keys, 1);
    this.s1 = hashKeys(seed, keys, 2);
    this.s2 = hashKeys(seed, keys, 3);
    this.s3 = hashKeys(seed, keys, 4);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on the open interval (0, 1), 53 bits. Never returns 0 or 1, so it is safe for inverse CDFs. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Standard normal by inverse CDF: exactly one uniform per normal, so streams stay aligned across distributions. */
  normal(): number {
    return normalQuantile(this.uniform());
  }

  /** Integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Standard normal quantile, Wichura (1988) algorithm AS241 (PPND16), relative accuracy about 1e-16.
 * Throws for p outside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new CellspreadInputError('normalQuantile: p', 'must be in [0, 1]', p);
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r +
          133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r +
        42.313330701600911252) * r + 1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r +
        4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r +
        2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r +
        5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r +
        0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -val : val;
}

/** Standard normal CDF via a high-accuracy erfc (W. J. Cody's rational approximations), about 1e-15 relative. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function, relative accuracy about 1e-15 (Cody 1969 / Numerical Recipes erfccheb). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 2 / (2 + z);
  const ty = 4 * t - 2;
  const cof = ERFC_COF;
  let d = 0;
  let dd = 0;
  for (let j = cof.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + cof[j];
    dd = tmp;
  }
  const res = t * exp(-z * z + 0.5 * (cof[0] + ty * d) - dd);
  return x >= 0 ? res : 2 - res;
}

const ERFC_COF = [
  -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8,
  -8.5238095915e-8, 6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12,
  -6.886027e-12, 8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
];
