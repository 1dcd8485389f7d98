/**
 * Whether build/cellspread.wasm was built from the assembly/ sources next to it. scripts/build.mjs writes a custom
 * section into the module naming the sources it compiled and their SHA-256; in a checkout (Node, assembly/ present),
 * a module built from other sources is an error naming the fix, not a kernel run against glue it does not match.
 * An installed package ships no assembly/, and a browser page reads none: there the check is skipped.
 */
import { sha256Hex } from '../../spec/sha256.ts';
import type { Platform } from '../../platform/index.ts';

/** The custom section scripts/build.mjs writes: JSON `{ files, sha256 }`. */
export const SOURCES_SECTION = 'cellspread-sources';

/** The digest scripts/build.mjs computes: SHA-256 of each file's path, a NUL, its text and a NUL, in the listed order. */
export function sourcesDigest(files: readonly { path: string; text: string }[]): string {
  return sha256Hex(files.map((f) => `${f.path}\0${f.text}\0`).join(''));
}

interface WasmModuleApi {
  customSections(module: object, name: string): ArrayBuffer[];
}

/** Rejects when `module` was not built from the assembly/ sources this checkout holds (see above). */
export async function checkWasmSources(module: object, platform: Platform, wasmPath: string): Promise<void> {
  if (platform.name !== 'node') return;
  const read = (path: string) => platform.readText({ path, url: new URL(`../../../${path}`, import.meta.url) });
  const entry = await read('assembly/index.ts').catch(() => undefined);
  if (entry === undefined) return; // not a checkout
  const api = (globalThis as unknown as { WebAssembly: { Module: WasmModuleApi } }).WebAssembly.Module;
  const section = api.customSections(module, SOURCES_SECTION)[0];
  const stale = (why: string) => new Error(`${wasmPath} ${why}; rebuild it with \`npm run build:wasm\` (or \`npm run build\`)`);
  if (!section) throw stale(`names no sources (built before this check, from older assembly/ sources)`);
  const built = JSON.parse(new TextDecoder().decode(section)) as { files: string[]; sha256: string };
  const texts = await Promise.all(built.files.map((path) => read(path).catch(() => undefined)));
  const missing = built.files.filter((_, i) => texts[i] === undefined);
  if (missing.length) throw stale(`was built from ${missing.join(', ')}, which this checkout no longer has`);
  const digest = sourcesDigest(built.files.map((path, i) => ({ path, text: texts[i]! })));
  if (digest !== built.sha256) throw stale(`was built from other assembly/ sources than this checkout's (they changed since it was built)`);
}
