/** The README's TypeScript examples run as written (imports of 'cellspread' point at the package source). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README examples', () => {
  it('has TypeScript examples', () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs (${code.split('\n')[0].slice(0, 60)})`, () => {
      const dir = mkdtempSync(join(resolve('test'), '.readme-'));
      try {
        const file = join(dir, `example-${i}.mts`);
        writeFileSync(file, code.replaceAll("from 'cellspread'", `from '${resolve('src/index.ts')}'`));
        const out = execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000 });
        expect(out.trim().length).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
