/**
 * The browser page (web/, built into dist/web/ and served by `cellspread web`) in real headless Chromium: a small study
 * pasted into the page and run there gives exactly the numbers of the same study run in Node on the WASM backend
 * (bit-identical, module Web Workers against worker_threads), and, where Chromium exposes a WebGPU adapter
 * (SwiftShader with --enable-unsafe-webgpu), the page's WebGPU run agrees with Node's WebGPU run within the parity
 * tolerance. The downloads are the files the CLI would write. Screenshots after each run are kept in test-artifacts/.
 * No Chromium is a failure, not a skip.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBackend,
  cycleTableCsv,
  monteCarloResult,
  runStudy,
  parseStudySpec,
  sampleTableCsv,
  studyHash,
  studyLayout,
  studyResultTable,
  summarizeStudy,
  type RunSummary,
  type StudyResult,
} from '../../src/index.ts';
import { startWebServer, type WebServer } from '../../src/cli/web.ts';
import { compareOutputs } from '../parity/tolerance.ts';

const CHROMIUM = process.env.CELLSPREAD_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const ARTIFACTS = resolve(process.env.CELLSPREAD_ARTIFACTS ?? 'test-artifacts');
const requireWebgpu = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';

/** A 3s2p pack with weld defects and conduction, 11 samples in chunks of 4 (a short last chunk), tail and Sobol analyses. */
const STUDY = `name: browser-3s2p
params: chen2020
pack: { series: 3, parallel: 2, interconnectResistance: 1.0e-4, conduction: 0.1 }
protocol:
  - { type: discharge, cRate: 1.5 }
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.01 } }
  contactResistance:
    scale: log
    base: 2.0e-4
    cell: { distribution: defectMixture, probability: 0.05, base: { distribution: lognormal, sd: 0.1 }, factor: { distribution: pareto, alpha: 1.5, min: 2 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 305, tail: upper } ]
  sensitivity: { method: sobol, outputs: [maxTemperatureK], n: 16 }
run: { samples: 11, seed: 5, chunkSize: 4 }
`;
const spec = parseStudySpec(STUDY, { source: 'browser-3s2p.yaml' });

/**
 * A lifetime study (a repeat block): a 2s2p pack aged 10 cycles with SEI growth, cycle jumping and a random walk on
 * the growth rate; 5 packs in chunks of 2, of which some reach the end of life within the run and some are censored.
 */
const LIFETIME_STUDY = `name: browser-lifetime
params: okane2022
pack: { series: 2, parallel: 2 }
simulation: { sei: reaction limited, timeStep: 60 }
protocol:
  - repeat: 10
    steps: [ { type: discharge, cRate: 1 }, { type: rest, duration: 300 }, { type: cccv, cRate: 1, cutoffCRate: 0.1 } ]
    jumping: true
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.02 } }
  seiRateFactor: { cell: { distribution: lognormal, sd: 0.5 } }
ageing: { randomWalk: { sigma: 0.05 } }
analysis:
  lifetime: { endOfLife: 0.999, reference: second }
  tail: [ { output: cyclesToEol, limit: 6, tail: lower } ]
run: { samples: 5, seed: 7, chunkSize: 2 }
`;
const lifetimeSpec = parseStudySpec(LIFETIME_STUDY, { source: 'browser-lifetime.yaml' });

let browser: Browser | undefined;
let web: WebServer;
let launchError: Error | undefined;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  web = await startWebServer({ port: 0 });
  if (!existsSync(CHROMIUM)) {
    launchError = new Error(`Chromium not found at ${CHROMIUM}: the browser tests need a real browser (apt-get install chromium; .ci/run installs it) or CELLSPREAD_CHROMIUM set to one.`);
    return;
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await web?.close();
});

interface Opened {
  page: Page;
  problems: string[];
}

async function openPage(url = web.url): Promise<Opened> {
  if (launchError || !browser) throw launchError ?? new Error('no browser');
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForFunction("document.body.dataset.state === 'idle'");
  return { page, problems };
}

/** Paste the study, pick the backend, press Run and wait for the page to finish. */
async function runInPage(page: Page, backend: string, text = STUDY): Promise<string> {
  await page.fill('#spec', text);
  await page.selectOption('#backend', backend);
  await page.click('#run');
  await page.waitForFunction("['done', 'error', 'stopped'].includes(document.body.dataset.state)", undefined, { timeout: 110_000 });
  return page.evaluate<string>('document.body.dataset.state');
}

async function pageOutputs(page: Page): Promise<{ outputs: number[]; backend: StudyResult['backend'] }> {
  // The page's state for scripts (web/app.ts); strings because this project's tsconfig has no DOM types.
  return page.evaluate('({ outputs: Array.from(window.cellspreadPage.last.outputs), backend: window.cellspreadPage.last.backend })');
}

async function download(page: Page, id: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
  return readFileSync((await file.path())!, 'utf8');
}

