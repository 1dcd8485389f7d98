import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runReportCommand } from '../../src/cli/report.ts';
import { CellspreadInputError } from '../../src/errors.ts';
import { columnForFactor, escapeHtml, parseSampleCsv, readResultsFolder, renderReport, writeReport } from '../../src/report/index.ts';
import { formatProbability } from '../../src/study/headline.ts';
import type { SensitivitySummary } from '../../src/results/format.ts';
import { epistemicTailSummary } from '../../src/tail/index.ts';
import { SpilledTable } from '../../src/report/spill.ts';
import { PACK_OUTPUT_COUNT } from '../../src/pack/outputs.ts';
import { makeResults, writeResultsFolder } from './fixture.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('readResultsFolder', () => {
  it('reads summary.json and samples.arrow, and falls back to samples.csv with the same table', () => {
    const dir = writeResultsFolder({ samples: 300 });
    const a = readResultsFolder(dir);
    expect(a.summary.name).toBe('weld-spread-6s2p');
    expect(a.table.columns[0]).toBe('sample');
    expect(a.table.columns).toContain('contactResistance@cell:max');
    expect(a.table.data[0].length).toBe(300);
    rmSync(join(dir, 'samples.arrow'));
    const c = readResultsFolder(dir);
    expect(c.table.columns).toEqual(a.table.columns);
    for (let j = 0; j < a.table.columns.length; j++) expect(Array.from(c.table.data[j])).toEqual(Array.from(a.table.data[j]));
  });

  it('names the folder and the missing file', () => {
    const missing = join(tmpdir(), 'cellspread-no-such-results-folder');
    expect(() => readResultsFolder(missing)).toThrow(CellspreadInputError);
    expect(() => readResultsFolder(missing)).toThrow(/results folder does not exist.*cellspread-no-such-results-folder/);
    const empty = mkdtempSync(join(tmpdir(), 'cellspread-empty-'));
    expect(() => readResultsFolder(empty)).toThrow(new RegExp(`has no summary\\.json, got "${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
    const noTable = writeResultsFolder({ samples: 50, arrow: false, csv: false });
    expect(() => readResultsFolder(noTable)).toThrow(/has neither samples\.arrow nor samples\.csv/);
    writeFileSync(join(empty, 'summary.json'), '{ not json');
    expect(() => readResultsFolder(empty)).toThrow(/unreadable summary\.json/);
  });

  it('parses quoted CSV headers and empty cells', () => {
    const t = parseSampleCsv('sample,"a,b","c""d"\n0,1.5,\n1,NaN,2\n');
    expect(t.columns).toEqual(['sample', 'a,b', 'c"d']);
    expect(Array.from(t.data[1])).toEqual([1.5, NaN]);
    expect(Array.from(t.data[2])).toEqual([NaN, 2]);
  });
});

describe('renderReport', () => {
  it('omits missing sections with a short note instead of failing', async () => {
    const { summary, table } = makeResults({ samples: 200, tail: false, sensitivity: false, worstPack: false });
    const html = await renderReport(summary, table);
    expect(html).toContain('No tail analysis in this run');
    expect(html).toContain('No sensitivity analysis in this run');
    expect(html).toContain('No worst-pack map in this run');
    // Without sensitivity and tail, the scatter falls back to the input most correlated with the first output.
    expect(html).toContain('showing the input most correlated with capacityAh');
  });

  it('survives malformed entries and an empty table', async () => {
    const { summary } = makeResults({ samples: 120 });
    const broken = {
      ...summary,
      tail: [{ nonsense: true }],
      sensitivity: [42],
      worstPack: { ...summary.worstPack!, cellMaxTemperatureK: [1, 2] },
      timings: undefined as unknown as typeof summary.timings,
    };
    const html = await renderReport(broken, { columns: [], data: [] });
    expect(html).toContain('could not be read');
    expect(html).toContain('malformed');
    expect(html).toContain('The sample table is empty');
    expect(html).not.toMatch(/<script/i);
  });

  it('is self-contained: no external references, a CSP that allows only its own style sheet (by hash)', async () => {
    const { summary, table } = makeResults({ samples: 400 });
    const html = await renderReport(summary, table);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|<link|<img|@import|src=|style="|https?:\/\/(?!www\.w3\.org)/i);
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    const hash = createHash('sha256').update(css, 'utf8').digest('base64');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'">`);
    expect(html.match(/<style>/g)).toHaveLength(1);
    // Vega charts: 21 histograms (maxCellVoltageV is one value in every pack: a line, not a chart), 2 exceedance
    // curves, 2 dominant-factor plots, the heat breakdown, 3 cell maps; and the sensitivity bars (3 factors x 2
    // indices + 3 Shapley).
    expect(html.match(/<svg xmlns=/g)).toHaveLength(PACK_OUTPUT_COUNT - 1 + 2 + 2 + 1 + 3);
    expect(html.match(/<svg class="bar/g)).toHaveLength(9);
    expect(html).toMatch(/<strong>maxCellVoltageV<\/strong> = 4\.2 V in all 400 packs, spread 8\.9e-16 \(rounding\)/);
  });

  it('splits the heat by source over all packs and the hottest 5 %, the terms adding up to heatJ', async () => {
    const { summary, table } = makeResults({ samples: 400 });
    const html = await renderReport(summary, table);
    const section = /<section id="heat">([\s\S]*?)<\/section>/.exec(html)![1];
    expect(section).toContain('Heat by source, mean per pack');
    for (const term of ['irreversible', 'reversible', 'electrolyte Ohmic', 'solid Ohmic', 'collectors', 'contact (welds)']) expect(section).toContain(term);
    expect(section).toContain('hottest 5 %');
    // The terms' means add up to the heat's (the caption states both).
    const [, heat, terms] = /mean ([\d.]+) kJ, terms ([\d.]+) kJ/.exec(section)!;
    expect(Number(terms)).toBeCloseTo(Number(heat), 3);
    // The fixture's electrolyte share grows with the temperature: larger among the hottest packs.
    const row = /electrolyte Ohmic<\/td><td>[^<]+<\/td><td>[^<]+<\/td><td>([\d.]+) %<\/td><td>[\d.]+ \(([\d.]+) %\)/.exec(section)!;
    expect(Number(row[2])).toBeGreaterThan(Number(row[1]));
    expect(html.indexOf('id="heat"')).toBeGreaterThan(html.indexOf('id="dominant"'));
    // An SPM run says that its electrolyte and solid terms are 0 by the model, not by the cells.
    const spm = await renderReport({ ...summary, spec: { ...(summary.spec as object), simulation: { model: 'spm' } } }, table);
    expect(spm).toContain('This study ran the SPM, which has no electrolyte or solid-phase Ohmic heat');
    // With SEI growth the solid-phase term carries the film's Joule heat (unless simulation.filmHeat is false).
    const withSei = async (simulation: object) =>
      /<section id="heat">([\s\S]*?)<\/section>/.exec(await renderReport({ ...summary, spec: { ...(summary.spec as object), simulation } }, table))![1];
    expect(await withSei({ model: 'spm', sei: 'solvent-diffusion limited' })).toContain('its solid-phase term is the SEI film&#39;s Joule heat alone');
    expect(await withSei({ model: 'spme', sei: 'reaction limited' })).toContain('The solid-phase Ohmic term includes the SEI film&#39;s Joule heat.');
    const noFilm = await withSei({ model: 'spme', sei: 'reaction limited', filmHeat: false });
    expect(noFilm).not.toContain('Joule heat');
    expect(await withSei({ model: 'spm', sei: 'reaction limited', filmHeat: false })).toContain('This study ran the SPM, which has no electrolyte or solid-phase Ohmic heat');
  });

  it('opens with the headline: the stored strings, in the order the CLI prints them', async () => {
    const { summary, table } = makeResults({ samples: 600 });
    const html = await renderReport(summary, table);
    const h = summary.headline!;
    expect(html.indexOf('<section id="headline">')).toBeLessThan(html.indexOf('<section'.concat(' id="tail"')));
    expect(html.indexOf('<section id="headline">')).toBe(html.indexOf('<section'));
    const headline = html.slice(html.indexOf('<section id="headline">'), html.indexOf('<section id="tail">'));
    const text = headline.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    let at = 0;
    for (const l of h.limits) {
      for (const part of [l.title, l.statement, l.verdictText, l.how]) {
        const i = text.indexOf(part, at);
        expect(i, part).toBeGreaterThanOrEqual(at);
        at = i;
      }
    }
    // The fixture's temperature limit: target 5 %, and the minimum voltage limit: target 1e-4.
    expect(h.limits.map((l) => l.target)).toEqual([0.05, 1e-4]);
    expect(headline).toContain('class="limit misses"');
    for (const f of h.drivers[0].top) expect(text).toContain(f.factor);
    expect(headline).not.toContain('rebuilt');
  });

  it('shows a limit\'s further bands under its statement', async () => {
    const { summary, table } = makeResults({ samples: 200, sensitivity: false });
    summary.headline!.limits[0].bands = [{ label: 'epistemic median and 90 % band', estimate: 0.011, lower: 0.004, upper: 0.025 }];
    const html = await renderReport(summary, table);
    expect(html).toMatch(/<p class="statement">.*?<\/p><p class="band">epistemic median and 90 % band: 1\.1 % \[0\.4 %, 2\.5 %\]<\/p>/);
  });

  it('rebuilds the headline of results written before it existed, and says so', async () => {
    const stored = makeResults({ samples: 300 });
    const old = makeResults({ samples: 300, headline: false });
    const html = await renderReport(old.summary, old.table);
    expect(html).toContain('it is rebuilt here from the tail and sensitivity entries');
    const text = html.replace(/<[^>]+>/g, '');
    for (const l of stored.summary.headline!.limits) expect(text).toContain(l.statement);
  });

  it('escapes names in the raw HTML', async () => {
    const { summary, table } = makeResults({ samples: 150, name: '<script>alert(1)</script>', renameOutputs: { maxTemperatureK: 'x<b>y' } });
    const html = await renderReport(summary, table);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml(`"'<&>`)).toBe('&quot;&#39;&lt;&amp;&gt;');
  });
});

