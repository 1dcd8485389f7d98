/**
 * A realistic synthetic results folder (src/results/format.ts) for the report tests: a 6s2p pack in 2 modules,
 * per-sample inputs in the sampler's naming and natural form (`contactResistance@cell:max` is the largest log-scale
 * weld factor, `capacity@cell:mean` a relative deviation, ...) with their descriptions, all PACK_OUTPUTS columns with
 * plausible dependence on the inputs (maxCellVoltageV constant up to rounding, as in real runs), real tail summaries
 * (src/tail), Sobol and Shapley entries, the worst pack, and the headline built as `cellspread run` builds it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { PACK_OUTPUTS } from '../../src/pack/outputs.ts';
import type { InputColumn, RunSummary, SampleTable, SensitivitySummary, WorstPackMap } from '../../src/results/format.ts';
import { buildHeadline, sensitivityStatements } from '../../src/study/headline.ts';
import { tailSummary } from '../../src/tail/index.ts';

export interface FixtureOptions {
  name?: string;
  samples?: number;
  /** Rename outputs (summary, table, tail and sensitivity entries alike). */
  renameOutputs?: Record<string, string>;
  /** Replace sensitivity factor names. */
  renameFactors?: Record<string, string>;
  tail?: boolean;
  sensitivity?: boolean;
  worstPack?: boolean;
  /** false: no stored headline (results written before it existed). */
  headline?: boolean;
  arrow?: boolean;
  csv?: boolean;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERIES = 6;
const PARALLEL = 2;
const MODULES = 2;
const CELLS = SERIES * PARALLEL;
/** Nominal values of the varied quantities (the level columns hold deviations or factors around them). */
const NOMINAL = { contactResistance: 0.5e-3, capacity: 5.0, 'coatingThickness.negative': 8.52e-5, initialSoc: 1 } as const;
const QUANTITY = {
  contactResistance: { scale: 'log', unit: 'Ohm', description: 'tab/weld contact resistance in series with the cell' },
  capacity: { scale: 'relative', unit: 'Ah', description: 'cell capacity through the electrode area' },
  'coatingThickness.negative': { scale: 'relative', unit: 'm', description: 'negative electrode coating thickness L' },
  initialSoc: { scale: 'additive', unit: '-', description: 'initial state of charge of the cell' },
} as const;

/** What the sampler's column `name` holds, as describeInputs (src/study/analysis.ts) says it. */
function describe(name: string): InputColumn {
  const m = /^(.+?)(?:@(pack|module|cell))?(?::(mean|min|max))?$/.exec(name)!;
  const quantity = m[1] as keyof typeof QUANTITY;
  return {
    name,
    quantity,
    ...(m[2] ? { level: m[2] as InputColumn['level'] } : {}),
    ...(m[3] ? { statistic: m[3] as InputColumn['statistic'] } : {}),
    ...QUANTITY[quantity],
    nominal: NOMINAL[quantity],
  };
}

