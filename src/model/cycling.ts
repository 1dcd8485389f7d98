/**
 * A single cell with SEI growth through a repeated cycle (the protocol steps of src/model/protocol.ts: discharge,
 * charge, rest, cccv), on the fixed-step scheme of src/model/sei.ts, with per-cycle outputs. It is the prototype of
 * the `repeat` block of the pack machines (docs/lifetime.md) and the "full electrochemistry" that cycle jumping
 * (src/model/cycle-jump.ts) runs on selected cycles. Cut-offs are located inside the step by re-integrating from its
 * start (Illinois), and the CV phase solves each step for the current that lands on the CV voltage, as
 * src/model/simulate.ts does for the SPM.
 */
import { CellspreadInputError } from '../errors.ts';
import { getParameterSet } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import { SECONDS_PER_HOUR } from './constants.ts';
import { deriveCellParameters, type CellOverrides } from './derive.ts';
import type { CellKernelParameters } from './layout.ts';
import { withTableBalance } from './ocp-table.ts';
import { stepCurrent, type CcCvStep, type ConstantCurrentStep, type RestStep } from './protocol.ts';
import { illinois } from './roots.ts';
import { deriveSeiParameters, lithiumLostToSei, newSeiEvaluation, SeiCellKernel, seiThickness, type SeiKernelParameters, type SeiOptions } from './sei.ts';

export type CycleStep = ConstantCurrentStep | RestStep | CcCvStep;

/** PyBaMM's reference experiment: 1C to the lower cut-off, rest 10 min, C/2 to the upper cut-off, hold until C/50, rest 10 min. */
export const REFERENCE_CYCLE: readonly CycleStep[] = [
  { type: 'discharge', cRate: 1 },
  { type: 'rest', duration: 600 },
  { type: 'cccv', cRate: 0.5, cutoffCRate: 0.02 },
  { type: 'rest', duration: 600 },
];

/** Per-cycle outputs (the columns of the PyBaMM reference `_cycles.csv` that the scheme produces). */
export interface CycleOutputs {
  cycle: number;
  /** Charge delivered by the discharge steps of the cycle [Ah]. */
  dischargeCapacityAh: number;
  dischargeEnergyWh: number;
  dischargeDurationS: number;
  /** Temperature at the end of the (last) discharge step [K]. */
  dischargeEndTemperatureK: number;
  maxTemperatureK: number;
  /** Charge put in by the charge and cccv steps [Ah]. */
  chargeCapacityAh: number;
  /** 100 * lithium held by the SEI / the cell's lithium inventory at manufacture, at the end of the cycle [%]. */
  lliPercent: number;
  seiThicknessM: number;
  capacityLostToSeiAh: number;
  cycleHeatJ: number;
  endTemperatureK: number;
  durationS: number;
}

export interface CyclingOptions {
  params?: ParameterSet | string;
  sei: SeiOptions['law'];
  /** The film's Joule heat in the cell heat (default true; false reproduces PyBaMM's SPM). */
  filmHeat?: boolean;
  /** Fixed time step [s] (default 10). */
  timeStep?: number;
  modes?: number;
  overrides?: CellOverrides;
  /** Initial state of charge (default 1). */
  soc?: number;
}

interface Cutoff {
  voltage: number;
  direction: 'below' | 'above';
}

/** One cell, its state and its clock; `runCycle` advances it through one pass of the steps. */
export class SeiCellCycler {
  readonly cell: SeiCellKernel;
  readonly p: CellKernelParameters;
  readonly s: SeiKernelParameters;
  readonly set: ParameterSet;
  readonly dt: number;
  state: Float64Array;
  time = 0;
  cycles = 0;
  /** Lithium in the particles at manufacture [Ah] (the LLI reference). */
  readonly lithiumInventory: number;
  private readonly trial: Float64Array;
  private readonly ev = newSeiEvaluation();
  private readonly nominal: number;

  constructor(options: CyclingOptions) {
    const set = typeof options.params === 'string' || options.params === undefined ? getParameterSet(options.params ?? 'okane2022') : options.params;
    this.set = set;
    this.dt = options.timeStep ?? 10;
    if (!(this.dt > 0 && Number.isFinite(this.dt))) throw new CellspreadInputError('timeStep', 'must be a number > 0', this.dt);
    const soc = options.soc ?? 1;
    this.p = withTableBalance(set, deriveCellParameters(set, soc, options.overrides), soc);
    this.s = deriveSeiParameters(set, options.overrides);
    this.cell = new SeiCellKernel(set, { law: options.sei, filmHeat: options.filmHeat, modes: options.modes });
    this.state = this.cell.initialState(this.p);
    this.trial = new Float64Array(this.cell.stateLength);
    this.lithiumInventory = this.p.initialStoichNeg * this.p.capacityNeg + this.p.initialStoichPos * this.p.capacityPos;
    this.nominal = options.overrides?.['electrical.nominalCapacity'] ?? set.electrical.nominalCapacity;
  }