describe('renderReport: what we do not know (two-level studies)', () => {
  it('states the pooled probability, the band and the quantity to measure first, with two charts, names escaped', async () => {
    const { summary, table } = makeResults({ samples: 150 });
    // Outer draws theta_e of a quantity whose name needs escaping; the limit splits the packs of most draws.
    const E = 30;
    const I = 50;
    const theta = Array.from({ length: E }, (_, e) => -1 + (2 * e) / (E - 1));
    const values = new Float64Array(E * I);
    for (let e = 0; e < E; e++) for (let i = 0; i < I; i++) values[e * I + i] = 310 + 3 * theta[e] + 2 * ((i + 0.5) / I - 0.5);
    const epistemic = epistemicTailSummary(values, { limit: 311, outer: E, inner: I, output: 'maxTemperatureK', quantities: [{ name: 'h<i>x</i>', values: theta }] });
    const tail = [{ ...(summary.tail[0] as object), epistemic }];
    const html = await renderReport({ ...summary, tail, epistemic: { outer: E, inner: I, quantities: [{ name: 'h<i>x</i>', values: theta }] } }, table);
    const section = html.slice(html.indexOf('<section id="epistemic">'), html.indexOf('</section>', html.indexOf('<section id="epistemic">')));
    expect(section).toContain('What we do not know');
    expect(section).toContain(`P(maxTemperatureK &gt; 311) = ${formatProbability(epistemic.pooled.estimate, epistemic.pooled.upper)} pooled over what we do not know`);
    expect(section).toContain(`between ${formatProbability(epistemic.lower.estimate, epistemic.upper.estimate)} and ${formatProbability(epistemic.upper.estimate)} (90 % band)`);
    expect(section).toContain('measure first: h&lt;i&gt;x&lt;/i&gt;');
    expect(section).not.toContain('<i>');
    expect((section.match(/<svg/g) ?? []).length).toBe(2);
    // The tail section says it too, and quotes the two-level estimate where the summary recommends it.
    expect(html).toContain('given what we do not know');
    const plain = await renderReport(summary, table);
    expect(plain).not.toContain('<section id="epistemic">');
  });
});

