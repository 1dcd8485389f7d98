import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic.ts';
import { simulateCell } from '../model/simulate.ts';
import { getParameterSet } from '../params/index.ts';
import { bindNegativeNumbers, choiceFlag, numberFlag, relabel } from './args.ts';
import type { CliIo } from './main.ts';
import { CELL_MODELS } from '../model/physics.ts';
import { DEFAULT_MODEL } from '../spec/schema.ts';

/** The heat terms in the text summary, with their PyBaMM-like names. */
const HEAT_LABELS = [
  ['irreversible', 'irreversible'],
  ['reversible', 'reversible'],
  ['ohmicElectrolyte', 'electrolyte Ohmic'],
  ['ohmicSolid', 'solid Ohmic'],
  ['collector', 'collectors'],
  ['contact', 'contact'],
] as const;

export const CELL_USAGE = `Usage: cellspread cell [options]
Simulate one cell (SPM or SPMe, lumped thermal, f64 reference) through a constant-current discharge.

  --model NAME         spm | spme (the SPM with electrolyte and every heat source; default ${DEFAULT_MODEL})
  --params NAME        parameter set (default chen2020)
  --c-rate X           discharge C-rate, > 0 (default 1)
  --thermal MODE       lumped | isothermal (default lumped)
  --soc X              initial state of charge, 0..1 (default 1)
  --ambient K          ambient and initial temperature [K] (default from the set)
  --cutoff V           lower voltage cut-off [V] (default from the set)
  --time-step S        fixed time step [s] (default 10)
  --modes N            particle eigenmodes per electrode (default 10)
  --out FILE           write the curve as CSV (time_s,voltage_V,current_A,temperature_K,...)
  --json               print a JSON summary instead of text`;

export function runCellCommand(argv: string[], io: CliIo): number {
  const { values } = parseArgs({
    args: bindNegativeNumbers(argv),
    options: {
      params: { type: 'string' },
      model: { type: 'string' },
      'c-rate': { type: 'string' },
      thermal: { type: 'string' },
      soc: { type: 'string' },
      ambient: { type: 'string' },
      cutoff: { type: 'string' },
      'time-step': { type: 'string' },
      modes: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(CELL_USAGE);
    return 0;
  }
  const set = getParameterSet(values.params ?? 'chen2020', '--params');
  const cRate = numberFlag(values, 'c-rate', { min: 0, exclusiveMin: true }) ?? 1;
  const soc = numberFlag(values, 'soc', { min: 0, max: 1 }) ?? 1;
  const ambient = numberFlag(values, 'ambient', { min: 0, exclusiveMin: true });
  const cutoff = numberFlag(values, 'cutoff', { min: 0, exclusiveMin: true });
  const timeStep = numberFlag(values, 'time-step', { min: 0, exclusiveMin: true });
  const modes = numberFlag(values, 'modes', { min: 1, max: 200, integer: true });
  const thermal = choiceFlag(values, 'thermal', ['lumped', 'isothermal'] as const) ?? 'lumped';
  const model = choiceFlag(values, 'model', CELL_MODELS) ?? DEFAULT_MODEL;
  const overrides: Record<string, number> = {};
  if (ambient !== undefined) {
    overrides['thermal.ambientTemperature'] = ambient;
    overrides['thermal.initialTemperature'] = ambient;
  }
  const result = relabel(
    () =>
      simulateCell({
        params: set,
        model,
        soc,
        thermal,
        timeStep,
        modes,
        overrides,
        protocol: [{ type: 'discharge', cRate, cutoffVoltage: cutoff }],
      }),
    { 'protocol[0].cutoffVoltage': '--cutoff', 'protocol[0].cRate': '--c-rate' },
  );
  if (values.out) {
    const t = result.trace;
    const lines = ['time_s,voltage_V,current_A,temperature_K,surface_stoich_neg,surface_stoich_pos'];
    for (let i = 0; i < t.time.length; i++) {
      lines.push(
        `${t.time[i]},${t.voltage[i]},${t.current[i]},${t.temperature[i]},${t.surfaceStoichNeg[i]},${t.surfaceStoichPos[i]}`,
      );
    }
    writeFileAtomic(values.out, `${lines.join('\n')}\n`);
  }
  const summary = {
    params: set.name,
    model,
    cRate,
    thermal,
    soc,
    capacityAh: result.capacityAh,
    energyWh: result.energyWh,
    durationS: result.durationS,
    finalVoltageV: result.finalVoltageV,
    finalTemperatureK: result.finalTemperatureK,
    maxTemperatureK: result.maxTemperatureK,
    heatJ: result.heatJ,
    heatTermsJ: result.heatTerms,
    minElectrolyteFraction: result.minElectrolyteFraction,
    endReason: result.steps[0].endReason,
    timeStepS: result.timeStep,
    modes: result.modes,
    points: result.trace.time.length,
    out: values.out ?? null,
  };
  if (values.json) io.stdout(JSON.stringify(summary, null, 2));
  else {
    io.stdout(
      [
        `${set.name}: ${cRate}C discharge from SOC ${soc}, ${model.toUpperCase()}, ${thermal} thermal`,
        `  capacity        ${result.capacityAh.toFixed(4)} Ah`,
        `  energy          ${result.energyWh.toFixed(3)} Wh`,
        `  duration        ${result.durationS.toFixed(1)} s (${result.steps[0].endReason})`,
        `  final temp.     ${result.finalTemperatureK.toFixed(3)} K`,
        `  max temp.       ${result.maxTemperatureK.toFixed(3)} K`,
        `  heat            ${result.heatJ.toFixed(1)} J: ${HEAT_LABELS.map(([k, label]) => `${label} ${result.heatTerms[k].toFixed(1)}`).join(', ')}`,
        model === 'spme' ? `  lowest c_e      ${(100 * result.minElectrolyteFraction).toFixed(1)} % of the initial` : '',
        values.out ? `  curve written to ${values.out}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  return 0;
}
