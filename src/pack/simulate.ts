import { CellspreadInputError } from '../errors.ts';
import { CellKernel, newEvaluation, type ThermalMode } from '../model/cell.ts';
import type { CellKernelParameters } from '../model/layout.ts';
import { illinois } from '../model/roots.ts';
import type { ParameterSet } from '../params/types.ts';
import { PACK_OUTPUT_NAMES, STOP_REASON, type PackOutputs } from './outputs.ts';
import { SEGMENT_MODE, type Segment } from './protocol.ts';
import { cellCount, chainedToNext, validateLayout, type PackLayout } from './topology.ts';

export interface PackSettings {
  timeStep: number;
  modes: number;
  thermal: ThermalMode;
  /** Thermal conductance between neighbouring cells of a module [W/K] (0: none). */
  conduction: number;
  /** 'cell': stop a step when any cell reaches its voltage limit (as a BMS would); 'pack': when the pack voltage does. */
  stopAt: 'cell' | 'pack';
}

export interface PackSimulationInput {
  set: ParameterSet;
  layout: PackLayout;
  segments: readonly Segment[];
  settings: PackSettings;
  /** Kernel parameters of every cell, index group * parallel + j. */
  cells: readonly CellKernelParameters[];
  /** Resistance of the interconnect after each series group [Ohm]. */
  interconnect: ArrayLike<number>;
  /** Keep per-step, per-cell traces (for the worst pack's map). */
  record?: boolean;
}

export interface PackTrace {
  time: number[];
  current: number[];
  packVoltage: number[];
  /** Per step, one value per cell. */
  cellTemperature: Float64Array[];
  cellCurrent: Float64Array[];
  cellSoc: Float64Array[];
}

export interface PackDiagnostics {
  /** Chemical energy released, sum over cells of the integral of I_c times the surface OCV [J]. */
  chemicalEnergyJ: number;
  /** Heat removed by cooling [J]. */
  coolingJ: number;
  /** Collector Ohmic heat (part of heatJ) [J]. */
  collectorLossJ: number;
  /** Final cell temperatures [K] and sum of C_th (T - T0) [J]. */
  storedHeatJ: number;
  finalCellSoc: Float64Array;
  finalCellTemperature: Float64Array;
}

export interface PackSimulationResult {
  outputs: PackOutputs;
  /** Cell-steps taken on the committed path (Newton trials not counted). */
  cellSteps: number;
  diagnostics: PackDiagnostics;
  trace?: PackTrace;
}

/** Newton tolerance on cell currents, relative to max(1 A, |group current|). */
const CURRENT_TOLERANCE = 1e-10;
const MAX_NEWTON = 40;

/**
 * One pack through a compiled protocol with the f64 reference kernel.
 *
 * Each step solves Kirchhoff's laws in every parallel group at the END of the step: the cell currents I_j are those for
 * which every cell, advanced over the step with its own current, ends at the same terminal voltage and the currents sum
 * to the string current. Newton iterations use per-cell slopes dV_j/dI_j: the first iteration of a step reuses the slope
 * of the previous step's last iteration, every later iteration takes a fresh finite difference (h = 1e-4 A).
 * This is the implicit counterpart of the explicit per-step split used by established pack tools (e.g. liionpack),
 * which solves a linear network built from each cell's lagged OCV and internal resistance and can oscillate when a
 * cell's effective resistance is small compared with the step's change; see docs/packs.md.
 */
export class PackSimulator {
  private readonly kernel: CellKernel;
  private readonly layout: PackLayout;
  private readonly settings: PackSettings;
  private readonly cells: readonly CellKernelParameters[];
  private readonly n: number;
  private readonly L: number;
  private readonly states: Float64Array;
  private readonly start: Float64Array;
  private readonly trial: Float64Array;
  private readonly current: Float64Array;
  private readonly voltage: Float64Array;
  private readonly slope: Float64Array;
  private readonly heatIn: Float64Array;
  private readonly stepHeat: Float64Array;
  private readonly stepCooling: Float64Array;
  private readonly stepVoltageStart: Float64Array;
  private readonly stepOcvStart: Float64Array;
  private readonly stepOcvEnd: Float64Array;
  private readonly groupVoltage: Float64Array;
  private readonly interconnectTotal: number;
  private readonly ev = newEvaluation();
  private packSlope = 0;
  private stringCurrent = 0;
  private time = 0;
  private readonly out: PackOutputs;
  private readonly diag: PackDiagnostics;
  private cellSteps = 0;
  private readonly trace?: PackTrace;

