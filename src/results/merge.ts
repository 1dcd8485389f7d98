/**
 * Merging shard results folders (`cellspread run --shard I/N`) back into one study result, exactly.
 *
 * A shard folder describes itself: run.json (spec hash, chunk size, sample count, sample range, shard I/N,
 * cellspread version), summary.json (the spec as run), chunks/chunk-NNNNNN.json (global chunk index on the study's
 * chunk grid). `loadShards` checks every folder against the others before anything is merged and collects *all*
 * problems (missing, duplicated, overlapping, foreign, incomplete or corrupt shards) into one MergeRefusedError;
 * `streamShards` then feeds the chunks, re-read one at a time in sample order, to a consumer (flat memory).
 *
 * Chunk checks: the file must parse; index/start/count must sit on the study's chunk grid inside the shard's range;
 * outputs/inputs must have the right lengths of numbers; the input names must agree; the per-sample inputs must be
 * bit-identical to the study's own samples, re-drawn here (sampling is cheap and counter-keyed), which catches a
 * chunk from another study or seed even where its run.json was copied; the chunk's own identity (simulation hash,
 * seed) and checksum must hold (chunks.ts). Where a folder has `checksums.json`
 * (`{ "chunks/chunk-000000.json": "<sha256 hex>", ... }`) every listed file's sha256 is verified too.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CellspreadResultsError } from '../errors.ts';
import { shardRange } from '../study/shard.ts';
import { simulationHash, studyHash, type StudySpec } from '../spec/index.ts';
import type { StudyChunk } from '../study/runner.ts';
import { studyChunkShape } from '../study/outputs.ts';
import { studyLayout, studySamples } from '../study/samples.ts';
import { chunkGrid, chunkIntegrityProblem, decodeChunk, readChunkFile, sha256Hex, type ChunkPlace } from './chunks.ts';
import { CHUNK_DIR, chunkFileName, listChunks, type RunManifest } from './io.ts';

/** The merge cannot go ahead: every problem found, one line each. Exit code 2. */
export class MergeRefusedError extends CellspreadResultsError {
  constructor(problems: string[]) {
    super('merge refused', problems);
    this.name = 'MergeRefusedError';
  }
}

export interface LoadedShard {
  folder: string;
  manifest: RunManifest;
  /** The shard's chunk places, in order, every chunk verified (read again one at a time by streamShards). */
  chunks: ChunkPlace[];
  /** Backend that simulated the shard (from its summary.json), if recorded. */
  backend?: { name: string; device: string; fallbacks: { name: string; reason: string }[] };
}

export interface LoadedShards {
  spec: StudySpec;
  specHash: string;
  version: string;
  /** In sample order, tiling the run's samples [0, studyLayout(spec).total) exactly (design rows included). */
  shards: LoadedShard[];
}

interface Candidate {
  folder: string;
  manifest: RunManifest;
  summary?: { spec?: unknown; backend?: LoadedShard['backend'] };
}

/** "samples 500-749" (inclusive, as people count). */
function samplesText(ranges: { start: number; end: number }[]): string {
  return `samples ${ranges.map((r) => (r.end - r.start === 1 ? `${r.start}` : `${r.start}-${r.end - 1}`)).join(', ')}`;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

function listText(items: (string | number)[], max = 8): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** The most common value (ties: the first seen). */
function majority<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount) [best, bestCount] = [v, c];
  return best;
}

