// Study specification: schema, parsing with located errors, hashing, the default study.
export { parseStudySpec } from './parse.ts';
export type { ParseStudyOptions } from './parse.ts';
export { validateStudySpec, StudySpecError, StudyLimitError, formatPath } from './validate.ts';
export type { SpecPath, SourceLocation } from './validate.ts';
export { studySpecSchema, distributionSchema } from './schema.ts';
export type {
  StudySpec,
  QuantityVariation,
  CorrelationBlock,
  PackSpec,
  StudyProtocolStep,
  StudyProtocolItem,
  RepeatBlockSpec,
  LifetimeAnalysisSpec,
  SeiLawSpec,
  TailAnalysisSpec,
  EpistemicSpec,
  EpistemicQuantity,
  ParsedStudySpec,
} from './schema.ts';
export { studyHash, simulationHash, analysisHash, canonicalJson } from './hash.ts';
export { DEFAULT_LIMITS, SPEC_TEXT_LIMITS, limitsOf, checkStudyCost, describeStudyCost, chunkMemoryBytes } from './limits.ts';
export type { StudyLimits, StudyCost } from './limits.ts';
export { TEMPERATURE_RANGE_K, MAX_CONTACT_RESISTANCE_OHM } from './physical.ts';
export { DEFAULT_STUDY_YAML, defaultStudy } from './default.ts';
