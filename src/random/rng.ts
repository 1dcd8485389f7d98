/**
 * Counter-keyed pseudo-random streams: a stream is a pure function of (seed, key...), e.g. (seed, sampleIndex, level),
 * so sample i draws the same numbers whatever the chunking, worker count, backend or shard.
 *
 * Generator: xoshiro128** (Blackman & Vigna 2018), 32-bit arithmetic that is fast in JavaScript, seeded by a
 * splitmix32-style hash chain over the keys. Doubles take 53 random bits from two outputs.
 */
import { CellspreadInputError } from '../errors.ts';
import { normalQuantile } from '../math/special.ts';
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
    return uniformFromBits(hi, lo);
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

/** The largest double below 1. */
const BELOW_ONE = 1 - 2 ** -53;

/**
 * The uniform for 27 high and 26 low random bits: the midpoint (k + 1/2) / 2^53 of the k-th of 2^53 cells. Near 1 the
 * midpoint is not a double: the last cell's, 1 - 2^-54, would round to exactly 1 (and the normal quantile of 1 is
 * infinite), so it takes the largest double below 1. Every other value is unchanged, so streams are too.
 */
export function uniformFromBits(hi: number, lo: number): number {
  return Math.min((hi * 67108864 + lo + 0.5) / 9007199254740992, BELOW_ONE);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
