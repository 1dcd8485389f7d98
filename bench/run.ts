/**
 * The throughput harness of issue 17 ("Must show"), measured in one run on one machine:
 *   (a) single cells (1s1p packs) on the WASM backend: cell-discharges per second (1C discharge to 2.5 V);
 *   (b) the default 12s2p pack and the 96s4p pack of examples/pack-96s4p-welds.yaml (its protocol set to the same 1C
 *       discharge) on the same backend: cell-discharges per second and their ratio to (a) (target: at least 0.5);
 *   (c) the default study end to end, `cellspread run` with no study file (sampling, simulation, analysis, report),
 *       as a child process, wall-clock and CPU seconds; this tree's also with `simulation.model: spm` (the default
 *       study runs the SPMe since issue 14);
 *   (d) sampling: cell-parameter vectors per second on one thread for each study of (b).
 * With --against <commit> every measurement also runs on that commit's sources (bench/old-commit.ts: a built copy in
 * a temp folder), interleaved round by round with this tree's, and the ratios are printed.
 *
 *   npm run bench -- [--against <commit>] [--workers 1] [--rounds 3] [--no-study] [--single 960] [--packs12 40]
 *                    [--packs96 4]
 *
 * Simulation figures are the best of --rounds rounds after a warm-up round (a shared machine's load lowers some rounds;
 * the best is the least disturbed); the study is run once per tree. The machine's load average is printed with them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, PackJob } from '../src/backends/types.ts';
import type { StudySpec } from '../src/spec/index.ts';
import { cpuSeconds, measureSampling } from './measure.ts';
import { buildTree, checkoutCommit } from './old-commit.ts';
import { ONE_C_DISCHARGE, singleCellStudy } from './studies.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const count = (name: string, fallback: number) => {
  const v = Number(arg(name) ?? fallback);
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`--${name} must be an integer >= 1, got ${arg(name)}`);
  return v;
};

const here = fileURLToPath(new URL('..', import.meta.url));
const against = arg('against');
const workers = count('workers', 1);
const rounds = count('rounds', 3);
const sizes = { single: count('single', 960), packs12: count('packs12', 40), packs96: count('packs96', 4) };
const runStudy = !process.argv.includes('--no-study');

/** One tree's modules, loaded from its own sources (this tree's or an old commit's copy). */
interface Tree {
  label: string;
  root: string;
  backend: Backend;
  jobs: { name: string; cellsPerPack: number; job: PackJob }[];
}

async function loadTree(label: string, root: string): Promise<Tree> {
  const { createBackend } = await import(`${root}/src/backends/all.ts`);
  const spec = await import(`${root}/src/spec/index.ts`);
  const { studyModel } = await import(`${root}/src/study/job.ts`);
  const { chunkJob } = await import(`${root}/src/study/runner.ts`);
  const single: StudySpec = spec.validateStudySpec(singleCellStudy(sizes.single));
  const defaultStudy: StudySpec = spec.defaultStudy();
  // Each tree's own example file (this tree's says `model: spme`, which older trees do not know).
  const example: StudySpec = spec.parseStudySpec(readFileSync(join(root, 'examples', 'pack-96s4p-welds.yaml'), 'utf8'), { source: 'pack-96s4p-welds.yaml' });
  const pack96 = spec.validateStudySpec({ ...example, protocol: ONE_C_DISCHARGE });
  const { backend } = await createBackend('wasm', { workers });
  const jobs = (
    [
      ['single cells (1s1p)', single, sizes.single],
      ['default 12s2p', defaultStudy, sizes.packs12],
      ['96s4p (pack-96s4p-welds, 1C)', pack96, sizes.packs96],
    ] as const
  ).map(([name, s, n]) => ({
    name,
    cellsPerPack: s.pack.series * s.pack.parallel,
    job: chunkJob(s, studyModel(s), 0, n).job as PackJob,
  }));
  return { label, root, backend, jobs };
}

// The simulation rounds below load build/cellspread.wasm: build it from these sources first, or they would measure
// whatever module an earlier build left there.
buildTree(here);
const trees = [await loadTree('this tree', here)];
if (against) trees.push(await loadTree(`commit ${against}`, checkoutCommit(against)));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`cellspread throughput harness  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}  load ${load()}`);
console.log(`WASM backend, ${workers} worker${workers === 1 ? '' : 's'}; Chen2020, 1C discharge to 2.5 V, 10 s step, 10 modes; best of ${rounds} rounds after a warm-up`);

/** Best (shortest) wall-clock and CPU seconds seen over the rounds of one measurement. */
interface Best {
  wall: number;
  cpu: number;
}
const keepBest = (b: Best, wall: number, cpu: number) => {
  b.wall = Math.min(b.wall, wall);
  b.cpu = Math.min(b.cpu, cpu);
};

