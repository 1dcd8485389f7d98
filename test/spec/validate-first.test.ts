// Validate everything before simulating (issue 15): analysis, voltage limits against the parameter set, physical
// temperatures; the spec hash split so that changing only the analysis reuses the chunks.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { PACK_OUTPUT_INDEX, STOP_REASON } from '../../src/pack/outputs.ts';
import { analysisHash, parseStudySpec, simulationHash, studyHash, StudySpecError } from '../../src/spec/index.ts';
import { runStudy } from '../../src/study/runner.ts';
import { captureIo } from '../support/cli.ts';

const PACK = 'pack: { series: 2, parallel: 1 }\n';

function message(text: string): string {
  try {
    parseStudySpec(text, { source: 's.yaml' });
  } catch (e) {
    expect(e).toBeInstanceOf(StudySpecError);
    return (e as Error).message;
  }
  throw new Error('expected a StudySpecError');
}

describe('voltage limits inside the parameter set window', () => {
  it('refuses charge and CV limits above the set maximum and discharge limits below its minimum', () => {
    expect(message(`${PACK}protocol:\n  - { type: charge, cRate: 1, cutoffVoltage: 4.3 }\n`)).toBe(
      's.yaml:3:46: protocol[0].cutoffVoltage must be <= 4.2 V, the upper voltage limit of the parameter set, got 4.3 (parameter set chen2020 is defined for 2.5-4.2 V per cell)',
    );
    expect(message(`${PACK}protocol:\n  - { type: cccv, cRate: 1, voltage: 4.25 }\n`)).toContain('protocol[0].voltage must be <= 4.2 V');
    expect(message(`${PACK}protocol:\n  - { type: discharge, cRate: 1, cutoffVoltage: 2.0 }\n`)).toContain('protocol[0].cutoffVoltage must be >= 2.5 V, the lower voltage limit');
    expect(message(`${PACK}protocol:\n  - { type: table, time: [0, 10], current: [1, -1], upperCutoff: 4.5 }\n`)).toContain('protocol[0].upperCutoff must be <= 4.2 V');
    expect(message(`${PACK}protocol:\n  - { type: table, time: [0, 10], current: [1, -1], lowerCutoff: 1.5 }\n`)).toContain('protocol[0].lowerCutoff must be >= 2.5 V');
    // Limits inside the window are fine.
    expect(() => parseStudySpec(`${PACK}protocol:\n  - { type: discharge, cRate: 1, cutoffVoltage: 3.0 }\n  - { type: cccv, cRate: 1, voltage: 4.1 }\n`)).not.toThrow();
  });

  for (const backend of ['reference', 'wasm']) {
    it(`kernel (${backend}): a step whose limit is already crossed at its start ends at once with 0 Ah and its stop reason (SOC 0 then discharge; charging a full pack)`, async () => {
      const O = PACK_OUTPUT_INDEX;
      const at = (r: { outputs: Float64Array }, name: keyof typeof O) => r.outputs[O[name]];
      // SOC 0: the discharge ends at once (a valid cut-off), the charge after it runs its 300 s.
      const empty = await runStudy(
        { pack: { series: 2, parallel: 1 }, initial: { soc: 0 }, protocol: [{ type: 'discharge', cRate: 1 }, { type: 'charge', cRate: 1, duration: 300 }], run: { samples: 1 } },
        { backend },
      );
      expect(empty.invalid).toEqual([]);
      expect(at(empty, 'durationS')).toBeCloseTo(300, 6);
      expect(at(empty, 'capacityAh')).toBeCloseTo((-5 * 300) / 3600, 9);
      expect(at(empty, 'stopReason')).toBe(STOP_REASON.cellLimit);
      expect(at(empty, 'timeToFirstCutoffS')).toBe(0);
      expect(at(empty, 'minCellVoltageV')).toBeGreaterThan(2.5 - 1e-9);
      // A full pack: the charge ends at once with 0 Ah and no voltage above the limit.
      const full = await runStudy({ pack: { series: 2, parallel: 1 }, protocol: [{ type: 'charge', cRate: 1 }], run: { samples: 1 } }, { backend });
      expect(full.invalid).toEqual([]);
      expect([at(full, 'capacityAh'), at(full, 'energyWh'), at(full, 'durationS'), at(full, 'stopReason')]).toEqual([0, 0, 0, STOP_REASON.cellLimit]);
      expect(at(full, 'maxCellVoltageV')).toBeLessThan(4.2 + 1e-9);
    });
  }
});

