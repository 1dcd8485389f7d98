// A results folder that cannot lie (issue 15): one run at a time, chunks that carry their identity and checksum,
// --resume that verifies every chunk, --force that removes the old run first, merges that never delete a shard.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { PACK_OUTPUT_COUNT } from '../../src/pack/outputs.ts';
import { runRunCommand } from '../../src/cli/run.ts';
import { chunkChecksums } from '../../src/results/io.ts';
import { defaultResultsFolder, LOCK_FILE, safeSlug } from '../../src/results/folder.ts';
import { captureIo } from '../support/cli.ts';

const STUDY = `name: folder-test
pack: { series: 2, parallel: 1 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  contactResistance: { scale: log, base: 5.0e-4, cell: { distribution: lognormal, sd: 0.3 } }
run: { samples: 12, seed: 11, chunkSize: 2 }
`;
const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
const dir = mkdtempSync(join(tmpdir(), 'cellspread-folder-'));
const study = join(dir, 'study.yaml');
const chunk = (folder: string, i: number) => join(folder, 'chunks', `chunk-${String(i).padStart(6, '0')}.json`);
const csv = (folder: string) => readFileSync(join(folder, 'samples.csv'), 'utf8');

async function run(out: string, args: string[] = []) {
  const c = captureIo();
  const code = await main(['run', study, '--backend', 'reference', '--no-analysis', '--no-report', '--quiet', '--out', out, ...args], c.io);
  return { code, text: c.text() };
}

let clean: string;
beforeAll(async () => {
  writeFileSync(study, STUDY);
  clean = join(dir, 'clean');
  expect((await run(clean)).code).toBe(0);
});

describe('chunks carry their identity and checksum', () => {
  it('each chunk names its simulation hash, seed, place and sample range, and ends with its own sha256', () => {
    const text = readFileSync(chunk(clean, 3), 'utf8');
    const c = JSON.parse(text);
    const summary = JSON.parse(readFileSync(join(clean, 'summary.json'), 'utf8'));
    expect(c).toMatchObject({ format: 'cellspread-chunk', version: 2, simulationHash: summary.simulationHash, seed: 11, index: 3, start: 6, count: 2 });
    expect(text).toMatch(/,"checksum":"[0-9a-f]{64}"\}$/);
    expect(JSON.parse(readFileSync(join(clean, 'checksums.json'), 'utf8'))).toEqual(chunkChecksums(clean));
  });
});

