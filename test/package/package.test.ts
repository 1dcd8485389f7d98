/**
 * cellspread as a user gets it: `npm pack` of this checkout (built by `npm test`'s pretest), installed into a fresh
 * project from the tarball plus the npm registry. Then plain Node imports it as ESM and runs a small study on the WASM
 * backend (bit-identical to the same study run from the sources), the CLI runs, `require` says the package is ESM
 * only, a strict TypeScript consumer (strict, noUncheckedIndexedAccess, library checking on) type-checks against the
 * declarations, `cellspread/sensitivity` and `cellspread/stats` load no vega, Arrow or Dawn, and the package bundles for
 * browsers.
 * The tarball's file list and size are written to test-artifacts/package-files.txt.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStudySpec, runStudy, VERSION } from '../../src/index.ts';

const ROOT = resolve('.');
const ARTIFACTS = resolve(process.env.CELLSPREAD_ARTIFACTS ?? 'test-artifacts');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const STUDY = `name: package-2s2p
params: chen2020
pack: { series: 2, parallel: 2, interconnectResistance: 1.0e-4 }
protocol:
  - { type: discharge, cRate: 1 }
variation:
  capacity: { scale: relative, cell: { distribution: normal, sd: 0.01 } }
  contactResistance: { scale: log, base: 2.0e-4, cell: { distribution: lognormal, sd: 0.3 } }
run: { samples: 6, seed: 11, chunkSize: 4 }
`;

let project: string;
let tarball: string;
let packed: { files: { path: string; size: number }[]; size: number; unpackedSize: number; filename: string };
let installLog: string;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd: options.cwd ?? project, env: { ...process.env, ...options.env }, encoding: 'utf8', timeout: 240_000, input: options.input });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.error, `${what}: ${r.error}`).toBeUndefined();
  expect(r.status, `${what} exited ${r.status}:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  // npm test builds first (pretest); here the build must be current, or the tarball would not be this checkout.
  const newestSource = Math.max(...[...files(join(ROOT, 'src')), ...files(join(ROOT, 'web')), ...files(join(ROOT, 'assembly'))].map((f) => statSync(f).mtimeMs));
  for (const built of ['dist/index.js', 'dist/web/app.js', 'build/cellspread.wasm']) {
    const mtime = statSync(join(ROOT, built), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (mtime < newestSource) throw new Error(`${built} is older than the sources: run npm run build (npm test does it first)`);
  }
  project = mkdtempSync(join(tmpdir(), 'cellspread-package-'));
  const pack = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8' });
  packed = JSON.parse(pack)[0];
  tarball = join(project, packed.filename);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(
    join(ARTIFACTS, 'package-files.txt'),
    `${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.files.length} files\n${packed.files.map((f) => `${String(f.size).padStart(9)}  ${f.path}`).join('\n')}\n`,
  );

  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')).version;
  const install = run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `@types/node@${typesNode}`]);
  installLog = `${install.stdout}\n${install.stderr}`;
  ok(install, 'npm install of the tarball');
}, 300_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('has the version of package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('ships the compiled code, declarations, WASM module, shaders, worker, page and LICENSE, and no tests, benchmarks, CI or sources', () => {
    const paths = packed.files.map((f) => f.path);
    const shaders = readdirSync(join(ROOT, 'shaders')).map((f) => `shaders/${f}`);
    for (const p of ['package.json', 'README.md', 'LICENSE', 'bin/cellspread.mjs', 'build/cellspread.wasm', 'dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/esm-only.cjs', 'dist/backends/wasm/worker.mjs', 'dist/backends/wasm/kernel.mjs', 'dist/web/index.html', 'dist/web/app.js', 'dist/web/THIRD-PARTY-LICENSES.txt', ...shaders]) {
      expect(paths, p).toContain(p);
    }
    expect(paths.filter((p) => /^(test|bench|\.ci|src|assembly|scripts|web|node_modules|tmp|results|test-artifacts)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    console.log(`package: ${packed.filename} ${(packed.size / 1024).toFixed(0)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked, ${paths.length} files`);
  });

  it('installs from the tarball with no dependency install scripts, and without Dawn, tsx or esbuild', () => {
    // npm 11 lists install scripts not covered by the consumer's allowScripts. cellspread's own `prepare` (the build,
    // for git checkouts) is listed for a tarball, which is not a registry source, but it is not run (the build scripts
    // are not in the tarball, so running it would fail the install). No dependency has an install script.
    const flagged = [...installLog.matchAll(/^npm warn install-scripts {3}(\S+)/gm)].map((m) => m[1]);
    expect(flagged.filter((p) => !p.startsWith('cellspread@'))).toEqual([]);
    const installed = readdirSync(join(project, 'node_modules'));
    for (const absent of ['webgpu', 'tsx', 'esbuild', 'seedrandom', 'typescript', 'assemblyscript']) expect(installed, absent).not.toContain(absent);
    expect(installed).toContain('cellspread');
  });

  it('runs a study on WASM from plain Node ESM, bit-identical to the sources', async () => {
    writeFileSync(join(project, 'study.yaml'), STUDY);
    writeFileSync(
      join(project, 'run.mjs'),
      `import { readFileSync } from 'node:fs';
import { parseStudySpec, runStudy, backendNames } from 'cellspread';
const spec = parseStudySpec(readFileSync('study.yaml', 'utf8'), { source: 'study.yaml' });
const wasm = await runStudy(spec, { backend: 'wasm' });
const auto = await runStudy(spec, { backend: 'auto' });
console.log(JSON.stringify({ names: backendNames(), wasm: wasm.backend, auto: auto.backend, outputs: Array.from(wasm.outputs), same: auto.outputs.every((v, i) => Object.is(v, wasm.outputs[i])) }));
`,
    );
    const got = JSON.parse(ok(run(process.execPath, ['run.mjs']), 'node run.mjs'));
    expect(got.names).toEqual(expect.arrayContaining(['webgpu', 'wasm', 'reference']));
    expect(got.wasm.name).toBe('wasm');
    expect(got.auto.name, JSON.stringify(got.auto.fallbacks)).toBe('wasm');
    expect(got.auto.fallbacks.map((f: { name: string }) => f.name)).toEqual(['webgpu']);
    expect(got.same).toBe(true);
    const here = await runStudy(parseStudySpec(STUDY, { source: 'study.yaml' }), { backend: 'wasm' });
    expect(got.outputs).toEqual(Array.from(here.outputs));
  });

  it('runs the CLI: --version, a study on WASM naming the backend and why webgpu was skipped, and a one-line reason when Dawn is missing', () => {
    const bin = join(project, 'node_modules/.bin/cellspread');
    expect(ok(run(bin, ['--version']), 'cellspread --version').trim()).toBe(VERSION);
    const example = join(project, 'node_modules/cellspread/examples/quick-12s2p.yaml');
    const r = run(bin, ['run', example, '--samples', '3', '--no-analysis', '--out', 'out']);
    ok(r, 'cellspread run');
    expect(r.stderr).toMatch(/^cellspread: backend wasm \(CPU \(WebAssembly f64 SIMD, \d+ workers?\)\); webgpu skipped: .+$/m);
    const summary = JSON.parse(readFileSync(join(project, 'out/summary.json'), 'utf8'));
    expect(summary.backend.name).toBe('wasm');
    expect(summary.counts.samples).toBe(3);
    expect(readFileSync(join(project, 'out/report.html'), 'utf8')).toContain('quick-12s2p');

    const gpu = run(bin, ['run', example, '--samples', '2', '--backend', 'webgpu', '--out', 'out-gpu']);
    expect(gpu.status).toBe(2);
    expect(gpu.stderr).toContain('the optional "webgpu" package (Dawn for Node) is not installed; add it with npm install webgpu');
  });

  it('says it is ESM only when required', () => {
    const r = run(process.execPath, ['-e', "require('cellspread')"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cellspread is an ES module package \(ESM only\) and cannot be loaded with require\(\)/);
  });

  it('type-checks a strict TypeScript consumer (strict, noUncheckedIndexedAccess, declarations of every entry checked)', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { defaultStudy, runStudy, simulateCell, createBackend, renderReport, buildSummary, studyResultTable, type StudySpec, type StudyResult } from 'cellspread';
import { sobol, shapley, marginal, testFunctions, type SobolResult } from 'cellspread/sensitivity';
import { tailSummary, exceedanceProbability, fitGeneralizedPareto } from 'cellspread/tail';
import { generalizedPareto, binomial, sortedQuantile, type ContinuousDistribution } from 'cellspread/stats';
import { parseStudySpec } from 'cellspread/spec';
import { sampleChunk } from 'cellspread/variation';
import { getParameterSet } from 'cellspread/params';
import { readResultsFolder, escapeHtml } from 'cellspread/report';

const spec: StudySpec = defaultStudy();
const small: StudySpec = { ...spec, run: { ...spec.run, samples: 2 } };
const result: StudyResult = await runStudy(small, { backend: 'wasm' });
const first: number | undefined = result.outputs[0];
const cell = simulateCell({ params: 'chen2020', soc: 1, protocol: [{ type: 'discharge', cRate: 1 }] });
const capacity: number = cell.capacityAh;
const { backend, fallbacks } = await createBackend('auto');
const reasons: string[] = fallbacks.map((f) => \`\${f.name}: \${f.reason}\`);
const f = testFunctions.ishigami;
const s: SobolResult = sobol({ inputs: f.inputs, model: f.evaluate, n: 64, seed: 1 });
const sh = shapley({ inputs: { marginals: [marginal.normal(0, 1, 'a'), marginal.uniform(0, 1, 'b')] }, model: (rows: readonly Float64Array[]) => rows.map((r) => (r[0] ?? 0) + (r[1] ?? 0)), seed: 1, nOuter: 20 });
const tail = tailSummary([1, 2, 3, 4, 5], { output: 'x', limit: 4, tail: 'upper' });
const p = exceedanceProbability([1, 2, 3], 2).estimate;
const gpd = fitGeneralizedPareto(Array.from({ length: 200 }, (_, i) => i), { threshold: 100 }).shape;
const parsed: StudySpec = parseStudySpec('name: x', { source: 'x.yaml' });
const excess: ContinuousDistribution = generalizedPareto(0.2, 1.5);
const q: number = excess.ppf(0.99) + binomial(10, 0.3).cdf(4) + sortedQuantile([1, 2, 3], 0.5);
const chunk = sampleChunk(small, 0, 1);
const set = getParameterSet('chen2020');
const html: string = await renderReport(buildSummary(small, result, { tail: [], sensitivity: [], worstPack: undefined, analysisSeconds: 0, totalSeconds: 0 }), studyResultTable(result));
const folder = readResultsFolder;
console.log(first, capacity, backend.name, reasons, s.first, sh.effects, tail, p, gpd, q, parsed.name, chunk, set.name, html.length, folder, escapeHtml('<'));
await backend.dispose();
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: false, skipLibCheck: false, noEmit: true, types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')), type: 'module' }, null, 2));
    const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    try {
      expect(`${tsc.stdout}${tsc.stderr}`.trim()).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      writeFileSync(join(project, 'package.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')), type: undefined }, null, 2));
    }
  });

  it("imports cellspread/sensitivity and cellspread/stats without loading vega, Arrow or Dawn, and the package entry without loading a backend, Dawn or vega", () => {
    writeFileSync(
      join(project, 'trace-hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.CELLSPREAD_TRACE, r.url + '\\n');
  return r;
}
`,
    );
    writeFileSync(join(project, 'trace.mjs'), "import { register } from 'node:module';\nregister('./trace-hooks.mjs', import.meta.url);\n");
    const loaded = (code: string, name: string): string[] => {
      const trace = join(project, `${name}.trace`);
      writeFileSync(trace, '');
      ok(run(process.execPath, ['--import', './trace.mjs', '--input-type=module', '-e', code], { env: { CELLSPREAD_TRACE: trace } }), name);
      return readFileSync(trace, 'utf8').split('\n').filter((u) => u.includes('/node_modules/')).map((u) => relative(join(project, 'node_modules'), new URL(u).pathname));
    };
    const sensitivity = loaded("import { sobol } from 'cellspread/sensitivity'; if (typeof sobol !== 'function') process.exit(1);", 'sensitivity');
    expect(sensitivity.some((p) => p.startsWith('cellspread/dist/sensitivity/'))).toBe(true);
    expect(sensitivity.filter((p) => /^(vega|vega-lite|apache-arrow|webgpu|yaml|zod)\//.test(p) || p.startsWith('cellspread/dist/report/') || p.startsWith('cellspread/dist/backends/'))).toEqual([]);

    const stats = loaded("import { generalizedPareto } from 'cellspread/stats'; if (!(generalizedPareto(0.1, 1).ppf(0.5) > 0)) process.exit(1);", 'stats');
    expect(stats.some((p) => p.startsWith('cellspread/dist/stats/'))).toBe(true);
    expect(stats.filter((p) => !p.startsWith('cellspread/dist/'))).toEqual([]);
    expect(stats.filter((p) => /^cellspread\/dist\/(report|backends|tail|sensitivity|variation|spec|results|study)\//.test(p))).toEqual([]);

    const entry = loaded("import { runStudy } from 'cellspread'; if (typeof runStudy !== 'function') process.exit(1);", 'entry');
    expect(entry.some((p) => p === 'cellspread/dist/index.js')).toBe(true);
    // The trace sees dependencies: the whole API loads Arrow and the YAML parser, so their absence above is real.
    expect(entry.some((p) => p.startsWith('apache-arrow/'))).toBe(true);
    expect(entry.some((p) => p.startsWith('yaml/'))).toBe(true);
    // Vega loads with the report's first chart (src/report/charts.ts), not with the package.
    expect(entry.filter((p) => /^(vega|vega-lite)\//.test(p))).toEqual([]);
    expect(entry.filter((p) => /^webgpu\//.test(p) || /^cellspread\/dist\/backends\/(wasm|webgpu)\//.test(p))).toEqual([]);
  });

  it('bundles for browsers through the "browser" condition with no Node built-ins, and cellspread/sensitivity without vega or Arrow', async () => {
    const { build } = await import('esbuild');
    writeFileSync(join(project, 'app.mjs'), "import { runStudy, useAssetBase } from 'cellspread';\nuseAssetBase('/cellspread/');\nconsole.log(runStudy);\n");
    writeFileSync(join(project, 'sens.mjs'), "import { sobol } from 'cellspread/sensitivity';\nconsole.log(sobol);\n");
    for (const [entry, forbidden] of [['app.mjs', /^node_modules\/webgpu\//], ['sens.mjs', /^node_modules\/(vega|vega-lite|apache-arrow|webgpu)\//]] as const) {
      const out = await build({ absWorkingDir: project, entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
      const inputs = Object.keys(out.metafile.inputs);
      expect(inputs.filter((p) => p.startsWith('node:') || forbidden.test(p)), entry).toEqual([]);
      expect(inputs.some((p) => p.startsWith('node_modules/cellspread/dist/')), entry).toBe(true);
    }
  });
});
