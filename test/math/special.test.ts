/**
 * src/math/special.ts, the one home of cellspread's special functions, against closed forms, identities and published
 * values (R's qnorm/pnorm, scipy.special).
 */
import { describe, expect, it } from 'vitest';
import {
  erfc,
  inverseRegularizedBeta,
  logGamma,
  logNormalCdf,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGamma,
  regularizedGammaComplement,
  studentTCdf,
  studentTQuantile,
} from '../../src/math/special.ts';

const rel = (a: number, b: number) => Math.abs(a / b - 1);

describe('gamma and beta functions', () => {
  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9);
  });

  it('regularized incomplete beta matches closed forms', () => {
    // I_x(1, b) = 1 - (1 - x)^b, I_x(a, 1) = x^a, I_x(2, 2) = 3x^2 - 2x^3
    expect(regularizedBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 14);
    expect(regularizedBeta(0.3, 3, 1)).toBeCloseTo(0.027, 14);
    expect(regularizedBeta(0.4, 2, 2)).toBeCloseTo(3 * 0.16 - 2 * 0.064, 14);
  });

  it('inverseRegularizedBeta inverts the incomplete beta, also deep in the tail', () => {
    for (const [p, a, b] of [
      [0.025, 3, 98],
      [0.975, 4, 97],
      [1e-8, 1, 1e6],
      [0.5, 0.5, 0.5],
    ]) {
      const x = inverseRegularizedBeta(p, a, b);
      expect(regularizedBeta(x, a, b) / p).toBeCloseTo(1, 9);
    }
    // Beta(1, n): I_x = 1 - (1 - x)^n, so the quantile is 1 - (1 - p)^(1/n).
    expect(rel(inverseRegularizedBeta(0.975, 1, 10), 1 - 0.025 ** 0.1)).toBeLessThan(1e-13);
    expect([inverseRegularizedBeta(0, 2, 3), inverseRegularizedBeta(1, 2, 3)]).toEqual([0, 1]);
  });

  it('regularized incomplete gamma P and Q match closed forms, Q without cancellation far out', () => {
    for (const x of [1e-8, 0.01, 0.5, 1, 2.5, 7, 30]) {
      // P(1, x) = 1 - e^-x;  P(1/2, x) = erf(sqrt x);  P(3, x) = 1 - e^-x (1 + x + x^2/2)
      expect(rel(regularizedGamma(1, x), -Math.expm1(-x))).toBeLessThan(1e-13);
      expect(Math.abs(regularizedGamma(0.5, x) - (1 - erfc(Math.sqrt(x))))).toBeLessThan(1e-15);
      expect(rel(regularizedGammaComplement(3, x), Math.exp(-x) * (1 + x + (x * x) / 2))).toBeLessThan(1e-13);
      expect(Math.abs(regularizedGamma(3, x) + regularizedGammaComplement(3, x) - 1)).toBeLessThan(1e-15);
    }
    expect(rel(regularizedGammaComplement(1, 600), Math.exp(-600))).toBeLessThan(1e-12);
    expect([regularizedGamma(2, 0), regularizedGamma(2, Infinity), regularizedGammaComplement(2, 0)]).toEqual([0, 1, 1]);
  });
});

describe('error function and the standard normal', () => {
  it('match reference values (R: qnorm, pnorm)', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-8) / 6.22096057427178e-16).toBeCloseTo(1, 10);
    expect(erfc(0)).toBeCloseTo(1, 15);
    expect(rel(erfc(1), 0.15729920705028513)).toBeLessThan(1e-14);
  });

  it('quantile inverts the CDF; the quantile is odd about 1/2', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.8, 0.999999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 10);
    for (const p of [2 ** -40, 2 ** -20, 0.001, 0.2, 0.4]) expect(normalQuantile(1 - p)).toBeCloseTo(-normalQuantile(p), 8);
    expect(() => normalQuantile(1.5)).toThrow('normalQuantile: p must be in [0, 1], got 1.5');
  });

  it('logNormalCdf is ln Phi where Phi is a double, and Laplace\'s continued fraction below', () => {
    for (const x of [-36.5, -20, -5, -1, 0, 0.5, 3, 9]) expect(rel(logNormalCdf(x), Math.log(normalCdf(x)) || -normalCdf(-x))).toBeLessThan(1e-13);
    // Phi(-z) = phi(z) / (z + 1/(z + 2/(z + 3/(z + ...)))), evaluated bottom-up: an independent form of the far tail.
    const laplace = (z: number) => {
      let f = z;
      for (let k = 60; k >= 1; k--) f = z + k / f;
      return -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - Math.log(f);
    };
    for (const z of [30, 36.99, 37.01, 40, 100, 1e4]) expect(rel(logNormalCdf(-z), laplace(z))).toBeLessThan(1e-14);
    expect(logNormalCdf(40)).toBe(-normalCdf(-40));
  });
});

describe("Student's t", () => {
  it('CDF is symmetric and the quantile inverts it (scipy.special.stdtr/stdtrit values in test/variation)', () => {
    for (const df of [1, 2, 3.5, 10, 100]) {
      for (const t of [0.1, 1, 3, 30]) expect(studentTCdf(t, df) + studentTCdf(-t, df)).toBeCloseTo(1, 14);
      for (const p of [1e-9, 0.01, 0.3, 0.9]) expect(rel(studentTCdf(studentTQuantile(p, df), df), p)).toBeLessThan(1e-10);
    }
    // df = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi.
    expect(studentTCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 14);
  });

  it('CDF matches the closed forms for df = 1 to 4 to a few ulp of 1/2, near 0 too', () => {
    const exact: Record<number, (t: number) => number> = {
      1: (t) => 0.5 + Math.atan(t) / Math.PI,
      2: (t) => 0.5 + t / (2 * Math.sqrt(2 + t * t)),
      3: (t) => {
        const th = Math.atan(t / Math.sqrt(3));
        return 0.5 + (th + Math.sin(th) * Math.cos(th)) / Math.PI;
      },
      4: (t) => {
        const u = 1 + (t * t) / 4;
        return 0.5 + (3 / 8) * (t / Math.sqrt(u)) * (1 - (t * t) / (12 * u));
      },
    };
    for (const [df, F] of Object.entries(exact)) {
      let worst = 0;
      for (const t of [1e-9, 1e-6, 2e-4, 0.01, 0.3, 1, 1.5, 2, 5, 20]) {
        for (const x of [t, -t]) worst = Math.max(worst, Math.abs(studentTCdf(x, Number(df)) - F(x)));
      }
      // The Beta argument df / (df + t^2) is within 1e-8 of 1 at these t: its complement held ~1e-13 before.
      expect(worst, `df ${df}`).toBeLessThan(4e-15);
    }
  });
});