  constructor(private readonly input: PackSimulationInput) {
    this.layout = validateLayout(input.layout);
    this.settings = input.settings;
    this.cells = input.cells;
    this.n = cellCount(this.layout);
    if (input.cells.length !== this.n) {
      throw new CellspreadInputError('cells', `must hold one parameter set per cell (${this.n})`, input.cells.length);
    }
    if (input.interconnect.length !== this.layout.series) {
      throw new CellspreadInputError('interconnect', `must hold one resistance per series group (${this.layout.series})`, input.interconnect.length);
    }
    this.kernel = new CellKernel(input.set, { modes: this.settings.modes, thermal: this.settings.thermal });
    this.L = this.kernel.stateLength;
    this.states = new Float64Array(this.n * this.L);
    for (let c = 0; c < this.n; c++) this.kernel.initialState(this.cells[c], this.states.subarray(c * this.L, (c + 1) * this.L));
    this.start = new Float64Array(this.states.length);
    this.trial = new Float64Array(this.states.length);
    this.current = new Float64Array(this.n);
    this.voltage = new Float64Array(this.n);
    this.slope = new Float64Array(this.n).fill(NaN);
    this.heatIn = new Float64Array(this.n);
    this.stepHeat = new Float64Array(this.n);
    this.stepCooling = new Float64Array(this.n);
    this.stepVoltageStart = new Float64Array(this.n);
    this.stepOcvStart = new Float64Array(this.n);
    this.stepOcvEnd = new Float64Array(this.n);
    this.groupVoltage = new Float64Array(this.layout.series);
    let r = 0;
    for (let g = 0; g < this.layout.series; g++) r += input.interconnect[g];
    this.interconnectTotal = r;
    this.checkConductionStability();
    this.out = Object.fromEntries(PACK_OUTPUT_NAMES.map((k) => [k, 0])) as PackOutputs;
    this.out.cutoffCell = -1;
    this.out.minCellVoltageV = Infinity;
    this.out.maxCellVoltageV = -Infinity;
    this.diag = {
      chemicalEnergyJ: 0,
      coolingJ: 0,
      collectorLossJ: 0,
      storedHeatJ: 0,
      finalCellSoc: new Float64Array(this.n),
      finalCellTemperature: new Float64Array(this.n),
    };
    if (input.record) this.trace = { time: [], current: [], packVoltage: [], cellTemperature: [], cellCurrent: [], cellSoc: [] };
    // Initial open-circuit state: group voltages at zero current (cells in a group may differ slightly before the
    // first step equalises them; the common voltage is their mean).
    this.start.set(this.states);
    this.solveAll(0, 0);
    this.observe(0);
    this.record();
  }

  private checkConductionStability(): void {
    const g = this.settings.conduction;
    if (!(g >= 0 && Number.isFinite(g))) throw new CellspreadInputError('pack.conduction', 'must be a number >= 0', g);
    if (g === 0 || this.settings.thermal === 'isothermal') return;
    let cMin = Infinity;
    for (const p of this.cells) cMin = Math.min(cMin, p.heatCapacity);
    const limit = cMin / (2 * this.settings.timeStep);
    if (g >= limit) {
      throw new CellspreadInputError(
        'pack.conduction',
        `must be below C_th / (2 timeStep) = ${limit.toPrecision(3)} W/K for the explicit conduction exchange to be stable; lower it or the time step`,
        g,
      );
    }
  }

  private cellTemperature(c: number, states = this.states): number {
    return this.kernel.referenceTemperature + states[c * this.L + 2];
  }

  /** Conduction heat into each cell from its chain neighbours, from the temperatures at the start of the step. */
  private computeConduction(): void {
    this.heatIn.fill(0);
    const G = this.settings.conduction;
    if (G === 0 || this.settings.thermal === 'isothermal') return;
    for (let c = 0; c < this.n; c++) {
      if (!chainedToNext(this.layout, c)) continue;
      const flow = G * (this.cellTemperature(c + 1, this.start) - this.cellTemperature(c, this.start));
      this.heatIn[c] += flow;
      this.heatIn[c + 1] -= flow;
    }
  }