describe('physical temperatures', () => {
  it('refuses ambient and initial temperatures outside -100 to 200 degC (kelvin)', () => {
    expect(message('pack: { series: 2, parallel: 1, ambientTemperature: 1.0e-300 }\n')).toContain('pack.ambientTemperature must be a temperature in [173.15, 473.15] K (-100 to 200 degC), got 1e-300');
    expect(message(`${PACK}initial: { temperature: 25 }\n`)).toContain('initial.temperature must be a temperature in [173.15, 473.15] K');
  });
});

describe('the analysis is validated before anything is simulated', () => {
  it('an unknown output in analysis fails at once, naming the closest output, and writes nothing', async () => {
    expect(message(`${PACK}analysis:\n  tail: [ { output: maxTemperature, limit: 320, tail: upper } ]\n`)).toContain(
      'analysis.tail[0].output must name a pack output, got "maxTemperature" (did you mean "maxTemperatureK"',
    );
    expect(message(`${PACK}variation:\n  capacity: { cell: { distribution: normal, sd: 0.01 } }\nanalysis:\n  sensitivity: { outputs: [capacity] }\n`)).toContain(
      'analysis.sensitivity.outputs[0] must name a pack output',
    );
    expect(message(`${PACK}analysis:\n  sensitivity: { outputs: [capacityAh] }\n`)).toContain('analysis.sensitivity needs at least one random quantity (under variation or epistemic)');
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-first-'));
    writeFileSync(join(dir, 's.yaml'), `${PACK}run: { samples: 4 }\nanalysis:\n  tail: [ { output: maxTemp, limit: 320, tail: upper } ]\n`);
    const c = captureIo();
    const t0 = performance.now();
    expect(await main(['run', join(dir, 's.yaml'), '--out', join(dir, 'out'), '--backend', 'reference', '--quiet'], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/s\.yaml:4:\d+: analysis\.tail\[0\]\.output must name a pack output/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});

describe('the spec hash is split into simulation and analysis', () => {
  const base = `name: split\n${PACK}protocol:\n  - { type: discharge, cRate: 2 }\nvariation:\n  capacity: { cell: { distribution: normal, sd: 0.01 } }\nrun: { samples: 6, seed: 2, chunkSize: 2 }\n`;

  it('name, analysis and limits do not decide the samples; everything else does', () => {
    const a = parseStudySpec(base);
    const b = parseStudySpec(`${base.replace('name: split', 'name: other')}analysis:\n  tail: [ { output: capacityAh, limit: 4.9, tail: lower } ]\nlimits: { samples: 20000000 }\n`);
    expect(simulationHash(b)).toBe(simulationHash(a));
    expect(analysisHash(b)).not.toBe(analysisHash(a));
    expect(studyHash(b)).not.toBe(studyHash(a));
    expect(simulationHash(parseStudySpec(base.replace('seed: 2', 'seed: 3')))).not.toBe(simulationHash(a));
    expect(simulationHash(parseStudySpec(base.replace('cRate: 2', 'cRate: 1')))).not.toBe(simulationHash(a));
  });

  it('changing only the analysis resumes: the chunks are reused as they are and the analysis reruns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-split-'));
    const study = join(dir, 's.yaml');
    const out = join(dir, 'out');
    writeFileSync(study, base);
    const args = ['run', study, '--out', out, '--backend', 'reference', '--quiet', '--no-report'];
    expect(await main(args, captureIo().io)).toBe(0);
    const chunkFiles = readdirSync(join(out, 'chunks'));
    const before = Object.fromEntries(chunkFiles.map((f) => [f, { text: readFileSync(join(out, 'chunks', f), 'utf8'), mtime: statSync(join(out, 'chunks', f)).mtimeMs }]));
    const first = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(first.tail).toEqual([]);
    writeFileSync(study, `${base}analysis:\n  tail: [ { output: capacityAh, limit: 4.9, tail: lower } ]\n`);
    const c = captureIo();
    expect(await main([...args, '--resume'], c.io), c.text()).toBe(0);
    const second = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(second.tail).toHaveLength(1);
    expect(second.tail[0].output).toBe('capacityAh');
    expect(second.simulationHash).toBe(first.simulationHash);
    expect(second.analysisHash).not.toBe(first.analysisHash);
    expect(second.outputs).toEqual(first.outputs);
    for (const f of chunkFiles) {
      expect(readFileSync(join(out, 'chunks', f), 'utf8')).toBe(before[f].text);
      expect(statSync(join(out, 'chunks', f)).mtimeMs).toBe(before[f].mtime); // not re-simulated
    }
    // A change to the simulation still refuses to resume.
    writeFileSync(study, base.replace('seed: 2', 'seed: 5'));
    const refused = captureIo();
    expect(await main([...args, '--resume'], refused.io)).toBe(2);
    expect(refused.err.join('\n')).toContain('differs in the simulation');
  });
});
