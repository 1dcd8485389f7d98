/**
 * The study specification: one zod schema (strict objects, defaults filled) for YAML and JSON study files, and the
 * TypeScript types of a validated study. Semantic rules that need more than one field (modules divide series, known
 * quantities, positive-definite correlations, ...) live in validate.ts.
 */
import { z } from 'zod';
import type { DistributionSpec, FixedSpec, GeneralizedParetoSpec, ParetoSpec, SimpleDistributionSpec } from '../variation/distributions.ts';
import type { Level, Scale } from '../variation/quantities.ts';
import { CELL_MODELS, type CellModel, type ElectrolyteMesh } from '../model/physics.ts';
import type { PackCcCvStep, PackLoadStep, PackRestStep, PackTableStep } from '../pack/protocol.ts';

/**
 * The cell model a study runs when its file names none: the SPMe, whose cost per cell-discharge on the WASM backend is
 * 1.8 to 1.95x the SPM's (bench/RESULTS.md; issue 14: the SPMe when within 2x). README: which to choose when.
 */
export const DEFAULT_MODEL: CellModel = 'spme';
import type { StudyLimits } from './limits.ts';

/** Marker put in the message of an unknown-key issue, followed by the allowed keys (for "did you mean"). */
export const ALLOWED_KEYS_TAG = 'allowed-keys:';

function strict<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `${ALLOWED_KEYS_TAG}${allowed}` : undefined),
  });
}

const num = z.number();
const positive = z.number().gt(0);
const nonNegative = z.number().min(0);
const count = z.number().int().min(1);

const normalSchema = strict({ distribution: z.literal('normal'), mean: num.default(0), sd: nonNegative });
const truncatedNormalSchema = strict({
  distribution: z.literal('truncatedNormal'),
  mean: num.default(0),
  sd: positive,
  min: num.optional(),
  max: num.optional(),
});
const lognormalSchema = strict({ distribution: z.literal('lognormal'), mu: num.default(0), sd: nonNegative });
const uniformSchema = strict({ distribution: z.literal('uniform'), min: num, max: num });
const studentTSchema = strict({ distribution: z.literal('studentT'), df: positive, location: num.default(0), scale: positive });
const weibullSchema = strict({ distribution: z.literal('weibull'), shape: positive, scale: positive, location: num.default(0) });
const fixedSchema = strict({ distribution: z.literal('fixed'), value: num });
const paretoSchema = strict({ distribution: z.literal('pareto'), alpha: positive, min: positive.default(1) });
const gpdSchema = strict({ distribution: z.literal('generalizedPareto'), shape: num, scale: positive, location: num.default(0) });

const simpleDistributionSchema = z.discriminatedUnion('distribution', [
  normalSchema,
  truncatedNormalSchema,
  lognormalSchema,
  uniformSchema,
  studentTSchema,
  weibullSchema,
  fixedSchema,
  paretoSchema,
  gpdSchema,
]);
const defectMixtureSchema = strict({
  distribution: z.literal('defectMixture'),
  probability: z.number().min(0).max(1),
  base: simpleDistributionSchema,
  factor: z.discriminatedUnion('distribution', [paretoSchema, gpdSchema]),
});
export const distributionSchema = z.discriminatedUnion('distribution', [...simpleDistributionSchema.options, defectMixtureSchema]);

const scaleSchema = z.enum(['additive', 'relative', 'log']);
const quantityVariationSchema = strict({
  scale: scaleSchema.optional(),
  base: num.optional(),
  pack: distributionSchema.optional(),
  module: distributionSchema.optional(),
  cell: distributionSchema.optional(),
});

/** An epistemic quantity: one value per outer sample, shared by every cell of every pack in it. */
const epistemicQuantitySchema = strict({
  scale: scaleSchema.optional(),
  base: num.optional(),
  value: distributionSchema,
});

const correlationBlockSchema = strict({ quantities: z.array(z.string()).min(2), matrix: z.array(z.array(num)) });

const cutoffSchema = positive.optional();
const ccStepSchema = (type: 'discharge' | 'charge') =>
  strict({
    type: z.literal(type),
    cRate: positive.optional(),
    current: positive.optional(),
    power: positive.optional(),
    cutoffVoltage: cutoffSchema,
    duration: positive.optional(),
  });
const protocolStepSchema = z.discriminatedUnion('type', [
  ccStepSchema('discharge'),
  ccStepSchema('charge'),
  strict({ type: z.literal('rest'), duration: positive }),
  strict({
    type: z.literal('cccv'),
    cRate: positive.optional(),
    current: positive.optional(),
    voltage: positive.optional(),
    cutoffCRate: positive.optional(),
    cutoffCurrent: positive.optional(),
    maxDuration: positive.optional(),
  }),
  strict({
    type: z.literal('table'),
    time: z.array(num).min(2),
    current: z.array(num).optional(),
    power: z.array(num).optional(),
    interpolation: z.enum(['previous', 'linear']).default('previous'),
    lowerCutoff: positive.optional(),
    upperCutoff: positive.optional(),
  }),
]);

