/**
 * The report opened in headless Chromium (Debian's /usr/bin/chromium through playwright-core): no console errors, no
 * network requests, every expected chart present and drawn, a screenshot that is not blank, and user-supplied names
 * (study, outputs, factors) rendered as text, never as markup. No Chromium is a failure, not a skip.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/index.ts';
import { writeResultsFolder } from './fixture.ts';
import { PACK_OUTPUTS } from '../../src/pack/outputs.ts';

const CHROMIUM = process.env.CELLSPREAD_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT = '/tmp/cellspread-report-screenshot.png';

let browser: Browser;
let launchError: Error | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(
      `Chromium not found at ${CHROMIUM}: the report tests need a real browser. Install Debian's chromium (apt-get install chromium; CI installs it) or set CELLSPREAD_CHROMIUM to its path.`,
    );
    return;
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

/** Every test fails (never skips) when there is no browser. */
function requireBrowser(): void {
  if (launchError) throw launchError;
}

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  failed: string[];
  dialogs: string[];
}

async function open(path: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const o: Opened = { page, consoleErrors: [], pageErrors: [], requests: [], failed: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') o.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => o.pageErrors.push(e.message));
  page.on('request', (r) => o.requests.push(r.url()));
  page.on('requestfailed', (r) => o.failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('dialog', async (d) => {
    o.dialogs.push(d.message());
    await d.dismiss();
  });
  const url = pathToFileURL(path).href;
  await page.goto(url, { waitUntil: 'load' });
  // The page itself is the only request: no scripts, fonts, images or styles fetched from anywhere.
  o.requests = o.requests.filter((r) => r !== url);
  return o;
}

/** Decode a PNG in a blank page (the browser's own decoder) and measure how much is drawn. */
async function pixelStats(png: Buffer): Promise<{ width: number; height: number; nonWhite: number; colours: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64: string) => {
      // Runs in the browser (the project's tsconfig has no DOM lib).
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { document, Image } = globalThis as any;
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      let nonWhite = 0;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i];
        const g = d[i + 1];
        const b = d[i + 2];
        if (r < 245 || g < 245 || b < 245) nonWhite++;
        colours.add((r << 16) | (g << 8) | b);
      }
      return { width: canvas.width, height: canvas.height, nonWhite: nonWhite / (d.length / 4), colours: colours.size };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

describe('report.html in headless Chromium', () => {
  it('renders every section and chart offline, without errors, and is not blank', async () => {
    requireBrowser();
    const dir = writeResultsFolder();
    const path = await writeReport(dir);
    const o = await open(path);
    const { page } = o;
    expect(o.consoleErrors).toEqual([]);
    expect(o.pageErrors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(o.failed).toEqual([]);

    const headings = await page.locator('section > h2').allTextContents();
    expect(headings).toEqual(['Run', 'Output statistics', 'Distributions', 'Tail risk', 'Sensitivity', 'Dominant factor', 'Worst pack']);
    expect(await page.locator('p.note').count()).toBe(0);

    // One histogram per output, each with bars drawn.
    const hist = page.locator('#histograms figure svg');
    expect(await hist.count()).toBe(PACK_OUTPUTS.length);
    const barsPerHistogram = await hist.evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.mark-rect.role-mark path').length));
    for (const bars of barsPerHistogram) expect(bars).toBeGreaterThanOrEqual(1);
    expect(barsPerHistogram.filter((b) => b >= 5).length).toBeGreaterThan(PACK_OUTPUTS.length / 2);

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
    expect(await page.locator('#tail h3').allTextContents()).toEqual([expect.stringContaining('maxTemperatureK above'), expect.stringContaining('minCellVoltageV below')]);

    // Sensitivity: a Sobol chart (S1 and ST bars for 3 factors, with interval rules) and a Shapley chart.
    const sens = page.locator('#sensitivity figure svg');
    expect(await sens.count()).toBe(2);
    const sensBars = await sens.evaluateAll((svgs) => svgs.map((s) => [s.querySelectorAll('g.mark-rect.role-mark path').length, s.querySelectorAll('g.mark-rule.role-mark line').length]));
    expect(sensBars).toEqual([
      [6, 6],
      [3, 3],
    ]);

    // Dominant factor: contact resistance (largest total index) through its :max column.
    const scatterTitles = await page.locator('#dominant svg').evaluateAll((svgs) => svgs.map((s) => s.querySelector('g.role-title text')?.textContent));
    expect(scatterTitles).toEqual(['maxTemperatureK against contactResistance@cell:max', 'finalSocSpread against capacity@cell:mean']);
    expect(await page.locator('#dominant g.mark-symbol.role-mark path').count()).toBeGreaterThan(1000);

    // Worst pack: 6s2p in 2 modules -> 12 cells per map, two module panels per map.
    const maps = page.locator('#worst-pack figure svg');
    expect(await maps.count()).toBe(3);
    const cells = await maps.evaluateAll((svgs) => svgs.map((s) => s.querySelectorAll('g.mark-rect.role-mark path').length));
    expect(cells).toEqual([12, 12, 12]);
    const panelTitles = await maps.first().evaluate((s) => [...s.querySelectorAll('g.role-column-header text')].map((t) => t.textContent));
    expect(panelTitles).toEqual(['module 1', 'module 2']);

    // Metadata and the spec block.
    const run = await page.locator('#run').innerText();
    expect(run).toContain('sha256:3f1c9a0b');
    expect(run).toContain('philox4x32-10');
    expect(run).toContain('reference on cpu (f64)');
    expect(run).toMatch(/cell-steps\/s/);
    expect(await page.locator('#run details pre').count()).toBe(1);
    expect(await page.locator('#run details pre').textContent()).toContain('"chunkSize": 500');

    // Not blank: a full-page screenshot with lots drawn in lots of colours.
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const stats = await pixelStats(png);
    expect(stats.height).toBeGreaterThan(3000);
    // Background and chart panels are near-white; axes, bars, bands, text and the header are not. (Measured:
    // ~800 000 drawn pixels in ~10 000 colours; the same page with its charts removed: ~190 000 in ~1000.)
    expect(stats.nonWhite).toBeGreaterThan(0.06);
    expect(stats.nonWhite * stats.width * stats.height).toBeGreaterThan(400_000);
    expect(stats.colours).toBeGreaterThan(3000);
    // The same thresholds reject the page with its header and empty sections only (charts removed).
    await page.evaluate(() => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { document } = globalThis as any;
      for (const e of document.querySelectorAll('figure, table, ul, details')) e.remove();
    });
    const blank = await pixelStats(await page.screenshot({ fullPage: true }));
    expect(blank.nonWhite * blank.width * blank.height < 400_000 || blank.colours < 3000).toBe(true);
    await page.close();
  });

  it('escapes user-supplied names: study, output and factor names show as text, inject nothing', async () => {
    requireBrowser();
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
    const o = await open(path);
    const { page } = o;
    expect(o.dialogs).toEqual([]);
    expect(o.pageErrors).toEqual([]);
    expect(o.consoleErrors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('b').count()).toBe(0);
    expect(await page.title()).toBe(`cellspread report: ${evilStudy}`);
    expect(await page.locator('header h1').textContent()).toContain(evilStudy);
    // The output name appears literally in the statistics table, the tail heading and the chart titles (SVG text).
    expect(await page.locator('#statistics td', { hasText: evilOutput }).count()).toBe(1);
    expect(await page.locator('#tail h3').first().textContent()).toContain(`${evilOutput} above`);
    const svgTexts = await page.locator('svg text').allTextContents();
    expect(svgTexts).toContain(evilOutput);
    expect(svgTexts).toContain(evilFactor);
    await page.close();
  });
});
