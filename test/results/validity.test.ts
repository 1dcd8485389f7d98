// Valid states only, the results side (issue 15): every pack's outputs are checked; invalid packs get a status and a
// reason, are counted and listed in the summary, the CLI and the report, and never enter the statistics.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, PACK_OUTPUT_NAMES, STOP_REASON } from '../../src/pack/outputs.ts';
import { getParameterSet } from '../../src/params/index.ts';
import { tableFromIPC } from 'apache-arrow';
import { parseSampleCsv } from '../../src/report/read.ts';
import { sampleTableArrow, sampleTableCsv, studyResultTable } from '../../src/results/table.ts';
import { monteCarloResult } from '../../src/study/samples.ts';
import { invalidPackReason, STOP_REASON_STATUS, stopReasonStatus, validityContext, type ValidityContext } from '../../src/results/validity.ts';
import { columnStatistics, outputStatistics } from '../../src/study/analysis.ts';
import { studyModel } from '../../src/study/job.ts';
import { runStudy } from '../../src/study/runner.ts';
import { parseStudySpec } from '../../src/spec/index.ts';
import { captureIo } from '../support/cli.ts';

const chen = getParameterSet('chen2020');

/** A plausible valid pack row of a 2s1p discharge, to be spoiled one field at a time. */
function row(edit: Partial<Record<(typeof PACK_OUTPUT_NAMES)[number], number>> = {}): Float64Array {
  const r = new Float64Array(PACK_OUTPUT_COUNT);
  const base = {
    capacityAh: 4.9, energyWh: 35, durationS: 3500, timeToFirstCutoffS: 3500, cutoffCell: 1, maxTemperatureK: 305, maxTemperatureSpreadK: 0.2,
    maxCurrentImbalance: 1, minCellVoltageV: 2.5, maxCellVoltageV: 4.2, finalSocSpread: 0.01, weldLossJ: 0, interconnectLossJ: 0, heatJ: 4000,
    finalPackVoltageV: 5.0, stopReason: STOP_REASON.cellLimit,
  };
  for (const [k, v] of Object.entries({ ...base, ...edit })) r[PACK_OUTPUT_INDEX[k as keyof typeof PACK_OUTPUT_INDEX]] = v;
  return r;
}

describe('invalidPackReason', () => {
  const spec = parseStudySpec('pack: { series: 2, parallel: 1 }\n');
  const ctx: ValidityContext = validityContext(chen, studyModel(spec).layout, studyModel(spec).segments);

  it('passes a plausible pack and names what is wrong with an impossible one', () => {
    expect(ctx).toMatchObject({ lowerVoltage: 2.5, upperVoltage: 4.2, dischargeOnly: true, chargeOnly: false });
    expect(invalidPackReason(row(), 0, ctx, 5.1)).toBeUndefined();
    expect(invalidPackReason(row({ minCellVoltageV: -4997 }), 0, ctx, 5.1)).toBe('minCellVoltageV = -4997 V: a cell voltage must stay above 0 V');
    expect(invalidPackReason(row({ minCellVoltageV: 1.98 }), 0, ctx, 5.1)).toContain("below the protocol's lowest voltage limit (2.5 V): a step ran past its limit");
    expect(invalidPackReason(row({ maxCellVoltageV: 4.38 }), 0, ctx, 5.1)).toContain("above the protocol's highest voltage limit (4.2 V)");
    expect(invalidPackReason(row({ energyWh: -18.5 }), 0, ctx, 5.1)).toBe('energyWh = -18.5 Wh is negative, but the protocol only discharges');
    expect(invalidPackReason(row({ energyWh: -185 }), 0, ctx, 5.1)).toBe('energyWh = -185 Wh is more than the cells can hold (43.044 Wh)');
    expect(invalidPackReason(row({ capacityAh: 253486 }), 0, ctx, 5.1)).toBe('capacityAh = 253486 Ah is more than the cells can hold (5.1 Ah)');
    expect(invalidPackReason(row({ maxTemperatureK: 1e-300 }), 0, ctx, 5.1)).toContain('outside the physical range');
    expect(invalidPackReason(row({ heatJ: NaN }), 0, ctx, 5.1)).toBe('heatJ is NaN: not a result');
    expect(invalidPackReason(row({ cutoffCell: 7 }), 0, ctx, 5.1)).toContain('is not a cell of the pack');
    expect(invalidPackReason(row({ stopReason: 99 }), 0, ctx, 5.1)).toBe('stopReason = 99 is not a stop reason any kernel defines');
  });

  it('every kernel stop reason says whether it ends a pack validly (a new one cannot pass silently)', () => {
    for (const [name, code] of Object.entries(STOP_REASON)) {
      expect(stopReasonStatus(code)?.name).toBe(name);
      expect(STOP_REASON_STATUS[name as keyof typeof STOP_REASON].description.length).toBeGreaterThan(5);
    }
    expect(stopReasonStatus(Math.max(...Object.values(STOP_REASON)) + 1)).toBeUndefined();
  });
});

