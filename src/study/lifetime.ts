/**
 * Lifetime studies (a protocol with a repeat block): the per-pack lifetime outputs (cycles to end of life, capacity
 * retention, which cell limits the pack and when that changes, LLI and SEI at the end), a chunk's run through the
 * lifetime runner (src/pack/lifetime.ts), and the across-pack summaries the report draws (capacity-fade fan chart,
 * end-of-life distribution). Pure functions of the spec and the per-cycle outputs.
 */
import type { Backend } from '../backends/types.ts';
import { sortedQuantile } from '../math/quantile.ts';
import { CYCLE_OUTPUT_COUNT, CYCLE_OUTPUT_INDEX, CYCLE_OUTPUTS, runLifetime, type LifetimeChunkResult } from '../pack/lifetime.ts';
import type { LayoutEntry } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT } from '../pack/outputs.ts';
import type { Segment } from '../pack/protocol.ts';
import { chargeBounds, invalidPackReason, validityContext, type InvalidPack, type ValidityContext } from '../results/validity.ts';
import type { LifetimeAnalysisSpec, RepeatBlockSpec, StudySpec } from '../spec/index.ts';
import type { StudyModel } from './job.ts';

/** The repeat block of a lifetime study, or undefined. */
export function repeatBlock(spec: StudySpec): RepeatBlockSpec | undefined {
  return spec.protocol.find((s): s is RepeatBlockSpec => 'repeat' in s);
}

export function isLifetimeStudy(spec: StudySpec): boolean {
  return repeatBlock(spec) !== undefined;
}

/** The lifetime analysis settings with their defaults. */
export function lifetimeSettings(spec: StudySpec): LifetimeAnalysisSpec {
  return { endOfLife: 0.8, reference: 'first', cellStates: false, ...spec.analysis?.lifetime };
}

/** The per-pack outputs of a lifetime study, in order (its output columns). */
export function lifetimeOutputs(spec: StudySpec): LayoutEntry[] {
  const N = repeatBlock(spec)!.repeat;
  const l = lifetimeSettings(spec);
  return [
    { name: 'initialCapacityAh', unit: 'Ah', description: `discharge capacity of the reference cycle (the ${l.reference})` },
    { name: 'finalCapacityAh', unit: 'Ah', description: `discharge capacity of the last cycle (${N})` },
    { name: 'capacityRetention', unit: '-', description: 'final over initial discharge capacity' },
    {
      name: 'cyclesToEol',
      unit: 'cycles',
      description: `cycles until the discharge capacity falls below ${l.endOfLife} of the initial (interpolated between cycles); ${N} when it does not (censored: eolReached 0), so a pack that survives the run counts as a survivor for any limit up to ${N}`,
    },
    { name: 'eolReached', unit: '-', description: '1 when the pack reached its end of life within the run, else 0 (censored)' },
    ...(l.capacityAt ?? []).map((n) => ({ name: `capacityAt${n}Ah`, unit: 'Ah', description: `discharge capacity of cycle ${n}` })),
    { name: 'finalLliPercent', unit: '%', description: 'loss of lithium inventory of the pack at the end' },
    { name: 'maxCellLliPercent', unit: '%', description: 'largest loss of lithium inventory of a cell at the end' },
    { name: 'maxSeiThicknessM', unit: 'm', description: 'largest SEI thickness of a cell at the end' },
    { name: 'maxTemperatureK', unit: 'K', description: 'maximum cell temperature over the life (simulated cycles, and interpolated ones)' },
    { name: 'finalLimitingCell', unit: '-', description: 'the cell that ended the last cycle\'s discharge (-1 if none did)' },
    { name: 'limitingCellChanges', unit: '-', description: 'how many times the cell ending the discharge changed from one cycle to the next' },
    { name: 'lastLimitingChangeCycle', unit: 'cycles', description: 'the last cycle whose limiting cell differs from the cycle before (0: never)' },
    { name: 'simulatedCycles', unit: 'cycles', description: 'cycles of full electrochemistry run (cycle jumping; rejected jumps included)' },
  ];
}

/** Cycles to end of life from a pack's discharge capacities (1-based cycles): interpolated, or NaN when not reached. */
export function cyclesToEndOfLife(capacity: (cycle: number) => number, cycles: number, fraction: number, reference: 'first' | 'second'): { cycles: number; initial: number } {
  const ref = reference === 'second' && cycles >= 2 ? 2 : 1;
  const initial = capacity(ref);
  const threshold = fraction * initial;
  for (let i = ref + 1; i <= cycles; i++) {
    const q = capacity(i);
    if (q < threshold) {
      const before = capacity(i - 1);
      return { cycles: i - 1 + (before - threshold) / (before - q), initial };
    }
  }
  return { cycles: NaN, initial };
}

