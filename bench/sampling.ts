/**
 * Sampling throughput: cell-parameter vectors per second for the default study and a 96s4p pack with weld defects.
 * Run: npx tsx bench/sampling.ts
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { deriveCellParameters } from '../src/model/derive.ts';
import { getParameterSet } from '../src/params/index.ts';
import { defaultStudy, parseStudySpec } from '../src/spec/index.ts';
import type { StudySpec } from '../src/spec/index.ts';
import { latentChunk, sampleChunk, sampleChunkFromLatent } from '../src/variation/index.ts';

function time(f: () => void, minMs = 1500): number {
  f(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    f();
    n++;
  }
  return (performance.now() - t0) / n;
}

function bench(label: string, spec: StudySpec, samples: number): void {
  const cells = spec.pack.series * spec.pack.parallel;
  const msChunk = time(() => sampleChunk(spec, 0, samples));
  const latent = latentChunk(spec, 0, samples);
  const msLatent = time(() => latentChunk(spec, 0, samples));
  const msFromLatent = time(() => sampleChunkFromLatent(spec, latent, samples, 0));
  const vectors = samples * cells;
  console.log(
    `${label.padEnd(28)} ${String(cells).padStart(4)} cells/pack  ${String(samples).padStart(4)} packs/chunk  ` +
      `${((vectors / msChunk) * 1000).toFixed(0).padStart(7)} cell vectors/s (sampleChunk)  ` +
      `uniforms ${(msLatent / msChunk * 100).toFixed(1)} %  from latent ${((vectors / msFromLatent) * 1000).toFixed(0)} /s`,
  );
}

const set = getParameterSet('chen2020');
const msDerive = time(() => {
  for (let i = 0; i < 1000; i++) deriveCellParameters(set, 1, { 'negative.thickness': 85e-6 * (1 + i * 1e-6) });
});
console.log(`cellspread sampling benchmark  ${new Date().toISOString().slice(0, 10)}  node ${process.version}  ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}`);
console.log(`deriveCellParameters alone: ${((1000 / msDerive) * 1000).toFixed(0)} cells/s (single thread)`);
bench('default 12s2p', defaultStudy(), 64);
const big = parseStudySpec(readFileSync(new URL('../examples/pack-96s4p-welds.yaml', import.meta.url), 'utf8'), { source: 'pack-96s4p-welds.yaml' });
bench('pack-96s4p-welds', big, 16);
