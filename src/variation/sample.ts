/**
 * Sampling packs: latent uniforms -> (Gaussian copula) -> level draws in scale space -> per-cell quantity values ->
 * CellOverrides -> kernel parameters, in struct-of-arrays typed arrays ready for GPU upload.
 *
 * Reproducibility: the uniforms of sample i for (quantity, level) come from Rng(seed, i, key(quantity, level)), so
 * sample i is the same whatever the chunk size, worker count, backend or shard, and adding or removing one varied
 * quantity leaves the draws of the others unchanged (common random numbers between study variants).
 */
import { CellspreadInputError } from '../errors.ts';
import { deriveModelParameters } from '../model/electrolyte.ts';
import { cellParameters } from '../model/layout.ts';
import { DEFAULT_ELECTROLYTE_MESH } from '../model/physics.ts';
import { normalCdf, normalQuantile, Rng } from '../random/rng.ts';
import { SobolSequence } from '../random/sobol.ts';
import type { ParameterSet } from '../params/types.ts';
import type { StudySpec } from '../spec/schema.ts';
import { compileStudy, initialTemperatureOf, type CompiledStudy } from './design.ts';
import { LEVELS, type Level } from './quantities.ts';
import { exp } from '../math/elementary.ts';

/** Stream salt so variation draws never coincide with other users of Rng(seed, sample, ...). */
export const VARIATION_STREAM = 0x7a41;
/** Stream salt of the epistemic draws: Rng(seed, EPISTEMIC_STREAM, outer sample, key(quantity)). */
export const EPISTEMIC_STREAM = 0x7a42;

export interface SampleChunk {
  start: number;
  count: number;
  cellsPerPack: number;
  groupsPerPack: number;
  /**
   * The study model's kernel parameters (src/model/layout.ts cellParameters) x count x cellsPerPack; index
   * ((param * count) + sample) * cellsPerPack + cell.
   */
  kernelParameters: Float64Array;
  /** Interconnect resistance per series connection [Ohm]: count x groupsPerPack, index sample * groupsPerPack + group. */
  interconnectResistance: Float64Array;
  /** Per-sample scalars for reports/CSV/scatter plots: count x names.length, row-major. */
  inputs: { names: string[]; values: Float64Array };
  /**
   * Per-cell physical value of each varied quantity (after all levels): quantities x count x cellsPerPack, index
   * ((q * count) + sample) * cellsPerPack + cell, in `units[q]`.
   */
  cellQuantities: { names: string[]; units: string[]; values: Float64Array };
  /** Initial SOC of each cell (count x cellsPerPack). */
  initialSoc: Float64Array;
}

/**
 * Latent uniforms of samples start .. start+count-1 (count x latentDimension, row-major) from the study's streams.
 * In a two-level (epistemic) study, sample e * inner + i draws from the streams of inner sample i: every outer sample
 * sees the same aleatory packs (common random numbers), so outer samples differ only in what we do not know.
 */
export function latentChunk(spec: StudySpec, start: number, count: number): Float64Array {
  const c = compileStudy(spec);
  checkRange(start, count);
  const D = c.design.latentDimension;
  const out = new Float64Array(count * D);
  const seed = spec.run.seed;
  const inner = spec.epistemic?.inner;
  for (let s = 0; s < count; s++) {
    const stream = inner ? (start + s) % inner : start + s;
    for (const q of c.quantities) {
      for (const level of LEVELS) {
        const cl = q.levels[level];
        if (!cl || cl.factor.latentCount === 0) continue;
        const rng = new Rng(seed, VARIATION_STREAM, stream, cl.streamKey);
        const base = s * D + cl.factor.latentOffset;
        for (let e = 0; e < cl.factor.latentCount; e++) out[base + e] = rng.uniform();
      }
    }
  }
  return out;
}

/**
 * Latent uniforms from a scrambled Sobol' sequence over the study's latent dimension (quasi-Monte Carlo). Points
 * start .. start+count-1; coordinates beyond the Sobol' table are padded with Monte Carlo (see random/sobol.ts).
 */
export function sobolLatent(spec: StudySpec, start: number, count: number, options: { seed?: number; scramble?: boolean } = {}): Float64Array {
  const D = compileStudy(spec).design.latentDimension;
  if (D === 0) return new Float64Array(0);
  return new SobolSequence(D, { seed: options.seed ?? spec.run.seed, scramble: options.scramble ?? true }).fill(start, count);
}

function checkRange(start: number, count: number): void {
  if (!Number.isSafeInteger(start) || start < 0) throw new CellspreadInputError('start', 'must be a non-negative integer', start);
  if (!Number.isSafeInteger(count) || count < 0) throw new CellspreadInputError('count', 'must be a non-negative integer', count);
}

