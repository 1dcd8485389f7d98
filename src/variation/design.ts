/**
 * The compiled sampling plan of a study: which (quantity, level) pairs are random, where their uniforms sit in the
 * latent vector of a sample, and the scale-space distribution each level draws from.
 */
import { CellspreadInputError } from '../errors.ts';
import { getParameterSet } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import type { StudySpec } from '../spec/schema.ts';
import { correlationCholesky } from './copula.ts';
import { distributionFromSpec, type Distribution, type DistributionSpec } from './distributions.ts';
import { fixed, mixture, normal, transformed } from '../stats/index.ts';
import { LEVELS, resolveQuantity, type Level, type ManufacturingQuantity, type Scale } from './quantities.ts';
import { exp, log } from '../math/elementary.ts';

export interface SampleFactor {
  /** Variation key (manufacturing quantity or parameter path). */
  quantity: string;
  level: Level;
  /** Unit of the quantity (the level's draws are in this unit on the additive scale, dimensionless otherwise). */
  unit: string;
  scale: Scale;
  /** First latent coordinate of this factor within a sample's latent row, and how many (one per entity). */
  latentOffset: number;
  latentCount: number;
}

export interface SampleGroup {
  /** e.g. "cell-level contactResistance". */
  name: string;
  quantity: string;
  level: Level;
  /** Latent coordinates of the group (the "player" in grouped Sobol indices / Shapley effects). */
  indices: number[];
}

export interface SampleDesign {
  /** Uniforms per sample. */
  latentDimension: number;
  factors: SampleFactor[];
  groups: SampleGroup[];
  cellsPerPack: number;
  groupsPerPack: number;
  modules: number;
  /** Entities per level: 1 pack, `modules` modules, `cellsPerPack` cells. */
  entities: Record<Level, number>;
}

/** Internal: one random or fixed level of one quantity. */
export interface CompiledLevel {
  factor: SampleFactor;
  /** Draws in scale space: additive deviation, relative deviation, or ln(factor). */
  dist: Distribution;
  /** 32-bit stream key of (quantity, level). */
  streamKey: number;
  /** Index into the level's correlation block, or -1. */
  corrIndex: number;
}

export interface CompiledQuantity {
  key: string;
  info: ManufacturingQuantity;
  scale: Scale;
  nominal: number;
  levels: Partial<Record<Level, CompiledLevel>>;
}

/** One epistemic quantity: a scale-space draw per outer sample, added to every cell's level sum. */
export interface CompiledEpistemic {
  key: string;
  /** Index into CompiledStudy.quantities. */
  quantity: number;
  unit: string;
  scale: Scale;
  /** Draws in scale space: additive deviation, relative deviation, or ln(factor). */
  dist: Distribution;
  /** 32-bit stream key of the quantity's epistemic draws. */
  streamKey: number;
}

export interface CompiledCorrelation {
  level: Level;
  /** Quantity keys, in matrix order. */
  quantities: string[];
  L: Float64Array;
}

export interface CompiledStudy {
  spec: StudySpec;
  set: ParameterSet;
  design: SampleDesign;
  quantities: CompiledQuantity[];
  correlations: CompiledCorrelation[];
  /** Epistemic quantities, in the order of the spec's epistemic block (empty without one). */
  epistemic: CompiledEpistemic[];
  /** Module of each cell and series group of each cell. */
  moduleOfCell: Int32Array;
  groupOfCell: Int32Array;
}

/** FNV-1a 32-bit hash of a string, as a non-negative integer key for {@link Rng}. */
export function streamKeyOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The level's distribution moved into scale space (see docs/variation.md). */
export function scaleDistribution(d: DistributionSpec, scale: Scale, nominal: number): Distribution {
  if (d.distribution === 'defectMixture') {
    const F = distributionFromSpec(d.factor);
    const defect =
      scale === 'log'
        ? transformed(F, log, exp, F.name, exp)
        : scale === 'relative'
          ? transformed(F, (x) => x - 1, (y) => y + 1, F.name, () => 1)
          : transformed(F, (x) => nominal * (x - 1), (y) => y / nominal + 1, F.name, () => 1 / nominal);
    return mixture(d.probability, scaleDistribution(d.base, scale, nominal), defect);
  }
  if (scale !== 'log') return distributionFromSpec(d);
  if (d.distribution === 'lognormal') return normal(d.mu, d.sd); // ln of a lognormal, exactly
  if (d.distribution === 'fixed') return fixed(log(d.value));
  const x = distributionFromSpec(d);
  return transformed(x, log, exp, x.name, exp);
}

const cache = new WeakMap<StudySpec, CompiledStudy>();

