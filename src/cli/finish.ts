/**
 * The last stage of `cellspread run` and `cellspread merge`: analyse the streamed samples one output column at a
 * time, write checksums.json and summary.json (listing only files that exist), then the report. Ctrl-C here stops
 * with exit code 130 and leaves every chunk in place, so the analysis can simply be run again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../backends/types.ts';
import { CellspreadInterruptedError } from '../errors.ts';
import { MemoryValve } from '../io/memory.ts';
import { RESULTS_FORMAT_VERSION, type RunSummary } from '../results/format.ts';
import { writeChecksums, writeSummary } from '../results/io.ts';
import type { StreamedResults } from '../results/stream.ts';
import { RNG_ALGORITHM } from '../random/rng.ts';
import { analysisHash, simulationHash, studyHash, type StudyCost, type StudySpec } from '../spec/index.ts';
import { outputStatistics, sensitivityAnalyses, tailAnalyses, worstPackMap } from '../study/analysis.ts';
import type { StudyModel } from '../study/job.ts';
import { cellCount } from '../pack/topology.ts';

export interface FinishOptions {
  /** The folder written (a merge's staging folder). */
  dir: string;
  spec: StudySpec;
  model: StudyModel;
  streamed: StreamedResults;
  /** The backend that simulated the samples, as recorded. */
  backend: RunSummary['backend'];
  /** Run tail and sensitivity analyses (statistics and the worst pack are always computed). */
  analyse: boolean;
  /** Backend for the sensitivity design (undefined: no sensitivity). */
  sensitivityBackend?: Backend;
  report: boolean;
  completed: boolean;
  shard?: { index: number; count: number };
  cost: StudyCost;
  /** performance.now() when the command started. */
  t0: number;
  signal?: AbortSignal;
  /** What to do after Ctrl-C during the analysis ("run the same command with --resume"). */
  again: string;
  /** Extra summary fields (a merge's mergedFrom). */
  extra?: Record<string, unknown>;
}

function interrupted(o: FinishOptions): CellspreadInterruptedError {
  return new CellspreadInterruptedError(
    `stopped during the analysis; all ${o.streamed.samples} simulated samples are kept in ${o.dir}: ${o.again} to redo the analysis`,
  );
}

/** Analyse, then write checksums.json, summary.json and report.html; returns the summary written. */
export async function finishResults(o: FinishOptions): Promise<RunSummary> {
  const { spec, model, streamed } = o;
  const tA = performance.now();
  let tail: unknown[] = [];
  let sensitivity: RunSummary['sensitivity'] = [];
  let statistics: RunSummary['outputs'];
  let worstPack: RunSummary['worstPack'];
  const valve = new MemoryValve();
  try {
    statistics = outputStatistics(streamed.columns);
    valve.relieve();
    if (o.analyse) tail = tailAnalyses(spec, streamed.columns);
    valve.relieve();
    if (o.analyse && o.sensitivityBackend) sensitivity = await sensitivityAnalyses(spec, model, o.sensitivityBackend, o.signal);
    worstPack = o.completed ? worstPackMap(spec, model, streamed.columns, streamed.range.start) : undefined;
    valve.relieve();
  } catch (err) {
    if (o.signal?.aborted) throw interrupted(o);
    throw err;
  } finally {
    streamed.dispose();
  }
  if (o.signal?.aborted && o.completed) throw interrupted(o);
  const analysisSeconds = (performance.now() - tA) / 1000;
  writeChecksums(o.dir);
  const summary: RunSummary & Record<string, unknown> = {
    cellspread: { version: PACKAGE_VERSION, resultsFormat: RESULTS_FORMAT_VERSION },
    name: spec.name,
    createdAt: new Date().toISOString(),
    completed: o.completed,
    spec,
    specHash: studyHash(spec),
    simulationHash: simulationHash(spec),
    analysisHash: analysisHash(spec),
    rng: { ...RNG_ALGORITHM, seed: spec.run.seed },
    backend: o.backend,
    range: streamed.range,
    ...(o.shard ? { shard: o.shard } : {}),
    counts: { samples: streamed.samples, cells: streamed.samples * cellCount(model.layout), cellSteps: streamed.cellSteps, chunks: streamed.chunks },
    timings: { sampleSeconds: streamed.sampleSeconds, simulateSeconds: streamed.simulateSeconds, analysisSeconds, totalSeconds: (performance.now() - o.t0) / 1000 },
    outputs: statistics,
    inputs: streamed.inputNames.map((name) => ({ name })),
    tail,
    sensitivity,
    ...(worstPack ? { worstPack } : {}),
    nonFiniteSamples: streamed.nonFiniteSamples,
    validity: {
      validSamples: streamed.samples - streamed.invalidCount,
      invalidSamples: streamed.invalidCount,
      nonFiniteSamples: streamed.nonFiniteCount,
      invalid: streamed.invalid,
    },
    cost: o.cost,
    files: {},
    ...(o.extra ?? {}),
  };
  summary.files = existingFiles(o.dir, false);
  writeSummary(o.dir, summary);
  if (o.report && o.completed) {
    const { writeReport } = await import('../report/index.ts');
    await writeReport(o.dir);
    summary.files = existingFiles(o.dir);
    writeSummary(o.dir, summary);
  }
  return summary;
}

