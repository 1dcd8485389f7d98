/**
 * The report of a two-level study (examples/epistemic-diffusivity.yaml at reduced size, through `cellspread run`) in
 * headless Chromium at desktop and phone widths: the headline quotes the pooled probability with its epistemic band,
 * the section "What we do not know" is laid out without overflow, cut labels or unreadable chart text.
 * Screenshots: test-artifacts/report/epistemic-<width>-{top,full}.png.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRunCommand } from '../../src/cli/run.ts';
import type { RunSummary } from '../../src/results/format.ts';
import { captureIo } from '../support/cli.ts';
import { launchChromium, layoutReport, open, screenshots, VIEWPORTS } from './browser.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

let report: string;
let summary: RunSummary;
let browser: Browser | undefined;
let launchError: Error | undefined;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-report-epistemic-'));
  const text = readFileSync(join(ROOT, 'examples/epistemic-diffusivity.yaml'), 'utf8').replace(/outer: 60\b/, 'outer: 8').replace(/inner: 60\b/, 'inner: 6').replace(/n: 64 }/, 'n: 16 }');
  writeFileSync(join(dir, 'study.yaml'), text);
  const out = join(dir, 'results');
  const c = captureIo();
  const code = await runRunCommand([join(dir, 'study.yaml'), '--backend', 'reference', '--out', out], c.io, { progressStream: quiet });
  if (code !== 0) throw new Error(`cellspread run exited ${code}: ${c.text()}`);
  summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
  report = join(out, 'report.html');
  try {
    browser = await launchChromium();
  } catch (e) {
    launchError = e as Error;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('the report of a two-level study in headless Chromium', () => {
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    it(`reads on a ${device} (${viewport.width} px)`, async () => {
      if (launchError || !browser) throw launchError ?? new Error('no browser');
      const o = await open(browser, report, viewport);
      await screenshots(o.page, 'epistemic');
      const r = await layoutReport(o.page);
      expect(r.problems).toEqual([]);
      expect(r.smallestChartFont).toBeGreaterThanOrEqual(9);
      expect(o.consoleErrors).toEqual([]);
      expect(o.requests).toEqual([]);
      // The headline card: the pooled two-level probability and, under it, the band over what we do not know.
      const card = (await o.page.locator('#headline .limit').first().innerText()).replace(/\s+/g, ' ');
      expect(card).toContain(summary.headline!.limits[0].statement);
      expect(card).toMatch(/given what we do not know: median and 90 % band over 8 epistemic draws/);
      expect(summary.headline!.limits[0].method).toBe('two-level');
      // The section: statements, two charts per limit, the measure-first table.
      const section = o.page.locator('#epistemic');
      expect(await section.locator('h2').innerText()).toBe('What we do not know');
      expect(await section.locator('figure').count()).toBe(2 * summary.tail.length);
      expect(await section.innerText()).toContain('measure first');
      await o.page.close();
    });
  }
});
