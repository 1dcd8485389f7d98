/**
 * FP32 operations per cell-step of the f32 kernel, counted on the generated kernels' graphs (src/kernels/cost.ts), for
 * Chen2020 with 10 particle modes per electrode: what the GPU benchmarks print next to measured rates.
 */
import { stepOperations } from '../src/kernels/cost.ts';
import { compiled } from '../src/model/compiled.ts';
import { chen2020 } from '../src/params/index.ts';

const series = {
  ocpNeg: chen2020.negative.ocp,
  ocpPos: chen2020.positive.ocp,
  entropicNeg: chen2020.negative.entropicChange,
  entropicPos: chen2020.positive.entropicChange,
};

/** A single cell's step (no slope). */
export const FLOPS_PER_CELL_STEP = stepOperations(compiled('f32'), { modes: 10 }, series, false);

/**
 * A cell in a parallel group: the step with the exact slope the group Newton uses, once per committed step (further
 * Newton trials and cut-off location add to it, so for packs this is a lower bound).
 */
export const FLOPS_PER_PACK_CELL_STEP = stepOperations(compiled('f32'), { modes: 10 }, series, true);

/** 1C discharge of a Chen2020 cell to 2.5 V at 10 s steps (~3345 s). */
export const STEPS_PER_1C_DISCHARGE = 335;
