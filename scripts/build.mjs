#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepare`, so `npm install` in a checkout leaves a working, fast setup):
 *   1. dist/          src/ compiled to JavaScript with declaration files (tsconfig.build.json), plus src/'s plain
 *                     JavaScript files (the WASM worker and its kernel glue, the CommonJS stub) copied as they are;
 *   2. build/cellspread.wasm   assembly/ compiled by AssemblyScript (asconfig.json, target release);
 *   3. dist/web/      the static page (web/): app.js bundled for browsers by esbuild, with the package's runtime files
 *                     (build/cellspread.wasm, shaders/, the worker) under dist/web/cellspread/.
 * File lists come from the tree (every file under src/ and shaders/), so new kernels and generated files are included.
 * Plain Node on purpose: it runs before anything is compiled.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const dist = join(root, 'dist');
const only = process.argv.slice(2);
const step = (name) => only.length === 0 || only.includes(name);

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function run(script, args) {
  execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
}

function timed(name, fn) {
  const t0 = performance.now();
  fn();
  console.log(`build: ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

if (step('js')) {
  timed('dist/ (tsc)', () => {
    rmSync(dist, { recursive: true, force: true });
    run(join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'), ['-p', 'tsconfig.build.json']);
    // Declarations keep the sources' ".ts" specifiers; consumers' compilers resolve ".js" everywhere.
    for (const file of files(dist).filter((f) => f.endsWith('.d.ts'))) {
      const text = readFileSync(file, 'utf8');
      const fixed = text.replace(/((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1.js$2');
      if (fixed !== text) writeFileSync(file, fixed);
    }
    for (const file of files(join(root, 'src')).filter((f) => !f.endsWith('.ts'))) {
      const out = join(dist, relative(join(root, 'src'), file));
      mkdirSync(dirname(out), { recursive: true });
      cpSync(file, out);
    }
  });
}

/**
 * Appends the custom section src/backends/wasm/sources.ts reads: the assembly/ sources compiled and their SHA-256 (of
 * each path, a NUL, its text and a NUL, in order), so a checkout can tell a module built from other sources.
 */
function writeSourcesSection(wasmPath) {
  const sources = readdirSync(join(root, 'assembly')).filter((f) => f.endsWith('.ts')).sort().map((f) => `assembly/${f}`);
  const hash = createHash('sha256');
  for (const path of sources) hash.update(`${path}\0${readFileSync(join(root, path), 'utf8')}\0`);
  const section = customSection('cellspread-sources', JSON.stringify({ files: sources, sha256: hash.digest('hex') }));
  writeFileSync(wasmPath, Buffer.concat([readFileSync(wasmPath), section]));
}

/** A WebAssembly custom section: id 0, its size, then the name (length-prefixed) and the payload. */
function customSection(name, payload) {
  const leb = (n) => {
    const bytes = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      bytes.push(b);
    } while (n);
    return Buffer.from(bytes);
  };
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([leb(nameBytes.length), nameBytes, Buffer.from(payload, 'utf8')]);
  return Buffer.concat([Buffer.from([0]), leb(body.length), body]);
}

if (step('wasm')) {
  timed('build/cellspread.wasm (asc)', () => {
    run(join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js'), ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'release']);
    writeSourcesSection(join(root, 'build', 'cellspread.wasm'));
  });
}

/** The licenses of the npm packages bundled into the page (from the bundle's inputs), for redistributing app.js. */
function thirdPartyLicenses(inputs) {
  const dirs = new Set();
  for (const input of inputs) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const sections = [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(root, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = file ? readFileSync(join(root, dir, file), 'utf8').trim() : `License: ${pkg.license ?? 'see the package'}`;
    return `${pkg.name}@${pkg.version} (${pkg.license ?? 'unknown'})\n\n${text}`;
  });
  return `app.js bundles cellspread (MIT, LICENSE) and these packages:\n\n${sections.join(`\n\n${'-'.repeat(78)}\n\n`)}\n`;
}

if (step('web')) {
  const { buildSync } = require('esbuild');
  timed('dist/web/ (esbuild)', () => {
    const web = join(dist, 'web');
    rmSync(web, { recursive: true, force: true });
    const result = buildSync({
      absWorkingDir: root,
      metafile: true,
      entryPoints: ['web/app.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022'],
      minify: true,
      legalComments: 'linked',
      outfile: join(web, 'app.js'),
      logLevel: 'warning',
    });
    writeFileSync(join(web, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(Object.keys(result.metafile.inputs)));
    for (const name of ['index.html', 'style.css']) cpSync(join(root, 'web', name), join(web, name));
    // The package's runtime files at their package paths (what useAssetBase('./cellspread/') points at).
    const assets = join(web, 'cellspread');
    cpSync(join(root, 'build', 'cellspread.wasm'), join(assets, 'build', 'cellspread.wasm'));
    cpSync(join(root, 'shaders'), join(assets, 'shaders'), { recursive: true });
    cpSync(join(dist, 'backends', 'wasm'), join(assets, 'dist', 'backends', 'wasm'), { recursive: true, filter: (src) => !/\.(?:js|d\.ts)$/.test(src) || src.endsWith('.mjs') });
  });
}
