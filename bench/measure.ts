/** Measurement helpers shared by the benchmarks. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * CPU seconds of this process, all its threads (workers, GC, JIT) included. On a shared machine a rate per CPU second
 * is what one core does, where a rate per wall-clock second falls with everyone else's load.
 */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Sampling throughput of one study in one tree, in cell-parameter vectors per second. */
export interface SamplingRate {
  name: string;
  cellsPerPack: number;
  packsPerChunk: number;
  /** Best and median round per wall-clock second, best round per CPU second. */
  bestWall: number;
  medianWall: number;
  bestCpu: number;
}

/**
 * Sampling throughput of the tree at `root` (this tree or an old commit's copy), measured in a fresh process
 * (bench/sampling-child.ts) so that no other tree's code or threads share its JIT, heap or CPU-time counter.
 */
export function measureSampling(root: string, rounds: number, seconds: number): SamplingRate[] {
  const child = fileURLToPath(new URL('./sampling-child.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, root, String(rounds), String(seconds)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as SamplingRate[];
}
