import { CellspreadInputError } from '../errors.ts';
import { getParameterSet } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import { CellKernel, HEAT_TERMS, newEvaluation, zeroHeat, type CellEvaluation, type HeatBreakdown, type StepEnergy, type ThermalMode } from './cell.ts';
import { SECONDS_PER_HOUR } from './constants.ts';
import { electrodeBalance, type CellOverrides } from './derive.ts';
import { deriveModelParameters } from './electrolyte.ts';
import { ocpFunction } from './ocp-table.ts';
import type { CellModel, ElectrolyteMesh } from './physics.ts';
import { evaluateSeries } from './series.ts';
import type { CellKernelParameters } from './layout.ts';
import { stepCurrent, validateProtocol, type ProtocolStep } from './protocol.ts';
import { illinois } from './roots.ts';

/** Default fixed time step [s]; see docs/numerics.md for the refinement study behind it. */
export const DEFAULT_TIME_STEP = 10;

export interface CellSimulationOptions {
  /** Parameter set or its registry name (default "chen2020"). */
  params?: ParameterSet | string;
  /** Initial state of charge, 0..1 (default 1). */
  soc?: number;
  protocol: readonly ProtocolStep[];
  /** Fixed time step [s] (default 10). */
  timeStep?: number;
  modes?: number;
  thermal?: ThermalMode;
  /** The cell model (default 'spm'). */
  model?: CellModel;
  /** The SPMe's electrolyte mesh (default 12 / 2 / 12 volumes). */
  mesh?: ElectrolyteMesh;
  /** Per-cell parameter overrides by dotted path (e.g. {"thermal.ambientTemperature": 273.15}). */
  overrides?: CellOverrides;
  /** Record the time series (default true). */
  record?: boolean;
}

/** 'electrolyte-depleted': the SPMe's c_e reached 10 mol/m3 somewhere (located inside the step); the run ends there. */
export type StepEndReason = 'voltage-cutoff' | 'duration' | 'current-cutoff' | 'table-end' | 'electrolyte-depleted';

export interface StepSummary {
  index: number;
  type: ProtocolStep['type'];
  startTime: number;
  endTime: number;
  endReason: StepEndReason;
}

export interface CellTrace {
  time: Float64Array;
  voltage: Float64Array;
  current: Float64Array;
  temperature: Float64Array;
  surfaceStoichNeg: Float64Array;
  surfaceStoichPos: Float64Array;
}

export interface CellSimulationResult {
  trace: CellTrace;
  steps: StepSummary[];
  /** Net charge delivered, discharge positive [Ah]. */
  capacityAh: number;
  dischargedAh: number;
  chargedAh: number;
  /** Net electrical energy delivered, discharge positive [Wh]. */
  energyWh: number;
  durationS: number;
  finalVoltageV: number;
  minVoltageV: number;
  maxVoltageV: number;
  finalTemperatureK: number;
  maxTemperatureK: number;
  /** Heat generated [J] and removed by cooling [J] over the run. */
  heatJ: number;
  coolingJ: number;
  /**
   * The heat by term [J]: irreversible, reversible, electrolyte and solid-phase Ohmic (Heun averages, as the temperature
   * sees them), current collectors and contact (I^2 R dt); they sum to heatJ.
   */
  heatTerms: HeatBreakdown & { collector: number; contact: number };
  /** Lowest electrolyte concentration over the run over its initial value (1 for the SPM). */
  minElectrolyteFraction: number;
  /** Net charge through the cell [C] (for conservation checks). */
  chargeC: number;
  parameters: CellKernelParameters;
  finalState: Float64Array;
  timeStep: number;
  modes: number;
  model: CellModel;
}

interface Cutoff {
  voltage: number;
  /** 'below' ends the step when V <= voltage (discharge), 'above' when V >= voltage (charge). */
  direction: 'below' | 'above';
}

