/**
 * SEI ageing: the numbers behind docs/lifetime.md and bench/RESULTS.md ("SEI growth and cycle jumping").
 *   oracle  the independent oracle (test/support/spmSeiOracle.ts) converged (100 shells, 1 s) over PyBaMM's 50 cycles,
 *           and its own convergence (200 shells, 0.5 s, 3 cycles)
 *   scheme  the generated reference kernel and pack machine (a 1s1p pack through src/pack/lifetime.ts) at 5, 10, 20,
 *           40 s against the converged oracle over 50 cycles
 *   film    the film's Joule heat (absent from PyBaMM's SPM) on and off, against PyBaMM, at cycle 50
 *   f32     storing the SEI growth in f32 (test/support/f32Accumulation.ts)
 *   jump    cycle jumping against full cycling over 500 cycles at 10 s, wall time of both
 * Run: npx tsx bench/aging.ts [sections...] (default: all; the oracle section takes minutes).
 */
import os from 'node:os';
import { deriveCellParameters } from '../src/model/derive.ts';
import { okane2022 } from '../src/params/index.ts';
import { cyclePacks, type CycleRow } from '../test/support/lifetime.ts';
import { DT, f, STEPS_PER_CYCLE, storageErrors } from '../test/support/f32Accumulation.ts';
import { pybammCycles } from '../test/support/pybammAging.ts';
import { runSpmSeiOracle, type OracleCycle } from '../test/support/spmSeiOracle.ts';

const LAWS = ['solvent-diffusion limited', 'reaction limited'] as const;
type Law = (typeof LAWS)[number];
const sections = process.argv.slice(2);
const want = (s: string) => sections.length === 0 || sections.includes(s);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const e = (x: number) => x.toExponential(1);

interface Row {
  dischargeCapacityAh: number;
  lliPercent: number;
  seiThicknessM: number;
  /** The end of the discharge (the pack rows: the cycle's maximum temperature, reached there at 1C). */
  dischargeEndTemperatureK: number;
}

const asRow = (r: CycleRow): Row => ({ dischargeCapacityAh: r.dischargeCapacityAh, lliPercent: r.lliPercent, seiThicknessM: r.meanSeiThicknessM, dischargeEndTemperatureK: r.maxTemperatureK });

/** One cell (a 1s1p pack) through the reference cycle, through the lifetime runner. */
async function cycleCell(o: { sei: Law; cycles: number; timeStep: number; filmHeat?: boolean; jumping?: boolean }) {
  const r = await cyclePacks(o);
  return { rows: r.rows[0].map(asRow), simulated: r.result.simulatedCycles[0], rejected: r.result.rejectedJumps[0], seconds: r.seconds };
}
/** Worst relative capacity, LLI and thickness differences and worst temperature difference [K] over the cycles. */
function worst(a: readonly Row[], b: readonly Row[]) {
  const w = { capacity: 0, lli: 0, thickness: 0, temperature: 0 };
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    w.capacity = Math.max(w.capacity, Math.abs(a[i].dischargeCapacityAh / b[i].dischargeCapacityAh - 1));
    w.lli = Math.max(w.lli, Math.abs(a[i].lliPercent / b[i].lliPercent - 1));
    w.thickness = Math.max(w.thickness, Math.abs(a[i].seiThicknessM / b[i].seiThicknessM - 1));
    w.temperature = Math.max(w.temperature, Math.abs(a[i].dischargeEndTemperatureK - b[i].dischargeEndTemperatureK));
  }
  return w;
}

function pybammRows(law: Law): Row[] {
  const r = pybammCycles(law);
  return r.cycle.map((_, i) => ({
    dischargeCapacityAh: r.discharge_capacity_Ah[i],
    lliPercent: r.lli_percent[i],
    seiThicknessM: r.sei_thickness_m[i],
    dischargeEndTemperatureK: r.discharge_end_temperature_K[i],
  }));
}