describe('renderReport: second-order indices and failed analyses', () => {
  it('lists second-order pairs with intervals, and says why an output has no indices', async () => {
    const { summary, table } = makeResults({ samples: 150 });
    const [first] = summary.sensitivity as SensitivitySummary[];
    const second = [
      { factors: ['cell-level <capacity>', 'pack-level h'] as [string, string], index: 0.0521, ci: [0.031, 0.074] as [number, number] },
      { factors: ['cell-level <capacity>', 'module-level x'] as [string, string], index: 0.002, ci: [-0.01, 0.012] as [number, number] },
    ];
    const failed = { output: 'capacityAh', method: 'sobol' as const, factors: first.factors, evaluations: 64, statements: [], error: 'model output for sample 3 of matrix A (design row 12) must be a finite number, got NaN' };
    const html = await renderReport({ ...summary, sensitivity: [{ ...first, second }, failed] }, table);
    expect(html).toContain('<th>pair (second-order interaction)</th>');
    expect(html).toContain('<td>cell-level &lt;capacity&gt; × pack-level h</td><td>0.0521</td><td>[0.031, 0.074]</td>');
    expect(html).toContain('No indices: model output for sample 3 of matrix A (design row 12) must be a finite number, got NaN');
  });
});

describe('columnForFactor', () => {
  const cols = ['contactResistance@cell:mean', 'contactResistance@cell:min', 'contactResistance@cell:max', 'capacity@cell:mean', 'capacity@cell:max', 'initialSoc@pack', 'porosity.negative:mean'];
  it('maps "<level>-level <quantity>" to the sampler column, :max for welds, else :mean', () => {
    expect(columnForFactor('cell-level contactResistance', cols)).toBe('contactResistance@cell:max');
    expect(columnForFactor('cell-level capacity', cols)).toBe('capacity@cell:mean');
    expect(columnForFactor('pack-level initialSoc', cols)).toBe('initialSoc@pack');
    expect(columnForFactor('module-level porosity.negative', cols)).toBe('porosity.negative:mean');
    expect(columnForFactor('cell-level thickness', cols)).toBeUndefined();
  });
});

