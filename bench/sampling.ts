/**
 * Sampling throughput: cell-parameter vectors per second on one core (one thread), from the study's seed to the
 * kernel-parameter arrays a backend uploads (`sampleChunk`: counter-keyed uniforms, inverse CDFs, copula, hierarchy,
 * manufacturing mapping, electrode balance). Three studies: single cells (1s1p, as the GPU benchmark samples them),
 * the default 12s2p study and examples/pack-96s4p-welds.yaml. Best and median of `--rounds` rounds of about
 * `--seconds` each, per wall-clock second and per CPU second of the process (on a shared machine the wall-clock rate
 * falls with the load; the CPU-time rate is what one core does, slightly low as it also counts GC and JIT threads).
 *
 *   npx tsx bench/sampling.ts [--rounds 5] [--seconds 1] [--against <git commit>]
 *
 * Each tree is measured in a process of its own (bench/measure.ts); --against measures an old commit's sources too (a
 * built copy in a temp folder, see bench/old-commit.ts) and prints the ratio.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureSampling } from './measure.ts';
import { checkoutCommit } from './old-commit.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const rounds = Number(arg('rounds') ?? 5);
const seconds = Number(arg('seconds') ?? 1);
const against = arg('against');
const trees = [{ label: 'this tree', root: fileURLToPath(new URL('..', import.meta.url)) }];
if (against) trees.push({ label: `commit ${against}`, root: checkoutCommit(against) });

console.log(`cellspread sampling benchmark  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}  load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`one thread; best and median of ${rounds} rounds of ${seconds} s; cell-parameter vectors per wall-clock second and per CPU second (sampleChunk)`);
const results = trees.map((t) => measureSampling(t.root, rounds, seconds));
const header = ['study', 'cells/pack', 'packs/chunk', ...trees.flatMap((t) => [`${t.label}: best /s`, 'median /s', 'best /CPU s'])];
if (against) header.push('ratio (best /CPU s)');
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
results[0].forEach((study, s) => {
  const cells = [study.name, String(study.cellsPerPack), String(study.packsPerChunk), ...results.flatMap((r) => [r[s].bestWall.toFixed(0), r[s].medianWall.toFixed(0), r[s].bestCpu.toFixed(0)])];
  if (against) cells.push(`${(results[0][s].bestCpu / results[1][s].bestCpu).toFixed(1)}x`);
  console.log(`| ${cells.join(' | ')} |`);
});
