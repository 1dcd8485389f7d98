/**
 * Kernel conformance: one suite, every backend (as TensorFlow.js runs its kernel tests on every backend). One step
 * through each backend's step template and generated kernels, over a grid of states (fresh, mid-discharge, near the
 * cut-off, after a charge, relaxing at rest), parameters (with a contact resistance, adiabatic), temperatures (-25 K
 * to +15 K from the reference), currents (-1.5C to 3C), step lengths (1 s to 60 s) and external heat, for both models
 * (SPM, SPMe), the parameter sets and both thermal modes, and OKane2022 (its measured graphite OCP table) with each SEI
 * growth law and grown films; each backend against the f64 reference with its column of the conformance tolerances
 * (src/kernels/tolerances.ts): end voltage, exact dV/dI, heat and each heat term, start voltage, the depletion margin
 * and every end state (the SPMe's electrolyte and its summaries, the SEI growth included).
 * Required: wasm and C (gcc is a listed dependency) always, webgpu when CELLSPREAD_REQUIRE_WEBGPU=1 (CI).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/backends/all.ts';
import { acquireGpu, type GpuContext } from '../../src/backends/webgpu/gpu.ts';
import { STEP_OUTPUTS, webgpuStepCells, type StepCase, type StepCaseResult } from '../../src/backends/webgpu/conformance.ts';
import { wasmStepCells } from '../../src/backends/wasm/conformance.ts';
import { CONFORMANCE, type Precision } from '../../src/kernels/tolerances.ts';
import { flattenKernelConstants } from '../../src/kernels/configure.ts';
import { CellKernel, HEAT_TERMS, kernelConstants, newStepResult, type ModelOptions, type ThermalMode } from '../../src/model/cell.ts';
import type { CellOverrides } from '../../src/model/derive.ts';
import { deriveModelParameters } from '../../src/model/electrolyte.ts';
import { S_SEI_GROWTH, S_STOICH_NEG, S_STOICH_POS, S_TEMPERATURE_RISE } from '../../src/model/kernel.generated.ts';
import { cellParameters, cellStateLength, scalarStateIndex, type CellKernelParameters, vectorOffset } from '../../src/model/layout.ts';
import { DEFINITIONS, type CellModel } from '../../src/model/physics.ts';
import { chen2020, marquis2019, okane2022, type ParameterSet } from '../../src/params/index.ts';

const MODES = 10;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** States to step from: a cell driven through part of a protocol (with SEI growth: films grown to 5 to 60 nm). */
function states(set: ParameterSet, p: CellKernelParameters, thermal: ThermalMode, model: CellModel, options: ModelOptions): Float64Array[] {
  const k = new CellKernel(set, { modes: MODES, thermal, model, ...options });
  const Q = set.electrical.nominalCapacity;
  const out: Float64Array[] = [k.initialState(p)];
  const run = (start: Float64Array, current: number, seconds: number) => {
    const s = Float64Array.from(start);
    for (let t = 0; t < seconds; t += 10) k.step(s, p, current, 10);
    return s;
  };
  out.push(run(out[0], Q, 1200));
  // Near the end of a 1C discharge: within 60 mV of the lower cut-off.
  const s = Float64Array.from(out[0]);
  for (let i = 0; i < 2000 && k.evaluate(s, p, Q, k.temperature(s)).voltage > set.electrical.lowerVoltageCutoff + 0.06; i++) k.step(s, p, Q, 10);
  out.push(s);
  const low = k.initialState(deriveModelParameters(set, 0.2, model));
  out.push(run(low, -Q, 1500));
  out.push(run(run(out[0], 2 * Q, 600), 0, 600));
  if ((options.sei ?? 'none') !== 'none') out.forEach((s, i) => (s[S_SEI_GROWTH] = 5e-9 + 1.2e-8 * i));
  return out;
}

function casesFor(set: ParameterSet, thermal: ThermalMode, model: CellModel, options: ModelOptions): StepCase[] {
  const Q = set.electrical.nominalCapacity;
  const variants: CellOverrides[] = [{}, { 'electrical.contactResistance': 1e-3, 'thermal.heatTransferCoefficient': 0 }];
  const cases: StepCase[] = [];
  for (const o of variants) {
    const p = deriveModelParameters(set, 1, model, o);
    for (const base of states(set, p, thermal, model, options)) {
      for (const rise of [-25, 0, 15]) {
        const state = Float64Array.from(base);
        state[S_TEMPERATURE_RISE] = rise;
        for (const c of [-1.5, -0.3, 0, 0.3, 1, 3]) for (const dt of [1, 10, 60]) for (const heat of [0, 0.3]) cases.push({ state, params: p, current: c * Q, dt, heat });
      }
    }
  }
  return cases;
}

