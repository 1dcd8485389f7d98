/**
 * Copies the PyBaMM SPM + SEI reference data the tests need from ../shared/reference/pybamm (outside the repository,
 * absent on CI) into test/fixtures/pybamm-aging/: the per-cycle tables verbatim, and the discharge (step 1) of cycles 1
 * and 50 every 60 s plus its last row. Each file records the sha256 of its source. Run: npx tsx scripts/extract-pybamm-aging.ts
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const SOURCE = '../shared/reference/pybamm';
const TARGET = 'test/fixtures/pybamm-aging';
const CASES = ['sei_solvent_diffusion', 'sei_reaction_limited'];

mkdirSync(TARGET, { recursive: true });
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
for (const name of CASES) {
  const cyclesFile = `aging_spm_okane2022_${name}_50cyc_cycles.csv`;
  const cycles = readFileSync(`${SOURCE}/${cyclesFile}`, 'utf8');
  writeFileSync(`${TARGET}/${cyclesFile}`, `# copied verbatim from ${SOURCE}/${cyclesFile} (sha256 ${sha(cycles)}) by scripts/extract-pybamm-aging.ts\n${cycles}`);
  const seriesFile = `aging_spm_okane2022_${name}_50cyc.csv`;
  const series = readFileSync(`${SOURCE}/${seriesFile}`, 'utf8');
  const [header, ...rows] = series.trim().split('\n');
  const keep = ['cycle', 'step', 'time_s', 'voltage_V', 'current_A', 'temperature_K', 'lli_percent', 'sei_thickness_m'];
  const cols = header.split(',');
  const idx = keep.map((k) => cols.indexOf(k));
  const out: string[] = [keep.join(',')];
  for (const cycle of ['1', '50']) {
    const discharge = rows.map((r) => r.split(',')).filter((r) => r[0] === cycle && r[1] === '1');
    discharge.forEach((r, i) => {
      if (i % 6 === 0 || i === discharge.length - 1) out.push(idx.map((j) => r[j]).join(','));
    });
  }
  const target = `${TARGET}/aging_${name}_discharge_cycles_1_50.csv`;
  writeFileSync(target, `# cycles 1 and 50, step 1 (1C discharge), every 60 s and the last row, from ${SOURCE}/${seriesFile} (sha256 ${sha(series)}) by scripts/extract-pybamm-aging.ts\n${out.join('\n')}\n`);
}
