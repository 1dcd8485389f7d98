import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { CellspreadInputError } from '../errors.ts';
import { fileSystemFault } from '../io/faults.ts';
import { MemoryValve } from '../io/memory.ts';
import { chunkFileName, CHUNK_DIR } from '../results/chunks.ts';
import { acquireLock, defaultResultsFolder, holdsRunFiles, removeRunFiles } from '../results/folder.ts';
import { ensureWritableFolder, writeManifest, type RunManifest } from '../results/io.ts';
import { loadShards, MergeRefusedError, streamShards } from '../results/merge.ts';
import { RunSamplesSink } from '../results/stream.ts';
import { analysisHash, checkStudyCost, simulationHash } from '../spec/index.ts';
import { studyModel } from '../study/job.ts';
import { studyStreamShape } from '../study/outputs.ts';
import { describeCost, studyLayout } from '../study/samples.ts';
import { inputNames } from '../variation/index.ts';
import { choiceFlag, numberFlag } from './args.ts';
import { describeSummary, finishResults, PACKAGE_VERSION } from './finish.ts';
import type { CliIo } from './main.ts';

export const MERGE_USAGE = `Usage: cellspread merge <shard-folder>... [--out DIR] [options]
Merge the results folders of \`cellspread run --shard I/N\` (one per shard, any order) into the results folder one
run over all samples would write: the same samples.csv/samples.arrow, statistics, tail results, sensitivity indices,
worst-pack map and report. The sensitivity design rows are samples of the run, simulated by the shards: the indices
are computed here from their outputs, bit-identical to a single run. Refuses missing, duplicated, overlapping,
incomplete, edited or foreign shards (exit 2, nothing written): every chunk's identity and checksum is verified. The
merged folder gets checksums.json like a single run's.

  --out DIR            merged results folder (default results/<study name>)
  --backend NAME       accepted for older scripts; nothing is simulated here any more (the design rows are
                       samples of the shards; the worst pack is re-simulated on the CPU reference)
  --workers N          accepted for older scripts (see --backend)
  --no-analysis        skip tail and sensitivity analysis
  --no-report          skip report.html
  --force              replace the results in a folder that holds some (only the files cellspread wrote there
                       are removed; never a shard folder)
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

/** Whether `inner` is `outer` or inside it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/** Move the merged files from the staging folder into `out` (which may hold other files, such as the shards). */
function moveInto(staging: string, out: string): void {
  mkdirSync(join(out, CHUNK_DIR), { recursive: true });
  for (const entry of readdirSync(staging)) {
    if (entry === CHUNK_DIR) {
      for (const f of readdirSync(join(staging, CHUNK_DIR))) renameSync(join(staging, CHUNK_DIR, f), join(out, CHUNK_DIR, f));
    } else renameSync(join(staging, entry), join(out, entry));
  }
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
  const model = studyModel(spec);
  const cost = checkStudyCost(spec, model.set);
  const out = values.out ?? defaultResultsFolder(spec.name);
  if (loaded.shards.some((s) => within(out, s.folder))) {
    throw new CellspreadInputError('--out', 'must not be one of the shard folders being merged (or inside one)', out);
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new CellspreadInputError('--out', 'must be a folder', out);
    if (holdsRunFiles(out) && !values.force) throw new CellspreadInputError('--out', 'already holds results: add --force to replace them', out);
    const others = readdirSync(out).filter((f) => !loaded.shards.some((s) => within(s.folder, join(out, f))));
    if (!values.force && others.length > 0) throw new CellspreadInputError('--out', 'must be empty or new, or hold only the shard folders (or add --force)', out);
  }
  ensureWritableFolder(out);
  const release = acquireLock(out, 'merge');

  // Build the merged folder beside --out, then move it into place: a failed merge leaves no half-written results.
  const staging = join(dirname(resolve(out)), `.${basename(resolve(out))}.merge-${process.pid}`);
  try {
    ensureWritableFolder(staging);
    const n = loaded.shards.length;
    if (!values.quiet) io.stderr(`cellspread merge: ${spec.name}: ${describeCost(spec)} from ${n} shard folder${n === 1 ? '' : 's'} -> ${out}`);
    const layout = studyLayout(spec);
    const range = { start: 0, end: layout.total };
    const manifest: RunManifest = {
      specHash: loaded.specHash,
      simulationHash: simulationHash(spec),
      analysisHash: analysisHash(spec),
      seed: spec.run.seed,
      chunkSize: spec.run.chunkSize,
      samples: layout.total,
      range,
      version: PACKAGE_VERSION,
    };
    writeManifest(staging, manifest);
    const stream = studyStreamShape(spec);
    const sink = new RunSamplesSink(staging, range, layout, stream.shape);
    const valve = new MemoryValve();
    let simulatedBy;
    try {
      // Chunks are copied byte for byte (their checksums stay valid) and streamed into the tables and columns.
      simulatedBy = await streamShards(loaded, async (chunk, file) => {
        copyFileSync(file, join(staging, CHUNK_DIR, chunkFileName(chunk.index)));
        await sink.add(chunk);
        valve.relieve();
      });
    } catch (err) {
      sink.abort();
      throw err;
    }
    const { streamed, design } = await sink.finish(inputNames(spec));
    const summary = await finishResults({
      dir: staging,
      spec,
      model,
      streamed,
      design,
      lifetimeFan: stream.fan(),
      range,
      backend: simulatedBy.backend,
      analyse: !values['no-analysis'],
      report: !values['no-report'],
      completed: true,
      cost,
      t0,
      again: 'run the merge again',
      extra: {
        mergedFrom: {
          shards: loaded.shards.map((s) => ({ folder: s.folder, ...(s.manifest.shard ? { shard: s.manifest.shard } : {}), range: s.manifest.range, backend: s.backend?.name ?? 'unknown' })),
        },
      },
    });
    // Only now is --out touched: its previous results (files cellspread wrote, nothing else) make way for the merge.
    removeRunFiles(out, [], new Set());
    moveInto(staging, out);
    if (values.json) io.stdout(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      io.stdout(`merged ${describeCost(spec)} of ${spec.name} from ${n} shards into ${out}`);
      io.stdout(describeSummary(summary, out));
    }
    return 0;
  } catch (err) {
    throw fileSystemFault(err, out, 'write') ?? err;
  } finally {
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    release();
  }
}
