/**
 * Flat memory (issue 15): peak RSS of `cellspread run` on a 2s1p pack at two sample counts, same chunk size, in
 * separate processes (GNU time's "Maximum resident set size"). The protocol is very short (one 10 s step), so the
 * run is dominated by what grows with samples: sampling, chunk files, samples.csv/arrow and the analysis columns. The
 * model is pinned to the SPM (the figures in bench/RESULTS.md were measured with it, before studies defaulted to the
 * SPMe, whose per-pack memory is the same order and whose run is slower).
 *
 *   npx tsx bench/memory.ts [small=2000] [large=2000000] [backend=wasm] [--tail] [--report]
 *
 * --tail adds a tail analysis of capacityAh (src/tail's tailSummary: one sorted copy of the column);
 * --report also measures `cellspread report` on the large folder (its table read batch by batch into scratch column
 * files, src/report/spill.ts) and, for comparison, the same report with the table read whole into memory.
 * Results go in bench/RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const small = Number(args[0] ?? 2000);
const large = Number(args[1] ?? 2_000_000);
const backend = args[2] ?? 'wasm';
const withReport = process.argv.includes('--report');
const withTail = process.argv.includes('--tail');
const CHUNK = 2000;

const STUDY = (samples: number) => `name: memory-2s1p
pack: { series: 2, parallel: 1 }
simulation: { timeStep: 10, modes: 4, model: spm }
protocol:
  - { type: discharge, cRate: 1, duration: 10 }
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.005 } }
${withTail ? 'analysis:\n  tail: [ { output: capacityAh, limit: 0.0139, tail: lower } ]\n' : ''}run: { samples: ${samples}, seed: 1, chunkSize: ${CHUNK} }
`;

function folderBytes(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const s = statSync(p);
    n += s.isDirectory() ? folderBytes(p) : s.size;
  }
  return n;
}

function measured(argv: string[], node: string[] = [join(ROOT, 'bin/cellspread.mjs')]): { rssMiB: number; seconds: number; status: number | null; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...node, ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return { rssMiB: rss ? Number(rss[1]) / 1024 : NaN, seconds, status: r.status, stderr: r.stderr };
}

const work = mkdtempSync(join(tmpdir(), 'cellspread-memory-'));
const rows: string[] = [];
const results: { samples: number; rssMiB: number; seconds: number }[] = [];
for (const samples of [small, large]) {
  const study = join(work, `study-${samples}.yaml`);
  const out = join(work, `out-${samples}`);
  writeFileSync(study, STUDY(samples));
  const r = measured(['run', study, '--backend', backend, '--out', out, '--quiet', '--no-report', '--force']);
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  results.push({ samples, rssMiB: r.rssMiB, seconds: r.seconds });
  rows.push(`| ${samples.toLocaleString('en-US')} | ${r.rssMiB.toFixed(0)} MiB | ${r.seconds.toFixed(1)} s | ${(folderBytes(out) / 2 ** 20).toFixed(0)} MiB |`);
  if (samples === large && withReport) {
    const rep = measured(['report', out]);
    rows.push(`| (cellspread report on the ${samples.toLocaleString('en-US')}-sample folder) | ${rep.rssMiB.toFixed(0)} MiB | ${rep.seconds.toFixed(1)} s | exit ${rep.status} |`);
    const whole = `import(${JSON.stringify(join(ROOT, 'dist/report/index.js'))}).then((m) => m.writeReport(${JSON.stringify(out)}, ${JSON.stringify(join(work, 'whole.html'))}, { spillAboveBytes: Infinity }))`;
    const mem = measured([], ['--input-type=module', '-e', whole]);
    rows.push(`| (the same report, table read whole into memory) | ${mem.rssMiB.toFixed(0)} MiB | ${mem.seconds.toFixed(1)} s | exit ${mem.status} |`);
  }
  if (samples === small) rmSync(out, { recursive: true, force: true });
}
console.log(`backend ${backend}, chunk size ${CHUNK}, ${withTail ? 'with' : 'without'} a tail analysis, node ${process.version}`);
console.log('| samples | peak RSS | wall time | results folder |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(r);
const ratio = results[1].rssMiB / results[0].rssMiB;
console.log(`peak RSS ratio large/small: ${ratio.toFixed(3)} (target <= 1.20)`);
rmSync(work, { recursive: true, force: true });