  /** Advance cell c from the start state over dt at current I into the trial buffer; returns its end voltage (trials are not counted as cell-steps). */
  private trialCell(c: number, I: number, dt: number): number {
    const L = this.L;
    const s = this.trial.subarray(c * L, (c + 1) * L);
    s.set(this.start.subarray(c * L, (c + 1) * L));
    const e = this.kernel.step(s, this.cells[c], I, dt, this.ev, this.heatIn[c]);
    this.stepHeat[c] = e.heat;
    this.stepCooling[c] = e.cooling;
    this.stepVoltageStart[c] = e.voltageStart;
    this.stepOcvStart[c] = e.surfaceOcvStart;
    this.stepOcvEnd[c] = this.ev.surfaceOcv;
    this.voltage[c] = this.ev.voltage;
    return this.ev.voltage;
  }

  /** Solve the current sharing of group g carrying `I` over `dt`; leaves the trial states at the solution. */
  private solveGroup(g: number, I: number, dt: number): number {
    const np = this.layout.parallel;
    const c0 = g * np;
    if (np === 1) {
      this.current[c0] = I;
      const v = this.trialCell(c0, I, dt);
      if (Number.isNaN(this.slope[c0])) this.slope[c0] = this.finiteDifferenceSlope(c0, I, dt, v);
      this.groupVoltage[g] = v;
      return v;
    }
    let previousSum = 0;
    for (let j = 0; j < np; j++) previousSum += this.current[c0 + j];
    for (let j = 0; j < np; j++) {
      this.current[c0 + j] = Math.abs(previousSum) > 1e-12 * Math.max(1, Math.abs(I)) ? (this.current[c0 + j] * I) / previousSum : I / np;
    }
    const tolerance = CURRENT_TOLERANCE * Math.max(1, Math.abs(I));
    // Largest change of a cell current per iteration: Newton steps beyond this are damped.
    const cap = 0.5 * (Math.abs(I) / np + 1);
    const trialI = new Float64Array(np);
    const trialV = new Float64Array(np);
    let spread = this.evaluateGroup(c0, np, dt, this.current.subarray(c0, c0 + np), this.voltage.subarray(c0, c0 + np));
    for (let iter = 0; iter < MAX_NEWTON; iter++) {
      // Linearised Kirchhoff solve: common voltage V and updates delta_j with sum(delta_j) = I - sum(I_j).
      let sumI = 0;
      let sumInv = 0;
      let sumVoverS = 0;
      for (let j = 0; j < np; j++) {
        const c = c0 + j;
        if (!(this.slope[c] < 0)) this.slope[c] = this.finiteDifferenceSlope(c, this.current[c], dt, this.voltage[c]);
        sumI += this.current[c];
        sumInv += 1 / this.slope[c];
        sumVoverS += this.voltage[c] / this.slope[c];
      }
      const common = (I - sumI + sumVoverS) / sumInv;
      let worst = 0;
      for (let j = 0; j < np; j++) {
        const c = c0 + j;
        trialI[j] = (common - this.voltage[c]) / this.slope[c];
        worst = Math.max(worst, Math.abs(trialI[j]));
      }
      if (worst < tolerance) break;
      // Damped step with backtracking: accept the first step length that shrinks the voltage mismatch.
      let alpha = Math.min(1, cap / worst);
      const deltas = Float64Array.from(trialI);
      for (let attempt = 0; ; attempt++) {
        for (let j = 0; j < np; j++) trialI[j] = this.current[c0 + j] + alpha * deltas[j];
        const newSpread = this.evaluateGroup(c0, np, dt, trialI, trialV);
        if (newSpread < spread || attempt >= 8) {
          for (let j = 0; j < np; j++) {
            const c = c0 + j;
            // A fresh finite-difference slope is taken at the new currents in the next iteration.
            this.slope[c] = NaN;
            this.current[c] = trialI[j];
            this.voltage[c] = trialV[j];
          }
          spread = newSpread;
          break;
        }
        alpha *= 0.5;
      }
    }
    // Re-run the cells at the accepted currents so the trial states are exactly those currents' end states.
    this.evaluateGroup(c0, np, dt, this.current.subarray(c0, c0 + np), this.voltage.subarray(c0, c0 + np));
    let sum = 0;
    for (let j = 0; j < np; j++) sum += this.voltage[c0 + j];
    this.groupVoltage[g] = sum / np;
    return this.groupVoltage[g];
  }

  /** Trial-step every cell of a group at the given currents; returns the spread (max - min) of end voltages. */
  private evaluateGroup(c0: number, np: number, dt: number, currents: ArrayLike<number>, voltages: Float64Array): number {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < np; j++) {
      const v = this.trialCell(c0 + j, currents[j], dt);
      voltages[j] = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return Number.isFinite(hi - lo) ? hi - lo : Infinity;
  }