console.log(`# bench/aging.ts, ${new Date().toISOString()}, node ${process.version}, ${os.cpus()[0]?.model} x${os.cpus().length}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);

const oracles = new Map<Law, OracleCycle[]>();
if (want('oracle') || want('scheme')) {
  console.log('\n## Oracle (100 shells, 1 s) against PyBaMM, 50 cycles: worst over cycles');
  console.log('| law | capacity | LLI | SEI thickness | T end of discharge [K] | run time |');
  console.log('|---|---|---|---|---|---|');
  for (const law of LAWS) {
    const t0 = performance.now();
    const o = runSpmSeiOracle(okane2022, { sei: law, cycles: 50, shells: 100, dt: 1 });
    oracles.set(law, o.cycles);
    const w = worst(o.cycles, pybammRows(law));
    console.log(`| ${law} | ${e(w.capacity)} | ${e(w.lli)} | ${e(w.thickness)} | ${e(w.temperature)} | ${seconds(t0).toFixed(0)} s |`);
  }
  if (want('oracle')) {
    console.log('\nOracle convergence, 3 cycles: 200 shells at 0.5 s against 100 shells at 1 s (worst over cycles)');
    for (const law of LAWS) {
      const fine = runSpmSeiOracle(okane2022, { sei: law, cycles: 3, shells: 200, dt: 0.5 });
      const w = worst(oracles.get(law)!.slice(0, 3), fine.cycles);
      console.log(`- ${law}: capacity ${e(w.capacity)}, LLI ${e(w.lli)}, thickness ${e(w.thickness)}, temperature ${e(w.temperature)} K`);
    }
  }
}

if (want('scheme')) {
  console.log('\n## Scheme against the oracle, 50 cycles (PyBaMM heat: no film heat): worst over cycles');
  console.log('| law | dt [s] | capacity | LLI | SEI thickness | T end of discharge [K] | run time | per cycle |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const law of LAWS) {
    for (const dt of [5, 10, 20, 40]) {
      const t0 = performance.now();
      const { rows } = await cycleCell({ sei: law, cycles: 50, timeStep: dt, filmHeat: false });
      const t = seconds(t0);
      const w = worst(rows, oracles.get(law)!);
      console.log(`| ${law} | ${dt} | ${e(w.capacity)} | ${e(w.lli)} | ${e(w.thickness)} | ${e(w.temperature)} | ${t.toFixed(2)} s | ${((1000 * t) / 50).toFixed(0)} ms |`);
    }
  }
}

if (want('film')) {
  console.log('\n## Film heat (I^2 R_film) against PyBaMM (which has none), scheme at 10 s, cycle 50');
  console.log('| law | film heat | capacity vs PyBaMM | LLI vs PyBaMM | T end of discharge - PyBaMM [K] |');
  console.log('|---|---|---|---|---|');
  for (const law of LAWS) {
    const ref = pybammRows(law)[49];
    for (const filmHeat of [false, true]) {
      const r = (await cycleCell({ sei: law, cycles: 50, timeStep: 10, filmHeat })).rows[49];
      console.log(`| ${law} | ${filmHeat ? 'on' : 'off'} | ${e(r.dischargeCapacityAh / ref.dischargeCapacityAh - 1)} | ${e(r.lliPercent / ref.lliPercent - 1)} | ${(r.dischargeEndTemperatureK - ref.dischargeEndTemperatureK).toFixed(3)} |`);
    }
  }
}

if (want('f32')) {
  console.log('\n## f32 storage of the SEI growth, 1,000 cycles x 1,380 steps: relative error of the growth');
  const s = deriveCellParameters(okane2022, 1);
  const k = s.seiSolventGrowth;
  const perStep = 0.82e-9 / STEPS_PER_CYCLE;
  const cases: Array<[string, Parameters<typeof storageErrors>[0]]> = [
    ['solvent-diffusion limited, constant T', (L, single) => (single ? f(f(2 * f(k * DT)) / f(L + f(Math.sqrt(f(f(L * L) + f(2 * f(k * DT))))))) : (2 * k * DT) / (L + Math.sqrt(L * L + 2 * k * DT)))],
    ['reaction limited, constant increments', () => f(perStep)],
    ['reaction limited, 0.2x to 1.8x over the cycle', (_L, single, step) => (single ? f(perStep * (0.2 + (1.6 * step) / STEPS_PER_CYCLE)) : perStep * (0.2 + (1.6 * step) / STEPS_PER_CYCLE))],
  ];
  let header = false;
  for (const [name, inc] of cases) {
    const { err } = storageErrors(inc);
    if (!header) {
      console.log(`| increments | ${Object.keys(err).join(' | ')} |`);
      console.log(`|---|${Object.keys(err).map(() => '---').join('|')}|`);
      header = true;
    }
    console.log(`| ${name} | ${Object.values(err).map(e).join(' | ')} |`);
  }
}

if (want('jump')) {
  console.log('\n## Cycle jumping against full cycling, 500 cycles at 10 s (default tolerances 1e-5 absolute, 1e-2 relative)');
  console.log('| law | capacity at 500 | LLI at 500 | worst capacity, any cycle | cycles simulated | speed-up (cycles) | full run | jumped run | speed-up (wall) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const law of LAWS) {
    const full = await cycleCell({ sei: law, cycles: 500, timeStep: 10 });
    const j = await cycleCell({ sei: law, cycles: 500, timeStep: 10, jumping: true });
    const [a, b] = [full.rows[499], j.rows[499]];
    const w = worst(j.rows, full.rows);
    console.log(
      `| ${law} | ${a.dischargeCapacityAh.toFixed(4)} Ah, ${e(b.dischargeCapacityAh / a.dischargeCapacityAh - 1)} | ${a.lliPercent.toFixed(3)} %, ${e(b.lliPercent / a.lliPercent - 1)} | ${e(w.capacity)} | ${j.simulated} (${j.rejected} rejected) | ${(500 / j.simulated).toFixed(1)}x | ${full.seconds.toFixed(1)} s | ${j.seconds.toFixed(2)} s | ${(full.seconds / j.seconds).toFixed(1)}x |`,
    );
  }
}
