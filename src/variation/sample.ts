/**
 * Sampling packs: latent uniforms -> (Gaussian copula) -> level draws in scale space -> per-cell quantity values ->
 * cell input vectors -> kernel parameters, in struct-of-arrays typed arrays ready for GPU upload.
 *
 * Reproducibility: the uniforms of sample i for (quantity, level) come from Rng(seed, i, key(quantity, level)), so
 * sample i is the same whatever the chunk size, worker count, backend or shard, and adding or removing one varied
 * quantity leaves the draws of the others unchanged (common random numbers between study variants).
 */
import { CellspreadInputError } from '../errors.ts';
import { ElectrolyteDeriver } from '../model/electrolyte.ts';
import { CELL_INPUT_COUNT, CELL_INPUTS, cellDeriver, cellInputIndex, cellInputs } from '../model/derive.ts';
import { CELL_PARAMETER_COUNT, cellParameters } from '../model/layout.ts';
import { DEFAULT_ELECTROLYTE_MESH } from '../model/physics.ts';
import { normalCdf, normalQuantile } from '../math/special.ts';
import { Rng } from '../random/rng.ts';
import { SobolSequence } from '../random/sobol.ts';
import type { ParameterSet } from '../params/types.ts';
import type { StudySpec } from '../spec/schema.ts';
import { compileStudy, initialTemperatureOf, type CompiledStudy } from './design.ts';
import type { Distribution } from './distributions.ts';
import { LEVELS, type Level } from './quantities.ts';
import { StudySpecError } from '../spec/errors.ts';
import { checkCellValue, checkVolumeFraction, kernelParameterProblemAt } from './validity.ts';
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
  /**
   * Lifetime studies with a random walk: the key of each sample's walk streams (src/pack/lifetime.ts): the sample index
   * for Monte Carlo samples, the design's walk coordinate for sensitivity design rows (src/study/samples.ts).
   */
  walkKeys?: Float64Array;
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

/**
 * Samples from given latent uniforms (rows x latentDimension, row-major, each in (0, 1)): Sobol', Shapley,
 * importance or subset-simulation designs drive the sampler through this. Row r is labelled sample
 * firstSampleIndex + r. Fed the rows of latentChunk(spec, s, n) and epistemicChunk(spec, s, n) it reproduces
 * sampleChunk(spec, s, n) exactly. `epistemic` (rows x epistemic quantities, uniforms in (0, 1)) sets the epistemic
 * draws; without it a study's epistemic quantities sit at their median (u = 0.5).
 */
export function sampleChunkFromLatent(spec: StudySpec, latent: Float64Array, rows: number, firstSampleIndex = 0, epistemic?: Float64Array): SampleChunk {
  return sampleCells(spec, latent, rows, firstSampleIndex, epistemic, true);
}

/**
 * Check every cell of samples [start, start + count) without deriving kernel parameters (cheap): each varied quantity
 * inside its valid range. Throws the first violation as a StudySpecError (see validity.ts). Walks the samples in
 * slices of `sliceSize`, so memory stays flat however many samples are checked.
 */
export function checkSampledCells(spec: StudySpec, start: number, count: number, sliceSize = 1024, afterSlice?: () => void): void {
  checkRange(start, count);
  for (let s = start; s < start + count; s += sliceSize) {
    const n = Math.min(sliceSize, start + count - s);
    sampleCells(spec, latentChunk(spec, s, n), n, s, epistemicChunk(spec, s, n), false);
    afterSlice?.();
  }
}

