/**
 * Lifetime runs of packs of given cells without the study machinery (for the physics tests and bench/aging.ts): the
 * real generated kernels and pack machines through src/pack/lifetime.ts.
 */
import { ReferenceBackend } from '../../src/backends/reference.ts';
import type { Backend } from '../../src/backends/types.ts';
import { deriveCellParameters, type CellOverrides } from '../../src/model/derive.ts';
import { CELL_PARAMETER_COUNT, packCellParameters } from '../../src/model/layout.ts';
import type { SeiLaw } from '../../src/model/physics.ts';
import { compileLifetimeProtocol, CYCLE_OUTPUTS, runLifetime, type LifetimeChunkResult, type RateWalk } from '../../src/pack/lifetime.ts';
import type { PackProtocolStep } from '../../src/pack/protocol.ts';
import type { PackLayout } from '../../src/pack/topology.ts';
import { getParameterSet } from '../../src/params/index.ts';
import type { ParameterSet } from '../../src/params/types.ts';

/** PyBaMM's reference experiment: 1C to 2.5 V, rest 10 min, C/2 to 4.2 V, hold until C/50, rest 10 min. */
export const REFERENCE_CYCLE: PackProtocolStep[] = [
  { type: 'discharge', cRate: 1 },
  { type: 'rest', duration: 600 },
  { type: 'cccv', cRate: 0.5, voltage: 4.2, cutoffCRate: 0.02 },
  { type: 'rest', duration: 600 },
];

export interface CycleOptions {
  set?: ParameterSet | string;
  sei: SeiLaw;
  filmHeat?: boolean;
  cycles: number;
  steps?: PackProtocolStep[];
  layout?: PackLayout;
  /** Per-cell overrides (one per cell, or one for all), or several packs: an array of those per pack. */
  cells?: CellOverrides[];
  packs?: CellOverrides[][];
  timeStep?: number;
  jumping?: boolean | { tolerance?: number; relativeTolerance?: number; maxJump?: number; jumpBefore?: number };
  walk?: RateWalk;
  endOfLife?: { fraction: number; reference: 'first' | 'second' };
  backend?: Backend;
  recordCells?: boolean;
  firstSample?: number;
}

export type CycleRow = Record<(typeof CYCLE_OUTPUTS)[number]['name'], number>;

/** Cycle packs of given cells; returns the chunk result and each pack's rows. */
export async function cyclePacks(o: CycleOptions): Promise<{ result: LifetimeChunkResult; rows: CycleRow[][]; seconds: number }> {
  const set = typeof o.set === 'string' || o.set === undefined ? getParameterSet(o.set ?? 'okane2022') : o.set;
  const layout = o.layout ?? { series: 1, parallel: 1, modules: 1 };
  const n = layout.series * layout.parallel;
  const packs = o.packs ?? [o.cells ?? [{}]];
  const count = packs.length;
  const params = new Float64Array(CELL_PARAMETER_COUNT * count * n);
  const cell = new Float64Array(CELL_PARAMETER_COUNT);
  packs.forEach((cells, s) => {
    for (let c = 0; c < n; c++) {
      packCellParameters(deriveCellParameters(set, 1, cells[cells.length === 1 ? 0 : c]), cell);
      for (let k = 0; k < CELL_PARAMETER_COUNT; k++) params[(k * count + s) * n + c] = cell[k];
    }
  });
  const nominal = set.electrical.nominalCapacity;
  const plan = compileLifetimeProtocol([{ repeat: o.cycles, steps: o.steps ?? REFERENCE_CYCLE, jumping: o.jumping }], {
    layout,
    nominalCapacity: nominal,
    lowerCutoff: set.electrical.lowerVoltageCutoff,
    upperCutoff: set.electrical.upperVoltageCutoff,
    nominalVoltage: 3.6,
  })!;
  const t0 = performance.now();
  const result = await runLifetime(o.backend ?? new ReferenceBackend(), {
    packs: {
      set,
      layout,
      settings: { timeStep: o.timeStep ?? 10, modes: 10, thermal: 'lumped', conduction: 0, stopAt: 'cell', sei: o.sei, filmHeat: o.filmHeat },
      count,
      firstSample: o.firstSample ?? 0,
      kernelParameters: params,
      interconnectResistance: new Float64Array(count * layout.series),
    },
    plan,
    nominalCapacity: nominal,
    walk: o.walk,
    endOfLife: o.endOfLife,
    recordCells: o.recordCells,
  });
  const seconds = (performance.now() - t0) / 1000;
  const K = CYCLE_OUTPUTS.length;
  const rows = packs.map((_, s) =>
    Array.from({ length: o.cycles }, (_, i) => Object.fromEntries(CYCLE_OUTPUTS.map((out, k) => [out.name, result.cycleOutputs[(s * o.cycles + i) * K + k]])) as CycleRow),
  );
  return { result, rows, seconds };
}
