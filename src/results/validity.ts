/**
 * Valid states only, the results side: every simulated pack's outputs are checked against what the physics allows
 * before they enter a results folder's statistics. A pack whose outputs are not finite, whose cell voltage left the
 * protocol's limits or reached 0 V, whose net charge is more than its cells hold, whose energy has the wrong sign for
 * its protocol, or whose temperature left the physical range is INVALID: it gets a status and a reason, is counted and
 * listed in the summary, the CLI and the report, and never enters the statistics.
 *
 * A kernel may also end a pack with a stop reason (the `stopReason` output, codes in STOP_REASON): each code says here
 * whether it is a normal end (the protocol completed, a voltage limit was reached) or an invalid state. A code this
 * table does not know is invalid, so a new kernel stop reason can never pass silently.
 */
import { CELL_PARAMETER_INDEX } from '../model/layout.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX, PACK_OUTPUTS, STOP_REASON } from '../pack/outputs.ts';
import { SEGMENT_MODE, type Segment } from '../pack/protocol.ts';
import type { PackLayout } from '../pack/topology.ts';
import type { ParameterSet } from '../params/types.ts';
import { CAPACITY_SLACK, TEMPERATURE_RANGE_K, VOLTAGE_LIMIT_SLACK_V } from '../spec/physical.ts';

/** What each kernel stop reason means for the pack's result. Keyed by STOP_REASON's names, so none can be missing. */
export const STOP_REASON_STATUS = {
  completed: { valid: true, description: 'the protocol completed' },
  cellLimit: { valid: true, description: 'a cell reached a voltage limit' },
  packLimit: { valid: true, description: 'the pack reached a voltage limit' },
  powerLimit: { valid: true, description: 'the pack could not deliver the requested power' },
  electrolyteDepleted: { valid: true, description: "a cell's electrolyte ran dry (the SPMe: c_e reached 10 mol/m3)" },
  cellExhausted: {
    valid: true,
    description: "a cell was exhausted (its particle surface reached the end of its stoichiometry range, or its voltage collapsed to 0 V) before any voltage limit: the run stopped there",
  },
  voltageOutOfRange: {
    valid: false,
    description: 'a cell or the pack reached a voltage the model cannot describe (not finite, a cell above 10 V, the pack at or below 0 V): the run stopped before it',
  },
} as const satisfies Record<keyof typeof STOP_REASON, { valid: boolean; description: string }>;

const STOP_BY_CODE = new Map<number, { name: string; valid: boolean; description: string }>(
  Object.entries(STOP_REASON).map(([name, code]) => [code, { name, ...STOP_REASON_STATUS[name as keyof typeof STOP_REASON] }]),
);

/** The meaning of a stop reason code, or undefined when no kernel defines it. */
export function stopReasonStatus(code: number): { name: string; valid: boolean; description: string } | undefined {
  return STOP_BY_CODE.get(code);
}

/** The study-wide facts the checks need (from the study model): the protocol's voltage window and load direction. */
export interface ValidityContext {
  series: number;
  cellsPerPack: number;
  /** Lowest and highest cell voltage limit any protocol step allows [V]. */
  lowerVoltage: number;
  upperVoltage: number;
  /** True when every step discharges or rests (net charge and energy must be >= 0), false for charge-only. */
  dischargeOnly: boolean;
  chargeOnly: boolean;
}

export function validityContext(set: ParameterSet, layout: PackLayout, segments: readonly Segment[]): ValidityContext {
  let lower = Infinity;
  let upper = -Infinity;
  let discharges = false;
  let charges = false;
  for (const s of segments) {
    lower = Math.min(lower, s.lowerCutoff);
    upper = Math.max(upper, s.mode === SEGMENT_MODE.constantVoltage ? s.value : s.upperCutoff);
    if (s.mode === SEGMENT_MODE.constantVoltage || s.value < 0) charges = true;
    if (s.mode !== SEGMENT_MODE.constantVoltage && s.value > 0) discharges = true;
  }
  return {
    series: layout.series,
    cellsPerPack: layout.series * layout.parallel,
    lowerVoltage: Math.min(lower, set.electrical.lowerVoltageCutoff),
    upperVoltage: Math.max(Number.isFinite(upper) ? upper : -Infinity, set.electrical.upperVoltageCutoff),
    dischargeOnly: !charges,
    chargeOnly: !discharges,
  };
}

/**
 * Largest net charge each pack of a chunk can move [Ah]: the string current passes through every series group, and a
 * group holds at most the sum over its cells of the smaller electrode capacity. `kernelParameters` is the chunk's
 * parameter array (CELL_PARAMETER_COUNT x count x cellsPerPack).
 */
export function chargeBounds(kernelParameters: Float64Array, count: number, layout: PackLayout): Float64Array {
  const cells = layout.series * layout.parallel;
  const qn = CELL_PARAMETER_INDEX.capacityNeg;
  const qp = CELL_PARAMETER_INDEX.capacityPos;
  const out = new Float64Array(count);
  for (let s = 0; s < count; s++) {
    let bound = Infinity;
    for (let g = 0; g < layout.series; g++) {
      let sum = 0;
      for (let j = 0; j < layout.parallel; j++) {
        const c = g * layout.parallel + j;
        sum += Math.min(kernelParameters[(qn * count + s) * cells + c], kernelParameters[(qp * count + s) * cells + c]);
      }
      bound = Math.min(bound, sum);
    }
    out[s] = bound;
  }
  return out;
}

const O = PACK_OUTPUT_INDEX;
const UNIT = Object.fromEntries(PACK_OUTPUTS.map((o) => [o.name, o.unit])) as Record<string, string>;