function sampleCells(spec: StudySpec, latent: Float64Array, rows: number, firstSampleIndex: number, epistemic: Float64Array | undefined, derive: boolean): SampleChunk {
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
  const model = spec.simulation.model;
  const spme = model === 'spme';
  const mesh = spec.simulation.electrolyteMesh ?? DEFAULT_ELECTROLYTE_MESH;
  const P = cellParameters(model).length;
  const names = inputNames(spec);
  const chunk: SampleChunk = {
    start: firstSampleIndex,
    count,
    cellsPerPack,
    groupsPerPack,
    kernelParameters: new Float64Array(derive ? P * count * cellsPerPack : 0),
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
  // Independent levels, and the members of each correlation block, resolved once per chunk.
  const independent: { out: Float64Array; dist: Distribution; offset: number; fixed: boolean }[] = [];
  c.quantities.forEach((q, qi) => {
    for (const level of LEVELS) {
      const cl = q.levels[level];
      const out = draws[qi][level];
      if (!cl || !out) continue;
      const fixed = cl.factor.latentCount === 0;
      if (fixed || cl.corrIndex < 0) independent.push({ out, dist: cl.dist, offset: cl.factor.latentOffset, fixed });
    }
  });
  const blocks = c.correlations.map((k) => {
    const members = k.quantities.map((key) => {
      const qi = c.quantities.findIndex((q) => q.key === key);
      const cl = c.quantities[qi].levels[k.level]!;
      return { dist: cl.dist, offset: cl.factor.latentOffset, out: draws[qi][k.level]! };
    });
    const n = members.length;
    return { L: k.L, members, entities: c.design.entities[k.level], z: new Float64Array(n), w: new Float64Array(n) };
  });
  const deriver = cellDeriver(set);
  const constant = constantOverrides(spec, c);
  const baseInputs = cellInputs(set, constant);
  const inputs = new Float64Array(CELL_INPUT_COUNT); // the cell being derived
  const parameterStride = count * cellsPerPack;
  // The SPMe's electrolyte rows come from the same input vector.
  const electrolyte = spme ? new ElectrolyteDeriver(set, mesh) : undefined;
  const inputRow = new Float64Array(names.length);
  const appliers = c.quantities.map((q) => makeApplier(q.info.name, c, values));
  const epistemicOf = c.quantities.map((_, qi) => c.epistemic.some((e) => e.quantity === qi));
  // Volume fractions: porosity (the quantity's cell value, else the set's) + active material (the derived input) <= 1.
  const fractionChecks = (['negative', 'positive'] as const).map((side) => ({
    side,
    porosity: values[c.quantities.findIndex((q) => q.key === `porosity.${side}` || q.key === `${side}.porosity`)] as Float64Array | undefined,
    nominal: set[side].porosity,
    epsS: cellInputIndex(`${side}.activeMaterialVolumeFraction`),
  }));

  for (let s = 0; s < count; s++) {
    const row = s * D;
    // 0. Epistemic draws: one per outer sample, shared by every cell.
    for (let k = 0; k < Q; k++) epiDraw[c.epistemic[k].quantity] = c.epistemic[k].dist.ppf(epistemic ? epistemic[s * Q + k] : 0.5);
    // 1. Independent levels: quantile of the sample's own uniform.
    for (const { out, dist, offset, fixed } of independent) {
      if (fixed) out.fill(dist.ppf(0.5));
      else for (let e = 0; e < out.length; e++) out[e] = dist.ppf(latent[row + offset + e]);
    }
    // 2. Correlated levels: Gaussian copula, z' = L z per entity.
    for (const { L, members, entities, z, w } of blocks) {
      const n = members.length;
      for (let e = 0; e < entities; e++) {
        for (let i = 0; i < n; i++) z[i] = normalQuantile(latent[row + members[i].offset + e]);
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += L[i * n + j] * z[j];
          w[i] = acc;
        }
        for (let i = 0; i < n; i++) members[i].out[e] = members[i].dist.ppf(normalToUniform(w[i]));
      }
    }
    // 3. Per-cell values on the natural scale, and the per-sample input summaries.
    let col = 0;
    for (let qi = 0; qi < nq; qi++) {
      const q = c.quantities[qi];
      const d = draws[qi];
      const v = values[qi];
      const pack = epiDraw[qi] + (d.pack ? d.pack[0] : 0); // the levels every cell of the pack shares
      for (let cell = 0; cell < cellsPerPack; cell++) {
        const t = pack + (d.module ? d.module[c.moduleOfCell[cell]] : 0) + (d.cell ? d.cell[cell] : 0);
        v[cell] = q.scale === 'additive' ? q.nominal + t : q.scale === 'relative' ? q.nominal * (1 + t) : q.nominal * exp(t);
        checkCellValue(spec, q, d, c.moduleOfCell, firstSampleIndex + s, cell, v[cell], epistemicOf[qi] ? epiDraw[qi] : undefined);
      }
      const logScale = q.scale === 'log';
      for (const level of LEVELS) {
        const arr = d[level];
        if (!arr) continue;
        if (level === 'pack') inputRow[col++] = logScale ? exp(arr[0]) : arr[0];
        else col = summarize(arr, logScale, inputRow, col);
      }
      if (epistemicOf[qi]) inputRow[col++] = logScale ? exp(epiDraw[qi]) : epiDraw[qi];
      col = summarize(v, false, inputRow, col);
      copy(v, chunk.cellQuantities.values, (qi * count + s) * cellsPerPack);
    }
    copy(inputRow, chunk.inputs.values, s * names.length);
    if (!derive) continue;
    // 4. Write each cell's input vector, check its volume fractions, and derive and check its kernel parameters
    // straight into the chunk.
    for (let cell = 0; cell < cellsPerPack; cell++) {
      copy(baseInputs, inputs, 0);
      let soc = spec.initial.soc;
      for (let qi = 0; qi < nq; qi++) {
        const r = appliers[qi](values[qi][cell], inputs, cell);
        if (r !== undefined) soc = r;
      }
      chunk.initialSoc[s * cellsPerPack + cell] = soc;
      for (const f of fractionChecks) checkVolumeFraction(f.side, f.porosity ? f.porosity[cell] : f.nominal, inputs[f.epsS], firstSampleIndex + s, cell);
      try {
        deriver.derive(inputs, soc, chunk.kernelParameters, s * cellsPerPack + cell, parameterStride);
        electrolyte?.derive(inputs, chunk.kernelParameters, CELL_PARAMETER_COUNT * parameterStride + s * cellsPerPack + cell, parameterStride);
      } catch (e) {
        if (!(e instanceof CellspreadInputError)) throw e;
        throw new StudySpecError(['variation'], `must give physical cells (sample ${firstSampleIndex + s}, cell ${cell})`, e.message, `changed inputs ${JSON.stringify(changedInputs(inputs, baseInputs))}; narrow the variation or bound it with truncatedNormal (min/max)`);
      }
      const problem = kernelParameterProblemAt(chunk.kernelParameters, s * cellsPerPack + cell, parameterStride);
      if (problem !== undefined) {
        throw new StudySpecError(['variation'], `must give physical cells (sample ${firstSampleIndex + s}, cell ${cell})`, problem, 'narrow the variation or bound it with truncatedNormal (min/max)');
      }
    }
  }
  return chunk;
}

