// The parity tolerance per output, shared by the parity suite and the browser test (a test file cannot be imported
// without running its tests).
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_NAMES, type PackOutputName } from '../../src/pack/outputs.ts';

/** Tolerance per output: |a - b| <= abs + rel * |b|. From the WebGPU/WASM issues: capacity 0.05 %, voltage 1 mV, temperature 0.05 K, the rest 0.1 %. */
export const PARITY_TOLERANCE: Record<PackOutputName, { abs: number; rel: number }> = {
  capacityAh: { abs: 1e-6, rel: 5e-4 },
  energyWh: { abs: 1e-6, rel: 1e-3 },
  durationS: { abs: 1e-3, rel: 5e-4 },
  timeToFirstCutoffS: { abs: 1e-3, rel: 5e-4 },
  cutoffCell: { abs: 0, rel: 0 },
  maxTemperatureK: { abs: 0.05, rel: 0 },
  maxTemperatureSpreadK: { abs: 0.05, rel: 0 },
  maxCurrentImbalance: { abs: 1e-6, rel: 1e-3 },
  minCellVoltageV: { abs: 1e-3, rel: 0 },
  maxCellVoltageV: { abs: 1e-3, rel: 0 },
  finalSocSpread: { abs: 1e-3, rel: 0 },
  weldLossJ: { abs: 1e-3, rel: 1e-3 },
  interconnectLossJ: { abs: 1e-3, rel: 1e-3 },
  heatJ: { abs: 1e-2, rel: 1e-3 },
  finalPackVoltageV: { abs: 1e-3, rel: 0 },
  stopReason: { abs: 0, rel: 0 },
  heatIrreversibleJ: { abs: 1e-2, rel: 1e-3 },
  heatReversibleJ: { abs: 1e-2, rel: 1e-3 },
  heatOhmicElectrolyteJ: { abs: 1e-2, rel: 1e-3 },
  heatOhmicSolidJ: { abs: 1e-2, rel: 1e-3 },
  heatCollectorJ: { abs: 1e-3, rel: 1e-3 },
  minElectrolyteFraction: { abs: 1e-4, rel: 0 },
};

/** A case's own tolerance for some outputs, with the reason it differs from PARITY_TOLERANCE. */
export type ToleranceOverride = Partial<Record<PackOutputName, { abs: number; rel: number; reason: string }>>;

export function compareOutputs(actual: Float64Array, wanted: Float64Array, count: number, overrides: ToleranceOverride = {}): string[] {
  const problems: string[] = [];
  for (let s = 0; s < count; s++) {
    PACK_OUTPUT_NAMES.forEach((name, k) => {
      const a = actual[s * PACK_OUTPUT_COUNT + k];
      const b = wanted[s * PACK_OUTPUT_COUNT + k];
      const tol = overrides[name] ?? PARITY_TOLERANCE[name];
      if (!(Math.abs(a - b) <= tol.abs + tol.rel * Math.abs(b))) problems.push(`sample ${s} ${name}: got ${a}, reference ${b}`);
    });
  }
  return problems;
}