describe('cellspread report', () => {
  it('writes report.html into the folder, prints the path, returns 0', async () => {
    const dir = writeResultsFolder({ samples: 300 });
    const { io, out, err } = capture();
    expect(await runReportCommand([dir], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([join(dir, 'report.html')]);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('weld-spread-6s2p');
  });

  it('--out writes elsewhere; writeReport returns the path', async () => {
    const dir = writeResultsFolder({ samples: 200 });
    const target = join(mkdtempSync(join(tmpdir(), 'cellspread-out-')), 'sub', 'r.html');
    const { io, out } = capture();
    expect(await runReportCommand([dir, '--out', target], io)).toBe(0);
    expect(out).toEqual([target]);
    expect(existsSync(target)).toBe(true);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
    expect(await writeReport(dir)).toBe(join(dir, 'report.html'));
  });

  it('exits 2 naming a missing or invalid folder', async () => {
    const missing = join(tmpdir(), 'cellspread-missing-study');
    let c = capture();
    expect(await runReportCommand([missing], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('cellspread-missing-study');
    expect(c.err.join('\n')).toContain('does not exist');
    const empty = mkdtempSync(join(tmpdir(), 'cellspread-empty-'));
    c = capture();
    expect(await runReportCommand([empty], c.io)).toBe(2);
    expect(c.err.join('\n')).toMatch(/has no summary\.json/);
    c = capture();
    expect(await runReportCommand([], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('give the results folder');
    c = capture();
    expect(await runReportCommand([empty, '--bogus'], c.io)).toBe(2);
    c = capture();
    expect(await runReportCommand(['--help'], c.io)).toBe(0);
    expect(c.out.join('')).toContain('Usage: cellspread report');
  });
});

describe('the report of a large results folder', () => {
  /** The fixture folder with a status and a reason column (every 7th pack invalid), in both table files. */
  function folderWithInvalidPacks(): string {
    const dir = writeResultsFolder({ samples: 400 });
    const { summary, table } = readResultsFolder(dir);
    const n = table.data[0].length;
    const status = Array.from({ length: n }, (_, r) => (r % 7 === 3 ? 'invalid' : 'valid'));
    const reason = status.map((s) => (s === 'invalid' ? 'minCellVoltageV = -1 V: a cell voltage must stay above 0 V' : ''));
    const cols: Record<string, Float64Array | Int32Array | string[]> = {};
    table.columns.forEach((c, i) => (cols[c] = c === 'sample' ? Int32Array.from(table.data[i]) : table.data[i]));
    cols.status = status;
    cols.reason = reason;
    writeFileSync(join(dir, 'samples.arrow'), tableToIPC(tableFromArrays(cols), 'file'));
    const lines = [[...table.columns, 'status', 'reason'].join(',')];
    for (let r = 0; r < n; r++) lines.push([...table.data.map((d) => String(d[r])), status[r], reason[r] ? `"${reason[r]}"` : ''].join(','));
    writeFileSync(join(dir, 'samples.csv'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ ...summary, validity: { invalidSamples: status.filter((s) => s === 'invalid').length } }));
    return dir;
  }

  it('reads the table batch by batch into scratch column files: the same columns, the same report as in memory, scratch removed', async () => {
    const dir = folderWithInvalidPacks();
    const whole = readResultsFolder(dir).table;
    for (const file of ['samples.arrow', 'samples.csv']) {
      const spilled = file === 'samples.arrow' ? await SpilledTable.fromArrow(join(dir, file)) : await SpilledTable.fromCsv(join(dir, file));
      expect(spilled.names).toEqual(whole.columns);
      expect(spilled.rows).toBe(400);
      for (const [j, c] of whole.columns.entries()) expect(Array.from(spilled.column(c))).toEqual(Array.from(whole.data[j]));
      spilled.dispose();
      expect(existsSync(spilled.dir)).toBe(false);
    }
    // Vega numbers its gradients per process (c20-gradient_0, then c42-...): compared without those ids.
    const report = async (name: string, spillAboveBytes: number) =>
      readFileSync(await writeReport(dir, join(dir, name), { spillAboveBytes }), 'utf8').replace(/c\d+-gradient_\d+/g, 'gradient');
    const inMemory = await report('memory.html', Infinity);
    expect(inMemory).toContain('57 invalid packs');
    expect(await report('spilled.html', 0)).toBe(inMemory);
    rmSync(join(dir, 'samples.arrow'));
    expect(await report('spilled-csv.html', 0)).toBe(inMemory);
    writeFileSync(join(dir, 'samples.csv'), 'sample,a\n0,1\n1\n');
    await expect(writeReport(dir, undefined, { spillAboveBytes: 0 })).rejects.toThrow(/unreadable samples\.csv.*line 3 has 1 fields, the header 2/);
    rmSync(dir, { recursive: true, force: true });
  });
});
