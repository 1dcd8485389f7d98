/**
 * Vega-Lite chart specs for the report, rendered to static SVG on the server (Vega's headless 'none' renderer: no
 * canvas, no DOM, no network). User-supplied names only ever reach a chart as titles or label values (never as
 * field names or expressions); Vega escapes text when it writes SVG.
 */
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
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
/** Vega-Lite's compile-time warnings (e.g. about faceted independent scales) are not the report reader's concern. */
const QUIET = vega.logger(vega.None);

/**
 * Compile and render one Vega-Lite spec to an SVG string. Element ids (clip paths, gradients) are prefixed per chart
 * so that several inline SVGs in one page never resolve each other's references.
 */
export async function renderVegaLite(spec: Record<string, unknown>): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as unknown as TopLevelSpec;
  const vg = vegaLite.compile(full, { logger: QUIET }).spec;
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

/** Equal-width bins on nice boundaries; finite values only. A constant column gives one bin around the value. */
export function histogramBins(values: ArrayLike<number>, target = 30): { bins: HistogramBin[]; finite: number; discrete?: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  let finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (finite === 0) return { bins: [], finite };
  // Integer-valued codes and indices (cutoffCell, stopReason): one bar per value.
  let integers = hi - lo <= 60;
  for (let i = 0; integers && i < values.length; i++) if (Number.isFinite(values[i]) && !Number.isInteger(values[i])) integers = false;
  if (integers) {
    const counts = new Array<number>(hi - lo + 1).fill(0);
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) counts[values[i] - lo]++;
    return { bins: counts.map((count, k) => ({ start: lo + k, end: lo + k, count })), finite, discrete: true };
  }
  if (!(hi > lo) || !Number.isFinite(hi - lo)) {
    const half = lo === 0 ? 0.5 : Math.abs(lo) * 1e-3;
    return { bins: [{ start: lo - half, end: lo + half, count: finite }], finite };
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
  return { bins: counts.map((count, k) => ({ start: start + k * step, end: start + (k + 1) * step, count })), finite };
}

export function histogramSpec(
  title: string,
  axisTitle: string,
  bins: HistogramBin[],
  marks: { value: number; label: string }[] = [],
  discrete = false,
): Record<string, unknown> {
  if (discrete) {
    // One bar per integer value (codes, indices) on a band axis; a design limit would have no position on it.
    return {
      title,
      width: 300,
      height: 150,
      data: { values: bins },
      mark: { type: 'bar', color: '#4c78a8', aria: false },
      encoding: {
        x: { field: 'start', type: 'ordinal', title: axisTitle, axis: { labelAngle: 0 } },
        y: { field: 'count', type: 'quantitative', title: 'samples' },
      },
    };
  }
  const bars = {
    data: { values: bins },
    mark: { type: 'bar', color: '#4c78a8', stroke: '#2f4b7c', strokeWidth: 0.3, aria: false },
    encoding: {
      x: { field: 'start', type: 'quantitative', bin: { binned: true }, title: axisTitle, axis: { format: ',~r', labelOverlap: true } },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', title: 'samples' },
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
  return { title, width: 300, height: 150, layer: layers };
}

// ---------------------------------------------------------------------------------------------------------------
// Sensitivity bars with intervals

export interface IndexRow {
  factor: string;
  /** Order on the axis (largest first). */
  rank: number;
  index: string;
  value: number;
  lower: number | null;
  upper: number | null;
}

export function sensitivitySpec(title: string, rows: IndexRow[], indexNames: string[]): Record<string, unknown> {
  const factors = [...new Set([...rows].sort((a, b) => a.rank - b.rank).map((r) => r.factor))];
  const withCi = rows.filter((r) => r.lower !== null && r.upper !== null);
  const y = { field: 'factor', type: 'nominal', sort: factors, title: null, axis: { labelLimit: 260 } };
  const yOffset = { field: 'index', type: 'nominal', sort: indexNames };
  const color = {
    field: 'index',
    type: 'nominal',
    sort: indexNames,
    title: 'index',
    scale: { domain: indexNames, range: ['#4c78a8', '#f58518', '#54a24b'].slice(0, indexNames.length) },
  };
  const layers: Record<string, unknown>[] = [
    {
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: { y, yOffset, color, x: { field: 'value', type: 'quantitative', title: 'share of variance' } },
    },
  ];
  if (withCi.length > 0) {
    layers.push({
      data: { values: withCi },
      mark: { type: 'rule', color: 'black', strokeWidth: 1.2 },
      encoding: { y, yOffset, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } },
    });
  }
  return {
    title,
    width: 360,
    height: { step: indexNames.length > 1 ? 13 : 18 },
    layer: layers,
  };
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
  layers.push({
    data: { values: d.empirical },
    mark: { type: 'area', color: '#9ecae9', opacity: 0.45 },
    encoding: { x, y: { field: 'lower', type: 'quantitative', scale: yScale, title: yLabel, axis: { format: '.0e' } }, y2: { field: 'upper' } },
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
  return { title, width: 420, height: 240, layer: layers, resolve: { scale: { color: 'independent' } } };
}

// ---------------------------------------------------------------------------------------------------------------
// Scatter of the dominant factor against the output

export function scatterSpec(
  title: string,
  xTitle: string,
  yTitle: string,
  points: { x: number; y: number; beyond: boolean }[],
  limit: number | null,
): Record<string, unknown> {
  const layers: Record<string, unknown>[] = [
    {
      data: { values: points },
      mark: { type: 'point', filled: true, size: 10, opacity: 0.55, aria: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false }, axis: { format: ',~r' } },
        y: { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false }, axis: { format: ',~r' } },
        color: {
          field: 'beyond',
          type: 'nominal',
          title: null,
          scale: { domain: [false, true], range: ['#4c78a8', '#d62728'] },
          legend: limit === null ? null : { orient: 'bottom', labelExpr: "datum.value ? 'beyond the limit' : 'within the limit'" },
        },
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
  return { title, width: 420, height: 260, layer: layers };
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
    legend: { orient: 'right', format: '.4~g', gradientLength: 120 },
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
    facet: { column: { field: 'module', type: 'nominal', sort: options.moduleOrder, title: null, header: { labelFontSize: 11 } } },
    spec: { width: { step: 34 }, height: { step: 24 }, layer: layers },
    resolve: { scale: { x: 'independent' } },
    spacing: 14,
  };
}
