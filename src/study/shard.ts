import type { StudySpec } from '../spec/index.ts';
import { studyLayout } from './samples.ts';

/** Shard `index` of `count` of a study run (0 <= index < count). */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Shard I of N gets a contiguous block of whole units of the run's samples (Monte Carlo samples, then sensitivity
 * design rows): a unit is a chunk, or in a two-level study whole outer samples (see study/samples.ts), so shards
 * split the outer loop and merge chunk by chunk into one run's results.
 */
export function shardRange(spec: StudySpec, shard: Shard): { start: number; end: number } {
  const { total, shardUnit } = studyLayout(spec);
  const units = Math.ceil(total / shardUnit);
  const first = Math.floor((shard.index * units) / shard.count);
  const last = Math.floor(((shard.index + 1) * units) / shard.count);
  return { start: Math.min(first * shardUnit, total), end: Math.min(last * shardUnit, total) };
}
