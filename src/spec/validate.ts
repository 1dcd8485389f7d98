/**
 * Validation of a study object: the zod schema first (types, ranges, unknown keys with "did you mean"), then the rules
 * that relate fields. Every error is a {@link StudySpecError}: a CellspreadInputError that also carries the field
 * path, so parse.ts can point at the line and column in the YAML/JSON text.
 */
import type { z } from 'zod';
import { CellspreadInputError, closestNames, formatValue } from '../errors.ts';
import { StudySpecError, type SpecPath } from './errors.ts';
import { getParameterSet, PARAMETER_SETS } from '../params/index.ts';
import type { ParameterSet } from '../params/types.ts';
import { correlationCholesky } from '../variation/copula.ts';
import { distributionFromSpec, type DistributionSpec } from '../variation/distributions.ts';
import { LEVELS, resolveQuantity, variationKeyNames, type Level, type Scale } from '../variation/quantities.ts';
import type { CellModel } from '../model/physics.ts';
import { PACK_OUTPUT_NAMES } from '../pack/outputs.ts';
import { checkStudyCost } from './limits.ts';
import { lifetimeOutputs } from '../study/lifetime.ts';
import { inTemperatureRange, TEMPERATURE_RANGE_K } from './physical.ts';
import { ALLOWED_KEYS_TAG, studySpecSchema, type EpistemicQuantity, type EpistemicSpec, type ParsedStudySpec, type QuantityVariation, type StudySpec } from './schema.ts';

export { StudySpecError, StudyLimitError, formatPath } from './errors.ts';
export type { SpecPath, SourceLocation } from './errors.ts';