export function makeResults(options: FixtureOptions = {}): { summary: RunSummary; table: SampleTable } {
  const n = options.samples ?? 2000;
  const rand = mulberry32(20240607);
  const normal = () => {
    const u = Math.max(1e-12, rand());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const rn = (o: string) => options.renameOutputs?.[o] ?? o;

  const inputs: Record<string, Float64Array> = {};
  const mk = (name: string) => (inputs[name] = new Float64Array(n));
  for (const q of ['contactResistance', 'capacity', 'coatingThickness.negative']) {
    for (const s of [':mean', ':min', ':max']) mk(`${q}@cell${s}`);
  }
  mk('coatingThickness.negative@module:mean');
  mk('coatingThickness.negative@module:min');
  mk('coatingThickness.negative@module:max');
  mk('initialSoc@pack');

  const outputs: Record<string, Float64Array> = {};
  for (const o of PACK_OUTPUTS) outputs[o.name] = new Float64Array(n);
  const perCell = { temp: [] as number[][], current: [] as number[][], soc: [] as number[][], rc: [] as number[][], cap: [] as number[][] };

  for (let i = 0; i < n; i++) {
    const rc: number[] = [];
    const cap: number[] = [];
    const thick: number[] = [];
    const moduleThick = [normal() * 0.01, normal() * 0.01];
    for (let c = 0; c < CELLS; c++) {
      // Contact resistance: log-normal with a rare bad weld (heavy upper tail).
      const bad = rand() < 0.01 ? 3 + 4 * rand() : 1;
      rc.push(0.5e-3 * Math.exp(0.25 * normal()) * bad);
      cap.push(5.0 * (1 + 0.01 * normal()));
      const g = Math.floor(c / PARALLEL);
      thick.push(1 + moduleThick[Math.floor(g / (SERIES / MODULES))] + 0.005 * normal());
    }
    const stat = (xs: number[]) => [xs.reduce((a, b) => a + b, 0) / xs.length, Math.min(...xs), Math.max(...xs)];
    const [rm, rmin, rmax] = stat(rc);
    const [cm, cmin, cmax] = stat(cap);
    const [tm, tmin, tmax] = stat(thick);
    // Natural form of the level draws: log scale a factor, relative scale a relative deviation, additive a deviation.
    inputs['contactResistance@cell:mean'][i] = rm / NOMINAL.contactResistance;
    inputs['contactResistance@cell:min'][i] = rmin / NOMINAL.contactResistance;
    inputs['contactResistance@cell:max'][i] = rmax / NOMINAL.contactResistance;
    inputs['capacity@cell:mean'][i] = cm / NOMINAL.capacity - 1;
    inputs['capacity@cell:min'][i] = cmin / NOMINAL.capacity - 1;
    inputs['capacity@cell:max'][i] = cmax / NOMINAL.capacity - 1;
    inputs['coatingThickness.negative@cell:mean'][i] = tm - 1;
    inputs['coatingThickness.negative@cell:min'][i] = tmin - 1;
    inputs['coatingThickness.negative@cell:max'][i] = tmax - 1;
    inputs['coatingThickness.negative@module:mean'][i] = (moduleThick[0] + moduleThick[1]) / 2;
    inputs['coatingThickness.negative@module:min'][i] = Math.min(...moduleThick);
    inputs['coatingThickness.negative@module:max'][i] = Math.max(...moduleThick);
    const soc0 = 1 - 0.01 * rand();
    inputs['initialSoc@pack'][i] = soc0 - NOMINAL.initialSoc;

    const temps = rc.map((r, c) => 298.15 + 9 + 6000 * r + 0.4 * (cap[c] - 5) * 10 + 0.2 * normal());
    const currents = cap.map((cp, c) => 5 * (cp / 5) * (1 - 0.15 * (rc[c] - rm) / rm));
    const socs = cap.map((cp) => 0.05 + 0.2 * (cp - cmin) + 0.002 * normal());
    const capAh = PARALLEL * cmin * soc0 * (1 - 0.05 * (rm - 0.5e-3) / 0.5e-3);
    const maxT = Math.max(...temps);
    outputs.capacityAh[i] = capAh;
    outputs.energyWh[i] = capAh * SERIES * 3.6;
    outputs.durationS[i] = 3600 * (capAh / (2 * 5));
    outputs.timeToFirstCutoffS[i] = outputs.durationS[i] - 5 * rand();
    outputs.cutoffCell[i] = Math.floor(rand() * CELLS);
    outputs.maxTemperatureK[i] = maxT;
    outputs.maxTemperatureSpreadK[i] = maxT - Math.min(...temps);
    outputs.maxCurrentImbalance[i] = Math.max(...currents) / (currents.reduce((a, b) => a + b, 0) / CELLS);
    outputs.minCellVoltageV[i] = 2.5 + 0.3 * rand() - 40 * (rmax - 0.5e-3);
    outputs.maxCellVoltageV[i] = rand() < 0.5 ? 4.2 : 4.2 + 8.9e-16; // the upper cut-off in every pack, up to rounding
    outputs.finalSocSpread[i] = Math.max(...socs) - Math.min(...socs);
    outputs.weldLossJ[i] = rc.reduce((a, r) => a + r, 0) * 25 * 3600;
    outputs.interconnectLossJ[i] = 12 + normal();
    outputs.heatJ[i] = 9000 + 2000 * rm / 0.5e-3 + 100 * normal();
    outputs.finalPackVoltageV[i] = SERIES * 2.55 + 0.05 * normal();
    outputs.stopReason[i] = rand() < 0.97 ? 1 : 0;
    // The heat terms add up to heatJ (no new draws: the other outputs keep their values); the electrolyte's share grows
    // with the temperature, so the hottest packs differ.
    const rest = outputs.heatJ[i] - outputs.weldLossJ[i];
    outputs.heatCollectorJ[i] = 0.002 * rest;
    outputs.heatReversibleJ[i] = 0.01 * rest;
    outputs.heatOhmicSolidJ[i] = 0.05 * rest;
    outputs.heatOhmicElectrolyteJ[i] = rest * Math.min(0.6, 0.35 + 0.02 * (maxT - 307));
    outputs.heatIrreversibleJ[i] = rest - outputs.heatCollectorJ[i] - outputs.heatReversibleJ[i] - outputs.heatOhmicSolidJ[i] - outputs.heatOhmicElectrolyteJ[i];
    outputs.minElectrolyteFraction[i] = 0.45 - 0.01 * (maxT - 307);
    perCell.temp.push(temps);
    perCell.current.push(currents);
    perCell.soc.push(socs);
    perCell.rc.push(rc);
    perCell.cap.push(cap);
  }

  const columns = ['sample', ...Object.keys(inputs), ...PACK_OUTPUTS.map((o) => rn(o.name))];
  const data = [Float64Array.from({ length: n }, (_, i) => i), ...Object.values(inputs), ...PACK_OUTPUTS.map((o) => outputs[o.name])];

  const statistics = (v: Float64Array) => {
    const s = [...v].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(n - 1, Math.floor(p * (n - 1)))];
    const mean = s.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    return { mean, sd, min: s[0], max: s[n - 1], p05: q(0.05), p50: q(0.5), p95: q(0.95) };
  };

  const tempLimit = 318.15;
  const tail =
    options.tail === false
      ? []
      : [
          tailSummary(outputs.maxTemperatureK, { output: rn('maxTemperatureK'), limit: tempLimit, tail: 'upper' }),
          tailSummary(outputs.minCellVoltageV, { output: rn('minCellVoltageV'), limit: 2.45, tail: 'lower' }),
        ];
  const rf = (f: string) => options.renameFactors?.[f] ?? f;
  const sobol: SensitivitySummary = {
    output: rn('maxTemperatureK'),
    method: 'sobol',
    factors: ['cell-level contactResistance', 'cell-level capacity', 'module-level coatingThickness.negative'].map(rf),
    first: [0.58, 0.21, 0.04],
    total: [0.71, 0.27, 0.06],
    firstCI: [
      [0.52, 0.64],
      [0.16, 0.26],
      [0.0, 0.09],
    ],
    totalCI: [
      [0.66, 0.77],
      [0.23, 0.31],
      [0.03, 0.09],
    ],
    evaluations: 10240,
    confidence: 0.95,
    statements: [],
  };
  sobol.statements = sensitivityStatements(sobol);
  const shapley: SensitivitySummary = {
    output: rn('finalSocSpread'),
    method: 'shapley',
    factors: ['cell-level capacity', 'cell-level contactResistance', 'pack-level initialSoc'].map(rf),
    effects: [0.82, 0.12, 0.06],
    effectsCI: [
      [0.76, 0.88],
      [0.08, 0.16],
      [0.02, 0.1],
    ],
    evaluations: 6000,
    confidence: 0.95,
    statements: [],
  };
  shapley.statements = sensitivityStatements(shapley);

  let worst = 0;
  for (let i = 1; i < n; i++) if (outputs.maxTemperatureK[i] > outputs.maxTemperatureK[worst]) worst = i;
  const worstPack: WorstPackMap = {
    criterion: `${rn('maxTemperatureK')}, highest`,
    sample: worst,
    series: SERIES,
    parallel: PARALLEL,
    modules: MODULES,
    cellMaxTemperatureK: perCell.temp[worst],
    cellFinalCurrentA: perCell.current[worst],
    cellFinalSoc: perCell.soc[worst],
    cellContactResistanceOhm: perCell.rc[worst],
    cellCapacityAh: perCell.cap[worst],
  };

  const spec = {
    name: options.name ?? 'weld-spread-6s2p',
    params: 'chen2020',
    pack: { series: SERIES, parallel: PARALLEL, modules: MODULES },
    simulation: { timeStep: 10, modes: 10, thermal: 'lumped', model: 'spme' },
    variation: { contactResistance: { cell: { distribution: 'lognormal', sigma: 0.25 } } },
    run: { samples: n, seed: 7, chunkSize: 500 },
    analysis: {
      tail: [
        { output: rn('maxTemperatureK'), limit: tempLimit, tail: 'upper', target: 0.05 },
        { output: rn('minCellVoltageV'), limit: 2.45, tail: 'lower', target: 1e-4 },
      ],
    },
  };
  const sensitivity = options.sensitivity === false ? [] : [sobol, shapley];
  const units = Object.fromEntries(PACK_OUTPUTS.map((o) => [rn(o.name), o.unit]));
  const cellSteps = n * CELLS * 360;
  const summary: RunSummary = {
    cellspread: { version: '0.1.0', resultsFormat: 1 },
    name: options.name ?? 'weld-spread-6s2p',
    createdAt: '2025-01-02T03:04:05.000Z',
    completed: true,
    spec,
    specHash: 'sha256:3f1c9a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a',
    rng: { name: 'philox4x32-10', keying: 'sample,cell,quantity', normal: 'inverse-cdf', version: 1, seed: 7 },
    backend: { name: 'reference', device: 'cpu (f64)', fallbacks: [{ name: 'webgpu', reason: 'no adapter' }] },
    range: { start: 0, end: n },
    counts: { samples: n, cells: n * CELLS, cellSteps, chunks: Math.ceil(n / 500) },
    timings: { sampleSeconds: 0.4, simulateSeconds: 12.5, analysisSeconds: 0.8, totalSeconds: 13.9 },
    outputs: PACK_OUTPUTS.map((o) => ({ name: rn(o.name), unit: o.unit, description: o.description, statistics: statistics(outputs[o.name]) })),
    inputs: Object.keys(inputs).map(describe),
    ...(options.headline === false ? {} : { headline: buildHeadline({ tail, sensitivity, units, limits: spec.analysis.tail }) }),
    tail,
    sensitivity,
    ...(options.worstPack === false ? {} : { worstPack }),
    nonFiniteSamples: [],
    files: { summary: 'summary.json', samplesCsv: 'samples.csv', samplesArrow: 'samples.arrow', report: 'report.html' },
  };
  return { summary, table: { columns, data } };
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Write summary.json, samples.arrow and samples.csv into a fresh temporary folder; returns its path. */
export function writeResultsFolder(options: FixtureOptions = {}, dir = mkdtempSync(join(tmpdir(), 'cellspread-report-'))): string {
  const { summary, table } = makeResults(options);
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  if (options.arrow !== false) {
    const cols: Record<string, Float64Array | Int32Array> = {};
    table.columns.forEach((c, i) => (cols[c] = c === 'sample' ? Int32Array.from(table.data[i]) : table.data[i]));
    writeFileSync(join(dir, 'samples.arrow'), tableToIPC(tableFromArrays(cols), 'file'));
  }
  if (options.csv !== false) {
    const n = table.data[0].length;
    const lines = [table.columns.map(csvField).join(',')];
    for (let r = 0; r < n; r++) lines.push(table.data.map((d) => String(d[r])).join(','));
    writeFileSync(join(dir, 'samples.csv'), `${lines.join('\n')}\n`);
  }
  return dir;
}
