import { CellspreadInputError } from '../errors.ts';
import { CellKernel } from '../model/cell.ts';
import type { CellOverrides } from '../model/derive.ts';
import { deriveModelParameters } from '../model/electrolyte.ts';
import { DEFAULT_ELECTROLYTE_MESH } from '../model/physics.ts';
import { getParameterSet } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import { compileLifetimeProtocol, type LifetimePlan, type LifetimeProtocolStep } from '../pack/lifetime.ts';
import { compileProtocol, SEGMENT_MODE, type PackProtocolStep, type Segment } from '../pack/protocol.ts';
import type { PackSettings } from '../pack/simulate.ts';
import { validateLayout, type PackLayout } from '../pack/topology.ts';
import { protocolContext } from '../spec/limits.ts';
import type { StudySpec } from '../spec/index.ts';

/** Everything a backend needs besides the sampled arrays, derived once per study. */
export interface StudyModel {
  set: ParameterSet;
  layout: PackLayout;
  /** The compiled protocol (a lifetime study: every step of its plan, in order, for checks that look at all of them). */
  segments: Segment[];
  settings: PackSettings;
  /** A study with a repeat block: its lifetime plan (src/pack/lifetime.ts), run by the lifetime runner. */
  lifetime?: LifetimePlan;
}

/** Nominal-cell overrides implied by the spec (ambient and initial temperature). */
export function nominalOverrides(spec: StudySpec): CellOverrides {
  const o: Record<string, number> = {};
  if (spec.pack.ambientTemperature !== undefined) {
    o['thermal.ambientTemperature'] = spec.pack.ambientTemperature;
    o['thermal.initialTemperature'] = spec.pack.ambientTemperature;
  }
  if (spec.initial.temperature !== undefined) o['thermal.initialTemperature'] = spec.initial.temperature;
  return o;
}

export function studyModel(spec: StudySpec): StudyModel {
  const set = getParameterSet(spec.params, 'params');
  const layout = validateLayout({ series: spec.pack.series, parallel: spec.pack.parallel, modules: spec.pack.modules }, 'pack');
  const ctx = protocolContext(set, layout);
  const lifetime = compileLifetimeProtocol(spec.protocol as LifetimeProtocolStep[], ctx) ?? undefined;
  const segments = lifetime ? [...lifetime.before, ...lifetime.cycle, ...lifetime.after].flat() : compileProtocol(spec.protocol as PackProtocolStep[], ctx);
  const settings: PackSettings = {
    timeStep: spec.simulation.timeStep,
    modes: spec.simulation.modes,
    thermal: spec.simulation.thermal,
    model: spec.simulation.model,
    mesh: spec.simulation.electrolyteMesh ?? { ...DEFAULT_ELECTROLYTE_MESH },
    conduction: spec.pack.conduction,
    stopAt: (spec.simulation as { stopAt?: 'cell' | 'pack' }).stopAt ?? 'cell',
    sei: spec.simulation.sei ?? 'none',
    filmHeat: spec.simulation.filmHeat ?? true,
  };
  preflight(spec, set, layout, segments, settings);
  return { set, layout, segments, settings, ...(lifetime ? { lifetime } : {}) };
}

/**
 * Checks that need the physics, run before any sample is simulated (so nothing is half-written): the nominal cell's
 * parameters (an electrolyte value out of range is named here), and a power demand above what the nominal pack can
 * deliver even when full.
 */
function preflight(spec: StudySpec, set: ParameterSet, layout: PackLayout, segments: readonly Segment[], settings: PackSettings): void {
  const model = settings.model ?? 'spm';
  const kernel = new CellKernel(set, { model, modes: spec.simulation.modes, mesh: settings.mesh });
  const p = deriveModelParameters(set, 1, model, nominalOverrides(spec), kernel.mesh);
  const power = segments.filter((s) => s.mode === SEGMENT_MODE.power && s.value > 0);
  if (power.length === 0) return;
  const state = kernel.initialState(p);
  const T = kernel.temperature(state);
  const busbars = spec.pack.interconnectResistance * layout.series;
  // Maximum of I V_pack(I) for a full pack of nominal cells, scanning the string current geometrically.
  let best = 0;
  for (let I = 0.01; I < 1e5; I *= 1.02) {
    const v = layout.series * kernel.evaluate(state, p, I / layout.parallel, T).voltage - I * busbars;
    if (v <= 0) break;
    best = Math.max(best, I * v);
  }
  for (const s of power) {
    if (s.value > best) {
      throw new CellspreadInputError(
        `protocol[${s.step}].power`,
        `must be below ${best.toFixed(0)} W, the most the nominal pack can deliver even fully charged`,
        s.value,
      );
    }
  }
}