function valueAt(obj: unknown, path: SpecPath): unknown {
  let node = obj;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

const didYouMean = (name: unknown, candidates: readonly string[]): string | undefined => {
  if (typeof name !== 'string') return `valid: ${candidates.join(', ')}`;
  const best = closestNames(name, candidates);
  return best.length ? `did you mean ${best.map((b) => `"${b}"`).join(' or ')}?` : `valid: ${candidates.join(', ')}`;
};

function issueToError(issue: z.core.$ZodIssue, input: unknown): StudySpecError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const received = valueAt(input, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = issue.message.startsWith(ALLOWED_KEYS_TAG) ? issue.message.slice(ALLOWED_KEYS_TAG.length).split(',') : [];
      const key = issue.keys[0];
      return new StudySpecError([...path, key], 'is not a known key', key, didYouMean(key, allowed), true);
    }
    case 'invalid_union': {
      const u = issue as z.core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
      if (u.discriminator !== undefined) {
        const options = (u.options ?? []).map(String);
        const at = path[path.length - 1] === u.discriminator ? path : [...path, u.discriminator];
        const value = valueAt(input, at);
        if (value === undefined) return new StudySpecError(at, 'is required', value, `one of ${options.join(', ')}`);
        return new StudySpecError(at, `must be one of ${options.join(', ')}`, value, typeof value === 'string' ? didYouMean(value, options) : undefined);
      }
      // A protocol item is a repeat block (it has the key `repeat`) or a step: report the branch that applies.
      const branches = (u as { errors?: z.core.$ZodIssue[][] }).errors;
      if (branches?.length === 2 && received !== null && typeof received === 'object') {
        const branch = [...branches['repeat' in received ? 0 : 1]].sort((a, b) => issueRank(a) - issueRank(b));
        if (branch[0]) return issueToError({ ...branch[0], path: [...path, ...branch[0].path] } as z.core.$ZodIssue, input);
      }
      return new StudySpecError(path, 'does not match any allowed form', received);
    }
    case 'invalid_type': {
      if (received === undefined) return new StudySpecError(path, 'is required', received);
      const expected = issue.expected === 'int' ? 'an integer' : issue.expected === 'array' ? 'a list' : issue.expected === 'record' || issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`;
      return new StudySpecError(path, `must be ${expected}`, received);
    }
    case 'too_small': {
      if (issue.origin === 'array') return new StudySpecError(path, `must have at least ${issue.minimum} entr${Number(issue.minimum) === 1 ? 'y' : 'ies'}`, received);
      if (issue.origin === 'string') return new StudySpecError(path, 'must not be empty', received);
      return new StudySpecError(path, `must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`, received);
    }
    case 'too_big': {
      if (issue.origin === 'array') return new StudySpecError(path, `must have at most ${issue.maximum} entries`, received);
      return new StudySpecError(path, `must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`, received);
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return new StudySpecError(path, `must be one of ${values.join(', ')}`, received, typeof received === 'string' ? didYouMean(received, values) : undefined);
    }
    default:
      return new StudySpecError(path, issue.message.replace(/^Invalid input: /, 'must be valid: '), received);
  }
}

/** Order of preference when zod reports several issues: a misspelt key explains the "missing" field next to it. */
function issueRank(issue: z.core.$ZodIssue): number {
  if (issue.code === 'unrecognized_keys') return 0;
  if (issue.code === 'invalid_union') return 1;
  return 2;
}

/** Validate a study object (e.g. from JSON.parse or a YAML document); throws StudySpecError naming the field. */
export function validateStudySpec(obj: unknown, _source?: string): StudySpec {
  const parsed = studySpecSchema.safeParse(obj);
  if (!parsed.success) {
    const issues = [...parsed.error.issues].sort((a, b) => issueRank(a) - issueRank(b));
    throw issueToError(issues[0], obj);
  }
  return checkSemantics(parsed.data, obj);
}

function checkSemantics(p: ParsedStudySpec, raw: unknown): StudySpec {
  let set: ParameterSet;
  try {
    set = getParameterSet(p.params, 'params');
  } catch (e) {
    const hint = didYouMean(p.params, Object.keys(PARAMETER_SETS));
    throw e instanceof CellspreadInputError ? new StudySpecError(['params'], 'must be a known parameter set', p.params, hint) : e;
  }
  const pack = p.pack;
  if (pack.series % pack.modules !== 0) {
    throw new StudySpecError(['pack', 'modules'], `must divide pack.series (${pack.series})`, pack.modules, `e.g. ${divisors(pack.series).join(', ')}`);
  }
  checkTemperature(['pack', 'ambientTemperature'], pack.ambientTemperature);
  checkTemperature(['initial', 'temperature'], p.initial.temperature);
  checkProtocol(p.protocol);
  const repeat = p.protocol.find((s) => 'repeat' in s) as { repeat: number } | undefined;
  if (p.simulation.sei !== 'none' && !set.sei) {
    throw new StudySpecError(['simulation', 'sei'], `needs a parameter set with SEI parameters (${set.name} has none)`, p.simulation.sei, `e.g. params: okane2022`);
  }
  if (p.ageing?.randomWalk && p.simulation.sei === 'none') {
    throw new StudySpecError(['ageing', 'randomWalk'], 'needs SEI growth (simulation.sei) to act on', p.ageing.randomWalk);
  }
  if (p.ageing?.randomWalk && !repeat) throw new StudySpecError(['ageing', 'randomWalk'], 'needs a repeat block in the protocol (it walks from cycle to cycle)', p.ageing.randomWalk);
  if (p.analysis?.lifetime && !repeat) throw new StudySpecError(['analysis', 'lifetime'], 'needs a repeat block in the protocol', p.analysis.lifetime);
  p.analysis?.lifetime?.capacityAt?.forEach((n, i) => {
    if (n > repeat!.repeat) throw new StudySpecError(['analysis', 'lifetime', 'capacityAt', i], `must be at most the repeat count (${repeat!.repeat})`, n);
  });
  checkVoltageLimits(p.protocol, set);
  const variation: Record<string, QuantityVariation> = {};
  const writers = new Map<string, string>();
  for (const [key, v] of Object.entries(p.variation)) {
    variation[key] = checkVariation(key, v, set, p.initial.soc, writers, p.simulation.model);
  }
  const correlation: StudySpec['correlation'] = {};
  for (const level of LEVELS) {
    const block = p.correlation[level];
    if (!block) continue;
    checkCorrelation(level, block, variation);
    correlation[level] = { quantities: [...block.quantities], matrix: block.matrix.map((r) => [...r]) };
  }
  let analysis: StudySpec['analysis'];
  if (p.analysis) {
    analysis = {};
    if (p.analysis.tail) {
      analysis.tail = p.analysis.tail.map((t, i) => {
        if (t.tail !== undefined && t.direction !== undefined && t.tail !== t.direction) {
          throw new StudySpecError(['analysis', 'tail', i, 'direction'], `must agree with tail (${t.tail})`, t.direction);
        }
        const tail = t.tail ?? t.direction;
        if (tail === undefined) throw new StudySpecError(['analysis', 'tail', i, 'tail'], 'is required', undefined, 'upper or lower');
        return { output: t.output, limit: t.limit, tail, ...(t.target !== undefined ? { target: t.target } : {}) };
      });
    }
    if (p.analysis.lifetime) {
      const l = p.analysis.lifetime;
      analysis.lifetime = { endOfLife: l.endOfLife, reference: l.reference, cellStates: l.cellStates, ...(l.capacityAt ? { capacityAt: [...l.capacityAt] } : {}) };
    }
    if (p.analysis.sensitivity) {
      const { secondOrder, ...rest } = p.analysis.sensitivity;
      if (secondOrder && rest.method !== 'sobol') {
        throw new StudySpecError(['analysis', 'sensitivity', 'secondOrder'], 'is only for method sobol (Shapley effects have no second order)', secondOrder);
      }
      // Left out when false, so that spelling out the default does not change the study hash.
      analysis.sensitivity = { ...rest, outputs: [...rest.outputs], ...(secondOrder ? { secondOrder } : {}) };
    }
  }
  const run = { ...p.run };
  const epistemic = p.epistemic ? checkEpistemic(p.epistemic, variation, set, p.initial.soc, writers, run, raw, p.simulation.model) : undefined;
  if (analysis) checkAnalysis(analysis, variation, epistemic, p.protocol as StudySpec['protocol']);
  const spec: StudySpec = {
    name: p.name,
    params: set.name,
    pack: { ...pack },
    initial: { ...p.initial },
    // The model is always written (the default changed from the SPM to the SPMe: a study's hash says which ran); the
    // mesh when given; SEI growth and film heat are left out at their defaults, so that studies without ageing keep
    // their hash otherwise.
    simulation: {
      timeStep: p.simulation.timeStep,
      modes: p.simulation.modes,
      thermal: p.simulation.thermal,
      model: p.simulation.model,
      ...(p.simulation.electrolyteMesh ? { electrolyteMesh: { ...p.simulation.electrolyteMesh } } : {}),
      ...(p.simulation.sei !== 'none' ? { sei: p.simulation.sei } : {}),
      ...(p.simulation.filmHeat === false ? { filmHeat: false } : {}),
    },
    protocol: p.protocol.map((s) => structuredClone(s)),
    ...(p.ageing?.randomWalk ? { ageing: { randomWalk: { ...p.ageing.randomWalk } } } : {}),
    variation,
    correlation,
    ...(analysis ? { analysis } : {}),
    ...(epistemic ? { epistemic } : {}),
    run,
    ...(p.limits ? { limits: { ...p.limits } } : {}),
  };
  checkStudyCost(spec, set);
  return spec;
}

function checkTemperature(path: SpecPath, t: number | undefined): void {
  if (t !== undefined && !inTemperatureRange(t)) {
    throw new StudySpecError(path, `must be a temperature in [${TEMPERATURE_RANGE_K[0]}, ${TEMPERATURE_RANGE_K[1]}] K (-100 to 200 degC)`, t, 'temperatures are in kelvin');
  }
}

/**
 * Voltage limits inside the parameter set's window: charging above its upper cut-off (or discharging below its lower
 * one) drives the electrodes past the stoichiometries the set is defined for.
 */
function checkVoltageLimits(protocol: ParsedStudySpec['protocol'], set: ParameterSet): void {
  const lo = set.electrical.lowerVoltageCutoff;
  const hi = set.electrical.upperVoltageCutoff;
  const window = `parameter set ${set.name} is defined for ${lo}-${hi} V per cell`;
  const atMost = (path: SpecPath, v: number | undefined) => {
    if (v !== undefined && !(v <= hi)) throw new StudySpecError(path, `must be <= ${hi} V, the upper voltage limit of the parameter set`, v, window);
    if (v !== undefined && !(v > lo)) throw new StudySpecError(path, `must be > ${lo} V, the lower voltage limit of the parameter set`, v, window);
  };
  const atLeast = (path: SpecPath, v: number | undefined) => {
    if (v !== undefined && !(v >= lo)) throw new StudySpecError(path, `must be >= ${lo} V, the lower voltage limit of the parameter set`, v, window);
    if (v !== undefined && !(v < hi)) throw new StudySpecError(path, `must be < ${hi} V, the upper voltage limit of the parameter set`, v, window);
  };
  const check = (step: ParsedStep, at: SpecPath) => {
    if (step.type === 'charge') atMost([...at, 'cutoffVoltage'], step.cutoffVoltage);
    if (step.type === 'discharge') atLeast([...at, 'cutoffVoltage'], step.cutoffVoltage);
    if (step.type === 'cccv') atMost([...at, 'voltage'], step.voltage);
    if (step.type === 'table') {
      atLeast([...at, 'lowerCutoff'], step.lowerCutoff);
      atMost([...at, 'upperCutoff'], step.upperCutoff);
      const lower = step.lowerCutoff ?? lo;
      if (step.upperCutoff !== undefined && !(step.upperCutoff > lower)) {
        throw new StudySpecError([...at, 'upperCutoff'], `must be > the lower cut-off (${lower} V)`, step.upperCutoff);
      }
    }
  };
  protocol.forEach((item, i) => {
    if ('repeat' in item) item.steps.forEach((step, n) => check(step, ['protocol', i, 'steps', n]));
    else check(item, ['protocol', i]);
  });
}

/** The analysis names outputs the packs have, and asks sensitivity only of a study that varies something. */
function checkAnalysis(
  analysis: NonNullable<StudySpec['analysis']>,
  variation: Record<string, QuantityVariation>,
  epistemic: EpistemicSpec | undefined,
  protocol: StudySpec['protocol'],
): void {
  // A lifetime study (a repeat block) has its lifetime outputs instead of the pack outputs of one protocol run.
  const lifetime = protocol.some((s) => 'repeat' in s);
  const outputs: readonly string[] = lifetime ? lifetimeOutputs({ protocol, analysis } as StudySpec).map((o) => o.name) : PACK_OUTPUT_NAMES;
  const what = lifetime ? 'must name an output of the lifetime study' : 'must name a pack output';
  analysis.tail?.forEach((t, i) => {
    if (!outputs.includes(t.output)) throw new StudySpecError(['analysis', 'tail', i, 'output'], what, t.output, didYouMean(t.output, outputs));
  });
  const sens = analysis.sensitivity;
  if (!sens) return;
  sens.outputs.forEach((o, i) => {
    if (!outputs.includes(o)) throw new StudySpecError(['analysis', 'sensitivity', 'outputs', i], what, o, didYouMean(o, outputs));
  });
  const random = Object.values(variation).some((v) => LEVELS.some((l) => v[l] !== undefined && v[l]!.distribution !== 'fixed')) || Object.keys(epistemic?.quantities ?? {}).length > 0;
  if (!random) throw new StudySpecError(['analysis', 'sensitivity'], 'needs at least one random quantity (under variation or epistemic)', Object.keys(variation));
  if (sens.method === 'sobol') {
    const n = sens.n;
    if (n < 16) throw new StudySpecError(['analysis', 'sensitivity', 'n'], 'must be >= 16 for Sobol indices', n);
    if ((n & (n - 1)) !== 0 || n > 2 ** 30) {
      const lo = 2 ** Math.min(30, Math.floor(Math.log2(n)));
      throw new StudySpecError(['analysis', 'sensitivity', 'n'], 'must be a power of two (<= 2^30) for the scrambled Sobol design', n, `use ${lo}${lo < 2 ** 30 ? ` or ${lo * 2}` : ''}`);
    }
  }
}

/**
 * The epistemic block: known quantities, scales that agree with the aleatory variation of the same quantity, no
 * second writer of a parameter, and the run sized outer x inner. run.samples, when the file gives it, must equal
 * outer x inner; run.chunkSize, when given, must divide inner or be a multiple of it (so shards hold whole outer
 * samples); when not given it is chosen so.
 */
function checkEpistemic(
  e: NonNullable<ParsedStudySpec['epistemic']>,
  variation: Record<string, QuantityVariation>,
  set: ParameterSet,
  soc: number,
  writers: Map<string, string>,
  run: StudySpec['run'],
  raw: unknown,
  model: CellModel,
): EpistemicSpec {
  const keys = Object.keys(e.quantities);
  if (keys.length === 0) throw new StudySpecError(['epistemic', 'quantities'], 'must name at least one quantity', e.quantities, 'e.g. negative.diffusivity: { scale: log, value: { distribution: lognormal, sd: 0.2 } }');
  const quantities: Record<string, EpistemicQuantity> = {};
  for (const key of keys) {
    const v = e.quantities[key];
    const at = ['epistemic', 'quantities', key];
    const q = resolveQuantity(key, set);
    if (!q) throw new StudySpecError(at, 'must be a manufacturing quantity or a numeric parameter path', key, didYouMean(key, variationKeyNames(set)), true);
    if (q.model === 'spme' && model !== 'spme') {
      throw new StudySpecError(at, `acts only through the electrolyte of the SPMe, and this study runs the ${model} (set simulation.model: spme)`, key);
    }
    const aleatory = variation[key];
    const scale: Scale = v.scale ?? aleatory?.scale ?? q.defaultScale;
    if (aleatory && v.scale !== undefined && v.scale !== aleatory.scale) {
      throw new StudySpecError([...at, 'scale'], `must equal variation.${key}.scale (${aleatory.scale}): the epistemic draw adds to the same levels`, v.scale);
    }
    if (aleatory && v.base !== undefined) {
      throw new StudySpecError([...at, 'base'], `must not be given for a quantity under variation: set variation.${key}.base`, v.base);
    }
    const nominal = aleatory?.base ?? v.base ?? q.nominal(set, soc);
    if (v.base !== undefined && q.positive && !(v.base > 0)) throw new StudySpecError([...at, 'base'], 'must be > 0', v.base);
    if ((scale === 'log' || scale === 'relative') && !(nominal > 0) && q.positive) {
      throw new StudySpecError([...at, 'base'], `must be given (> 0) for the ${scale} scale: the parameter set's value is ${nominal}`, v.base);
    }
    checkDistribution([...at, 'value'], v.value, scale);
    if (!aleatory) {
      for (const w of q.writes) {
        const other = writers.get(w);
        if (other !== undefined && other !== key) {
          throw new StudySpecError(at, `must not vary the same parameter (${w}) as ${other in variation ? 'variation' : 'epistemic.quantities'}.${other}`, key, `keep one of the two`, true);
        }
        writers.set(w, key);
      }
    }
    quantities[key] = { scale, ...(v.base !== undefined ? { base: v.base } : {}), value: structuredClone(v.value) };
  }
  const total = e.outer * e.inner;
  if (!Number.isSafeInteger(total)) throw new StudySpecError(['epistemic', 'inner'], `must keep outer x inner a safe integer (outer ${e.outer})`, e.inner);
  const given = (k: string) => valueAt(raw, ['run', k]) !== undefined;
  if (given('samples') && run.samples !== total) {
    throw new StudySpecError(['run', 'samples'], `must equal epistemic.outer x epistemic.inner = ${e.outer} x ${e.inner} = ${total}, or be left out`, run.samples);
  }
  run.samples = total;
  if (given('chunkSize')) {
    const problem = epistemicChunkProblem(run.chunkSize, e.inner);
    if (problem) throw new StudySpecError(['run', 'chunkSize'], problem.rule, run.chunkSize, problem.hint);
  } else run.chunkSize = epistemicChunkSize(e.inner, run.chunkSize);
  return { outer: e.outer, inner: e.inner, quantities };
}

