/**
 * WGSL source assembly and the f32 upload layout of the WebGPU backend.
 *
 * The kernel is shaders/pack.wgsl; at load time it is prefixed with shaders/layout.generated.wgsl (the one layout of
 * parameters, state, outputs and segments, generated from the TypeScript), a prelude of study constants (pack shape,
 * eigenvalues, OCP series, thermal settings) and one of the two working-memory variants (private or storage).
 */
import { CellspreadInputError } from '../../errors.ts';
import { CELL_PARAMETER_COUNT, CELL_PARAMETER_INDEX, cellStateLength } from '../../model/layout.ts';
import { SEGMENT_FIELDS } from '../../pack/protocol.ts';
import { sphereEigenvalues, truncatedTail } from '../../model/spectral.ts';
import { SEGMENT_MODE } from '../../pack/protocol.ts';
import { cellCount, groupsPerModule } from '../../pack/topology.ts';
import type { SeriesFunction } from '../../params/types.ts';
import type { PackJob } from '../types.ts';

export type WorkVariant = 'private' | 'storage';

/** Derived per-cell rows uploaded after the CELL_PARAMETER_COUNT generated rows (order = D_* in shaders/pack.wgsl). */
export const DERIVED_ROWS = ['gNeg', 'gPos', 'rateNeg', 'ratePos', 'ambientRise', 'initialRise', 'socScale', 'hAOverC', 'invC', 'initialCompPos', 'initialCompPosLo'] as const;
export const PARAM_ROWS = CELL_PARAMETER_COUNT + DERIVED_ROWS.length;
/** Working slots per cell in the kernel: start state, trial state, then 12 scalars (W_* in shaders/pack.wgsl). */
export function workSlots(modes: number): number {
  return 2 * cellStateLength(modes) + 12;
}
/** Per-cell fields kept between dispatches by the private variant: start state, current, slope, Z tail. */
export function persistCellFields(modes: number): number {
  return cellStateLength(modes) + 3;
}
/** Per-pack fields kept between dispatches before the per-cell ones (F_CELLS in shaders/pack.wgsl). */
export const PERSIST_FIELDS = 16 + 5 + 8;
/** Outputs per pack in the GPU buffer: PACK_OUTPUT_COUNT then the committed step count. */
export const BIG = 1e30;

const SHADER_FILES = ['layout.generated.wgsl', 'pack.wgsl', 'work-private.wgsl', 'work-storage.wgsl'] as const;
type ShaderFiles = Record<(typeof SHADER_FILES)[number], string>;
let shaderFiles: Promise<ShaderFiles> | undefined;

/** Read the WGSL files next to the package (Node: the file system; browsers: fetch relative to this module). */
export function loadShaderFiles(): Promise<ShaderFiles> {
  shaderFiles ??= (async () => {
    const out = {} as ShaderFiles;
    const isNode = typeof process !== 'undefined' && !!process.versions?.node;
    for (const name of SHADER_FILES) {
      const url = new URL(`../../../shaders/${name}`, import.meta.url);
      if (isNode) {
        const { readFile } = await import('node:fs/promises');
        out[name] = await readFile(url, 'utf8');
      } else {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`webgpu: could not load shader ${url.href} (${res.status})`);
        out[name] = await res.text();
      }
    }
    return out;
  })();
  return shaderFiles;
}

/** A WGSL float literal with enough digits to round-trip through f32. */
export function lit(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`webgpu: non-finite constant ${x}`);
  return `(${x.toPrecision(10)})`;
}

function seriesWgsl(name: string, f: SeriesFunction): string {
  const lines = [`fn ${name}(s: f32) -> f32 {`, `  var u = ${lit(f.constant)} + ${lit(f.linear)} * s;`];
  for (const e of f.exp) lines.push(`  u += ${lit(e.amplitude)} * exp(${lit(e.rate)} * s);`);
  for (const t of f.tanh) lines.push(`  u += ${lit(t.amplitude)} * tanh_s(${lit(t.slope)} * (s - ${lit(t.center)}));`);
  lines.push('  return u;', '}');
  return lines.join('\n');
}

function isZeroSeries(f: SeriesFunction): boolean {
  return f.constant === 0 && f.linear === 0 && f.exp.length === 0 && f.tanh.length === 0;
}

export interface ShaderConfig {
  variant: WorkVariant;
  workgroupSize: number;
}

