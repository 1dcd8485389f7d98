import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../backends/all.ts';
import { CellspreadInputError, CellspreadIoError, CellspreadResultsError } from '../errors.ts';
import { fileSystemFault } from '../io/faults.ts';
import { MemoryValve } from '../io/memory.ts';
import { chunkFileName, chunkGrid, CHUNK_DIR, listChunks, readChunkFile } from '../results/chunks.ts';
import { acquireLock, defaultResultsFolder, holdsRunFiles, removeRunFiles, removeTemporaryFiles } from '../results/folder.ts';
import { ensureWritableFolder, readChunk, readManifest, writeChunk, writeManifest, type RunManifest } from '../results/io.ts';
import { RunSamplesSink } from '../results/stream.ts';
import { analysisHash, checkStudyCost, defaultStudy, describeStudyCost, parseStudySpec, simulationHash, studyHash, validateStudySpec, type StudySpec } from '../spec/index.ts';
import { studyModel } from '../study/job.ts';
import { studyChunkShape, studyStreamShape } from '../study/outputs.ts';
import { runStudy } from '../study/runner.ts';
import { describeCost, studyLayout } from '../study/samples.ts';
import { inputNames } from '../variation/index.ts';
import { bindNegativeNumbers, choiceFlag, numberFlag, relabel } from './args.ts';
import { describeSummary, finishResults, PACKAGE_VERSION } from './finish.ts';
import type { CliIo } from './main.ts';
import { ProgressReporter } from './progress.ts';
import { shardFromArgs, shardRange } from './shard.ts';

export const RUN_USAGE = `Usage: cellspread run [study.yaml|study.json] [options]
Run a study: sample packs, simulate them, analyse, and write a results folder.
With no study file, runs the built-in default study (12s2p LG M50 pack, hierarchical variation, weld defects).
The run's samples are its Monte Carlo samples (outer x inner with an epistemic block), then the rows of its
sensitivity design; the first line says how many of each before anything runs, the second what they cost.

  --backend NAME       auto | webgpu | wasm | reference (default auto)
  --samples N          overrides run.samples
  --seed S             overrides run.seed
  --chunk-size N       overrides run.chunkSize
  --out DIR            results folder (default results/<study name>, made safe for a folder name)
  --resume             continue an interrupted run in --out (same simulation: the analysis may have changed);
                       every chunk is verified first and the run refuses chunks that are not this study's
  --resimulate-bad     with --resume: simulate again the chunks that fail verification instead of refusing
  --force              start again in a folder that already holds a run (removes that run's files first)
  --shard I/N          run shard I of N (0-based) of the samples (sensitivity design rows included; whole
                       outer samples in an epistemic study); see cellspread merge
  --shard-from-env     take I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (N from --shard-count,
                       SLURM_ARRAY_TASK_COUNT)
  --workers N          worker threads for CPU backends (default: all cores)
  --no-analysis        skip tail and sensitivity analysis (the sensitivity design rows, samples of the run,
                       are still simulated: merge or a later --resume can analyse them)
  --no-report          skip report.html
  --quiet              no progress output
  --json               print the summary as JSON on stdout

Exit codes: 0 done, 2 bad input or a results folder that cannot be used, 3 the file system refused (disk full,
read-only, permission), 130 stopped by Ctrl-C (continue with --resume).`;

export { PACKAGE_VERSION };

export function loadStudy(path: string | undefined): StudySpec {
  if (!path) return defaultStudy();
  if (!existsSync(path)) throw new CellspreadInputError('study file', 'must exist', path);
  const ext = extname(path).toLowerCase();
  const format = ext === '.json' ? 'json' : 'yaml';
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileSystemFault(err, path, 'read') ?? new CellspreadInputError('study file', 'must be a readable file', path, (err as Error).message);
  }
  return parseStudySpec(text, { format, source: path });
}

/**
 * Apply CLI overrides: each flag has exactly the meaning of the spec field it overrides, and the result is validated
 * again (a flag can break a cap), with errors named by the flag.
 */
export function applyOverrides(spec: StudySpec, values: Record<string, unknown>): StudySpec {
  const samples = numberFlag(values, 'samples', { min: 1, integer: true });
  const seed = numberFlag(values, 'seed', { min: 0, integer: true, max: Number.MAX_SAFE_INTEGER });
  const chunkSize = numberFlag(values, 'chunk-size', { min: 1, integer: true });
  if (samples === undefined && seed === undefined && chunkSize === undefined) return spec;
  const run = { samples: samples ?? spec.run.samples, seed: seed ?? spec.run.seed, chunkSize: chunkSize ?? spec.run.chunkSize };
  return relabel(() => validateStudySpec({ ...spec, run }), { 'run.samples': '--samples', 'run.seed': '--seed', 'run.chunkSize': '--chunk-size' });
}

