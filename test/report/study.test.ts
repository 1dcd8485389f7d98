/**
 * A real study through `cellspread run` (reference backend, a 4s2p pack, tail limits with and without a target,
 * Sobol over three factors): the terminal's final lines, summary.json's headline and report.html's headline carry
 * the same numbers from the same estimator with the limit named; and the report reads at desktop and phone widths.
 * Screenshots: test-artifacts/report/study-<width>-{top,full}.png.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { runRunCommand } from '../../src/cli/run.ts';
import type { RunSummary } from '../../src/results/format.ts';
import { defaultStudy, parseStudySpec } from '../../src/spec/index.ts';
import { describeInputs } from '../../src/study/analysis.ts';
import { headlineLines } from '../../src/study/headline.ts';
import { inputNames } from '../../src/variation/index.ts';
import type { TailSummary } from '../../src/tail/index.ts';
import { captureIo } from '../support/cli.ts';
import { launchChromium, layoutReport, open, screenshots, VIEWPORTS } from './browser.ts';

const STUDY = `name: report-check-4s2p
params: chen2020
pack: { series: 4, parallel: 2, modules: 2, interconnectResistance: 1.0e-4 }
simulation: { timeStep: 30, model: spm }   # the limits below are set in the SPM's distributions
protocol:
  - { type: discharge, cRate: 2 }
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.01 } }
  contactResistance:
    scale: log
    base: 2.0e-4
    cell: { distribution: defectMixture, probability: 0.02, base: { distribution: lognormal, sd: 0.1 }, factor: { distribution: pareto, alpha: 1.5, min: 2 } }
  heatTransferCoefficient: { scale: relative, module: { distribution: uniform, min: -0.2, max: 0.2 } }
analysis:
  tail:
    - { output: maxTemperatureK, limit: 321.5, tail: upper, target: 0.01 }
    - { output: capacityAh, limit: 9.62, tail: lower }
  sensitivity: { method: sobol, outputs: [maxTemperatureK, capacityAh], n: 16 }
run: { samples: 120, seed: 5, chunkSize: 60 }
`;

const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

let out: string;
let stdout: string[];
let summary: RunSummary;
let html: string;
let browser: Browser | undefined;
let launchError: Error | undefined;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-report-study-'));
  writeFileSync(join(dir, 'study.yaml'), STUDY);
  out = join(dir, 'results');
  const c = captureIo();
  const code = await runRunCommand([join(dir, 'study.yaml'), '--backend', 'reference', '--out', out], c.io, { progressStream: quiet });
  if (code !== 0) throw new Error(`cellspread run exited ${code}: ${c.text()}`);
  stdout = c.out.join('\n').split('\n');
  summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  html = readFileSync(join(out, 'report.html'), 'utf8');
  try {
    browser = await launchChromium();
  } catch (e) {
    launchError = e as Error;
  }
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

/** The visible text of an HTML fragment (tags dropped, the entities escapeHtml writes decoded). */
function textOf(fragment: string): string {
  return fragment
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** A probability as printed ("3.4 %", "0.367 %", "3.2e-5") back to a number. */
function probability(s: string): number {
  return s.endsWith('%') ? Number(s.slice(0, -1).trim()) / 100 : Number(s);
}

/** "<output> above|below <limit> <unit>: <p> of packs (...); 95 % interval <lo> to <hi>" -> its numbers. */
const LIMIT_LINE = /(\w+) (above|below) ([\d.]+) (\w+): ([\d.e-]+(?: %)?) of packs \(about 1 in [\d,]+\); 95 % interval ([\d.e-]+(?: %)?) to ([\d.e-]+(?: %)?)/g;

function limitNumbers(text: string) {
  return [...text.matchAll(LIMIT_LINE)].map((m) => ({ output: m[1], side: m[2], limit: Number(m[3]), unit: m[4], p: probability(m[5]), lower: probability(m[6]), upper: probability(m[7]) }));
}

describe('summary.json describes its input columns', () => {
  it('in the sampler\'s order, each with its quantity, level, statistic, scale, nominal and unit', () => {
    for (const spec of [defaultStudy(), parseStudySpec(STUDY)]) {
      const described = describeInputs(spec);
      expect(described.map((c) => c.name)).toEqual(inputNames(spec));
      for (const c of described) {
        expect(c.name.startsWith(`${c.quantity}${c.level ? `@${c.level}` : ''}`)).toBe(true);
        expect(typeof c.nominal).toBe('number');
        expect(c.unit).toBeTruthy();
      }
    }
    expect(summary.inputs.find((c) => c.name === 'heatTransferCoefficient@module:min')).toEqual({
      name: 'heatTransferCoefficient@module:min',
      quantity: 'heatTransferCoefficient',
      level: 'module',
      statistic: 'min',
      scale: 'relative',
      nominal: 10,
      unit: 'W/(m2 K)',
      description: expect.stringContaining('heat-transfer coefficient'),
    });
  });
});

describe('the headline, in the terminal, summary.json and the report', () => {
  it('is the tail summary\'s recommended estimate, with its interval, the limit named and the target judged', () => {
    const h = summary.headline!;
    const tails = summary.tail as TailSummary[];
    expect(h.limits).toHaveLength(2);
    h.limits.forEach((l, i) => {
      const t = tails[i];
      expect(l.probability).toEqual({ estimate: t.recommended.estimate, lower: t.recommended.lower, upper: t.recommended.upper, confidence: t.confidence });
      expect(l.method).toBe(t.recommended.source);
      expect(l.limit).toBe(t.limit);
      expect(l.exceedances).toBe(t.empirical.exceedances);
    });
    expect(h.limits.map((l) => l.title)).toEqual(['maxTemperatureK above 321.5 K', 'capacityAh below 9.62 Ah']);
    expect(h.limits.map((l) => l.target)).toEqual([0.01, null]);
    expect(h.limits[1].verdict).toBe('no-target');
    // A verdict follows from the interval's ends and the target, whatever it is.
    const l = h.limits[0];
    const expected = l.probability.upper! <= 0.01 ? 'meets' : l.probability.lower! > 0.01 ? 'misses' : 'undecided';
    expect(l.verdict).toBe(expected);
    // Drivers of both outputs, ranked by total index.
    expect(h.drivers.map((d) => d.output)).toEqual(['maxTemperatureK', 'capacityAh']);
    const sobol = (summary.sensitivity as { output: string; factors: string[]; total: number[] }[])[0];
    const byTotal = [...sobol.factors].sort((a, b) => sobol.total[sobol.factors.indexOf(b)] - sobol.total[sobol.factors.indexOf(a)]);
    expect(h.drivers[0].top.map((d) => d.factor)).toEqual(byTotal.slice(0, h.drivers[0].top.length));
  });

  it('the CLI ends with the headline lines, and their numbers are the estimator\'s', () => {
    const at = stdout.findIndex((l) => l.startsWith('Headline'));
    expect(at).toBeGreaterThan(0);
    const printed = stdout.slice(at + 1);
    expect(printed).toEqual(headlineLines(summary.headline!).map((l) => `  ${l}`));
    // Independently of the strings: the printed numbers round the summary's to the printed digits.
    const numbers = limitNumbers(printed.join('\n'));
    expect(numbers.map((n) => `${n.output} ${n.side} ${n.limit} ${n.unit}`)).toEqual(['maxTemperatureK above 321.5 K', 'capacityAh below 9.62 Ah']);
    numbers.forEach((n, i) => {
      const p = summary.headline!.limits[i].probability;
      expect(n.p).toBeCloseTo(p.estimate, 4);
      expect(Math.abs(n.p / p.estimate - 1)).toBeLessThan(5e-3);
      expect(Math.abs(n.lower / p.lower! - 1)).toBeLessThan(5e-3);
      expect(Math.abs(n.upper / p.upper! - 1)).toBeLessThan(5e-3);
    });
  });

  it('the report opens with the same numbers, verdicts and drivers', () => {
    const start = html.indexOf('<section id="headline">');
    expect(start).toBe(html.indexOf('<section'));
    const section = html.slice(start, html.indexOf('</section>', start));
    // Each card: the limit (heading) and the statement, read back as "<title>: <statement>".
    const cards = [...section.matchAll(/<article class="limit[^"]*">\s*<h3>([\s\S]*?) <span class="verdict">[\s\S]*?<p class="statement">([\s\S]*?)<\/p>/g)].map(
      (m) => `${textOf(m[1]).trim()}: ${textOf(m[2]).trim()}`,
    );
    const cli = limitNumbers(stdout.join('\n'));
    expect(cli).toHaveLength(2);
    expect(limitNumbers(cards.join('\n'))).toEqual(cli);
    const headline = textOf(section);
    for (const l of summary.headline!.limits) {
      expect(headline).toContain(l.verdictText);
      expect(headline).toContain(l.how);
    }
    for (const d of summary.headline!.drivers) for (const f of d.top) expect(headline).toContain(f.factor);
    // The tail section quotes the same recommended estimate and interval.
    const tail = textOf(html.slice(html.indexOf('<section id="tail">'), html.indexOf('<section id="sensitivity">')));
    const quoted = [...tail.matchAll(/recommended P\(beyond limit\) ([\d.e-]+(?: %)?) \[([\d.e-]+(?: %)?), ([\d.e-]+(?: %)?)\]/g)].map((m) => [probability(m[1]), probability(m[2]), probability(m[3])]);
    expect(quoted).toEqual(cli.map((n) => [n.p, n.lower, n.upper]));
  });
});

describe('the report of a real study in headless Chromium', () => {
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    it(`reads on a ${device} (${viewport.width} px)`, async () => {
      if (launchError || !browser) throw launchError ?? new Error('no browser');
      const o = await open(browser, join(out, 'report.html'), viewport);
      await screenshots(o.page, 'study');
      const r = await layoutReport(o.page);
      expect(r.problems).toEqual([]);
      expect(r.smallestChartFont).toBeGreaterThanOrEqual(9);
      expect(r.statements[0].inFirstViewport).toBe(true);
      expect(r.statements.map((s) => s.text)).toEqual(summary.headline!.limits.map((l) => l.statement));
      expect(o.consoleErrors).toEqual([]);
      expect(o.requests).toEqual([]);
      // The dominant factor of maxTemperatureK is the module cooling: plotted as the coefficient in its unit.
      const title = await o.page.locator('#dominant figure .title').first().textContent();
      expect(title).toBe('maxTemperatureK against module-level heat transfer coefficient');
      const axis = await o.page.locator('#dominant figure').first().evaluate((f) => [...f.querySelectorAll('g.role-axis-title tspan, g.role-axis-title text')].map((t) => t.textContent));
      expect(axis).toContain('heat transfer coefficient [W/(m²·K)]');
      // Chen2020's 10 W/(m²·K), varied by ±20 % per module.
      const ticks = (await o.page.locator('#dominant figure').first().locator('g.role-axis').first().locator('g.role-axis-label text').allTextContents()).map(Number);
      expect(Math.min(...ticks)).toBeGreaterThanOrEqual(7.9);
      expect(Math.max(...ticks)).toBeLessThanOrEqual(12.1);
      // The cut-off voltage ends every pack: one value, not a histogram.
      const v = summary.outputs.find((x) => x.name === 'minCellVoltageV')!.statistics;
      expect(v.max - v.min).toBeLessThan(1e-9);
      expect(await o.page.locator('#distributions ul.constants').textContent()).toContain('minCellVoltageV = 2.5 V in all 120 packs');
      // Cells in the run: the 120 Monte Carlo packs and the sensitivity design rows, 8 cells each.
      expect(summary.counts.cells).toBe((120 + summary.counts.designRows!) * 8);
      expect(summary.counts.designRows).toBeGreaterThan(0);
      expect(await o.page.locator('#run').innerText()).toMatch(new RegExp(`4s2p in 2 modules: 8 cells per pack[\\s\\S]*cells in the run\\s+${summary.counts.cells.toLocaleString('en-US')}`));
      await o.page.close();
    });
  }
});
