import { CellspreadInputError } from '../errors.ts';

/*
 * Protocol steps of one cell. A pack protocol (src/pack/protocol.ts) takes the same steps, with its currents the string
 * currents and its C-rates relative to the pack's capacity; voltages stay cell voltages.
 */

/** Constant-current discharge (current > 0) or charge, ended by a voltage cut-off or a duration, whichever first. */
export interface ConstantCurrentStep {
  type: 'discharge' | 'charge';
  /** C-rate relative to the nominal capacity (> 0); give this or `current`. */
  cRate?: number;
  /** Current magnitude [A] (> 0); give this or `cRate`. */
  current?: number;
  /** Voltage that ends the step [V]; defaults to the set's lower (discharge) or upper (charge) cut-off. */
  cutoffVoltage?: number;
  /** Optional fixed duration [s]; with it the step may end before the cut-off. */
  duration?: number;
}

export interface RestStep {
  type: 'rest';
  duration: number;
}

/** Constant-current charge to `voltage`, then constant voltage until the current falls to the cut-off. */
export interface CcCvStep {
  type: 'cccv';
  cRate?: number;
  current?: number;
  /** CV voltage [V]; defaults to the set's upper cut-off. */
  voltage?: number;
  /** CV ends when the charge current falls below this C-rate (default 0.05) or `cutoffCurrent` [A]. */
  cutoffCRate?: number;
  cutoffCurrent?: number;
  /** Safety limit on the whole step [s] (default 10 h). */
  maxDuration?: number;
}

/** An arbitrary current-versus-time table (drive cycle), current > 0 discharge, ended early by either voltage cut-off. */
export interface CurrentTableStep {
  type: 'table';
  /** Breakpoint times [s], strictly increasing, starting at 0. */
  time: readonly number[];
  /** Current at each breakpoint [A]. */
  current: readonly number[];
  /** 'previous' holds each value until the next breakpoint (default); 'linear' interpolates. */
  interpolation?: 'previous' | 'linear';
  /** Voltage limits ending the table early [V] (default the set's cut-offs). */
  lowerCutoff?: number;
  upperCutoff?: number;
}

export type ProtocolStep = ConstantCurrentStep | RestStep | CcCvStep | CurrentTableStep;

function positive(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new CellspreadInputError(field, 'must be a number > 0', v);
  return v;
}

/** The current magnitude [A] of a step given by C-rate or current. */
export function stepCurrent(step: { cRate?: number; current?: number }, nominalCapacity: number, field: string): number {
  if (step.cRate !== undefined && step.current !== undefined) {
    throw new CellspreadInputError(field, 'must give cRate or current, not both', step);
  }
  if (step.current !== undefined) return positive(`${field}.current`, step.current);
  if (step.cRate !== undefined) return positive(`${field}.cRate`, step.cRate) * nominalCapacity;
  throw new CellspreadInputError(field, 'must give cRate or current', step);
}

/** Structural validation of a protocol; physical reachability is checked while simulating. */
export function validateProtocol(protocol: readonly ProtocolStep[], nominalCapacity: number, field = 'protocol'): void {
  if (!Array.isArray(protocol) || protocol.length === 0) throw new CellspreadInputError(field, 'must be a non-empty list of steps', protocol);
  protocol.forEach((step, i) => {
    const f = `${field}[${i}]`;
    switch (step?.type) {
      case 'discharge':
      case 'charge':
        stepCurrent(step, nominalCapacity, f);
        if (step.cutoffVoltage !== undefined) positive(`${f}.cutoffVoltage`, step.cutoffVoltage);
        if (step.duration !== undefined) positive(`${f}.duration`, step.duration);
        break;
      case 'rest':
        positive(`${f}.duration`, step.duration);
        break;
      case 'cccv':
        stepCurrent(step, nominalCapacity, f);
        if (step.voltage !== undefined) positive(`${f}.voltage`, step.voltage);
        if (step.cutoffCRate !== undefined) positive(`${f}.cutoffCRate`, step.cutoffCRate);
        if (step.cutoffCurrent !== undefined) positive(`${f}.cutoffCurrent`, step.cutoffCurrent);
        if (step.maxDuration !== undefined) positive(`${f}.maxDuration`, step.maxDuration);
        break;
      case 'table': {
        const { time, current } = step;
        if (!Array.isArray(time) || time.length < 2) throw new CellspreadInputError(`${f}.time`, 'must list at least two times', time);
        if (!Array.isArray(current) || current.length !== time.length) {
          throw new CellspreadInputError(`${f}.current`, `must have one value per time (${time.length})`, current?.length);
        }
        if (time[0] !== 0) throw new CellspreadInputError(`${f}.time[0]`, 'must be 0', time[0]);
        for (let k = 1; k < time.length; k++) {
          if (!(time[k] > time[k - 1])) throw new CellspreadInputError(`${f}.time[${k}]`, `must be greater than time[${k - 1}] = ${time[k - 1]}`, time[k]);
        }
        current.forEach((c, k) => {
          if (typeof c !== 'number' || !Number.isFinite(c)) throw new CellspreadInputError(`${f}.current[${k}]`, 'must be a finite number', c);
        });
        if (step.interpolation !== undefined && step.interpolation !== 'previous' && step.interpolation !== 'linear') {
          throw new CellspreadInputError(`${f}.interpolation`, 'must be "previous" or "linear"', step.interpolation);
        }
        break;
      }
      default:
        throw new CellspreadInputError(`${f}.type`, 'must be one of discharge, charge, rest, cccv, table', (step as { type?: unknown })?.type);
    }
  });
}
