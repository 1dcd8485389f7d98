// Property-based fuzzing of study files (issue 15): valid studies mutated in their numbers, sizes, nesting and keys.
// Every outcome must be a completed run whose valid packs are physically possible, or a typed error with exit code 2:
// never an internal error, never a finite impossible value. Runs are bounded: small packs under tight caps (the
// mutations never touch `limits`), short protocols, the reference backend, a fixed seed and number of runs.
// To explore further: FUZZ_SEED=7 FUZZ_RUNS=2000 npx vitest run test/fuzz (the counts below must still hold).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { CellspreadError, EXIT_CODE } from '../../src/errors.ts';
import { PACK_OUTPUT_COUNT, PACK_OUTPUT_INDEX } from '../../src/pack/outputs.ts';
import { TEMPERATURE_RANGE_K } from '../../src/spec/index.ts';
import { outputStatistics } from '../../src/study/analysis.ts';
import { runStudy } from '../../src/study/runner.ts';
import { captureIo } from '../support/cli.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const LIMITS = { cellsPerPack: 12, stepsPerPack: 400, samples: 24, tableLength: 40, chunkMemoryMB: 64 };

const BASES: Json[] = [
  {
    name: 'fuzz-discharge',
    pack: { series: 2, parallel: 2, modules: 1, interconnectResistance: 1e-4, conduction: 0 },
    initial: { soc: 0.9 },
    simulation: { timeStep: 30, modes: 4 },
    protocol: [{ type: 'discharge', cRate: 2, duration: 900 }, { type: 'rest', duration: 120 }],
    variation: {
      capacity: { scale: 'relative', cell: { distribution: 'normal', sd: 0.02 } },
      contactResistance: { scale: 'log', base: 3e-4, cell: { distribution: 'defectMixture', probability: 0.1, base: { distribution: 'lognormal', sd: 0.1 }, factor: { distribution: 'pareto', alpha: 3, min: 2 } } },
      'porosity.negative': { scale: 'additive', pack: { distribution: 'truncatedNormal', sd: 0.01, min: -0.02, max: 0.02 } },
    },
    correlation: {},
    analysis: { tail: [{ output: 'maxTemperatureK', limit: 300, tail: 'upper' }] },
    run: { samples: 3, seed: 1, chunkSize: 2 },
    limits: LIMITS,
  },
  {
    name: 'fuzz-cycle',
    pack: { series: 3, parallel: 1, modules: 3, ambientTemperature: 298.15 },
    initial: { soc: 0.5, temperature: 300 },
    simulation: { timeStep: 20, modes: 3, thermal: 'lumped' },
    protocol: [
      { type: 'charge', current: 5, cutoffVoltage: 4.1, duration: 600 },
      { type: 'cccv', cRate: 1, voltage: 4.2, cutoffCRate: 0.2, maxDuration: 900 },
      { type: 'table', time: [0, 60, 120, 240], current: [5, -2, 8, 0], interpolation: 'previous' },
      { type: 'discharge', power: 20, duration: 600 },
    ],
    variation: {
      heatTransferCoefficient: { scale: 'relative', module: { distribution: 'uniform', min: -0.2, max: 0.2 } },
      initialSoc: { scale: 'additive', cell: { distribution: 'truncatedNormal', sd: 0.02, min: -0.05, max: 0.05 } },
      'coatingThickness.negative': { scale: 'relative', module: { distribution: 'normal', sd: 0.01 }, cell: { distribution: 'normal', sd: 0.01 } },
    },
    correlation: { cell: { quantities: ['initialSoc', 'coatingThickness.negative'], matrix: [[1, 0.3], [0.3, 1]] } },
    run: { samples: 2, seed: 4, chunkSize: 1 },
    limits: LIMITS,
  },
];

function at(root: Json, path: Path): Json {
  let v: Json = root;
  for (const k of path) v = (v as Record<string | number, Json>)[k];
  return v;
}

/** Every path in the document (containers and leaves), except the caps, which keep every run small. */
function paths(v: Json, prefix: Path = []): Path[] {
  if (prefix[0] === 'limits') return [];
  const out: Path[] = prefix.length ? [prefix] : [];
  if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...prefix, Array.isArray(v) ? Number(k) : k]));
  return out;
}

const weird = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 1e308, -1e308, 1e-300, 5e-324, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 31, 0.5, 1e9, -0.28, 1e24, 4.3, 2.0, 1e-9, 300, 0.999999),
  fc.double(),
  fc.integer({ min: -10, max: 100000 }),
);

type Mutation =
  | { kind: 'number'; at: number; value: number }
  | { kind: 'replace'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'key'; at: number; key: string; value: Json }
  | { kind: 'nest'; at: number; wrap: 'array' | 'object' }
  | { kind: 'size'; path: Path; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('number' as const), at: fc.nat(), value: weird }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('key' as const),
      at: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'cell', 'pack', 'stopAt', 'sd', 'module', 'toString')),
      value: fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), at: fc.nat(), wrap: fc.constantFrom('array' as const, 'object' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('size' as const),
      path: fc.constantFrom<Path>(['pack', 'series'], ['pack', 'parallel'], ['pack', 'modules'], ['run', 'samples'], ['run', 'chunkSize'], ['simulation', 'modes'], ['run', 'seed']),
      value: fc.integer({ min: -2, max: 5000 }),
    }),
  },
);

