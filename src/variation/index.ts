// Variation: distributions, hierarchy, copula, manufacturing-to-model mapping and reproducible sampling.
// The distribution family lives in src/stats/ (cellspread/stats); its constructors stay exported here too.
export { normal, truncatedNormal, lognormal, uniform, studentT, weibull, fixed, pareto, generalizedPareto, mixture, transformed } from '../stats/index.ts';
export { distributionFromSpec, DISTRIBUTION_NAMES } from './distributions.ts';
export type {
  Distribution,
  DistributionSpec,
  SimpleDistributionSpec,
  DistributionName,
  NormalSpec,
  TruncatedNormalSpec,
  LognormalSpec,
  UniformSpec,
  StudentTSpec,
  WeibullSpec,
  FixedSpec,
  ParetoSpec,
  GeneralizedParetoSpec,
  DefectMixtureSpec,
} from './distributions.ts';
export { studentTCdf, studentTQuantile, regularizedBeta, logGamma } from '../math/special.ts';
export { correlationCholesky } from './copula.ts';
export type { CorrelationProblem } from './copula.ts';
export { MANUFACTURING_QUANTITIES, MANUFACTURING_QUANTITY_NAMES, LEVELS, resolveQuantity, variationKeyNames } from './quantities.ts';
export type { ManufacturingQuantity, Scale, Level } from './quantities.ts';
export { buildSampleDesign, compileStudy, scaleDistribution, streamKeyOf } from './design.ts';
export type { SampleDesign, SampleFactor, SampleGroup, CompiledEpistemic } from './design.ts';
export { sampleChunk, sampleChunkFromLatent, checkSampledCells, latentChunk, epistemicChunk, sobolLatent, iterateChunks, inputNames, VARIATION_STREAM, EPISTEMIC_STREAM } from './sample.ts';
export { kernelParameterProblem } from './validity.ts';
export { describeRange, inRange } from './quantities.ts';
export type { ValidRange } from './quantities.ts';
export type { SampleChunk } from './sample.ts';
export { sampleTable, sampleCsv } from './table.ts';
export type { SampleTable } from './table.ts';
