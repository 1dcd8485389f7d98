/**
 * The headline in words: numbers formatted one way everywhere, verdicts against targets at the interval's ends,
 * sensitivity statements ranked by total index with intervals, drivers that leave out what cannot be told from 0.
 * Expected strings and sample sizes are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { SensitivitySummary } from '../../src/results/format.ts';
import { buildHeadline, formatProbability, formatShare, formatShareRange, headlineLines, sensitivityStatements } from '../../src/study/headline.ts';
import { tailSummary, type TailSummary } from '../../src/tail/index.ts';

/** A tail summary with the given recommended estimate (the rest as tailSummary would fill it). */
function tail(p: { estimate: number; lower: number; upper: number; source?: 'empirical' | 'gpd' | 'empirical-bound'; n?: number; k?: number }): TailSummary {
  const n = p.n ?? 1000;
  const k = p.k ?? Math.round(p.estimate * n);
  return {
    output: 'maxTemperatureK',
    tail: 'upper',
    limit: 333.15,
    confidence: 0.95,
    n,
    droppedNonFinite: 0,
    empirical: { estimate: k / n, lower: p.lower, upper: p.upper, exceedances: k },
    valueAtRisk: [],
    conditionalValueAtRisk: [],
    gpd: { status: 'skipped', reason: 'not needed' },
    recommended: { estimate: p.estimate, lower: p.lower, upper: p.upper, source: p.source ?? 'empirical' },
    warnings: [],
  };
}

const units = { maxTemperatureK: 'K', capacityAh: 'Ah', cutoffCell: '-' };

describe('numbers in words', () => {
  it('probabilities: percent from 0.1 %, exponent below; one form per interval', () => {
    expect(formatProbability(0.011664781627543988)).toBe('1.17 %');
    expect(formatProbability(0.001)).toBe('0.1 %');
    expect(formatProbability(1)).toBe('100 %');
    expect(formatProbability(3.2e-5)).toBe('3.2e-5');
    expect(formatProbability(0)).toBe('0 %');
    // The lower end of [3e-5, 2e-3] reads in percent, like its upper end.
    expect(formatProbability(3e-5, 2e-3)).toBe('0.003 %');
    expect(formatProbability(null)).toBe('?');
  });

  it('shares of variance: percent clamped to [0, 100], one value when both ends read the same', () => {
    expect(formatShare(0.763)).toBe('76');
    expect(formatShare(1.049)).toBe('100');
    expect(formatShare(-0.014)).toBe('0');
    expect(formatShare(0.027)).toBe('2.7');
    expect(formatShare(0.0005)).toBe('<0.1');
    expect(formatShareRange(0.556, 1.049)).toBe('56–100 %');
    expect(formatShareRange(0.00001, 0.0004)).toBe('<0.1 %');
  });
});

describe('headline limits', () => {
  // 50 of 1000 packs beyond the limit: 5 %, Clopper-Pearson [3.73 %, 6.54 %].
  const counted = tail({ estimate: 0.05, lower: 0.03732, upper: 0.06537 });
  const spec = (target?: number) => [{ output: 'maxTemperatureK', limit: 333.15, ...(target !== undefined ? { target } : {}) }];

  it('states the probability with its interval, the limit with its unit, and how it was estimated', () => {
    const [l] = buildHeadline({ tail: [counted], sensitivity: [], units, limits: spec() }).limits;
    expect(l.title).toBe('maxTemperatureK above 333.15 K');
    expect(l.statement).toBe('5 % of packs (about 1 in 20); 95 % interval 3.73 % to 6.54 %');
    expect(l.how).toBe('Counted: 50 packs of 1,000 passed the limit (Clopper-Pearson 95 % interval).');
    expect(l.probability).toEqual({ estimate: 0.05, lower: 0.03732, upper: 0.06537, confidence: 0.95 });
    expect(l.method).toBe('empirical');
    expect(l.verdict).toBe('no-target');
    expect(l.verdictText).toContain('analysis.tail[].target');
  });

  it('judges the target at the ends of the interval: meets, misses, or not decided with the sample size that would decide', () => {
    const verdict = (target: number) => buildHeadline({ tail: [counted], sensitivity: [], units, limits: spec(target) }).limits[0];
    expect(verdict(0.1).verdict).toBe('meets');
    expect(verdict(0.1).verdictText).toBe('Meets the target of 10 %: even the upper end of the interval (6.54 %) is below it.');
    expect(verdict(0.01).verdict).toBe('misses');
    expect(verdict(0.01).verdictText).toBe('Misses the target of 1 %: even the lower end of the interval (3.73 %) is above it.');
    const open = verdict(0.06);
    expect(open.verdict).toBe('undecided');
    // n = z^2 p (1 - p) / (p - t)^2 = 1.959964^2 * 0.05 * 0.95 / 0.01^2 = 1824.7 -> 1825 packs.
    expect(open.verdictText).toBe(
      'Not decided against the target of 6 %: the interval contains it. Counting alone would need roughly 1,825 packs to decide if the estimate holds (this run: 1,000).',
    );
  });

  it('with no pack beyond the limit, says so and sizes the run by the rule of three', () => {
    // 0 of 200: Clopper-Pearson upper end 1 - 0.025^(1/200) = 1.83 %. To show P < 0.1 % with none beyond:
    // n = -ln(0.05) / 0.001 = 2995.7 -> 2,996 packs.
    const none = tail({ estimate: 0, lower: 0, upper: 1 - 0.025 ** (1 / 200), n: 200, k: 0, source: 'empirical-bound' });
    const [l] = buildHeadline({ tail: [none], sensitivity: [], units, limits: spec(0.001) }).limits;
    expect(l.statement).toBe('No pack of 200 passed it; 95 % interval 0 % to 1.83 %');
    expect(l.verdict).toBe('undecided');
    expect(l.verdictText).toContain('roughly 2,996 packs');
    expect(l.how).toBe('Counted: no pack of 200 passed the limit and there is no extrapolation (no tail fit: not needed); rely on the upper end of the interval.');
  });

  it('names the GPD extrapolation, its threshold and the count it replaces, from a real tail summary', () => {
    // 2000 normal-ish values with a limit beyond all but a few: the summary recommends the GPD estimate.
    const values = Array.from({ length: 2000 }, (_, i) => 300 + 3 * Math.sqrt(-2 * Math.log((i + 0.5) / 2000)));
    const t = tailSummary(values, { output: 'maxTemperatureK', limit: 311.5, tail: 'upper' });
    expect(t.recommended.source).toBe('gpd');
    const [l] = buildHeadline({ tail: [t], sensitivity: [], units, limits: spec(1e-3) }).limits;
    expect(l.method).toBe('gpd');
    expect(l.probability.estimate).toBe(t.recommended.estimate);
    expect(l.how).toMatch(/^Extrapolated: a generalized Pareto fit to the \d+ highest of 2,000 packs \(beyond 3\d\d\.\d+ K; profile-likelihood interval\), because only \d packs? passed the limit/);
    expect(l.statement.startsWith(`${formatProbability(t.recommended.estimate, t.recommended.upper)} of packs`)).toBe(true);
  });

  it('prints further bands (an epistemic median and 90 % band, say) under the statement, in the same number form', () => {
    const h = buildHeadline({ tail: [counted], sensitivity: [], units, limits: spec() });
    h.limits[0].bands = [{ label: 'epistemic median and 90 % band', estimate: 0.011, lower: 0.004, upper: 0.025 }];
    expect(headlineLines(h).slice(0, 2)).toEqual([
      'maxTemperatureK above 333.15 K: 5 % of packs (about 1 in 20); 95 % interval 3.73 % to 6.54 %',
      '    epistemic median and 90 % band: 1.1 % [0.4 %, 2.5 %]',
    ]);
  });

  it('takes the target only from the spec entry of the same output and limit', () => {
    const h = buildHeadline({ tail: [counted], sensitivity: [], units, limits: [{ output: 'capacityAh', limit: 333.15, target: 0.1 }] });
    expect(h.limits[0].target).toBeNull();
  });
});