/**
 * Epistemic uniforms of samples start .. start+count-1 (count x epistemic quantities, row-major): sample s belongs
 * to outer sample floor(s / inner), whose draw of quantity q comes from Rng(seed, EPISTEMIC_STREAM, outer, key(q)).
 * Empty for a study without an epistemic block.
 */
export function epistemicChunk(spec: StudySpec, start: number, count: number): Float64Array {
  const c = compileStudy(spec);
  checkRange(start, count);
  const Q = c.epistemic.length;
  const out = new Float64Array(count * Q);
  if (Q === 0) return out;
  const inner = spec.epistemic!.inner;
  for (let s = 0; s < count; s++) {
    const outer = Math.floor((start + s) / inner);
    c.epistemic.forEach((e, k) => (out[s * Q + k] = new Rng(spec.run.seed, EPISTEMIC_STREAM, outer, e.streamKey).uniform()));
  }
  return out;
}

/** Samples start .. start+count-1 of the study (Monte Carlo with counter-keyed streams; two-level when epistemic). */
export function sampleChunk(spec: StudySpec, start: number, count: number): SampleChunk {
  return sampleChunkFromLatent(spec, latentChunk(spec, start, count), count, start, epistemicChunk(spec, start, count));
}

/** Every chunk of the study's run (run.samples in run.chunkSize pieces). */
export function* iterateChunks(spec: StudySpec, chunkSize = spec.run.chunkSize): Generator<SampleChunk> {
  for (let start = 0; start < spec.run.samples; start += chunkSize) {
    yield sampleChunk(spec, start, Math.min(chunkSize, spec.run.samples - start));
  }
}

/** Names of the per-sample inputs, in order (see SampleChunk.inputs). */
export function inputNames(spec: StudySpec): string[] {
  const c = compileStudy(spec);
  const names: string[] = [];
  for (const q of c.quantities) {
    for (const level of LEVELS) {
      if (!q.levels[level]) continue;
      if (level === 'pack') names.push(`${q.key}@pack`);
      else names.push(`${q.key}@${level}:mean`, `${q.key}@${level}:min`, `${q.key}@${level}:max`);
    }
    if (c.epistemic.some((e) => e.key === q.key)) names.push(`${q.key}@epistemic`);
    names.push(`${q.key}:mean`, `${q.key}:min`, `${q.key}:max`);
  }
  return names;
}

/** Level draw in natural form: additive deviation, relative deviation, or multiplicative factor (log scale). */
function natural(scale: string, y: number): number {
  return scale === 'log' ? exp(y) : y;
}

/**
 * Samples from given latent uniforms (rows x latentDimension, row-major, each in (0, 1)): Sobol', Shapley,
 * importance or subset-simulation designs drive the sampler through this. Row r is labelled sample
 * firstSampleIndex + r. Fed the rows of latentChunk(spec, s, n) and epistemicChunk(spec, s, n) it reproduces
 * sampleChunk(spec, s, n) exactly. `epistemic` (rows x epistemic quantities, uniforms in (0, 1)) sets the epistemic
 * draws; without it a study's epistemic quantities sit at their median (u = 0.5).
 */