/** Integrates one cell through a protocol, step by step, and keeps the bookkeeping. */
class CellRun {
  readonly kernel: CellKernel;
  readonly p: CellKernelParameters;
  readonly state: Float64Array;
  private readonly trial: Float64Array;
  private readonly ev: CellEvaluation = newEvaluation();
  time = 0;
  voltage: number;
  temperature: number;
  private readonly rec: Record<keyof CellTrace, number[]> | null;
  dischargedC = 0;
  chargedC = 0;
  energyJ = 0;
  heatJ = 0;
  coolingJ = 0;
  readonly heatTerms = { ...zeroHeat(), collector: 0, contact: 0 };
  minElectrolyte = 1;
  /** Set when the electrolyte depleted: the run ends. */
  depleted = false;
  minV: number;
  maxV: number;
  maxT: number;

  constructor(kernel: CellKernel, p: CellKernelParameters, record: boolean) {
    this.kernel = kernel;
    this.p = p;
    this.state = kernel.initialState(p);
    this.trial = new Float64Array(kernel.stateLength);
    this.temperature = kernel.temperature(this.state);
    this.voltage = kernel.evaluate(this.state, p, 0, this.temperature, this.ev).voltage;
    this.minV = this.maxV = this.voltage;
    this.maxT = this.temperature;
    this.rec = record ? { time: [], voltage: [], current: [], temperature: [], surfaceStoichNeg: [], surfaceStoichPos: [] } : null;
    this.record(0, this.ev);
  }

  private record(current: number, ev: CellEvaluation): void {
    if (!this.rec) return;
    this.rec.time.push(this.time);
    this.rec.voltage.push(ev.voltage);
    this.rec.current.push(current);
    this.rec.temperature.push(this.temperature);
    this.rec.surfaceStoichNeg.push(ev.surfaceStoichNeg);
    this.rec.surfaceStoichPos.push(ev.surfaceStoichPos);
  }

  /** Voltage at the current state with `current` applied now (before any time passes). */
  voltageNow(current: number): number {
    return this.kernel.evaluate(this.state, this.p, current, this.temperature, newEvaluation()).voltage;
  }

  /** End-of-step voltage if the cell were advanced by `dt` at `current`, without changing the run. */
  trialVoltage(current: number, dt: number): number {
    return this.trialStep(current, dt).voltage;
  }

  private trialStep(current: number, dt: number): { voltage: number; energy: StepEnergy } {
    this.trial.set(this.state);
    const energy = this.kernel.step(this.trial, this.p, current, dt, this.ev);
    return { voltage: this.ev.voltage, energy };
  }

  /**
   * Advance by up to `dt` at constant `current`. If `cutoff` is crossed inside the step, or the electrolyte depletes
   * (the SPMe), the earlier crossing is located (to 1e-12 relative) by re-integrating from the start of the step, and
   * the run stops exactly there. Returns why it stopped, or null.
   */
  advance(current: number, dt: number, cutoff?: Cutoff): 'voltage-cutoff' | 'electrolyte-depleted' | null {
    const energy = this.trialStep(current, dt).energy;
    let taken = dt;
    let stop: 'voltage-cutoff' | 'electrolyte-depleted' | null = null;
    const belowCutoff = cutoff !== undefined && beyond(this.ev.voltage, cutoff);
    const dry = energy.depletionMargin <= 0;
    if (belowCutoff || dry) {
      const cross = (f: (tau: number) => number) => {
        const tau = illinois(f, 0, dt, 1e-12);
        return Number.isFinite(tau) ? tau : dt;
      };
      const tauV = belowCutoff ? cross((tau) => this.trialVoltage(current, tau) - cutoff!.voltage) : Infinity;
      const tauE = dry ? cross((tau) => -this.trialStep(current, tau).energy.depletionMargin) : Infinity;
      taken = Math.min(tauV, tauE);
      stop = tauV <= tauE ? 'voltage-cutoff' : 'electrolyte-depleted';
    }
    const e = taken === dt ? energy : this.commitTrial(current, taken);
    if (taken === dt) this.state.set(this.trial);
    const vStart = e.voltageStart;
    this.time += taken;
    this.temperature = this.kernel.temperature(this.state);
    if (stop === 'voltage-cutoff') this.ev.voltage = cutoff!.voltage; // located to 1e-12 relative; report the cut-off itself
    this.voltage = this.ev.voltage;
    if (current > 0) this.dischargedC += current * taken;
    else this.chargedC -= current * taken;
    this.energyJ += 0.5 * current * (vStart + this.voltage) * taken;
    this.heatJ += e.heat;
    this.coolingJ += e.cooling;
    for (const t of HEAT_TERMS) this.heatTerms[t] += e.heatTerms[t];
    this.heatTerms.collector += current * current * this.p.collectorResistance * taken;
    this.heatTerms.contact += current * current * this.p.contactResistance * taken;
    this.minElectrolyte = Math.min(this.minElectrolyte, e.electrolyteMinimum);
    if (stop === 'electrolyte-depleted') this.depleted = true;
    this.minV = Math.min(this.minV, this.voltage, vStart);
    this.maxV = Math.max(this.maxV, this.voltage, vStart);
    this.maxT = Math.max(this.maxT, this.temperature);
    this.record(current, this.ev);
    return stop;
  }

