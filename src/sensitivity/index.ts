// Sensitivity analysis: Sobol' indices (grouped, bootstrap CIs, convergence) and Shapley effects for dependent inputs.
export { marginal, standardNormalInputs } from './inputs.ts';
export type { InputMarginal, InputGroup, NamedInputGroup, SensitivityInputs } from './inputs.ts';
export { ModelOutputError } from './model.ts';
export type { InputRows, SensitivityModel, SyncSensitivityModel } from './model.ts';
export { sobol } from './sobol-indices.ts';
export type { SobolOptions, SobolResult, SobolConvergence } from './sobol-indices.ts';
export { testFunctions } from './test-functions.ts';
export type { TestFunction, ExactIndices, IshigamiParams, GFunctionParams, LinearGaussianParams, ParametrisedTestFunction } from './test-functions.ts';
export { shapley } from './shapley.ts';
export type { ShapleyOptions, ShapleyResult } from './shapley.ts';
export { formatSobolResult, formatShapleyResult } from './format.ts';