export const RUN_OPTIONS = {
  backend: { type: 'string' },
  samples: { type: 'string' },
  seed: { type: 'string' },
  'chunk-size': { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  shard: { type: 'string' },
  'shard-from-env': { type: 'boolean' },
  'shard-count': { type: 'string' },
  workers: { type: 'string' },
  'no-analysis': { type: 'boolean' },
  'no-report': { type: 'boolean' },
  'resimulate-bad': { type: 'boolean' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface RunCommandHooks {
  /** Progress stream (default process.stderr). */
  progressStream?: NodeJS.WriteStream;
  /** Abort signal in addition to Ctrl-C (tests). */
  signal?: AbortSignal;
}

export async function runRunCommand(argv: string[], io: CliIo, hooks: RunCommandHooks = {}): Promise<number> {
  const { values, positionals } = parseArgs({ args: bindNegativeNumbers(argv), options: RUN_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(RUN_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new CellspreadInputError('study file', 'must be a single path', positionals.join(' '));
  if (values.resume && values.force) throw new CellspreadInputError('--resume', 'cannot go with --force (continue a run, or start it again)', '--resume --force');
  if (values['resimulate-bad'] && !values.resume) throw new CellspreadInputError('--resimulate-bad', 'needs --resume', '--resimulate-bad');
  const backendName = choiceFlag(values, 'backend', ['auto', 'webgpu', 'wasm', 'reference'] as const) ?? 'auto';
  const workers = numberFlag(values, 'workers', { min: 1, integer: true });
  // Everything is validated before anything is written or simulated: the study, its analysis, its caps and cost.
  const spec = applyOverrides(loadStudy(positionals[0]), values);
  const model = studyModel(spec);
  const cost = checkStudyCost(spec, model.set);
  const layout = studyLayout(spec); // the run's samples: Monte Carlo (outer x inner when epistemic), then design rows
  const shard = shardFromArgs(values, process.env);
  const range = shard ? shardRange(spec, shard) : { start: 0, end: layout.total };
  const out = values.out ?? defaultResultsFolder(spec.name, shard);
  ensureWritableFolder(out);
  const release = acquireLock(out, 'run');
  try {
    return await runLocked({ spec, model, cost, shard, range, out, backendName, workers, values, io, hooks });
  } catch (err) {
    if (err instanceof CellspreadIoError && listChunks(out).length > 0) {
      throw new CellspreadIoError(`${err.message}; the completed chunks are kept: add --resume to continue`, err.path, err.code);
    }
    throw fileSystemFault(err, out, 'write') ?? err;
  } finally {
    release();
  }
}

interface LockedRun {
  spec: StudySpec;
  model: ReturnType<typeof studyModel>;
  cost: ReturnType<typeof checkStudyCost>;
  shard: ReturnType<typeof shardFromArgs>;
  range: { start: number; end: number };
  out: string;
  backendName: 'auto' | 'webgpu' | 'wasm' | 'reference';
  workers: number | undefined;
  values: { resume?: boolean; force?: boolean; quiet?: boolean; json?: boolean; 'no-analysis'?: boolean; 'no-report'?: boolean; 'resimulate-bad'?: boolean };
  io: CliIo;
  hooks: RunCommandHooks;
}

/**
 * Chunks of `out` that a resume can reuse: each must be this study's (simulation hash, seed), sit where the chunk
 * grid says, hold every sample and match its own checksum. Returns the good ones and one line per bad one.
 */
export function verifyResumableChunks(out: string, spec: StudySpec, range: { start: number; end: number }): { good: Set<number>; bad: string[] } {
  const identity = { simulationHash: simulationHash(spec), seed: spec.run.seed };
  const names = inputNames(spec);
  const shape = studyChunkShape(spec);
  const grid = new Map(chunkGrid(range, spec.run.chunkSize).map((p) => [p.index, p]));
  const good = new Set<number>();
  const bad: string[] = [];
  for (const index of listChunks(out)) {
    const file = `${CHUNK_DIR}/${chunkFileName(index)}`;
    const place = grid.get(index);
    if (!place) {
      bad.push(`${file} lies outside this run's samples ${range.start}-${range.end - 1}`);
      continue;
    }
    const r = readChunkFile(out, { ...place, ...identity, inputNames: names, shape });
    if (r.ok) good.add(index);
    else bad.push(`${file} ${r.problem}`);
  }
  return { good, bad };
}

async function runLocked(r: LockedRun): Promise<number> {
  const { spec, model, cost, shard, range, out, values, io, hooks } = r;
  removeTemporaryFiles(out);
  const manifest: RunManifest = {
    specHash: studyHash(spec),
    simulationHash: simulationHash(spec),
    analysisHash: analysisHash(spec),
    seed: spec.run.seed,
    chunkSize: spec.run.chunkSize,
    samples: studyLayout(spec).total,
    range,
    version: PACKAGE_VERSION,
    ...(shard ? { shard } : {}),
  };
  const existing = readManifest(out);
  let reusable = new Set<number>();
  if (values.resume) {
    if (!existing) throw new CellspreadInputError('--resume', 'needs a folder with an interrupted run (run.json)', out);
    const mismatch: string[] = [];
    if (existing.simulationHash !== undefined ? existing.simulationHash !== manifest.simulationHash : existing.specHash !== manifest.specHash) mismatch.push('the simulation (spec other than name, analysis and limits)');
    if (existing.chunkSize !== manifest.chunkSize) mismatch.push('chunkSize');
    if (existing.samples !== manifest.samples || existing.range?.start !== range.start || existing.range?.end !== range.end) mismatch.push('samples');
    if (mismatch.length > 0) {
      throw new CellspreadInputError('--resume', `must continue the same study with the same settings (differs in ${mismatch.join(', ')})`, out, 'use --force to start again, or another --out');
    }
    const { good, bad } = verifyResumableChunks(out, spec, range);
    if (bad.length > 0 && !values['resimulate-bad']) {
      throw new CellspreadResultsError(`--resume: ${bad.length} chunk file${bad.length === 1 ? '' : 's'} in ${out} cannot be reused (add --resimulate-bad to simulate just those again, or --force to start over)`, bad);
    }
    if (bad.length > 0 && !values.quiet) io.stderr(`cellspread: simulating ${bad.length} chunk${bad.length === 1 ? '' : 's'} again that failed verification`);
    reusable = good;
    removeRunFiles(out, ['run.json'], good); // the previous results (summary, tables, report) are rebuilt from the chunks
  } else if (holdsRunFiles(out)) {
    if (!values.force) throw new CellspreadInputError('--out', 'already holds a run: add --resume to continue it or --force to start again', out);
    removeRunFiles(out);
  }
  writeManifest(out, manifest);

  const progress = ProgressReporter.for(hooks.progressStream ?? process.stderr, values.quiet ?? false);
  const controller = new AbortController();
  hooks.signal?.addEventListener('abort', () => controller.abort());
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr('\ncellspread: stopping after the current chunk (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const { backend, fallbacks } = await createBackend(r.backendName, { workers: r.workers }, '--backend');
  const t0 = performance.now();
  const layout = studyLayout(spec);
  const stream = studyStreamShape(spec);
  const sink = new RunSamplesSink(out, range, layout, stream.shape);
  const shape = studyChunkShape(spec);
  const valve = new MemoryValve();
  const identity = { simulationHash: manifest.simulationHash!, seed: spec.run.seed };
  try {
    if (!values.quiet) {
      const packs = range.end - range.start;
      io.stderr(`cellspread: ${spec.name}: ${describeCost(spec, range)} of a ${spec.pack.series}s${spec.pack.parallel}p pack -> ${out}`);
      io.stderr(`cellspread: cost: ${describeStudyCost({ ...cost, samples: packs, cellSteps: packs * cost.cellsPerPack * cost.stepsPerPack })}`);
      io.stderr(backendLine(backend, fallbacks));
    }
    let result;
    try {
      result = await runStudy(spec, {
        backendInstance: backend,
        range,
        signal: controller.signal,
        collect: false,
        onProgress: (p) => progress.update(p),
        onChunk: (chunk) => writeChunk(out, chunk, identity),
        completedChunk: (index, start, count) => (reusable.has(index) ? readChunk(out, index, { start, count, ...identity, shape }) : undefined),
        consumeChunk: (chunk) => sink.add(chunk),
        betweenSteps: () => valve.relieve(),
      });
    } catch (err) {
      sink.abort();
      throw err;
    }
    const { streamed, design } = await sink.finish(inputNames(spec));
    const completed = !result.cancelled;
    const summary = await finishResults({
      dir: out,
      spec,
      model,
      streamed,
      design,
      lifetimeFan: stream.fan(),
      range: result.range,
      backend: { ...result.backend, fallbacks },
      analyse: !values['no-analysis'] && completed && !shard,
      report: !values['no-report'],
      completed,
      shard,
      cost,
      t0,
      signal: controller.signal,
      again: 'run the same command with --resume',
    });
    if (!completed) {
      progress.done(`stopped: ${summary.counts.samples} samples are written in ${out}; continue with --resume`);
      return 130;
    }
    progress.done(`done: ${result.counts.samples} samples in ${summary.timings.totalSeconds.toFixed(1)} s; results in ${out}`);
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (!values.quiet) io.stdout(describeSummary(summary, out));
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    await backend.dispose();
  }
}

/** Which backend runs the study and, under auto, why the ones before it were skipped: one line. */
export function backendLine(backend: { name: string; device: string }, fallbacks: readonly { name: string; reason: string }[]): string {
  const skipped = fallbacks.map((f) => `; ${f.name} skipped: ${f.reason}`).join('');
  return `cellspread: backend ${backend.name} (${backend.device})${skipped}`;
}

/** The closing lines of a run: counts, invalid packs, a few statistics, then the headline (the same strings summary.json holds). */
export const describe = describeSummary;