  /** Advance the run's own state (still at the start of the step) by a partial step `dt`. */
  private commitTrial(current: number, dt: number) {
    return this.kernel.step(this.state, this.p, current, dt, this.ev);
  }

  result(steps: StepSummary[], timeStep: number): CellSimulationResult {
    const rec = this.rec;
    const arr = (k: keyof CellTrace) => Float64Array.from(rec ? rec[k] : []);
    const chargeC = this.dischargedC - this.chargedC;
    return {
      trace: {
        time: arr('time'),
        voltage: arr('voltage'),
        current: arr('current'),
        temperature: arr('temperature'),
        surfaceStoichNeg: arr('surfaceStoichNeg'),
        surfaceStoichPos: arr('surfaceStoichPos'),
      },
      steps,
      capacityAh: chargeC / SECONDS_PER_HOUR,
      dischargedAh: this.dischargedC / SECONDS_PER_HOUR,
      chargedAh: this.chargedC / SECONDS_PER_HOUR,
      energyWh: this.energyJ / SECONDS_PER_HOUR,
      durationS: this.time,
      finalVoltageV: this.voltage,
      minVoltageV: this.minV,
      maxVoltageV: this.maxV,
      finalTemperatureK: this.temperature,
      maxTemperatureK: this.maxT,
      heatJ: this.heatJ,
      coolingJ: this.coolingJ,
      heatTerms: { ...this.heatTerms },
      minElectrolyteFraction: this.minElectrolyte,
      chargeC,
      parameters: this.p,
      finalState: Float64Array.from(this.state),
      timeStep,
      modes: this.kernel.modes,
      model: this.kernel.model,
    };
  }
}

/**
 * Open-circuit voltage at the two ends of the usable lithium range (one electrode empty or full), without PyBaMM's
 * end regularisation: a cut-off outside this range is only "reached" through that artefact, so it is rejected.
 */
export function reachableVoltageRange(set: ParameterSet, overrides?: CellOverrides): [number, number] {
  const b = electrodeBalance(set, overrides);
  const ocv = (x: number) => {
    const y = (b.lithiumInventory - x * b.capacityNeg) / b.capacityPos;
    return evaluateSeries(ocpFunction(set.positive), y) - evaluateSeries(ocpFunction(set.negative), x);
  };
  const xMin = Math.max(0, (b.lithiumInventory - b.capacityPos) / b.capacityNeg);
  const xMax = Math.min(1, b.lithiumInventory / b.capacityNeg);
  return [ocv(xMin), ocv(xMax)];
}

function beyond(v: number, c: Cutoff): boolean {
  return c.direction === 'below' ? v <= c.voltage : v >= c.voltage;
}

