/**
 * Sampling throughput: cell-parameter vectors per second on one core (one thread), from the study's seed to the
 * kernel-parameter arrays a backend uploads (`sampleChunk`: counter-keyed uniforms, inverse CDFs, copula, hierarchy,
 * manufacturing mapping, electrode balance). Three studies: single cells (1s1p, as the GPU benchmark samples them),
 * the default 12s2p study and examples/pack-96s4p-welds.yaml. Best and median of `--rounds` timed rounds of about
 * `--seconds` each, so a shared machine's load shows as spread rather than as a wrong figure.
 *
 *   npx tsx bench/sampling.ts [--rounds 5] [--seconds 1] [--against <git commit>]
 *
 * --against runs the same measurement on an old commit's sources (a git worktree in a temp folder, see
 * bench/old-commit.ts), interleaved round by round with this tree, and prints the ratio.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { checkoutCommit } from './old-commit.ts';
import { singleCellStudy } from './studies.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const rounds = Number(arg('rounds') ?? 5);
const seconds = Number(arg('seconds') ?? 1);
const against = arg('against');
const here = fileURLToPath(new URL('..', import.meta.url));

interface Tree {
  label: string;
  studies: { name: string; cellsPerPack: number; packsPerChunk: number; sample(start: number): void }[];
}

async function loadTree(label: string, root: string): Promise<Tree> {
  const spec = await import(`${root}/src/spec/index.ts`);
  const variation = await import(`${root}/src/variation/index.ts`);
  const parse = (text: string, source: string) => spec.parseStudySpec(text, { source });
  const studies = [
    ['single cells (1s1p)', spec.validateStudySpec(singleCellStudy(4096)), 4096],
    ['default 12s2p', spec.defaultStudy(), 64],
    ['pack-96s4p-welds', parse(readFileSync(`${here}/examples/pack-96s4p-welds.yaml`, 'utf8'), 'pack-96s4p-welds.yaml'), 16],
  ] as const;
  return {
    label,
    studies: studies.map(([name, s, packsPerChunk]) => ({
      name,
      cellsPerPack: s.pack.series * s.pack.parallel,
      packsPerChunk,
      sample: (start: number) => variation.sampleChunk(s, start, packsPerChunk),
    })),
  };
}

/** Cell vectors per second of one timed round (at least `seconds`), on fresh sample indices each chunk. */
function round(study: Tree['studies'][number], offset: number): number {
  let chunks = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) study.sample(offset + chunks++ * study.packsPerChunk);
  return (chunks * study.packsPerChunk * study.cellsPerPack) / ((performance.now() - t0) / 1000);
}

const trees = [await loadTree('this tree', here)];
if (against) trees.push(await loadTree(`commit ${against}`, checkoutCommit(against)));

console.log(`cellspread sampling benchmark  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}  load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`one thread; best and median of ${rounds} rounds of ${seconds} s; cell-parameter vectors per second (sampleChunk)`);
const header = ['study', 'cells/pack', 'packs/chunk', ...trees.flatMap((t) => [`${t.label}: best`, 'median'])];
if (against) header.push('ratio (best)');
console.log(header.join(' | '));
for (let s = 0; s < trees[0].studies.length; s++) {
  const rates = trees.map(() => [] as number[]);
  trees.forEach((t) => t.studies[s].sample(0)); // warm-up (compiles the study, JIT)
  for (let r = 0; r < rounds; r++) trees.forEach((t, i) => rates[i].push(round(t.studies[s], 1000 + r * 1_000_000)));
  const best = rates.map((x) => Math.max(...x));
  const median = rates.map((x) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]);
  const study = trees[0].studies[s];
  const cells = [study.name, String(study.cellsPerPack), String(study.packsPerChunk), ...trees.flatMap((_, i) => [best[i].toFixed(0), median[i].toFixed(0)])];
  if (against) cells.push(`${(best[0] / best[1]).toFixed(1)}x`);
  console.log(cells.join(' | '));
}
