// Faults are messages (issue 15): disk full, read-only, permission denied and Ctrl-C during the analysis each give
// one line naming the file and what to do, with their exit code; temporary files are cleaned; summary.json lists
// only files that exist; and the run can be continued. File-system faults are injected at node:fs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

const fault = vi.hoisted(() => ({ code: undefined as string | undefined, match: /$^/, partial: false }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fail = (path: unknown) => {
    const p = String(path);
    if (!fault.code || !fault.match.test(p)) return;
    const err = Object.assign(new Error(`${fault.code}: simulated fault, open '${p}'`), { code: fault.code, path: p });
    throw err;
  };
  const writeFileSync = (path: Parameters<typeof fs.writeFileSync>[0], data: string | NodeJS.ArrayBufferView, ...rest: unknown[]) => {
    if (fault.code && fault.partial && fault.match.test(String(path))) {
      fs.writeFileSync(path, typeof data === 'string' ? data.slice(0, data.length >> 1) : data); // half written, then the disk is full
    }
    fail(path);
    return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
  };
  const openSync = (path: Parameters<typeof fs.openSync>[0], ...rest: unknown[]) => {
    fail(path);
    return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
  };
  const mkdirSync = (path: Parameters<typeof fs.mkdirSync>[0], ...rest: unknown[]) => {
    fail(path);
    return (fs.mkdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  };
  return { ...fs, default: { ...fs, writeFileSync, openSync, mkdirSync }, writeFileSync, openSync, mkdirSync };
});

const { main } = await import('../../src/cli/main.ts');
const { runRunCommand } = await import('../../src/cli/run.ts');
const { captureIo } = await import('../support/cli.ts');

const STUDY = `name: faults
pack: { series: 2, parallel: 1 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  contactResistance: { scale: log, base: 5.0e-4, cell: { distribution: lognormal, sd: 0.3 } }
  heatTransferCoefficient: { scale: relative, pack: { distribution: normal, sd: 0.1 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 305, tail: upper } ]
  sensitivity: { method: sobol, outputs: [maxTemperatureK], n: 16 }
run: { samples: 8, seed: 5, chunkSize: 2 }
`;
const dir = mkdtempSync(join(tmpdir(), 'cellspread-faults-'));
const study = join(dir, 'study.yaml');
const args = (out: string, more: string[] = []) => ['run', study, '--backend', 'reference', '--quiet', '--no-report', '--out', out, ...more];

/** Every file under a folder, relative. */
function files(folder: string, prefix = ''): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder).flatMap((f) => (statSync(join(folder, f)).isDirectory() ? files(join(folder, f), `${prefix}${f}/`) : [`${prefix}${f}`]));
}

async function run(argv: string[]) {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, err: c.err.join('\n'), out: c.out.join('\n') };
}

let clean: string;
beforeAll(async () => {
  writeFileSync(study, STUDY);
  clean = join(dir, 'clean');
  expect((await run(args(clean))).code).toBe(0);
});

