import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CellspreadInputError } from '../../src/errors.ts';
import { DEFAULT_STUDY_YAML, defaultStudy, parseStudySpec, studyHash, validateStudySpec, StudySpecError } from '../../src/spec/index.ts';
import { DEFAULT_MODEL } from '../../src/spec/schema.ts';

const PACK = 'pack: { series: 12, parallel: 2, modules: 3 }\n';

function errorOf(text: string, opts: { format?: 'yaml' | 'json'; source?: string } = { source: 'study.yaml' }): StudySpecError {
  try {
    parseStudySpec(text, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(CellspreadInputError);
    return e as StudySpecError;
  }
  throw new Error('expected an error');
}

describe('study spec: defaults and examples', () => {
  it('fills defaults and resolves scales', () => {
    const s = parseStudySpec(`${PACK}variation:\n  contactResistance: { base: 1.0e-4, cell: { distribution: lognormal, sd: 0.1 } }\n  porosity.negative: { cell: { distribution: normal, sd: 0.01 } }`);
    expect(s.name).toBe('study');
    expect(s.params).toBe('chen2020');
    expect(s.pack).toEqual({ series: 12, parallel: 2, modules: 3, interconnectResistance: 0, conduction: 0 });
    expect(s.initial).toEqual({ soc: 1 });
    expect(s.simulation).toEqual({ timeStep: 10, modes: 10, thermal: 'lumped', model: DEFAULT_MODEL });
    expect(s.protocol).toEqual([{ type: 'discharge', cRate: 1 }]);
    expect(s.run).toEqual({ samples: 1000, seed: 1, chunkSize: 256 });
    expect(s.variation.contactResistance.scale).toBe('log');
    expect(s.variation['porosity.negative'].scale).toBe('additive');
    expect(s.variation['porosity.negative'].cell).toEqual({ distribution: 'normal', mean: 0, sd: 0.01 });
  });

  it('the default study is a 12s2p pack in 3 modules, 1C, 200 samples, with weld defects', () => {
    const s = defaultStudy();
    expect([s.pack.series, s.pack.parallel, s.pack.modules, s.run.samples]).toEqual([12, 2, 3, 200]);
    expect(s.protocol[0]).toEqual({ type: 'discharge', cRate: 1 });
    expect(s.variation.contactResistance.cell?.distribution).toBe('defectMixture');
    expect(DEFAULT_STUDY_YAML).toContain('probability: 0.002');
  });

  it('every example study file parses', () => {
    const dir = new URL('../../examples/', import.meta.url);
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files).toContain('pack-96s4p-welds.yaml');
    expect(files).toContain('quick-12s2p.yaml');
    for (const f of files) {
      const s = parseStudySpec(readFileSync(new URL(f, dir), 'utf8'), { source: f });
      expect(s.pack.series % s.pack.modules, f).toBe(0);
    }
    const big = parseStudySpec(readFileSync(new URL('pack-96s4p-welds.yaml', dir), 'utf8'));
    expect([big.pack.series, big.pack.parallel, big.pack.modules]).toEqual([96, 4, 8]);
    expect(big.variation.contactResistance.cell).toMatchObject({ distribution: 'defectMixture', probability: 0.002 });
  });

  it('YAML and JSON of the same study hash the same; any change changes the hash', () => {
    const yaml = `name: x\n${PACK}variation:\n  capacity: { cell: { distribution: normal, sd: 0.01 } }\nrun: { samples: 10, seed: 3 }\n`;
    const json = JSON.stringify({ run: { seed: 3, samples: 10 }, variation: { capacity: { cell: { sd: 0.01, distribution: 'normal' } } }, pack: { parallel: 2, series: 12, modules: 3 }, name: 'x' });
    const a = parseStudySpec(yaml);
    const b = parseStudySpec(json, { format: 'json' });
    expect(b).toEqual(a);
    expect(studyHash(a)).toBe(studyHash(b));
    expect(studyHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(studyHash(parseStudySpec(yaml.replace('seed: 3', 'seed: 4')))).not.toBe(studyHash(a));
  });

  it('accepts power steps, tables and analysis settings', () => {
    const s = parseStudySpec(`${PACK}protocol:
  - { type: discharge, power: 2000, cutoffVoltage: 2.8 }
  - { type: table, time: [0, 10, 20], power: [100, 200, 0] }
  - { type: cccv, cRate: 0.5, voltage: 4.2, cutoffCRate: 0.05 }
variation:
  capacity: { cell: { distribution: normal, sd: 0.01 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 333.15, direction: upper } ]
  sensitivity: { method: shapley, outputs: [capacityAh] }
`);
    expect(s.protocol[1]).toEqual({ type: 'table', time: [0, 10, 20], power: [100, 200, 0], interpolation: 'previous' });
    expect(s.analysis?.tail).toEqual([{ output: 'maxTemperatureK', limit: 333.15, tail: 'upper' }]);
    expect(s.analysis?.sensitivity).toEqual({ method: 'shapley', outputs: ['capacityAh'], n: 256 });
  });
});

describe('study spec: tail targets', () => {
  it('keeps an optional target probability per tail entry and rejects one outside (0, 1) by name', () => {
    const tail = (target: string) => `${PACK}analysis:\n  tail: [ { output: maxTemperatureK, limit: 333.15, tail: upper${target} } ]\n`;
    expect(parseStudySpec(tail(', target: 1.0e-4')).analysis?.tail).toEqual([{ output: 'maxTemperatureK', limit: 333.15, tail: 'upper', target: 1e-4 }]);
    // No target: no key at all, so the spec (and its hash) is what it was before targets existed.
    expect(Object.keys(parseStudySpec(tail('')).analysis!.tail![0])).toEqual(['output', 'limit', 'tail']);
    expect(errorOf(tail(', target: 0')).message).toBe('study.yaml:3:74: analysis.tail[0].target must be > 0, got 0');
    expect(errorOf(tail(', target: 1.5')).message).toBe('study.yaml:3:74: analysis.tail[0].target must be < 1, got 1.5');
  });
});

describe('study spec: errors name field, rule, value and place', () => {
  it('negative sd', () => {
    const e = errorOf(`${PACK}variation:\n  porosity.negative:\n    cell: { distribution: normal, sd: -0.1 }\n`);
    expect(e.message).toBe('study.yaml:4:39: variation.porosity.negative.cell.sd must be >= 0, got -0.1');
    expect(e.field).toBe('variation.porosity.negative.cell.sd');
    expect(e.location).toEqual({ source: 'study.yaml', line: 4, column: 39 });
  });

  it('modules must divide series', () => {
    const e = errorOf('pack:\n  series: 96\n  parallel: 4\n  modules: 7\n');
    expect(e.message).toBe('study.yaml:4:12: pack.modules must divide pack.series (96), got 7 (e.g. 1, 2, 3, 4, 6, 8, 12, 16)');
  });

  it('non-positive-definite, asymmetric and non-unit-diagonal correlations', () => {
    const v = `${PACK}variation:
  porosity.negative: { cell: { distribution: normal, sd: 0.01 } }
  particleRadius.negative: { cell: { distribution: lognormal, sd: 0.05 } }
  coatingThickness.negative: { cell: { distribution: normal, sd: 0.01 } }
correlation:
  cell:
    quantities: [porosity.negative, particleRadius.negative, coatingThickness.negative]
`;
    const pd = errorOf(`${v}    matrix: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]\n`);
    expect(pd.message).toMatch(/^study\.yaml:9:13: correlation\.cell\.matrix must be positive definite, got \[\[1,0\.9,0\.9\],.*\(Cholesky pivot 2 is -?[0-9.e-]+; reduce the correlations\)$/);
    const sym = errorOf(`${v}    matrix: [[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]\n`);
    expect(sym.message).toBe('study.yaml:9:18: correlation.cell.matrix[0][1] must equal matrix[1][0] = 0.4 (symmetric), got 0.5');
    const diag = errorOf(`${v}    matrix: [[1, 0, 0], [0, 0.9, 0], [0, 0, 1]]\n`);
    expect(diag.message).toBe('study.yaml:9:29: correlation.cell.matrix[1][1] must be 1 (unit diagonal), got 0.9');
    const unknown = errorOf(`${v.replace('coatingThickness.negative]', 'coatingThickness.negativ]')}    matrix: [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\n`);
    expect(unknown.message).toContain('correlation.cell.quantities[2] must name a quantity under variation, got "coatingThickness.negativ" (did you mean "coatingThickness.negative"?)');
  });

  it('unknown quantity with did-you-mean, at the key', () => {
    const e = errorOf(`${PACK}variation:\n  contactResistence:\n    cell: { distribution: lognormal, sd: 0.1 }\n`);
    expect(e.message).toBe(
      'study.yaml:3:3: variation.contactResistence must be a manufacturing quantity or a numeric parameter path, got "contactResistence" (did you mean "contactResistance"?)',
    );
    const path = errorOf(`${PACK}variation:\n  negative.particleRadios: { cell: { distribution: lognormal, sd: 0.1 } }\n`);
    expect(path.message).toContain('(did you mean "negative.particleRadius"');
  });

  it('unknown keys and misspelt enum values suggest the closest name', () => {
    expect(errorOf('pack: { series: 12, parallel: 2, modlues: 3 }\n').message).toBe(
      'study.yaml:1:34: pack.modlues is not a known key, got "modlues" (did you mean "modules"?)',
    );
    expect(errorOf(`${PACK}variation:\n  capacity: { cell: { distribution: normal, sdd: 0.1 } }\n`).message).toBe(
      'study.yaml:3:45: variation.capacity.cell.sdd is not a known key, got "sdd" (did you mean "sd"?)',
    );
    expect(errorOf(`${PACK}variation:\n  capacity: { cell: { distribution: lognormall, sd: 0.1 } }\n`).message).toMatch(
      /variation\.capacity\.cell\.distribution must be one of normal, .*defectMixture, got "lognormall" \(did you mean "lognormal"\?\)$/,
    );
    expect(errorOf(`${PACK}simulation: { thermal: lumpd }\n`).message).toBe(
      'study.yaml:2:24: simulation.thermal must be one of lumped, isothermal, got "lumpd" (did you mean "lumped"?)',
    );
    expect(errorOf(`params: chen202\n${PACK}`).message).toBe('study.yaml:1:9: params must be a known parameter set, got "chen202" (did you mean "chen2020"?)');
    expect(errorOf(`${PACK}protocol:\n  - { type: dischrge, cRate: 1 }\n`).message).toContain('protocol[0].type must be one of discharge, charge, rest, cccv, table, got "dischrge" (did you mean "discharge"?)');
  });

  it('YAML syntax errors report the line', () => {
    const e = errorOf('name: x\npack: { series: 12, parallel: 2 }\nrun: { samples: 10\n  seed: [1\n');
    expect(e.message).toBe('study.yaml:3:17: study must be valid YAML (Implicit keys need to be on a single line), got "run: { samples: 10"');
    expect(e.location?.line).toBe(3);
    const indent = errorOf('name: x\npack:\n  series: 12\n   parallel: 2\n');
    expect(indent.message).toBe('study.yaml:3:11: study must be valid YAML (Nested mappings are not allowed in compact mappings), got "series: 12"');
    const dup = errorOf(`${PACK}pack: { series: 1, parallel: 1 }\n`);
    expect(dup.message).toMatch(/^study\.yaml:2:1: study must be valid YAML \(Map keys must be unique.*\)/);
  });

  it('JSON errors give line and column too', () => {
    const e = errorOf('{\n  "pack": { "series": 12, "parallel": 2 },\n  "run": { "samples": -5 }\n}', { source: 'study.json' });
    expect(e.message).toBe('study.json:3:23: run.samples must be >= 1, got -5');
    const syntax = errorOf('{\n  "pack": { "series": 12, "parallel": 2, }\n}', { source: 'study.json' });
    expect(syntax.message).toMatch(/^study\.json:2:\d+: study must be valid JSON \(.+\), got "\\"pack\\": \{ \\"series\\": 12, \\"parallel\\": 2, \}"$/);
  });

  it('physics rules: log scale needs positive factors and a positive base; no double mapping', () => {
    expect(errorOf(`${PACK}variation:\n  contactResistance: { cell: { distribution: lognormal, sd: 0.1 } }\n`).message).toBe(
      "study.yaml:3:22: variation.contactResistance.base must be given (> 0) for the log scale: the parameter set's value is 0, got undefined",
    );
    expect(errorOf(`${PACK}variation:\n  particleRadius.negative: { scale: log, cell: { distribution: normal, sd: 0.1 } }\n`).message).toMatch(
      /^study\.yaml:3:64: variation\.particleRadius\.negative\.cell\.distribution must be a positive multiplicative factor on the log scale, got "normal" \(use lognormal/,
    );
    expect(errorOf(`${PACK}variation:\n  coatingThickness.negative: { cell: { distribution: normal, sd: 0.01 } }\n  negative.thickness: { cell: { distribution: normal, sd: 0.01 } }\n`).message).toBe(
      'study.yaml:4:3: variation.negative.thickness must not vary the same parameter (negative.thickness) as variation.coatingThickness.negative, got "negative.thickness" (keep one of the two)',
    );
    expect(errorOf(`${PACK}variation:\n  capacity: { cell: { distribution: uniform, min: 0.1, max: -0.1 } }\n`).message).toBe(
      'study.yaml:3:61: variation.capacity.cell.max must be > min (0.1), got -0.1',
    );
    expect(errorOf(`${PACK}protocol:\n  - { type: discharge, cRate: 1, power: 100 }\n`).message).toBe(
      'study.yaml:3:5: protocol[0] must give exactly one of cRate, current or power, got "cRate and power"',
    );
  });

  it('validateStudySpec works on objects, without a location', () => {
    let err: unknown;
    try {
      validateStudySpec({ pack: { series: 4, parallel: 1, modules: 3 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CellspreadInputError);
    expect((err as Error).message).toBe(new CellspreadInputError('pack.modules', 'must divide pack.series (4)', 3, 'e.g. 1, 2, 4').message);
    expect(() => validateStudySpec({})).toThrow('pack is required, got undefined');
  });
});