  private finiteDifferenceSlope(c: number, I: number, dt: number, v: number): number {
    const h = 1e-4;
    const L = this.L;
    const saved = this.trial.slice(c * L, (c + 1) * L);
    const keep = [this.stepHeat[c], this.stepCooling[c], this.stepVoltageStart[c], this.stepOcvStart[c], this.stepOcvEnd[c], this.voltage[c]];
    const vh = this.trialCell(c, I + h, dt);
    this.trial.set(saved, c * L);
    [this.stepHeat[c], this.stepCooling[c], this.stepVoltageStart[c], this.stepOcvStart[c], this.stepOcvEnd[c], this.voltage[c]] = keep;
    const s = (vh - v) / h;
    return s < 0 && Number.isFinite(s) ? s : -1e-3;
  }

  /** All groups at string current I over dt from the start states; returns the pack voltage. */
  private solveAll(I: number, dt: number): number {
    this.computeConduction();
    let v = 0;
    let slope = 0;
    const np = this.layout.parallel;
    for (let g = 0; g < this.layout.series; g++) {
      v += dt > 0 ? this.solveGroup(g, I, dt) : this.openCircuitGroup(g);
      let inv = 0;
      for (let j = 0; j < np; j++) inv += 1 / (this.slope[g * np + j] || -1e-3);
      slope += 1 / inv;
    }
    this.packSlope = slope - this.interconnectTotal;
    return v - I * this.interconnectTotal;
  }

  private openCircuitGroup(g: number): number {
    const np = this.layout.parallel;
    let sum = 0;
    for (let j = 0; j < np; j++) {
      const c = g * np + j;
      const s = this.start.subarray(c * this.L, (c + 1) * this.L);
      const e = this.kernel.evaluate(s, this.cells[c], 0, this.cellTemperature(c, this.start), this.ev);
      this.voltage[c] = e.voltage;
      sum += e.voltage;
    }
    this.groupVoltage[g] = sum / np;
    return this.groupVoltage[g];
  }

  /** Solve the drive of a segment over dt: returns the string current, or NaN if the power cannot be delivered. */
  private drive(seg: Segment, dt: number): number {
    if (seg.mode === SEGMENT_MODE.current) {
      this.solveAll(seg.value, dt);
      return seg.value;
    }
    if (seg.mode === SEGMENT_MODE.power) {
      const P = seg.value;
      let I = this.stringCurrent !== 0 && Math.sign(this.stringCurrent) === Math.sign(P) ? this.stringCurrent : P / (this.out.finalPackVoltageV || 1);
      for (let iter = 0; iter < MAX_NEWTON; iter++) {
        const v = this.solveAll(I, dt);
        const f = I * v - P;
        const df = v + I * this.packSlope;
        if (Math.abs(f) < 1e-10 * Math.abs(P)) return I;
        if (P > 0 && df <= 0) return NaN; // past the maximum-power point: the demand cannot be met
        const next = I - f / df;
        I = Math.sign(next) === Math.sign(P) || next === 0 ? next : I / 2;
      }
      return I;
    }
    // Constant voltage on the highest cell (charge): the string current that lands max group voltage on the CV value.
    const target = seg.value;
    const f = (I: number) => {
      this.solveAll(I, dt);
      let vmax = -Infinity;
      for (let g = 0; g < this.layout.series; g++) vmax = Math.max(vmax, this.groupVoltage[g]);
      return vmax - target;
    };
    let I = illinois(f, -seg.maxCurrent, 0, 1e-13);
    if (!Number.isFinite(I)) I = f(0) >= 0 ? 0 : -seg.maxCurrent;
    this.solveAll(I, dt);
    return I;
  }

  /** How far the pack is past the segment's limit (> 0 means crossed), for the current direction. */
  private limitExcess(seg: Segment, I: number): { excess: number; group: number } {
    let worstGroup = -1;
    if (I > 0) {
      if (this.settings.stopAt === 'pack') return { excess: this.series() * seg.lowerCutoff - this.packVoltage(I), group: -1 };
      let vmin = Infinity;
      for (let g = 0; g < this.layout.series; g++) if (this.groupVoltage[g] < vmin) [vmin, worstGroup] = [this.groupVoltage[g], g];
      return { excess: seg.lowerCutoff - vmin, group: worstGroup };
    }
    if (I < 0 && seg.mode !== SEGMENT_MODE.constantVoltage) {
      if (this.settings.stopAt === 'pack') return { excess: this.packVoltage(I) - this.series() * seg.upperCutoff, group: -1 };
      let vmax = -Infinity;
      for (let g = 0; g < this.layout.series; g++) if (this.groupVoltage[g] > vmax) [vmax, worstGroup] = [this.groupVoltage[g], g];
      return { excess: vmax - seg.upperCutoff, group: worstGroup };
    }
    return { excess: -Infinity, group: -1 };
  }