  /** Loss of lithium inventory [%]: the SEI's lithium over the inventory at manufacture. */
  lliPercent(state = this.state): number {
    return (100 * lithiumLostToSei(this.s, state[this.cell.growthIndex])) / this.lithiumInventory;
  }

  voltageNow(current: number): number {
    return this.cell.evaluate(this.state, this.p, this.s, current, this.cell.temperature(this.state), this.ev).voltage;
  }

  private trialVoltage(current: number, dt: number): number {
    this.trial.set(this.state);
    this.cell.step(this.trial, this.p, this.s, current, dt, this.ev);
    return this.ev.voltage;
  }

  /** Run one cycle of `steps` (counted in `cycles`), returning its outputs. */
  runCycle(steps: readonly CycleStep[]): CycleOutputs {
    const out = this.runSteps(steps);
    out.cycle = ++this.cycles;
    return out;
  }

  /** Run `steps` once (a whole cycle or a part of one), returning their outputs; `cycle` is left 0. */
  runSteps(steps: readonly CycleStep[]): CycleOutputs {
    const start = this.time;
    const out: CycleOutputs = {
      cycle: 0,
      dischargeCapacityAh: 0,
      dischargeEnergyWh: 0,
      dischargeDurationS: 0,
      dischargeEndTemperatureK: NaN,
      maxTemperatureK: this.cell.temperature(this.state),
      chargeCapacityAh: 0,
      lliPercent: 0,
      seiThicknessM: 0,
      capacityLostToSeiAh: 0,
      cycleHeatJ: 0,
      endTemperatureK: 0,
      durationS: 0,
    };
    steps.forEach((step, i) => this.runStep(step, `steps[${i}]`, out));
    const growth = this.state[this.cell.growthIndex];
    out.lliPercent = this.lliPercent();
    out.seiThicknessM = seiThickness(this.s, growth);
    out.capacityLostToSeiAh = lithiumLostToSei(this.s, growth);
    out.endTemperatureK = this.cell.temperature(this.state);
    out.durationS = this.time - start;
    return out;
  }

  private runStep(step: CycleStep, field: string, out: CycleOutputs): void {
    const t0 = this.time;
    switch (step.type) {
      case 'discharge':
      case 'charge': {
        const magnitude = stepCurrent(step, this.nominal, field);
        const current = step.type === 'discharge' ? magnitude : -magnitude;
        const cutoff: Cutoff = {
          voltage: step.cutoffVoltage ?? (step.type === 'discharge' ? this.set.electrical.lowerVoltageCutoff : this.set.electrical.upperVoltageCutoff),
          direction: step.type === 'discharge' ? 'below' : 'above',
        };
        const limit = step.duration ?? (1.5 * SECONDS_PER_HOUR * Math.max(this.p.capacityNeg, this.p.capacityPos)) / magnitude;
        const reason = this.runFor(current, limit, out, cutoff);
        if (reason === 'duration' && step.duration === undefined) {
          throw new CellspreadInputError(`${field}.cutoffVoltage`, `was never reached in ${limit.toFixed(0)} s`, cutoff.voltage);
        }
        if (step.type === 'discharge') {
          out.dischargeDurationS += this.time - t0;
          out.dischargeEndTemperatureK = this.cell.temperature(this.state);
        }
        break;
      }
      case 'rest':
        this.runFor(0, step.duration, out);
        break;
      case 'cccv':
        this.runCcCv(step, field, out);
        break;
      default:
        throw new CellspreadInputError(`${field}.type`, 'must be one of discharge, charge, rest, cccv', (step as { type?: unknown }).type);
    }
  }

  private runFor(current: number, duration: number, out: CycleOutputs, cutoff?: Cutoff): 'duration' | 'cutoff' {
    const start = this.time;
    const n = Math.ceil(duration / this.dt - 1e-9);
    for (let k = 1; k <= n; k++) {
      const target = k === n ? start + duration : start + k * this.dt;
      if (this.advance(current, target - this.time, out, cutoff)) return 'cutoff';
    }
    return 'duration';
  }