function show(name: keyof typeof O, v: number): string {
  const unit = UNIT[name] && UNIT[name] !== '-' ? ` ${UNIT[name]}` : '';
  return `${name} = ${Number.isFinite(v) ? Number(v.toPrecision(6)) : v}${unit}`;
}

/**
 * Why the pack whose outputs are `row[offset .. offset + PACK_OUTPUT_COUNT)` is not a valid result, or undefined when
 * it is. `chargeBound` is its cells' largest net charge [Ah] (see chargeBounds; Infinity when unknown).
 */
export function invalidPackReason(row: ArrayLike<number>, offset: number, ctx: ValidityContext, chargeBound = Infinity): string | undefined {
  const v = (name: keyof typeof O) => row[offset + O[name]];
  for (let k = 0; k < PACK_OUTPUT_COUNT; k++) {
    const x = row[offset + k];
    if (!Number.isFinite(x)) return `${PACK_OUTPUTS[k].name} is ${x}: not a result`;
  }
  const stop = stopReasonStatus(v('stopReason'));
  if (!stop) return `${show('stopReason', v('stopReason'))} is not a stop reason any kernel defines`;
  if (!stop.valid) return stop.description;
  const vMin = v('minCellVoltageV');
  const vMax = v('maxCellVoltageV');
  if (!(vMin > 0)) return `${show('minCellVoltageV', vMin)}: a cell voltage must stay above 0 V`;
  if (vMin < ctx.lowerVoltage - VOLTAGE_LIMIT_SLACK_V) return `${show('minCellVoltageV', vMin)} is below the protocol's lowest voltage limit (${ctx.lowerVoltage} V): a step ran past its limit`;
  if (vMax > ctx.upperVoltage + VOLTAGE_LIMIT_SLACK_V) return `${show('maxCellVoltageV', vMax)} is above the protocol's highest voltage limit (${ctx.upperVoltage} V): a step ran past its limit`;
  if (!(vMax >= vMin)) return `${show('maxCellVoltageV', vMax)} is below ${show('minCellVoltageV', vMin)}`;
  if (!(v('finalPackVoltageV') > 0)) return `${show('finalPackVoltageV', v('finalPackVoltageV'))}: a pack voltage must stay above 0 V`;
  const q = v('capacityAh');
  const e = v('energyWh');
  if (Math.abs(q) > chargeBound * (1 + CAPACITY_SLACK)) return `${show('capacityAh', q)} is more than the cells can hold (${Number(chargeBound.toPrecision(6))} Ah)`;
  const eBound = chargeBound * ctx.series * (ctx.upperVoltage + VOLTAGE_LIMIT_SLACK_V);
  if (Math.abs(e) > eBound * (1 + CAPACITY_SLACK)) return `${show('energyWh', e)} is more than the cells can hold (${Number(eBound.toPrecision(6))} Wh)`;
  const tiny = 1e-9 * Math.max(1, chargeBound);
  if (ctx.dischargeOnly && (q < -tiny || e < -tiny * ctx.series * ctx.upperVoltage)) {
    return `${show(q < -tiny ? 'capacityAh' : 'energyWh', q < -tiny ? q : e)} is negative, but the protocol only discharges`;
  }
  if (ctx.chargeOnly && (q > tiny || e > tiny * ctx.series * ctx.upperVoltage)) {
    return `${show(q > tiny ? 'capacityAh' : 'energyWh', q > tiny ? q : e)} is positive, but the protocol only charges`;
  }
  const T = v('maxTemperatureK');
  if (T < TEMPERATURE_RANGE_K[0] || T > TEMPERATURE_RANGE_K[1]) {
    return `${show('maxTemperatureK', T)} is outside the physical range [${TEMPERATURE_RANGE_K[0]}, ${TEMPERATURE_RANGE_K[1]}] K the model describes`;
  }
  if (v('maxTemperatureSpreadK') < 0) return `${show('maxTemperatureSpreadK', v('maxTemperatureSpreadK'))} is negative`;
  const soc = v('finalSocSpread');
  if (soc < 0 || soc > 1 + 1e-6) return `${show('finalSocSpread', soc)} is outside [0, 1]`;
  const d = v('durationS');
  if (d < 0) return `${show('durationS', d)} is negative`;
  const t1 = v('timeToFirstCutoffS');
  if (t1 < 0 || t1 > d * (1 + 1e-9) + 1e-9) return `${show('timeToFirstCutoffS', t1)} is outside [0, durationS = ${d}]`;
  const cell = v('cutoffCell');
  if (!(Number.isInteger(cell) && cell >= -1 && cell < ctx.cellsPerPack)) return `${show('cutoffCell', cell)} is not a cell of the pack`;
  for (const loss of ['weldLossJ', 'interconnectLossJ'] as const) if (v(loss) < -1e-9) return `${show(loss, v(loss))} is negative`;
  return undefined;
}

/** How many invalid and non-finite packs a summary lists by sample (all are counted; samples.csv marks every one). */
export const LISTED_SAMPLES = 1000;

/** One invalid pack of a run: its global sample index and why. */
export interface InvalidPack {
  sample: number;
  reason: string;
}

/** Check every pack of a chunk of outputs (count x PACK_OUTPUT_COUNT); returns the invalid ones. */
export function invalidPacks(outputs: Float64Array, firstSample: number, ctx: ValidityContext, chargeBound?: Float64Array): InvalidPack[] {
  const out: InvalidPack[] = [];
  const n = outputs.length / PACK_OUTPUT_COUNT;
  for (let s = 0; s < n; s++) {
    const reason = invalidPackReason(outputs, s * PACK_OUTPUT_COUNT, ctx, chargeBound ? chargeBound[s] : Infinity);
    if (reason !== undefined) out.push({ sample: firstSample + s, reason });
  }
  return out;
}