/** Why a chunk size does not fit an inner sample size (chunks must tile outer samples or hold whole ones). */
export function epistemicChunkProblem(chunkSize: number, inner: number): { rule: string; hint: string } | undefined {
  if (inner % chunkSize === 0 || chunkSize % inner === 0) return undefined;
  const divisors: number[] = [];
  for (let d = Math.min(inner, chunkSize); d >= 1 && divisors.length < 3; d--) if (inner % d === 0) divisors.push(d);
  return {
    rule: `must divide epistemic.inner (${inner}) or be a multiple of it, so that chunks and shards hold whole outer samples`,
    hint: `e.g. ${[...divisors, inner * Math.max(1, Math.round(chunkSize / inner))].filter((v, i, a) => a.indexOf(v) === i).join(', ')}`,
  };
}

/** The chunk size used when the file gives none: whole outer samples up to `preferred`, or the largest divisor of inner. */
export function epistemicChunkSize(inner: number, preferred: number): number {
  if (inner <= preferred) return inner * Math.floor(preferred / inner);
  for (let d = preferred; d >= Math.ceil(preferred / 4); d--) if (inner % d === 0) return d;
  return inner;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n && out.length < 8; d++) if (n % d === 0) out.push(d);
  return out;
}

function checkProtocol(protocol: ParsedStudySpec['protocol']): void {
  const repeats = protocol.map((s, i) => ('repeat' in s ? i : -1)).filter((i) => i >= 0);
  if (repeats.length > 1) throw new StudySpecError(['protocol', repeats[1]], 'must not be a second repeat block (a protocol holds at most one)', 'repeat');
  protocol.forEach((item, i) => {
    if ('repeat' in item) {
      checkSteps(item.steps, ['protocol', i, 'steps']);
      const j = item.jumping;
      if (typeof j === 'object' && j.jumpBefore !== undefined && j.jumpBefore >= item.steps.length) {
        throw new StudySpecError(['protocol', i, 'jumping', 'jumpBefore'], `must be the index of a step of the block (0 to ${item.steps.length - 1})`, j.jumpBefore);
      }
    } else checkSteps([item], ['protocol', i]);
  });
}

