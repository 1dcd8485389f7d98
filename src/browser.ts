// cellspread for browsers (the package's "browser" entry): the API of src/core.ts, with the wasm backend on module Web
// Workers and the webgpu backend on navigator.gpu. See docs/browser.md.
import { installPlatform } from './platform/index.ts';
import { browserPlatform, type BrowserPlatformOptions } from './platform/browser.ts';

installPlatform(browserPlatform());

export * from './core.ts';
export type { BrowserPlatformOptions } from './platform/browser.ts';

/**
 * Where the package's files (build/cellspread.wasm, shaders/, dist/backends/wasm/worker.mjs) are served, for a
 * bundled app whose modules no longer sit next to them: e.g. `useAssetBase('/cellspread/')`.
 */
export function useAssetBase(assetBase: BrowserPlatformOptions['assetBase']): void {
  installPlatform(browserPlatform({ assetBase }));
}
