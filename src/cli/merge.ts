import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from '../backends/all.ts';
import { CellspreadInputError } from '../errors.ts';
import { ensureWritableFolder, writeChunk, writeManifest, writeSampleTable, writeSummary, type RunManifest } from '../results/io.ts';
import { loadShards, mergedStudyResult, MergeRefusedError } from '../results/merge.ts';
import { AnalysisRuns, sensitivityAnalyses, tailAnalyses, worstPackMap } from '../study/analysis.ts';
import { studyModel } from '../study/job.ts';
import { choiceFlag, numberFlag } from './args.ts';
import type { CliIo } from './main.ts';
import { buildSummary, PACKAGE_VERSION, sampleTable } from './run.ts';

export const MERGE_USAGE = `Usage: cellspread merge <shard-folder>... [--out DIR] [options]
Merge the results folders of \`cellspread run --shard I/N\` (one per shard, any order) into the results folder one
run over all samples would write: the same samples.csv/samples.arrow, statistics, tail results, worst-pack map and
report. Shards carry only the Monte Carlo samples: the sensitivity design (analysis.sensitivity) runs here, through
--backend. Refuses missing, duplicated, overlapping, incomplete or foreign shards (exit 2, nothing written).

  --out DIR            merged results folder (default results/<study name>)
  --backend NAME       auto | webgpu | wasm | reference, for the sensitivity design (default auto)
  --workers N          worker threads for CPU backends (default: all cores)
  --no-analysis        skip tail and sensitivity analysis
  --no-report          skip report.html
  --force              replace a folder that already holds results
  --quiet              no progress output
  --json               print the summary as JSON on stdout`;

const MERGE_OPTIONS = {
  out: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  'no-analysis': { type: 'boolean' },
  'no-report': { type: 'boolean' },
  force: { type: 'boolean' },
  quiet: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function holdsResults(dir: string): boolean {
  return existsSync(join(dir, 'run.json')) || existsSync(join(dir, 'summary.json')) || existsSync(join(dir, 'chunks'));
}

/** `cellspread merge shards/0 shards/1 ... --out results/study`: exit 0 merged, 2 refused (nothing written). */
export async function runMergeCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: MERGE_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout(MERGE_USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr(`cellspread merge: give the shard folders to merge\n\n${MERGE_USAGE}`);
    return 2;
  }
  const backendName = choiceFlag(values, 'backend', ['auto', 'webgpu', 'wasm', 'reference'] as const) ?? 'auto';
  const workers = numberFlag(values, 'workers', { min: 1, integer: true });
  const t0 = performance.now();

  // Everything is checked before anything is written.
  let loaded;
  try {
    loaded = loadShards(positionals, { version: PACKAGE_VERSION });
  } catch (err) {
    if (!(err instanceof MergeRefusedError)) throw err;
    io.stderr(`cellspread merge: refusing to merge ${positionals.length} folder${positionals.length === 1 ? '' : 's'}; nothing written:\n${err.problems.map((p) => `  - ${p}`).join('\n')}`);
    return 2;
  }
  const { spec } = loaded;
  const out = values.out ?? join('results', spec.name);
  if (loaded.shards.some((s) => resolve(s.folder) === resolve(out))) {
    throw new CellspreadInputError('--out', 'must not be one of the shard folders being merged', out);
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new CellspreadInputError('--out', 'must be a folder', out);
    if (holdsResults(out) && !values.force) throw new CellspreadInputError('--out', 'already holds results: add --force to replace them', out);
    if (!values.force && readdirSync(out).length > 0) throw new CellspreadInputError('--out', 'must be empty or new (or add --force)', out);
  }

  // Build the merged folder beside --out, then move it into place: a failed merge leaves no half-written results.
  const staging = join(dirname(resolve(out)), `.${basename(resolve(out))}.merge-${process.pid}`);
  ensureWritableFolder(staging);
  let backend: Awaited<ReturnType<typeof createBackend>>['backend'] | undefined;
  try {
    const n = loaded.shards.length;
    if (!values.quiet) io.stderr(`cellspread merge: ${spec.name}: ${spec.run.samples} samples from ${n} shard folder${n === 1 ? '' : 's'} -> ${out}`);
    const result = mergedStudyResult(loaded);
    const model = studyModel(spec);
    const analyse = !values['no-analysis'];
    const tA = performance.now();
    const tail = analyse ? tailAnalyses(spec, result.outputs) : [];
    let sensitivityBackend: string | undefined;
    let sensitivity: Awaited<ReturnType<typeof sensitivityAnalyses>> = [];
    const analysisRuns = new AnalysisRuns(0, model.layout.series * model.layout.parallel);
    if (analyse && spec.analysis?.sensitivity) {
      const created = await createBackend(backendName, { workers }, '--backend');
      backend = created.backend;
      sensitivityBackend = `${backend.name} (${backend.device})`;
      if (!values.quiet) io.stderr(`cellspread merge: sensitivity design (${spec.analysis.sensitivity.method}) on ${sensitivityBackend}`);
      sensitivity = await sensitivityAnalyses(spec, model, backend, undefined, analysisRuns);
    }
    const worstPack = worstPackMap(spec, model, result.outputs, 0);
    const analysisSeconds = (performance.now() - tA) / 1000;

    const manifest: RunManifest = { specHash: loaded.specHash, chunkSize: spec.run.chunkSize, samples: spec.run.samples, range: result.range, version: PACKAGE_VERSION };
    writeManifest(staging, manifest);
    for (const shard of loaded.shards) for (const chunk of shard.chunks) writeChunk(staging, chunk);
    writeSampleTable(staging, sampleTable(result));
    result.timings.totalSeconds = (performance.now() - t0) / 1000;
    const summary = {
      ...buildSummary(spec, result, { tail, sensitivity, worstPack, analysisSeconds, analysisRuns, totalSeconds: result.timings.totalSeconds }),
      mergedFrom: {
        shards: loaded.shards.map((s) => ({ folder: s.folder, ...(s.manifest.shard ? { shard: s.manifest.shard } : {}), range: s.manifest.range, backend: s.backend?.name ?? 'unknown' })),
        ...(sensitivityBackend ? { sensitivityBackend } : {}),
      },
    };
    writeSummary(staging, summary);
    if (!values['no-report']) {
      const { writeReport } = await import('../report/index.ts');
      summary.files.report = 'report.html';
      writeSummary(staging, summary);
      await writeReport(staging);
    }
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      io.stdout(`merged ${spec.run.samples} samples of ${spec.name} from ${n} shards into ${out} (summary.json, samples.csv, samples.arrow${summary.files.report ? ', report.html' : ''})`);
    }
    return 0;
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    await backend?.dispose();
  }
}
