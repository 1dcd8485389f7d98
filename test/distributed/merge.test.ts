// cellspread merge without a cluster: shard numbering from the environment, chunk-level checks, uneven shard
// counts, output-folder protection, and the example files' syntax. The real Slurm run is in slurm.test.ts.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { main } from '../../src/cli/main.ts';
import { runRunCommand } from '../../src/cli/run.ts';
import { shardFromArgs } from '../../src/cli/shard.ts';
import { chunkChecksums } from '../../src/results/merge.ts';
import { captureIo } from '../support/cli.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const STUDY = `name: merge-test
params: chen2020
pack: { series: 2, parallel: 1, modules: 1, interconnectResistance: 1.0e-4 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  contactResistance: { scale: log, base: 5.0e-4, cell: { distribution: lognormal, sd: 0.3 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 305, tail: upper } ]
run: { samples: 12, seed: 11, chunkSize: 2 }
`;

const quietStream = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
const capture = captureIo;

describe('cellspread merge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-merge-'));
  const study = join(dir, 'study.yaml');
  const run = async (out: string, args: string[] = []) => {
    const c = capture();
    const code = await runRunCommand([study, '--backend', 'reference', '--no-analysis', '--no-report', '--quiet', '--out', out, ...args], c.io, { progressStream: quietStream });
    expect(code, c.text()).toBe(0);
    return out;
  };
  const merge = async (args: string[]) => {
    const c = capture();
    return { code: await main(['merge', ...args, '--no-report', '--quiet'], c.io), text: c.text() };
  };
  const csv = (folder: string) => readFileSync(join(folder, 'samples.csv'), 'utf8');
  let single: string;
  let three: string[];

  beforeAll(async () => {
    writeFileSync(study, STUDY);
    single = await run(join(dir, 'single'));
    three = [];
    for (let i = 0; i < 3; i++) three.push(await run(join(dir, 'three', String(i)), ['--shard', `${i}/3`]));
  });

  it('sensitivity design rows are samples of the shards: 3 shards merged give indices bit-identical to one run', async () => {
    // Sobol with second order over 2 groups: N (2G + 2) = 16 x 6 = 96 design rows after the 12 Monte Carlo samples.
    const sensStudy = join(dir, 'sens.yaml');
    writeFileSync(
      sensStudy,
      STUDY.replace('name: merge-test', 'name: merge-sens-test')
        .replace('  contactResistance:', '  heatTransferCoefficient: { scale: relative, pack: { distribution: uniform, min: -0.2, max: 0.2 } }\n  contactResistance:')
        .replace('analysis:\n', 'analysis:\n  sensitivity: { method: sobol, outputs: [maxTemperatureK, capacityAh], n: 16, secondOrder: true }\n'),
    );
    const runSens = async (out: string, args: string[]) => {
      const c = capture();
      const code = await runRunCommand([sensStudy, '--backend', 'reference', '--no-report', '--quiet', '--out', out, ...args], c.io, { progressStream: quietStream });
      expect(code, c.text()).toBe(0);
      return out;
    };
    const whole = await runSens(join(dir, 'sens-single'), []);
    const shards: string[] = [];
    for (let i = 0; i < 3; i++) shards.push(await runSens(join(dir, 'sens-shards', String(i)), ['--shard', `${i}/3`, '--no-analysis']));
    const ranges = shards.map((f) => JSON.parse(readFileSync(join(f, 'run.json'), 'utf8')).range);
    expect(ranges).toEqual([{ start: 0, end: 36 }, { start: 36, end: 72 }, { start: 72, end: 108 }]); // 54 chunks of 2
    const out = join(dir, 'sens-merged');
    const r = await merge([...shards, '--out', out]);
    expect(r.code, r.text).toBe(0);
    const a = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8'));
    expect(b.sensitivity).toHaveLength(2);
    expect(b.sensitivity[0].evaluations).toBe(96);
    expect(b.sensitivity[0].second).toHaveLength(1);
    expect(b.sensitivity[0].factors).toEqual(['pack-level heatTransferCoefficient', 'cell-level contactResistance']);
    expect(JSON.stringify(a.sensitivity)).toBe(JSON.stringify(b.sensitivity)); // bit-identical (shortest round-trip doubles)
    expect(a.counts).toEqual(b.counts);
    expect(a.mergedFrom.sensitivityBackend).toBeUndefined(); // nothing simulated at merge time
    expect(csv(out)).toBe(csv(whole));
    expect(csv(out).trim().split('\n')).toHaveLength(13); // samples.csv: the Monte Carlo samples only
  });

  it('lifetime studies: shards merged give the single run\'s samples, per-cycle outputs (cycles.csv) and lifetime summary', async () => {
    const lifeStudy = join(dir, 'life.yaml');
    writeFileSync(
      lifeStudy,
      `name: merge-life-test
params: okane2022
pack: { series: 2, parallel: 1 }
simulation: { sei: reaction limited, timeStep: 60 }
protocol:
  - repeat: 8
    steps: [ { type: discharge, cRate: 1 }, { type: rest, duration: 300 }, { type: cccv, cRate: 1, cutoffCRate: 0.1 } ]
    jumping: true
variation:
  seiRateFactor: { cell: { distribution: lognormal, sd: 0.3 } }
ageing: { randomWalk: { sigma: 0.05 } }
analysis: { lifetime: { endOfLife: 0.999 } }
run: { samples: 5, seed: 3, chunkSize: 2 }
`,
    );
    const runLife = async (out: string, args: string[]) => {
      const c = capture();
      const code = await runRunCommand([lifeStudy, '--backend', 'reference', '--no-report', '--quiet', '--out', out, ...args], c.io, { progressStream: quietStream });
      expect(code, c.text()).toBe(0);
      return out;
    };
    const whole = await runLife(join(dir, 'life-single'), []);
    const shards = [await runLife(join(dir, 'life-shards', '0'), ['--shard', '0/2']), await runLife(join(dir, 'life-shards', '1'), ['--shard', '1/2'])];
    const out = join(dir, 'life-merged');
    const r = await merge([...shards, '--out', out]);
    expect(r.code, r.text).toBe(0);
    const cycles = (folder: string) => readFileSync(join(folder, 'cycles.csv'), 'utf8');
    expect(cycles(whole).trim().split('\n')).toHaveLength(1 + 5 * 8);
    expect(cycles(out)).toBe(cycles(whole));
    expect(csv(out)).toBe(csv(whole));
    const a = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(whole, 'summary.json'), 'utf8'));
    expect(JSON.stringify(a.lifetime)).toBe(JSON.stringify(b.lifetime));
    expect(a.files.cycles).toBe('cycles.csv');
    // A resumed run (chunks read back from disk, per-cycle outputs included) gives the same files.
    const resumed = join(dir, 'life-resumed');
    cpSync(whole, resumed, { recursive: true });
    await runLife(resumed, ['--resume']);
    expect(cycles(resumed)).toBe(cycles(whole));
  });

  it('takes the shard index from the Slurm or Kubernetes environment', () => {
    // Count from the array: the task's place in it (1-based arrays work).
    expect(shardFromArgs({ 'shard-from-env': true }, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' })).toEqual({ index: 4, count: 8 });
    // Explicit --shard-count: the task ID is the shard, so `sbatch --array=5` reruns shard 5 of 8.
    expect(shardFromArgs({ 'shard-from-env': true, 'shard-count': '8' }, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '1' })).toEqual({ index: 5, count: 8 });
    expect(shardFromArgs({ 'shard-from-env': true, 'shard-count': '4' }, { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(() => shardFromArgs({ 'shard-from-env': true, 'shard-count': '8' }, { SLURM_ARRAY_TASK_ID: '8', SLURM_ARRAY_TASK_MIN: '1' })).toThrow('must give 0 <= I < N');
  });

  it('merges any number of shards, in any order, even shards with no samples, into the single run', async () => {
    const eight: string[] = [];
    for (let i = 0; i < 8; i++) eight.push(await run(join(dir, 'eight', String(i)), ['--shard', `${i}/8`]));
    expect(readdirSync(join(eight[0], 'chunks'))).toEqual([]); // 6 chunks over 8 shards: some are empty
    const out = join(dir, 'merged-eight');
    const r = await merge([...eight].reverse().concat(['--out', out, '--backend', 'reference']));
    expect(r.code, r.text).toBe(0);
    expect(csv(out)).toBe(csv(single));
    const a = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8'));
    expect(a.outputs).toEqual(b.outputs);
    expect(a.worstPack).toEqual(b.worstPack);
    expect(a.tail).toHaveLength(1); // the single run had --no-analysis; the merge ran the tail analysis
    expect(a.sensitivity).toEqual([]);
  });

  it('checks every chunk: truncated, re-gridded, wrong-length or foreign-sample chunks and checksum mismatches', async () => {
    const bad = (name: string) => {
      const copy = join(dir, 'bad', name);
      cpSync(three[1], copy, { recursive: true });
      return copy;
    };
    const chunkPath = (folder: string, i: number) => join(folder, 'chunks', `chunk-${String(i).padStart(6, '0')}.json`);
    const edit = (folder: string, i: number, fn: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(readFileSync(chunkPath(folder, i), 'utf8'));
      fn(c);
      writeFileSync(chunkPath(folder, i), JSON.stringify(c));
    };
    const cases: Array<[string, (folder: string) => void, string]> = [
      ['truncated', (f) => writeFileSync(chunkPath(f, 2), readFileSync(chunkPath(f, 2), 'utf8').slice(0, 40)), 'chunks/chunk-000002.json is not valid JSON (truncated or corrupt)'],
      ['regridded', (f) => edit(f, 3, (c) => (c.start = 7)), 'chunks/chunk-000003.json holds index 3, start 7, count 2; the chunk grid says 3, 6, 2'],
      ['short', (f) => edit(f, 2, (c) => (c.outputs = (c.outputs as number[]).slice(1))), 'chunks/chunk-000002.json has outputs of the wrong length or type'],
      ['resampled', (f) => edit(f, 2, (c) => ((c.inputs as number[])[0] *= 1 + 1e-15)), "chunks/chunk-000002.json: its sampled inputs are not this study's samples 4-5"],
      [
        'checksum',
        (f) => {
          const sums = chunkChecksums(f);
          sums['chunks/chunk-000003.json'] = '0'.repeat(64);
          writeFileSync(join(f, 'checksums.json'), JSON.stringify(sums));
        },
        'chunks/chunk-000003.json does not match its sha256 in checksums.json',
      ],
      ['extra', (f) => cpSync(join(three[0], 'chunks', 'chunk-000000.json'), chunkPath(f, 0)), 'holds chunks 0 outside its samples 4-7'],
    ];
    for (const [name, damage, message] of cases) {
      const folder = bad(name);
      damage(folder);
      const out = join(dir, `out-${name}`);
      const r = await merge([three[0], folder, three[2], '--out', out]);
      expect(r.code, name).toBe(2);
      expect(r.text, name).toContain(`shard 1 of 3 (folder ${folder}): `);
      expect(r.text, name).toContain(message);
      expect(existsSync(out), name).toBe(false);
    }
    // Correct checksums pass.
    const good = bad('checksum-ok');
    writeFileSync(join(good, 'checksums.json'), JSON.stringify(chunkChecksums(good)));
    expect((await merge([three[0], good, three[2], '--out', join(dir, 'out-checksum-ok')])).code).toBe(0);
  });

  it('names gaps and overlaps between shards of different counts, and folders that are not results', async () => {
    const quarter = await run(join(dir, 'quarter-1'), ['--shard', '1/4']); // samples 2-5 (chunks 1-2 of 6)
    const overlap = await merge([three[0], quarter, three[2], '--out', join(dir, 'out-overlap')]);
    expect(overlap.code).toBe(2);
    expect(overlap.text).toContain(`shard 0 of 3 (folder ${three[0]}, samples 0-3) and shard 1 of 4 (folder ${quarter}, samples 2-5) overlap`);
    const gap = await merge([three[0], three[2], join(dir, 'nope'), dir, '--out', join(dir, 'out-gap')]);
    expect(gap.code).toBe(2);
    expect(gap.text).toContain(`folder ${join(dir, 'nope')} does not exist`);
    expect(gap.text).toContain(`folder ${dir} has no run.json: not a cellspread results folder`);
    expect(gap.text).toContain('missing shard 1 of 3 (samples 4-7)');
    expect(gap.text.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });

  it('protects the output folder', async () => {
    const out = join(dir, 'merged-three');
    expect((await merge([...three, '--out', out])).code).toBe(0);
    const again = await merge([...three, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.text).toContain('--out already holds results: add --force to replace them');
    expect((await merge([...three, '--out', out, '--force'])).code).toBe(0);
    expect(csv(out)).toBe(csv(single));
    const into = await merge([...three, '--out', three[1], '--force']);
    expect(into.code).toBe(2);
    expect(into.text).toContain('--out must not be one of the shard folders being merged');
    mkdirSync(join(dir, 'empty'));
    expect((await merge([...three, '--out', join(dir, 'empty')])).code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('.merge-'))).toEqual([]); // no staging folder left behind
  });

  it('ships Slurm scripts that parse and a Kubernetes Indexed Job that shards by JOB_COMPLETION_INDEX', () => {
    for (const script of ['slurm-array.sh', 'slurm-merge.sh', 'submit-slurm.sh']) {
      const r = spawnSync('bash', ['-n', join(ROOT, 'examples/distributed', script)], { encoding: 'utf8' });
      expect(r.status, `${script}: ${r.stderr}`).toBe(0);
    }
    const array = readFileSync(join(ROOT, 'examples/distributed/slurm-array.sh'), 'utf8');
    expect(array).toContain('#SBATCH --array=0-7');
    expect(array).toContain('--shard-from-env');
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'examples/distributed/k8s-indexed-job.yaml'), 'utf8')).map((d) => d.toJS());
    const [shards, mergeJob] = docs;
    expect(shards.kind).toBe('Job');
    expect(shards.spec.completionMode).toBe('Indexed');
    const args = shards.spec.template.spec.containers[0].args.join(' ');
    expect(args).toContain('$JOB_COMPLETION_INDEX');
    expect(args).toContain(`--shard-count ${shards.spec.completions}`);
    expect(mergeJob.kind).toBe('Job');
    expect(mergeJob.spec.template.spec.containers[0].args.join(' ')).toContain('cellspread merge');
  });
});