/** The lifetime outputs of every pack of a chunk, row-major (lifetimeOutputs(spec) columns). */
export function lifetimeOutputRows(spec: StudySpec, r: LifetimeChunkResult, count: number): Float64Array {
  const names = lifetimeOutputs(spec).map((o) => o.name);
  const N = r.cycles;
  const l = lifetimeSettings(spec);
  const K = CYCLE_OUTPUT_COUNT;
  const C = CYCLE_OUTPUT_INDEX;
  const out = new Float64Array(count * names.length);
  for (let s = 0; s < count; s++) {
    const at = (i: number, k: number) => r.cycleOutputs[(s * N + i - 1) * K + k];
    const capacity = (i: number) => at(i, C.dischargeCapacityAh);
    const eol = cyclesToEndOfLife(capacity, N, l.endOfLife, l.reference);
    let changes = 0;
    let lastChange = 0;
    let maxT = -Infinity;
    for (let i = 1; i <= N; i++) {
      maxT = Math.max(maxT, at(i, C.maxTemperatureK));
      if (i > 1 && at(i, C.limitingCell) !== at(i - 1, C.limitingCell)) {
        changes++;
        lastChange = i;
      }
    }
    const values: Record<string, number> = {
      initialCapacityAh: eol.initial,
      finalCapacityAh: capacity(N),
      capacityRetention: capacity(N) / eol.initial,
      cyclesToEol: Number.isNaN(eol.cycles) ? N : eol.cycles,
      eolReached: Number.isNaN(eol.cycles) ? 0 : 1,
      finalLliPercent: at(N, C.lliPercent),
      maxCellLliPercent: at(N, C.maxCellLliPercent),
      maxSeiThicknessM: at(N, C.maxSeiThicknessM),
      maxTemperatureK: maxT,
      finalLimitingCell: at(N, C.limitingCell),
      limitingCellChanges: changes,
      lastLimitingChangeCycle: lastChange,
      simulatedCycles: r.simulatedCycles[s],
    };
    for (const n of l.capacityAt ?? []) values[`capacityAt${n}Ah`] = capacity(n);
    names.forEach((name, k) => (out[s * names.length + k] = values[name]));
  }
  return out;
}

/** A chunk of a lifetime study through the lifetime runner: the per-pack outputs and the per-cycle outputs. */
export async function simulateLifetimeChunk(
  spec: StudySpec,
  model: StudyModel,
  backend: Backend,
  sampled: { kernelParameters: Float64Array; interconnectResistance: Float64Array; walkKeys?: Float64Array },
  start: number,
  count: number,
  signal?: AbortSignal,
  onFraction?: (done: number) => void,
): Promise<{ outputs: Float64Array; cycleOutputs: Float64Array; cellSteps: number; invalid: InvalidPack[]; cellGrowth?: Float32Array }> {
  const l = lifetimeSettings(spec);
  const walk = spec.ageing?.randomWalk;
  // Valid states only: every protocol step of every simulated cycle goes through the pack validity checks (against
  // that step's limits); a pack's first invalid step is its reason. The cells' charge bound is their cycle-1 capacity
  // (SEI growth only lowers it).
  const bounds = chargeBounds(sampled.kernelParameters, count, model.layout);
  const contexts = new Map<readonly Segment[], ValidityContext>();
  const reasons: (string | undefined)[] = new Array(count);
  const onStep = (segments: readonly Segment[], packs: readonly number[], out: Float64Array, where: (j: number) => string) => {
    let ctx = contexts.get(segments);
    if (!ctx) contexts.set(segments, (ctx = validityContext(model.set, model.layout, segments)));
    packs.forEach((p, j) => {
      if (reasons[p] !== undefined) return;
      const reason = invalidPackReason(out, j * PACK_OUTPUT_COUNT, ctx, bounds[p]);
      if (reason !== undefined) reasons[p] = `${where(j)}: ${reason}`;
    });
  };
  const r = await runLifetime(
    backend,
    {
      packs: { set: model.set, layout: model.layout, settings: model.settings, count, firstSample: start, kernelParameters: sampled.kernelParameters, interconnectResistance: sampled.interconnectResistance },
      plan: model.lifetime!,
      nominalCapacity: model.set.electrical.nominalCapacity,
      ...(walk ? { walk: { seed: spec.run.seed, sigma: walk.sigma, rho: walk.rho }, ...(sampled.walkKeys ? { walkKeys: sampled.walkKeys } : {}) } : {}),
      endOfLife: { fraction: l.endOfLife, reference: l.reference },
      recordCells: l.cellStates,
    },
    { signal, onRound: onFraction ? (cycle, cycles) => onFraction(Math.min(1, (cycle - 1) / cycles)) : undefined, onStep },
  );
  const outputs = lifetimeOutputRows(spec, r, count);
  const names = lifetimeOutputs(spec).map((o) => o.name);
  const W = names.length;
  const invalid: InvalidPack[] = [];
  for (let p = 0; p < count; p++) {
    let reason = reasons[p];
    for (let k = 0; reason === undefined && k < W; k++) {
      const v = outputs[p * W + k];
      if (!Number.isFinite(v)) reason = `${names[k]} is ${v}: not a result`;
    }
    if (reason !== undefined) invalid.push({ sample: start + p, reason });
  }
  return { outputs, cycleOutputs: r.cycleOutputs, cellSteps: r.cellSteps, invalid, ...(r.cellGrowth ? { cellGrowth: r.cellGrowth } : {}) };
}

