/**
 * The SPMe refinement study behind docs/numerics.md: `npx tsx bench/spme-accuracy.ts [section...]`, sections
 * oracle, dfn, scheme, mesh, dt, f32 (default: all). Prints markdown tables. Chen2020, lumped thermal, SOC 1, to 2.5 V.
 * The scheme is the SPMe of the one cell-physics definition through the generated f64 reference kernel (simulateCell).
 * - oracle: the independent oracle (test/support/spmeOracle.ts) against PyBaMM's SPMe, and its own refinement.
 * - dfn: distance of the SPMe (oracle, PyBaMM's, the scheme) to PyBaMM's DFN at 1C.
 * - scheme: the fixed-step scheme at its defaults against the oracle and PyBaMM.
 * - mesh: electrolyte mesh study of the scheme (dt 0.5 s) against the oracle.
 * - dt: time-step study of the scheme at the default mesh.
 * - f32: the generated WGSL (f32) kernel through the WebGPU backend against the f64 reference, single cells.
 */
import '../src/backends/all.ts';
import { createBackend } from '../src/backends/all.ts';
import { ReferenceBackend } from '../src/backends/reference.ts';
import { vectorOffset } from '../src/model/layout.ts';
import { simulateCell, type CellSimulationResult } from '../src/model/simulate.ts';
import type { ElectrolyteMesh } from '../src/model/physics.ts';
import { PACK_OUTPUT_NAMES } from '../src/pack/outputs.ts';
import { chen2020 } from '../src/params/index.ts';
import { validateStudySpec } from '../src/spec/index.ts';
import { studyModel } from '../src/study/job.ts';
import { chunkJob } from '../src/study/runner.ts';
import { interpolate, referenceCurve, referenceScalars, voltageDistance, type ReferenceCase } from '../test/support/pybammReference.ts';
import { spmeOracleDischarge, type SpmeOracleResult } from '../test/support/spmeOracle.ts';

