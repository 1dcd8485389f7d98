/**
 * The WebGPU kernel's memory layout, one list each, generated into shaders/layout.generated.wgsl (scripts/generate.ts)
 * and used here for buffer sizes and bind groups, so the two sides cannot drift:
 *   - the dispatch uniform and the buffer bindings,
 *   - the per-cell working slots (W_*): state-sized slots then scalars,
 *   - the per-pack fields a pack keeps between dispatches when it pauses (F_*), from the output count,
 *   - the per-cell fields the private-memory variant keeps between dispatches.
 */
import { PACK_OUTPUT_COUNT } from '../../pack/outputs.ts';

/**
 * How packs map onto invocations and where their working slots live: one invocation per pack with the slots in private
 * memory (single cells, tiny packs) or in a storage buffer [slot][cell][pack] (shaders/pack.wgsl), or one workgroup per
 * pack, an invocation per cell, the slots in a storage buffer [pack][slot][cell] (shaders/pack-workgroup.wgsl).
 */
export type WorkVariant = 'private' | 'storage' | 'workgroup';

export interface Binding {
  readonly name: string;
  readonly binding: number;
  readonly declaration: string;
  readonly description: string;
  /** Only in these variants (else in every one, and in shaders/layout.generated.wgsl). */
  readonly variants?: readonly WorkVariant[];
}

/** The dispatch uniform's u32 fields, in order. */
export const DISPATCH_FIELDS = [
  { name: 'packs', description: 'packs in this dispatch' },
  { name: 'groupsX', description: 'workgroups along x (2-D dispatch beyond maxComputeWorkgroupsPerDimension)' },
  { name: 'segments', description: 'compiled segments' },
  { name: 'budget', description: 'loop iterations after which an invocation saves its pack at the next step and returns' },
  { name: 'states', description: '0: cells start from their initial states; 1: and their end states go to persist (F_STATES); 2: they start from the states there too' },
] as const;

export const BINDINGS: readonly Binding[] = [
  { name: 'info', binding: 0, declaration: 'var<uniform> info: Dispatch', description: 'the dispatch uniform' },
  { name: 'params', binding: 1, declaration: 'var<storage, read> params: array<f32>', description: 'parameter rows, then the derived rows D_*: [row][cell][pack] (per-pack variants), [pack][row][cell] (workgroup)' },
  { name: 'segs', binding: 2, declaration: 'var<storage, read> segs: array<f32>', description: 'SEGMENT_FIELD_COUNT f32 per segment' },
  { name: 'segAux', binding: 3, declaration: 'var<storage, read> segAux: array<f32>', description: 'per segment: steps (exact integer in f32) and the last step length, computed in f64' },
  { name: 'interconnect', binding: 4, declaration: 'var<storage, read> interconnect: array<f32>', description: 'per pack: total interconnect resistance [Ohm]' },
  { name: 'outputs', binding: 5, declaration: 'var<storage, read_write> outputs: array<f32>', description: '[pack][OUT_STRIDE]: outputs then the committed step count' },
  { name: 'work', binding: 6, declaration: 'var<storage, read_write> work: array<f32>', description: 'working slots W_*: [slot][cell][pack] (storage), [pack][slot][cell] (workgroup)', variants: ['storage', 'workgroup'] },
  { name: 'persist', binding: 7, declaration: 'var<storage, read_write> persist: array<f32>', description: '[field][pack]: what a paused pack carries to the next dispatch' },
  { name: 'pausedPacks', binding: 8, declaration: 'var<storage, read_write> pausedPacks: atomic<u32>', description: 'packs that paused in this dispatch' },
];

export const BINDING = Object.fromEntries(BINDINGS.map((b) => [b.name, b.binding])) as Record<string, number>;

