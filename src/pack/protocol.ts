import { CellspreadInputError } from '../errors.ts';
import type { CcCvStep, ConstantCurrentStep, CurrentTableStep, RestStep } from '../model/protocol.ts';
import type { PackLayout } from './topology.ts';

/**
 * Pack protocol steps as written in a study file: the cell's steps (src/model/protocol.ts) with string currents [A]
 * and C-rates relative to the pack's capacity; a load or a table may give pack powers [W] instead.
 */
export interface PackLoadStep extends ConstantCurrentStep {
  /** Pack power [W] (> 0); a pack step gives exactly one of cRate, current, power. */
  power?: number;
}
export type PackRestStep = RestStep;
export type PackCcCvStep = CcCvStep;
export interface PackTableStep extends Omit<CurrentTableStep, 'current'> {
  /** String current at each breakpoint [A]; give this or `power`. */
  current?: readonly number[];
  /** Pack power at each breakpoint [W]; give this or `current`. */
  power?: readonly number[];
}
export type PackProtocolStep = PackLoadStep | PackRestStep | PackCcCvStep | PackTableStep;

/** How a segment drives the pack. */
export const SEGMENT_MODE = { current: 0, power: 1, constantVoltage: 2 } as const;

/**
 * The protocol compiled to flat segments that every backend runs the same way: each segment holds its drive constant
 * (current, power, or CV at the maximum cell voltage) for at most `duration` seconds and ends early at its limits.
 * When a limit ends a segment, the remaining segments of the same protocol step are skipped.
 */
export interface Segment {
  step: number;
  mode: (typeof SEGMENT_MODE)[keyof typeof SEGMENT_MODE];
  /** String current [A, > 0 discharge], pack power [W, > 0 discharge], or CV cell voltage [V]. */
  value: number;
  duration: number;
  /** Cell voltage limits (the pack limits are these times the series count). */
  lowerCutoff: number;
  upperCutoff: number;
  /** CV only: the segment ends when the charge current magnitude falls to this [A]. */
  currentCutoff: number;
  /** CV only: largest charge current magnitude [A]. */
  maxCurrent: number;
  /** 1 when reaching a limit hands over to the next segment of the same step (CC phase of CC-CV), else 0. */
  continueOnLimit: number;
}

/** Segment row layout in the flat f32/f64 protocol buffer shared by the kernels (generated SEG_* indices). */
export const SEGMENT_FIELDS = ['mode', 'value', 'duration', 'lowerCutoff', 'upperCutoff', 'currentCutoff', 'maxCurrent', 'continueOnLimit', 'step'] as const;

/** Pack compiled segments into the flat buffer the kernels read (SEGMENT_FIELDS.length numbers per segment). */
export function packSegments(segments: ReadonlyArray<Record<(typeof SEGMENT_FIELDS)[number], number>>): Float64Array {
  const out = new Float64Array(segments.length * SEGMENT_FIELDS.length);
  segments.forEach((s, i) => SEGMENT_FIELDS.forEach((f, k) => (out[i * SEGMENT_FIELDS.length + k] = s[f])));
  return out;
}

export interface CompileContext {
  layout: PackLayout;
  nominalCapacity: number;
  lowerCutoff: number;
  upperCutoff: number;
  /** Nominal cell voltage for bounding power steps [V]. */
  nominalVoltage: number;
}

const positive = (field: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new CellspreadInputError(field, 'must be a number > 0', v);
  return v;
};

