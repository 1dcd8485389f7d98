/**
 * The last stage of `cellspread run` and `cellspread merge`: analyse the streamed samples one output column at a
 * time (src/study/finish.ts, as the browser page does), write checksums.json and summary.json (listing only files that
 * exist), then the report. Ctrl-C here stops with exit code 130 and leaves every chunk in place, so the analysis can
 * simply be run again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CellspreadInterruptedError } from '../errors.ts';
import { MemoryValve } from '../io/memory.ts';
import type { RunSummary } from '../results/format.ts';
import { writeChecksums, writeSummary } from '../results/io.ts';
import type { StreamedDesign, StreamedResults } from '../results/stream.ts';
import { RNG_ALGORITHM } from '../random/rng.ts';
import { analysisHash, simulationHash, studyHash, type StudyCost, type StudySpec } from '../spec/index.ts';
import { finishStudy } from '../study/finish.ts';
import { headlineLines } from '../study/headline.ts';
import type { StudyModel } from '../study/job.ts';
import { endOfLifeLine, type LifetimeFanData } from '../study/lifetime.ts';
import { studyOutputNames } from '../study/outputs.ts';
import { cellCount } from '../pack/topology.ts';
import type { StudyResult } from '../study/runner.ts';
import { studyLayout } from '../study/samples.ts';
import { VERSION } from '../version.ts';

export const PACKAGE_VERSION = VERSION;

export interface FinishOptions {
  /** The folder written (a merge's staging folder). */
  dir: string;
  spec: StudySpec;
  model: StudyModel;
  /** The Monte Carlo samples, streamed; and the sensitivity design rows, if the run had them. */
  streamed: StreamedResults;
  design?: StreamedDesign;
  /** A lifetime study: the fan-chart values of the streamed Monte Carlo samples (study/outputs.ts studyStreamShape). */
  lifetimeFan?: LifetimeFanData;
  /** The run's range (Monte Carlo samples and design rows). */
  range: { start: number; end: number };
  /** The backend that simulated the samples, as recorded. */
  backend: RunSummary['backend'];
  /** Run tail and sensitivity analyses (statistics and the worst pack are always computed). */
  analyse: boolean;
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
  try {
    return await analyseAndWrite(o);
  } finally {
    o.streamed.dispose(); // the column files
  }
}

async function analyseAndWrite(o: FinishOptions): Promise<RunSummary> {
  const { spec, model, streamed } = o;
  const valve = new MemoryValve();
  const layout = studyLayout(spec);
  const rows = o.range.end - o.range.start;
  // The run's Monte Carlo part: its outputs are the streamed column files, not held in memory.
  const result: StudyResult = {
    spec,
    specHash: studyHash(spec),
    simulationHash: simulationHash(spec),
    analysisHash: analysisHash(spec),
    rng: RNG_ALGORITHM,
    backend: o.backend,
    range: o.range,
    outputNames: studyOutputNames(spec),
    outputs: new Float64Array(0),
    inputNames: streamed.inputNames,
    inputs: new Float64Array(0),
    invalid: [],
    counts: {
      samples: streamed.samples,
      designRows: Math.max(0, Math.min(o.range.end, layout.total) - Math.max(o.range.start, layout.monteCarlo)),
      validSamples: streamed.samples - streamed.invalidCount,
      invalidSamples: streamed.invalidCount,
      cells: rows * cellCount(model.layout),
      cellSteps: streamed.cellSteps,
      chunks: streamed.chunks,
    },
    cost: o.cost,
    timings: { sampleSeconds: streamed.sampleSeconds, simulateSeconds: streamed.simulateSeconds, totalSeconds: 0 },
    cancelled: !o.completed,
  };
  let analysed: RunSummary;
  try {
    analysed = finishStudy({
      spec,
      model,
      result,
      columns: { ...streamed, ...(o.lifetimeFan ? { lifetimeFan: o.lifetimeFan } : {}) },
      design: o.design,
      analyse: o.analyse,
      t0: o.t0,
      shard: o.shard,
      between: () => valve.relieve(),
    });
  } catch (err) {
    if (o.signal?.aborted) throw interrupted(o);
    throw err;
  }
  if (o.signal?.aborted && o.completed) throw interrupted(o);
  const summary: RunSummary & Record<string, unknown> = { ...analysed, ...(o.extra ?? {}) };
  writeChecksums(o.dir);
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
    cycles: 'cycles.csv',
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

/** The closing lines of a run or merge: counts, invalid packs, a few statistics, then the headline. */
export function describeSummary(summary: RunSummary, out: string): string {
  const pick = summary.lifetime
    ? ['cyclesToEol', 'capacityRetention', 'finalLliPercent', 'maxSeiThicknessM', 'simulatedCycles']
    : ['capacityAh', 'energyWh', 'maxTemperatureK', 'maxTemperatureSpreadK', 'maxCurrentImbalance'];
  const rows = summary.outputs
    .filter((o) => pick.includes(o.name))
    .map((o) =>
      o.statistics.count === 0
        ? `  ${o.name.padEnd(22)} no finite values`
        : `  ${o.name.padEnd(22)} mean ${fmt(o.statistics.mean)}  p05 ${fmt(o.statistics.p05)}  p95 ${fmt(o.statistics.p95)}  max ${fmt(o.statistics.max)}${o.unit === '-' ? '' : ` ${o.unit}`}`,
    );
  const throughput = summary.counts.cellSteps / Math.max(summary.timings.simulateSeconds, 1e-9);
  const spec = summary.spec as StudySpec;
  const cellsPerPack = spec.pack.series * spec.pack.parallel;
  const lines = [
    `${summary.name}: ${summary.counts.samples} packs of ${spec.pack.series}s${spec.pack.parallel}p (${cellsPerPack} cells per pack, ${summary.counts.cells} cells in the run), ${summary.counts.cellSteps} cell-steps (${throughput.toExponential(2)} cell-steps/s on ${summary.backend.name})`,
  ];
  const v = summary.validity;
  if (v && v.invalidSamples > 0) {
    lines.push(`  INVALID packs: ${v.invalidSamples} of ${summary.counts.samples}, left out of every statistic below (status and reason in samples.csv):`);
    for (const p of v.invalid.slice(0, 3)) lines.push(`    sample ${p.sample}: ${p.reason}`);
    if (v.invalidSamples > 3) lines.push(`    ... and ${v.invalidSamples - 3} more (summary.json lists the first ${v.invalid.length})`);
  }
  lines.push(...rows);
  if (summary.lifetime) lines.push(`  ${endOfLifeLine(summary.lifetime)}`);
  const files = Object.values(summary.files).filter((f) => f !== 'chunks/' && f !== 'checksums.json' && f !== 'summary.json');
  lines.push(`results: ${out}/summary.json${files.length ? `, ${files.join(', ')}` : ''}`);
  const headline = summary.headline ? headlineLines(summary.headline) : [];
  if (headline.length > 0) lines.push('', 'Headline (summary.json "headline", and the top of report.html):', ...headline.map((l) => `  ${l}`));
  return lines.join('\n');
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : String(v);
}
