import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../backends/all.ts';
import { CellspreadInputError } from '../errors.ts';
import type { RunSummary } from '../results/format.ts';
import { ensureWritableFolder, listChunks, readChunk, readManifest, writeChunk, writeCycleTable, writeManifest, writeSampleTable, writeSummary, type RunManifest } from '../results/io.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { chunkChecksums } from '../results/merge.ts';
import { studyResultTable } from '../results/table.ts';
import { defaultStudy, parseStudySpec, studyHash, type StudySpec } from '../spec/index.ts';
import { analyzeStudySensitivity, tailAnalyses, worstPackMap } from '../study/analysis.ts';
import { headlineLines } from '../study/headline.ts';
import { studyModel } from '../study/job.ts';
import { describeCost, designOutputs, monteCarloResult, studyLayout } from '../study/samples.ts';
import { runStudy } from '../study/runner.ts';
import { buildSummary } from '../study/summary.ts';
import { VERSION } from '../version.ts';
import { bindNegativeNumbers, choiceFlag, numberFlag } from './args.ts';
import type { CliIo } from './main.ts';
import { ProgressReporter } from './progress.ts';
import { shardFromArgs, shardRange } from './shard.ts';

export const RUN_USAGE = `Usage: cellspread run [study.yaml|study.json] [options]
Run a study: sample packs, simulate them, analyse, and write a results folder.
With no study file, runs the built-in default study (12s2p LG M50 pack, hierarchical variation, weld defects).
The run's samples are its Monte Carlo samples (outer x inner with an epistemic block), then the rows of its
sensitivity design; the first line says how many of each before anything runs.

  --backend NAME       auto | webgpu | wasm | reference (default auto)
  --samples N          overrides run.samples
  --seed S             overrides run.seed
  --chunk-size N       overrides run.chunkSize
  --out DIR            results folder (default results/<study name>)
  --resume             continue an interrupted run in --out (same study, same chunk size)
  --force              start again in a folder that already holds a run
  --shard I/N          run shard I of N (0-based) of the samples (sensitivity design rows included; whole
                       outer samples in an epistemic study); see cellspread merge
  --shard-from-env     take I from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (N from --shard-count,
                       SLURM_ARRAY_TASK_COUNT)
  --workers N          worker threads for CPU backends (default: all cores)
  --no-analysis        skip tail and sensitivity analysis (the sensitivity design rows, samples of the run,
                       are still simulated: merge or a later --resume can analyse them)
  --no-report          skip report.html
  --quiet              no progress output
  --json               print the summary as JSON on stdout`;

export const PACKAGE_VERSION = VERSION;

export function loadStudy(path: string | undefined): StudySpec {
  if (!path) return defaultStudy();
  if (!existsSync(path)) throw new CellspreadInputError('study file', 'must exist', path);
  const ext = extname(path).toLowerCase();
  const format = ext === '.json' ? 'json' : 'yaml';
  return parseStudySpec(readFileSync(path, 'utf8'), { format, source: path });
}

