import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runRunCommand } from '../../src/cli/run.ts';
import { PACK_OUTPUT_NAMES } from '../../src/pack/outputs.ts';
import { captureIo } from '../support/cli.ts';

const STUDY = `name: cli-test
params: chen2020
pack: { series: 2, parallel: 2, modules: 1, interconnectResistance: 1.0e-4 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  contactResistance:
    scale: log
    base: 5.0e-4
    cell: { distribution: defectMixture, probability: 0.05, base: { distribution: lognormal, sd: 0.2 }, factor: { distribution: pareto, alpha: 1.5, min: 3 } }
  heatTransferCoefficient: { scale: relative, pack: { distribution: normal, sd: 0.1 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 320, tail: upper } ]
  sensitivity: { method: sobol, outputs: [maxTemperatureK], n: 16 }
run: { samples: 12, seed: 3, chunkSize: 4 }
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-run-'));
  const study = join(dir, 'study.yaml');
  writeFileSync(study, STUDY);
  return { dir, study };
}

const capture = captureIo;

const quietStream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

describe('cellspread run', () => {
  it('runs a small study and writes the results folder with its columns and JSON fields', async () => {
    const { dir, study } = setup();
    const out = join(dir, 'results');
    const c = capture();
    expect(await main(['run', study, '--backend', 'reference', '--out', out, '--quiet', '--json'], c.io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(JSON.parse(c.out.join('\n')).specHash).toBe(summary.specHash);
    expect(summary.completed).toBe(true);
    // 12 Monte Carlo samples, then the Sobol design rows as samples of the run: N (G + 2) = 16 x (2 + 2) = 64.
    expect(summary.counts.samples).toBe(12);
    expect(summary.counts.designRows).toBe(64);
    expect(summary.counts.cells).toBe(76 * 4);
    expect(summary.counts.cellSteps).toBeGreaterThan(76 * 4 * 100);
    expect(summary.timings.simulateSeconds).toBeGreaterThan(0);
    expect(summary.rng.name).toBe('xoshiro128**');
    expect(summary.rng.seed).toBe(3);
    expect(summary.backend.name).toBe('reference');
    expect(summary.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.spec.run.samples).toBe(12);
    expect(summary.outputs.map((o: { name: string }) => o.name)).toEqual([...PACK_OUTPUT_NAMES]);
    expect(summary.tail[0].output).toBe('maxTemperatureK');
    expect(summary.sensitivity[0].method).toBe('sobol');
    expect(summary.sensitivity[0].factors.length).toBeGreaterThanOrEqual(2);
    expect(summary.worstPack.cellMaxTemperatureK).toHaveLength(4);
    const csv = readFileSync(join(out, 'samples.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    expect(header[0]).toBe('sample');
    for (const name of PACK_OUTPUT_NAMES) expect(header).toContain(name);
    expect(header.some((h) => h.startsWith('contactResistance@cell'))).toBe(true);
    expect(csv).toHaveLength(13);
    const arrow = tableFromIPC(readFileSync(join(out, 'samples.arrow')));
    expect(arrow.numRows).toBe(12);
    const col = header.indexOf('maxTemperatureK');
    expect(arrow.getChild('maxTemperatureK')!.get(5)).toBe(Number(csv[6].split(',')[col]));
    expect(readdirSync(join(out, 'chunks'))).toHaveLength(76 / 4);
    expect(summary.sensitivity[0].evaluations).toBe(64);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('flags override the spec fields with the same meaning', async () => {
    const { dir, study } = setup();
    const run = async (name: string, args: string[]) => {
      const out = join(dir, name);
      expect(await runRunCommand([study, '--backend', 'reference', '--out', out, '--quiet', '--no-analysis', '--no-report', ...args], capture().io, { progressStream: quietStream })).toBe(0);
      return { summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')), csv: readFileSync(join(out, 'samples.csv'), 'utf8'), chunks: readdirSync(join(out, 'chunks')).length };
    };
    const a = await run('a', ['--samples', '6', '--seed', '3', '--chunk-size', '2']);
    expect(a.summary.counts.samples).toBe(6);
    expect(a.summary.spec.run).toEqual({ samples: 6, seed: 3, chunkSize: 2 });
    expect(a.chunks).toBe((6 + 64) / 2); // the 64 sensitivity design rows are samples of the run, analysed or not
    const b = await run('b', ['--samples', '6', '--seed', '4']);
    expect(b.summary.spec.run.seed).toBe(4);
    expect(b.csv).not.toBe(a.csv);
    // The same samples whatever the chunk size: --chunk-size changes nothing but the chunking.
    const c = await run('c', ['--samples', '6', '--chunk-size', '5']);
    expect(c.csv).toBe(a.csv);
  });

  it('an interrupted run keeps its complete chunks, and --resume ends identical to an uninterrupted run', async () => {
    const { dir, study } = setup();
    const args = [study, '--backend', 'reference', '--no-analysis', '--no-report'];
    const whole = join(dir, 'whole');
    expect(await runRunCommand([...args, '--out', whole], capture().io, { progressStream: quietStream })).toBe(0);
    const part = join(dir, 'part');
    const controller = new AbortController();
    const stopAfterFirstChunk = { isTTY: false, write: () => (controller.abort(), true) } as unknown as NodeJS.WriteStream;
    expect(await runRunCommand([...args, '--out', part], capture().io, { progressStream: stopAfterFirstChunk, signal: controller.signal })).toBe(130);
    const partial = JSON.parse(readFileSync(join(part, 'summary.json'), 'utf8'));
    expect(partial.completed).toBe(false);
    expect(partial.counts.samples).toBe(4);
    expect(readdirSync(join(part, 'chunks'))).toEqual(['chunk-000000.json']);
    // Without --resume the folder is protected.
    const refused = capture();
    expect(await main(['run', ...args, '--out', part, '--quiet'], refused.io)).toBe(2);
    expect(refused.err.join('\n')).toContain('already holds a run: add --resume to continue it or --force to start again');
    expect(await runRunCommand([...args, '--out', part, '--resume'], capture().io, { progressStream: quietStream })).toBe(0);
    expect(readFileSync(join(part, 'samples.csv'), 'utf8')).toBe(readFileSync(join(whole, 'samples.csv'), 'utf8'));
    const resumed = JSON.parse(readFileSync(join(part, 'summary.json'), 'utf8'));
    expect(resumed.completed).toBe(true);
    expect(resumed.outputs).toEqual(JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8')).outputs);
  });

  it('bad study files give one clear message with the path and line, and exit 2', async () => {
    const { dir } = setup();
    const cases: Array<[string, string, RegExp]> = [
      ['syntax.yaml', 'pack: { series: 2, parallel: 2\nprotocol: [', /syntax\.yaml:\d+/],
      ['schema.yaml', 'pack:\n  series: 2\n  parallel: -1\n', /schema\.yaml:3:\d+: pack\.parallel/],
      ['params.yaml', 'params: chen2021\npack: { series: 2, parallel: 1 }\n', /params\.yaml:1:\d+: params .*chen2020/],
      ['unknown.yaml', 'pack: { series: 2, parallel: 1 }\nvariation:\n  contactResistence: { scale: log, cell: { distribution: lognormal, sd: 0.1 } }\n', /unknown\.yaml:3:\d+: .*contactResistance/],
    ];
    for (const [name, text, pattern] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const c = capture();
      expect(await main(['run', path, '--out', join(dir, `out-${name}`), '--quiet'], c.io), name).toBe(2);
      expect(c.err.join('\n'), name).toMatch(pattern);
      expect(c.err.join('\n').split('\n').filter((l) => l.trim()).length, name).toBeLessThanOrEqual(3);
    }
    const missing = capture();
    expect(await main(['run', join(dir, 'nope.yaml')], missing.io)).toBe(2);
    expect(missing.err.join('\n')).toContain('study file must exist');
  });

  it('an unwritable output folder is reported before any simulation starts', async () => {
    const { dir, study } = setup();
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const c = capture();
    const t0 = performance.now();
    expect(await main(['run', study, '--out', join(blocker, 'results'), '--quiet'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('--out must be a folder cellspread can write');
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it('rejects bad flags by name', async () => {
    const { study } = setup();
    for (const [args, message] of [
      [['--backend', 'cuda'], '--backend must be one of auto, webgpu, wasm, reference, got "cuda"'],
      [['--samples', '0'], '--samples must be an integer >= 1, got 0'],
      [['--seed', '-1'], '--seed must be an integer >= 0'],
      [['--shard', '3/2'], '--shard must give 0 <= I < N, got "3/2"'],
    ] as const) {
      const c = capture();
      expect(await main(['run', study, ...args, '--quiet'], c.io)).toBe(2);
      expect(c.err.join('\n')).toContain(message);
    }
  });
});

describe('cellspread sample', () => {
  it('writes per-cell parameter rows identical to those a study run uses', async () => {
    const { dir, study } = setup();
    const out = join(dir, 'params.csv');
    const c = capture();
    expect(await main(['sample', study, '--out', out, '--samples', '3'], c.io)).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 5)).toEqual(['sample', 'module', 'group', 'position', 'cell']);
    expect(header).toContain('contactResistance');
    expect(lines).toHaveLength(1 + 3 * 4);
    const second = join(dir, 'params2.csv');
    expect(await main(['sample', study, '--out', second, '--samples', '1', '--start', '2'], capture().io)).toBe(0);
    expect(readFileSync(second, 'utf8').trim().split('\n').slice(1)).toEqual(lines.slice(9));
  });
});

describe('chunk files', () => {
  it('keep non-finite values through a write and a read (resume must not turn NaN into 0)', async () => {
    const { writeChunk, readChunk } = await import('../../src/results/io.ts');
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-chunk-'));
    const outputs = Float64Array.from({ length: PACK_OUTPUT_NAMES.length }, (_, i) => [1.5, NaN, Infinity, -Infinity, 0.1 + 0.2][i % 5]);
    const identity = { simulationHash: 'a'.repeat(64), seed: 1 };
    writeChunk(dir, { index: 0, start: 0, count: 1, outputs, inputs: Float64Array.from([NaN]), inputNames: ['x'], invalid: [], cellSteps: 1, sampleSeconds: 0, simulateSeconds: 0 }, identity);
    const back = readChunk(dir, 0, { start: 0, count: 1, ...identity })!;
    expect(Array.from(back.outputs)).toEqual(Array.from(outputs));
    expect(Number.isNaN(back.inputs[0])).toBe(true);
  });
});
