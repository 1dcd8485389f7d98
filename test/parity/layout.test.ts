import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedLayoutFiles } from '../../src/model/generate.ts';

describe('one layout, three languages', () => {
  for (const [path, text] of Object.entries(generatedLayoutFiles())) {
    it(`${path} is generated from the TypeScript layout and up to date (run npx tsx scripts/gen-layout.ts)`, () => {
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }
});
