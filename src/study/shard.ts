import type { StudySpec } from '../spec/index.ts';

/** Shard `index` of `count` of a study run (0 <= index < count). */
export interface Shard {
  index: number;
  count: number;
}

/** Shard I of N gets a contiguous block of whole chunks, so shards merge chunk by chunk into one run's results. */
export function shardRange(spec: StudySpec, shard: Shard): { start: number; end: number } {
  const cs = spec.run.chunkSize;
  const chunks = Math.ceil(spec.run.samples / cs);
  const first = Math.floor((shard.index * chunks) / shard.count);
  const last = Math.floor(((shard.index + 1) * chunks) / shard.count);
  return { start: Math.min(first * cs, spec.run.samples), end: Math.min(last * cs, spec.run.samples) };
}