/** Per-cell working slots: `state` slots are STATE_LEN long, the others one value (some indexed by group or position). */
export const WORK_SLOTS = [
  { name: 'start', state: true, description: 'committed state (the start of the step)' },
  { name: 'trial', state: true, description: 'end state of the last evaluation' },
  { name: 'partA', state: true, description: 'prepared step, the part at zero current' },
  { name: 'partB', state: true, description: 'prepared step, the derivative in the current' },
  { name: 'current', state: false, description: 'cell current' },
  { name: 'voltage', state: false, description: 'end voltage of the last evaluation' },
  { name: 'slope', state: false, description: 'its exact dV/dI' },
  { name: 'heatIn', state: false, description: 'conduction heat into the cell [W]' },
  { name: 'stepHeat', state: false, description: 'heat of the last evaluation [J]' },
  { name: 'termIrreversible', state: false, description: 'its irreversible heat term [J]' },
  { name: 'termReversible', state: false, description: 'its reversible heat term [J]' },
  { name: 'termElectrolyte', state: false, description: 'its electrolyte Ohmic heat term [J]' },
  { name: 'termSolid', state: false, description: 'its solid-phase Ohmic heat term [J]' },
  { name: 'minimum', state: false, description: 'lowest c_e / c_e0 of its end state (1 for the SPM)' },
  { name: 'margin', state: false, description: 'its margin to electrolyte depletion' },
  { name: 'vStart', state: false, description: 'start voltage of the last evaluation' },
  { name: 'groupV', state: false, description: 'group voltage (indexed by group)' },
  { name: 'trialI', state: false, description: 'Newton trial currents (indexed by position in the group)' },
  { name: 'trialV', state: false, description: 'their voltages' },
  { name: 'trialS', state: false, description: 'their slopes' },
  { name: 'delta', state: false, description: 'Newton updates' },
  { name: 'committed1', state: false, description: 'cell current of the last commit' },
  { name: 'committed2', state: false, description: '... of the commit before' },
  { name: 'committed3', state: false, description: '... of the one before that' },
  { name: 'stepStoichMargin', state: false, description: 'end-of-step distance of the particle surfaces from the ends of the stoichiometry range' },
  { name: 'iterateStoichMargin', state: false, description: '... at the group Newton\'s current iterate' },
  { name: 'validCurrent', state: false, description: 'cell current of the last valid solve while a step is located' },
] as const;

export function workSlotCount(stateLength: number): number {
  return WORK_SLOTS.reduce((n, s) => n + (s.state ? stateLength : 1), 0);
}

/** Per-cell slots the private variant saves when a pack pauses (the storage variant's work buffer persists itself). */
export const PERSIST_CELL_SLOTS = ['start', 'current', 'committed1', 'committed2', 'committed3', 'validCurrent'] as const;

export function persistCellFields(stateLength: number): number {
  return PERSIST_CELL_SLOTS.reduce((n, s) => n + (WORK_SLOTS.find((w) => w.name === s)!.state ? stateLength : 1), 0);
}

/** Per-pack fields kept between dispatches, before the per-cell ones; each has a size. */
export const PERSIST_FIELDS_LIST = [
  { name: 'o', size: PACK_OUTPUT_COUNT, description: 'the outputs so far' },
  { name: 'blk', size: 10, description: 'block sums: capacity, energy, weld loss, interconnect loss, heat, the heat terms (irreversible, reversible, electrolyte, solid), collectors' },
  { name: 'time', size: 1, description: 'time [s]' },
  { name: 'committed', size: 1, description: 'committed steps' },
  { name: 'stringCurrent', size: 1, description: 'string current of the last step' },
  { name: 'stopReason', size: 1, description: 'stop reason so far' },
  { name: 'segment', size: 1, description: 'segment' },
  { name: 'step', size: 1, description: 'step within the segment' },
  { name: 't0', size: 1, description: 'time at the segment start' },
  { name: 'status', size: 1, description: '0 not started, 1 paused, 2 finished' },
  { name: 'history', size: 1, description: 'consecutive equal steps of one segment (the split extrapolation)' },
  { name: 'historyDt', size: 1, description: 'their length' },
  { name: 'historySegment', size: 1, description: 'their segment' },
  {
    name: 'location',
    size: 11,
    description: 'a pack paused while locating a stop within a step: phase (0: none), the pending probe, lo, hi, flo, fhi, x, side, iteration, hiReason, hiCell',
  },
] as const;

export const PERSIST_FIELDS = PERSIST_FIELDS_LIST.reduce((n, f) => n + f.size, 0);
