/**
 * src/math/elementary.ts: the same bits in every JavaScript engine, because it is IEEE arithmetic only. Checked against
 * an independent implementation, V8's C++ port of fdlibm (Math.* in Node 20: the golden bits below were printed by
 * Node v20.20.2, V8 11.3), against the running engine's Math.* to within 1 ulp (whatever its libm), and by a scan that
 * keeps the engine's transcendental functions out of the modules that sample studies and derive cell parameters.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as E from '../../src/math/elementary.ts';

const GOLDEN: Record<'exp' | 'log' | 'log1p' | 'expm1' | 'tanh' | 'sin' | 'cos' | 'tan', [number, string][]> = {
  exp: [[-745, '0000000000000001'], [-700.5, '00c4ff475c68ca02'], [-20.25, '3e1b93de1e27ca3b'], [-1, '3fd78b56362cef38'], [-0.3, '3fe7b4c869c37c05'], [1e-9, '3ff000000044b830'], [0.34657359, '3ff6a09e66640654'], [0.5, '3ffa61298e1e069c'], [1, '4005bf0a8b145769'], [1.5, '4011ed3fe64fc541'], [3.7, '4044394144eeec81'], [20, '41bceb088b68e804'], [88.7, '47ef4705bbffae5c'], [700.1, '7f1058614179b2a5'], [709.7, '7fed75ae7a50ee14']],
  log: [[5e-324, 'c0874385446d71c3'], [1e-300, 'c085963447f87fb5'], [1e-10, 'c037069e2aa2aa5b'], [0.1, 'c0026bb1bbb55515'], [0.5, 'bfe62e42fefa39ef'], [0.7071, 'bfd62e6b3842a25e'], [0.99999, 'bee4f8bc681df714'], [1.00001, '3ee4f8aea9af0a25'], [1.5, '3fd9f323ecbf984c'], [2, '3fe62e42fefa39ef'], [2.718281828459045, '3ff0000000000000'], [10, '40026bb1bbb55516'], [1234.5678, '401c7951d51791d7'], [1e+100, '406cc845b54b54f2'], [1.7e+308, '40862dd08fdc6f88']],
  log1p: [[-0.9999, 'c0226bb1bbb55554'], [-0.5, 'bfe62e42fefa39ef'], [-0.2929, 'bfd62e6b3842a25c'], [-0.1, 'bfbaf8e8210a415e'], [-1e-10, 'bddb7cdfd9dda4e3'], [1e-20, '3bc79ca10c924223'], [1e-8, '3e45798ee0636111'], [0.1, '3fb8663f793c46c7'], [0.41, '3fd5fd5fabe64085'], [0.5, '3fd9f323ecbf984c'], [1, '3fe62e42fefa39ef'], [7.5, '40011edb023bf0fe'], [10000000000, '4037069e2aa3184e'], [1e+300, '4085963447f87fb5']],
  expm1: [[-40, 'bff0000000000000'], [-5, 'bfefc8cd803fe559'], [-1, 'bfe43a54e4e98864'], [-0.4, 'bfd51979f31b1e25'], [-0.000001, 'beb0c6f713f92497'], [1e-17, '3c670ef54646d497'], [1e-9, '3e112e0be84bbb51'], [0.1, '3fbaec7b35a00d3a'], [0.34, '3fd9eaa94c8422f6'], [0.7, '3ff03854c24d130d'], [1.2, '40028f99761065a4'], [5, '40626d389970338f'], [30, '42a370470aec26ed'], [40, '438a220d397972ea'], [700, '7f0d945df4f8ec8e']],
  tanh: [[-25, 'bff0000000000000'], [-3, 'bfefd77d111a0b00'], [-1, 'bfe85efab514f394'], [-0.5, 'bfdd9353d7568af3'], [-1e-9, 'be112e0be826d695'], [1e-30, '39b4484bfeebc2a0'], [0.00001, '3ee4f8b588e06854'], [0.2, '3fc9439830b3a590'], [0.9, '3fe6ebe982d6605d'], [1, '3fe85efab514f394'], [2.5, '3fef9258260a71c2'], [10, '3feffffffdc96f35'], [21.9, '3ff0000000000000']],
  sin: [[-1000.5, 'bfefd948c50a7a0d'], [-10, '3fe1689ef5f34f52'], [-3.14159, 'bec6428a6aa44cd0'], [-1, 'bfeaed548f090cee'], [-1e-9, 'be112e0be826d695'], [1e-12, '3d719799812dea11'], [0.5, '3fdeaee8744b05f0'], [0.785398, '3fe6a09e28779cb0'], [1.5707963267948966, '3ff0000000000000'], [2, '3fed18f6ead1b446'], [3.141592653589793, '3ca1a62633145c07'], [4.4934094579, 'bfef3c5f411f193b'], [7.7252518369, '3fefbc37a6c68362'], [100, 'bfe03425b78c4db8'], [800000, 'bfd20f02e8178612']],
  cos: [[-1000.5, '3fb8dbff75eb664f'], [-10, 'bfead9ac890c6b1f'], [-3.14159, 'bfefffffffff8420'], [-1, '3fe14a280fb5068c'], [-1e-9, '3ff0000000000000'], [1e-12, '3ff0000000000000'], [0.5, '3fec1528065b7d50'], [0.785398, '3fe6a09ea486da3f'], [1.5707963267948966, '3c91a62633145c07'], [2, 'bfdaa22657537205'], [3.141592653589793, 'bff0000000000000'], [4.4934094579, 'bfcbce4fc065f79e'], [7.7252518369, '3fc06e93ce98b28e'], [100, '3feb981dbf665fdf'], [800000, '3feeb31f58234b5e']],
  tan: [[-1000.5, 'c0247f9f1c1f4871'], [-10, 'bfe4bf5f34be3782'], [-1.5, 'c02c33ed50b88777'], [-1, 'bff8eb245cbee3a6'], [-0.7, 'bfeaf406c2fc78ae'], [-1e-9, 'be112e0be826d695'], [1e-12, '3d719799812dea11'], [0.5, '3fe17b4f5bf3474a'], [0.785398, '3fefffff508da8a4'], [1.5707963267948966, '434d02967c31cdb5'], [2, 'c0017af62e0950f8'], [3.141592653589793, 'bca1a62633145c07'], [100, 'bfe2ca74d62b5d38'], [800000, 'bfd2d2d254c564bf']],
};

const F = new Float64Array(1);
const B = new BigInt64Array(F.buffer);
const bits = (v: number) => {
  F[0] = v;
  return B[0];
};
const hex = (v: number) => BigInt.asUintN(64, bits(v)).toString(16).padStart(16, '0');
const ulps = (a: number, b: number) => {
  const d = bits(a) - bits(b);
  return Number(d < 0n ? -d : d);
};

/** A small deterministic generator for test inputs (no engine functions involved). */
function inputs(n: number, scale: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647 - 0.5) * scale;
  });
}