/** The files of a results folder, as summary.json lists them: only those that exist. */
export function existingFiles(dir: string, withReport = true): Record<string, string> {
  const candidates: Record<string, string> = {
    summary: 'summary.json',
    samplesCsv: 'samples.csv',
    samplesArrow: 'samples.arrow',
    chunks: 'chunks/',
    checksums: 'checksums.json',
    report: 'report.html',
  };
  const files: Record<string, string> = {};
  for (const [key, file] of Object.entries(candidates)) {
    if (key === 'report' && !withReport) continue;
    if (key === 'summary' || existsSync(join(dir, file))) files[key] = file;
  }
  return files;
}

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The CLI's closing lines for a finished run or merge. */
export function describeSummary(summary: RunSummary, out: string): string {
  const pick = ['capacityAh', 'energyWh', 'maxTemperatureK', 'maxTemperatureSpreadK', 'maxCurrentImbalance', 'minCellVoltageV'];
  const rows = summary.outputs
    .filter((o) => pick.includes(o.name))
    .map((o) =>
      o.statistics.count === 0
        ? `  ${o.name.padEnd(22)} no finite values`
        : `  ${o.name.padEnd(22)} mean ${fmt(o.statistics.mean)}  p05 ${fmt(o.statistics.p05)}  p95 ${fmt(o.statistics.p95)}  max ${fmt(o.statistics.max)} ${o.unit}`,
    );
  const throughput = summary.counts.cellSteps / Math.max(summary.timings.simulateSeconds, 1e-9);
  const lines = [
    `${summary.name}: ${summary.counts.samples} packs, ${summary.counts.cells} cells, ${summary.counts.cellSteps} cell-steps (${throughput.toExponential(2)} cell-steps/s on ${summary.backend.name})`,
  ];
  const v = summary.validity;
  if (v && v.invalidSamples > 0) {
    lines.push(`  INVALID packs: ${v.invalidSamples} of ${summary.counts.samples}, left out of every statistic below (status and reason in samples.csv):`);
    for (const p of v.invalid.slice(0, 3)) lines.push(`    sample ${p.sample}: ${p.reason}`);
    if (v.invalidSamples > 3) lines.push(`    ... and ${v.invalidSamples - 3} more (summary.json lists the first ${v.invalid.length})`);
  }
  lines.push(...rows);
  for (const s of summary.sensitivity as { statements?: string[] }[]) if (s.statements?.[0]) lines.push(`  ${s.statements[0]}`);
  for (const t of summary.tail as { output?: string; empirical?: { estimate?: number; lower?: number; upper?: number } }[]) {
    if (t.empirical) lines.push(`  P(${t.output} beyond limit) = ${fmt(t.empirical.estimate ?? NaN)} [${fmt(t.empirical.lower ?? NaN)}, ${fmt(t.empirical.upper ?? NaN)}]`);
  }
  const files = Object.values(summary.files).filter((f) => f !== 'chunks/' && f !== 'checksums.json' && f !== 'summary.json');
  lines.push(`  results: ${out}/summary.json${files.length ? `, ${files.join(', ')}` : ''}`);
  return lines.join('\n');
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : String(v);
}
