/**
 * The GPU benchmark, one command: `npm run bench:gpu` (here, with Node) or `sh run.sh` inside the bundle that
 * `npm run bench:gpu:bundle` prepares for a GPU machine without Node or network (bench/gpu-bundle.ts).
 *
 * Two cases, each one PackJob through the public backend interface (src/backends/types.ts), so the benchmark keeps
 * working whatever the kernel's thread mapping becomes:
 *   - 1,000,000 single Chen2020 cells (1s1p packs with cell-to-cell variation) through a 1C discharge;
 *   - 1,000 packs of examples/pack-96s4p-welds.yaml (96s4p, 1C discharge then 10 min rest, weld defects);
 * and, on the WebGPU backend, the packs once more with one invocation per pack (`mapping: 'pack'`, the mapping before
 * the workgroup kernel; --no-per-pack skips it), so that one run shows what the workgroup mapping gains.
 * It prints one table: time per phase (sampling, upload, kernel, readback; the backend reports the last three in
 * PackChunkResult.phases, else only their sum is known), cell-steps per second of kernel time, and the FP32 estimate
 * counted on the generated kernels (bench/kernel-flops.ts) next to it, as time at the device's peak.
 *
 *   npm run bench:gpu -- [--scale 1] [--cells 1000000] [--packs 1000] [--backend webgpu|wasm|reference]
 *                        [--device auto|vulkan|opengles] [--peak-tflops 67] [--json FILE] [--pack-study FILE]
 *                        [--max-workgroup-invocations 256] [--no-per-pack]
 *
 * --scale multiplies both sizes (0.001: 1,000 cells and 1 pack, a smoke run on a CPU adapter). The pipeline is
 * compiled before the timings (one pack of each case), and its time is printed apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../src/backends/all.ts';
import type { Backend, BackendOptions, PackChunkResult } from '../src/backends/types.ts';
import { parseStudySpec, validateStudySpec, type StudySpec } from '../src/spec/index.ts';
import { studyModel } from '../src/study/job.ts';
import { chunkJob } from '../src/study/runner.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, PACK_OUTPUT_NAMES } from '../src/pack/outputs.ts';
import { FLOPS_PER_CELL_STEP, FLOPS_PER_PACK_CELL_STEP } from './kernel-flops.ts';
import { singleCellStudy } from './studies.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positive(name: string, fallback: number): number {
  const v = Number(arg(name) ?? fallback);
  if (!(v > 0 && Number.isFinite(v))) throw new Error(`--${name} must be a number > 0, got ${arg(name)}`);
  return v;
}

const scale = positive('scale', 1);
const cells = Math.max(1, Math.round(positive('cells', 1_000_000) * scale));
const packs = Math.max(1, Math.round(positive('packs', 1_000) * scale));
const backendName = arg('backend') ?? 'webgpu';
const device = arg('device') ?? 'auto';
const peakTflops = positive('peak-tflops', 67); // H100/H200 SXM FP32 (non-tensor) peak
const jsonPath = arg('json');
const packStudy = arg('pack-study') ?? fileURLToPath(new URL('../examples/pack-96s4p-welds.yaml', import.meta.url));
const maxInvocations = arg('max-workgroup-invocations');
const perPack = backendName === 'webgpu' && !process.argv.includes('--no-per-pack');

const singleCells = (n: number): StudySpec => validateStudySpec(singleCellStudy(n));

const pack96s4p = (n: number): StudySpec => {
  const spec = parseStudySpec(readFileSync(packStudy, 'utf8'), { source: packStudy });
  return validateStudySpec({ ...spec, run: { ...spec.run, samples: n, chunkSize: n } });
};

interface Row {
  case: string;
  packs: number;
  cells: number;
  cellSteps: number;
  sampleSeconds: number;
  uploadSeconds?: number;
  kernelSeconds?: number;
  kernelTimer?: string;
  readbackSeconds?: number;
  /** simulate() wall time: upload + kernel + readback + host work between them. */
  simulateSeconds: number;
  totalSeconds: number;
  /** Cell evaluations per committed cell-step (Newton trials, cut-off location), where the backend counts them. */
  evaluationsPerCellStep?: number;
  estimatedTflop: number;
  meanCapacityAh: number;
  /** The backend's thread mapping, where it says. */
  mapping?: string;
  outputs: Float64Array;
}

async function measure(backend: Backend, label: string, spec: StudySpec): Promise<Row> {
  const n = spec.run.samples;
  const model = studyModel(spec);
  const t0 = performance.now();
  const { job, sampleSeconds } = chunkJob(spec, model, 0, n);
  const t1 = performance.now();
  const result: PackChunkResult = await backend.simulate(job);
  const t2 = performance.now();
  const cellsPerPack = spec.pack.series * spec.pack.parallel;
  const flopsPerCellStep = spec.pack.parallel > 1 ? FLOPS_PER_PACK_CELL_STEP : FLOPS_PER_CELL_STEP;
  let capacity = 0;
  for (let s = 0; s < n; s++) capacity += result.outputs[s * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.capacityAh];
  return {
    case: label,
    packs: n,
    cells: n * cellsPerPack,
    cellSteps: result.cellSteps,
    sampleSeconds,
    uploadSeconds: result.phases?.uploadSeconds,
    kernelSeconds: result.phases?.kernelSeconds,
    kernelTimer: result.phases?.kernelTimer,
    readbackSeconds: result.phases?.readbackSeconds,
    simulateSeconds: (t2 - t1) / 1000,
    totalSeconds: (t2 - t0) / 1000,
    evaluationsPerCellStep: result.cellEvaluations === undefined ? undefined : result.cellEvaluations / result.cellSteps,
    estimatedTflop: (result.cellSteps * flopsPerCellStep) / 1e12,
    meanCapacityAh: capacity / n,
    mapping: result.phases?.mapping,
    outputs: result.outputs,
  };
}