const sections = process.argv.slice(2);
const want = (s: string) => sections.length === 0 || sections.includes(s);
const pct = (a: number, b: number) => `${((a / b - 1) * 100).toFixed(3)} %`;
const mV = (v: number) => `${(v * 1000).toFixed(3)} mV`;
const K = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)} K`;

const CASES: Array<{ name: ReferenceCase; current: number; label: string }> = [
  { name: 'spme_chen2020_1C_lumped', current: 5, label: '1C' },
  { name: 'spme_chen2020_2C_lumped', current: 10, label: '2C' },
];

const oracleCache = new Map<string, SpmeOracleResult>();
function oracle(current: number, cells = 128, dtMax = 0.5, shells = 200, duration?: number): SpmeOracleResult {
  const key = `${current}/${cells}/${dtMax}/${shells}/${duration}`;
  let r = oracleCache.get(key);
  if (!r) {
    r = spmeOracleDischarge(chen2020, { current, electrolyteCells: cells, dtMax, shells, duration });
    oracleCache.set(key, r);
  }
  return r;
}

/** A discharge of the generated SPMe reference kernel, in the shape the tables read. */
interface SchemeRun {
  time: Float64Array;
  voltage: Float64Array;
  capacityAh: number;
  finalTemperatureK: number;
  heatJ: { ohmicElectrolyte: number; ohmicSolid: number; irreversible: number; total: number };
  finalState: Float64Array;
}

function scheme(current: number, o: { timeStep?: number; mesh?: ElectrolyteMesh; duration?: number; thermal?: 'lumped' | 'isothermal' } = {}): SchemeRun {
  const r: CellSimulationResult = simulateCell({
    params: chen2020,
    model: 'spme',
    timeStep: o.timeStep,
    mesh: o.mesh,
    thermal: o.thermal,
    protocol: [{ type: 'discharge', current, ...(o.duration ? { duration: o.duration } : {}) }],
  });
  const h = r.heatTerms;
  return {
    time: r.trace.time,
    voltage: r.trace.voltage,
    capacityAh: r.capacityAh,
    finalTemperatureK: r.finalTemperatureK,
    heatJ: { ohmicElectrolyte: h.ohmicElectrolyte, ohmicSolid: h.ohmicSolid, irreversible: h.irreversible, total: r.heatJ },
    finalState: r.finalState,
  };
}

/** Voltage error of a scheme run against the oracle at the scheme's times after t = 0, first 95 %. */
function voltageError(r: { time: ArrayLike<number>; voltage: ArrayLike<number> }, o: SpmeOracleResult): { rms: number; max: number } {
  let sum = 0;
  let n = 0;
  let max = 0;
  for (let k = 1; k < r.time.length && r.time[k] <= 0.95 * o.durationS; k++) {
    const e = r.voltage[k] - interpolate(o.time, o.voltage, r.time[k]);
    sum += e * e;
    n++;
    max = Math.max(max, Math.abs(e));
  }
  return { rms: Math.sqrt(sum / n), max };
}

function row(cells: string[]): void {
  console.log(`| ${cells.join(' | ')} |`);
}

if (want('oracle')) {
  console.log('\n### Oracle against PyBaMM SPMe\n');
  row(['case', 'capacity', 'V RMS (t > 0)', 'V at t = 0', 'final T', 'electrolyte Ohmic', 'solid Ohmic', 'irreversible', 'total heat']);
  row(Array(9).fill('---'));
  for (const c of CASES) {
    const o = oracle(c.current);
    const ref = referenceScalars(c.name);
    const curve = referenceCurve(c.name);
    row([
      c.label,
      pct(o.capacityAh, ref.capacityAh),
      mV(voltageDistance(o.time, o.voltage, curve).rms),
      mV(o.voltage[0] - curve[0].voltage_V),
      K(o.finalTemperatureK - ref.finalTemperatureK),
      pct(o.heatJ.ohmicElectrolyte, ref.ohmicElectrolyteHeatJ),
      pct(o.heatJ.ohmicSolid, ref.ohmicSolidHeatJ),
      pct(o.heatJ.irreversible, ref.irreversibleHeatJ),
      pct(o.heatJ.total, ref.totalHeatJ),
    ]);
  }
  console.log('\n### Oracle refinement (2C; change against the default 128 volumes per region, dt <= 0.5 s, 200 shells)\n');
  row(['variant', 'capacity', 'final T', 'electrolyte Ohmic heat']);
  row(Array(4).fill('---'));
  const base = oracle(10);
  for (const [label, o] of [
    ['32 volumes', oracle(10, 32)],
    ['64 volumes', oracle(10, 64)],
    ['dt <= 1 s', oracle(10, 128, 1)],
    ['dt <= 0.25 s', oracle(10, 128, 0.25)],
    ['400 shells', oracle(10, 128, 0.5, 400)],
  ] as const) {
    row([label, pct(o.capacityAh, base.capacityAh), K(o.finalTemperatureK - base.finalTemperatureK), pct(o.heatJ.ohmicElectrolyte, base.heatJ.ohmicElectrolyte)]);
  }
}

if (want('dfn')) {
  console.log('\n### Distance to PyBaMM DFN, 1C\n');
  const dfn = referenceScalars('dfn_chen2020_1C_lumped');
  const dfnCurve = referenceCurve('dfn_chen2020_1C_lumped');
  const spme = referenceScalars('spme_chen2020_1C_lumped');
  const spmeCurve = referenceCurve('spme_chen2020_1C_lumped');
  const o = oracle(5);
  row(['model', 'capacity', 'V RMS / max (t > 0)', 'final T', 'electrolyte Ohmic', 'solid Ohmic', 'irreversible', 'total heat']);
  row(Array(8).fill('---'));
  const pybammSpme = voltageDistance(
    spmeCurve.map((r) => r.time_s),
    spmeCurve.map((r) => r.voltage_V),
    dfnCurve,
  );
  const oracleDistance = voltageDistance(o.time, o.voltage, dfnCurve);
  row([
    'PyBaMM SPMe',
    pct(spme.capacityAh, dfn.capacityAh),
    `${mV(pybammSpme.rms)} / ${mV(pybammSpme.max)}`,
    K(spme.finalTemperatureK - dfn.finalTemperatureK),
    pct(spme.ohmicElectrolyteHeatJ, dfn.ohmicElectrolyteHeatJ),
    pct(spme.ohmicSolidHeatJ, dfn.ohmicSolidHeatJ),
    pct(spme.irreversibleHeatJ, dfn.irreversibleHeatJ),
    pct(spme.totalHeatJ, dfn.totalHeatJ),
  ]);
  row([
    'oracle SPMe',
    pct(o.capacityAh, dfn.capacityAh),
    `${mV(oracleDistance.rms)} / ${mV(oracleDistance.max)}`,
    K(o.finalTemperatureK - dfn.finalTemperatureK),
    pct(o.heatJ.ohmicElectrolyte, dfn.ohmicElectrolyteHeatJ),
    pct(o.heatJ.ohmicSolid, dfn.ohmicSolidHeatJ),
    pct(o.heatJ.irreversible, dfn.irreversibleHeatJ),
    pct(o.heatJ.total, dfn.totalHeatJ),
  ]);
  const s = scheme(5);
  const sd = voltageDistance(s.time, s.voltage, dfnCurve);
  row([
    'scheme (defaults)',
    pct(s.capacityAh, dfn.capacityAh),
    `${mV(sd.rms)} / ${mV(sd.max)}`,
    K(s.finalTemperatureK - dfn.finalTemperatureK),
    pct(s.heatJ.ohmicElectrolyte, dfn.ohmicElectrolyteHeatJ),
    pct(s.heatJ.ohmicSolid, dfn.ohmicSolidHeatJ),
    pct(s.heatJ.irreversible, dfn.irreversibleHeatJ),
    pct(s.heatJ.total, dfn.totalHeatJ),
  ]);
}

function schemeRow(label: string, r: SchemeRun, o: SpmeOracleResult): string[] {
  const v = voltageError(r, o);
  return [
    label,
    pct(r.capacityAh, o.capacityAh),
    mV(v.rms),
    mV(v.max),
    K(r.finalTemperatureK - o.finalTemperatureK),
    pct(r.heatJ.ohmicElectrolyte, o.heatJ.ohmicElectrolyte),
    pct(r.heatJ.irreversible, o.heatJ.irreversible),
  ];
}
const SCHEME_HEAD = ['case', 'capacity', 'V RMS', 'V max', 'final T', 'electrolyte Ohmic', 'irreversible'];

if (want('scheme')) {
  console.log('\n### Scheme at its defaults (12/2/12 volumes, 10 s, linearly implicit Euler) against the oracle and PyBaMM\n');
  row([...SCHEME_HEAD, 'vs PyBaMM: capacity', 'V RMS', 'final T', 'electrolyte Ohmic']);
  row(Array(11).fill('---'));
  for (const c of CASES) {
    const r = scheme(c.current);
    const ref = referenceScalars(c.name);
    row([
      ...schemeRow(c.label, r, oracle(c.current)),
      pct(r.capacityAh, ref.capacityAh),
      mV(voltageDistance(r.time, r.voltage, referenceCurve(c.name)).rms),
      K(r.finalTemperatureK - ref.finalTemperatureK),
      pct(r.heatJ.ohmicElectrolyte, ref.ohmicElectrolyteHeatJ),
    ]);
  }
}

if (want('mesh')) {
  console.log('\n### Electrolyte mesh (dt 0.5 s) against the oracle\n');
  row([...SCHEME_HEAD]);
  row(Array(7).fill('---'));
  for (const c of CASES) {
    for (const m of [6, 8, 12, 16, 24, 48]) {
      const r = scheme(c.current, { timeStep: 0.5, mesh: { negative: m, separator: 2, positive: m } });
      row(schemeRow(`${c.label}, ${m}/2/${m}`, r, oracle(c.current)));
    }
  }
}

if (want('dt')) {
  console.log('\n### Time step (12/2/12 volumes) against the oracle\n');
  row([...SCHEME_HEAD]);
  row(Array(7).fill('---'));
  for (const c of CASES) {
    for (const dt of [40, 20, 10, 5, 2.5]) row(schemeRow(`${c.label}, ${dt} s`, scheme(c.current, { timeStep: dt }), oracle(c.current)));
  }
  console.log('\n### Observed order in dt: max |theta| error at t = 200 s (2C, isothermal, 12/2/12) against dt = 0.078 s\n');
  row(['40 s', '20 s', '10 s', '5 s', '2.5 s', 'observed orders']);
  row(Array(6).fill('---'));
  const run = (dt: number) => scheme(10, { timeStep: dt, duration: 200, thermal: 'isothermal' }).finalState;
  const ref = run(0.078125);
  const first = vectorOffset('electrolyte', 10, 'spme');
  const errors = [40, 20, 10, 5, 2.5].map((dt) => {
    const s = run(dt);
    let e = 0;
    for (let j = first; j < first + 26; j++) e = Math.max(e, Math.abs(s[j] - ref[j]));
    return e;
  });
  row([...errors.map((e) => e.toExponential(2)), errors.slice(1).map((e, k) => Math.log2(errors[k] / e).toFixed(2)).join(', ')]);
}

if (want('f32')) {
  console.log('\n### The f32 WGSL kernel (WebGPU backend) against the f64 reference, single cells, defaults\n');
  row(['case', 'capacity', 'final T', 'electrolyte Ohmic', 'irreversible', 'total heat']);
  row(Array(6).fill('---'));
  const { backend } = await createBackend('webgpu');
  for (const c of CASES) {
    const spec = validateStudySpec({ params: 'chen2020', simulation: { model: 'spme' }, pack: { series: 1, parallel: 1 }, protocol: [{ type: 'discharge', current: c.current }], run: { samples: 1, chunkSize: 1 } });
    const { job } = chunkJob(spec, studyModel(spec), 0, 1);
    const want = (await new ReferenceBackend().simulate(job)).outputs;
    const got = (await backend.simulate(job)).outputs;
    const at = (o: Float64Array, k: string) => o[PACK_OUTPUT_NAMES.indexOf(k as never)];
    row([c.label, pct(at(got, 'capacityAh'), at(want, 'capacityAh')), K(at(got, 'maxTemperatureK') - at(want, 'maxTemperatureK')), pct(at(got, 'heatOhmicElectrolyteJ'), at(want, 'heatOhmicElectrolyteJ')), pct(at(got, 'heatIrreversibleJ'), at(want, 'heatIrreversibleJ')), pct(at(got, 'heatJ'), at(want, 'heatJ'))]);
  }
  await backend.dispose();
}
