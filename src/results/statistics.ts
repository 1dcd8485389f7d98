/**
 * Exact statistics of one output column in bounded memory: the column is visited block by block (a streamed run's
 * column file, or an array in memory as one block), never held whole. Mean and sd come from compensated sums in
 * sample order; the 5/50/95 % quantiles (type 7) from exact order statistics found by bucket refinement: a histogram
 * pass narrows each wanted rank to one bucket's values, then a pass collects that bucket (at most COLLECT values) and
 * sorts it. Three or four passes; the result does not depend on the block size, so a streamed run and an in-memory
 * result give the same bits.
 */
import { orderStatisticQuantile, type7Ranks } from '../math/quantile.ts';
import type { OutputColumns, OutputStatistics } from './format.ts';

/** Visits a column's values in sample order, block by block. */
export type ColumnBlocks = (visit: (block: Float64Array) => void) => void;

/** The blocks of column `name`: the source's own block reader, or the whole column as one block. */
export function columnBlocks(columns: OutputColumns, name: string): ColumnBlocks {
  return columns.blocks ? (visit) => columns.blocks!(name, visit) : (visit) => visit(columns(name));
}

const BUCKETS = 4096;
const COLLECT = 1 << 16;
const QUANTILES = [0.05, 0.5, 0.95] as const;

/** Neumaier's compensated sum, fed one value at a time. */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

interface Target {
  rank: number;
  /** Values of the target's current bucket lie in [lo, hi]; `below` finite values lie under lo. */
  lo: number;
  hi: number;
  below: number;
  count: number;
  value?: number;
}

/** Mean, sd, min, max and the 5/50/95 % quantiles of the finite values of a column (count 0: NaN, never 0). */
export function blockStatistics(blocks: ColumnBlocks): OutputStatistics {
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  const sum = new Sum();
  blocks((b) => {
    for (let i = 0; i < b.length; i++) {
      const v = b[i];
      if (!Number.isFinite(v)) continue;
      n++;
      sum.add(v);
      if (v < min) min = v;
      if (v > max) max = v;
    }
  });
  if (n === 0) return { count: 0, mean: NaN, sd: NaN, min: NaN, max: NaN, p05: NaN, p50: NaN, p95: NaN };
  const mean = sum.value / n;
  // Second pass: the squared deviations, and the first histogram of every wanted rank (they share [min, max]).
  const ranks = [...new Set(QUANTILES.flatMap((p) => type7Ranks(n, p)))];
  const targets: Target[] = ranks.map((rank) => ({ rank, lo: min, hi: max, below: 0, count: n }));
  const ss = new Sum();
  const first = newHistogram(min, max);
  blocks((b) => {
    for (let i = 0; i < b.length; i++) {
      const v = b[i];
      if (!Number.isFinite(v)) continue;
      ss.add((v - mean) ** 2);
      first.add(v);
    }
  });
  for (const t of targets) narrow(t, first);
  selectOrderStatistics(blocks, targets);
  const at = (rank: number) => targets.find((t) => t.rank === rank)!.value!;
  const quantile = (p: number) => orderStatisticQuantile(n, p, at);
  return { count: n, mean, sd: n > 1 ? Math.sqrt(ss.value / (n - 1)) : 0, min, max, p05: quantile(0.05), p50: quantile(0.5), p95: quantile(0.95) };
}

interface Histogram {
  lo: number;
  hi: number;
  counts: Float64Array;
  mins: Float64Array;
  maxs: Float64Array;
  add(v: number): void;
}

/** Buckets over [lo, hi]: the bucket index is monotone in the value, so buckets split the sorted order. */
function newHistogram(lo: number, hi: number): Histogram {
  const counts = new Float64Array(BUCKETS);
  const mins = new Float64Array(BUCKETS).fill(Infinity);
  const maxs = new Float64Array(BUCKETS).fill(-Infinity);
  const width = hi - lo;
  return {
    lo,
    hi,
    counts,
    mins,
    maxs,
    add(v: number) {
      if (!(v >= lo && v <= hi)) return;
      // (v - lo) / width is in [0, 1] and monotone in v (never Infinity, however narrow the bucket).
      const j = width > 0 ? Math.min(BUCKETS - 1, Math.floor(((v - lo) / width) * BUCKETS)) : 0;
      counts[j]++;
      if (v < mins[j]) mins[j] = v;
      if (v > maxs[j]) maxs[j] = v;
    },
  };
}

/** Move a target into the bucket of the histogram that holds its rank. */
function narrow(t: Target, h: Histogram): void {
  let below = t.below;
  for (let j = 0; j < BUCKETS; j++) {
    if (t.rank < below + h.counts[j]) {
      t.lo = h.mins[j];
      t.hi = h.maxs[j];
      t.below = below;
      t.count = h.counts[j];
      if (t.lo === t.hi) t.value = t.lo;
      return;
    }
    below += h.counts[j];
  }
  throw new Error(`internal: rank ${t.rank} not in its histogram`);
}

/** Refine (histogram passes) until each target's bucket is small, then collect and sort (one pass for all). */
function selectOrderStatistics(blocks: ColumnBlocks, targets: Target[]): void {
  for (let pass = 0; pass < 8; pass++) {
    const open = targets.filter((t) => t.value === undefined && t.count > COLLECT);
    if (open.length === 0) break;
    const hists = open.map((t) => newHistogram(t.lo, t.hi));
    blocks((b) => {
      for (let i = 0; i < b.length; i++) {
        const v = b[i];
        if (Number.isFinite(v)) for (const h of hists) h.add(v);
      }
    });
    open.forEach((t, k) => narrow(t, hists[k]));
  }
  const open = targets.filter((t) => t.value === undefined);
  if (open.length === 0) return;
  // Buckets of different targets may be the same: collect each distinct one once.
  const buckets = new Map<string, { lo: number; hi: number; values: number[] }>();
  for (const t of open) if (!buckets.has(`${t.lo}:${t.hi}`)) buckets.set(`${t.lo}:${t.hi}`, { lo: t.lo, hi: t.hi, values: [] });
  const list = [...buckets.values()];
  blocks((b) => {
    for (let i = 0; i < b.length; i++) {
      const v = b[i];
      if (Number.isFinite(v)) for (const k of list) if (v >= k.lo && v <= k.hi) k.values.push(v);
    }
  });
  for (const k of list) k.values.sort((x, y) => x - y);
  for (const t of open) t.value = buckets.get(`${t.lo}:${t.hi}`)!.values[t.rank - t.below];
}