function readJson(path: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function isRange(r: unknown): r is { start: number; end: number } {
  const x = r as { start?: unknown; end?: unknown } | undefined;
  return !!x && Number.isInteger(x.start) && Number.isInteger(x.end) && (x.start as number) <= (x.end as number) && (x.start as number) >= 0;
}

function isManifest(m: unknown): m is RunManifest {
  const x = m as Partial<RunManifest> | null;
  return (
    !!x &&
    typeof x === 'object' &&
    typeof x.specHash === 'string' &&
    typeof x.version === 'string' &&
    Number.isInteger(x.chunkSize) &&
    Number.isInteger(x.samples) &&
    isRange(x.range) &&
    (x.shard === undefined || (Number.isInteger(x.shard.index) && Number.isInteger(x.shard.count)))
  );
}

/** The shard's name in messages: "shard 2 of 8 (folder results/shards/2)" or "folder results/x". */
function who(c: Candidate, detail?: string): string {
  const extra = detail ? `, ${detail}` : '';
  return c.manifest.shard ? `shard ${c.manifest.shard.index} of ${c.manifest.shard.count} (folder ${c.folder}${extra})` : `folder ${c.folder}${detail ? ` (${detail})` : ''}`;
}

export { chunkChecksums } from './io.ts';

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * Read and check shard folders. Throws MergeRefusedError listing every problem; reads, never writes.
 * `version` is the merging cellspread's version: shards from another version are refused (samples could differ).
 */
export function loadShards(folders: string[], options: { version: string }): LoadedShards {
  const problems: string[] = [];
  if (folders.length === 0) throw new MergeRefusedError(['give the shard folders to merge']);

  // 1. Every folder must be a results folder with a readable run.json.
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const folder of folders) {
    const key = folder.replace(/\/+$/, '');
    if (seen.has(key)) {
      problems.push(`folder ${folder} is given twice`);
      continue;
    }
    seen.add(key);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      problems.push(`folder ${folder} does not exist`);
      continue;
    }
    const runJson = join(folder, 'run.json');
    if (!existsSync(runJson)) {
      problems.push(`folder ${folder} has no run.json: not a cellspread results folder`);
      continue;
    }
    const m = readJson(runJson);
    if (!m.ok || !isManifest(m.value)) {
      problems.push(`${runJson} is ${m.ok ? 'not a cellspread run manifest' : `not valid JSON (${m.error})`}`);
      continue;
    }
    const s = existsSync(join(folder, 'summary.json')) ? readJson(join(folder, 'summary.json')) : undefined;
    candidates.push({ folder, manifest: m.value, summary: s?.ok ? (s.value as Candidate['summary']) : undefined });
  }
  if (candidates.length === 0) throw new MergeRefusedError(problems);

  // 2. One study, one cellspread version: the majority defines them, the others are foreign.
  const specHash = majority(candidates.map((c) => c.manifest.specHash))!;
  const same: Candidate[] = [];
  for (const c of candidates) {
    if (c.manifest.specHash !== specHash) problems.push(`${who(c)} is from another study (spec hash ${short(c.manifest.specHash)} != ${short(specHash)})`);
    else same.push(c);
  }
  const version = majority(same.map((c) => c.manifest.version))!;
  const members: Candidate[] = [];
  for (const c of same) {
    if (c.manifest.version !== version) problems.push(`${who(c)} was written by cellspread ${c.manifest.version}, the other shards by ${version}`);
    else members.push(c);
  }
  if (version !== options.version) {
    problems.push(`the shards were written by cellspread ${version} but this is cellspread ${options.version}: merge with the version that ran them`);
  }

  // 3. The spec, from any member's summary.json whose spec hashes to the study hash (a killed shard has none).
  let spec: StudySpec | undefined;
  for (const c of members) {
    const candidate = c.summary?.spec as StudySpec | undefined;
    if (candidate && typeof candidate === 'object' && studyHash(candidate) === specHash) {
      spec = candidate;
      break;
    }
  }
  if (!spec) {
    problems.push(`no shard folder holds this study's spec (summary.json with spec hash ${short(specHash)}): let at least one shard finish`);
    throw new MergeRefusedError(problems);
  }
  const { chunkSize } = spec.run;
  const samples = studyLayout(spec).total; // Monte Carlo samples, then the sensitivity design rows

  // 4. Ranges: on the chunk grid, matching the shard they claim, no duplicates, no overlaps, no gaps.
  const placed: Candidate[] = [];
  for (const c of members) {
    const { range, shard } = c.manifest;
    if (c.manifest.samples !== samples || c.manifest.chunkSize !== chunkSize) {
      problems.push(`${who(c)}: run.json says ${c.manifest.samples} samples in chunks of ${c.manifest.chunkSize}, the study ${samples} in chunks of ${chunkSize}`);
      continue;
    }
    if (range.end > samples || range.start % chunkSize !== 0 || (range.end % chunkSize !== 0 && range.end !== samples)) {
      problems.push(`${who(c)}: ${samplesText([range])} are not whole chunks of the study's ${samples} samples`);
      continue;
    }
    if (shard) {
      if (!(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)) {
        problems.push(`${who(c)}: shard ${shard.index}/${shard.count} is not a valid shard`);
        continue;
      }
      const expected = shardRange(spec, shard);
      if (expected.start !== range.start || expected.end !== range.end) {
        problems.push(`${who(c)} holds ${samplesText([range])} but shard ${shard.index} of ${shard.count} is ${samplesText([expected])}`);
        continue;
      }
    }
    placed.push(c);
  }
  placed.sort((a, b) => a.manifest.range.start - b.manifest.range.start || a.manifest.range.end - b.manifest.range.end);

  // Duplicates (the same samples twice) and overlaps.
  const kept: Candidate[] = [];
  for (const c of placed) {
    const r = c.manifest.range;
    if (r.start === r.end) {
      kept.push(c);
      continue;
    }
    const twin = kept.find((k) => k.manifest.range.start === r.start && k.manifest.range.end === r.end);
    if (twin) {
      problems.push(
        c.manifest.shard && twin.manifest.shard && c.manifest.shard.index === twin.manifest.shard.index && c.manifest.shard.count === twin.manifest.shard.count
          ? `shard ${c.manifest.shard.index} of ${c.manifest.shard.count} is given twice (folders ${twin.folder}, ${c.folder})`
          : `folders ${twin.folder} and ${c.folder} hold the same ${samplesText([r])}`,
      );
      continue;
    }
    const other = kept.find((k) => k.manifest.range.start < r.end && r.start < k.manifest.range.end);
    if (other) {
      problems.push(`${who(other, samplesText([other.manifest.range]))} and ${who(c, samplesText([r]))} overlap`);
      continue;
    }
    kept.push(c);
  }

  // Gaps: samples no folder holds, named by shard where every folder agrees on N.
  const gaps: { start: number; end: number }[] = [];
  let at = 0;
  for (const c of kept) {
    if (c.manifest.range.start > at) gaps.push({ start: at, end: c.manifest.range.start });
    at = Math.max(at, c.manifest.range.end);
  }
  if (at < samples) gaps.push({ start: at, end: samples });
  if (gaps.length > 0) {
    const counts = new Set(candidates.map((c) => c.manifest.shard?.count));
    const n = counts.size === 1 ? [...counts][0] : undefined;
    const covered = (r: { start: number; end: number }) => kept.some((k) => k.manifest.range.start <= r.start && r.end <= k.manifest.range.end);
    const missing = n === undefined ? [] : Array.from({ length: n }, (_, i) => i).filter((i) => {
      const r = shardRange(spec, { index: i, count: n });
      return r.end > r.start && !covered(r);
    });
    const missingRanges = missing.map((i) => shardRange(spec, { index: i, count: n! }));
    const exact = n !== undefined && missing.length > 0 && missingRanges.reduce((s, r) => s + r.end - r.start, 0) === gaps.reduce((s, r) => s + r.end - r.start, 0);
    if (exact) {
      problems.push(`missing shard${missing.length > 1 ? 's' : ''} ${listText(missing)} of ${n} (${samplesText(missingRanges)})`);
    } else {
      problems.push(`missing ${samplesText(gaps)} of ${samples}: no folder holds them`);
    }
  }

  // 5. Chunks of every kept folder: present, on the grid, well-formed, this study's samples, checksums if recorded.
  const loaded: LoadedShard[] = [];
  let inputNames: string[] | undefined;
  for (const c of kept) {
    const { range } = c.manifest;
    const folderProblems: string[] = [];
    const first = Math.floor(range.start / chunkSize);
    const end = Math.ceil(range.end / chunkSize);
    const expected = Array.from({ length: end - first }, (_, i) => first + i);
    const present = new Set(listChunks(c.folder));
    const absent = expected.filter((i) => !present.has(i));
    const extra = [...present].filter((i) => i < first || i >= end);
    if (absent.length > 0) {
      const absentRanges = absent.map((i) => ({ start: i * chunkSize, end: Math.min((i + 1) * chunkSize, samples) }));
      const rerun = c.manifest.shard ? `; rerun it alone: cellspread run <study> --shard ${c.manifest.shard.index}/${c.manifest.shard.count} --out ${c.folder} --resume` : '';
      problems.push(`${who(c)} is incomplete: ${absent.length} of ${expected.length} chunks missing (${samplesText(absentRanges)})${rerun}`);
      continue;
    }
    if (extra.length > 0) folderProblems.push(`holds chunks ${listText(extra)} outside its ${samplesText([range])}`);
    let checksums: Record<string, string> | undefined;
    if (existsSync(join(c.folder, 'checksums.json'))) {
      const cs = readJson(join(c.folder, 'checksums.json'));
      if (!cs.ok || typeof cs.value !== 'object' || cs.value === null) folderProblems.push('checksums.json is not valid JSON');
      else checksums = cs.value as Record<string, string>;
    }
    const places: ChunkPlace[] = [];
    const identity = { simulationHash: c.manifest.simulationHash ?? simulationHash(spec), seed: spec.run.seed };
    for (const place of chunkGrid(range, chunkSize)) {
      const rel = `${CHUNK_DIR}/${chunkFileName(place.index)}`;
      const bytes = readFileSync(join(c.folder, rel));
      const text = bytes.toString('utf8');
      const r = decodeChunk(text, { ...place, inputNames, shape: studyChunkShape(spec) }, false);
      if (!r.ok) {
        folderProblems.push(`${rel} ${r.problem}`);
        continue;
      }
      inputNames ??= r.chunk.inputNames;
      const redrawn = studySamples(spec, place.start, place.count).inputs;
      if (redrawn.names.length !== inputNames.length || redrawn.names.some((n, i) => n !== inputNames![i]) || !sameBits(redrawn.values, r.chunk.inputs)) {
        folderProblems.push(`${rel}: its sampled inputs are not this study's samples ${place.start}-${place.start + place.count - 1} (another study or seed, or corrupt)`);
        continue;
      }
      // Last: the specific checks above say more about a damaged chunk than a checksum mismatch does.
      const integrity = chunkIntegrityProblem(text, identity);
      if (integrity) {
        folderProblems.push(`${rel} ${integrity}`);
        continue;
      }
      if (checksums?.[rel] !== undefined && sha256Hex(bytes) !== checksums[rel]) {
        folderProblems.push(`${rel} does not match its sha256 in checksums.json`);
        continue;
      }
      places.push(place);
    }
    if (folderProblems.length > 0) {
      problems.push(`${who(c)}: ${listText(folderProblems, 4)}`);
      continue;
    }
    loaded.push({ folder: c.folder, manifest: c.manifest, chunks: places, backend: c.summary?.backend });
  }

  if (problems.length > 0) throw new MergeRefusedError(problems);
  return { spec, specHash, version, shards: loaded };
}

