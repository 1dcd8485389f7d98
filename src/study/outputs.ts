/**
 * The per-sample outputs of a study, in column order: the pack outputs of one protocol run (src/pack/outputs.ts), or,
 * for a lifetime study (a protocol with a repeat block), its lifetime outputs (src/study/lifetime.ts). Every stage that
 * reads output rows (tables, statistics, tails, sensitivity, merge) takes the names from here.
 */
import type { LayoutEntry } from '../model/layout.ts';
import { PACK_OUTPUTS } from '../pack/outputs.ts';
import type { StudySpec } from '../spec/index.ts';
import type { ChunkShape } from '../results/chunks.ts';
import type { StreamShape } from '../results/stream.ts';
import { concatFanData, isLifetimeStudy, lifetimeFanData, lifetimeOutputs, repeatBlock, type LifetimeFanData } from './lifetime.ts';

export function studyOutputs(spec: StudySpec): readonly LayoutEntry[] {
  return isLifetimeStudy(spec) ? lifetimeOutputs(spec) : PACK_OUTPUTS;
}

export function studyOutputNames(spec: StudySpec): string[] {
  return studyOutputs(spec).map((o) => o.name);
}

/** What the study's chunk files hold per sample (src/results/chunks.ts). */
export function studyChunkShape(spec: StudySpec): ChunkShape {
  return { outputs: studyOutputs(spec).length, cycles: repeatBlock(spec)?.repeat ?? 0 };
}

/**
 * How a run streams the study's chunks (src/results/stream.ts): its output columns, its per-cycle outputs (cycles.csv)
 * and, for a lifetime study, the fan-chart values of every Monte Carlo sample (`fan()` once the stream is done).
 */
export function studyStreamShape(spec: StudySpec): { shape: StreamShape; fan: () => LifetimeFanData | undefined } {
  const cycles = repeatBlock(spec)?.repeat ?? 0;
  const parts: LifetimeFanData[] = [];
  const shape: StreamShape = {
    names: studyOutputNames(spec),
    cycles,
    ...(cycles ? { onCycles: (cycleOutputs: Float64Array, count: number) => void parts.push(lifetimeFanData(spec, cycleOutputs, count)) } : {}),
  };
  return { shape, fan: () => (cycles ? (concatFanData(parts) ?? lifetimeFanData(spec, new Float64Array(0), 0)) : undefined) };
}