  /** Advance by up to `dt` at `current`; if `cutoff` is crossed inside, stop exactly there. Returns whether it was. */
  private advance(current: number, dt: number, out: CycleOutputs, cutoff?: Cutoff): boolean {
    this.trial.set(this.state);
    let energy = this.cell.step(this.trial, this.p, this.s, current, dt, this.ev);
    if (cutoff && (cutoff.direction === 'below' ? this.ev.voltage <= cutoff.voltage : this.ev.voltage >= cutoff.voltage)) {
      const tau = illinois((h) => this.trialVoltage(current, h) - cutoff.voltage, 0, dt, 1e-12);
      const taken = Number.isFinite(tau) ? tau : dt;
      energy = this.cell.step(this.state, this.p, this.s, current, taken, this.ev);
      this.book(current, taken, energy.voltageStart, cutoff.voltage, energy.heat, out);
      return true;
    }
    this.state.set(this.trial);
    this.book(current, dt, energy.voltageStart, this.ev.voltage, energy.heat, out);
    return false;
  }

  private book(current: number, dt: number, vStart: number, vEnd: number, heat: number, out: CycleOutputs): void {
    this.time += dt;
    if (current > 0) {
      out.dischargeCapacityAh += (current * dt) / SECONDS_PER_HOUR;
      out.dischargeEnergyWh += (0.5 * current * (vStart + vEnd) * dt) / SECONDS_PER_HOUR;
    } else if (current < 0) out.chargeCapacityAh -= (current * dt) / SECONDS_PER_HOUR;
    out.cycleHeatJ += heat;
    out.maxTemperatureK = Math.max(out.maxTemperatureK, this.cell.temperature(this.state));
  }

  private runCcCv(step: CcCvStep, field: string, out: CycleOutputs): void {
    const magnitude = stepCurrent(step, this.nominal, field);
    const vCv = step.voltage ?? this.set.electrical.upperVoltageCutoff;
    const iCut = step.cutoffCurrent ?? (step.cutoffCRate ?? 0.05) * this.nominal;
    const end = this.time + (step.maxDuration ?? 10 * SECONDS_PER_HOUR);
    if (this.voltageNow(-magnitude) < vCv) {
      const reason = this.runFor(-magnitude, end - this.time, out, { voltage: vCv, direction: 'above' });
      if (reason === 'duration') return;
    }
    // CV phase, trapezoidal in the current: each step runs at the mean of its start and end currents, and the end current
    // is the one at which the end state sits exactly on vCv (the instantaneous constraint). Second order in dt, like the
    // oracle; holding the end current over the whole step instead (backward Euler, as simulate.ts does) shifts the end
    // of the hold by about dt/2, which is 5e-4 of the LLI per cycle at 10 s here (docs/lifetime.md).
    let start = -magnitude; // the current is continuous at the CC-to-CV switch
    while (this.time < end - 1e-9) {
      const h = Math.min(this.dt, end - this.time);
      const f = (i: number) => this.trialEndVoltage(0.5 * (start + i), i, h) - vCv;
      let current = illinois(f, -magnitude, 0, 1e-13);
      if (!Number.isFinite(current)) current = f(0) >= 0 ? 0 : -magnitude;
      if (-current <= iCut) {
        // The current falls through the cut-off inside this step: end where the line between the end currents crosses it.
        const frac = (-start - iCut) / (-start + current);
        const tau = Math.max(0, Math.min(1, Number.isFinite(frac) ? frac : 1)) * h;
        if (tau > 0) this.advance(0.5 * (start - iCut), tau, out);
        return;
      }
      this.advance(0.5 * (start + current), h, out);
      start = current;
    }
  }

  /** Voltage at the end of a trial step run at `current`, evaluated with the end current `endCurrent`. */
  private trialEndVoltage(current: number, endCurrent: number, dt: number): number {
    this.trial.set(this.state);
    this.cell.step(this.trial, this.p, this.s, current, dt, this.ev);
    return this.cell.evaluate(this.trial, this.p, this.s, endCurrent, this.cell.temperature(this.trial), this.ev).voltage;
  }
}

/** Cycle one cell `cycles` times through `steps` (default: the reference cycle) and return the per-cycle outputs. */
export function cycleCell(options: CyclingOptions & { cycles: number; steps?: readonly CycleStep[] }): CycleOutputs[] {
  if (!(Number.isInteger(options.cycles) && options.cycles >= 1)) throw new CellspreadInputError('cycles', 'must be an integer >= 1', options.cycles);
  const run = new SeiCellCycler(options);
  const rows: CycleOutputs[] = [];
  for (let c = 0; c < options.cycles; c++) rows.push(run.runCycle(options.steps ?? REFERENCE_CYCLE));
  return rows;
}
