/**
 * FP32 operations per cell-step of the WGSL kernel, counted by hand in shaders/pack.wgsl (transcendentals exp/log/sqrt
 * and divisions counted as one operation, an FMA as two, a bitcast/mask as one): evaluate() ~265 (OCP series: 1 exp +
 * 6 tanh at ~15 each, 2 exchange currents, 2 asinh at ~20, 10 negative mode sums, the double-float positive surface
 * two_prod + df_add ~35, voltage and heat), three evaluations per Heun step, particle update 10 modes x 2 electrodes
 * x ~7 = ~150 plus the double-float positive surface complement 10 x (two_prod ~17 + df_add ~11 + 3) = ~310, two
 * exact thermal updates ~50, pack bookkeeping ~60. A cell in a parallel group adds the group solve's trial
 * evaluations on top, so for packs this is a lower bound. Recount when the kernel changes.
 */
export const FLOPS_PER_CELL_STEP = 3 * 265 + 150 + 310 + 50 + 60;

/** 1C discharge of a Chen2020 cell to 2.5 V at 10 s steps (~3345 s). */
export const STEPS_PER_1C_DISCHARGE = 335;
