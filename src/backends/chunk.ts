/** Building a job's PackChunkResult on the CPU backends, pack by pack (reference) or part by part (WASM workers). */
import { cellStateLength } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT } from '../pack/outputs.ts';
import { cellCount } from '../pack/topology.ts';
import type { PackChunkResult, PackJob } from './types.ts';

/** A result whose counters are all counted. */
export type CountedChunkResult = PackChunkResult & { cellEvaluations: number; cellCorrections: number };

/** The numbers of one pack's cell states in a job's state arrays (cells x cellStateLength, reference layout). */
export function packStateLength(job: PackJob): number {
  return cellCount(job.layout) * cellStateLength(job.settings.modes, job.settings.model, job.settings.mesh);
}

/** A job's result before any pack is in: outputs and (when the job asks for them) end states zero, counters 0. */
export function emptyChunkResult(job: PackJob): CountedChunkResult {
  return {
    outputs: new Float64Array(job.count * PACK_OUTPUT_COUNT),
    cellSteps: 0,
    cellEvaluations: 0,
    cellCorrections: 0,
    states: job.returnStates ? new Float64Array(job.count * packStateLength(job)) : undefined,
  };
}

/** Adds a part's counters to the total. */
export function addCounts(total: CountedChunkResult, part: { cellSteps: number; cellEvaluations: number; cellCorrections: number }): void {
  total.cellSteps += part.cellSteps;
  total.cellEvaluations += part.cellEvaluations;
  total.cellCorrections += part.cellCorrections;
}