describe('--resume verifies every chunk', () => {
  it('refuses foreign, edited, truncated and short chunks with the full list, and can re-simulate just those', async () => {
    const other = join(dir, 'other-seed');
    expect((await run(other, ['--seed', '12'])).code).toBe(0);
    const folder = join(dir, 'damaged');
    cpSync(clean, folder, { recursive: true });
    cpSync(chunk(other, 1), chunk(folder, 1)); // another seed's chunk
    const edited = JSON.parse(readFileSync(chunk(folder, 2), 'utf8'));
    edited.outputs[0] += 1; // an edited value, the rest (checksum included) as it was
    writeFileSync(chunk(folder, 2), JSON.stringify(edited));
    writeFileSync(chunk(folder, 3), readFileSync(chunk(folder, 3), 'utf8').slice(0, 300)); // truncated
    const short = JSON.parse(readFileSync(chunk(folder, 4), 'utf8'));
    short.outputs = short.outputs.slice(16); // a chunk missing a sample
    writeFileSync(chunk(folder, 4), JSON.stringify(short));
    const mtimes = () => readdirSync(join(folder, 'chunks')).map((f) => statSync(join(folder, 'chunks', f)).mtimeMs);
    const before = mtimes();

    const refused = await run(folder, ['--resume']);
    expect(refused.code).toBe(2);
    expect(refused.text).toContain(`--resume: 4 chunk files in ${folder} cannot be reused (add --resimulate-bad to simulate just those again, or --force to start over)`);
    expect(refused.text).toContain('chunks/chunk-000001.json is from another seed (12 != 11)');
    expect(refused.text).toContain('chunks/chunk-000002.json does not match its own checksum (edited or corrupt)');
    expect(refused.text).toContain('chunks/chunk-000003.json is not valid JSON (truncated or corrupt)');
    expect(refused.text).toContain(`chunks/chunk-000004.json has outputs of the wrong length or type (2 x ${PACK_OUTPUT_COUNT} numbers expected): a chunk missing samples`);
    expect(refused.text).not.toContain('chunk-000000');
    expect(mtimes()).toEqual(before); // nothing touched

    const redone = await run(folder, ['--resume', '--resimulate-bad']);
    expect(redone.code, redone.text).toBe(0);
    const after = mtimes();
    expect(after[0]).toBe(before[0]); // good chunks reused as they were
    expect(after[5]).toBe(before[5]);
    expect(csv(folder)).toBe(csv(clean));
    const sums = JSON.parse(readFileSync(join(folder, 'checksums.json'), 'utf8'));
    expect(sums).toEqual(chunkChecksums(folder));
    expect(sums['chunks/chunk-000000.json']).toBe(chunkChecksums(clean)['chunks/chunk-000000.json']);
  });

  it('a chunk from another study with a copied run.json is caught by its simulation hash', async () => {
    const otherStudy = join(dir, 'other.yaml');
    writeFileSync(otherStudy, STUDY.replace('cRate: 2', 'cRate: 1'));
    const other = join(dir, 'other-study');
    const c = captureIo();
    expect(await main(['run', otherStudy, '--backend', 'reference', '--no-analysis', '--no-report', '--quiet', '--out', other], c.io)).toBe(0);
    const folder = join(dir, 'mixed');
    cpSync(clean, folder, { recursive: true });
    cpSync(chunk(other, 0), chunk(folder, 0));
    const r = await run(folder, ['--resume']);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/chunks\/chunk-000000\.json is from another study \(simulation hash [0-9a-f]{12}… != [0-9a-f]{12}…\)/);
  });
});

describe('--force and two runs into one folder', () => {
  it('--force removes the old run (and only what cellspread wrote) before starting', async () => {
    const folder = join(dir, 'forced');
    cpSync(clean, folder, { recursive: true });
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const r = await run(folder, ['--force', '--samples', '4']);
    expect(r.code, r.text).toBe(0);
    expect(readdirSync(join(folder, 'chunks'))).toEqual(['chunk-000000.json', 'chunk-000001.json']); // the old chunks 2-5 are gone
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('mine');
    // So a later --resume cannot pick up the old run's chunks.
    expect((await run(folder, ['--resume', '--samples', '12'])).text).toContain('differs in samples');
    expect((await run(folder, ['--resume', '--force'])).text).toContain('--resume cannot go with --force');
  });

  it('a second run into a folder in use is refused; a lock left by a dead process is taken over', async () => {
    const folder = join(dir, 'locked');
    const quietIo = captureIo();
    const args = [study, '--backend', 'reference', '--no-analysis', '--no-report', '--quiet', '--out', folder];
    const [a, b] = await Promise.allSettled([runRunCommand(args, quietIo.io, { progressStream: quiet }), runRunCommand(args, captureIo().io, { progressStream: quiet })]);
    expect(a).toEqual({ status: 'fulfilled', value: 0 });
    expect(b.status).toBe('rejected');
    expect(String((b as PromiseRejectedResult).reason.message)).toMatch(new RegExp(`${folder} is in use by cellspread run \\(pid ${process.pid} on .*\\): wait for it to finish; if no cellspread is running there, remove .*${LOCK_FILE}`));
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false); // released

    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(folder, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, host: hostname(), command: 'run', startedAt: 'now' }));
      const live = await run(folder, ['--force']);
      expect(live.code).toBe(2);
      expect(live.text).toContain(`is in use by cellspread run (pid ${sleeper.pid} on ${hostname()}, since now)`);
    } finally {
      sleeper.kill();
    }
    const dead = spawnSync('true').pid!;
    writeFileSync(join(folder, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), command: 'run', startedAt: 'then' }));
    writeFileSync(join(folder, `.samples.csv.${dead}.tmp`), 'half a file');
    const stale = await run(folder, ['--force']);
    expect(stale.code, stale.text).toBe(0);
    expect(readdirSync(folder).filter((f) => f.startsWith('.'))).toEqual([]); // stale lock and temporary file gone
  });
});

