import { jobParameterIndex } from '../model/kernel.generated.ts';
import { cellParameters, type CellKernelParameters } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_NAMES } from '../pack/outputs.ts';
import { simulatePack } from '../pack/simulate.ts';
import { cellCount } from '../pack/topology.ts';
import { addCounts, emptyChunkResult, packStateLength } from './chunk.ts';
import type { Backend, BackendFactory, PackChunkResult, PackJob } from './types.ts';

/** Cell kernel parameters of pack `sample` of a job, as objects (the reference model's input). */
export function cellsOfPack(job: PackJob, sample: number): CellKernelParameters[] {
  const n = cellCount(job.layout);
  const parameters = cellParameters(job.settings.model);
  const cells: CellKernelParameters[] = [];
  for (let c = 0; c < n; c++) {
    const p: Record<string, number> = {};
    for (let k = 0; k < parameters.length; k++) p[parameters[k].name] = job.kernelParameters[jobParameterIndex(k, job.count, sample, n, c)];
    cells.push(p as CellKernelParameters);
  }
  return cells;
}

export function interconnectOfPack(job: PackJob, sample: number): Float64Array {
  const s = job.layout.series;
  return job.interconnectResistance.subarray(sample * s, (sample + 1) * s);
}

/** The f64 TypeScript reference: readable, the oracle for every other backend; one pack at a time on this thread. */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  readonly device = 'CPU (TypeScript f64 reference, 1 thread)';

  async simulate(job: PackJob, signal?: AbortSignal): Promise<PackChunkResult> {
    const result = emptyChunkResult(job);
    const perPack = packStateLength(job);
    for (let s = 0; s < job.count; s++) {
      signal?.throwIfAborted();
      const r = simulatePack({
        set: job.set,
        layout: job.layout,
        segments: job.segments,
        settings: job.settings,
        cells: cellsOfPack(job, s),
        interconnect: interconnectOfPack(job, s),
        states: job.states?.subarray(s * perPack, (s + 1) * perPack),
      });
      PACK_OUTPUT_NAMES.forEach((name, k) => (result.outputs[s * PACK_OUTPUT_COUNT + k] = r.outputs[name]));
      result.states?.set(r.states, s * perPack);
      addCounts(result, r);
      // Yield now and then so progress callbacks and Ctrl-C handlers run during long chunks.
      if (s % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
    }
    return result;
  }

  dispose(): void {}
}

export const referenceBackendFactory: BackendFactory = {
  name: 'reference',
  priority: 0,
  create: async () => new ReferenceBackend(),
};
