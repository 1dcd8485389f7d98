/**
 * The report's lifetime section: the fan chart's bands and median come from summary.json's lifetime block, the
 * end-of-life numbers say what was censored, and a study without a repeat block has no such section.
 */
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.ts';
import { CYCLE_OUTPUT_COUNT, CYCLE_OUTPUT_INDEX } from '../../src/pack/lifetime.ts';
import { validateStudySpec } from '../../src/spec/index.ts';
import { lifetimeOutputs, lifetimeSummary } from '../../src/study/lifetime.ts';
import { makeResults } from './fixture.ts';

/** Synthetic packs fading linearly at different rates: pack s loses (1 + s) 0.1 % per cycle over 100 cycles. */
function synthetic() {
  const spec = validateStudySpec({
    params: 'okane2022',
    pack: { series: 1, parallel: 1 },
    simulation: { sei: 'reaction limited' },
    protocol: [{ repeat: 100, steps: [{ type: 'discharge', cRate: 1 }, { type: 'cccv', cRate: 0.5 }] }],
    analysis: { lifetime: { endOfLife: 0.9 } },
    run: { samples: 20 },
  });
  const names = lifetimeOutputs(spec).map((o) => o.name);
  const packs = 20;
  const cycles = new Float64Array(packs * 100 * CYCLE_OUTPUT_COUNT);
  const outputs = new Float64Array(packs * names.length);
  for (let s = 0; s < packs; s++) {
    const rate = 0.001 * (1 + s);
    for (let i = 1; i <= 100; i++) cycles[(s * 100 + i - 1) * CYCLE_OUTPUT_COUNT + CYCLE_OUTPUT_INDEX.dischargeCapacityAh] = 5 * (1 - rate * (i - 1));
    const eol = 1 + 0.1 / rate; // 0.9 of the initial
    const at = (n: string, v: number) => (outputs[s * names.length + names.indexOf(n)] = v);
    at('initialCapacityAh', 5);
    at('cyclesToEol', eol <= 100 ? eol : 100);
    at('eolReached', eol <= 100 ? 1 : 0);
    at('simulatedCycles', 100);
  }
  return { spec, summary: lifetimeSummary(spec, outputs, cycles) };
}

describe('report: lifetime section', () => {
  it('summarises the fade over packs and the end of life with its censoring', () => {
    const { summary } = synthetic();
    // Median pack (rate 0.0105 between packs 9 and 10): 1 - 0.0105 x 99 at the last cycle.
    expect(summary.fan.p50.at(-1)).toBeCloseTo(1 - 0.0105 * 99, 10);
    expect(summary.fan.p05.at(-1)!).toBeLessThan(summary.fan.p50.at(-1)!);
    // 0.1 / rate + 1 <= 100 for rate >= 0.00101...: packs 1..19 reach it, pack 0 (rate 0.001, EOL at 101) is censored.
    expect(summary.eol.reached).toBe(19);
    expect(summary.eol.censored).toBe(1);
    expect(summary.eol.bins.reduce((n, b) => n + b.count, 0)).toBe(19);
  });

  it('draws the fan chart and the end-of-life histogram, and says how many packs are censored', async () => {
    const { summary } = synthetic();
    const { summary: base, table } = makeResults({ samples: 50 });
    const html = await renderReport({ ...base, lifetime: summary }, table);
    expect(html).toContain('id="lifetime"');
    expect(html).toContain('Capacity fade');
    expect(html).toContain('Cycles to end of life');
    expect(html).toContain('19 of 20 (1 censored: still above it at cycle 100)');
    const without = await renderReport(base, table);
    expect(without).not.toContain('id="lifetime"');
  });
});