export function sampleChunkFromLatent(spec: StudySpec, latent: Float64Array, rows: number, firstSampleIndex = 0, epistemic?: Float64Array): SampleChunk {
  const c = compileStudy(spec);
  checkRange(firstSampleIndex, rows);
  const D = c.design.latentDimension;
  if (latent.length !== rows * D) {
    throw new CellspreadInputError('latent', `must hold rows x latentDimension = ${rows} x ${D} = ${rows * D} uniforms`, latent.length);
  }
  for (let i = 0; i < latent.length; i++) {
    if (!(latent[i] > 0 && latent[i] < 1)) throw new CellspreadInputError(`latent[${i}]`, 'must be a uniform in (0, 1)', latent[i]);
  }
  const Q = c.epistemic.length;
  if (epistemic !== undefined) {
    if (epistemic.length !== rows * Q) {
      throw new CellspreadInputError('epistemic', `must hold rows x epistemic quantities = ${rows} x ${Q} = ${rows * Q} uniforms`, epistemic.length);
    }
    for (let i = 0; i < epistemic.length; i++) {
      if (!(epistemic[i] > 0 && epistemic[i] < 1)) throw new CellspreadInputError(`epistemic[${i}]`, 'must be a uniform in (0, 1)', epistemic[i]);
    }
  }
  // Scale-space epistemic draw per quantity for the current row (0 where the quantity has none).
  const epiDraw = new Float64Array(c.quantities.length);
  const { cellsPerPack, groupsPerPack } = c.design;
  const count = rows;
  const set = c.set;
  const nq = c.quantities.length;
  const names = inputNames(spec);
  const model = spec.simulation.model;
  const mesh = spec.simulation.electrolyteMesh ?? DEFAULT_ELECTROLYTE_MESH;
  const kernelNames = cellParameters(model).map((p) => p.name);
  const P = kernelNames.length;
  const chunk: SampleChunk = {
    start: firstSampleIndex,
    count,
    cellsPerPack,
    groupsPerPack,
    kernelParameters: new Float64Array(P * count * cellsPerPack),
    interconnectResistance: new Float64Array(count * groupsPerPack).fill(spec.pack.interconnectResistance),
    inputs: { names, values: new Float64Array(count * names.length) },
    cellQuantities: { names: c.quantities.map((q) => q.key), units: c.quantities.map((q) => q.info.unit), values: new Float64Array(nq * count * cellsPerPack) },
    initialSoc: new Float64Array(count * cellsPerPack),
  };
  // Scratch: scale-space draws per quantity and level (entities each), and the copula's normals.
  const draws = c.quantities.map((q) => ({
    pack: q.levels.pack ? new Float64Array(1) : null,
    module: q.levels.module ? new Float64Array(c.design.entities.module) : null,
    cell: q.levels.cell ? new Float64Array(cellsPerPack) : null,
  }));
  const values = c.quantities.map(() => new Float64Array(cellsPerPack));
  const corrScratch = c.correlations.map((k) => ({ z: new Float64Array(k.quantities.length), w: new Float64Array(k.quantities.length) }));
  const constant = constantOverrides(spec, c);
  const inputRow = new Float64Array(names.length);
  const appliers = c.quantities.map((q) => makeApplier(q.info.name, c, values));

  for (let s = 0; s < count; s++) {
    const row = s * D;
    // 0. Epistemic draws: one per outer sample, shared by every cell.
    c.epistemic.forEach((e, k) => (epiDraw[e.quantity] = e.dist.quantile(epistemic ? epistemic[s * Q + k] : 0.5)));
    // 1. Independent levels: quantile of the sample's own uniform.
    c.quantities.forEach((q, qi) => {
      for (const level of LEVELS) {
        const cl = q.levels[level];
        const out = draws[qi][level];
        if (!cl || !out) continue;
        if (cl.factor.latentCount === 0) out.fill(cl.dist.quantile(0.5));
        else if (cl.corrIndex < 0) for (let e = 0; e < out.length; e++) out[e] = cl.dist.quantile(latent[row + cl.factor.latentOffset + e]);
      }
    });
    // 2. Correlated levels: Gaussian copula, z' = L z per entity.
    c.correlations.forEach((k, ki) => {
      const n = k.quantities.length;
      const { z, w } = corrScratch[ki];
      const members = k.quantities.map((key) => {
        const qi = c.quantities.findIndex((q) => q.key === key);
        return { cl: c.quantities[qi].levels[k.level]!, out: draws[qi][k.level]! };
      });
      const entities = c.design.entities[k.level];
      for (let e = 0; e < entities; e++) {
        for (let i = 0; i < n; i++) z[i] = normalQuantile(latent[row + members[i].cl.factor.latentOffset + e]);
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += k.L[i * n + j] * z[j];
          w[i] = acc;
        }
        for (let i = 0; i < n; i++) members[i].out[e] = members[i].cl.dist.quantile(normalToUniform(w[i]));
      }
    });
    // 3. Per-cell values on the natural scale, and the per-sample input summaries.
    let col = 0;
    c.quantities.forEach((q, qi) => {
      const d = draws[qi];
      const v = values[qi];
      for (let cell = 0; cell < cellsPerPack; cell++) {
        const t = epiDraw[qi] + (d.pack ? d.pack[0] : 0) + (d.module ? d.module[c.moduleOfCell[cell]] : 0) + (d.cell ? d.cell[cell] : 0);
        v[cell] = q.scale === 'additive' ? q.nominal + t : q.scale === 'relative' ? q.nominal * (1 + t) : q.nominal * exp(t);
      }
      for (const level of LEVELS) {
        const arr = d[level];
        if (!arr) continue;
        if (level === 'pack') inputRow[col++] = natural(q.scale, arr[0]);
        else col = summarize(arr, (y) => natural(q.scale, y), inputRow, col);
      }
      if (c.epistemic.some((e) => e.quantity === qi)) inputRow[col++] = natural(q.scale, epiDraw[qi]);
      col = summarize(v, (x) => x, inputRow, col);
      chunk.cellQuantities.values.set(v, (qi * count + s) * cellsPerPack);
    });
    chunk.inputs.values.set(inputRow, s * names.length);
    // 4. Map to overrides and derive the kernel parameters of every cell.
    for (let cell = 0; cell < cellsPerPack; cell++) {
      const o: Record<string, number> = { ...constant.overrides };
      let soc = spec.initial.soc;
      for (let qi = 0; qi < nq; qi++) {
        const r = appliers[qi](values[qi][cell], o, cell);
        if (r !== undefined) soc = r;
      }
      chunk.initialSoc[s * cellsPerPack + cell] = soc;
      let kp;
      try {
        kp = deriveModelParameters(set, soc, model, o, mesh) as unknown as Record<string, number>;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new CellspreadInputError(
          `sample ${firstSampleIndex + s} cell ${cell}`,
          'must give physical cell parameters',
          o,
          `${msg}; narrow the variation or use truncatedNormal`,
        );
      }
      for (let p = 0; p < P; p++) {
        chunk.kernelParameters[(p * count + s) * cellsPerPack + cell] = kp[kernelNames[p]];
      }
    }
  }
  return chunk;
}

