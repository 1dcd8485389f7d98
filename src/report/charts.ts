/**
 * Vega-Lite chart specs for the report, rendered to static SVG on the server (Vega's headless 'none' renderer: no
 * canvas, no DOM, no network). User-supplied names only ever reach a chart as titles or label values (never as
 * field names or expressions); Vega escapes text when it writes SVG.
 */
import type { TopLevelSpec } from 'vega-lite';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eee' },
  title: { fontSize: 13, anchor: 'start', fontWeight: 'bold' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
} as const;

let chartCounter = 0;

/**
 * Vega and Vega-Lite, loaded on the first chart: they are most of the package's load time (about 0.5 s), which the
 * commands that draw no report (`cell`, `--help`, a shard's run) need not pay. Vega-Lite's compile-time warnings (e.g.
 * about faceted independent scales) are not the report reader's concern, hence the silent logger.
 */
let libraries: Promise<{ vega: typeof import('vega'); vegaLite: typeof import('vega-lite'); quiet: ReturnType<typeof import('vega').logger> }> | undefined;
function chartLibraries() {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite, quiet: vega.logger(vega.None) }));
  return libraries;
}

/**
 * Compile and render one Vega-Lite spec to an SVG string. Element ids (clip paths, gradients) are prefixed per chart
 * so that several inline SVGs in one page never resolve each other's references.
 */
export async function renderVegaLite(spec: Record<string, unknown>): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as unknown as TopLevelSpec;
  const { vega, vegaLite, quiet } = await chartLibraries();
  const vg = vegaLite.compile(full, { logger: quiet }).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none', logLevel: vega.None });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  const prefix = `c${++chartCounter}-`;
  return svg.replace(/<[^>]+>/g, (tag) =>
    tag
      .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}${id}"`)
      .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}${id})`)
      .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}${id}"`)
      // Geometry to 0.01 px: the same picture in a much smaller file.
      .replace(/\b(transform|d)="([^"]*)"/g, (_m, attr: string, v: string) => `${attr}="${v.replace(/(\.\d\d)\d+/g, '$1')}"`),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Histograms (binned here, so the chart's size does not grow with the sample count)

export interface HistogramBin {
  start: number;
  end: number;
  count: number;
}

/** A "nice" bin step for about `target` bins over [lo, hi]. */
function niceStep(lo: number, hi: number, target: number): number {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const m = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return m * mag;
}

/** How an output column is drawn: one value (no histogram), integer bars, or a histogram of a continuous value. */
export type ColumnKind = 'constant' | 'integer' | 'continuous';

/** Relative spread below which a column is one value with rounding noise (2.5 and 2.5000000000000004 are one value). */
const CONSTANT_SPREAD = 1e-9;

/**
 * Bins of a column, finite values only. Constant or near-constant columns (spread <= 1e-9 of their magnitude) give
 * one bin and kind 'constant'; integer-valued columns give integer-aligned bins (one per value up to 60 values) and
 * kind 'integer'; anything else equal-width bins on nice boundaries.
 */
export function histogramBins(values: ArrayLike<number>, target = 30): { bins: HistogramBin[]; finite: number; kind: ColumnKind } {
  let lo = Infinity;
  let hi = -Infinity;
  let finite = 0;
  let integers = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  if (finite === 0) return { bins: [], finite, kind: 'continuous' };
  if (!(hi - lo > CONSTANT_SPREAD * Math.max(Math.abs(lo), Math.abs(hi))) || !Number.isFinite(hi - lo)) {
    return { bins: [{ start: lo, end: hi, count: finite }], finite, kind: 'constant' };
  }
  if (integers) {
    // Integer codes and indices (cutoffCell, stopReason): bars centred on the integers, k values per bar.
    const k = Math.max(1, Math.ceil((hi - lo + 1) / 60));
    const nb = Math.floor((hi - lo) / k) + 1;
    const counts = new Array<number>(nb).fill(0);
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) counts[Math.floor((values[i] - lo) / k)]++;
    return { bins: counts.map((count, j) => ({ start: lo + j * k - 0.5, end: lo + (j + 1) * k - 0.5, count })), finite, kind: 'integer' };
  }
  let step = niceStep(lo, hi, target);
  let start = Math.floor(lo / step) * step;
  let nb = Math.floor((hi - start) / step) + 1;
  if (!Number.isFinite(nb) || nb > 4 * target || nb < 1) {
    step = (hi - lo) / target;
    start = lo;
    nb = target;
  }
  const counts = new Array<number>(nb).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(nb - 1, Math.max(0, Math.floor((v - start) / step)))]++;
  }
  return { bins: counts.map((count, k) => ({ start: start + k * step, end: start + (k + 1) * step, count })), finite, kind: 'continuous' };
}

