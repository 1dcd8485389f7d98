/**
 * Writes the one layout (src/model/layout.ts, src/pack/outputs.ts, src/pack/protocol.ts) into the other two languages:
 * shaders/layout.generated.wgsl and assembly/layout.generated.ts. Run `npx tsx scripts/gen-layout.ts`;
 * test/parity/layout.test.ts fails if the committed files are stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedLayoutFiles } from '../src/model/generate.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, text] of Object.entries(generatedLayoutFiles())) {
    writeFileSync(new URL(`../${path}`, import.meta.url), text);
    console.log(`wrote ${path}`);
  }
}