/** to.set(from, offset) for the short arrays of one sample, where a loop beats the native call. */
function copy(from: Float64Array, to: Float64Array, offset: number): void {
  for (let i = 0; i < from.length; i++) to[offset + i] = from[i];
}

/** The inputs of a cell that differ from the study's nominal cell, by path (for error messages). */
function changedInputs(inputs: Float64Array, base: Float64Array): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < CELL_INPUT_COUNT; i++) if (!Object.is(inputs[i], base[i])) o[CELL_INPUTS[i]] = inputs[i]; // NaN: a tortuosity not given
  return o;
}

/** Mean, min and max of arr (of exp(arr) on the log scale) into out[col..col+2]; returns col + 3. */
function summarize(arr: Float64Array, logScale: boolean, out: Float64Array, col: number): number {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < arr.length; i++) {
    const x = logScale ? exp(arr[i]) : arr[i];
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
function constantOverrides(spec: StudySpec, c: CompiledStudy): Record<string, number> {
  const o: Record<string, number> = {};
  if (spec.pack.ambientTemperature !== undefined) o['thermal.ambientTemperature'] = spec.pack.ambientTemperature;
  const t0 = initialTemperatureOf(spec, c.set);
  if (t0 !== c.set.thermal.initialTemperature) o['thermal.initialTemperature'] = t0;
  return o;
}

/** Writes one quantity's cell value into the cell's input vector; returns the cell's initial SOC for `initialSoc`. */
type Applier = (x: number, inputs: Float64Array, cell: number) => number | undefined;

/**
 * How one quantity's cell value is written into the cell input vector (src/model/derive.ts CELL_INPUTS;
 * docs/variation.md has the formulas). Built once per chunk. A raw parameter path the cell derivation does not read
 * changes nothing, as an override of it never did.
 */
function makeApplier(name: string, c: CompiledStudy, values: Float64Array[]): Applier {
  const set: ParameterSet = c.set;
  const valuesOf = (key: string): Float64Array | undefined => {
    const i = c.quantities.findIndex((q) => q.key === key);
    return i < 0 ? undefined : values[i];
  };
  const writeTo = (path: string): Applier => {
    const i = cellInputIndex(path);
    return i < 0 ? () => undefined : (x, v) => void (v[i] = x);
  };
  const m = /^(coatingThickness|porosity|activeFraction|particleRadius)\.(negative|positive)$/.exec(name);
  if (m) {
    const side = m[2] as 'negative' | 'positive';
    const e = set[side];
    const epsS = cellInputIndex(`${side}.activeMaterialVolumeFraction`);
    switch (m[1]) {
      case 'coatingThickness':
        return writeTo(`${side}.thickness`);
      case 'particleRadius':
        return writeTo(`${side}.particleRadius`);
      case 'porosity': {
        // The electrolyte reads the porosity; the SPM the solid fraction it sets, eps_s = a (1 - eps_e).
        const porosity = cellInputIndex(`${side}.porosity`);
        const a = valuesOf(`activeFraction.${side}`);
        const a0 = e.activeMaterialVolumeFraction / (1 - e.porosity);
        return (x, v, cell) => {
          v[porosity] = x;
          v[epsS] = (a ? a[cell] : a0) * (1 - x);
          return undefined;
        };
      }
      default: {
        const eps = valuesOf(`porosity.${side}`);
        return (x, v, cell) => void (v[epsS] = x * (1 - (eps ? eps[cell] : e.porosity)));
      }
    }
  }
  switch (name) {
    case 'contactResistance':
      return writeTo('electrical.contactResistance');
    case 'capacity': {
      const width = cellInputIndex('geometry.electrodeWidth');
      const w0 = set.geometry.electrodeWidth;
      const q0 = set.electrical.nominalCapacity;
      return (x, v) => void (v[width] = (w0 * x) / q0);
    }
    case 'initialSoc':
      return (x) => x; // checked to lie in [0, 1] (validity.ts), never clipped
    case 'lithiumInventory':
      return writeTo('lithiumInventoryFactor');
    case 'seiRateFactor':
      return writeTo('sei.rateFactor');
    case 'heatTransferCoefficient':
      return writeTo('thermal.heatTransferCoefficient');
    case 'ambientTemperature':
      return writeTo('thermal.ambientTemperature');
    case 'initialTemperature':
      return writeTo('thermal.initialTemperature');
    default:
      return writeTo(name); // a raw parameter-set path
  }
}