type ParsedStep = Exclude<ParsedStudySpec['protocol'][number], { repeat: number }>;

function checkSteps(steps: readonly ParsedStep[], base: SpecPath): void {
  steps.forEach((step, n) => {
    const i = base.length === 2 ? (base[1] as number) : n;
    const prefix = base.length === 2 ? ['protocol'] : base;
    const at = (k: string) => [...prefix, i, k];
    if (step.type === 'discharge' || step.type === 'charge' || step.type === 'cccv') {
      const given = (['cRate', 'current', 'power'] as const).filter((k) => (step as Record<string, unknown>)[k] !== undefined);
      const allowed = step.type === 'cccv' ? 'cRate or current' : 'cRate, current or power';
      if (given.length !== 1) throw new StudySpecError([...prefix, i], `must give exactly one of ${allowed}`, given.length ? given.join(' and ') : 'none');
    }
    if (step.type === 'table') {
      const given = (['current', 'power'] as const).filter((k) => step[k] !== undefined);
      if (given.length !== 1) throw new StudySpecError([...prefix, i], 'must give exactly one of current or power', given.length ? given.join(' and ') : 'none');
      const values = (step.current ?? step.power)!;
      if (values.length !== step.time.length) throw new StudySpecError(at(given[0]), `must have one value per time (${step.time.length})`, values.length);
      if (step.time[0] !== 0) throw new StudySpecError([...prefix, i, 'time', 0], 'must be 0', step.time[0]);
      for (let k = 1; k < step.time.length; k++) {
        if (!(step.time[k] > step.time[k - 1])) throw new StudySpecError([...prefix, i, 'time', k], `must be greater than time[${k - 1}] = ${step.time[k - 1]}`, step.time[k]);
      }
    }
  });
}