// (a), (b): simulation only (the jobs are sampled beforehand), interleaved across trees and studies. CPU seconds are
// the process's (the worker threads' included), so with one worker they measure what one core does.
const simulation = trees.map((t) => t.jobs.map((): Best => ({ wall: Infinity, cpu: Infinity })));
for (let round = 0; round <= rounds; round++) {
  for (let j = 0; j < trees[0].jobs.length; j++) {
    for (let i = 0; i < trees.length; i++) {
      const c0 = cpuSeconds();
      const t0 = performance.now();
      await trees[i].backend.simulate(trees[i].jobs[j].job);
      if (round > 0) keepBest(simulation[i][j], (performance.now() - t0) / 1000, cpuSeconds() - c0);
    }
  }
}
for (const t of trees) await t.backend.dispose();

// (d): sampling on one thread, each tree in a process of its own, as vectors per CPU second (bench/sampling.ts).
const sampling = trees.map((t) => measureSampling(t.root, rounds, 1).map((r) => r.bestCpu));

console.log(
  'cell-discharges per second of wall clock (best round) and per CPU second of the process; the ratio to single cells uses CPU seconds; sampling: cell-parameter vectors per CPU second, one thread',
);
const header = ['study', 'packs', 'cells/pack', ...trees.flatMap((t) => [`${t.label}: cell-discharges/s`, 'per CPU s', 'x single cells', 'sampling /CPU s'])];
if (against) header.push('speed-up (per CPU s)');
const rows = trees[0].jobs.map((j, k) => {
  const cols = [j.name, String(j.job.count), String(j.cellsPerPack)];
  const cellDischarges = (i: number, job: number) => trees[i].jobs[job].job.count * trees[i].jobs[job].cellsPerPack;
  const perCpu = trees.map((_, i) => cellDischarges(i, k) / simulation[i][k].cpu);
  trees.forEach((_, i) => {
    const single = cellDischarges(i, 0) / simulation[i][0].cpu;
    cols.push((cellDischarges(i, k) / simulation[i][k].wall).toFixed(0), perCpu[i].toFixed(0), `${(perCpu[i] / single).toFixed(2)}x`, sampling[i][k].toFixed(0));
  });
  if (against) cols.push(`${(perCpu[0] / perCpu[1]).toFixed(2)}x`);
  return cols;
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));

// (c): the default study end to end, one child process per tree, as a user runs it; CPU seconds (all its threads) from
// GNU time where it is installed, since on a shared machine the wall clock mostly measures everyone else. This tree's
// default study runs the SPMe (issue 14); it runs once more with `simulation.model: spm` (the default study file with
// that one line changed), so that both models are compared with the old commit in the same run.
if (runStudy) {
  const out = mkdtempSync(join(os.tmpdir(), 'cellspread-bench-study-'));
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  try {
    const { DEFAULT_STUDY_YAML } = await import(`${here}/src/spec/default.ts`);
    const spmYaml = (DEFAULT_STUDY_YAML as string).replace(/^(\s*model:\s*)spme\b/m, '$1spm');
    const variants: { label: string; root: string; study?: string }[] = trees.map((t) => ({ label: t.label, root: t.root }));
    if (spmYaml !== DEFAULT_STUDY_YAML) {
      const file = join(out, 'default-spm.yaml');
      writeFileSync(file, spmYaml);
      variants.splice(1, 0, { label: 'this tree, model: spm', root: here, study: file });
    }
    const times = variants.map((t, i) => {
      const folder = join(out, String(i));
      const usage = join(out, `time-${i}.txt`);
      const command = [process.execPath, join(t.root, 'bin', 'cellspread.mjs'), 'run', ...(t.study ? [t.study] : []), '--out', folder, '--quiet'];
      const t0 = performance.now();
      if (gnuTime) execFileSync(gnuTime, ['-f', '%U %S', '-o', usage, ...command], { cwd: t.root, stdio: ['ignore', 'ignore', 'inherit'] });
      else execFileSync(command[0], command.slice(1), { cwd: t.root, stdio: ['ignore', 'ignore', 'inherit'] });
      const wall = (performance.now() - t0) / 1000;
      const cpu = gnuTime ? readFileSync(usage, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number).reduce((a, b) => a + b, 0) : NaN;
      const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
      return { wall, cpu, summary, loadAfter: load() };
    });
    console.log('default study end to end (`cellspread run`, no study file; one run per tree and model):');
    times.forEach(({ wall, cpu, summary, loadAfter }, i) => {
      const a = summary.timings;
      const model = (summary.spec?.simulation?.model as string | undefined) ?? 'spm';
      console.log(
        `  ${variants[i].label} [${model}]: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU s, on ${summary.backend.name} (${summary.backend.device}); simulate ${a.simulateSeconds.toFixed(1)} s, ` +
          `analysis ${a.analysisSeconds.toFixed(1)} s, ${summary.counts.samples} samples${summary.counts.designRows ? ` + ${summary.counts.designRows} design rows` : ''}; load ${loadAfter}`,
      );
    });
    if (against) {
      const old = times[times.length - 1];
      for (let i = 0; i + 1 < times.length; i++) {
        console.log(`  speed-up of ${variants[i].label} against ${variants.at(-1)!.label}: ${(old.wall / times[i].wall).toFixed(2)}x wall, ${(old.cpu / times[i].cpu).toFixed(2)}x CPU (target: at least 5x)`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