/** `firstIndex`: the index of the first step in the study's protocol (error messages; segments count from 0). */
export function compileProtocol(protocol: readonly PackProtocolStep[], ctx: CompileContext, field = 'protocol', firstIndex = 0): Segment[] {
  if (!Array.isArray(protocol) || protocol.length === 0) throw new CellspreadInputError(field, 'must be a non-empty list of steps', protocol);
  const { layout, nominalCapacity: q, lowerCutoff, upperCutoff } = ctx;
  const packCapacity = q * layout.parallel;
  const segments: Segment[] = [];
  const base = { lowerCutoff, upperCutoff, currentCutoff: 0, maxCurrent: 0, continueOnLimit: 0 };
  protocol.forEach((step, i) => {
    const f = `${field}[${firstIndex + i}]`;
    switch (step.type) {
      case 'discharge':
      case 'charge': {
        const sign = step.type === 'discharge' ? 1 : -1;
        const given = ['cRate', 'current', 'power'].filter((k) => (step as unknown as Record<string, unknown>)[k] !== undefined);
        if (given.length !== 1) throw new CellspreadInputError(f, 'must give exactly one of cRate, current, power', given.join(', ') || 'none');
        const cut = step.cutoffVoltage;
        if (cut !== undefined) positive(`${f}.cutoffVoltage`, cut);
        const limits = {
          lowerCutoff: sign > 0 && cut !== undefined ? cut : lowerCutoff,
          upperCutoff: sign < 0 && cut !== undefined ? cut : upperCutoff,
        };
        if (step.power !== undefined) {
          const p = positive(`${f}.power`, step.power);
          const bound = (3 * 3600 * packCapacity * ctx.nominalVoltage * layout.series) / p;
          segments.push({ ...base, ...limits, step: i, mode: SEGMENT_MODE.power, value: sign * p, duration: step.duration === undefined ? bound : positive(`${f}.duration`, step.duration) });
        } else {
          const current = step.current !== undefined ? positive(`${f}.current`, step.current) : positive(`${f}.cRate`, step.cRate) * packCapacity;
          const bound = (3 * 3600 * packCapacity) / current;
          segments.push({ ...base, ...limits, step: i, mode: SEGMENT_MODE.current, value: sign * current, duration: step.duration === undefined ? bound : positive(`${f}.duration`, step.duration) });
        }
        break;
      }
      case 'rest':
        segments.push({ ...base, step: i, mode: SEGMENT_MODE.current, value: 0, duration: positive(`${f}.duration`, step.duration) });
        break;
      case 'cccv': {
        const current = step.current !== undefined ? positive(`${f}.current`, step.current) : positive(`${f}.cRate`, step.cRate ?? NaN) * packCapacity;
        const voltage = step.voltage === undefined ? upperCutoff : positive(`${f}.voltage`, step.voltage);
        const cutoff = step.cutoffCurrent !== undefined ? positive(`${f}.cutoffCurrent`, step.cutoffCurrent) : positive(`${f}.cutoffCRate`, step.cutoffCRate ?? 0.05) * packCapacity;
        const maxDuration = step.maxDuration === undefined ? 10 * 3600 : positive(`${f}.maxDuration`, step.maxDuration);
        segments.push({ ...base, step: i, mode: SEGMENT_MODE.current, value: -current, duration: maxDuration, upperCutoff: voltage, continueOnLimit: 1 });
        segments.push({ ...base, step: i, mode: SEGMENT_MODE.constantVoltage, value: voltage, duration: maxDuration, currentCutoff: cutoff, maxCurrent: current, upperCutoff: Infinity });
        break;
      }
      case 'table': {
        const { time } = step;
        const values = step.current ?? step.power;
        if ((step.current === undefined) === (step.power === undefined)) throw new CellspreadInputError(f, 'must give exactly one of current, power', 'both or neither');
        if (!Array.isArray(time) || time.length < 2) throw new CellspreadInputError(`${f}.time`, 'must list at least two times', time);
        if (!Array.isArray(values) || values.length !== time.length) throw new CellspreadInputError(`${f}.${step.current ? 'current' : 'power'}`, `must have one value per time (${time.length})`, values?.length);
        if (time[0] !== 0) throw new CellspreadInputError(`${f}.time[0]`, 'must be 0', time[0]);
        const mode = step.current ? SEGMENT_MODE.current : SEGMENT_MODE.power;
        const limits = {
          lowerCutoff: step.lowerCutoff === undefined ? lowerCutoff : positive(`${f}.lowerCutoff`, step.lowerCutoff),
          upperCutoff: step.upperCutoff === undefined ? upperCutoff : positive(`${f}.upperCutoff`, step.upperCutoff),
        };
        for (let k = 0; k + 1 < time.length; k++) {
          if (!(time[k + 1] > time[k])) throw new CellspreadInputError(`${f}.time[${k + 1}]`, `must be greater than time[${k}] = ${time[k]}`, time[k + 1]);
          if (!Number.isFinite(values[k])) throw new CellspreadInputError(`${f}.values[${k}]`, 'must be a finite number', values[k]);
          const span = time[k + 1] - time[k];
          if (step.interpolation === 'linear') {
            // Linear tables become short constant segments at midpoint values (second-order accurate in the segment length).
            const n = Math.max(1, Math.ceil(span / 10));
            for (let m = 0; m < n; m++) {
              const mid = (m + 0.5) / n;
              segments.push({ ...base, ...limits, step: i, mode, value: values[k] + (values[k + 1] - values[k]) * mid, duration: span / n });
            }
          } else segments.push({ ...base, ...limits, step: i, mode, value: values[k], duration: span });
        }
        break;
      }
      default:
        throw new CellspreadInputError(`${f}.type`, 'must be one of discharge, charge, rest, cccv, table', (step as { type?: unknown }).type);
    }
  });
  return segments;
}
