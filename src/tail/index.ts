// Tail risk: empirical exceedance, quantiles, VaR/CVaR, generalized Pareto peaks-over-threshold fits, and rare-event
// estimation through the model (subset simulation, cross-entropy importance sampling). See docs/tail-risk.md.
export type { TailDirection, TailOption } from './validate.ts';
export {
  binomialInterval,
  exceedanceProbability,
  empiricalQuantile,
  valueAtRisk,
  conditionalValueAtRisk,
  exceedanceCurve,
} from './empirical.ts';
export type {
  BinomialIntervalMethod,
  Interval,
  ExceedanceOptions,
  ExceedanceResult,
  QuantileOptions,
  QuantileResult,
  RiskOptions,
  ValueAtRiskResult,
  CvarResult,
  ExceedanceCurve,
  ExceedanceCurveOptions,
  ExceedanceCurvePoint,
} from './empirical.ts';
export {
  fitGeneralizedPareto,
  gpdLogLikelihood,
  gpdReturnLevel,
  gpdExceedanceProbability,
  meanResidualLife,
  thresholdStability,
} from './gpd.ts';
export type {
  GpdFit,
  GpdFitOptions,
  ReturnLevelOptions,
  ReturnLevelResult,
  TailProbabilityOptions,
  TailProbabilityResult,
  ThresholdDiagnosticOptions,
  MeanResidualLifePoint,
  ThresholdStabilityPoint,
} from './gpd.ts';
export { subsetSimulation, crossEntropyImportanceSampling } from './rare.ts';
export type {
  BatchModel,
  RareEventOptions,
  SubsetSimulationOptions,
  CrossEntropyOptions,
  RareEventLevel,
  RareEventResult,
} from './rare.ts';
export { tailSummary } from './summary.ts';
export type { TailSummary, TailSummaryOptions, TailSummaryInterval } from './summary.ts';
export { epistemicTailSummary } from './epistemic.ts';
export type { EpistemicTailSummary, EpistemicTailOptions, EpistemicDraws, EpistemicQuantile, MeasureFirst } from './epistemic.ts';
