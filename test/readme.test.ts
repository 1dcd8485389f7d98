/**
 * The README's TypeScript examples, and the quick start of docs/sensitivity.md, run as written (imports of
 * 'cellspread' point at the package source).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

function runExample(code: string, name: string): string {
  const dir = mkdtempSync(join(resolve('test'), '.readme-'));
  try {
    const file = join(dir, `${name}.mts`);
    writeFileSync(file, code.replaceAll("from 'cellspread'", `from '${resolve('src/index.ts')}'`));
    return execFileSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8', timeout: 120_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README examples', () => {
  it('has TypeScript examples', () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs (${code.split('\n')[0].slice(0, 60)})`, () => {
      expect(runExample(code, `example-${i}`).trim().length).toBeGreaterThan(0);
    });
  });
});

describe('docs/sensitivity.md quick start (sample / evaluate / analyze)', () => {
  it('runs and prints SALib-style tables with S2', () => {
    const [quickStart] = [...readFileSync('docs/sensitivity.md', 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(quickStart).toContain('analyzeSobol(design, Y)');
    const out = runExample(quickStart, 'sensitivity-quick-start');
    expect(out).toContain('ST_conf');
    expect(out).toContain('S2_conf');
    expect(out).toContain('(x1, x3)');
  });
});