function reference(set: ParameterSet, thermal: ThermalMode, model: CellModel, options: ModelOptions, cases: readonly StepCase[]): StepCaseResult[] {
  const k = new CellKernel(set, { modes: MODES, thermal, model, ...options });
  const L = k.stateLength;
  const a = new Float64Array(L);
  const b = new Float64Array(L);
  const r = newStepResult();
  return cases.map((c) => {
    const e = new Float64Array(L);
    k.prepare(c.state, c.params, c.dt, a, b);
    k.finish(c.state, a, b, c.params, c.current, c.dt, c.heat, e, r, true);
    return { voltage: r.voltage, slope: r.slope, heatJ: r.heat, voltageStart: r.voltageStart, terms: HEAT_TERMS.map((t) => r.heatTerms[t]), margin: r.depletionMargin, state: e };
  });
}

/** The native harness: the generated C kernels of each model and bench/native/step.h, compiled once per model. */
const cExe: Partial<Record<CellModel, string>> = {};
let cUnavailable = '';
const dir = mkdtempSync(join(tmpdir(), 'cellspread-conformance-'));
function cStepCells(set: ParameterSet, thermal: ThermalMode, model: CellModel, options: ModelOptions, cases: readonly StepCase[]): StepCaseResult[] {
  const exe = cExe[model];
  if (!exe) throw new Error(cUnavailable);
  const k = kernelConstants(set, MODES, model, undefined, options);
  const L = cases[0].state.length;
  const names = cellParameters(model).map((p) => p.name);
  const data = [cases.length, thermal === 'lumped' ? 1 : 0, (options.sei ?? 'none') === 'none' ? 0 : 1, ...flattenKernelConstants(DEFINITIONS[model], k as unknown as Record<string, unknown>)];
  for (const c of cases) data.push(...c.state, ...names.map((n) => (c.params as Record<string, number>)[n]), c.current, c.dt, c.heat);
  const file = join(dir, 'input.bin');
  writeFileSync(file, Float64Array.from(data));
  const raw = execFileSync(exe, [file], { maxBuffer: 1 << 28 });
  const out = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
  const S = STEP_OUTPUTS;
  return cases.map((_, i) => {
    const o = out.subarray(i * (S + L), (i + 1) * (S + L));
    return { voltage: o[0], slope: o[1], heatJ: o[2], voltageStart: o[3], terms: o.slice(4, 8), margin: o[8], state: o.slice(S) };
  });
}

/**
 * What the SPMe's summary states stand for, per electrode: <ln theta>, and the first two moments of the two-point rule
 * (w s1 + (1 - w) s2 = the mean of s, w s1^2 + (1 - w) s2^2 = its mean square). The nodes and weight themselves are
 * ill-conditioned where the electrolyte is nearly uniform (any w fits two nodes that coincide), the moments never.
 */
function summaryValues(state: ArrayLike<number>, model: CellModel): number[] {
  if (model !== 'spme') return [];
  return (['Neg', 'Pos'] as const).flatMap((side) => {
    const at = (name: string) => state[scalarStateIndex(name, 'spme')];
    const [s1, s2, w] = [at(`node${side}1`), at(`node${side}2`), at(`weight${side}1`)];
    return [at(`lnMean${side}`), w * s1 + (1 - w) * s2, w * s1 * s1 + (1 - w) * s2 * s2];
  });
}