describe('statistics of outputs with no finite values', () => {
  it('say so (count 0, null in JSON), never mean 0, sd 0', () => {
    const s = columnStatistics(Float64Array.from([NaN, NaN, Infinity]));
    expect(s.count).toBe(0);
    expect(JSON.parse(JSON.stringify(s))).toEqual({ count: 0, mean: null, sd: null, min: null, max: null, p05: null, p50: null, p95: null });
    expect(columnStatistics(Float64Array.from([2, NaN, 4]))).toMatchObject({ count: 2, mean: 3, min: 2, max: 4 });
  });
});

describe('impossible packs are results no more', () => {
  it('a 12s2p pack at 10C (the issue: -4997 V, -185 Wh): every pack now ends at its cut-off, valid, in the statistics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-valid-'));
    const study = join(dir, 'hot.yaml');
    writeFileSync(
      study,
      // The SPM: at 10C its cells go below 0 V (the SPMe's electrolyte depletes first and stops the pack, reason 4).
      'name: hot\npack: { series: 12, parallel: 2, modules: 3 }\nsimulation: { model: spm }\nprotocol:\n  - { type: discharge, cRate: 10 }\nvariation:\n  capacity: { scale: relative, cell: { distribution: normal, sd: 0.05 } }\nrun: { samples: 8, seed: 1, chunkSize: 4 }\n',
    );
    const out = join(dir, 'out');
    const c = captureIo();
    expect(await main(['run', study, '--out', out, '--backend', 'reference'], c.io), c.text()).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const table = parseSampleCsv(readFileSync(join(out, 'samples.csv'), 'utf8'));
    const col = (name: string) => table.data[table.columns.indexOf(name)];
    expect(summary.validity.invalidSamples).toBe(0);
    expect([...col('status')]).toEqual(new Array(8).fill(0));
    // The kernel reaches the cut-off in every pack (the reference before issue 15's kernel stops: 2 of these 8 below
    // -9,900 V, the others cut at up to 2.8 V).
    expect([...col('stopReason')]).toEqual(new Array(8).fill(STOP_REASON.cellLimit));
    for (const v of col('minCellVoltageV')) expect(Math.abs(v - 2.5)).toBeLessThan(1e-6);
    for (const e of col('energyWh')) expect(e).toBeGreaterThan(0);
    expect(summary.outputs.find((o: { name: string }) => o.name === 'minCellVoltageV').statistics.count).toBe(8);
    expect(c.out.join('\n')).not.toContain('INVALID packs');
  }, 120_000);

  it('packs whose voltage falls to 0 V (negative energy) stop there, are invalid, listed, and left out of the statistics, CLI and report', async () => {
    // A 2 x 0.26 Ohm interconnect at 10 A takes 5.2 V: the pack voltage reaches 0 V before a cell reaches 2.5 V unless
    // the cells' welds (varied) bring the cells to their cut-off first.
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-valid-'));
    const study = join(dir, 'drop.yaml');
    writeFileSync(
      study,
      'name: drop\npack: { series: 2, parallel: 1, interconnectResistance: 0.26 }\nprotocol:\n  - { type: discharge, cRate: 2 }\nvariation:\n  contactResistance: { scale: log, base: 0.02, cell: { distribution: lognormal, sd: 0.5 } }\nrun: { samples: 8, seed: 3, chunkSize: 4 }\n',
    );
    const out = join(dir, 'out');
    const c = captureIo();
    expect(await main(['run', study, '--out', out, '--backend', 'reference'], c.io), c.text()).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const table = parseSampleCsv(readFileSync(join(out, 'samples.csv'), 'utf8'));
    const col = (name: string) => table.data[table.columns.indexOf(name)];
    const status = col('status');
    const invalid = [...status.keys()].filter((i) => status[i] === 1);
    expect(invalid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeLessThan(8);
    expect(summary.validity.invalidSamples).toBe(invalid.length);
    expect(summary.validity.invalid.map((p: { sample: number }) => p.sample)).toEqual(invalid);
    // The kernel stopped each of them where the pack voltage reached 0 V: the values are the last valid state's.
    for (const i of invalid) {
      expect(col('stopReason')[i]).toBe(STOP_REASON.voltageOutOfRange);
      expect(col('finalPackVoltageV')[i]).toBeGreaterThan(0);
      expect(col('finalPackVoltageV')[i]).toBeLessThan(1e-6);
    }
    expect(summary.validity.invalid[0].reason).toBe(STOP_REASON_STATUS.voltageOutOfRange.description);
    // Statistics: over the valid packs only (an independent computation from the CSV).
    const valid = [...status.keys()].filter((i) => status[i] === 0);
    for (const i of valid) expect(col('stopReason')[i]).toBe(STOP_REASON.cellLimit);
    const v = valid.map((i) => col('finalPackVoltageV')[i]);
    const stats = summary.outputs.find((o: { name: string }) => o.name === 'finalPackVoltageV').statistics;
    expect(stats.count).toBe(valid.length);
    expect(stats.min).toBe(Math.min(...v));
    expect(stats.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / v.length, 12);
    expect(stats.min).toBeGreaterThan(0);
    // CLI and report say it.
    expect(c.out.join('\n')).toContain(`INVALID packs: ${invalid.length} of 8, left out of every statistic below`);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`${invalid.length} invalid pack`);
    expect(html).toContain('Invalid packs');
    expect(html).toContain('the pack at or below 0 V');
    // The same study run in memory (the library, the browser page): its samples.csv and samples.arrow are the CLI's,
    // status and reason columns included.
    const memory = studyResultTable(monteCarloResult(await runStudy(parseStudySpec(readFileSync(study, 'utf8'), { source: study }), { backend: 'reference' })));
    expect(sampleTableCsv(memory)).toBe(readFileSync(join(out, 'samples.csv'), 'utf8'));
    const arrow = (bytes: Uint8Array) => {
      const t = tableFromIPC(bytes);
      return t.schema.fields.map((f, i) => ({ name: f.name, type: String(f.type), values: Array.from({ length: t.numRows }, (_, r) => t.getChildAt(i)!.get(r)) }));
    };
    expect(arrow(sampleTableArrow(memory))).toEqual(arrow(readFileSync(join(out, 'samples.arrow'))));
  }, 120_000);

  it('a step that starts past its limit (SOC 0 then discharge; charging a full pack) ends at once: 0 Ah, valid, not 1.98 V or 4.34 V', async () => {
    const empty = await runStudy({ pack: { series: 2, parallel: 1 }, initial: { soc: 0 }, protocol: [{ type: 'discharge', cRate: 1 }], run: { samples: 2, chunkSize: 2 } }, { backend: 'reference' });
    expect(empty.invalid).toEqual([]);
    expect(empty.counts).toMatchObject({ samples: 2, validSamples: 2, invalidSamples: 0 });
    const O = PACK_OUTPUT_INDEX;
    for (let s = 0; s < 2; s++) {
      expect(empty.outputs[s * PACK_OUTPUT_COUNT + O.capacityAh]).toBe(0);
      expect(empty.outputs[s * PACK_OUTPUT_COUNT + O.stopReason]).toBe(STOP_REASON.cellLimit);
      expect(empty.outputs[s * PACK_OUTPUT_COUNT + O.minCellVoltageV]).toBeGreaterThan(2.5 - 1e-9);
    }
    const full = await runStudy({ pack: { series: 2, parallel: 1 }, protocol: [{ type: 'charge', cRate: 1 }], run: { samples: 2, chunkSize: 2 } }, { backend: 'reference' });
    expect(full.invalid).toEqual([]);
    expect(full.outputs[O.capacityAh]).toBe(0);
    expect(full.outputs[O.maxCellVoltageV]).toBeLessThan(4.2 + 1e-9);
    // Their statistics are made of them (0 Ah is the answer).
    const stats = outputStatistics(empty.outputs, empty.invalid);
    expect(stats.find((o) => o.name === 'capacityAh')!.statistics).toMatchObject({ count: 2, mean: 0 });
  });

  it('ordinary multi-step protocols stay valid', async () => {
    for (const protocol of [
      [{ type: 'discharge', cRate: 1 }, { type: 'rest', duration: 600 }, { type: 'discharge', cRate: 1 }],
      [{ type: 'discharge', cRate: 1 }, { type: 'cccv', cRate: 1 }, { type: 'rest', duration: 600 }, { type: 'discharge', cRate: 2 }],
    ]) {
      const r = await runStudy(
        { pack: { series: 2, parallel: 2 }, initial: { soc: 0.9 }, protocol, variation: { capacity: { cell: { distribution: 'normal', sd: 0.01 } } }, run: { samples: 4, chunkSize: 4 } },
        { backend: 'reference' },
      );
      expect(r.invalid).toEqual([]);
    }
  });
});
