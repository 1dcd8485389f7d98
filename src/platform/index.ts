/**
 * The platform cellspread runs on (src/platform/types.ts). The package entries install one: `cellspread` in Node
 * installs src/platform/node.ts, its browser build src/platform/browser.ts. Modules that need files, workers or a GPU
 * ask for it when they run (never at import), so everything else loads and bundles anywhere.
 */
import type { Platform } from './types.ts';

export type { GpuCandidate, GpuOptions, PackageAsset, Platform, WorkerPort } from './types.ts';

let installed: Platform | undefined;

export function installPlatform(platform: Platform): void {
  installed = platform;
}

export function currentPlatform(): Platform {
  if (!installed) {
    throw new Error(
      "no platform is installed: import the package entry ('cellspread', which installs the Node or, in a browser bundle, the browser platform) before starting the wasm or webgpu backend",
    );
  }
  return installed;
}