/** Study constants as WGSL, from a job. Two jobs with equal preludes share a pipeline. */
export function prelude(job: PackJob, config: ShaderConfig): string {
  const { layout, settings, set } = job;
  const n = cellCount(layout);
  const K = settings.modes;
  const mu = sphereEigenvalues(K);
  const eig = Array.from(mu, (m) => lit(m * m));
  const hasEntropic = !isZeroSeries(set.negative.entropicChange) || !isZeroSeries(set.positive.entropicChange);
  return [
    `// Study constants (src/backends/webgpu/shader.ts).`,
    `const N_CELLS: u32 = ${n}u;`,
    `const N_SERIES: u32 = ${layout.series}u;`,
    `const N_PARALLEL: u32 = ${layout.parallel}u;`,
    `const CELLS_PER_MODULE: u32 = ${groupsPerModule(layout) * layout.parallel}u;`,
    `const MODES: u32 = ${K}u;`,
    `const STATE_LEN: u32 = ${cellStateLength(K)}u;`,
    `const EIG = array<f32, ${K}>(${eig.join(', ')});`,
    `const TAIL_COEF: f32 = ${lit((2 / 3) * truncatedTail(mu))};`,
    `const DT: f32 = ${lit(settings.timeStep)};`,
    `const T_REF: f32 = ${lit(set.thermal.referenceTemperature)};`,
    `const LUMPED: bool = ${settings.thermal === 'lumped'};`,
    `const CONDUCTION: f32 = ${lit(settings.conduction)};`,
    `const STOP_AT_PACK: bool = ${settings.stopAt === 'pack'};`,
    `const HAS_ENTROPIC: bool = ${hasEntropic};`,
    `const WG_SIZE: u32 = ${config.workgroupSize}u;`,
    seriesWgsl('ocp_neg_series', set.negative.ocp),
    seriesWgsl('ocp_pos_series', set.positive.ocp),
    seriesWgsl('entropic_neg_series', set.negative.entropicChange),
    seriesWgsl('entropic_pos_series', set.positive.entropicChange),
    '',
  ].join('\n');
}

export async function shaderSource(job: PackJob, config: ShaderConfig): Promise<string> {
  const files = await loadShaderFiles();
  return [
    files['layout.generated.wgsl'],
    prelude(job, config),
    files['pack.wgsl'],
    config.variant === 'private' ? files['work-private.wgsl'] : files['work-storage.wgsl'],
  ].join('\n');
}

/** Check a job before it reaches the GPU; the errors name the field and the sample, as the reference's do. */
export function validateJob(job: PackJob): void {
  const { layout, settings } = job;
  for (const k of ['series', 'parallel', 'modules'] as const) {
    if (!Number.isInteger(layout[k]) || layout[k] < 1) throw new CellspreadInputError(`pack.${k}`, 'must be an integer >= 1', layout[k]);
  }
  if (layout.series % layout.modules !== 0) throw new CellspreadInputError('pack.modules', `must divide the series count ${layout.series}`, layout.modules);
  const n = cellCount(layout);
  if (!Number.isInteger(job.count) || job.count < 0) throw new CellspreadInputError('job.count', 'must be an integer >= 0', job.count);
  if (job.kernelParameters.length !== CELL_PARAMETER_COUNT * job.count * n) {
    throw new CellspreadInputError('job.kernelParameters', `must hold ${CELL_PARAMETER_COUNT} x ${job.count} x ${n} values`, job.kernelParameters.length);
  }
  if (job.interconnectResistance.length !== job.count * layout.series) {
    throw new CellspreadInputError('job.interconnectResistance', `must hold ${job.count} x ${layout.series} values`, job.interconnectResistance.length);
  }
  if (!(settings.timeStep > 0 && Number.isFinite(settings.timeStep))) throw new CellspreadInputError('simulation.timeStep', 'must be a number > 0', settings.timeStep);
  if (!(Number.isInteger(settings.modes) && settings.modes >= 1 && settings.modes <= 64)) throw new CellspreadInputError('simulation.modes', 'must be an integer in 1..64', settings.modes);
  if (settings.thermal !== 'lumped' && settings.thermal !== 'isothermal') throw new CellspreadInputError('simulation.thermal', 'must be lumped or isothermal', settings.thermal);
  if (!Array.isArray(job.segments) || job.segments.length === 0) throw new CellspreadInputError('protocol', 'must compile to at least one segment', job.segments?.length);
  job.segments.forEach((s, i) => {
    if (!Object.values(SEGMENT_MODE).includes(s.mode)) throw new CellspreadInputError(`segments[${i}].mode`, 'must be 0, 1 or 2', s.mode);
    if (!(s.duration > 0 && Number.isFinite(s.duration))) throw new CellspreadInputError(`segments[${i}].duration`, 'must be a finite number > 0', s.duration);
    if (!Number.isFinite(s.value)) throw new CellspreadInputError(`segments[${i}].value`, 'must be finite', s.value);
  });
  const G = settings.conduction;
  if (!(G >= 0 && Number.isFinite(G))) throw new CellspreadInputError('pack.conduction', 'must be a number >= 0', G);
  const p = job.kernelParameters;
  for (let i = 0; i < p.length; i++) {
    if (!Number.isFinite(p[i])) {
      const cell = i % n;
      const sample = Math.floor(i / n) % job.count;
      const row = Math.floor(i / (n * job.count));
      throw new CellspreadInputError(`sample ${job.firstSample + sample} cell ${cell} parameter #${row}`, 'must be finite', p[i]);
    }
  }
  for (let i = 0; i < job.interconnectResistance.length; i++) {
    if (!Number.isFinite(job.interconnectResistance[i])) throw new CellspreadInputError(`sample ${job.firstSample + Math.floor(i / layout.series)} interconnect`, 'must be finite', job.interconnectResistance[i]);
  }
  if (G > 0 && settings.thermal === 'lumped') {
    let cMin = Infinity;
    const hc = CELL_PARAMETER_INDEX.heatCapacity;
    for (let i = hc * job.count * n; i < (hc + 1) * job.count * n; i++) cMin = Math.min(cMin, p[i]);
    const limit = cMin / (2 * settings.timeStep);
    if (G >= limit) {
      throw new CellspreadInputError(
        'pack.conduction',
        `must be below C_th / (2 timeStep) = ${limit.toPrecision(3)} W/K for the explicit conduction exchange to be stable; lower it or the time step`,
        G,
      );
    }
  }
}