/** Worst error over tolerance per quantity (<= 1 passes); names the case of the worst. */
function compare(got: readonly StepCaseResult[], want: readonly StepCaseResult[], cases: readonly StepCase[], precision: Precision, model: CellModel) {
  const t = CONFORMANCE;
  const worst: Record<string, { ratio: number; at: string }> = {};
  const note = (q: string, ratio: number, i: number) => {
    if (!(ratio <= (worst[q]?.ratio ?? -1))) worst[q] = { ratio: Number.isNaN(ratio) ? Infinity : ratio, at: `case ${i} (I ${cases[i].current.toFixed(2)} A, dt ${cases[i].dt} s, rise ${cases[i].state[S_TEMPERATURE_RISE]} K)` };
  };
  // The SPM's scalars come first in every model; then the SPMe's summaries; the modes; then the SPMe's electrolyte.
  const modesAt = vectorOffset('modesNeg', MODES, model);
  const modesEnd = modesAt + 2 * MODES;
  want.forEach((w, i) => {
    const g = got[i];
    const vTol = (v: number) => t.voltage[precision] + t.voltageRelative[precision] * Math.abs(v);
    const heatTol = (q: number) => t.heat[precision] * (Math.abs(q) + cases[i].dt * 1e-3);
    note('voltage', Math.abs(g.voltage - w.voltage) / vTol(w.voltage), i);
    note('voltageStart', Math.abs(g.voltageStart - w.voltageStart) / vTol(w.voltageStart), i);
    note('slope', Math.abs(g.slope - w.slope) / (t.slope[precision] * Math.abs(w.slope)), i);
    note('heat', Math.abs(g.heatJ - w.heatJ) / heatTol(w.heatJ), i);
    let terms = 0;
    for (let k = 0; k < 4; k++) terms = Math.max(terms, Math.abs(g.terms[k] - w.terms[k]) / heatTol(w.heatJ));
    note('heatTerms', terms, i);
    note('stoichiometry', Math.max(Math.abs(g.state[S_STOICH_NEG] - w.state[S_STOICH_NEG]), Math.abs(g.state[S_STOICH_POS] - w.state[S_STOICH_POS])) / t.stoichiometry[precision], i);
    note('temperatureRise', Math.abs(g.state[S_TEMPERATURE_RISE] - w.state[S_TEMPERATURE_RISE]) / t.temperatureRise[precision], i);
    // The SEI growth over the step (the end growth minus the start's), relative.
    const grown = w.state[S_SEI_GROWTH] - cases[i].state[S_SEI_GROWTH];
    note('seiGrowth', Math.abs(g.state[S_SEI_GROWTH] - w.state[S_SEI_GROWTH]) / (t.seiGrowth[precision] * Math.abs(grown) + 1e-22), i);
    let modes = 0;
    for (let k = modesAt; k < modesEnd; k++) modes = Math.max(modes, Math.abs(g.state[k] - w.state[k]));
    note('modes', modes / t.stoichiometry[precision], i);
    // Relative to values of order 1 (the second moment of s reaches ~7 where c_e is low).
    const off = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
    let electrolyte = off(g.margin, w.margin);
    const gs = summaryValues(g.state, model);
    const ws = summaryValues(w.state, model);
    for (let k = 0; k < ws.length; k++) electrolyte = Math.max(electrolyte, off(gs[k], ws[k]));
    for (let k = modesEnd; k < w.state.length; k++) electrolyte = Math.max(electrolyte, off(g.state[k], w.state[k]));
    note('electrolyte', electrolyte / t.electrolyte[precision], i);
  });
  return worst;
}

const requireWebgpu = process.env.CELLSPREAD_REQUIRE_WEBGPU === '1';
let gpu: GpuContext | undefined;
let gpuUnavailable = '';

