import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CellspreadInputError } from '../errors.ts';
import { ensureWritableFolder, writeChunk, writeCycleTable, writeManifest, writeSampleTable, writeSummary, type RunManifest } from '../results/io.ts';
import { loadShards, mergedStudyResult, MergeRefusedError } from '../results/merge.ts';
import { analyzeStudySensitivity, tailAnalyses, worstPackMap } from '../study/analysis.ts';
import { studyModel } from '../study/job.ts';
import { describeCost, designOutputs, monteCarloResult, studyLayout } from '../study/samples.ts';
import { choiceFlag, numberFlag } from './args.ts';
import type { CliIo } from './main.ts';
import { PACKAGE_VERSION } from './run.ts';
import { buildSummary } from '../study/summary.ts';
import { studyResultTable } from '../results/table.ts';

export const MERGE_USAGE = `Usage: cellspread merge <shard-folder>... [--out DIR] [options]
Merge the results folders of \`cellspread run --shard I/N\` (one per shard, any order) into the results folder one
run over all samples would write: the same samples.csv/samples.arrow, statistics, tail results, sensitivity indices,
worst-pack map and report. The sensitivity design rows are samples of the run, simulated by the shards: the indices
are computed here from their outputs, bit-identical to a single run. Refuses missing, duplicated, overlapping,
incomplete or foreign shards (exit 2, nothing written).

  --out DIR            merged results folder (default results/<study name>)
  --backend NAME       accepted for older scripts; nothing is simulated here any more (the design rows are
                       samples of the shards; the worst pack is re-simulated on the CPU reference)
  --workers N          accepted for older scripts (see --backend)
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
  choiceFlag(values, 'backend', ['auto', 'webgpu', 'wasm', 'reference'] as const); // checked, no longer used
  numberFlag(values, 'workers', { min: 1, integer: true });
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
  try {
    const n = loaded.shards.length;
    const layout = studyLayout(spec);
    if (!values.quiet) io.stderr(`cellspread merge: ${spec.name}: ${describeCost(spec)} from ${n} shard folder${n === 1 ? '' : 's'} -> ${out}`);
    const result = mergedStudyResult(loaded);
    const mc = monteCarloResult(result);
    const model = studyModel(spec);
    const analyse = !values['no-analysis'];
    const tA = performance.now();
    const tail = analyse ? tailAnalyses(spec, mc.outputs) : [];
    const design = designOutputs(result);
    const sensitivity = analyse && design ? analyzeStudySensitivity(spec, design) : [];
    const worstPack = worstPackMap(spec, model, mc.outputs, 0);
    const analysisSeconds = (performance.now() - tA) / 1000;

    const manifest: RunManifest = { specHash: loaded.specHash, chunkSize: spec.run.chunkSize, samples: layout.total, range: result.range, version: PACKAGE_VERSION };
    writeManifest(staging, manifest);
    for (const shard of loaded.shards) for (const chunk of shard.chunks) writeChunk(staging, chunk);
    writeSampleTable(staging, studyResultTable(mc));
    writeCycleTable(staging, mc);
    mc.timings.totalSeconds = (performance.now() - t0) / 1000;
    const base = buildSummary(spec, mc, { tail, sensitivity, worstPack, analysisSeconds, totalSeconds: mc.timings.totalSeconds });
    const summary = {
      ...base,
      files: mc.lifetime ? { ...base.files, cycles: 'cycles.csv' } : base.files,
      mergedFrom: {
        shards: loaded.shards.map((s) => ({ folder: s.folder, ...(s.manifest.shard ? { shard: s.manifest.shard } : {}), range: s.manifest.range, backend: s.backend?.name ?? 'unknown' })),
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
      io.stdout(`merged ${layout.total} samples of ${spec.name} from ${n} shards into ${out} (summary.json, samples.csv, samples.arrow${summary.files.report ? ', report.html' : ''})`);
    }
    return 0;
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
}
