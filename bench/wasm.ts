/**
 * WebAssembly backend benchmark: `npx tsx bench/wasm.ts [packs]`. Side by side in one process, on the same sampled
 * Chen2020 cells (1s1p packs, 1C constant-current discharge to the cut-off, 10 s step, 10 modes, cell-to-cell variation):
 *   - the TypeScript f64 reference (1 thread),
 *   - the wasm backend on 1 worker and on all cores,
 *   - bench/native/cell.c, the same numerical scheme in scalar C (gcc -O3 -march=native), skipped if no compiler.
 * Reports cell-steps per second and full discharges (cells) per second: best of `rounds` interleaved rounds.
 * Usage: npx tsx bench/wasm.ts [packs=960] [rounds=5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../src/backends/all.ts';
import { ReferenceBackend } from '../src/backends/reference.ts';
import type { Backend, PackJob } from '../src/backends/types.ts';
import { WASM_URL } from '../src/backends/wasm/index.ts';
import { flattenSeries } from '../src/model/series.ts';
import { CELL_PARAMETER_COUNT } from '../src/model/layout.ts';
import { sphereEigenvalues, truncatedTail } from '../src/model/spectral.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../src/pack/outputs.ts';
import { validateStudySpec } from '../src/spec/index.ts';
import { studyModel } from '../src/study/job.ts';
import { chunkJob } from '../src/study/runner.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const packs = Number(process.argv[2] ?? 960);
const referencePacks = Math.min(packs, 96);
const rounds = Number(process.argv[3] ?? 5);

if (!existsSync(WASM_URL)) {
  console.log('building build/cellspread.wasm (npm run build:wasm)');
  execFileSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: 'inherit' });
}

const spec = validateStudySpec({
  params: 'chen2020',
  pack: { series: 1, parallel: 1 },
  protocol: [{ type: 'discharge', cRate: 1 }],
  variation: {
    'particleRadius.negative': { scale: 'log', cell: { distribution: 'lognormal', sd: 0.1 } },
    capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.02 } },
    contactResistance: { scale: 'log', base: 5e-4, cell: { distribution: 'lognormal', sd: 0.2 } },
  },
  run: { samples: packs, seed: 1, chunkSize: packs },
});
const model = studyModel(spec);
const { job } = chunkJob(spec, model, 0, packs);
const refJob = chunkJob(spec, model, 0, referencePacks).job;

interface Row {
  name: string;
  packs: number;
  seconds: number;
  cellSteps: number;
  capacityMeanAh: number;
}

function meanCapacity(outputs: Float64Array, count: number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += outputs[i * PACK_OUTPUT_COUNT + PACK_OUTPUT_INDEX.capacityAh];
  return s / count;
}

/** A contender: run once, return [seconds, cellSteps, mean capacity]. */
type Contender = { name: string; packs: number; run: () => Promise<[number, number, number]> };
const contenders: Contender[] = [];
const disposers: Array<() => unknown> = [];

function backendContender(name: string, backend: Backend, j: PackJob): Contender {
  return {
    name,
    packs: j.count,
    run: async () => {
      const t0 = performance.now();
      const r = await backend.simulate(j);
      return [(performance.now() - t0) / 1000, r.cellSteps, meanCapacity(r.outputs, j.count)];
    },
  };
}

contenders.push(backendContender('TypeScript reference (1 thread)', new ReferenceBackend(), refJob));
const cores = availableParallelism();
for (const workers of [...new Set([1, cores])]) {
  const { backend } = await createBackend('wasm', { workers });
  await backend.simulate(chunkJob(spec, model, 0, 16).job); // start the workers
  disposers.push(() => backend.dispose());
  contenders.push(backendContender(`WASM backend, ${workers} worker${workers === 1 ? '' : 's'}`, backend, job));
}

// Native C: the same cells (cell-major parameters), same segment.
const gcc = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return 'gcc';
  } catch {
    return null;
  }
})();
const dir = mkdtempSync(join(tmpdir(), 'cellspread-native-'));
disposers.push(() => rmSync(dir, { recursive: true, force: true }));
if (!gcc) console.log('native C yardstick skipped: no gcc on PATH');
else {
  const exe = join(dir, 'cell');
  execFileSync(gcc, ['-O3', '-march=native', '-o', exe, join(root, 'bench/native/cell.c'), '-lm']);
  const K = model.settings.modes;
  const mu = sphereEigenvalues(K);
  const seg = model.segments[0];
  const n = 1;
  const cellMajor: number[] = [];
  for (let s = 0; s < packs; s++) for (let k = 0; k < CELL_PARAMETER_COUNT; k++) cellMajor.push(job.kernelParameters[(k * packs + s) * n]);
  const ocpNeg = flattenSeries(model.set.negative.ocp);
  const ocpPos = flattenSeries(model.set.positive.ocp);
  const input = Float64Array.from([
    K, packs, model.set.thermal.referenceTemperature, (2 / 3) * truncatedTail(mu), model.settings.timeStep, seg.value, seg.duration, seg.lowerCutoff,
    ocpNeg.length, ...ocpNeg, ocpPos.length, ...ocpPos, ...mu.map((m) => m * m), ...cellMajor,
  ]);
  const file = join(dir, 'input.bin');
  writeFileSync(file, input);
  contenders.push({
    name: 'native C, gcc -O3 -march=native (1 thread)',
    packs,
    run: async () => {
      const f = execFileSync(exe, [file, '1'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
      return [f[0], f[1], f[2] / packs];
    },
  });
}

// Interleaved rounds, best of each: the machine may be shared, so every contender sees the same load periods.
const rows: Row[] = contenders.map((c) => ({ name: c.name, packs: c.packs, seconds: Infinity, cellSteps: 0, capacityMeanAh: 0 }));
for (let round = 0; round < rounds + 1; round++) {
  for (let i = 0; i < contenders.length; i++) {
    const [sec, steps, cap] = await contenders[i].run();
    if (round > 0 && sec < rows[i].seconds) Object.assign(rows[i], { seconds: sec, cellSteps: steps, capacityMeanAh: cap }); // round 0 warms up
  }
}
for (const d of disposers) await d();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\ncellspread wasm benchmark — ${new Date().toISOString().slice(0, 10)}, ${cpu}, ${cores} logical cores (availableParallelism), Node ${process.version}`);
console.log('Chen2020, 1s1p packs, 1C CC discharge to 2.5 V, 10 s step, 10 modes, lumped thermal, cell-to-cell variation\n');
const c = rows.find((r) => r.name.startsWith('native'));
const header = ['implementation', 'packs', 'seconds', 'cell-steps/s', 'discharges/s', 'x native C', 'mean capacity [A.h]'];
const table = rows.map((r) => [
  r.name,
  String(r.packs),
  r.seconds.toFixed(3),
  (r.cellSteps / r.seconds).toExponential(3),
  (r.packs / r.seconds).toFixed(1),
  c ? (r.packs / r.seconds / (c.packs / c.seconds)).toFixed(2) : '-',
  r.capacityMeanAh.toFixed(6),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => '| ' + cells.map((x, i) => x.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const t of table) console.log(line(t));