/** Apply CLI overrides: each flag has exactly the meaning of the spec field it overrides. */
export function applyOverrides(spec: StudySpec, values: Record<string, unknown>): StudySpec {
  const samples = numberFlag(values, 'samples', { min: 1, integer: true });
  const seed = numberFlag(values, 'seed', { min: 0, integer: true, max: Number.MAX_SAFE_INTEGER });
  const chunkSize = numberFlag(values, 'chunk-size', { min: 1, integer: true });
  return { ...spec, run: { samples: samples ?? spec.run.samples, seed: seed ?? spec.run.seed, chunkSize: chunkSize ?? spec.run.chunkSize } };
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
  const backendName = choiceFlag(values, 'backend', ['auto', 'webgpu', 'wasm', 'reference'] as const) ?? 'auto';
  const workers = numberFlag(values, 'workers', { min: 1, integer: true });
  const spec = applyOverrides(loadStudy(positionals[0]), values);
  const model = studyModel(spec); // physics pre-flight: bad protocols fail here, before anything is written
  const layout = studyLayout(spec); // the run's samples: Monte Carlo (outer x inner when epistemic), then design rows
  const shard = shardFromArgs(values, process.env);
  const range = shard ? shardRange(spec, shard) : { start: 0, end: layout.total };
  const out = values.out ?? join('results', shard ? `${spec.name}-shard-${shard.index}-of-${shard.count}` : spec.name);
  ensureWritableFolder(out);

  const manifest: RunManifest = { specHash: studyHash(spec), chunkSize: spec.run.chunkSize, samples: layout.total, range, version: PACKAGE_VERSION, ...(shard ? { shard } : {}) };
  const existing = readManifest(out);
  if (values.resume) {
    if (!existing) throw new CellspreadInputError('--resume', 'needs a folder with an interrupted run (run.json)', out);
    const mismatch = (['specHash', 'chunkSize', 'samples'] as const).filter((k) => existing[k] !== manifest[k]);
    if (existing.range.start !== range.start || existing.range.end !== range.end) mismatch.push('samples' as never);
    if (mismatch.length > 0) {
      throw new CellspreadInputError('--resume', `must continue the same study with the same settings (differs in ${mismatch.join(', ')})`, out);
    }
  } else if (existing && listChunks(out).length > 0 && !values.force) {
    throw new CellspreadInputError('--out', 'already holds a run: add --resume to continue it or --force to start again', out);
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
  const { backend, fallbacks } = await createBackend(backendName, { workers }, '--backend');
  const t0 = performance.now();
  try {
    if (!values.quiet) {
      io.stderr(`cellspread: ${spec.name}: ${describeCost(spec, range)} of a ${spec.pack.series}s${spec.pack.parallel}p pack -> ${out}`);
      io.stderr(backendLine(backend, fallbacks));
    }
    const resumed = values.resume ? new Set(listChunks(out)) : new Set<number>();
    const result = await runStudy(spec, {
      backendInstance: backend,
      range,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      onChunk: (chunk) => writeChunk(out, chunk),
      completedChunk: (index) => (resumed.has(index) ? readChunk(out, index) : undefined),
    });
    result.backend.fallbacks = fallbacks;
    const analyse = !values['no-analysis'] && !result.cancelled && !shard;
    const tA = performance.now();
    const mc = monteCarloResult(result); // statistics, tails, tables and the worst pack describe the Monte Carlo samples
    const tail = analyse ? tailAnalyses(spec, mc.outputs) : [];
    const design = designOutputs(result);
    const sensitivity = analyse && design ? analyzeStudySensitivity(spec, design) : [];
    const worstPack = result.cancelled ? undefined : worstPackMap(spec, model, mc.outputs, mc.range.start);
    const analysisSeconds = (performance.now() - tA) / 1000;
    const summary = buildSummary(spec, mc, { tail, sensitivity, worstPack, analysisSeconds, totalSeconds: (performance.now() - t0) / 1000, shard });
    writeSampleTable(out, studyResultTable(mc));
    if (mc.lifetime) {
      writeCycleTable(out, mc);
      summary.files.cycles = 'cycles.csv';
    }
    writeFileAtomic(join(out, 'checksums.json'), `${JSON.stringify(chunkChecksums(out), null, 2)}\n`);
    summary.files.checksums = 'checksums.json';
    writeSummary(out, summary);
    if (!values['no-report'] && !result.cancelled) {
      const { writeReport } = await import('../report/index.ts');
      summary.files.report = 'report.html';
      writeSummary(out, summary);
      await writeReport(out);
    }
    if (result.cancelled) {
      progress.done(`stopped: ${result.counts.samples} samples are written in ${out}; continue with --resume`);
      return 130;
    }
    progress.done(`done: ${result.counts.samples} samples in ${summary.timings.totalSeconds.toFixed(1)} s; results in ${out}`);
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (!values.quiet) io.stdout(describe(summary, out));
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

/** The closing lines of a run: counts, a few statistics, then the headline (the same strings summary.json holds). */
export function describe(summary: RunSummary, out: string): string {
  const pick = summary.lifetime
    ? ['cyclesToEol', 'capacityRetention', 'finalLliPercent', 'maxSeiThicknessM', 'simulatedCycles']
    : ['capacityAh', 'energyWh', 'maxTemperatureK', 'maxTemperatureSpreadK', 'maxCurrentImbalance'];
  const rows = summary.outputs
    .filter((o) => pick.includes(o.name))
    .map((o) => `  ${o.name.padEnd(22)} mean ${fmt(o.statistics.mean)}  p05 ${fmt(o.statistics.p05)}  p95 ${fmt(o.statistics.p95)}  max ${fmt(o.statistics.max)}${o.unit === '-' ? '' : ` ${o.unit}`}`);
  const throughput = summary.counts.cellSteps / Math.max(summary.timings.simulateSeconds, 1e-9);
  const spec = summary.spec as StudySpec;
  const cellsPerPack = spec.pack.series * spec.pack.parallel;
  const lines = [
    `${summary.name}: ${summary.counts.samples} packs of ${spec.pack.series}s${spec.pack.parallel}p (${cellsPerPack} cells per pack, ${summary.counts.cells} cells in the run), ${summary.counts.cellSteps} cell-steps (${throughput.toExponential(2)} cell-steps/s on ${summary.backend.name})`,
    ...rows,
  ];
  if (summary.lifetime) {
    const e = summary.lifetime.eol;
    lines.push(`  end of life (${summary.lifetime.endOfLife} of the initial capacity): ${e.reached} of ${e.packs} packs within ${summary.lifetime.cycles} cycles; median ${e.p50 === null ? `> ${summary.lifetime.cycles}` : e.p50.toFixed(0)} cycles`);
  }
  lines.push(`results: ${out}/summary.json, samples.csv, samples.arrow${summary.files.cycles ? ', cycles.csv' : ''}${summary.files.report ? ', report.html' : ''}`);
  const headline = summary.headline ? headlineLines(summary.headline) : [];
  if (headline.length > 0) lines.push('', 'Headline (summary.json "headline", and the top of report.html):', ...headline.map((l) => `  ${l}`));
  return lines.join('\n');
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : String(v);
}