/** Segments as f32 rows (generated SEG_* layout) and their step counts and last-step lengths computed in f64. */
export function segmentBuffers(job: PackJob): { rows: Float32Array; aux: Float32Array } {
  const F = SEGMENT_FIELDS.length;
  const rows = new Float32Array(job.segments.length * F);
  const aux = new Float32Array(job.segments.length * 2);
  const dt = job.settings.timeStep;
  job.segments.forEach((s, i) => {
    SEGMENT_FIELDS.forEach((f, k) => {
      const v = s[f];
      rows[i * F + k] = Number.isFinite(v) ? v : v > 0 ? BIG : -BIG;
    });
    const steps = Math.ceil(s.duration / dt - 1e-9);
    if (steps > 2 ** 24) throw new CellspreadInputError(`segments[${i}].duration`, `must take at most 2^24 steps of ${dt} s`, s.duration);
    aux[2 * i] = steps;
    aux[2 * i + 1] = s.duration - (steps - 1) * dt;
  });
  return { rows, aux };
}

/** x as an f32 head and the f32 of what it leaves (x = head + tail to ~1e-15 relative). */
function headTail(x: number): [number, number] {
  const head = Math.fround(x);
  return [head, x - head];
}

/**
 * Per-cell parameters of packs [first, first + count) of a job as f32 rows [row][cell][pack] (the generated parameter
 * rows, then the derived rows computed in f64), and the per-pack interconnect totals.
 */
export function packInputs(job: PackJob, first: number, count: number): { params: Float32Array; interconnect: Float32Array } {
  const n = cellCount(job.layout);
  const P = job.count;
  const src = job.kernelParameters;
  const params = new Float32Array(PARAM_ROWS * n * count);
  for (let r = 0; r < CELL_PARAMETER_COUNT; r++) {
    for (let c = 0; c < n; c++) {
      const dst = (r * n + c) * count;
      for (let p = 0; p < count; p++) params[dst + p] = src[(r * P + first + p) * n + c];
    }
  }
  const I = CELL_PARAMETER_INDEX;
  const tRef = job.set.thermal.referenceTemperature;
  const get = (name: keyof typeof I, c: number, p: number) => src[(I[name] * P + first + p) * n + c];
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < count; p++) {
      const derived = [
        1 / (3600 * get('capacityNeg', c, p)),
        1 / (3600 * get('capacityPos', c, p)),
        1 / get('diffusionTimeNeg', c, p),
        1 / get('diffusionTimePos', c, p),
        get('ambientTemperature', c, p) - tRef,
        get('initialTemperature', c, p) - tRef,
        1 / (get('stoichNegFull', c, p) - get('stoichNegEmpty', c, p)),
        get('coolingConductance', c, p) / get('heatCapacity', c, p),
        1 / get('heatCapacity', c, p),
        ...headTail(1 - get('initialStoichPos', c, p)),
      ];
      for (let d = 0; d < derived.length; d++) params[((CELL_PARAMETER_COUNT + d) * n + c) * count + p] = derived[d];
    }
  }
  const s = job.layout.series;
  const interconnect = new Float32Array(count);
  for (let p = 0; p < count; p++) {
    let r = 0;
    for (let g = 0; g < s; g++) r += job.interconnectResistance[(first + p) * s + g];
    interconnect[p] = r;
  }
  return { params, interconnect };
}
