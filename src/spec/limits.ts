/**
 * Bounded work. A study declares its cost before it starts (packs x cells x time steps, memory per chunk), and caps on
 * samples per run, cells per pack, table length, time steps per pack and chunk memory turn a study that would hang or
 * exhaust memory into a clear error naming the number, the cap and how to raise it (`limits:` in the study file).
 * The caps guarding the study file itself (size, YAML aliases, nesting) cannot be raised from inside it.
 */
import { cellParameters, cellStateLength } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT } from '../pack/outputs.ts';
import { compileLifetimeProtocol, CYCLE_OUTPUT_COUNT, type LifetimeProtocolStep } from '../pack/lifetime.ts';
import { compileProtocol, type CompileContext, type PackProtocolStep, type Segment } from '../pack/protocol.ts';
import type { PackLayout } from '../pack/topology.ts';
import type { ParameterSet } from '../params/types.ts';
import { StudyLimitError } from './errors.ts';
import type { RepeatBlockSpec, StudyProtocolStep, StudySpec } from './schema.ts';

/** Caps a study file may raise under `limits:` (they decide nothing about the results, so they are not hashed). */
export interface StudyLimits {
  /** Samples (packs) per run. */
  samples: number;
  /** Cells per pack (series x parallel). */
  cellsPerPack: number;
  /** Entries of one `table` protocol step. */
  tableLength: number;
  /** Time steps one pack may take through the whole protocol (each step at its maximum duration; a repeat block's
   * steps once per cycle, as if every cycle were simulated). */
  stepsPerPack: number;
  /** Estimated working memory of one chunk of packs [MiB]. */
  chunkMemoryMB: number;
}

export const DEFAULT_LIMITS: Readonly<StudyLimits> = {
  samples: 10_000_000,
  cellsPerPack: 100_000,
  tableLength: 100_000,
  stepsPerPack: 1_000_000,
  chunkMemoryMB: 2048,
};

/** Caps on the study text itself, checked while reading it (a file cannot raise the caps that guard its reading). */
export const SPEC_TEXT_LIMITS = {
  /** Characters of a study file (a 100,000-entry table fits; the YAML parser takes ~10 s per MiB of numbers here). */
  bytes: 2 * 1024 * 1024,
  /** YAML alias expansions (an "alias bomb" expands exponentially). */
  aliases: 1000,
  /** Nesting depth of mappings and lists. */
  depth: 64,
} as const;

export function limitsOf(spec: Pick<StudySpec, 'limits'>): StudyLimits {
  return { ...DEFAULT_LIMITS, ...(spec.limits ?? {}) };
}

/** What a study will cost, declared before it starts (all figures are upper bounds: steps end early at limits). */
export interface StudyCost {
  samples: number;
  cellsPerPack: number;
  /** Time steps of one pack through the protocol, every step at its maximum duration. */
  stepsPerPack: number;
  /** samples x cellsPerPack x stepsPerPack. */
  cellSteps: number;
  /** Per protocol item: its maximum duration [s] and time steps (a repeat block: all its cycles). */
  steps: { step: number; maxDurationS: number; timeSteps: number }[];
  chunkSize: number;
  /** Estimated working memory of one chunk [bytes]. */
  chunkMemoryBytes: number;
}

/** How the study's protocol compiles for its parameter set (shared with the study model, so the two cannot differ). */
export function protocolContext(set: ParameterSet, layout: PackLayout): CompileContext {
  return {
    layout,
    nominalCapacity: set.electrical.nominalCapacity,
    lowerCutoff: set.electrical.lowerVoltageCutoff,
    upperCutoff: set.electrical.upperVoltageCutoff,
    nominalVoltage: 0.5 * (set.electrical.lowerVoltageCutoff + set.electrical.upperVoltageCutoff),
  };
}