describe('the default results folder', () => {
  it('is a safe slug of the name under results/', async () => {
    expect(defaultResultsFolder('../../x')).toBe(join('results', 'x'));
    expect(safeSlug('my study/..\\a b')).toBe('my-study-..-a-b');
    expect(safeSlug('..')).toBe('study');
    expect(safeSlug('/etc/passwd')).toBe('etc-passwd');
    expect(defaultResultsFolder('x', { index: 1, count: 4 })).toBe(join('results', 'x-shard-1-of-4'));
    const cwd = mkdtempSync(join(tmpdir(), 'cellspread-slug-'));
    const here = process.cwd();
    try {
      process.chdir(join(cwd));
      mkdirSync('a/b', { recursive: true });
      process.chdir('a/b');
      writeFileSync('s.yaml', STUDY.replace('name: folder-test', 'name: ../../x').replace('samples: 12', 'samples: 2'));
      expect(await main(['run', 's.yaml', '--backend', 'reference', '--quiet', '--no-report', '--no-analysis'], captureIo().io)).toBe(0);
      expect(existsSync(join(cwd, 'a/b/results/x/summary.json'))).toBe(true);
      expect(existsSync(join(cwd, 'x'))).toBe(false);
    } finally {
      process.chdir(here);
    }
  });
});

describe('merge', () => {
  let shards: string[];
  beforeAll(async () => {
    shards = [];
    for (let i = 0; i < 3; i++) {
      const out = join(dir, 'merge', String(i));
      expect((await run(out, ['--shard', `${i}/3`])).code).toBe(0);
      shards.push(out);
    }
  });
  const merge = async (args: string[]) => {
    const c = captureIo();
    return { code: await main(['merge', ...args, '--no-report', '--quiet', '--backend', 'reference'], c.io), text: c.text() };
  };

  it('verifies every chunk checksum, with or without checksums.json', async () => {
    const bad = join(dir, 'merge-bad', '1');
    cpSync(shards[1], bad, { recursive: true });
    const c = JSON.parse(readFileSync(chunk(bad, 2), 'utf8'));
    c.outputs[3] *= 1.0001; // an edited output (the inputs still match the study)
    writeFileSync(chunk(bad, 2), JSON.stringify(c));
    const r = await merge([shards[0], bad, shards[2], '--out', join(dir, 'merge-bad-out')]);
    expect(r.code).toBe(2);
    expect(r.text).toContain('chunks/chunk-000002.json does not match its own checksum (edited or corrupt)');
    expect(existsSync(join(dir, 'merge-bad-out', 'summary.json'))).toBe(false);
  });

  it('writes checksums.json, and --force removes only files cellspread wrote, never a shard', async () => {
    // The shards live inside the output folder, next to a file of the user's.
    const home = join(dir, 'merge-home');
    const inside = shards.map((s, i) => {
      cpSync(s, join(home, `shard-${i}`), { recursive: true });
      return join(home, `shard-${i}`);
    });
    writeFileSync(join(home, 'README.txt'), 'keep me');
    const refused = await merge([...inside, '--out', home]);
    expect(refused.code).toBe(2);
    expect(refused.text).toContain('--out must be empty or new, or hold only the shard folders (or add --force)');
    const first = await merge([...inside, '--out', home, '--force']);
    expect(first.code, first.text).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'checksums.json'), 'utf8'))).toEqual(chunkChecksums(home));
    expect(csv(home)).toBe(csv(clean));
    const again = await merge([...inside, '--out', home]);
    expect(again.code).toBe(2);
    expect(again.text).toContain('--out already holds results: add --force to replace them');
    const forced = await merge([...inside, '--out', home, '--force']);
    expect(forced.code, forced.text).toBe(0);
    for (const s of inside) expect(readdirSync(join(s, 'chunks')).length).toBeGreaterThan(0);
    expect(readFileSync(join(home, 'README.txt'), 'utf8')).toBe('keep me');
    expect(csv(home)).toBe(csv(clean));
    const into = await merge([...inside, '--out', join(inside[0], 'sub'), '--force']);
    expect(into.code).toBe(2);
    expect(into.text).toContain('--out must not be one of the shard folders being merged (or inside one)');
  });
});