/** A cycle repeated `repeat` times (lifetime studies): `steps` are ordinary protocol steps. */
const jumpingSchema = z.union([
  z.boolean(),
  strict({
    tolerance: positive.optional(),
    relativeTolerance: positive.optional(),
    maxJump: count.optional(),
    jumpBefore: z.number().int().min(0).optional(),
  }),
]);
export const repeatBlockSchema = strict({ repeat: count, steps: z.array(protocolStepSchema).min(1), jumping: jumpingSchema.optional() });
/** A protocol item: a repeat block (it has the key `repeat`) or a step; validate.ts reports the branch that applies. */
const protocolItemSchema = z.union([repeatBlockSchema, protocolStepSchema]);

const tailSchema = strict({
  output: z.string().min(1),
  limit: num,
  tail: z.enum(['upper', 'lower']).optional(),
  direction: z.enum(['upper', 'lower']).optional(),
  /** Largest acceptable probability of passing the limit (per pack): the headline's verdict compares against it. */
  target: z.number().gt(0).lt(1).optional(),
});

export const studySpecSchema = strict({
  name: z.string().min(1).default('study'),
  params: z.string().min(1).default('chen2020'),
  pack: strict({
    series: count,
    parallel: count,
    modules: count.default(1),
    interconnectResistance: nonNegative.default(0),
    conduction: nonNegative.default(0),
    ambientTemperature: positive.optional(),
  }),
  initial: strict({ soc: z.number().min(0).max(1).default(1), temperature: positive.optional() }).default({ soc: 1 }),
  simulation: strict({
    timeStep: positive.default(10),
    modes: count.max(64).default(10),
    thermal: z.enum(['lumped', 'isothermal']).default('lumped'),
    model: z.enum(CELL_MODELS).default(DEFAULT_MODEL),
    electrolyteMesh: strict({ negative: count.max(200), separator: count.max(200), positive: count.max(200) }).optional(),
    sei: z.enum(['none', 'solvent-diffusion limited', 'reaction limited']).default('none'),
    filmHeat: z.boolean().default(true),
  }).default({ timeStep: 10, modes: 10, thermal: 'lumped', model: DEFAULT_MODEL, sei: 'none', filmHeat: true }),
  protocol: z.array(protocolItemSchema).min(1).default([{ type: 'discharge', cRate: 1 }]),
  ageing: strict({
    randomWalk: strict({ sigma: nonNegative, rho: z.number().min(0).max(1).default(1) }).optional(),
  }).optional(),
  variation: z.record(z.string(), quantityVariationSchema).default({}),
  correlation: strict({ pack: correlationBlockSchema.optional(), module: correlationBlockSchema.optional(), cell: correlationBlockSchema.optional() }).default({}),
  epistemic: strict({
    outer: count,
    inner: count,
    quantities: z.record(z.string(), epistemicQuantitySchema),
  }).optional(),
  analysis: strict({
    tail: z.array(tailSchema).optional(),
    sensitivity: strict({
      method: z.enum(['sobol', 'shapley']).default('sobol'),
      outputs: z.array(z.string().min(1)).min(1),
      n: count.default(256),
      secondOrder: z.boolean().optional(),
      groups: z.enum(['quantity', 'origin']).optional(),
    }).optional(),
    lifetime: strict({
      endOfLife: z.number().gt(0).lt(1).default(0.8),
      reference: z.enum(['first', 'second']).default('first'),
      capacityAt: z.array(count).optional(),
      cellStates: z.boolean().default(false),
    }).optional(),
  }).optional(),
  run: strict({
    samples: count.default(1000),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1),
    chunkSize: count.default(256),
  }).default({ samples: 1000, seed: 1, chunkSize: 256 }),
  limits: strict({
    samples: count.optional(),
    cellsPerPack: count.optional(),
    tableLength: count.optional(),
    stepsPerPack: count.optional(),
    chunkMemoryMB: positive.optional(),
  }).optional(),
});

// ----- Types of a validated study (defaults filled, scales resolved) -----

export type { DistributionSpec, SimpleDistributionSpec, ParetoSpec, GeneralizedParetoSpec, FixedSpec, Level, Scale };

export interface QuantityVariation {
  /** Scale on which the levels add (resolved from the quantity's default when the file gives none). */
  scale: Scale;
  /** Nominal value (default: the parameter set's value). */
  base?: number;
  pack?: DistributionSpec;
  module?: DistributionSpec;
  cell?: DistributionSpec;
}

export interface CorrelationBlock {
  quantities: string[];
  matrix: number[][];
}

export interface PackSpec {
  series: number;
  parallel: number;
  modules: number;
  /** Ohm per series connection (busbar). */
  interconnectResistance: number;
  /** W/K between neighbouring cells within a module. */
  conduction: number;
  /** K; default from the parameter set. */
  ambientTemperature?: number;
}