function summarize(arr: Float64Array, f: (x: number) => number, out: Float64Array, col: number): number {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < arr.length; i++) {
    const x = f(arr[i]);
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  out[col] = sum / arr.length;
  out[col + 1] = min;
  out[col + 2] = max;
  return col + 3;
}

/** u = Phi(w) computed on the smaller tail, kept inside the open interval (0, 1). */
function normalToUniform(w: number): number {
  const u = w > 0 ? 1 - normalCdf(-w) : normalCdf(w);
  return Math.min(1 - 2 ** -53, Math.max(Number.MIN_VALUE, u));
}

/** Overrides that are the same for every cell (study-level temperatures). */
function constantOverrides(spec: StudySpec, c: CompiledStudy): { overrides: Record<string, number> } {
  const o: Record<string, number> = {};
  if (spec.pack.ambientTemperature !== undefined) o['thermal.ambientTemperature'] = spec.pack.ambientTemperature;
  const t0 = initialTemperatureOf(spec, c.set);
  if (t0 !== c.set.thermal.initialTemperature) o['thermal.initialTemperature'] = t0;
  return { overrides: o };
}

type Applier = (x: number, o: Record<string, number>, cell: number) => number | undefined;

/**
 * How one quantity's cell value is written into the overrides (docs/variation.md has the formulas). An applier
 * returns the cell's initial SOC for `initialSoc`, undefined otherwise. Built once per chunk.
 */
function makeApplier(name: string, c: CompiledStudy, values: Float64Array[]): Applier {
  const set: ParameterSet = c.set;
  const valuesOf = (key: string): Float64Array | undefined => {
    const i = c.quantities.findIndex((q) => q.key === key);
    return i < 0 ? undefined : values[i];
  };
  const m = /^(coatingThickness|porosity|activeFraction|particleRadius)\.(negative|positive)$/.exec(name);
  if (m) {
    const side = m[2] as 'negative' | 'positive';
    const e = set[side];
    const thickness = `${side}.thickness`;
    const radius = `${side}.particleRadius`;
    const porosity = `${side}.porosity`;
    const epsS = `${side}.activeMaterialVolumeFraction`;
    switch (m[1]) {
      case 'coatingThickness':
        return (x, o) => void (o[thickness] = x);
      case 'particleRadius':
        return (x, o) => void (o[radius] = x);
      case 'porosity': {
        const a = valuesOf(`activeFraction.${side}`);
        const a0 = e.activeMaterialVolumeFraction / (1 - e.porosity);
        return (x, o, cell) => {
          o[porosity] = x;
          o[epsS] = (a ? a[cell] : a0) * (1 - x);
          return undefined;
        };
      }
      default: {
        const eps = valuesOf(`porosity.${side}`);
        return (x, o, cell) => void (o[epsS] = x * (1 - (eps ? eps[cell] : e.porosity)));
      }
    }
  }
  switch (name) {
    case 'contactResistance':
      return (x, o) => void (o['electrical.contactResistance'] = x);
    case 'capacity': {
      const w0 = set.geometry.electrodeWidth;
      const q0 = set.electrical.nominalCapacity;
      return (x, o) => void (o['geometry.electrodeWidth'] = (w0 * x) / q0);
    }
    case 'initialSoc':
      return (x) => Math.min(1, Math.max(0, x));
    case 'lithiumInventory':
      return (x, o) => void (o.lithiumInventoryFactor = x);
    case 'heatTransferCoefficient':
      return (x, o) => void (o['thermal.heatTransferCoefficient'] = x);
    case 'ambientTemperature':
      return (x, o) => void (o['thermal.ambientTemperature'] = x);
    case 'initialTemperature':
      return (x, o) => void (o['thermal.initialTemperature'] = x);
    default:
      return (x, o) => void (o[name] = x); // a raw parameter-set path
  }
}