describe('sensitivity in words', () => {
  // First-order ranks a first (0.39 > 0.11 > 0.02); total ranks b first (0.76 > 0.49 > 0.24): b's interactions
  // matter. c's first-order index is noise around 0, its total index is not; d cannot be told from 0 at all.
  const s: SensitivitySummary = {
    output: 'maxTemperatureK',
    method: 'sobol',
    factors: ['a', 'b', 'c', 'd'],
    first: [0.39, 0.11, 0.02, -0.01],
    total: [0.49, 0.76, 0.24, 0.027],
    firstCI: [
      [0.11, 0.72],
      [0.02, 0.3],
      [-0.05, 0.11],
      [-0.04, 0.02],
    ],
    totalCI: [
      [0.34, 0.7],
      [0.56, 1.05],
      [0.14, 0.36],
      [0, 0.092],
    ],
    evaluations: 832,
    confidence: 0.95,
    statements: [],
  };

  it('ranks by total index, gives every factor with its intervals, and says "not distinguishable from 0"', () => {
    expect(sensitivityStatements(s)).toEqual([
      'b: 76 % of the variance of maxTemperatureK with its interactions (total index, 95 % interval 56–100 %); 11 % on its own (first-order, 2–30 %)',
      'a: 49 % of the variance of maxTemperatureK with its interactions (total index, 95 % interval 34–70 %); 39 % on its own (first-order, 11–72 %)',
      'c: 24 % of the variance of maxTemperatureK with its interactions (total index, 95 % interval 14–36 %); on its own not distinguishable from 0 (first-order 2 %, 0–11 %)',
      'd: not distinguishable from 0 (total index 2.7 %, 95 % interval 0–9.2 %)',
    ]);
  });

  it('drivers: the top three by total index whose interval excludes 0, or a sentence saying none is', () => {
    const h = buildHeadline({ tail: [], sensitivity: [s], units });
    expect(h.drivers[0].top.map((d) => d.factor)).toEqual(['b', 'a', 'c']);
    expect(h.drivers[0].text).toBe('b 76 % (56–100 %); a 49 % (34–70 %); c 24 % (14–36 %)');
    const flat = { ...s, totalCI: s.totalCI!.map(() => [0, 0.5] as [number, number]) };
    expect(buildHeadline({ tail: [], sensitivity: [flat], units }).drivers[0].text).toBe(
      "no factor's total index is distinguishable from 0 with 832 model runs (raise analysis.sensitivity.n)",
    );
  });

  it('prints limits with their drivers, and drivers of outputs without a limit after them', () => {
    const counted = tail({ estimate: 0.05, lower: 0.03732, upper: 0.06537 });
    const other = { ...s, output: 'capacityAh' };
    const lines = headlineLines(buildHeadline({ tail: [counted], sensitivity: [s, other], units }));
    expect(lines[0]).toBe('maxTemperatureK above 333.15 K: 5 % of packs (about 1 in 20); 95 % interval 3.73 % to 6.54 %');
    expect(lines[3]).toBe('    What drives maxTemperatureK (total Sobol index: share of its variance, 95 % interval): b 76 % (56–100 %); a 49 % (34–70 %); c 24 % (14–36 %)');
    expect(lines[4]).toMatch(/^What drives capacityAh/);
    expect(lines).toHaveLength(5);
  });
});
