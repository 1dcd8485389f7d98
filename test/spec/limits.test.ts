// Bounded work (issue 15): caps with the number and how to raise them, a declared cost, and limits on the study text.
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { CellspreadInputError } from '../../src/errors.ts';
import { checkStudyCost, DEFAULT_LIMITS, describeStudyCost, parseStudySpec, SPEC_TEXT_LIMITS, StudyLimitError, StudySpecError } from '../../src/spec/index.ts';
import { getParameterSet } from '../../src/params/index.ts';
import { cellParameters, cellStateLength } from '../../src/model/layout.ts';
import { runStudy } from '../../src/study/runner.ts';
import { captureIo } from '../support/cli.ts';

const PACK = 'pack: { series: 2, parallel: 1 }\n';
const chen = getParameterSet('chen2020');

function specError(text: string): StudySpecError {
  try {
    parseStudySpec(text, { source: 'study.yaml' });
  } catch (e) {
    expect(e).toBeInstanceOf(StudySpecError);
    return e as StudySpecError;
  }
  throw new Error('expected a StudySpecError');
}

describe('caps', () => {
  it('a protocol that never ends is refused with the step, its duration and how to bound it', () => {
    const rest = specError(`${PACK}protocol:\n  - { type: rest, duration: 1.0e308 }\n`);
    expect(rest).toBeInstanceOf(StudyLimitError);
    expect(rest.message).toMatch(/^study\.yaml:3:\d+: protocol\[0\] must stay within the limit of 1,000,000 time steps per pack/);
    expect(rest.message).toContain('shorten protocol[0].duration');
    expect(rest.message).toContain('limits.stepsPerPack');
    const slow = specError(`${PACK}protocol:\n  - { type: discharge, cRate: 1.0e-300 }\n`);
    expect(slow.message).toContain('give protocol[0].duration (without it a step may last 3 x the time its current takes');
    const cccv = specError(`${PACK}protocol:\n  - { type: cccv, cRate: 1, maxDuration: 1.0e12 }\n`);
    expect(cccv.message).toContain('protocol[0].maxDuration');
    const tiny = specError(`${PACK}simulation: { timeStep: 1.0e-300 }\n`);
    expect(tiny.message).toContain('a larger simulation.timeStep');
    // Raising the cap is how to say "yes, I mean it".
    expect(() => parseStudySpec(`${PACK}protocol:\n  - { type: rest, duration: 2.0e7 }\nlimits: { stepsPerPack: 3000000 }\n`)).not.toThrow();
  });

  it('a linear table over a huge span is refused before it is cut into pieces', () => {
    const t0 = performance.now();
    const e = specError(`${PACK}protocol:\n  - { type: table, time: [0, 1.0e300], current: [1, 2], interpolation: linear }\n`);
    expect(e.message).toContain('protocol[0].time must stay within the limit of 1,000,000 time steps per pack');
    expect(performance.now() - t0).toBeLessThan(5000); // would never return if compiled
  });

  it('cells per pack, samples per run, table length and chunk memory have caps naming the number and the key', () => {
    const cells = specError('pack: { series: 100000, parallel: 10000 }\n');
    expect(cells.message).toContain('pack must stay within the limit of 100,000 cells per pack (series x parallel = 100000 x 10000), got 1000000000');
    expect(cells.message).toContain('limits.cellsPerPack');
    const samples = specError(`${PACK}run: { samples: 1000000000 }\n`);
    expect(samples.message).toContain('run.samples must stay within the limit of 10,000,000 samples per run, got 1000000000');
    expect(samples.message).toContain('--shard');
    const table = specError(`${PACK}protocol:\n  - { type: table, time: [0, 1, 2, 3], current: [1, 1, 1, 1] }\nlimits: { tableLength: 3 }\n`);
    expect(table.message).toContain('protocol[0].time must stay within the limit of 3 entries per table, got 4 (raise it with limits.tableLength in the study file)');
    expect(DEFAULT_LIMITS.tableLength).toBe(100_000);
    const memory = specError('pack: { series: 100, parallel: 100 }\nrun: { chunkSize: 100000 }\n');
    expect(memory.message).toContain('run.chunkSize must stay within the limit of 2,048 MiB of working memory per chunk');
    expect(memory.message).toContain('lower run.chunkSize');
  });

  it('a study declares its cost before it starts', () => {
    const spec = parseStudySpec(`pack: { series: 12, parallel: 2 }\nprotocol:\n  - { type: discharge, cRate: 1 }\n  - { type: rest, duration: 600 }\nrun: { samples: 200, chunkSize: 64 }\n`);
    const cost = checkStudyCost(spec, chen);
    // 1C: at most 3 h (3 x the time to move the capacity) = 1080 steps of 10 s; the rest 60 steps.
    expect(cost.steps).toEqual([
      { step: 0, maxDurationS: 3 * 3600, timeSteps: 1080 },
      { step: 1, maxDurationS: 600, timeSteps: 60 },
    ]);
    expect(cost.stepsPerPack).toBe(1140);
    expect(cost.cellSteps).toBe(200 * 24 * 1140);
    expect(cost.chunkMemoryBytes).toBeGreaterThan(64 * 24 * 20 * 8);
    expect(describeStudyCost(cost)).toMatch(/^200 packs x 24 cells x up to 1,140 time steps = up to 5\.47e\+6 cell-steps; about [\d.]+ MiB per chunk of 64 packs$/);
  });

  it("a chunk's memory estimate counts the model's parameters and states (the SPMe's electrolyte per cell)", () => {
    const text = (model: string, mesh = '') => `pack: { series: 12, parallel: 2 }\nsimulation: { model: ${model}${mesh} }\nrun: { samples: 200, chunkSize: 64 }\n`;
    const bytes = (t: string) => checkStudyCost(parseStudySpec(t), chen).chunkMemoryBytes;
    const perCell = (model: 'spm' | 'spme', mesh?: { negative: number; separator: number; positive: number }) =>
      (cellParameters(model).length + 4 * cellStateLength(10, model, mesh)) * 8;
    // Everything else in the estimate is the same for both models: the difference is the per-cell part, exactly.
    expect(bytes(text('spme')) - bytes(text('spm'))).toBe(64 * 24 * (perCell('spme') - perCell('spm')));
    // A finer electrolyte mesh costs 4 f64 per cell and added volume (the state and its three copies).
    const fine = ', electrolyteMesh: { negative: 20, separator: 4, positive: 20 }';
    expect(bytes(text('spme', fine)) - bytes(text('spme'))).toBe(64 * 24 * 4 * 8 * (44 - 26));
  });

  it('the library applies the same caps: runStudy throws the typed error before simulating', async () => {
    await expect(runStudy({ pack: { series: 100000, parallel: 10000 } }, { backend: 'reference' })).rejects.toBeInstanceOf(StudyLimitError);
    await expect(runStudy({ pack: { series: 2, parallel: 1 }, protocol: [{ type: 'rest', duration: 1e308 }] }, { backend: 'reference' })).rejects.toThrow('time steps per pack');
  });
});

