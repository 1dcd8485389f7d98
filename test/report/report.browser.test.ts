/**
 * The report of a synthetic results folder (fixture.ts) opened in headless Chromium: no console errors (a style the
 * CSP blocked would be one), no network requests, every section and chart present and drawn, the layout checks of
 * browser.ts at desktop and phone widths, a screenshot that is not blank, and user-supplied names rendered as text.
 * Screenshots: test-artifacts/report/fixture-<width>-{top,full}.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { writeReport } from '../../src/report/index.ts';
import { writeResultsFolder } from './fixture.ts';
import { launchChromium, layoutReport, open, pixelStats, screenshots, VIEWPORTS } from './browser.ts';

let browser: Browser | undefined;
let launchError: Error | undefined;

beforeAll(async () => {
  try {
    browser = await launchChromium();
  } catch (e) {
    launchError = e as Error;
  }
});

afterAll(async () => {
  await browser?.close();
});

/** Every test fails (never skips) when there is no browser. */
function requireBrowser(): Browser {
  if (launchError || !browser) throw launchError ?? new Error('no browser');
  return browser;
}

describe('report.html in headless Chromium', () => {
  it('renders every section and chart offline, without errors, answer first, and is not blank', async () => {
    const b = requireBrowser();
    const dir = writeResultsFolder();
    const path = await writeReport(dir);
    const o = await open(b, path);
    const { page } = o;
    expect(o.consoleErrors).toEqual([]);
    expect(o.pageErrors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(o.failed).toEqual([]);
    // The CSP admits the one style sheet: its rules apply (a blocked sheet would leave the section unstyled).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expect(await page.locator('section').first().evaluate((e) => (globalThis as any).getComputedStyle(e).borderTopStyle)).toBe('solid');

    const headings = await page.locator('section > h2').allTextContents();
    expect(headings).toEqual(['Headline', 'Tail risk: the evidence', 'Sensitivity', 'Dominant factors', 'Heat by source', 'Distributions of the outputs', 'Worst pack', 'Run']);

    // Headline: one card per limit, with its verdict against the fixture's targets, and the drivers of maxTemperatureK.
    const cards = page.locator('#headline article.limit');
    expect(await cards.count()).toBe(3); // two limits, plus the drivers of finalSocSpread (no limit)
    expect(await cards.nth(0).locator('h3').textContent()).toMatch(/^maxTemperatureK above 318\.15 K/);
    expect(await cards.nth(0).getAttribute('class')).toBe('limit misses');
    expect(await cards.nth(0).locator('ol.drivers li').allTextContents()).toEqual([
      'cell-level contactResistance 71 % (66–77 %)',
      'cell-level capacity 27 % (23–31 %)',
      'module-level coatingThickness.negative 6 % (3–9 %)',
    ]);
    expect(await cards.nth(1).locator('h3').textContent()).toMatch(/^minCellVoltageV below 2\.45 V/);

    // Heat by source: one bar per term and group (all packs, the hottest 5 %).
    expect(await page.locator('#heat figure svg g.mark-rect.role-mark path').count()).toBe(12);
    // Distributions: 21 histograms, each with bars drawn; maxCellVoltageV (one value up to rounding) is a line of text.
    const hist = page.locator('#distributions figure svg');
    expect(await hist.count()).toBe(21);
    const barsPerHistogram = await hist.evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.mark-rect.role-mark path').length));
    for (const bars of barsPerHistogram) expect(bars).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#distributions ul.constants li').allTextContents()).toEqual([expect.stringMatching(/^maxCellVoltageV = 4\.2 V in all 2,000 packs/)]);
    // cutoffCell: integer bars (12 cells, 0..11), integer tick labels only.
    const cutoff = page.locator('#distributions figure', { hasText: 'cutoffCell' }).locator('svg');
    expect(await cutoff.locator('g.mark-rect.role-mark path').count()).toBe(12);
    for (const t of await cutoff.locator('g.role-axis-label text').allTextContents()) expect(t).toMatch(/^-?\d+$/);

    // Two tail entries: empirical curve + GPD fit lines, bands and the limit rule.
    const tail = page.locator('#tail figure svg');
    expect(await tail.count()).toBe(2);
    const tailMarks = await tail.evaluateAll((svgs) =>
      svgs.map((s) => ({ lines: s.querySelectorAll('g.mark-line.role-mark path').length, areas: s.querySelectorAll('g.mark-area.role-mark path').length, rules: s.querySelectorAll('g.mark-rule.role-mark line').length })),
    );
    for (const m of tailMarks) {
      expect(m.lines).toBeGreaterThanOrEqual(2);
      expect(m.areas).toBeGreaterThanOrEqual(2);
      expect(m.rules).toBeGreaterThanOrEqual(2);
    }
    expect(await page.locator('#tail h3').allTextContents()).toEqual(['maxTemperatureK above 318.15 K', 'minCellVoltageV below 2.45 V']);

    // Sensitivity: ranked tables, full factor names, a bar per index with its interval line.
    const tables = page.locator('#sensitivity table.forest');
    expect(await tables.count()).toBe(2);
    expect(await tables.nth(0).locator('td.factor').allTextContents()).toEqual(['cell-level contactResistance', 'cell-level capacity', 'module-level coatingThickness.negative']);
    expect(await tables.nth(0).locator('svg.bar').count()).toBe(6);
    expect(await tables.nth(0).locator('svg.bar line.ci').count()).toBe(18);
    // module-level coatingThickness.negative: first-order interval [0, 0.09] covers 0.
    expect(await tables.nth(0).locator('tr').nth(3).locator('td.share').nth(1).textContent()).toContain('not distinguishable from 0');
    expect(await page.locator('#sensitivity').textContent()).toContain('share of variance');

    // Dominant factors: in the physical quantity and unit, through the column that tracks the output best.
    const plots = page.locator('#dominant figure');
    expect(await plots.locator('.title').allTextContents()).toEqual(['maxTemperatureK against cell-level contact resistance', 'finalSocSpread against cell-level capacity']);
    const xTitle = await plots.nth(0).evaluate((f) => [...f.querySelectorAll('g.role-axis-title tspan, g.role-axis-title text')].map((t) => t.textContent));
    expect(xTitle).toContain('contact resistance [mΩ]');
    expect(xTitle).toContain("highest of the pack's 12 cells");
    // The weld factor column (about 1, up to 7 for a bad weld) shown as resistance: 0.5 mΩ x factor.
    const xLabels = (await plots.nth(0).locator('svg g.role-axis').first().locator('g.role-axis-label text').allTextContents()).map(Number);
    expect(Math.min(...xLabels)).toBeGreaterThanOrEqual(0.3);
    expect(Math.max(...xLabels)).toBeLessThanOrEqual(4);
    expect(await page.locator('#dominant g.mark-symbol.role-mark path').count()).toBeGreaterThan(1000);
    expect(await plots.nth(0).locator('figcaption').textContent()).toMatch(/Pearson r = 0\.\d+\)\. Red: the \d+ packs beyond the limit 318\.15 K\./);

    // Worst pack: 6s2p in 2 modules -> 12 cells per map, two module panels per map.
    const maps = page.locator('#worst-pack figure svg');
    expect(await maps.count()).toBe(3);
    const cells = await maps.evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.mark-rect.role-mark path').length));
    expect(cells).toEqual([12, 12, 12]);
    const panelTitles = await maps.first().evaluate((s) => [...s.querySelectorAll('g.role-title-text text')].map((t) => t.textContent));
    expect(panelTitles).toEqual(['module 1', 'module 2']);

    // Metadata: cells per pack and cells in the run, apart; the spec block.
    const run = await page.locator('#run').innerText();
    expect(run).toContain('sha256:3f1c9a0b');
    expect(run).toContain('philox4x32-10');
    expect(run).toContain('reference on cpu (f64)');
    expect(run).toContain('6s2p in 2 modules: 12 cells per pack');
    expect(run).toMatch(/cells in the run\s+24,000/);
    expect(run).toMatch(/cell-steps\/s/);
    expect(await page.locator('#run details pre').textContent()).toContain('"chunkSize": 500');

    // Not blank: a full-page screenshot with lots drawn in lots of colours.
    const { full } = await screenshots(page, 'fixture');
    const stats = await pixelStats(b, full);
    expect(stats.height).toBeGreaterThan(3000);
    // Background and chart panels are near-white; axes, bars, bands, text and the header are not.
    expect(stats.nonWhite).toBeGreaterThan(0.06);
    expect(stats.nonWhite * stats.width * stats.height).toBeGreaterThan(400_000);
    expect(stats.colours).toBeGreaterThan(3000);
    // The same thresholds reject the page with its charts, tables and lists removed.
    await page.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { document } = globalThis as any;
      for (const e of document.querySelectorAll('figure, table, ul, ol, details, article')) e.remove();
    });
    const blank = await pixelStats(b, await page.screenshot({ fullPage: true }));
    expect(blank.nonWhite * blank.width * blank.height < 400_000 || blank.colours < 3000).toBe(true);
    await page.close();
  });

  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    it(`reads on a ${device} (${viewport.width} px): no page overflow, the answer in the first screen, every chart drawn, labels whole`, async () => {
      const b = requireBrowser();
      const path = await writeReport(writeResultsFolder({ samples: 1500 }));
      const o = await open(b, path, viewport);
      await screenshots(o.page, 'fixture');
      const r = await layoutReport(o.page);
      expect(r.problems).toEqual([]);
      expect(r.charts).toBe(21 + 2 + 2 + 1 + 3);
      expect(r.smallestChartFont).toBeGreaterThanOrEqual(9);
      expect(r.statements[0]).toEqual({ text: expect.stringMatching(/^\d[\d.]* % of packs \(about 1 in \d+\); 95 % interval [\d.]+ % to [\d.]+ %$/), inFirstViewport: true });
      if (viewport.width >= 1000) expect(r.statements.every((s) => s.inFirstViewport)).toBe(true);
      expect(o.consoleErrors).toEqual([]);
      await o.page.close();
    });
  }

  it('escapes user-supplied names: study, output and factor names show as text, inject nothing', async () => {
    const b = requireBrowser();
    const evilStudy = '<script>alert(1)</script>';
    const evilOutput = 'peak<b>T</b>';
    const evilFactor = 'cell-level <b>weld</b>';
    const dir = writeResultsFolder({
      name: evilStudy,
      samples: 600,
      renameOutputs: { maxTemperatureK: evilOutput },
      renameFactors: { 'cell-level capacity': evilFactor },
    });
    const path = await writeReport(dir);
    const o = await open(b, path);
    const { page } = o;
    expect(o.dialogs).toEqual([]);
    expect(o.pageErrors).toEqual([]);
    expect(o.consoleErrors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.title()).toBe(`cellspread report: ${evilStudy}`);
    expect(await page.locator('header h1').textContent()).toContain(evilStudy);
    // The output name appears literally in the headline, the statistics table, the tail heading and chart text.
    expect(await page.locator('#headline h3').first().textContent()).toContain(`${evilOutput} above`);
    expect(await page.locator('#distributions td', { hasText: evilOutput }).count()).toBe(1);
    expect(await page.locator('#tail h3').first().textContent()).toContain(`${evilOutput} above`);
    expect(await page.locator('#sensitivity td.factor', { hasText: evilFactor }).count()).toBe(2);
    const svgTexts = await page.locator('svg text').allTextContents();
    expect(svgTexts).toContain(`${evilOutput} [K]`);
    await page.close();
  });
});