  private series(): number {
    return this.layout.series;
  }

  private packVoltage(I: number): number {
    let v = 0;
    for (let g = 0; g < this.layout.series; g++) v += this.groupVoltage[g];
    return v - I * this.interconnectTotal;
  }

  /** Accept the trial states as the new state after a step of length dt at string current I. */
  private commit(I: number, dt: number): void {
    const np = this.layout.parallel;
    // Energy at the terminals by the trapezoid rule over the step.
    let vStart = 0;
    for (let g = 0; g < this.layout.series; g++) {
      let s = 0;
      for (let j = 0; j < np; j++) s += this.stepVoltageStart[g * np + j];
      vStart += s / np;
    }
    vStart -= I * this.interconnectTotal;
    const vEnd = this.packVoltage(I);
    this.out.energyWh += (0.5 * I * (vStart + vEnd) * dt) / 3600;
    this.out.capacityAh += (I * dt) / 3600;
    this.out.interconnectLossJ += I * I * this.interconnectTotal * dt;
    for (let c = 0; c < this.n; c++) {
      const ic = this.current[c];
      this.out.weldLossJ += ic * ic * this.cells[c].contactResistance * dt;
      this.diag.collectorLossJ += ic * ic * this.cells[c].collectorResistance * dt;
      this.out.heatJ += this.stepHeat[c];
      this.diag.coolingJ += this.stepCooling[c];
      this.diag.chemicalEnergyJ += 0.5 * ic * (this.stepOcvStart[c] + this.stepOcvEnd[c]) * dt;
    }
    this.states.set(this.trial);
    this.time += dt;
    this.stringCurrent = I;
    this.cellSteps += this.n;
    this.observe(I);
    this.record();
  }

  private observe(I: number): void {
    const np = this.layout.parallel;
    let tMin = Infinity;
    let tMax = -Infinity;
    for (let c = 0; c < this.n; c++) {
      const T = this.cellTemperature(c);
      tMin = Math.min(tMin, T);
      tMax = Math.max(tMax, T);
    }
    this.out.maxTemperatureK = Math.max(this.out.maxTemperatureK, tMax);
    this.out.maxTemperatureSpreadK = Math.max(this.out.maxTemperatureSpreadK, tMax - tMin);
    for (let g = 0; g < this.layout.series; g++) {
      this.out.minCellVoltageV = Math.min(this.out.minCellVoltageV, this.groupVoltage[g]);
      this.out.maxCellVoltageV = Math.max(this.out.maxCellVoltageV, this.groupVoltage[g]);
    }
    if (Math.abs(I) > 1e-9) {
      const mean = Math.abs(I) / np;
      for (let c = 0; c < this.n; c++) this.out.maxCurrentImbalance = Math.max(this.out.maxCurrentImbalance, Math.abs(this.current[c]) / mean);
    }
    this.out.finalPackVoltageV = this.packVoltage(I);
  }

  private cellSoc(c: number): number {
    const p = this.cells[c];
    return (this.states[c * this.L] - p.stoichNegEmpty) / (p.stoichNegFull - p.stoichNegEmpty);
  }

  private record(): void {
    if (!this.trace) return;
    this.trace.time.push(this.time);
    this.trace.current.push(this.stringCurrent);
    this.trace.packVoltage.push(this.out.finalPackVoltageV);
    const T = new Float64Array(this.n);
    const soc = new Float64Array(this.n);
    for (let c = 0; c < this.n; c++) {
      T[c] = this.cellTemperature(c);
      soc[c] = this.cellSoc(c);
    }
    this.trace.cellTemperature.push(T);
    this.trace.cellCurrent.push(Float64Array.from(this.current));
    this.trace.cellSoc.push(soc);
  }