/** What summary.json says about a lifetime study: the fade fan chart and the end-of-life distribution. */
export interface LifetimeSummary {
  cycles: number;
  endOfLife: number;
  reference: 'first' | 'second';
  /** Per-cycle columns (the cycle outputs), their units. */
  cycleOutputs: { name: string; unit: string; description: string }[];
  /** Quantiles over packs of the discharge capacity relative to each pack's initial, at (up to 200) cycles. */
  fan: { cycle: number[]; p05: number[]; p25: number[]; p50: number[]; p75: number[]; p95: number[]; mean: number[] };
  /** The same for the pack's loss of lithium inventory [%]. */
  lliFan: { cycle: number[]; p05: number[]; p50: number[]; p95: number[] };
  /** Cycles to end of life: packs that reached it, the censored rest, quantiles (null past the censoring), a histogram. */
  eol: { packs: number; reached: number; censored: number; p05: number | null; p50: number | null; p95: number | null; bins: { from: number; to: number; count: number }[] };
  /** Cycles of full electrochemistry per pack (cycle jumping). */
  simulatedCycles: { mean: number; min: number; max: number };
}

/** The cycles the summary's fan charts sample: every cycle up to 200, else about 200 evenly spaced, and the last. */
export function fanCycles(N: number): number[] {
  const step = Math.max(1, Math.ceil(N / 200));
  const cycles: number[] = [];
  for (let i = 1; i <= N; i += step) cycles.push(i);
  if (cycles[cycles.length - 1] !== N) cycles.push(N);
  return cycles;
}

/**
 * The per-cycle values the summary's fan charts need, per pack at fanCycles only (a streamed run keeps these, not
 * every cycle of every pack): discharge capacity [Ah] and LLI [%], packs x cycles.length, row-major.
 */
export interface LifetimeFanData {
  cycles: number[];
  capacity: Float64Array;
  lli: Float64Array;
}

/** The fan data of `count` packs' per-cycle outputs (count x N x CYCLE_OUTPUT_COUNT). */
export function lifetimeFanData(spec: StudySpec, cycleOutputs: Float64Array, count = cycleOutputs.length / (repeatBlock(spec)!.repeat * CYCLE_OUTPUT_COUNT)): LifetimeFanData {
  const N = repeatBlock(spec)!.repeat;
  const cycles = fanCycles(N);
  const m = cycles.length;
  const K = CYCLE_OUTPUT_COUNT;
  const capacity = new Float64Array(count * m);
  const lli = new Float64Array(count * m);
  for (let s = 0; s < count; s++) {
    cycles.forEach((i, k) => {
      capacity[s * m + k] = cycleOutputs[(s * N + i - 1) * K + CYCLE_OUTPUT_INDEX.dischargeCapacityAh];
      lli[s * m + k] = cycleOutputs[(s * N + i - 1) * K + CYCLE_OUTPUT_INDEX.lliPercent];
    });
  }
  return { cycles, capacity, lli };
}

/** Concatenate the fan data of consecutive chunks. */
export function concatFanData(parts: readonly LifetimeFanData[]): LifetimeFanData | undefined {
  if (parts.length === 0) return undefined;
  const cat = (key: 'capacity' | 'lli') => {
    const out = new Float64Array(parts.reduce((n, p) => n + p[key].length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p[key], at);
      at += p[key].length;
    }
    return out;
  };
  return { cycles: parts[0].cycles, capacity: cat('capacity'), lli: cat('lli') };
}

/**
 * The lifetime summary of the Monte Carlo samples. `outputs`: their lifetime outputs (a row-major matrix, or the
 * columns of a streamed run; an invalid pack's values NaN, and a pack without a finite initial capacity or cycles to
 * end of life is left out); `fan`: their per-cycle outputs (samples x cycles x CYCLE_OUTPUT_COUNT) or fan data.
 */