/**
 * Feed the verified shards' chunks to `consume`, one at a time in sample order (re-read and re-checked: a chunk that
 * changed since loadShards is refused). Returns the summed timings and the backends that simulated the shards.
 */
export async function streamShards(loaded: LoadedShards, consume: (chunk: StudyChunk, file: string) => void | Promise<void>): Promise<{ backend: { name: string; device: string; fallbacks: { name: string; reason: string }[] } }> {
  const identity = { seed: loaded.spec.run.seed };
  for (const shard of loaded.shards) {
    for (const place of shard.chunks) {
      const r = readChunkFile(shard.folder, { ...place, ...identity, shape: studyChunkShape(loaded.spec), simulationHash: shard.manifest.simulationHash ?? simulationHash(loaded.spec) });
      if (!r.ok) throw new MergeRefusedError([`${who({ folder: shard.folder, manifest: shard.manifest })}: ${CHUNK_DIR}/${chunkFileName(place.index)} ${r.problem} (it changed during the merge)`]);
      await consume(r.chunk, join(shard.folder, CHUNK_DIR, chunkFileName(place.index)));
    }
  }
  const backends = loaded.shards.map((s) => s.backend).filter((b): b is NonNullable<LoadedShard['backend']> => !!b && typeof b.name === 'string');
  const unique = <T>(xs: T[]) => [...new Set(xs)];
  const fallbacks = new Map<string, { name: string; reason: string }>();
  for (const b of backends) for (const f of b.fallbacks ?? []) fallbacks.set(`${f.name}\u0000${f.reason}`, f);
  return {
    backend: {
      name: unique(backends.map((b) => b.name)).join('+') || 'unknown',
      device: unique(backends.map((b) => b.device)).join(' + ') || 'unknown',
      fallbacks: [...fallbacks.values()],
    },
  };
}
