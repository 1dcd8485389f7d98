/**
 * One tree's sampling throughput, measured in a process of its own (bench/measure.ts starts it): prints a JSON array
 * of SamplingRate. Usage: tsx bench/sampling-child.ts <tree root> <rounds> <seconds per round>
 */
import { readFileSync } from 'node:fs';
import { cpuSeconds, type SamplingRate } from './measure.ts';
import { singleCellStudy } from './studies.ts';

const [root, roundsText, secondsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const seconds = Number(secondsText);
const spec = await import(`${root}/src/spec/index.ts`);
const variation = await import(`${root}/src/variation/index.ts`);
const studies = [
  ['single cells (1s1p)', spec.validateStudySpec(singleCellStudy(4096)), 4096],
  ['default 12s2p', spec.defaultStudy(), 64],
  // Each tree's own example file (this tree's says `model: spme`, which older trees do not know).
  ['pack-96s4p-welds', spec.parseStudySpec(readFileSync(`${root}/examples/pack-96s4p-welds.yaml`, 'utf8'), { source: 'pack-96s4p-welds.yaml' }), 16],
] as const;

const results: SamplingRate[] = studies.map(([name, s, packsPerChunk]) => {
  const cellsPerPack = s.pack.series * s.pack.parallel;
  // Warm-up, half a second: compiles the study, and lets the JIT optimise (its threads would count in CPU time).
  for (const t0 = performance.now(); performance.now() - t0 < 500; ) variation.sampleChunk(s, 0, packsPerChunk);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Fresh sample indices each chunk, so no two chunks are the same samples.
    const offset = 1000 + r * 1_000_000;
    let chunks = 0;
    const c0 = cpuSeconds();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) variation.sampleChunk(s, offset + chunks++ * packsPerChunk, packsPerChunk);
    const vectors = chunks * packsPerChunk * cellsPerPack;
    wall.push(vectors / ((performance.now() - t0) / 1000));
    cpu.push(vectors / (cpuSeconds() - c0));
  }
  wall.sort((a, b) => a - b);
  return { name, cellsPerPack, packsPerChunk, bestWall: wall[wall.length - 1], medianWall: wall[Math.floor(wall.length / 2)], bestCpu: Math.max(...cpu) };
});
process.stdout.write(`${JSON.stringify(results)}\n`);