/** Compile (and cache per spec object) the sampling plan. The spec must come from parseStudySpec/validateStudySpec. */
export function compileStudy(spec: StudySpec): CompiledStudy {
  const hit = cache.get(spec);
  if (hit) return hit;
  const set = getParameterSet(spec.params);
  const { series, parallel, modules } = spec.pack;
  const cellsPerPack = series * parallel;
  const entities: Record<Level, number> = { pack: 1, module: modules, cell: cellsPerPack };
  const factors: SampleFactor[] = [];
  const groups: SampleGroup[] = [];
  const quantities: CompiledQuantity[] = [];
  let offset = 0;
  for (const [key, v] of Object.entries(spec.variation)) {
    const info = resolveQuantity(key, set);
    if (!info) throw new CellspreadInputError(`variation.${key}`, 'must be a known quantity', key);
    const nominal = v.base ?? nominalOf(info, spec, set);
    const cq: CompiledQuantity = { key, info, scale: v.scale, nominal, levels: {} };
    for (const level of LEVELS) {
      const d = v[level];
      if (!d) continue;
      const random = d.distribution !== 'fixed';
      const count = random ? entities[level] : 0;
      const factor: SampleFactor = { quantity: key, level, unit: info.unit, scale: v.scale, latentOffset: offset, latentCount: count };
      factors.push(factor);
      if (random) {
        const indices: number[] = [];
        for (let i = 0; i < count; i++) indices.push(offset + i);
        groups.push({ name: `${level}-level ${key}`, quantity: key, level, indices });
      }
      offset += count;
      cq.levels[level] = { factor, dist: scaleDistribution(d, v.scale, nominal), streamKey: streamKeyOf(`${key}@${level}`), corrIndex: -1 };
    }
    quantities.push(cq);
  }
  const epistemic: CompiledEpistemic[] = [];
  for (const [key, e] of Object.entries(spec.epistemic?.quantities ?? {})) {
    let qi = quantities.findIndex((q) => q.key === key);
    if (qi < 0) {
      const info = resolveQuantity(key, set);
      if (!info) throw new CellspreadInputError(`epistemic.quantities.${key}`, 'must be a known quantity', key);
      quantities.push({ key, info, scale: e.scale, nominal: e.base ?? nominalOf(info, spec, set), levels: {} });
      qi = quantities.length - 1;
    }
    const q = quantities[qi];
    epistemic.push({ key, quantity: qi, unit: q.info.unit, scale: q.scale, dist: scaleDistribution(e.value, q.scale, q.nominal), streamKey: streamKeyOf(`${key}@epistemic`) });
  }
  const correlations: CompiledCorrelation[] = [];
  for (const level of LEVELS) {
    const block = spec.correlation[level];
    if (!block) continue;
    const r = correlationCholesky(block.matrix);
    if (!('L' in r)) throw new CellspreadInputError(`correlation.${level}.matrix`, 'must be a valid correlation matrix', block.matrix);
    block.quantities.forEach((q, i) => {
      const cl = quantities.find((c) => c.key === q)?.levels[level];
      if (!cl) throw new CellspreadInputError(`correlation.${level}.quantities[${i}]`, `must vary at ${level} level`, q);
      cl.corrIndex = i;
    });
    correlations.push({ level, quantities: [...block.quantities], L: r.L });
  }
  const groupsPerModule = series / modules;
  const moduleOfCell = new Int32Array(cellsPerPack);
  const groupOfCell = new Int32Array(cellsPerPack);
  for (let c = 0; c < cellsPerPack; c++) {
    groupOfCell[c] = Math.floor(c / parallel);
    moduleOfCell[c] = Math.floor(groupOfCell[c] / groupsPerModule);
  }
  const compiled: CompiledStudy = {
    spec,
    set,
    design: { latentDimension: offset, factors, groups, cellsPerPack, groupsPerPack: series, modules, entities },
    quantities,
    correlations,
    epistemic,
    moduleOfCell,
    groupOfCell,
  };
  cache.set(spec, compiled);
  return compiled;
}

function nominalOf(info: ManufacturingQuantity, spec: StudySpec, set: ParameterSet): number {
  if (info.name === 'ambientTemperature' || info.name === 'thermal.ambientTemperature') return spec.pack.ambientTemperature ?? set.thermal.ambientTemperature;
  if (info.name === 'initialTemperature' || info.name === 'thermal.initialTemperature') return initialTemperatureOf(spec, set);
  return info.nominal(set, spec.initial.soc);
}

/** Initial cell temperature: the study's, else the pack ambient when given, else the set's. */
export function initialTemperatureOf(spec: StudySpec, set: ParameterSet): number {
  return spec.initial.temperature ?? spec.pack.ambientTemperature ?? set.thermal.initialTemperature;
}

/** The latent layout and the (quantity, level) groups of a study. */
export function buildSampleDesign(spec: StudySpec): SampleDesign {
  return compileStudy(spec).design;
}