/** Simulate one cell through a protocol with the f64 reference kernel. */
export function simulateCell(options: CellSimulationOptions): CellSimulationResult {
  const set = typeof options.params === 'string' || options.params === undefined ? getParameterSet(options.params ?? 'chen2020') : options.params;
  const soc = options.soc ?? 1;
  const dt = options.timeStep ?? DEFAULT_TIME_STEP;
  if (!(dt > 0 && Number.isFinite(dt))) throw new CellspreadInputError('timeStep', 'must be a number > 0', dt);
  const modes = options.modes ?? undefined;
  if (modes !== undefined && !(Number.isInteger(modes) && modes >= 1 && modes <= 200)) {
    throw new CellspreadInputError('modes', 'must be an integer between 1 and 200', modes);
  }
  const thermal = options.thermal ?? 'lumped';
  if (thermal !== 'lumped' && thermal !== 'isothermal') throw new CellspreadInputError('thermal', 'must be "lumped" or "isothermal"', thermal);
  const nominal = options.overrides?.['electrical.nominalCapacity'] ?? set.electrical.nominalCapacity;
  validateProtocol(options.protocol, nominal);
  const model = options.model ?? 'spm';
  if (model !== 'spm' && model !== 'spme') throw new CellspreadInputError('model', 'must be "spm" or "spme"', model);
  const kernel = new CellKernel(set, { model, modes, thermal, mesh: options.mesh });
  const p = deriveModelParameters(set, soc, model, options.overrides, kernel.mesh);
  const run = new CellRun(kernel, p, options.record ?? true);
  const lower = options.overrides?.['electrical.lowerVoltageCutoff'] ?? set.electrical.lowerVoltageCutoff;
  const upper = options.overrides?.['electrical.upperVoltageCutoff'] ?? set.electrical.upperVoltageCutoff;
  const steps: StepSummary[] = [];

  options.protocol.forEach((step, index) => {
    // A depleted electrolyte ends the run: the SPMe holds no further.
    if (run.depleted) return;
    const field = `protocol[${index}]`;
    const startTime = run.time;
    let endReason: StepEndReason;
    switch (step.type) {
      case 'discharge':
      case 'charge': {
        const magnitude = stepCurrent(step, nominal, field);
        const current = step.type === 'discharge' ? magnitude : -magnitude;
        const cutoff: Cutoff = {
          voltage: step.cutoffVoltage ?? (step.type === 'discharge' ? lower : upper),
          direction: step.type === 'discharge' ? 'below' : 'above',
        };
        const [floor, ceiling] = reachableVoltageRange(set, options.overrides);
        if (cutoff.voltage <= floor || cutoff.voltage >= ceiling) {
          throw new CellspreadInputError(
            `${field}.cutoffVoltage`,
            `can never be reached: the cell's open-circuit voltage spans ${floor.toFixed(3)} V (an electrode exhausted) to ${ceiling.toFixed(3)} V (an electrode full)`,
            cutoff.voltage,
          );
        }
        const vNow = run.voltageNow(current);
        if (beyond(vNow, cutoff)) {
          throw new CellspreadInputError(
            `${field}.cutoffVoltage`,
            `must be ${cutoff.direction === 'below' ? 'below' : 'above'} the voltage at the start of the ${step.type} (${vNow.toFixed(4)} V), or the step ends before it begins`,
            cutoff.voltage,
          );
        }
        // Longest possible step: the larger electrode emptied or filled completely, with margin.
        const limit = step.duration ?? (1.5 * SECONDS_PER_HOUR * Math.max(p.capacityNeg, p.capacityPos)) / magnitude;
        endReason = runUntil(run, current, dt, limit, cutoff);
        if (endReason === 'duration' && step.duration === undefined) {
          throw new CellspreadInputError(
            `${field}.cutoffVoltage`,
            `was never reached: the ${step.type} ran ${limit.toFixed(0)} s, past the full electrode capacity, without crossing it`,
            cutoff.voltage,
          );
        }
        break;
      }
      case 'rest':
        endReason = runUntil(run, 0, dt, step.duration);
        break;
      case 'cccv':
        endReason = runCcCv(run, step, nominal, upper, dt, field);
        break;
      case 'table':
        endReason = runTable(run, step, dt, lower, upper);
        break;
    }
    steps.push({ index, type: step.type, startTime, endTime: run.time, endReason });
  });
  return run.result(steps, dt);
}