/** Chart widths are drawn for a phone (about 340 px with axes) and scale up with the page's columns. */
export const CHART_WIDTH = 250;

export function histogramSpec(
  title: string,
  axisTitle: string,
  bins: HistogramBin[],
  marks: { value: number; label: string }[] = [],
  kind: ColumnKind = 'continuous',
  codeLabels?: Record<number, string>,
): Record<string, unknown> {
  if (codeLabels) {
    // Named codes (stopReason): one bar per code, labelled by its name.
    return {
      title,
      width: CHART_WIDTH,
      height: { step: 22 },
      data: { values: bins.filter((b) => b.count > 0).map((b) => ({ code: codeLabels[b.start + 0.5] ?? String(b.start + 0.5), count: b.count })) },
      mark: { type: 'bar', color: '#4c78a8', aria: false },
      encoding: {
        y: { field: 'code', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
        x: { field: 'count', type: 'quantitative', title: 'packs', axis: { format: 'd', tickMinStep: 1 } },
      },
    };
  }
  const integer = kind === 'integer';
  const bars = {
    data: { values: bins },
    mark: { type: 'bar', color: '#4c78a8', stroke: '#2f4b7c', strokeWidth: 0.3, aria: false },
    encoding: {
      x: {
        field: 'start',
        type: 'quantitative',
        bin: { binned: true },
        title: axisTitle,
        scale: integer ? { zero: false, nice: false } : undefined,
        axis: integer ? { format: 'd', tickMinStep: 1, tickCount: 6, labelOverlap: 'greedy', labelFlush: true } : { format: ',~r', tickCount: 5, labelOverlap: 'greedy', labelFlush: true },
      },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', title: 'packs', axis: { format: 'd', tickMinStep: 1 } },
    },
  };
  const layers: Record<string, unknown>[] = [bars];
  if (marks.length > 0) {
    layers.push({
      data: { values: marks },
      mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
      encoding: { x: { field: 'value', type: 'quantitative' } },
    });
  }
  return { title, width: CHART_WIDTH, height: 130, layer: layers };
}

// ---------------------------------------------------------------------------------------------------------------
// Exceedance curve (log probability) with the GPD fit and its band

export interface ExceedanceChartData {
  empirical: { value: number; probability: number; lower: number; upper: number }[];
  fit: { value: number; probability: number; lower: number; upper: number }[];
  /** The summary's extrapolated probability at the limit, with its interval. */
  atLimit: { value: number; probability: number; lower: number; upper: number } | null;
  limit: number;
  threshold: number | null;
}

export function exceedanceSpec(title: string, axisTitle: string, d: ExceedanceChartData, yLabel: string): Record<string, unknown> {
  const layers: Record<string, unknown>[] = [];
  const x = { field: 'value', type: 'quantitative', title: axisTitle, scale: { zero: false, nice: false }, axis: { format: ',~r' } };
  const yScale = { type: 'log' };
  // Ticks at powers of ten only (1, 0.1, 0.01, 1e-3, ...): a log axis with 2e-1 next to 1e-1 reads as noise.
  const all = [...d.empirical, ...d.fit, ...(d.atLimit ? [d.atLimit] : [])].flatMap((p) => [p.lower, p.upper, p.probability]).filter((p) => p > 0);
  const lowest = all.length ? Math.min(...all) : 1e-3;
  const decades: number[] = [];
  for (let e = 0; e >= Math.floor(Math.log10(lowest)) && e > -20; e--) decades.push(10 ** e);
  const yAxis = { values: decades, labelExpr: "datum.value >= 0.001 ? format(datum.value, '~g') : format(datum.value, '.0e')" };
  layers.push({
    data: { values: d.empirical },
    mark: { type: 'area', color: '#9ecae9', opacity: 0.45 },
    encoding: { x, y: { field: 'lower', type: 'quantitative', scale: yScale, title: yLabel, axis: yAxis }, y2: { field: 'upper' } },
  });
  if (d.fit.length > 0) {
    layers.push({
      data: { values: d.fit },
      mark: { type: 'area', color: '#fdae6b', opacity: 0.4 },
      encoding: { x, y: { field: 'lower', type: 'quantitative', scale: yScale }, y2: { field: 'upper' } },
    });
    layers.push({
      data: { values: d.fit.map((p) => ({ ...p, series: 'GPD fit' })) },
      mark: { type: 'line', color: '#e6550d', strokeWidth: 2 },
      encoding: { x, y: { field: 'probability', type: 'quantitative', scale: yScale } },
    });
  }
  if (d.atLimit) {
    layers.push({
      data: { values: [d.atLimit] },
      mark: { type: 'rule', color: '#a63603', strokeWidth: 2 },
      encoding: { x, y: { field: 'lower', type: 'quantitative', scale: yScale }, y2: { field: 'upper' } },
    });
    layers.push({
      data: { values: [d.atLimit] },
      mark: { type: 'point', shape: 'diamond', filled: true, size: 70, color: '#a63603' },
      encoding: { x, y: { field: 'probability', type: 'quantitative', scale: yScale } },
    });
  }
  layers.push({
    data: { values: d.empirical },
    mark: { type: 'line', color: '#1f77b4', interpolate: 'step-after', point: { size: 14, filled: true } },
    encoding: { x, y: { field: 'probability', type: 'quantitative', scale: yScale } },
  });
  const rules = [{ value: d.limit, what: 'limit' }];
  if (d.threshold !== null) rules.push({ value: d.threshold, what: 'GPD threshold' });
  layers.push({
    data: { values: rules },
    mark: { type: 'rule', strokeWidth: 1.3 },
    encoding: {
      x: { field: 'value', type: 'quantitative' },
      color: { field: 'what', type: 'nominal', title: null, scale: { domain: ['limit', 'GPD threshold'], range: ['#d62728', '#888'] }, legend: { orient: 'bottom' } },
      strokeDash: { field: 'what', type: 'nominal', scale: { domain: ['limit', 'GPD threshold'], range: [[1, 0], [4, 3]] }, legend: null },
    },
  });
  return { title, width: CHART_WIDTH, height: 200, layer: layers, resolve: { scale: { color: 'independent' } } };
}

// ---------------------------------------------------------------------------------------------------------------
// Scatter of the dominant factor against the output

export function scatterSpec(
  title: string,
  xTitle: string | string[],
  yTitle: string,
  points: { x: number; y: number; beyond: boolean }[],
  limit: number | null,
): Record<string, unknown> {
  // Packs beyond the limit are drawn last, larger and opaque: they are the few the plot is about.
  const ordered = [...points.filter((p) => !p.beyond), ...points.filter((p) => p.beyond)];
  const layers: Record<string, unknown>[] = [
    {
      data: { values: ordered },
      mark: { type: 'point', filled: true, aria: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false }, axis: { format: ',~r', tickCount: 5, labelOverlap: 'greedy' } },
        y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false }, axis: { format: ',~r' } },
        color: {
          field: 'beyond',
          type: 'nominal',
          title: null,
          scale: { domain: [false, true], range: ['#4c78a8', '#d62728'] },
          legend: limit === null ? null : { orient: 'bottom', labelExpr: "datum.value ? 'beyond the limit' : 'within the limit'" },
        },
        size: { field: 'beyond', type: 'nominal', scale: { domain: [false, true], range: [12, 40] }, legend: null },
        opacity: { field: 'beyond', type: 'nominal', scale: { domain: [false, true], range: [0.5, 1] }, legend: null },
      },
    },
  ];
  if (limit !== null) {
    layers.push({
      data: { values: [{ y: limit }] },
      mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
      encoding: { y: { field: 'y', type: 'quantitative' } },
    });
  }
  return { title, width: CHART_WIDTH, height: 220, layer: layers };
}

