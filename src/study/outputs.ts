/**
 * The per-sample outputs of a study, in column order: the pack outputs of one protocol run (src/pack/outputs.ts), or,
 * for a lifetime study (a protocol with a repeat block), its lifetime outputs (src/study/lifetime.ts). Every stage that
 * reads output rows (tables, statistics, tails, sensitivity, merge) takes the names from here.
 */
import type { LayoutEntry } from '../model/layout.ts';
import { PACK_OUTPUTS } from '../pack/outputs.ts';
import type { StudySpec } from '../spec/index.ts';
import { isLifetimeStudy, lifetimeOutputs } from './lifetime.ts';

export function studyOutputs(spec: StudySpec): readonly LayoutEntry[] {
  return isLifetimeStudy(spec) ? lifetimeOutputs(spec) : PACK_OUTPUTS;
}

export function studyOutputNames(spec: StudySpec): string[] {
  return studyOutputs(spec).map((o) => o.name);
}