async function nodeRun(backend: string, study = spec): Promise<StudyResult> {
  const { backend: instance } = await createBackend(backend);
  try {
    return await runStudy(study, { backendInstance: instance });
  } finally {
    await instance.dispose();
  }
}

describe('the browser page', () => {
  it('runs a pasted study on WASM Web Workers with exactly the numbers of the Node run, shows the report and offers the files the CLI writes', async () => {
    const [{ page, problems }, node] = await Promise.all([openPage(), nodeRun('wasm')]);
    try {
      expect(await page.textContent('#version')).toMatch(/^v\d+\.\d+\.\d+/);
      expect(await runInPage(page, 'wasm'), (await page.textContent('#error')) ?? '').toBe('done');

      const got = await pageOutputs(page);
      expect(got.backend.name).toBe('wasm');
      // Every sample of the run: the 11 Monte Carlo samples, then the Sobol design's rows.
      expect(node.counts.samples).toBe(studyLayout(spec).total);
      expect(node.counts.samples).toBeGreaterThan(11);
      expect(got.outputs.length).toBe(node.outputs.length);
      const differing = got.outputs.flatMap((v, i) => (Object.is(v, node.outputs[i]) ? [] : [`#${i}: page ${v}, node ${node.outputs[i]}`]));
      expect(differing, 'page and Node outputs must be bit-identical').toEqual([]);
      expect(await page.textContent('#backend-line')).toMatch(/^Backend: wasm \(CPU \(WebAssembly f64 SIMD, \d+ workers?\)\)/);
      expect(await page.evaluate('document.getElementById("progress").value')).toBe(1);

      // The report is in the page: the study's name, and charts drawn as SVG.
      const report = page.frameLocator('#report');
      await expect.poll(() => report.locator('h1').first().textContent()).toContain('browser-3s2p');
      expect(await report.locator('figure svg').count()).toBeGreaterThanOrEqual(3);
      expect(await report.locator('figure svg path').count()).toBeGreaterThan(10);
      await page.screenshot({ path: join(ARTIFACTS, 'browser-page-wasm.png'), fullPage: true });

      // Downloads: samples.csv byte for byte what Node writes; summary.json names the backend and the same spec hash.
      expect(await download(page, 'download-csv')).toBe(sampleTableCsv(studyResultTable(monteCarloResult(node))));
      const summary = JSON.parse(await download(page, 'download-summary'));
      expect(summary.backend.name).toBe('wasm');
      expect(summary.specHash).toBe(studyHash(spec));
      expect(summary.counts.samples).toBe(11);
      expect(summary.tail.length).toBe(1);
      expect(summary.sensitivity.length).toBe(1);
      expect(await download(page, 'download-report')).toContain('browser-3s2p');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('runs a lifetime study: the summary (lifetime block, EOL outputs, risk) of the Node API bit for bit, the fan charts and EOL distribution in the report, cycles.csv offered', async () => {
    const [{ page, problems }, node] = await Promise.all([openPage(), nodeRun('wasm', lifetimeSpec)]);
    try {
      expect(await runInPage(page, 'wasm', LIFETIME_STUDY), (await page.textContent('#error')) ?? '').toBe('done');
      const got = await page.evaluate<{ outputs: number[]; summary: RunSummary }>('({ outputs: Array.from(window.cellspreadPage.last.outputs), summary: window.cellspreadPage.last.summary })');
      expect(got.summary.backend.name).toBe('wasm');
      expect(got.outputs.every((v, i) => Object.is(v, node.outputs[i])), 'page and Node lifetime outputs must be bit-identical').toBe(true);

      // The summary is the one the Node API (and so `cellspread run`, test/cli/finish.test.ts) gives for the same
      // study and seed: toEqual compares numbers with Object.is, so these are the same doubles.
      const expected = summarizeStudy(node);
      const lifetime = got.summary.lifetime!;
      expect(lifetime).toEqual(expected.lifetime);
      expect(got.summary.outputs).toEqual(expected.outputs);
      expect(got.summary.tail).toEqual(expected.tail);
      expect(got.summary.headline).toEqual(expected.headline);
      expect(got.summary.validity).toEqual(expected.validity);
      // ... and it describes this study: 10 cycles, the fade relative to the second cycle, some packs censored.
      expect(lifetime.cycles).toBe(10);
      expect(lifetime.fan.cycle).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(lifetime.fan.p50[1]).toBe(1);
      expect(lifetime.fan.p50[9]).toBeLessThan(1);
      expect(lifetime.eol.packs).toBe(5);
      expect(lifetime.eol.reached).toBeGreaterThan(0);
      expect(lifetime.eol.censored).toBeGreaterThan(0);
      expect(got.summary.outputs.map((o) => o.name)).toContain('cyclesToEol');
      expect(got.summary.tail).toHaveLength(1);
      expect(got.summary.files.cycles).toBe('cycles.csv');
      expect(await page.textContent('#status')).toMatch(/end of life \(0\.999 of the initial capacity\): \d of 5 valid packs within 10 cycles/);

      // The report's lifetime section: the fade and LLI fan charts and the end-of-life histogram, drawn.
      const report = page.frameLocator('#report');
      await expect.poll(() => report.locator('h1').first().textContent()).toContain('browser-lifetime');
      const section = report.locator('section#lifetime');
      expect(await section.count()).toBe(1);
      const text = (await section.textContent()) ?? '';
      for (const title of ['Capacity fade', 'Loss of lithium inventory', 'Cycles to end of life']) expect(text).toContain(title);
      expect(await section.locator('figure svg').count()).toBe(3);
      expect(await section.locator('figure svg path').count()).toBeGreaterThan(5);
      await page.screenshot({ path: join(ARTIFACTS, 'browser-page-lifetime.png'), fullPage: true });
      await section.screenshot({ path: join(ARTIFACTS, 'browser-page-lifetime-report.png') });

      // The downloads: summary.json holds the same lifetime block; cycles.csv is the CLI's per-cycle table.
      expect(JSON.parse(await download(page, 'download-summary')).lifetime).toEqual(JSON.parse(JSON.stringify(expected.lifetime)));
      expect(await page.isVisible('#download-cycles')).toBe(true);
      const cycles = await download(page, 'download-cycles');
      expect(cycles).toBe(cycleTableCsv(monteCarloResult(node)));
      expect(cycles.trim().split('\n')).toHaveLength(1 + 5 * 10);
      expect(await download(page, 'download-report')).toContain('id="lifetime"');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a bad study as one message naming the line, the field and the rule, and runs nothing', async () => {
    const { page, problems } = await openPage();
    try {
      expect(await runInPage(page, 'wasm', STUDY.replace('series: 3', 'series: -3'))).toBe('error');
      expect(await page.textContent('#error')).toMatch(/study:3:\d+: pack\.series must be .*got -3/);
      expect(await page.isHidden('#downloads')).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('works from another machine over plain HTTP (no secure context: no crypto.subtle, no WebGPU): auto falls back to WASM, same numbers, report drawn', async () => {
    const lan = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    expect(lan, 'a non-loopback IPv4 address to serve the page on').toBeDefined();
    const remote = await startWebServer({ port: 0, host: lan });
    const [{ page, problems }, node] = await Promise.all([openPage(remote.url), nodeRun('wasm')]);
    try {
      expect(await page.evaluate('window.isSecureContext')).toBe(false);
      expect(await runInPage(page, 'auto'), (await page.textContent('#error')) ?? '').toBe('done');
      expect(await page.textContent('#backend-line')).toMatch(/^Backend: wasm .*webgpu skipped: WebGPU is not available in this browser \(navigator\.gpu is undefined\)/);
      const got = await pageOutputs(page);
      expect(got.outputs.every((v, i) => Object.is(v, node.outputs[i]))).toBe(true);
      await expect.poll(() => page.frameLocator('#report').locator('h1').first().textContent()).toContain('browser-3s2p');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await remote.close();
    }
  });

  it('runs the study on WebGPU (navigator.gpu) where Chromium has an adapter, within the parity tolerance of Node on WebGPU', async (context) => {
    const { page, problems } = await openPage();
    try {
      const adapter = await page.evaluate<string | null>(`(async () => {
        const a = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
        return a ? [a.info.vendor, a.info.architecture, a.info.device, a.info.description].filter(Boolean).join(' ') : null;
      })()`);
      context.annotate(`Chromium WebGPU adapter: ${adapter ?? 'none'}`);
      console.log(`browser page test: Chromium's WebGPU adapter is ${adapter ?? 'none (navigator.gpu gave no adapter)'}`);
      if (!adapter) return expect(requireWebgpu, 'CELLSPREAD_REQUIRE_WEBGPU=1 but Chromium exposes no WebGPU adapter').toBe(false);

      expect(await runInPage(page, 'webgpu'), (await page.textContent('#error')) ?? '').toBe('done');
      await expect.poll(() => page.frameLocator('#report').locator('h1').first().textContent()).toContain('browser-3s2p');
      await page.screenshot({ path: join(ARTIFACTS, 'browser-page-webgpu.png'), fullPage: true });
      const got = await pageOutputs(page);
      expect(got.backend.name).toBe('webgpu');
      expect(got.backend.device).toContain('WebGPU browser');
      expect(problems).toEqual([]);

      let node: StudyResult;
      try {
        node = await nodeRun('webgpu');
      } catch (err) {
        return expect(requireWebgpu, `Node's webgpu backend is unavailable: ${(err as Error).message}`).toBe(false);
      }
      context.annotate(`Node WebGPU adapter: ${node.backend.device}`);
      expect(compareOutputs(Float64Array.from(got.outputs), node.outputs, node.counts.samples)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
