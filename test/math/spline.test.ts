import { describe, expect, it } from 'vitest';
import { evaluatePiecewiseCubic, evaluatePiecewiseCubicSlope, notAKnotSpline } from '../../src/math/spline.ts';
import { okane2022 } from '../../src/params/index.ts';

describe('not-a-knot cubic spline', () => {
  it("matches scipy's make_interp_spline(k=3) on the OKane2022 graphite OCP table", () => {
    // scipy 1.17.1: interpolate.make_interp_spline(x, y, k=3)(s) on graphite_LGM50_ocp_Chen2020.csv (PyBaMM's evaluation).
    const scipy = [
      [1e-10, 1.8177274809770958],
      [0.01, 1.5601668112408495],
      [0.0312962309919435, 1.0828807],
      [0.05, 0.6644288948959673],
      [0.1, 0.40505484056652324],
      [0.17, 0.2268259922689028],
      [0.25, 0.19427718616343195],
      [0.5, 0.13233946368391492],
      [0.62, 0.10433049648879979],
      [0.83, 0.09145216499872179],
      [0.9, 0.0856489097030817],
      [0.97, 0.07876028263056448],
      [0.999, 0.07610680631151107],
      [0.9999999999, 0.07601530818844851],
    ];
    const t = okane2022.negative.ocpTable!;
    const p = notAKnotSpline(t.stoichiometry, t.potential);
    for (const [s, u] of scipy) expect(Math.abs(evaluatePiecewiseCubic(p, s) - u)).toBeLessThan(1e-12);
  });

  const x = [0, 0.07, 0.1, 0.35, 0.4, 0.61, 0.9, 1.3];
  const cubic = (s: number) => 0.3 - 1.2 * s + 2.5 * s * s - 0.7 * s * s * s;

  it('reproduces any cubic exactly, slope included, also outside the knots', () => {
    const p = notAKnotSpline(x, x.map(cubic));
    for (let s = -0.2; s <= 1.5; s += 0.013) {
      expect(Math.abs(evaluatePiecewiseCubic(p, s) - cubic(s))).toBeLessThan(1e-13);
      expect(Math.abs(evaluatePiecewiseCubicSlope(p, s) - (-1.2 + 5 * s - 2.1 * s * s))).toBeLessThan(1e-12);
    }
  });

  it('interpolates the data, is C2 at every knot and C3 at the second and second-to-last knot', () => {
    const y = [1, 0.2, 0.9, -0.4, 0.3, 0.35, -1, 2];
    const p = notAKnotSpline(x, y);
    const c = p.coefficients;
    const n = x.length;
    for (let i = 0; i < n; i++) expect(evaluatePiecewiseCubic(p, x[i])).toBeCloseTo(y[i], 13);
    for (let i = 1; i < n - 1; i++) {
      const h = x[i] - x[i - 1];
      const j = 4 * (i - 1);
      const left = [c[j] + h * (c[j + 1] + h * (c[j + 2] + h * c[j + 3])), c[j + 1] + h * (2 * c[j + 2] + 3 * h * c[j + 3]), 2 * c[j + 2] + 6 * h * c[j + 3]];
      const right = [c[4 * i], c[4 * i + 1], 2 * c[4 * i + 2]];
      for (let d = 0; d < 3; d++) expect(Math.abs(left[d] - right[d])).toBeLessThan(1e-9 * (1 + Math.abs(right[d])));
      if (i === 1 || i === n - 2) expect(Math.abs(c[j + 3] - c[4 * i + 3])).toBeLessThan(1e-9 * (1 + Math.abs(c[j + 3])));
    }
    // A real kink elsewhere: the third derivative jumps at the interior knots that are not "not-a-knot".
    expect(Math.abs(c[4 * 2 + 3] - c[4 * 3 + 3])).toBeGreaterThan(1);
  });

  it('names the field and the rule on bad input', () => {
    expect(() => notAKnotSpline([0, 1, 2], [0, 1, 2], 'negative.ocpTable')).toThrow(/negative.ocpTable.stoichiometry must have at least 4 points/);
    expect(() => notAKnotSpline([0, 1, 1, 2], [0, 1, 2, 3], 't')).toThrow(/t.stoichiometry\[2\] must be greater than the point before \(1\), got 1/);
    expect(() => notAKnotSpline([0, 1, 2, 3], [0, 1, 2], 't')).toThrow(/t.potential must have one value per point \(4\), got 3/);
  });
});