beforeAll(async () => {
  try {
    gpu = await acquireGpu();
  } catch (err) {
    gpuUnavailable = (err as Error).message;
  }
  try {
    for (const model of ['spm', 'spme'] as const) {
      const exe = join(dir, `conformance-${model}`);
      const define = model === 'spme' ? ['-DCELLSPREAD_SPME'] : [];
      execFileSync('gcc', ['-O2', ...define, '-I', join(root, 'bench/native'), '-o', exe, join(root, 'test/kernels/conformance.c'), '-lm'], { stdio: 'pipe' });
      cExe[model] = exe;
    }
  } catch (err) {
    cUnavailable = `gcc could not build the C harness: ${(err as Error).message}`;
  }
});
afterAll(() => {
  gpu?.device.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const suites: Array<{ set: ParameterSet; thermal: ThermalMode; model: CellModel; options: ModelOptions }> = [
  { set: chen2020, thermal: 'lumped', model: 'spm', options: {} },
  { set: chen2020, thermal: 'isothermal', model: 'spm', options: {} },
  { set: marquis2019, thermal: 'lumped', model: 'spm', options: {} },
  { set: okane2022, thermal: 'lumped', model: 'spm', options: { sei: 'reaction limited' } },
  { set: okane2022, thermal: 'lumped', model: 'spm', options: { sei: 'solvent-diffusion limited', filmHeat: false } },
  { set: okane2022, thermal: 'isothermal', model: 'spm', options: { sei: 'reaction limited' } },
  // The SPMe: Nyman2008's electrolyte (Chen2020), Capiglia1999's with Arrhenius factors and a separator of porosity 1
  // (Marquis2019), OKane2022's Arrhenius Nyman2008 with electrode Bruggeman 1.5 (and with SEI growth).
  { set: chen2020, thermal: 'lumped', model: 'spme', options: {} },
  { set: chen2020, thermal: 'isothermal', model: 'spme', options: {} },
  { set: marquis2019, thermal: 'lumped', model: 'spme', options: {} },
  { set: okane2022, thermal: 'lumped', model: 'spme', options: {} },
  { set: okane2022, thermal: 'lumped', model: 'spme', options: { sei: 'solvent-diffusion limited' } },
];

describe('kernel conformance: every backend against the f64 reference, one step over a grid', () => {
  it('the C harness builds (gcc is required)', () => expect(cUnavailable).toBe(''));
  it(`the webgpu device starts${requireWebgpu ? ' (required here)' : ''}`, () => {
    if (requireWebgpu) expect(gpuUnavailable).toBe('');
    else if (gpuUnavailable) console.warn(`conformance: webgpu unavailable here: ${gpuUnavailable}`);
  });

  for (const { set, thermal, model, options } of suites) {
    const label = `${model} ${set.name} ${thermal}${options.sei ? ` SEI ${options.sei}` : ''}${options.filmHeat === false ? ' (no film heat)' : ''}`;
    describe(label, () => {
      // The SPMe holds while its electrolyte does: a step that ends past depletion (c_e below 10 mol/m3 somewhere) is
      // outside the model (a run stops inside it, located on the margin), so such cases are not compared.
      const all = casesFor(set, thermal, model, options);
      const full = reference(set, thermal, model, options, all);
      const inside = full.map((r) => r.margin > 0);
      const cases = all.filter((_, i) => inside[i]);
      const want = full.filter((_, i) => inside[i]);
      it('keeps most cases inside the model (electrolyte not depleted)', () => expect(cases.length).toBeGreaterThan(0.9 * all.length));
      const check = (backend: string, got: StepCaseResult[], precision: Precision) => {
        expect(got.length).toBe(cases.length);
        expect(got[0].state.length).toBe(cellStateLength(MODES, model));
        const worst = compare(got, want, cases, precision, model);
        console.log(`conformance ${label} ${backend} (${cases.length} cases), worst error / tolerance: ${Object.entries(worst).map(([q, w]) => `${q} ${w.ratio.toExponential(2)}`).join(', ')}`);
        for (const [q, w] of Object.entries(worst)) expect(w.ratio, `${backend} ${q} at ${w.at}`).toBeLessThanOrEqual(1);
      };

      it('the reference\'s slope is the derivative of its end voltage (central differences)', () => {
        const k = new CellKernel(set, { modes: MODES, thermal, model, ...options });
        const a = new Float64Array(k.stateLength);
        const b = new Float64Array(k.stateLength);
        const e = new Float64Array(k.stateLength);
        const r = newStepResult();
        let worst = 0;
        cases.forEach((c, i) => {
          if (i % 7 !== 0) return;
          k.prepare(c.state, c.params, c.dt, a, b);
          const v = (I: number) => k.finish(c.state, a, b, c.params, I, c.dt, c.heat, e, r, false).voltage;
          // Central differences at two step sizes: the better one (a measured OCP table is a cubic spline, whose third
          // derivative jumps at its knots: there the truncation error of the larger step can reach ~1e-4).
          const fd = (h: number) => (v(c.current + h) - v(c.current - h)) / (2 * h);
          const h = 1e-4 * Math.max(1, Math.abs(c.current));
          // Richardson (the central difference's h^2 term cancels: the SPMe's end voltage curves at 3C over 60 s), at two
          // step sizes, the better one (a measured OCP table is a cubic spline, whose third derivative jumps at its knots).
          const richardson = (x: number) => (4 * fd(x / 2) - fd(x)) / 3;
          const err = Math.min(...[h, h / 8].map((x) => Math.abs(richardson(x) - want[i].slope) / Math.abs(want[i].slope)));
          worst = Math.max(worst, err);
        });
        expect(worst).toBeLessThan(1e-5);
      });

      it('wasm (f64x2 SIMD)', async () => check('wasm', await wasmStepCells(set, MODES, thermal, cases, model, undefined, options), 'f64'));
      it('C (gcc)', () => check('c', cStepCells(set, thermal, model, options, cases), 'f64'));
      it('webgpu (f32)', async () => {
        if (!gpu) return expect(requireWebgpu, `webgpu unavailable: ${gpuUnavailable}`).toBe(false);
        check('webgpu', await webgpuStepCells(gpu, set, MODES, thermal, cases, model, undefined, options), 'f32');
      });
    });
  }
});