function runUntil(run: CellRun, current: number, dt: number, duration: number, cutoff?: Cutoff): StepEndReason {
  const end = run.time + duration;
  // Integer step counting keeps the grid exact: no accumulated rounding in the time.
  const start = run.time;
  const n = Math.ceil(duration / dt - 1e-9);
  for (let k = 1; k <= n; k++) {
    const target = k === n ? end : start + k * dt;
    const stop = run.advance(current, target - run.time, cutoff);
    if (stop) return stop;
  }
  return 'duration';
}

function runCcCv(run: CellRun, step: import('./protocol.ts').CcCvStep, nominal: number, upper: number, dt: number, field: string): StepEndReason {
  const magnitude = stepCurrent(step, nominal, field);
  const vCv = step.voltage ?? upper;
  const iCut = step.cutoffCurrent ?? (step.cutoffCRate ?? 0.05) * nominal;
  const maxDuration = step.maxDuration ?? 10 * SECONDS_PER_HOUR;
  const end = run.time + maxDuration;
  // CC phase, unless the cell is already at the CV voltage.
  if (run.voltageNow(-magnitude) < vCv) {
    const reason = runUntil(run, -magnitude, dt, maxDuration, { voltage: vCv, direction: 'above' });
    if (reason === 'duration' || reason === 'electrolyte-depleted') return reason;
  }
  // CV phase: each step, the charge current that lands exactly on vCv at the end of the step.
  let previous = -magnitude;
  while (run.time < end - 1e-9) {
    const h = Math.min(dt, end - run.time);
    const f = (i: number) => run.trialVoltage(i, h) - vCv;
    let current = illinois(f, -magnitude, 0, 1e-13);
    if (!Number.isFinite(current)) current = f(0) >= 0 ? 0 : -magnitude;
    if (-current <= iCut) {
      // Current falls through the cut-off inside this step: end at the linearly interpolated crossing.
      const frac = (-previous - iCut) / (-previous + current);
      const tau = Math.max(0, Math.min(1, Number.isFinite(frac) ? frac : 1)) * h;
      if (tau > 0) {
        const g = (i: number) => run.trialVoltage(i, tau) - vCv;
        const last = illinois(g, -magnitude, 0, 1e-13);
        if (run.advance(Number.isFinite(last) ? last : -iCut, tau)) return 'electrolyte-depleted';
      }
      return 'current-cutoff';
    }
    if (run.advance(current, h)) return 'electrolyte-depleted';
    previous = current;
  }
  return 'duration';
}

function runTable(run: CellRun, step: import('./protocol.ts').CurrentTableStep, dt: number, lower: number, upper: number): StepEndReason {
  const t = step.time;
  const c = step.current;
  const linear = step.interpolation === 'linear';
  const lo: Cutoff = { voltage: step.lowerCutoff ?? lower, direction: 'below' };
  const hi: Cutoff = { voltage: step.upperCutoff ?? upper, direction: 'above' };
  const t0 = run.time;
  for (let j = 0; j < t.length - 1; j++) {
    const span = t[j + 1] - t[j];
    const n = Math.ceil(span / dt - 1e-9);
    for (let k = 1; k <= n; k++) {
      const a = t[j] + ((k - 1) * span) / n;
      const b = k === n ? t[j + 1] : t[j] + (k * span) / n;
      const mid = 0.5 * (a + b);
      const current = linear ? c[j] + ((c[j + 1] - c[j]) * (mid - t[j])) / span : c[j];
      const cutoff = current > 0 ? lo : current < 0 ? hi : undefined;
      const stop = run.advance(current, t0 + b - run.time, cutoff);
      if (stop) return stop;
    }
  }
  return 'table-end';
}
