/**
 * Writes every generated kernel and layout file (src/kernels/generate.ts): `npx tsx scripts/generate.ts`.
 * test/kernels/generated.test.ts fails if a committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedFiles } from '../src/kernels/generate.ts';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, text] of Object.entries(generatedFiles())) {
    writeFileSync(new URL(`../${path}`, import.meta.url), text);
    console.log(`wrote ${path}`);
  }
}
