/**
 * `cellspread run` finishes a run through the same function as the browser page (src/study/finish.ts): the summary.json
 * it writes from the column files it streamed to disk holds the numbers summarizeStudy gives for the same study run in
 * memory (statistics, tails, sensitivity indices, the headline, the worst pack, a lifetime study's fan charts and end
 * of life), bit for bit after the JSON round trip.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRunCommand } from '../../src/cli/run.ts';
import { createBackend, parseStudySpec, runStudy, summarizeStudy, type RunSummary } from '../../src/index.ts';
import { captureIo } from '../support/cli.ts';

const quietStream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

/** A lifetime study with a Sobol design over manufacturing and ageing, in chunks of 2 (the CLI streams 3 chunks). */
const LIFETIME = `name: finish-lifetime
params: okane2022
pack: { series: 2, parallel: 1 }
simulation: { sei: reaction limited, timeStep: 60 }
protocol:
  - repeat: 8
    steps: [ { type: discharge, cRate: 1 }, { type: rest, duration: 300 }, { type: cccv, cRate: 1, cutoffCRate: 0.1 } ]
    jumping: true
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.02 } }
  seiRateFactor: { cell: { distribution: lognormal, sd: 0.5 } }
ageing: { randomWalk: { sigma: 0.05 } }
analysis:
  lifetime: { endOfLife: 0.999, reference: second, capacityAt: [4] }
  tail: [ { output: cyclesToEol, limit: 5, tail: lower } ]
  sensitivity: { method: sobol, outputs: [cyclesToEol, capacityRetention], n: 16 }
run: { samples: 5, seed: 11, chunkSize: 2 }
`;

/** A pack study with weld defects: tails, Sobol indices and the worst pack's map. */
const PACK = `name: finish-pack
params: chen2020
pack: { series: 2, parallel: 2, interconnectResistance: 1.0e-4 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.01 } }
  contactResistance:
    scale: log
    base: 5.0e-4
    cell: { distribution: defectMixture, probability: 0.05, base: { distribution: lognormal, sd: 0.2 }, factor: { distribution: pareto, alpha: 1.5, min: 3 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 305, tail: upper } ]
  sensitivity: { method: sobol, outputs: [maxTemperatureK], n: 16 }
run: { samples: 7, seed: 5, chunkSize: 3 }
`;

async function cliAndMemory(text: string): Promise<{ cli: RunSummary; memory: RunSummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-finish-'));
  const file = join(dir, 'study.yaml');
  writeFileSync(file, text);
  const c = captureIo();
  const code = await runRunCommand([file, '--backend', 'wasm', '--no-report', '--quiet', '--out', join(dir, 'out')], c.io, { progressStream: quietStream });
  expect(code, c.text()).toBe(0);
  const cli = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as RunSummary;
  const { backend } = await createBackend('wasm');
  try {
    const result = await runStudy(parseStudySpec(text, { source: file }), { backendInstance: backend });
    // As summary.json holds it: NaN and infinities become null.
    return { cli, memory: JSON.parse(JSON.stringify(summarizeStudy(result))) as RunSummary };
  } finally {
    await backend.dispose();
  }
}

const SAME = ['specHash', 'simulationHash', 'analysisHash', 'range', 'outputs', 'inputs', 'headline', 'tail', 'sensitivity', 'worstPack', 'nonFiniteSamples', 'validity', 'sampling', 'lifetime'] as const;

describe('cellspread run and the in-memory finishing step (the browser page\'s) give one summary', () => {
  it('a lifetime study: the fade fan, LLI fan, end of life, EOL outputs and their risk and indices', async () => {
    const { cli, memory } = await cliAndMemory(LIFETIME);
    for (const key of SAME) expect(cli[key], key).toEqual(memory[key]);
    expect(cli.counts).toEqual(memory.counts);
    const l = cli.lifetime!;
    // Each pack's capacity over its own second cycle's: 1 at cycle 2 for every quantile, below 1 after it.
    for (const q of [l.fan.p05, l.fan.p25, l.fan.p50, l.fan.p75, l.fan.p95]) {
      expect(q[1]).toBe(1);
      expect(q[7]).toBeLessThan(1);
      expect(q[7]).toBeGreaterThan(0.99);
    }
    expect(l.eol.packs).toBe(5);
    expect((cli.sensitivity as { output: string }[]).map((s) => s.output)).toEqual(['cyclesToEol', 'capacityRetention']);
  });

  it('a pack study: tails, Sobol indices, the worst pack', async () => {
    const { cli, memory } = await cliAndMemory(PACK);
    for (const key of SAME) expect(cli[key], key).toEqual(memory[key]);
    expect(cli.worstPack).toBeDefined();
    expect(cli.lifetime).toBeUndefined();
  });
});
