/**
 * CPU backend benchmark, in one process so ratios are fair on a shared machine:
 *   - single cells (1s1p, Chen2020, 1C CC discharge to the cut-off, cell-to-cell variation): the TypeScript reference,
 *     the wasm backend on 1 worker and on all cores, and bench/native/cell.c (the generated C kernels, gcc -O3);
 *   - packs: the default 12s2p study and examples/pack-96s4p-welds.yaml on the wasm backend (1 worker), as
 *     cell-discharges per second next to the single-cell rate, with cell evaluations per committed cell-step;
 *   - each for the cell models in `--models` (default spm,spme), and the SPMe's cost per cell-discharge over the SPM's
 *     (issue 14 item 6: studies default to the SPMe when it is within 2x);
 *   - with `--old <commit>`: the same single cells and packs on that commit's wasm backend (its tree extracted with
 *     git archive into a temporary folder and its module built there), interleaved with the current one (its SPM).
 * Best of `rounds` interleaved rounds (round 0 warms up).
 * Usage: npx tsx bench/wasm.ts [--packs 960] [--rounds 5] [--models spm,spme] [--old <commit>]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from '../src/backends/all.ts';
import { ReferenceBackend } from '../src/backends/reference.ts';
import type { Backend, PackJob } from '../src/backends/types.ts';
import { WASM_URL } from '../src/backends/wasm/index.ts';
import { flattenKernelConstants } from '../src/kernels/configure.ts';
import { kernelConstants } from '../src/model/cell.ts';
import { cellParameters } from '../src/model/layout.ts';
import { DEFINITIONS, type CellModel } from '../src/model/physics.ts';
import { PACK_OUTPUT_INDEX } from '../src/pack/outputs.ts';
import { DEFAULT_STUDY_YAML, parseStudySpec, validateStudySpec, type StudySpec } from '../src/spec/index.ts';
import { studyModel } from '../src/study/job.ts';
import { chunkJob } from '../src/study/runner.ts';
import { singleCellStudy } from './studies.ts';

const { values: opts } = parseArgs({
  options: { packs: { type: 'string', default: '960' }, rounds: { type: 'string', default: '5' }, models: { type: 'string', default: 'spm,spme' }, old: { type: 'string' } },
});
const models = opts.models.split(',') as CellModel[];
const root = fileURLToPath(new URL('..', import.meta.url));
const packs = Number(opts.packs);
const rounds = Number(opts.rounds);
const referencePacks = Math.min(packs, 96);

if (!existsSync(WASM_URL)) {
  console.log('building build/cellspread.wasm (npm run build:wasm)');
  execFileSync('npm', ['run', '--silent', 'build:wasm'], { cwd: root, stdio: 'inherit' });
}

const singleSpec = singleCellStudy(packs);
const packYaml = { '12s2p': DEFAULT_STUDY_YAML, '96s4p': readFileSync(join(root, 'examples/pack-96s4p-welds.yaml'), 'utf8') };
/** Packs per pack study: about the single-cell study's cell count, at least 2. */
const packCount = { '12s2p': Math.max(2, Math.round(packs / 24)), '96s4p': Math.max(1, Math.round(packs / 384)) };

interface Api {
  createBackend: typeof createBackend;
  validateStudySpec: typeof validateStudySpec;
  parseStudySpec: typeof parseStudySpec;
  studyModel: typeof studyModel;
  chunkJob: typeof chunkJob;
}
const current: Api = { createBackend, validateStudySpec, parseStudySpec, studyModel, chunkJob };

