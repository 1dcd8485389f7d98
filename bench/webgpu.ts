/**
 * WebGPU benchmark: Chen2020 single cells (1s1p packs), 1C discharge to the cut-off, default 10 s step and 10 modes,
 * lumped thermal. Reports cell-steps per second and full-discharge cells per second versus study size, GPU time
 * separately from upload and readback (timestamp queries when the adapter has them, else wall time around
 * submit + onSubmittedWorkDone), and a rough FP32-limit estimate.
 *
 *   npx tsx bench/webgpu.ts [--sizes 1000,10000,100000] [--backend vulkan|opengles] [--peak-tflops 67]
 */
import '../src/backends/all.ts';
import { WebGpuBackend } from '../src/backends/webgpu/index.ts';
import { validateStudySpec } from '../src/spec/index.ts';
import { studyModel } from '../src/study/job.ts';
import { chunkJob } from '../src/study/runner.ts';
import { FLOPS_PER_CELL_STEP, STEPS_PER_1C_DISCHARGE } from './kernel-flops.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = (arg('sizes') ?? '1000,10000,100000').split(',').map(Number);
const backend = arg('backend') as 'vulkan' | 'opengles' | undefined;
const peakTflops = Number(arg('peak-tflops') ?? 67);

const gpu = await WebGpuBackend.create({ backend });
console.log(`adapter: ${gpu.device}`);
console.log(`date: ${new Date().toISOString()}`);
console.log(`kernel: ~${FLOPS_PER_CELL_STEP} FP32 operations per cell-step (counted on the generated kernels, src/kernels/cost.ts)`);
// Warm-up: compile the pipeline outside the timings.
{
  const spec = validateStudySpec({ params: 'chen2020', pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 1 }], run: { samples: 1, seed: 1, chunkSize: 1 } });
  await gpu.simulate(chunkJob(spec, studyModel(spec), 0, 1).job);
}
console.log('cells      sample_s  upload_s  gpu_s     readback_s  cell-steps/s   cells/s (1C)  rounds  FP32 (est.)');
for (const n of sizes) {
  const spec = validateStudySpec({ params: 'chen2020', pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', cRate: 1 }], run: { samples: n, seed: 1, chunkSize: n } });
  const { job, sampleSeconds } = chunkJob(spec, studyModel(spec), 0, n);
  const t0 = performance.now();
  const r = await gpu.simulate(job);
  const wall = (performance.now() - t0) / 1e3;
  const t = gpu.lastTimings;
  const upload = t.reduce((a, x) => a + x.uploadS, 0);
  const gpuS = t.reduce((a, x) => a + (x.gpuTimestampS ?? x.gpuS), 0);
  const readback = t.reduce((a, x) => a + x.readbackS, 0);
  const rounds = t.reduce((a, x) => a + x.rounds, 0);
  const rate = r.cellSteps / gpuS;
  const flops = rate * FLOPS_PER_CELL_STEP;
  console.log(
    [
      String(n).padEnd(10),
      sampleSeconds.toFixed(3).padEnd(9),
      upload.toFixed(3).padEnd(9),
      `${gpuS.toFixed(3)}${t.some((x) => x.gpuTimestampS !== undefined) ? '(ts)' : ''}`.padEnd(9),
      readback.toFixed(3).padEnd(11),
      rate.toExponential(3).padEnd(14),
      (n / gpuS).toExponential(3).padEnd(13),
      String(rounds).padEnd(7),
      `${(flops / 1e9).toFixed(2)} GFLOP/s = ${((100 * flops) / (peakTflops * 1e12)).toFixed(4)} % of ${peakTflops} TFLOP/s`,
    ].join(' '),
  );
  void wall;
}
const stepsPerDischarge = STEPS_PER_1C_DISCHARGE;
const ideal = (1e6 * stepsPerDischarge * FLOPS_PER_CELL_STEP) / (peakTflops * 1e12);
console.log(
  `1,000,000 cells x ${stepsPerDischarge} steps x ${FLOPS_PER_CELL_STEP} flop = ${((1e6 * stepsPerDischarge * FLOPS_PER_CELL_STEP) / 1e12).toFixed(2)} TFLOP: ` +
    `${(ideal * 1e3).toFixed(1)} ms at ${peakTflops} TFLOP/s peak (${(ideal * 1e4).toFixed(0)} ms at 10 % efficiency)`,
);
gpu.dispose();