/** Pack-level protocol steps (src/pack/protocol.ts) as validated: a table's interpolation is filled in. */
export type StudyProtocolStep = PackLoadStep | PackRestStep | PackCcCvStep | (PackTableStep & { interpolation: 'previous' | 'linear' });

/** A cycle repeated `repeat` times (a lifetime study); `jumping` turns on cycle jumping (true: default tolerances). */
export interface RepeatBlockSpec {
  repeat: number;
  steps: StudyProtocolStep[];
  jumping?: boolean | { tolerance?: number; relativeTolerance?: number; maxJump?: number; jumpBefore?: number };
}

export type StudyProtocolItem = StudyProtocolStep | RepeatBlockSpec;

/** SEI growth law of the cells (PyBaMM's "SEI" option). */
export type SeiLawSpec = 'none' | 'solvent-diffusion limited' | 'reaction limited';

/** Lifetime outputs (a study with a repeat block). */
export interface LifetimeAnalysisSpec {
  /** End of life: this fraction of the reference cycle's discharge capacity (default 0.8). */
  endOfLife: number;
  /** The reference cycle: the first (from the SOC-1 equilibrium) or the second (the first after a charge). */
  reference: 'first' | 'second';
  /** Discharge capacity after these cycles, as outputs capacityAt<N>Ah. */
  capacityAt?: number[];
  /** Keep every cell's SEI growth at the end of every cycle (cells x cycles per pack; the library result only). */
  cellStates: boolean;
}

/** A quantity whose true value is not known: one draw per outer sample, shared by every cell (see EpistemicSpec). */
export interface EpistemicQuantity {
  /** Scale on which the draw adds to the quantity's levels (the quantity's variation scale, else its default). */
  scale: Scale;
  /** Nominal value, for a quantity not under variation (default: the parameter set's value). */
  base?: number;
  /** Distribution of the true value on that scale: additive deviation, relative deviation, or log factor. */
  value: DistributionSpec;
}

/**
 * Two-level Monte Carlo: `outer` draws of the epistemic quantities (what we do not know), and for each the same
 * `inner` aleatory samples (the manufacturing lottery): run.samples = outer x inner, sample e * inner + i.
 */
export interface EpistemicSpec {
  outer: number;
  inner: number;
  quantities: Record<string, EpistemicQuantity>;
}

export interface TailAnalysisSpec {
  output: string;
  limit: number;
  tail: 'upper' | 'lower';
  /** Largest acceptable probability (per pack) of passing the limit, in (0, 1); the report's verdict uses it. */
  target?: number;
}

export interface StudySpec {
  name: string;
  /** Parameter set registry name (lower case). */
  params: string;
  pack: PackSpec;
  initial: { soc: number; temperature?: number };
  /**
   * model: the cell model, 'spm' or 'spme' (the SPM with electrolyte, every heat source); electrolyteMesh: the SPMe's
   * finite volumes per region (absent: 12 / 2 / 12); sei: SEI growth law (absent: none); filmHeat: the film's Joule
   * heat (absent: on).
   */
  simulation: { timeStep: number; modes: number; thermal: 'lumped' | 'isothermal'; model: CellModel; electrolyteMesh?: ElectrolyteMesh; sei?: SeiLawSpec; filmHeat?: boolean };
  /** Steps, with at most one repeat block (a lifetime study). */
  protocol: StudyProtocolItem[];
  /** The time-evolving part of ageing: a per-cycle random walk of each cell's SEI rate factor. */
  ageing?: { randomWalk?: { sigma: number; rho: number } };
  variation: Record<string, QuantityVariation>;
  correlation: Partial<Record<Level, CorrelationBlock>>;
  analysis?: {
    tail?: TailAnalysisSpec[];
    /** groups: the factors, per (quantity, level) (default) or by origin (manufacturing, ageing parameters; the walk). */
    sensitivity?: { method: 'sobol' | 'shapley'; outputs: string[]; n: number; secondOrder?: boolean; groups?: 'quantity' | 'origin' };
    lifetime?: LifetimeAnalysisSpec;
  };
  /** Epistemic quantities and the outer x inner sizes of the two-level Monte Carlo (absent: one level). */
  epistemic?: EpistemicSpec;
  run: { samples: number; seed: number; chunkSize: number };
  /** Raised caps (src/spec/limits.ts); they bound the work and decide nothing about the results. */
  limits?: Partial<StudyLimits>;
}

/** What the schema alone produces (before the semantic pass fills scales and normalizes aliases). */
export type ParsedStudySpec = z.output<typeof studySpecSchema>;

// Compile-time check that the schema's distributions are the ones the sampler knows.
type Assert<T extends true> = T;
export type _DistributionsMatch = Assert<z.output<typeof distributionSchema> extends DistributionSpec ? true : false>;