const seconds = (x: number | undefined) => (x === undefined ? '-' : x < 0.01 ? `${(x * 1000).toFixed(2)} ms` : `${x.toFixed(3)} s`);

const options = {
  ...(device === 'auto' ? {} : { backend: device }),
  ...(maxInvocations === undefined ? {} : { maxWorkgroupInvocations: Number(maxInvocations) }),
} as BackendOptions;
const tStart = performance.now();
const { backend } = await createBackend(backendName, options);
const perPackBackend = perPack ? (await createBackend(backendName, { ...options, mapping: 'pack' } as BackendOptions)).backend : undefined;
try {
  console.log(`cellspread GPU benchmark  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
  console.log(`backend: ${backend.name}, ${backend.device}`);
  console.log(`sizes: ${cells.toLocaleString('en-US')} single cells, ${packs.toLocaleString('en-US')} packs of 96s4p (scale ${scale})`);
  console.log(
    `FP32 estimate per committed cell-step, counted on the generated kernels (bench/kernel-flops.ts): ${FLOPS_PER_CELL_STEP} for a single cell, ` +
      `${FLOPS_PER_PACK_CELL_STEP} for a cell in a parallel group (one step with the exact slope; Newton trials add more); peak ${peakTflops} TFLOP/s`,
  );
  const tc = performance.now();
  await measure(backend, 'compile', singleCells(1));
  await measure(backend, 'compile', pack96s4p(1));
  if (perPackBackend) await measure(perPackBackend, 'compile', pack96s4p(1));
  const compileSeconds = (performance.now() - tc) / 1000;
  console.log(`pipelines compiled and warmed up in ${compileSeconds.toFixed(1)} s (one pack of each case, not in the table)`);
  const rows = [await measure(backend, 'single cells, 1C', singleCells(cells)), await measure(backend, '96s4p packs', pack96s4p(packs))];
  if (perPackBackend) rows.push(await measure(perPackBackend, '96s4p packs, per-pack mapping', pack96s4p(packs)));
  for (const r of rows) if (r.mapping) console.log(`${r.case}: ${r.mapping}`);

  const header = ['case', 'packs', 'cells', 'cell-steps', 'sampling', 'upload', 'kernel', 'readback', 'simulate (wall)', 'kernel cell-steps/s', 'est. FP32', 'at peak', 'est. % of peak'];
  const table = rows.map((r) => {
    const kernel = r.kernelSeconds ?? r.simulateSeconds;
    const atPeak = r.estimatedTflop / peakTflops;
    return [
      r.case,
      r.packs.toLocaleString('en-US'),
      r.cells.toLocaleString('en-US'),
      r.cellSteps.toExponential(3),
      seconds(r.sampleSeconds),
      seconds(r.uploadSeconds),
      `${seconds(r.kernelSeconds)}${r.kernelTimer === 'gpu-timestamps' ? ' (ts)' : ''}`,
      seconds(r.readbackSeconds),
      seconds(r.simulateSeconds),
      (r.cellSteps / kernel).toExponential(3),
      `${r.estimatedTflop.toFixed(4)} TFLOP`,
      seconds(atPeak),
      `${((100 * atPeak) / kernel).toFixed(3)} %`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const t of table) console.log(line(t));
  const [single, pack, packPerPack] = rows;
  const kernelOf = (r: Row) => r.kernelSeconds ?? r.simulateSeconds;
  console.log(
    `targets (issue 17, on a GPU): 1,000,000 cells under 1 s of kernel time: ${cells === 1_000_000 ? (kernelOf(single) < 1 ? 'met' : 'not met') : 'not at full size'}; ` +
      `1,000 x 96s4p under 2 s: ${packs === 1_000 ? (kernelOf(pack) < 2 ? 'met' : 'not met') : 'not at full size'}`,
  );
  console.log(`mean capacity: single cell ${single.meanCapacityAh.toFixed(4)} Ah, 96s4p pack ${pack.meanCapacityAh.toFixed(3)} Ah (sanity)`);
  if (pack.evaluationsPerCellStep !== undefined) console.log(`96s4p: ${pack.evaluationsPerCellStep.toFixed(2)} cell evaluations per committed cell-step`);
  if (packPerPack) {
    const worst = PACK_OUTPUT_NAMES.map((name, k) => {
      let d = 0;
      for (let s = 0; s < pack.outputs.length / PACK_OUTPUT_COUNT; s++) {
        const a = pack.outputs[s * PACK_OUTPUT_COUNT + k];
        const b = packPerPack.outputs[s * PACK_OUTPUT_COUNT + k];
        d = Math.max(d, Math.abs(a - b) / Math.max(Math.abs(b), 1e-30));
      }
      return { name, d };
    }).reduce((a, b) => (b.d > a.d ? b : a));
    console.log(
      `96s4p, workgroup per pack against one invocation per pack: ${(kernelOf(packPerPack) / kernelOf(pack)).toFixed(1)}x the kernel speed; ` +
        `largest relative difference of an output ${worst.d.toExponential(2)} (${worst.name}; both f32)`,
    );
  }
  console.log(`total ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
  if (jsonPath) {
    const flops = { singleCell: FLOPS_PER_CELL_STEP, packCell: FLOPS_PER_PACK_CELL_STEP };
    const record = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model,
      backend: backend.name,
      device: backend.device,
      scale,
      compileSeconds,
      peakTflops,
      flopsPerCellStep: flops,
      rows: rows.map(({ outputs: _, ...r }) => r),
    };
    writeFileSync(jsonPath, `${JSON.stringify(record, null, 2)}\n`);
  }
} finally {
  await backend.dispose();
  await perPackBackend?.dispose();
}
