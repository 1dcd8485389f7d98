import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli.ts';
import { referenceCurve, referenceScalars, voltageDistance } from '../support/pybammReference.ts';

const capture = captureIo;

describe('cellspread cell', () => {
  it('writes the curve CSV and prints the JSON summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-'));
    const csv = join(dir, 'curve.csv');
    const c = capture();
    const code = await main(['cell', '--params', 'chen2020', '--c-rate', '1', '--thermal', 'lumped', '--soc', '1', '--ambient', '298.15', '--out', csv, '--json'], c.io);
    expect(code).toBe(0);
    const summary = JSON.parse(c.out.join('\n'));
    expect(summary.capacityAh).toBeGreaterThan(4.9);
    expect(summary.durationS).toBeCloseTo((summary.capacityAh * 3600) / 5, 6);
    expect(summary.maxTemperatureK).toBeGreaterThanOrEqual(summary.finalTemperatureK);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['time_s', 'voltage_V', 'current_A']);
    expect(header).toContain('temperature_K');
    const last = lines[lines.length - 1].split(',').map(Number);
    expect(last[header.indexOf('time_s')]).toBeCloseTo(summary.durationS, 6);
    expect(last[header.indexOf('voltage_V')]).toBeCloseTo(2.5, 9);
    expect(last[header.indexOf('temperature_K')]).toBeCloseTo(summary.finalTemperatureK, 9);
  });

  for (const [name, rate] of [['spme_chen2020_1C_lumped', '1'], ['spme_chen2020_2C_lumped', '2']] as const) {
    it(`--model spme meets the PyBaMM SPMe targets (${name}): capacity, voltage RMS, final temperature, every heat term`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cellspread-'));
      const csv = join(dir, 'curve.csv');
      const c = capture();
      expect(await main(['cell', '--model', 'spme', '--c-rate', rate, '--out', csv, '--json'], c.io)).toBe(0);
      const s = JSON.parse(c.out.join('\n'));
      const ref = referenceScalars(name);
      const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
      expect(s.model).toBe('spme');
      expect(s.endReason).toBe('voltage-cutoff');
      expect(Math.abs(s.capacityAh / ref.capacityAh - 1)).toBeLessThan(1e-3);
      expect(voltageDistance(rows.map((r) => r[0]), rows.map((r) => r[1]), referenceCurve(name)).rms).toBeLessThan(3e-3);
      expect(Math.abs(s.finalTemperatureK - ref.finalTemperatureK)).toBeLessThan(0.2);
      expect(Math.abs(s.heatTermsJ.ohmicElectrolyte / ref.ohmicElectrolyteHeatJ - 1)).toBeLessThan(0.01);
      expect(Math.abs(s.heatTermsJ.ohmicSolid / ref.ohmicSolidHeatJ - 1)).toBeLessThan(0.01);
      expect(Math.abs(s.heatTermsJ.collector / ref.ohmicCurrentCollectorHeatJ - 1)).toBeLessThan(0.01);
      expect(Math.abs(s.heatTermsJ.irreversible / ref.irreversibleHeatJ - 1)).toBeLessThan(0.01);
      expect(Math.abs(s.heatJ / ref.totalHeatJ - 1)).toBeLessThan(0.01);
    });
  }

  it('--model spme stops at electrolyte depletion (2.5C) and says so', async () => {
    const c = capture();
    expect(await main(['cell', '--model', 'spme', '--c-rate', '2.5'], c.io)).toBe(0);
    const text = c.out.join('\n');
    expect(text).toContain('(electrolyte-depleted)');
    expect(text).toContain('lowest c_e      1.0 % of the initial');
    expect(text).toMatch(/heat {12}\d+\.\d J: irreversible \d+\.\d, reversible 0\.0, electrolyte Ohmic \d+\.\d, solid Ohmic \d+\.\d, collectors/);
  });

  it('isothermal keeps the ambient temperature', async () => {
    const c = capture();
    expect(await main(['cell', '--thermal', 'isothermal', '--ambient', '283.15', '--json'], c.io)).toBe(0);
    const s = JSON.parse(c.out.join('\n'));
    expect(s.finalTemperatureK).toBe(283.15);
    expect(s.maxTemperatureK).toBe(283.15);
  });

  for (const [args, message] of [
    [['--params', 'chen2021'], '--params must be a known name, got "chen2021" (did you mean "chen2020"?)'],
    [['--c-rate', '-1'], '--c-rate must be a number > 0, got -1'],
    [['--soc', '1.2'], '--soc must be a number >= 0 and <= 1, got 1.2'],
    [['--thermal', 'lumpy'], '--thermal must be one of lumped, isothermal, got "lumpy"'],
    [['--model', 'dfn'], '--model must be one of spm, spme, got "dfn"'],
    [['--cutoff', '0.5'], '--cutoff can never be reached'],
    [['--soc', '0'], '--cutoff must be below the voltage at the start of the discharge'],
    [['--bogus'], "Unknown option '--bogus'"],
  ] as const) {
    it(`rejects ${args.join(' ')} with a clear message and exit code 2`, async () => {
      const c = capture();
      expect(await main(['cell', ...args], c.io)).toBe(2);
      expect(c.err.join('\n')).toContain(message);
    });
  }

  it('works as `npx cellspread` through the bin entry, with a non-zero exit on bad input', () => {
    const bin = join(process.cwd(), 'bin', 'cellspread.mjs');
    const ok = execFileSync(process.execPath, [bin, 'cell', '--c-rate', '2', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(ok).capacityAh).toBeGreaterThan(4.5);
    const bad = spawnSync(process.execPath, [bin, 'cell', '--c-rate', '-1'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--c-rate must be a number > 0, got -1');
  });
});
