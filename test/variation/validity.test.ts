// Valid cells only (issue 15): every sampled cell is checked after mapping, before anything is simulated; the first
// violation names the quantity, the level, the sample, the cell and the value, and says how to bound the distribution.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { parseStudySpec, StudySpecError } from '../../src/spec/index.ts';
import { runStudy } from '../../src/study/runner.ts';
import { checkSampledCells, sampleChunk } from '../../src/variation/index.ts';
import { captureIo } from '../support/cli.ts';

const PACK = 'pack: { series: 2, parallel: 2 }\nrun: { samples: 40, chunkSize: 4 }\n';

function firstViolation(variation: string): StudySpecError {
  const spec = parseStudySpec(`${PACK}variation:\n${variation}`);
  try {
    checkSampledCells(spec, 0, spec.run.samples);
  } catch (e) {
    expect(e).toBeInstanceOf(StudySpecError);
    // Deriving the kernels (what a chunk does before it is simulated) stops at the same cell.
    expect(() => sampleChunk(spec, 0, spec.run.samples)).toThrow((e as Error).message);
    return e as StudySpecError;
  }
  throw new Error('expected an invalid cell');
}

describe('every sampled cell is checked', () => {
  it('a relative capacity sd of 2 gives negative capacities: refused, naming quantity, level, sample, cell and value', () => {
    const e = firstViolation('  capacity: { scale: relative, cell: { distribution: normal, sd: 2 } }\n');
    expect(e.path).toEqual(['variation', 'capacity', 'cell']);
    expect(e.message).toMatch(/^variation\.capacity\.cell must keep every cell's capacity > 0 Ah \(sample 0, cell 0\), got -10\.4299/);
    expect(e.message).toContain('normal can reach values the cell cannot have: bound the draw with truncatedNormal (min/max) or uniform');
    expect(e.message).toContain('or use scale: log');
    expect(e.message).toContain('its cell-level draw is -3.086 on the relative scale');
  });

  it('porosity outside (0, 1) is refused and blamed on the level that pushed it out', () => {
    const e = firstViolation('  porosity.negative: { scale: additive, pack: { distribution: normal, sd: 0.3 }, cell: { distribution: normal, sd: 0.001 } }\n');
    expect(e.path).toEqual(['variation', 'porosity.negative', 'pack']);
    expect(e.message).toMatch(/porosity\.negative in \(0, 1\) \(sample \d+, cell 0\), got -0\.\d+/);
    expect(e.message).toContain('its pack-level draw is');
  });

  it('an open-circuit weld (8.9e24 Ohm from a Pareto factor) is refused, not simulated', () => {
    const e = firstViolation(
      '  contactResistance: { scale: log, base: 2.0e-4, cell: { distribution: defectMixture, probability: 0.5, base: { distribution: lognormal, sd: 0.1 }, factor: { distribution: pareto, alpha: 0.02, min: 2 } } }\n',
    );
    expect(e.message).toMatch(/variation\.contactResistance\.cell must keep every cell's contactResistance in \[0, 1000\] Ohm \(sample \d+, cell \d\), got \d/);
    expect(e.message).toContain('defectMixture can reach values the cell cannot have');
  });

  it('an initial SOC outside [0, 1] is an error, never clipped silently', () => {
    const e = firstViolation('  initialSoc: { cell: { distribution: normal, sd: 0.01 } }\n');
    expect(e.message).toContain("variation.initialSoc.cell must keep every cell's initialSoc in [0, 1]");
    // Bounded as the message says, the same study is valid.
    const spec = parseStudySpec(`${PACK}variation:\n  initialSoc: { cell: { distribution: truncatedNormal, sd: 0.01, max: 0 } }\n`);
    expect(() => checkSampledCells(spec, 0, 40)).not.toThrow();
    const ch = sampleChunk(spec, 0, 40);
    expect(Math.max(...ch.initialSoc)).toBeLessThanOrEqual(1);
  });

  it('derived parameters are checked too: a lithium inventory the electrodes cannot hold names the sample and cell', () => {
    const spec = parseStudySpec(`${PACK}variation:\n  lithiumInventory: { cell: { distribution: uniform, min: 0.5, max: 3 } }\n`);
    expect(() => checkSampledCells(spec, 0, 40)).not.toThrow(); // inside its own range (> 0) ...
    expect(() => sampleChunk(spec, 0, 40)).toThrow(/^variation must give physical cells \(sample \d+, cell \d\), got "lithiumInventory must fit both electrodes/); // ... but not a cell
    // The hint lists the inputs that cell changed: the lithium factor alone (not the tortuosities no override gives).
    expect(() => sampleChunk(spec, 0, 40)).toThrow(/changed inputs \{"lithiumInventoryFactor":[0-9.e+-]+\}/);
  });

  it('the check runs before anything is simulated: a bad cell late in the run leaves no chunk behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-cells-'));
    const study = join(dir, 's.yaml');
    // About one pack in 50 has a weld defect with an unbounded factor: the first one is well past the first chunks.
    writeFileSync(
      study,
      `${PACK}variation:\n  contactResistance: { scale: log, base: 2.0e-4, cell: { distribution: defectMixture, probability: 0.01, base: { distribution: lognormal, sd: 0.1 }, factor: { distribution: pareto, alpha: 0.01, min: 2 } } }\n`,
    );
    const c = captureIo();
    const out = join(dir, 'out');
    expect(await main(['run', study, '--out', out, '--backend', 'reference', '--quiet'], c.io)).toBe(2);
    const m = /\(sample (\d+), cell \d\)/.exec(c.err.join('\n'));
    expect(m, c.text()).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(8); // at least two chunks of 4 would have been simulated otherwise
    expect(existsSync(join(out, 'chunks')) ? readdirSync(join(out, 'chunks')) : []).toEqual([]);
    // The library refuses the same way.
    await expect(runStudy(parseStudySpec(`${PACK}variation:\n  capacity: { scale: relative, cell: { distribution: normal, sd: 2 } }\n`), { backend: 'reference' })).rejects.toBeInstanceOf(StudySpecError);
  });
});