function mutate(base: Json, ms: Mutation[]): Json {
  const doc = structuredClone(base) as Record<string, Json>;
  for (const m of ms) {
    const all = paths(doc);
    if (m.kind === 'size') {
      const parent = at(doc, m.path.slice(0, -1));
      if (parent && typeof parent === 'object' && !Array.isArray(parent)) (parent as Record<string, Json>)[m.path.at(-1) as string] = m.value;
      continue;
    }
    const pool = m.kind === 'number' ? all.filter((p) => typeof at(doc, p) === 'number') : all;
    if (pool.length === 0) continue;
    const path = pool[m.at % pool.length];
    const parent = at(doc, path.slice(0, -1)) as Record<string | number, Json>;
    const key = path.at(-1)!;
    switch (m.kind) {
      case 'number':
      case 'replace':
        parent[key] = m.value;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case 'key': {
        const target = parent[key];
        if (target && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
        break;
      }
      case 'nest':
        parent[key] = m.wrap === 'array' ? [parent[key]] : { value: parent[key] };
        break;
    }
  }
  return doc;
}

const study = fc.tuple(fc.constantFrom(...BASES), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([base, ms]) => mutate(base, ms));

/** Physical checks of a valid pack, independent of the validity code: finite, voltages in the set's window, ... */
function impossible(row: Float64Array, o: number, dischargeOnly: boolean): string | undefined {
  for (let k = 0; k < PACK_OUTPUT_COUNT; k++) if (!Number.isFinite(row[o + k])) return `output ${k} is ${row[o + k]}`;
  const v = (n: keyof typeof PACK_OUTPUT_INDEX) => row[o + PACK_OUTPUT_INDEX[n]];
  if (!(v('minCellVoltageV') > 2.5 - 0.05 && v('maxCellVoltageV') < 4.2 + 0.05)) return `cell voltage ${v('minCellVoltageV')}..${v('maxCellVoltageV')} V outside 2.5-4.2 V`;
  if (!(v('maxTemperatureK') >= TEMPERATURE_RANGE_K[0] && v('maxTemperatureK') <= TEMPERATURE_RANGE_K[1])) return `temperature ${v('maxTemperatureK')} K`;
  if (dischargeOnly && (v('capacityAh') < -1e-9 || v('energyWh') < -1e-9)) return `negative ${v('capacityAh')} Ah / ${v('energyWh')} Wh on a discharge`;
  if (Math.abs(v('capacityAh')) > 12 * 5.5) return `capacity ${v('capacityAh')} Ah from a pack of at most 12 cells of ~5 Ah`;
  if (!(v('finalPackVoltageV') > 0)) return `pack voltage ${v('finalPackVoltageV')} V`;
  return undefined;
}

function expectTypedInputError(e: unknown, input: Json): void {
  const text = `${(e as Error)?.stack ?? String(e)}\nstudy: ${JSON.stringify(input)}`;
  expect(e instanceof CellspreadError, text).toBe(true);
  expect((e as CellspreadError).exitCode, text).toBe(EXIT_CODE.input);
}

describe('fuzzed studies', () => {
  it('the library: a completed valid result or a typed input error (exit code 2)', async () => {
    let completed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(study, async (input) => {
        let r;
        try {
          r = await runStudy(input as Record<string, unknown>, { backend: 'reference' });
        } catch (e) {
          expectTypedInputError(e, input);
          refused++;
          return;
        }
        completed++;
        expect(r.cancelled).toBe(false);
        const invalid = new Set(r.invalid.map((p) => p.sample));
        const dischargeOnly = r.spec.protocol.every((s) => 'type' in s && (s.type === 'discharge' || s.type === 'rest'));
        for (let s = 0; s < r.counts.samples; s++) {
          if (invalid.has(s)) continue;
          const problem = impossible(r.outputs, s * PACK_OUTPUT_COUNT, dischargeOnly);
          expect(problem, `sample ${s} passed as valid: ${problem}\nstudy: ${JSON.stringify(input)}`).toBeUndefined();
        }
        for (const o of outputStatistics(r.outputs, r.invalid)) {
          const st = o.statistics;
          if (st.count === 0) expect(Number.isNaN(st.mean)).toBe(true);
          else for (const k of ['mean', 'min', 'max', 'p50'] as const) expect(Number.isFinite(st[k]), `${o.name}.${k}`).toBe(true);
        }
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 15), numRuns: Number(process.env.FUZZ_RUNS ?? 120), endOnFailure: true },
    );
    // The mutations explore both sides.
    expect(completed).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(20);
  }, 600_000);

  it('the CLI: exit 0 or 2 with a one-line message, never an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellspread-fuzz-'));
    let n = 0;
    const codes: number[] = [];
    await fc.assert(
      fc.asyncProperty(study, fc.boolean(), async (input, asYaml) => {
        const file = join(dir, `s${n}.${asYaml ? 'yaml' : 'json'}`);
        const out = join(dir, `out${n++}`);
        // JSON has no NaN or Infinity; YAML spells them .nan and .inf.
        const text = asYaml
          ? JSON.stringify(input, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? `__${v}__` : v)).replace(/"__(NaN|Infinity|-Infinity)__"/g, (_m, x) => (x === 'NaN' ? '.nan' : x === 'Infinity' ? '.inf' : '-.inf'))
          : JSON.stringify(input);
        writeFileSync(file, text);
        const c = captureIo();
        const code = await main(['run', file, '--out', out, '--backend', 'reference', '--quiet', '--no-report'], c.io);
        codes.push(code);
        const err = c.err.join('\n');
        expect(err, `${err}\nstudy: ${text}`).not.toContain('internal error');
        expect([0, 2], `${err}\nstudy: ${text}`).toContain(code);
        if (code === 2) expect(err.trim().split('\n').length, err).toBeLessThanOrEqual(6);
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 16), numRuns: Math.ceil(Number(process.env.FUZZ_RUNS ?? 120) / 4), endOnFailure: true },
    );
    expect(codes.filter((c) => c === 2).length).toBeGreaterThan(3);
  }, 600_000);
});