describe('file-system faults', () => {
  it('disk full while writing a chunk: one line naming the file and what to do, exit 3, no temporary file, and --resume continues', async () => {
    const out = join(dir, 'full');
    Object.assign(fault, { code: 'ENOSPC', match: /chunk-000002\.json/, partial: true });
    const r = await run(args(out));
    Object.assign(fault, { code: undefined, partial: false });
    expect(r.code).toBe(3);
    expect(r.err).toBe(
      `cellspread run: cannot write ${join(out, 'chunks', 'chunk-000002.json')}: the disk is full (ENOSPC); free some space, then run the command again; the completed chunks are kept: add --resume to continue`,
    );
    expect(files(out).filter((f) => /\.tmp$|\.columns-|\.lock$/.test(f))).toEqual([]);
    expect(files(out)).toEqual(['chunks/chunk-000000.json', 'chunks/chunk-000001.json', 'run.json']);
    const resumed = await run(args(out, ['--resume']));
    expect(resumed.code, resumed.err).toBe(0);
    expect(readFileSync(join(out, 'samples.csv'), 'utf8')).toBe(readFileSync(join(clean, 'samples.csv'), 'utf8'));
  });

  it('a read-only or unwritable output folder is refused before anything runs (exit 2)', async () => {
    Object.assign(fault, { code: 'EROFS', match: /readonly/ });
    const r = await run(args(join(dir, 'readonly')));
    Object.assign(fault, { code: undefined });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cellspread run: --out must be a folder cellspread can write, got "${join(dir, 'readonly')}" (the file system is read-only; choose another folder)`);
  });

  it('permission denied while streaming samples.csv: exit 3, the file named, temporary files removed', async () => {
    const out = join(dir, 'denied');
    Object.assign(fault, { code: 'EACCES', match: /samples\.csv/ });
    const r = await run(args(out));
    Object.assign(fault, { code: undefined });
    expect(r.code).toBe(3);
    expect(r.err).toContain(`cannot write ${join(out, 'samples.csv')}: permission denied (EACCES); choose another folder or fix the folder's permissions`);
    expect(r.err.split('\n')).toHaveLength(1);
    expect(files(out).filter((f) => /\.tmp$|\.columns-/.test(f))).toEqual([]);
  });

  it('summary.json lists only files that exist: a report that cannot be written is not listed', async () => {
    const out = join(dir, 'no-report');
    Object.assign(fault, { code: 'ENOSPC', match: /report\.html/ });
    const c = captureIo();
    const code = await main(['run', study, '--backend', 'reference', '--quiet', '--no-analysis', '--out', out], c.io);
    Object.assign(fault, { code: undefined });
    expect(code).toBe(3);
    expect(c.err.join('\n')).toContain(`cannot write ${join(out, 'report.html')}: the disk is full (ENOSPC)`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(Object.keys(summary.files).sort()).toEqual(['checksums', 'chunks', 'samplesArrow', 'samplesCsv', 'summary']);
    for (const f of Object.values(summary.files) as string[]) expect(existsSync(join(out, f))).toBe(true);
    expect(files(out).filter((f) => /\.tmp$/.test(f))).toEqual([]);
  });
});

describe('Ctrl-C during the analysis', () => {
  it('exits 130 with one line, keeps every chunk, and --resume redoes only the analysis', async () => {
    const out = join(dir, 'interrupted');
    const controller = new AbortController();
    // Stop when the last chunk is reported (Monte Carlo samples and design rows): the analysis is about to run.
    const stopAtEnd = { isTTY: false, write: (t: string) => (/ (\d+)\/\1 samples/.test(t) && controller.abort(), true) } as unknown as NodeJS.WriteStream;
    const c = captureIo();
    const loud = args(out).slice(1).filter((a) => a !== '--quiet');
    await expect(runRunCommand(loud, c.io, { progressStream: stopAtEnd, signal: controller.signal })).rejects.toThrow(
      `stopped during the analysis; all 8 simulated samples are kept in ${out}: run the same command with --resume to redo the analysis`,
    );
    expect(existsSync(join(out, 'summary.json'))).toBe(false);
    expect(files(out).filter((f) => /\.tmp$|\.columns-|\.lock$/.test(f))).toEqual([]);
    const chunks = files(out).filter((f) => f.startsWith('chunks/'));
    expect(chunks).toHaveLength(36); // 8 Monte Carlo samples and 16 x (2 + 2) Sobol design rows, in chunks of 2
    const mtimes = chunks.map((f) => statSync(join(out, f)).mtimeMs);
    const resumed = await run(args(out, ['--resume']));
    expect(resumed.code, resumed.err).toBe(0);
    expect(chunks.map((f) => statSync(join(out, f)).mtimeMs)).toEqual(mtimes);
    const a = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(clean, 'summary.json'), 'utf8'));
    expect(a.outputs).toEqual(b.outputs);
    expect(a.tail).toEqual(b.tail);
    expect(a.sensitivity).toEqual(b.sensitivity);
  });

  it('the CLI prints the interruption as one line and exits 130', async () => {
    const { CellspreadInterruptedError } = await import('../../src/errors.ts');
    const { COMMANDS } = await import('../../src/cli/main.ts');
    COMMANDS.interrupt = { run: () => Promise.reject(new CellspreadInterruptedError('stopped during the analysis; ...')), summary: '', usage: '' };
    try {
      const r = await run(['interrupt']);
      expect(r.code).toBe(130);
      expect(r.err).toBe('cellspread interrupt: stopped during the analysis; ...');
    } finally {
      delete COMMANDS.interrupt;
    }
  });
});
