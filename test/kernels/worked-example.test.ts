/**
 * The worked example of docs/kernels.md on a test-only definition: a film resistance R_f in series with the cell,
 * added as one parameter and two replaced intermediates (voltage - I R_f, heat + I^2 R_f). Nothing else changes: the
 * compiler derives the new exact dV/dI, and every emitter writes the term without being touched. The TypeScript and
 * C kernels of the extended definition are generated, loaded (compiled with gcc) and run here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/kernels/compile.ts';
import { extendDefinition } from '../../src/kernels/define.ts';
import { assemblyscriptKernels } from '../../src/kernels/emit/assemblyscript.ts';
import { cKernels } from '../../src/kernels/emit/c.ts';
import { typescriptKernels } from '../../src/kernels/emit/typescript.ts';
import { wgslKernels } from '../../src/kernels/emit/wgsl.ts';
import { add, input, mul, param, sub } from '../../src/kernels/ir.ts';
import { CellKernel, kernelConstants } from '../../src/model/cell.ts';
import { deriveCellParameters } from '../../src/model/derive.ts';
import { CELL_PARAMETERS } from '../../src/model/layout.ts';
import { F32_OVERRIDES } from '../../src/model/physics-f32.ts';
import { SPM_DEFINITION } from '../../src/model/physics.ts';
import { flattenKernelConstants } from '../../src/kernels/configure.ts';
import { chen2020 } from '../../src/params/index.ts';

/** The whole change, as docs/kernels.md writes it into src/model/physics.ts. */
const FILM = extendDefinition(SPM_DEFINITION, {
  name: 'spm-lumped-film',
  description: 'SPM with a film resistance in series',
  parameters: [{ name: 'filmResistance', unit: 'Ohm', description: 'film resistance in series with the cell', fromSet: (get) => get('negative.filmResistance') }],
  replace: (get) => {
    const current = input('current');
    const film = param('filmResistance');
    return {
      voltage: sub(get('voltage'), mul(current, film)),
      totalHeat: add(get('totalHeat'), mul(mul(current, current), film)),
    };
  },
});

const dir = mkdtempSync(join(tmpdir(), 'cellspread-film-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const src = fileURLToPath(new URL('../../src/', import.meta.url));

describe('worked example: a film resistance added to a test-only definition', () => {
  const f64 = compileModel(FILM, 'f64');
  const p = { ...deriveCellParameters(chen2020, 0.6), filmResistance: 2e-3 };
  const kernel = new CellKernel(chen2020);
  const state = kernel.initialState(p);
  for (let i = 0; i < 30; i++) kernel.step(state, p, 5, 10);
  const rise = 3;

  it('the generated TypeScript kernel has the term, and its exact derivative', async () => {
    const code = typescriptKernels(f64)
      .replace("'../params/types.ts'", `'${pathToFileURL(join(src, 'params/types.ts')).href}'`)
      .replace("'./layout.ts'", `'${pathToFileURL(join(src, 'model/layout.ts')).href}'`)
      .replace("'./series.ts'", `'${pathToFileURL(join(src, 'model/series.ts')).href}'`);
    const file = join(dir, 'film.generated.ts');
    writeFileSync(file, code);
    const K = await import(pathToFileURL(file).href);
    const k = kernelConstants(chen2020, 10);
    const base = { voltage: 0, heat: 0, voltageTangent: 0, heatTangent: 0 } as Record<string, number>;
    const film = { ...base };
    const ds = new Float64Array(state.length);
    for (const I of [-4, 0.5, 12]) {
      kernel.evaluate(state, p, I, kernel.referenceTemperature + rise, base as never);
      K.evaluateTangent(state, ds, p, k, I, rise, 0, film);
      expect(film.voltage - base.voltage).toBeCloseTo(-I * 2e-3, 12);
      expect(film.heat - base.heat).toBeCloseTo(I * I * 2e-3, 11);
      const plain = { ...base };
      const { evaluateTangent } = await import('../../src/model/kernel.generated.ts');
      evaluateTangent(state, ds, p, k, I, rise, 0, plain as never);
      expect(film.voltageTangent - plain.voltageTangent).toBeCloseTo(-2e-3, 12);
      expect(film.heatTangent - plain.heatTangent).toBeCloseTo(2 * I * 2e-3, 11);
    }
  });

  it('the generated C kernel agrees with the TypeScript one', () => {
    writeFileSync(join(dir, 'kernel.generated.h'), cKernels(f64));
    const k = kernelConstants(chen2020, 10);
    const arr = (x: ArrayLike<number>) => `{${Array.from(x).join(', ')}}`;
    const params = [...CELL_PARAMETERS.map((c) => p[c.name]), p.filmResistance];
    writeFileSync(
      join(dir, 'film.c'),
      [
        '#include <stdio.h>',
        '#include "kernel.generated.h"',
        'int main(void) {',
        `  const double kc[] = ${arr(flattenKernelConstants(FILM, k as unknown as Record<string, unknown>))};`,
        `  const double s[] = ${arr(state)}, p[] = ${arr(params)};`,
        '  KernelConstants k;',
        '  kernel_constants_read(&k, kc);',
        '  EvaluateOutputs out;',
        `  cell_evaluate(s, p, &k, 7.0, ${rise}.0, &out);`,
        '  printf("%.17g\\n", out.voltage);',
        '  return 0;',
        '}',
      ].join('\n'),
    );
    execFileSync('gcc', ['-O2', '-o', join(dir, 'film'), join(dir, 'film.c'), '-lm']);
    const v = Number(execFileSync(join(dir, 'film'), { encoding: 'utf8' }));
    const base = kernel.evaluate(state, p, 7, kernel.referenceTemperature + rise).voltage;
    expect(Math.abs(v - (base - 7 * 2e-3))).toBeLessThan(1e-12);
  });

  it('the AssemblyScript and WGSL emitters write the term unchanged', () => {
    const as = assemblyscriptKernels([{ key: 'film', model: f64 }]);
    const wgsl = wgslKernels(compileModel(FILM, 'f32', F32_OVERRIDES));
    expect(as).toContain('P_FILM_RESISTANCE');
    expect(wgsl).toContain('prm(P_FILM_RESISTANCE, c)');
  });
});
