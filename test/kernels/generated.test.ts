/**
 * Every generated file is what scripts/generate.ts writes from the one definition today: a hand edit, or a change to
 * the definition, the layouts or the tolerance table without regenerating, fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/kernels/generate.ts';
import { HEADER } from '../../src/kernels/emit/common.ts';

describe('one definition, generated into every language', () => {
  for (const [path, text] of Object.entries(generatedFiles())) {
    it(`${path} is up to date (run npx tsx scripts/generate.ts)`, () => {
      expect(readFileSync(path, 'utf8')).toBe(text);
      expect(text).toContain(HEADER);
    });
  }
});