describe('limits on the study text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-limits-'));
  const run = async (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    const c = captureIo();
    const out = join(dir, `out-${name}`);
    const code = await main(['run', path, '--out', out, '--quiet', '--backend', 'reference'], c.io);
    return { code, text: c.err.join('\n'), out };
  };

  it('a YAML alias bomb exits 2 with a one-line message, not an internal error', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${new Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n');
    const r = await run('bomb.yaml', `${bomb}\n`);
    expect(r.code).toBe(2);
    expect(r.text).toContain(`must not expand YAML aliases (*name) more than ${SPEC_TEXT_LIMITS.aliases} times`);
    expect(r.text).not.toContain('internal error');
    expect(existsSync(r.out)).toBe(false);
  });

  it('deep nesting and oversized files exit 2', async () => {
    const deep = await run('deep.yaml', `name: ${'['.repeat(100000)}${']'.repeat(100000)}\n`);
    expect(deep.code).toBe(2);
    expect(deep.text).toContain(`must not nest lists or mappings more than ${SPEC_TEXT_LIMITS.depth} deep`);
    const deepJson = await run('deep.json', `{"name": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(deepJson.code).toBe(2);
    const huge = await run('huge.yaml', `${PACK}protocol:\n  - { type: table, time: [0, 1], current: [1, 1] }\n# ${'x'.repeat(SPEC_TEXT_LIMITS.bytes)}\n`);
    expect(huge.code).toBe(2);
    expect(huge.text).toContain('must be at most 2 MiB of text');
    for (const r of [deep, deepJson, huge]) expect(r.text).not.toContain('internal error');
  });

  it('the cap errors are CellspreadInputErrors the CLI turns into exit 2 and nothing written', async () => {
    const r = await run('never.yaml', `${PACK}protocol:\n  - { type: rest, duration: 1.0e308 }\n`);
    expect(r.code).toBe(2);
    expect(r.text.split('\n')).toHaveLength(1);
    expect(existsSync(r.out) ? readdirSync(r.out) : []).toEqual([]);
    expect(new StudyLimitError(['x'], 'things', 2, 1, 'raise it')).toBeInstanceOf(CellspreadInputError);
    writeFileSync(join(dir, 'ok.yaml'), PACK);
    const flag = captureIo();
    expect(await main(['run', join(dir, 'ok.yaml'), '--samples', '100000000', '--quiet', '--out', join(dir, 'flag')], flag.io)).toBe(2);
    expect(flag.err.join('\n')).toContain('--samples must stay within the limit of 10,000,000 samples per run, got 100000000');
  });
});
