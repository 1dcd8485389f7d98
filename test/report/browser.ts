/**
 * Headless Chromium for the report tests (Debian's /usr/bin/chromium through playwright-core; no Chromium is a
 * failure, never a skip), and the layout checks a reader's eye would make, run in the page at a given width.
 * Screenshots go to test-artifacts/report/ (git-ignored) for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CELLSPREAD_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where the screenshots are kept (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/report/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the report tests need a real browser. Install Debian's chromium (apt-get install chromium; CI installs it) or set CELLSPREAD_CHROMIUM to its path.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export interface Opened {
  page: Page;
  consoleErrors: string[];
  pageErrors: string[];
  requests: string[];
  failed: string[];
  dialogs: string[];
}

/** The viewports the report must work at: a desktop and a phone (CSS pixels). */
export const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

export async function open(browser: Browser, path: string, viewport: { width: number; height: number } = VIEWPORTS.desktop): Promise<Opened> {
  const page = await browser.newPage({ viewport });
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

/** Save the first viewport and the full page as test-artifacts/report/<name>-<width>-{top,full}.png. */
export async function screenshots(page: Page, name: string): Promise<{ top: Buffer; full: Buffer; paths: string[] }> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const paths = [`${ARTIFACTS}${name}-${width}-top.png`, `${ARTIFACTS}${name}-${width}-full.png`];
  const top = await page.screenshot({ path: paths[0] });
  const full = await page.screenshot({ path: paths[1], fullPage: true });
  return { top, full, paths };
}

export interface LayoutReport {
  /** Everything a reader would trip over, one line each; [] is a pass. */
  problems: string[];
  charts: number;
  /** Smallest rendered font size of any chart text, in CSS pixels. */
  smallestChartFont: number;
  /** The headline statements and whether each lies wholly inside the first viewport. */
  statements: { text: string; inFirstViewport: boolean }[];
}

/**
 * The layout checks, in the page: no horizontal page overflow; every chart draws its data over a real part of its
 * plotting area (not a sliver, not nothing); no axis or legend label cut short ('…'), repeated within its axis, or
 * overlapping its neighbour; no factor name cut into a duplicate; chart text rendered at a readable size.
 */
export async function layoutReport(page: Page): Promise<LayoutReport> {
  return page.evaluate(() => {
    // Runs in the browser (the project's tsconfig has no DOM lib).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { document, window } = globalThis as any;
    type Box = { left: number; right: number; top: number; bottom: number; width: number; height: number };
    const problems: string[] = [];
    const rootWidth = document.documentElement.scrollWidth;
    if (rootWidth > window.innerWidth) problems.push(`page is ${rootWidth} px wide in a ${window.innerWidth} px viewport`);

    const svgs = [...document.querySelectorAll('figure svg.marks')];
    let smallestChartFont = Infinity;
    svgs.forEach((svg: any, k: number) => {
      const figure = svg.closest('figure');
      const name = `${svg.closest('section')?.id ?? '?'} chart ${k + 1} (${figure?.querySelector('.title')?.textContent ?? 'untitled'})`;
      // Data marks: bars, symbols, lines, areas (rules and text are decoration: a limit line is not data).
      const groups = [...svg.querySelectorAll('g.role-mark')].filter((g: any) => /mark-(rect|symbol|line|area)\b/.test(g.getAttribute('class')));
      let drawn = 0;
      let union: Box | null = null;
      let plot: Box | null = null;
      for (const g of groups) {
        const frame = g.parentElement?.closest('g.mark-group');
        const bg = frame?.querySelector(':scope > g > path.background') ?? frame?.querySelector('path.background');
        const fb: Box | undefined = bg?.getBoundingClientRect();
        if (fb && fb.width > 0 && fb.height > 0 && (!plot || fb.width * fb.height > plot.width * plot.height)) plot = fb;
        // A bar must have width and height (a zero-width bar is only its 1 px outline); a line needs length.
        const kind = /mark-(rect|symbol|line|area)/.exec(g.getAttribute('class'))![1];
        for (const el of g.children) {
          const b: Box = el.getBoundingClientRect();
          const visible = kind === 'rect' ? b.width > 1.5 && b.height > 0.5 : kind === 'line' ? b.width > 0.5 || b.height > 0.5 : b.width > 0.5 && b.height > 0.5;
          if (!visible) continue;
          drawn++;
          union = union
            ? { left: Math.min(union.left, b.left), right: Math.max(union.right, b.right), top: Math.min(union.top, b.top), bottom: Math.max(union.bottom, b.bottom), width: 0, height: 0 }
            : { ...b, left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: 0, height: 0 };
        }
      }
      if (drawn === 0 || !union) problems.push(`${name}: nothing drawn in the plotting area`);
      else if (plot) {
        const w = (union.right - union.left) / plot.width;
        const h = (union.bottom - union.top) / plot.height;
        if (w < 0.25 || h < 0.25) problems.push(`${name}: the data cover only ${(100 * w).toFixed(0)} % x ${(100 * h).toFixed(0)} % of the plotting area`);
      }
      for (const axis of svg.querySelectorAll('g.role-axis, g.role-legend')) {
        const labels = [...axis.querySelectorAll('g.role-axis-label text, g.role-legend-label text')].filter((t: any) => (t.getAttribute('opacity') ?? '1') !== '0');
        const texts = labels.map((t: any) => t.textContent);
        const repeated = texts.filter((t: string, i: number) => texts.indexOf(t) !== i);
        if (repeated.length) problems.push(`${name}: repeated labels ${JSON.stringify([...new Set(repeated)])}`);
        const boxes: Box[] = labels.map((t: any) => t.getBoundingClientRect());
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i];
            const b = boxes[j];
            const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (ox > 1 && oy > 1) problems.push(`${name}: labels "${texts[i]}" and "${texts[j]}" overlap`);
          }
        }
      }
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll('text')) {
        if (!t.textContent) continue;
        if (t.textContent.endsWith('…')) problems.push(`${name}: label cut short: "${t.textContent}"`);
        const size = parseFloat(t.getAttribute('font-size') ?? '11') * scale;
        smallestChartFont = Math.min(smallestChartFont, size);
      }
    });
    // Factor names in the HTML (sensitivity tables, driver lists): whole and distinct.
    for (const list of document.querySelectorAll('table.forest, ol.drivers')) {
      const names = [...list.querySelectorAll('td.factor, .factor')].map((e: any) => e.textContent);
      const repeated = names.filter((t: string, i: number) => names.indexOf(t) !== i);
      if (repeated.length) problems.push(`factor names repeated: ${JSON.stringify([...new Set(repeated)])}`);
      for (const n of names) if (n.endsWith('…')) problems.push(`factor name cut short: "${n}"`);
    }
    const statements = [...document.querySelectorAll('#headline .limit .statement')].map((e: any) => {
      const b = e.getBoundingClientRect();
      return { text: e.textContent, inFirstViewport: b.top >= 0 && b.bottom <= window.innerHeight && b.right <= window.innerWidth };
    });
    return { problems, charts: svgs.length, smallestChartFont, statements };
  });
}

/** Decode a PNG in a blank page (the browser's own decoder) and measure how much is drawn. */
export async function pixelStats(browser: Browser, png: Buffer): Promise<{ width: number; height: number; nonWhite: number; colours: number }> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64: string) => {
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