/** Human description of why a level distribution is not a positive factor. */
function positiveFactorProblem(d: DistributionSpec): boolean {
  if (d.distribution === 'defectMixture') return positiveFactorProblem(d.base) || positiveFactorProblem(d.factor);
  if (d.distribution === 'fixed') return !(d.value > 0);
  return !(distributionFromSpec(d).support[0] >= 0);
}

function checkDistribution(path: SpecPath, d: DistributionSpec, scale: Scale): void {
  if (d.distribution === 'uniform' && !(d.max > d.min)) throw new StudySpecError([...path, 'max'], `must be > min (${d.min})`, d.max);
  if (d.distribution === 'truncatedNormal') {
    if (d.min !== undefined && d.max !== undefined && !(d.max > d.min)) throw new StudySpecError([...path, 'max'], `must be > min (${d.min})`, d.max);
    try {
      distributionFromSpec(d);
    } catch {
      throw new StudySpecError(path, 'must keep some probability between min and max', d);
    }
  }
  if (d.distribution === 'defectMixture') checkDistribution([...path, 'base'], d.base, scale);
  if (scale === 'log' && positiveFactorProblem(d)) {
    throw new StudySpecError(
      [...path, 'distribution'],
      'must be a positive multiplicative factor on the log scale',
      d.distribution,
      'use lognormal (sd = sd of ln factor), pareto, weibull, or uniform/truncatedNormal/fixed with min/value > 0; or scale: relative',
    );
  }
}