  /** Run a segment; returns the stop reason if a limit ended it, else null. */
  private runSegment(seg: Segment): number | null {
    const dt = this.settings.timeStep;
    const steps = Math.ceil(seg.duration / dt - 1e-9);
    const t0 = this.time;
    for (let k = 1; k <= steps; k++) {
      const h = (k === steps ? t0 + seg.duration : t0 + k * dt) - this.time;
      this.start.set(this.states);
      const I = this.drive(seg, h);
      if (Number.isNaN(I)) return STOP_REASON.powerLimit;
      if (seg.mode === SEGMENT_MODE.constantVoltage && -I <= seg.currentCutoff) {
        // The charge current falls through its cut-off inside this step: end at the interpolated crossing.
        const previous = -this.stringCurrent;
        const frac = previous > seg.currentCutoff ? (previous - seg.currentCutoff) / (previous + I) : 1;
        const tau = Math.max(0, Math.min(1, frac)) * h;
        if (tau > 0) this.commit(this.drive(seg, tau), tau);
        return STOP_REASON.completed;
      }
      const limit = this.limitExcess(seg, I);
      if (limit.excess >= 0) {
        // Locate the crossing inside the step and stop there.
        const f = (tau: number) => {
          const Ii = this.drive(seg, tau);
          return Number.isNaN(Ii) ? 1 : this.limitExcess(seg, Ii).excess;
        };
        const tau = illinois(f, 0, h, 1e-12);
        const step = Number.isFinite(tau) && tau > 0 ? tau : h;
        const Ic = this.drive(seg, step);
        const cross = this.limitExcess(seg, Ic);
        this.commit(Ic, step);
        // A CC phase ending at its CV voltage hands over to the CV segment: no cut-off event.
        if (seg.continueOnLimit) return STOP_REASON.completed;
        this.markCutoff(Ic, cross.group);
        return this.settings.stopAt === 'pack' ? STOP_REASON.packLimit : STOP_REASON.cellLimit;
      }
      this.commit(I, h);
    }
    return null;
  }

  private markCutoff(I: number, group: number): void {
    if (this.out.cutoffCell >= 0) return;
    this.out.timeToFirstCutoffS = this.time;
    const np = this.layout.parallel;
    if (group < 0) {
      // Pack limit: report the group with the most extreme voltage.
      let best = 0;
      for (let g = 1; g < this.layout.series; g++) {
        if (I > 0 ? this.groupVoltage[g] < this.groupVoltage[best] : this.groupVoltage[g] > this.groupVoltage[best]) best = g;
      }
      group = best;
    }
    // Within the group the terminal voltages are equal; the cell whose own voltage (before its weld) is most extreme is the limiting cell.
    let cell = group * np;
    let extreme = I > 0 ? Infinity : -Infinity;
    for (let j = 0; j < np; j++) {
      const c = group * np + j;
      const own = this.voltage[c] + this.current[c] * this.cells[c].contactResistance;
      if (I > 0 ? own < extreme : own > extreme) [extreme, cell] = [own, c];
    }
    this.out.cutoffCell = cell;
  }

  run(): PackSimulationResult {
    const segments = this.input.segments;
    let stopReason: number = STOP_REASON.completed;
    for (let s = 0; s < segments.length; s++) {
      const reason = this.runSegment(segments[s]);
      if (reason === STOP_REASON.powerLimit) {
        stopReason = reason;
        if (this.out.cutoffCell < 0) this.out.timeToFirstCutoffS = this.time;
        break;
      }
      if (reason !== null) {
        if (reason !== STOP_REASON.completed) stopReason = reason;
        // A limit ends the whole protocol step: skip its remaining segments.
        while (s + 1 < segments.length && segments[s + 1].step === segments[s].step && reason !== STOP_REASON.completed) s++;
      }
    }
    this.out.durationS = this.time;
    if (this.out.cutoffCell < 0) this.out.timeToFirstCutoffS = this.time;
    this.out.stopReason = stopReason;
    let socMin = Infinity;
    let socMax = -Infinity;
    let stored = 0;
    for (let c = 0; c < this.n; c++) {
      const soc = this.cellSoc(c);
      this.diag.finalCellSoc[c] = soc;
      this.diag.finalCellTemperature[c] = this.cellTemperature(c);
      socMin = Math.min(socMin, soc);
      socMax = Math.max(socMax, soc);
      stored += this.cells[c].heatCapacity * (this.cellTemperature(c) - this.cells[c].initialTemperature);
    }
    this.diag.storedHeatJ = stored;
    this.out.finalSocSpread = socMax - socMin;
    return { outputs: { ...this.out }, cellSteps: this.cellSteps, diagnostics: this.diag, trace: this.trace };
  }
}

export function simulatePack(input: PackSimulationInput): PackSimulationResult {
  return new PackSimulator(input).run();
}