/** Time steps of a segment of `duration` seconds at `dt` (as the pack simulator counts them; at least one). */
function segmentSteps(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

const RAISE = (key: keyof StudyLimits, alternatives = '') => `${alternatives}raise it with limits.${key} in the study file`;

/** Estimated working memory of one chunk: kernel parameters, states and scratch per cell, outputs and inputs per pack. */
export function chunkMemoryBytes(spec: StudySpec, chunkSize: number): number {
  const cells = spec.pack.series * spec.pack.parallel;
  const quantities = Object.keys(spec.variation).length;
  const inputs = Object.values(spec.variation).reduce((n, v) => n + 3 + (v.pack ? 1 : 0) + (v.module ? 3 : 0) + (v.cell ? 3 : 0), 0);
  const { model, electrolyteMesh } = spec.simulation;
  const perCell = (cellParameters(model).length + 4 * cellStateLength(spec.simulation.modes, model, electrolyteMesh) + quantities + 2) * 8;
  // Per pack: the numbers as Float64 and once more as chunk-file text (about 24 characters each); a lifetime study
  // adds its per-cycle outputs (and, with analysis.lifetime.cellStates, every cell's SEI growth per cycle, Float32).
  const block = spec.protocol.find((s): s is RepeatBlockSpec => 'repeat' in s);
  const cycles = block ? block.repeat : 0;
  const perCycle = cycles * (CYCLE_OUTPUT_COUNT * (8 + 24) + (spec.analysis?.lifetime?.cellStates ? cells * 4 : 0));
  const perPack = cells * perCell + (PACK_OUTPUT_COUNT + inputs) * (8 + 24) + perCycle;
  return chunkSize * perPack;
}

/**
 * Check a validated study against its caps and return its declared cost. Throws StudyLimitError naming the field, the
 * number, the cap and how to raise it, before anything is sampled or simulated.
 */
export function checkStudyCost(spec: StudySpec, set: ParameterSet): StudyCost {
  const limits = limitsOf(spec);
  const { samples, chunkSize } = spec.run;
  if (samples > limits.samples) {
    throw new StudyLimitError(['run', 'samples'], 'samples per run', samples, limits.samples, RAISE('samples', 'split the run into shards (--shard I/N) or '));
  }
  const layout: PackLayout = { series: spec.pack.series, parallel: spec.pack.parallel, modules: spec.pack.modules };
  const cellsPerPack = layout.series * layout.parallel;
  if (cellsPerPack > limits.cellsPerPack) {
    throw new StudyLimitError(['pack'], `cells per pack (series x parallel = ${layout.series} x ${layout.parallel})`, cellsPerPack, limits.cellsPerPack, RAISE('cellsPerPack'));
  }
  const dt = spec.simulation.timeStep;
  // Tables first: a long table, or a linear one cut into 10 s pieces over a huge span, must not be compiled at all.
  const checkTable = (step: StudyProtocolStep, at: (string | number)[]) => {
    if (step.type !== 'table') return;
    if (step.time.length > limits.tableLength) {
      throw new StudyLimitError([...at, 'time'], 'entries per table', step.time.length, limits.tableLength, RAISE('tableLength'));
    }
    let pieces = 0;
    for (let k = 0; k + 1 < step.time.length; k++) {
      const span = step.time[k + 1] - step.time[k];
      pieces += step.interpolation === 'linear' ? Math.max(1, Math.ceil(span / 10)) : segmentSteps(span, dt);
    }
    if (!(pieces <= limits.stepsPerPack)) {
      throw new StudyLimitError([...at, 'time'], 'time steps per pack', pieces, limits.stepsPerPack, RAISE('stepsPerPack', 'shorten the table, or '));
    }
  };
  spec.protocol.forEach((item, i) => {
    if ('repeat' in item) item.steps.forEach((step, n) => checkTable(step, ['protocol', i, 'steps', n]));
    else checkTable(item, ['protocol', i]);
  });
  const ctx = protocolContext(set, layout);
  const steps = spec.protocol.map((_, step) => ({ step, maxDurationS: 0, timeSteps: 0 }));
  const itemSegments: Segment[][] = spec.protocol.map(() => []);
  const count = (segments: readonly Segment[], item: number, times = 1) => {
    itemSegments[item].push(...segments);
    for (const s of segments) {
      steps[item].maxDurationS += times * s.duration;
      steps[item].timeSteps += times * segmentSteps(s.duration, dt);
    }
  };
  const plan = compileLifetimeProtocol(spec.protocol as LifetimeProtocolStep[], ctx);
  // A lifetime study: the block's steps once per cycle (an honest bound; cycle jumping simulates far fewer cycles).
  const r = spec.protocol.findIndex((s) => 'repeat' in s);
  if (plan) {
    plan.before.forEach((s, k) => count(s, k));
    count(plan.cycle.flat(), r, plan.cycles);
    plan.after.forEach((s, k) => count(s, r + 1 + k));
  } else {
    for (const s of compileProtocol(spec.protocol as PackProtocolStep[], ctx)) count([s], s.step);
  }
  const stepsPerPack = steps.reduce((n, s) => n + s.timeSteps, 0);
  if (!(stepsPerPack <= limits.stepsPerPack)) {
    const worst = steps.reduce((a, b) => (b.timeSteps > a.timeSteps ? b : a));
    const bound = plan && worst.step === r ? `lower protocol[${r}].repeat, bound its steps (${blockBound(spec.protocol[r] as RepeatBlockSpec, r)})` : stepBound(spec.protocol[worst.step] as StudyProtocolStep, worst.step, itemSegments[worst.step]);
    throw new StudyLimitError(
      ['protocol', worst.step],
      `time steps per pack (this ${plan && worst.step === r ? 'repeat block' : 'step'} may last ${worst.maxDurationS.toPrecision(3)} s, ${worst.timeSteps.toPrecision(3)} steps of ${dt} s)`,
      stepsPerPack,
      limits.stepsPerPack,
      RAISE('stepsPerPack', `${bound}, a larger simulation.timeStep, or `),
    );
  }
  // The sensitivity design's rows are samples of the run too (study/samples.ts): N (G + 2) for Sobol (N (2G + 2) with
  // second order), M G 3 for Shapley, G the random (quantity, level) groups and epistemic quantities.
  const sens = spec.analysis?.sensitivity;
  if (sens) {
    const groups =
      Object.values(spec.variation).reduce((g, v) => g + (['pack', 'module', 'cell'] as const).filter((l) => v[l] && v[l]!.distribution !== 'fixed').length, 0) +
      Object.keys(spec.epistemic?.quantities ?? {}).length;
    const design = sens.method === 'sobol' ? sens.n * ((sens.secondOrder ? 2 * groups : groups) + 2) : sens.n * groups * 3;
    if (samples + design > limits.samples) {
      throw new StudyLimitError(
        ['analysis', 'sensitivity', 'n'],
        `samples per run (${samples.toLocaleString('en-US')} Monte Carlo samples + ${design.toLocaleString('en-US')} ${sens.method} design rows)`,
        sens.n,
        limits.samples,
        RAISE('samples', 'lower n, or '),
      );
    }
  }
  const memory = chunkMemoryBytes(spec, chunkSize);
  if (memory > limits.chunkMemoryMB * 2 ** 20) {
    throw new StudyLimitError(
      ['run', 'chunkSize'],
      `MiB of working memory per chunk (about ${(memory / 2 ** 20).toFixed(0)} MiB for ${chunkSize} packs of ${cellsPerPack} cells)`,
      chunkSize,
      limits.chunkMemoryMB,
      RAISE('chunkMemoryMB', 'lower run.chunkSize, or '),
    );
  }
  return { samples, cellsPerPack, stepsPerPack, cellSteps: samples * cellsPerPack * stepsPerPack, steps, chunkSize, chunkMemoryBytes: memory };
}

/** How to bound the steps of a repeat block, for the time-step cap's message. */
function blockBound(block: RepeatBlockSpec, i: number): string {
  const cccv = block.steps.findIndex((s) => s.type === 'cccv');
  if (cccv >= 0) return `e.g. a shorter protocol[${i}].steps[${cccv}].maxDuration, default 36000 s per phase`;
  return `e.g. durations of protocol[${i}].steps`;
}

/** How to bound one protocol step, for the time-step cap's message. */
function stepBound(step: StudyProtocolStep, i: number, segments: readonly Segment[]): string {
  switch (step.type) {
    case 'discharge':
    case 'charge':
      return step.duration === undefined
        ? `give protocol[${i}].duration (without it a step may last 3 x the time its current takes to move the pack's capacity: ${segments[0].duration.toPrecision(3)} s)`
        : `shorten protocol[${i}].duration`;
    case 'cccv':
      return `give a shorter protocol[${i}].maxDuration (default 36000 s per phase)`;
    case 'rest':
      return `shorten protocol[${i}].duration`;
    case 'table':
      return 'shorten the table';
  }
}

/** "200 packs x 24 cells x up to 1,080 time steps = up to 5.18e6 cell-steps; about 1.2 MiB per chunk of 64 packs". */
export function describeStudyCost(cost: StudyCost): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const mib = cost.chunkMemoryBytes / 2 ** 20;
  return `${n(cost.samples)} packs x ${n(cost.cellsPerPack)} cells x up to ${n(cost.stepsPerPack)} time steps = up to ${cost.cellSteps.toPrecision(3)} cell-steps; about ${mib < 10 ? mib.toFixed(1) : mib.toFixed(0)} MiB per chunk of ${n(cost.chunkSize)} packs`;
}
