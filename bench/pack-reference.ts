/**
 * The 96s4p example study (1C discharge, weld defects) end to end on the reference backend: sample -> simulate ->
 * outputs. Run: npx tsx bench/pack-reference.ts [samples]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseStudySpec } from '../src/spec/index.ts';
import { runStudy } from '../src/study/runner.ts';

async function main() {
  const samples = Number(process.argv[2] ?? 4);
  const spec = parseStudySpec(readFileSync('examples/pack-96s4p-welds.yaml', 'utf8'), { source: 'examples/pack-96s4p-welds.yaml' });
  const run = { ...spec, run: { ...spec.run, samples, chunkSize: samples } };
  const r = await runStudy(run, { backend: 'reference', range: { start: 0, end: samples } }); // Monte Carlo samples only, not the design rows
  const cells = r.counts.cells;
  console.log(`pack-96s4p-welds on reference, ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}`);
  console.log(`  ${samples} packs x ${cells / samples} cells: ${r.timings.totalSeconds.toFixed(1)} s total, ${(r.timings.simulateSeconds / samples).toFixed(2)} s per pack simulated`);
  console.log(`  ${r.counts.cellSteps} cell-steps, ${(r.counts.cellSteps / r.timings.simulateSeconds).toExponential(3)} cell-steps/s; sampling ${r.timings.sampleSeconds.toFixed(2)} s`);
  const k = r.outputNames.indexOf('capacityAh');
  console.log(`  capacity of pack 0: ${r.outputs[k].toFixed(3)} Ah`);
}
main();