export function lifetimeSummary(spec: StudySpec, outputs: Float64Array | ((name: string) => Float64Array), fan: Float64Array | LifetimeFanData): LifetimeSummary {
  const N = repeatBlock(spec)!.repeat;
  const l = lifetimeSettings(spec);
  const names = lifetimeOutputs(spec).map((o) => o.name);
  const W = names.length;
  // A streamed run's columns share one buffer that the next read overwrites (src/results/stream.ts): copy each.
  const column =
    typeof outputs === 'function'
      ? (name: string) => Float64Array.from(outputs(name))
      : (name: string) => Float64Array.from({ length: outputs.length / W }, (_, s) => outputs[s * W + names.indexOf(name)]);
  const initialAll = column('initialCapacityAh');
  const data = fan instanceof Float64Array ? lifetimeFanData(spec, fan, initialAll.length) : fan;
  const cycles = data.cycles;
  const m = cycles.length;
  // The packs with a result: valid, with a reference capacity and a cycles-to-end-of-life.
  const eolAll = column('cyclesToEol');
  const keep: number[] = [];
  for (let s = 0; s < initialAll.length; s++) if (Number.isFinite(initialAll[s]) && Number.isFinite(eolAll[s])) keep.push(s);
  const n = keep.length;
  const col = (name: string) => {
    const c = name === 'initialCapacityAh' ? initialAll : name === 'cyclesToEol' ? eolAll : column(name);
    return Float64Array.from(keep, (s) => c[s]);
  };
  const initial = col('initialCapacityAh');
  const fanOut: LifetimeSummary['fan'] = { cycle: cycles, p05: [], p25: [], p50: [], p75: [], p95: [], mean: [] };
  const lliFan: LifetimeSummary['lliFan'] = { cycle: cycles, p05: [], p50: [], p95: [] };
  const q = (sorted: Float64Array, p: number) => (sorted.length ? sortedQuantile(sorted, p) : NaN);
  for (let k = 0; k < m; k++) {
    const rel = Float64Array.from(keep, (s, j) => data.capacity[s * m + k] / initial[j]).filter(Number.isFinite).sort();
    const lli = Float64Array.from(keep, (s) => data.lli[s * m + k]).filter(Number.isFinite).sort();
    fanOut.p05.push(q(rel, 0.05));
    fanOut.p25.push(q(rel, 0.25));
    fanOut.p50.push(q(rel, 0.5));
    fanOut.p75.push(q(rel, 0.75));
    fanOut.p95.push(q(rel, 0.95));
    fanOut.mean.push(rel.reduce((a, b) => a + b, 0) / (rel.length || 1));
    lliFan.p05.push(q(lli, 0.05));
    lliFan.p50.push(q(lli, 0.5));
    lliFan.p95.push(q(lli, 0.95));
  }
  const eolCol = col('cyclesToEol');
  const reached = col('eolReached');
  const all = Float64Array.from(eolCol).sort();
  const reachedCount = reached.reduce((a, b) => a + (b === 1 ? 1 : 0), 0);
  // Censored packs sit at N: a quantile is known only where it falls below the censoring point.
  const censoredQuantile = (p: number) => (n > 0 && reachedCount / n >= p ? q(all, p) : null);
  const bins: LifetimeSummary['eol']['bins'] = [];
  const lo = Math.floor(all.reduce((a, v) => (v < N ? Math.min(a, v) : a), N));
  const width = Math.max(1, Math.ceil((N - lo) / 25));
  for (let from = lo; from < N; from += width) {
    const to = Math.min(N, from + width);
    let count = 0;
    for (let s = 0; s < n; s++) if (reached[s] === 1 && eolCol[s] >= from && eolCol[s] < to) count++;
    bins.push({ from, to, count });
  }
  const sim = col('simulatedCycles');
  return {
    cycles: N,
    endOfLife: l.endOfLife,
    reference: l.reference,
    cycleOutputs: CYCLE_OUTPUTS.map((o) => ({ ...o })),
    fan: fanOut,
    lliFan,
    eol: { packs: n, reached: reachedCount, censored: n - reachedCount, p05: censoredQuantile(0.05), p50: censoredQuantile(0.5), p95: censoredQuantile(0.95), bins },
    simulatedCycles: { mean: sim.reduce((a, b) => a + b, 0) / (n || 1), min: sim.reduce((a, b) => Math.min(a, b), Infinity), max: sim.reduce((a, b) => Math.max(a, b), -Infinity) },
  };
}

/** The end of life in one line, as the CLI prints it and the browser page shows it. */
export function endOfLifeLine(l: LifetimeSummary): string {
  const e = l.eol;
  const median = e.p50 === null ? `> ${l.cycles}` : e.p50.toFixed(0);
  return `end of life (${l.endOfLife} of the initial capacity): ${e.reached} of ${e.packs} valid packs within ${l.cycles} cycles; median ${median} cycles`;
}