function checkVariation(
  key: string,
  v: ParsedStudySpec['variation'][string],
  set: ParameterSet,
  soc: number,
  writers: Map<string, string>,
  model: CellModel,
): QuantityVariation {
  const q = resolveQuantity(key, set);
  if (!q) {
    throw new StudySpecError(['variation', key], 'must be a manufacturing quantity or a numeric parameter path', key, didYouMean(key, variationKeyNames(set)), true);
  }
  if (q.model === 'spme' && model !== 'spme') {
    throw new StudySpecError(['variation', key], `acts only through the electrolyte of the SPMe, and this study runs the ${model} (set simulation.model: spme)`, key);
  }
  if (!LEVELS.some((l) => v[l] !== undefined)) {
    throw new StudySpecError(['variation', key], 'must vary at least one level (pack, module or cell)', v);
  }
  const scale: Scale = v.scale ?? q.defaultScale;
  const nominal = v.base ?? q.nominal(set, soc);
  if (v.base !== undefined && q.positive && !(v.base > 0)) throw new StudySpecError(['variation', key, 'base'], 'must be > 0', v.base);
  if ((scale === 'log' || scale === 'relative') && !(nominal > 0) && q.positive) {
    throw new StudySpecError(['variation', key, 'base'], `must be given (> 0) for the ${scale} scale: the parameter set's value is ${nominal}`, v.base);
  }
  if (scale === 'log' && !(nominal > 0)) throw new StudySpecError(['variation', key, 'scale'], 'must not be log for a quantity whose nominal is not > 0', scale);
  for (const level of LEVELS) {
    const d = v[level];
    if (d) checkDistribution(['variation', key, level], d, scale);
    if (d?.distribution === 'defectMixture' && scale === 'additive' && nominal === 0) {
      throw new StudySpecError(['variation', key, 'base'], 'must be non-zero: a defect multiplies the base value', nominal);
    }
  }
  for (const w of q.writes) {
    const other = writers.get(w);
    const combinable = /^(porosity|activeFraction)\./.test(key) && other !== undefined && /^(porosity|activeFraction)\./.test(other) && w.endsWith('activeMaterialVolumeFraction');
    if (other !== undefined && !combinable) {
      throw new StudySpecError(['variation', key], `must not vary the same parameter (${w}) as variation.${other}`, key, 'keep one of the two', true);
    }
    writers.set(w, key);
  }
  return { scale, ...(v.base !== undefined ? { base: v.base } : {}), ...pickLevels(v) };
}

