// cellspread public API. Each area has its own barrel; this file only re-exports them.
export * from './errors.ts';
export * from './random/rng.ts';
export * from './tail/index.ts';
export * from './sensitivity/index.ts';
export * from './params/index.ts';
export { simulateCell, DEFAULT_TIME_STEP, reachableVoltageRange } from './model/simulate.ts';
export type { CellSimulationOptions, CellSimulationResult, CellTrace, StepSummary } from './model/simulate.ts';
export type { ProtocolStep } from './model/protocol.ts';
export { deriveCellParameters, electrodeBalance } from './model/derive.ts';
export type { CellOverrides, ElectrodeBalance } from './model/derive.ts';
export { CellKernel, DEFAULT_MODES } from './model/cell.ts';
export { CELL_PARAMETERS, CELL_STATE } from './model/layout.ts';