describe('deterministic elementary functions', () => {
  for (const [name, rows] of Object.entries(GOLDEN)) {
    it(`${name} gives fdlibm's bits`, () => {
      const f = E[name as keyof typeof GOLDEN];
      expect(rows.map(([x]) => [x, hex(f(x))])).toEqual(rows);
    });
  }

  const ranges: [keyof typeof GOLDEN, (x: number) => number, number[]][] = [
    ['exp', Math.exp, [...inputs(20_000, 2, 1), ...inputs(20_000, 1400, 2)]],
    ['log', Math.log, inputs(20_000, 1400, 3).map((x) => Math.exp(x) || Number.MIN_VALUE)],
    ['log1p', Math.log1p, [...inputs(20_000, 1.98, 4), ...inputs(20_000, 1e-6, 5), ...inputs(10_000, 60, 6).map((x) => Math.exp(x))]],
    ['expm1', Math.expm1, [...inputs(20_000, 2, 7), ...inputs(20_000, 1400, 8), ...inputs(10_000, 1e-6, 9)]],
    ['tanh', Math.tanh, [...inputs(20_000, 2, 10), ...inputs(20_000, 60, 11)]],
    ['sin', Math.sin, [...inputs(20_000, 7, 12), ...inputs(20_000, 2e5, 13)]],
    ['cos', Math.cos, [...inputs(20_000, 7, 14), ...inputs(20_000, 2e5, 15)]],
    ['tan', Math.tan, [...inputs(20_000, 7, 16), ...inputs(20_000, 2e5, 17)]],
  ];
  for (const [name, engine, xs] of ranges) {
    it(`${name} is within 1 ulp of this engine's Math.${name}`, () => {
      const f = E[name];
      const far = xs.filter((x) => !(ulps(f(x), engine(x)) <= 1));
      expect(far.slice(0, 5).map((x) => `${name}(${x}) = ${f(x)}, Math: ${engine(x)}`)).toEqual([]);
    });
  }

  it('keeps the special values: infinities, NaN, signed zeros, overflow and underflow', () => {
    expect([E.exp(Infinity), E.exp(-Infinity), E.exp(NaN), E.exp(710), E.exp(-746), E.exp(-0)]).toEqual([Infinity, 0, NaN, Infinity, 0, 1]);
    expect([E.log(0), E.log(-1), E.log(Infinity), E.log(1), E.log(5e-324)]).toEqual([-Infinity, NaN, Infinity, 0, -744.4400719213812]);
    expect([E.log1p(-1), E.log1p(-2), Object.is(E.log1p(-0), -0), E.log1p(Infinity)]).toEqual([-Infinity, NaN, true, Infinity]);
    expect([E.expm1(-Infinity), E.expm1(-50), Object.is(E.expm1(-0), -0), E.expm1(710)]).toEqual([-1, -1, true, Infinity]);
    expect([E.tanh(Infinity), E.tanh(-Infinity), E.tanh(30), Object.is(E.tanh(-0), -0)]).toEqual([1, -1, 1, true]);
    expect([E.sin(Infinity), E.cos(NaN), E.tan(-Infinity), Object.is(E.sin(-0), -0)]).toEqual([NaN, NaN, NaN, true]);
    expect(E.exp(1)).toBe(Math.E);
  });

  it('pow is x^y within (2 + |y ln x|) ulp, as documented, and handles 0, 1 and bad input', () => {
    for (const [x, y] of [[2, 10], [10, -3], [0.5, 0.3], [37.2, 1 / 1.7], [1e-12, 2.5], [3, 0.5], [1.5, 40]]) {
      expect(Math.abs(E.pow(x, y) / Math.pow(x, y) - 1), `pow(${x}, ${y})`).toBeLessThanOrEqual((2 + Math.abs(y * Math.log(x))) * 2 ** -53);
    }
    expect([E.pow(0, 2), E.pow(0, -1), E.pow(5, 0), E.pow(-2, 0.5), E.pow(1, 1e300)]).toEqual([0, Infinity, 1, NaN, 1]);
  });
});

/**
 * Modules whose numbers reach sampled inputs or kernel parameters: no engine-dependent Math function in them. The
 * whole distribution family (src/stats/) is listed, since the sampler draws through it.
 */
const PIPELINE = [
  'src/random/rng.ts',
  'src/variation/design.ts',
  'src/variation/sample.ts',
  'src/variation/distributions.ts',
  'src/variation/copula.ts',
  'src/variation/quantities.ts',
  'src/math/special.ts',
  'src/math/cholesky.ts',
  'src/model/derive.ts',
  'src/model/series.ts',
  'src/model/spectral.ts',
  'src/study/epistemic.ts',
  ...readdirSync('src/stats').map((f) => `src/stats/${f}`),
];

describe('engine independence of sampling and cell-parameter derivation', () => {
  it.each(PIPELINE)('%s uses src/math/elementary.ts, not Math.exp/log/pow/trig or x ** y', (path) => {
    const code = readFileSync(path, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    const found = code.match(/Math\.(?:exp|expm1|log|log1p|log2|log10|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|cbrt|hypot)\b|[\w)\]]\s*\*\*\s*(?!2\b)[\w(]/g);
    expect(found ?? []).toEqual([]);
  });
});
