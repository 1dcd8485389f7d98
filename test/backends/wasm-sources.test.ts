import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWasmModule, WASM_URL } from '../../src/backends/wasm/index.ts';
import { checkWasmSources, SOURCES_SECTION, sourcesDigest } from '../../src/backends/wasm/sources.ts';
import { nodePlatform } from '../../src/platform/node.ts';
import type { Platform } from '../../src/platform/index.ts';

// The TypeScript libs in use carry no WebAssembly types (src/backends/wasm/index.ts).
const wasm = (globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; customSections(module: object, name: string): ArrayBuffer[] } };
}).WebAssembly;

/** An empty module with the given custom sections (name, payload). */
function moduleWith(...sections: [string, string][]): object {
  const enc = new TextEncoder();
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const [name, payload] of sections) {
    const n = enc.encode(name);
    const body = [n.length, ...n, ...enc.encode(payload)];
    // Sizes below 128 are one LEB128 byte; larger ones two.
    const size = body.length < 128 ? [body.length] : [(body.length & 0x7f) | 0x80, body.length >> 7];
    bytes.push(0, ...size, ...body);
  }
  return new wasm.Module(new Uint8Array(bytes));
}

const platform = nodePlatform;
const checkoutFiles = ['assembly/index.ts', 'assembly/step.ts'];
const digestOfCheckout = sourcesDigest(checkoutFiles.map((path) => ({ path, text: readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8') })));

describe('build/cellspread.wasm against the checkout\'s assembly/ sources', () => {
  it('the module the build wrote names every assembly/ source and their digest, and loads', async () => {
    const section = wasm.Module.customSections(new wasm.Module(readFileSync(WASM_URL)), SOURCES_SECTION);
    expect(section).toHaveLength(1);
    const built = JSON.parse(new TextDecoder().decode(section[0]));
    expect(built.files).toContain('assembly/pack.ts');
    expect(built.files).toContain('assembly/kernel.generated.ts');
    // scripts/build.mjs (node:crypto) and sourcesDigest (src/spec/sha256.ts) agree on the recipe.
    await expect(loadWasmModule(platform)).resolves.toBeDefined();
  });

  it('accepts a module built from these sources, and refuses one built from others, one naming none, or a missing source', async () => {
    const section = (files: string[], sha256: string) => moduleWith([SOURCES_SECTION, JSON.stringify({ files, sha256 })]);
    await expect(checkWasmSources(section(checkoutFiles, digestOfCheckout), platform, 'x.wasm')).resolves.toBeUndefined();
    await expect(checkWasmSources(section(checkoutFiles, '0'.repeat(64)), platform, 'x.wasm')).rejects.toThrow(
      /x\.wasm was built from other assembly\/ sources.*npm run build:wasm/,
    );
    await expect(checkWasmSources(moduleWith(), platform, 'x.wasm')).rejects.toThrow(/x\.wasm names no sources.*npm run build:wasm/);
    await expect(checkWasmSources(section(['assembly/gone.ts'], digestOfCheckout), platform, 'x.wasm')).rejects.toThrow(/assembly\/gone\.ts, which this checkout no longer has/);
  });

  it('is skipped where no assembly/ sources can be read (a browser page)', async () => {
    const browser = { ...platform, name: 'browser' } as Platform;
    await expect(checkWasmSources(moduleWith(), browser, 'x.wasm')).resolves.toBeUndefined();
  });
});