/** The old commit's tree with its wasm module built, imported next to the current code. */
async function oldApi(commit: string, dir: string): Promise<Api> {
  execFileSync('sh', ['-c', `git -C "${root}" archive "${commit}" | tar -x -C "${dir}"`]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npx', ['asc', 'assembly/index.ts', '--config', 'asconfig.json', '--target', 'release'], { cwd: dir, stdio: 'ignore' });
  const load = (p: string) => import(pathToFileURL(join(dir, p)).href);
  const [all, spec, job, runner] = await Promise.all([load('src/backends/all.ts'), load('src/spec/index.ts'), load('src/study/job.ts'), load('src/study/runner.ts')]);
  return { createBackend: all.createBackend, validateStudySpec: spec.validateStudySpec, parseStudySpec: spec.parseStudySpec, studyModel: job.studyModel, chunkJob: runner.chunkJob };
}

/** A study's first chunk; `model` sets simulation.model (left out for an old tree, which has no models). */
function studyJob(api: Api, kind: 'single' | '12s2p' | '96s4p', count = packs, model?: CellModel): PackJob {
  let spec: StudySpec;
  if (kind === 'single') {
    spec = api.validateStudySpec({ ...singleSpec, ...(model ? { simulation: { model } } : {}), run: { ...singleSpec.run, samples: count, chunkSize: count } });
  } else {
    const s = api.parseStudySpec(packYaml[kind], { source: kind });
    spec = { ...s, ...(model ? { simulation: { ...s.simulation, model } } : {}), run: { ...s.run, samples: packCount[kind], chunkSize: packCount[kind] } };
  }
  return api.chunkJob(spec, api.studyModel(spec), 0, spec.run.samples).job as PackJob;
}

function meanCapacity(outputs: Float64Array, count: number): number {
  // The stride from the outputs themselves: an older commit's backend may have fewer outputs (they are appended).
  const stride = outputs.length / count;
  let s = 0;
  for (let i = 0; i < count; i++) s += outputs[i * stride + PACK_OUTPUT_INDEX.capacityAh];
  return s / count;
}

interface Result {
  seconds: number;
  cellSteps: number;
  evaluations?: number;
  corrections?: number;
  capacity: number;
}
interface Contender {
  group: 'single' | '12s2p' | '96s4p';
  name: string;
  cells: number;
  run: () => Promise<Result>;
}

const contenders: Contender[] = [];
const disposers: Array<() => unknown> = [];

function backendContender(group: Contender['group'], name: string, backend: Backend, job: PackJob): Contender {
  const cellsPerPack = job.layout.series * job.layout.parallel;
  return {
    group,
    name,
    cells: job.count * cellsPerPack,
    run: async () => {
      const t0 = performance.now();
      const r = await backend.simulate(job);
      return { seconds: (performance.now() - t0) / 1000, cellSteps: r.cellSteps, evaluations: r.cellEvaluations, corrections: r.cellCorrections, capacity: meanCapacity(r.outputs, job.count) };
    },
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'cellspread-bench-'));
disposers.push(() => rmSync(tmp, { recursive: true, force: true }));

const apis: Array<[string, Api]> = [['', current]];
if (opts.old) {
  const dir = join(tmp, 'old');
  execFileSync('mkdir', ['-p', dir]);
  const sha = execFileSync('git', ['-C', root, 'rev-parse', '--short', opts.old], { encoding: 'utf8' }).trim();
  apis.push([` (old ${sha})`, await oldApi(opts.old, dir)]);
}

const tag = (model: CellModel) => (models.length > 1 ? ` [${model}]` : '');
for (const model of models) contenders.push(backendContender('single', `TypeScript reference (1 thread)${tag(model)}`, new ReferenceBackend(), studyJob(current, 'single', referencePacks, model)));
const cores = availableParallelism();
for (const [label, api] of apis) {
  for (const workers of [...new Set([1, cores])]) {
    const { backend } = await api.createBackend('wasm', { workers });
    await backend.simulate(studyJob(api, 'single', 16)); // start the workers
    disposers.push(() => backend.dispose());
    for (const model of label ? [undefined] : models) {
      contenders.push(backendContender('single', `WASM, ${workers} worker${workers === 1 ? '' : 's'}${label}${model ? tag(model) : ''}`, backend, studyJob(api, 'single', packs, model)));
    }
  }
}

// Native C: the same cells (cell-major parameters), same segment, the generated kernels.
const gcc = (() => {
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
    return 'gcc';
  } catch {
    return null;
  }
})();
if (!gcc) console.log('native C yardstick skipped: no gcc on PATH');
else {
  for (const model of models) {
    const exe = join(tmp, `cell-${model}`);
    execFileSync(gcc, ['-O3', '-march=native', ...(model === 'spme' ? ['-DCELLSPREAD_SPME'] : []), '-I', join(root, 'bench/native'), '-o', exe, join(root, 'bench/native/cell.c'), '-lm']);
    const job = studyJob(current, 'single', packs, model);
    const study = current.studyModel(current.validateStudySpec({ ...singleSpec, simulation: { model } }));
    const k = kernelConstants(study.set, study.settings.modes, model, study.settings.mesh);
    const seg = study.segments[0];
    const P = cellParameters(model).length;
    const cellMajor: number[] = [];
    for (let s = 0; s < packs; s++) for (let p = 0; p < P; p++) cellMajor.push(job.kernelParameters[(p * packs + s) * 1]);
    const input = Float64Array.from([packs, study.settings.timeStep, seg.value, seg.duration, seg.lowerCutoff, 1, ...flattenKernelConstants(DEFINITIONS[model], k as unknown as Record<string, unknown>), ...cellMajor]);
    const file = join(tmp, `input-${model}.bin`);
    writeFileSync(file, input);
    contenders.push({
      group: 'single',
      name: `native C, gcc -O3 -march=native (1 thread)${tag(model)}`,
      cells: packs,
      run: async () => {
        const f = execFileSync(exe, [file, '1'], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
        return { seconds: f[0], cellSteps: f[1], capacity: f[2] / packs };
      },
    });
  }
}

for (const [label, api] of apis) {
  const { backend } = await api.createBackend('wasm', { workers: 1 });
  disposers.push(() => backend.dispose());
  for (const kind of ['12s2p', '96s4p'] as const) {
    for (const model of label ? [undefined] : models) contenders.push(backendContender(kind, `WASM, 1 worker${label}${model ? tag(model) : ''}`, backend, studyJob(api, kind, packs, model)));
  }
}

// Interleaved rounds, best of each: the machine may be shared, so every contender sees the same load periods.
const best: Result[] = contenders.map(() => ({ seconds: Infinity, cellSteps: 0, capacity: 0 }));
for (let round = 0; round < rounds + 1; round++) {
  for (let i = 0; i < contenders.length; i++) {
    const r = await contenders[i].run();
    if (round > 0 && r.seconds < best[i].seconds) best[i] = r; // round 0 warms up
  }
}
for (const d of disposers) await d();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\ncellspread CPU benchmark — ${new Date().toISOString().slice(0, 16)} UTC, ${cpu}, ${cores} logical cores, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end`);
const singleRate = (name: string) => {
  const i = contenders.findIndex((c) => c.group === 'single' && c.name === name);
  return i < 0 ? NaN : contenders[i].cells / best[i].seconds;
};
const modelOf = (name: string) => /\[(spm|spme)\]$/.exec(name)?.[1] ?? '';
const native = (name: string) => singleRate(`native C, gcc -O3 -march=native (1 thread)${modelOf(name) ? ` [${modelOf(name)}]` : ''}`);
const header = ['study', 'implementation', 'cells', 'seconds', 'cell-steps/s', 'cell-discharges/s', 'x native C', 'x single cell (same build)', 'evaluations / cell-step', 'corrections / cell-step', 'mean capacity [Ah]'];
const rows = contenders.map((c, i) => {
  const b = best[i];
  const rate = c.cells / b.seconds;
  const label = c.name.includes('(old') ? c.name.slice(c.name.indexOf(' (old')) : modelOf(c.name) ? ` [${modelOf(c.name)}]` : '';
  const single = c.group === 'single' ? NaN : singleRate(`WASM, 1 worker${label}`);
  return [
    c.group,
    c.name,
    String(c.cells),
    b.seconds.toFixed(3),
    (b.cellSteps / b.seconds).toExponential(3),
    rate.toFixed(1),
    c.group === 'single' && Number.isFinite(native(c.name)) ? (rate / native(c.name)).toFixed(2) : '-',
    Number.isFinite(single) ? (rate / single).toFixed(2) : '-',
    b.evaluations !== undefined ? (b.evaluations / b.cellSteps).toFixed(2) : '-',
    b.corrections !== undefined ? (b.corrections / b.cellSteps).toFixed(2) : '-',
    b.capacity.toFixed(6),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => '| ' + cells.map((x, i) => x.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(r));
if (models.includes('spm') && models.includes('spme')) {
  console.log('\nSPMe cost per cell-discharge over the SPM (same implementation, same run; issue 14: the default is the SPMe within 2x):');
  for (const group of ['single', '12s2p', '96s4p'] as const) {
    for (const c of contenders.filter((x) => x.group === group && x.name.endsWith('[spme]'))) {
      const base = c.name.replace('[spme]', '[spm]');
      const i = contenders.indexOf(c);
      const j = contenders.findIndex((x) => x.group === group && x.name === base);
      if (j < 0) continue;
      const cost = (k: number) => best[k].seconds / contenders[k].cells;
      console.log(`  ${group.padEnd(6)} ${base.replace(' [spm]', '').padEnd(45)} ${(cost(i) / cost(j)).toFixed(2)}x`);
    }
  }
}
if (opts.old) {
  const now = singleRate(`WASM, 1 worker${tag('spm')}`);
  const then = singleRate(contenders.find((c) => c.group === 'single' && c.name.startsWith('WASM, 1 worker (old'))!.name);
  console.log(`\nsingle-cell WASM (1 worker), this tree / old: ${(now / then).toFixed(3)}`);
}