function pickLevels(v: Partial<Record<Level, DistributionSpec>>): Partial<Record<Level, DistributionSpec>> {
  const out: Partial<Record<Level, DistributionSpec>> = {};
  for (const l of LEVELS) if (v[l]) out[l] = structuredClone(v[l]);
  return out;
}

function checkCorrelation(level: Level, block: { quantities: string[]; matrix: number[][] }, variation: Record<string, QuantityVariation>): void {
  const base = ['correlation', level];
  const seen = new Set<string>();
  block.quantities.forEach((name, i) => {
    if (!(name in variation)) throw new StudySpecError([...base, 'quantities', i], 'must name a quantity under variation', name, didYouMean(name, Object.keys(variation)));
    const d = variation[name][level];
    if (!d || d.distribution === 'fixed') throw new StudySpecError([...base, 'quantities', i], `must vary at ${level} level (variation.${name}.${level} is not a random distribution)`, name);
    if (seen.has(name)) throw new StudySpecError([...base, 'quantities', i], 'must not repeat a quantity', name);
    seen.add(name);
  });
  const n = block.quantities.length;
  if (block.matrix.length !== n) throw new StudySpecError([...base, 'matrix'], `must be ${n} x ${n} (one row per quantity)`, block.matrix.length + ' rows');
  const r = correlationCholesky(block.matrix);
  if ('L' in r) return;
  const pr = r.problem;
  const m = [...base, 'matrix'];
  switch (pr.kind) {
    case 'shape':
      throw new StudySpecError([...m, pr.row ?? 0], `must have ${n} entries`, block.matrix[pr.row ?? 0]);
    case 'diagonal':
      throw new StudySpecError([...m, pr.row, pr.row], 'must be 1 (unit diagonal)', pr.value);
    case 'range':
      throw new StudySpecError([...m, pr.row, pr.col], 'must be between -1 and 1', pr.value);
    case 'symmetry':
      throw new StudySpecError([...m, pr.row, pr.col], `must equal matrix[${pr.col}][${pr.row}] = ${pr.other} (symmetric)`, pr.value);
    case 'definite':
      throw new StudySpecError(m, 'must be positive definite', block.matrix, `Cholesky pivot ${pr.pivot} is ${formatValue(Number(pr.value.toPrecision(4)))}; reduce the correlations`);
  }
}