// ---------------------------------------------------------------------------------------------------------------
// Worst-pack cell map

export interface CellDatum {
  module: string;
  group: number;
  position: number;
  value: number;
  label: string;
}

export function cellMapSpec(
  title: string,
  legendTitle: string,
  cells: CellDatum[],
  options: { scheme: string; labels: boolean; domainMid?: number; moduleOrder: string[] },
): Record<string, unknown> {
  // Label colour: white on the dark ends of the scale (one-sided schemes: the top 40 %; diverging: far from the mid).
  const vals = cells.map((c) => c.value);
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  let dark: string;
  if (options.domainMid === undefined) dark = `datum.value > ${lo + 0.6 * (hi - lo)}`;
  else {
    const half = Math.max(hi - options.domainMid, options.domainMid - lo);
    dark = `abs(datum.value - ${options.domainMid}) > ${0.6 * half}`;
  }
  return cellMapLayers(title, legendTitle, cells, options, Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? dark : 'false');
}

function cellMapLayers(
  title: string,
  legendTitle: string,
  cells: CellDatum[],
  options: { scheme: string; labels: boolean; domainMid?: number; moduleOrder: string[] },
  darkTest: string,
): Record<string, unknown> {
  const color: Record<string, unknown> = {
    field: 'value',
    type: 'quantitative',
    title: legendTitle,
    scale: options.domainMid === undefined ? { scheme: options.scheme } : { scheme: options.scheme, domainMid: options.domainMid },
    legend: { orient: 'right', format: '.4~g', gradientLength: 100, titleLimit: 0 },
  };
  const layers: Record<string, unknown>[] = [
    {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'group', type: 'ordinal', title: 'series group', axis: { labelAngle: 0 } },
        y: { field: 'position', type: 'ordinal', title: 'parallel position' },
        color,
      },
    },
  ];
  if (options.labels) {
    layers.push({
      mark: { type: 'text', fontSize: 9 },
      encoding: {
        color: { condition: { test: darkTest, value: 'white' }, value: '#111' },
        x: { field: 'group', type: 'ordinal' },
        y: { field: 'position', type: 'ordinal' },
        text: { field: 'label', type: 'nominal' },
      },
    });
  }
  return {
    title,
    data: { values: cells },
    // Modules stacked (one row each): a module is a few series groups wide, so the map fits a phone's width.
    facet: { row: { field: 'module', type: 'nominal', sort: options.moduleOrder, title: null, header: { labelFontSize: 11, labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelPadding: 2 } } },
    spec: { width: { step: 34 }, height: { step: 24 }, layer: layers },
    resolve: { scale: { x: 'independent' } },
    spacing: 6,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Lifetime: quantile bands over cycles (fan chart)

export interface FanChartData {
  cycle: number[];
  /** Quantile bands as [lower, upper] series, outermost first; and the median. */
  bands: { label: string; lower: number[]; upper: number[] }[];
  median: number[];
  /** Horizontal reference lines (the end-of-life threshold). */
  rules?: { value: number; label: string }[];
}

/** Quantile bands over cycles (outer band light, inner darker) with the median line and optional horizontal rules. */
export function fanSpec(title: string, yTitle: string, d: FanChartData): Record<string, unknown> {
  const shades = ['#c6dbef', '#6baed6', '#3182bd'];
  const x = { field: 'cycle', type: 'quantitative', title: 'cycle', axis: { format: 'd', tickCount: 6, labelFlush: true }, scale: { nice: false } };
  const layers: Record<string, unknown>[] = d.bands.map((b, k) => ({
    data: { values: d.cycle.map((c, i) => ({ cycle: c, lower: b.lower[i], upper: b.upper[i], band: b.label })).filter((p) => Number.isFinite(p.lower) && Number.isFinite(p.upper)) },
    mark: { type: 'area', color: shades[Math.min(k, shades.length - 1)], opacity: 0.8 },
    encoding: { x, y: { field: 'lower', type: 'quantitative', title: yTitle, scale: { zero: false }, axis: { format: ',~r' } }, y2: { field: 'upper' } },
  }));
  layers.push({
    data: { values: d.cycle.map((c, i) => ({ cycle: c, value: d.median[i] })).filter((p) => Number.isFinite(p.value)) },
    mark: { type: 'line', color: '#08306b', strokeWidth: 1.6 },
    encoding: { x, y: { field: 'value', type: 'quantitative' } },
  });
  if (d.rules?.length) {
    layers.push({
      data: { values: d.rules },
      mark: { type: 'rule', color: '#d62728', strokeDash: [4, 3] },
      encoding: { y: { field: 'value', type: 'quantitative' } },
    });
  }
  return { title, width: CHART_WIDTH, height: 180, layer: layers };
}
