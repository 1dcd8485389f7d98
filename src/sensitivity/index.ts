// Sensitivity analysis: Sobol' indices (grouped, second order, bootstrap CIs, convergence) and Shapley effects for
// dependent inputs, as sample (design) / evaluate (any model, anywhere) / analyze (on given outputs), or in one call.
export { marginal, standardNormalInputs } from './inputs.ts';
export type { InputMarginal, InputGroup, NamedInputGroup, SensitivityInputs } from './inputs.ts';
export { ModelOutputError } from './model.ts';
export type { InputRows, RowDesign, SensitivityModel, SyncSensitivityModel } from './model.ts';
export { sobolDesign } from './sobol-design.ts';
export type { SobolDesign, SobolDesignOptions, SobolRow } from './sobol-design.ts';
export { sobol, analyzeSobol } from './sobol-indices.ts';
export type { SobolOptions, SobolAnalysisOptions, SobolResult, SobolConvergence, SobolSecondOrder } from './sobol-indices.ts';
export { testFunctions } from './test-functions.ts';
export type { TestFunction, ExactIndices, IshigamiParams, GFunctionParams, LinearGaussianParams, ParametrisedTestFunction } from './test-functions.ts';
export { shapley, shapleyDesign, analyzeShapley } from './shapley.ts';
export type { ShapleyOptions, ShapleyDesignOptions, ShapleyAnalysisOptions, ShapleyDesign, ShapleyResult } from './shapley.ts';
export { formatSobolResult, formatShapleyResult } from './format.ts';
