/**
 * Flat memory for long streaming runs. Every chunk of a run allocates and drops a few MB (samples, kernel parameters,
 * chunk and table text). V8 lets such garbage pile up to its own heuristic limits (here about 100 MB of old space and
 * external buffers) before a full collection, so a long run's peak RSS would sit that far above a short run's even
 * though nothing is kept. Collecting when the garbage since the last collection passes a bound keeps the peak of a
 * 2,000,000-sample run near that of a 2,000-sample run (bench/memory.ts), at the cost of one full collection per
 * `bound` bytes allocated (a few ms each).
 *
 * This is Node-only (a platform module): where no collector can be reached, relieve() does nothing.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collector: (() => void) | null | undefined;

function gc(): (() => void) | null {
  if (collector !== undefined) return collector;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return (collector = existing);
  try {
    v8.setFlagsFromString('--expose-gc');
    collector = vm.runInNewContext('gc') as () => void;
  } catch {
    collector = null;
  }
  return collector;
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A pressure valve: relieve() collects when the heap and buffers grew by more than `bound` bytes since last time. */
export class MemoryValve {
  private floor = used();
  constructor(private readonly bound = 16 * 2 ** 20) {}

  relieve(): void {
    if (used() - this.floor < this.bound) return;
    const collect = gc();
    if (!collect) return;
    collect();
    this.floor = used();
  }
}
