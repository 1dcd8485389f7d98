// Sharded study on a REAL single-node Slurm cluster (slurmctld + slurmd + munged on localhost, started by
// slurm-cluster.sh from a temporary folder): the shards run as an array job (examples/distributed/slurm-array.sh), the
// merge as a dependent job (slurm-merge.sh), and the merged folder must equal a single-process run bit for bit.
// Needs root and the Debian packages slurm-wlm + munge (.ci/run installs them). If the cluster cannot start, every
// test here fails with the reason: it is never skipped.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureIo } from '../support/cli.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLUSTER_SCRIPT = join(ROOT, 'test/distributed/slurm-cluster.sh');
const EXAMPLES = join(ROOT, 'examples/distributed');
const CLI = join(ROOT, 'bin/cellspread.mjs');

const TINY_STUDY = `name: slurm-test
params: chen2020
pack: { series: 2, parallel: 1, modules: 1, interconnectResistance: 1.0e-4 }
protocol:
  - { type: discharge, cRate: 2 }
variation:
  contactResistance:
    scale: log
    base: 5.0e-4
    cell: { distribution: defectMixture, probability: 0.1, base: { distribution: lognormal, sd: 0.2 }, factor: { distribution: pareto, alpha: 1.5, min: 3 } }
  heatTransferCoefficient: { scale: relative, pack: { distribution: normal, sd: 0.1 } }
analysis:
  tail: [ { output: maxTemperatureK, limit: 305, tail: upper } ]
  sensitivity: { method: sobol, outputs: [maxTemperatureK], n: 16 }
run: { samples: 12, seed: 5, chunkSize: 2 }
`;

const capture = captureIo;

describe('sharded study on a real single-node Slurm cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellspread-slurm-'));
  const clusterDir = join(dir, 'cluster');
  const study = join(dir, 'study.yaml');
  const shards = join(dir, 'shards');
  const single = join(dir, 'single');
  let env: NodeJS.ProcessEnv = {};
  let clusterError: string | undefined;

  /** Run a command, never throwing: status, stdout, stderr. */
  const sh = (cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeout = 100_000) => {
    const r = spawnSync(cmd, args, { cwd: dir, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout });
    return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  };
  const slurmLogs = () => {
    const files = [...readdirSync(dir).filter((f) => f.startsWith('slurm-')).map((f) => join(dir, f)), join(clusterDir, 'slurmctld.log'), join(clusterDir, 'slurmd.log')];
    return files.filter(existsSync).map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
  };
  /** sbatch, with the cluster's SLURM_CONF and the example scripts' settings in the exported environment. */
  const sbatch = (args: string[]) => {
    const r = sh('sbatch', ['--chdir', dir, '--cpus-per-task=1', ...args]);
    if (r.status !== 0) throw new Error(`sbatch ${args.join(' ')} exited ${r.status}: ${r.stderr}\n${slurmLogs()}`);
    return r.stdout.trim().split(';')[0];
  };
  const requireCluster = () => {
    if (clusterError) throw new Error(clusterError);
  };

  beforeAll(() => {
    writeFileSync(study, TINY_STUDY);
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('VITEST') && !k.startsWith('SLURM_')));
    env = { ...base, SLURM_TEST_PORT: String(20000 + 2 * Math.floor(Math.random() * 10000)) };
    const r = sh('bash', [CLUSTER_SCRIPT, 'start', clusterDir], {}, 90_000);
    if (r.status !== 0) {
      clusterError = `could not start the single-node Slurm cluster (bash test/distributed/slurm-cluster.sh start ${clusterDir}), exit ${r.status}:\n${r.stderr}${r.stdout}`;
      return;
    }
    env = {
      ...env,
      SLURM_CONF: join(clusterDir, 'slurm.conf'),
      STUDY: study,
      SHARDS: '3',
      OUT: shards,
      MERGED: join(dir, 'merged'),
      CELLSPREAD: `${process.execPath} ${CLI}`,
      RUN_FLAGS: '--backend reference --no-analysis --no-report',
      MERGE_FLAGS: '--backend reference',
    };
  });

  afterAll(() => {
    spawnSync('bash', [CLUSTER_SCRIPT, 'stop', clusterDir], { encoding: 'utf8', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the shards as an array job and the merge as a dependent job; the merged folder equals a single run bit for bit', () => {
    requireCluster();
    const ref = sh(process.execPath, [CLI, 'run', study, '--backend', 'reference', '--no-report', '--quiet', '--out', single]);
    expect(ref.status, ref.stderr).toBe(0);

    const array = sbatch(['--parsable', '--array=0-2', '--output', join(dir, 'slurm-shard-%A_%a.out'), join(EXAMPLES, 'slurm-array.sh')]);
    const merge = sh('sbatch', ['--chdir', dir, '--cpus-per-task=1', '--parsable', '--wait', `--dependency=afterok:${array}`, '--kill-on-invalid-dep=yes', '--output', join(dir, 'slurm-merge-%j.out'), join(EXAMPLES, 'slurm-merge.sh')]);
    expect(merge.status, `merge job: ${merge.stderr}\n${slurmLogs()}`).toBe(0);

    // Every array task ran through Slurm (its own log) and wrote its own shard. The run's samples are the 12 Monte
    // Carlo samples, then the Sobol design rows, N (G + 2) = 16 x 4 = 64: 76 samples in 38 chunks of 2, so the
    // shards, not the merge, simulate the sensitivity design.
    for (let i = 0; i < 3; i++) {
      expect(existsSync(join(dir, `slurm-shard-${array}_${i}.out`)), slurmLogs()).toBe(true);
      const manifest = JSON.parse(readFileSync(join(shards, String(i), 'run.json'), 'utf8'));
      expect(manifest.shard).toEqual({ index: i, count: 3 });
      expect(manifest.samples).toBe(76);
      expect(manifest.range).toEqual([{ start: 0, end: 24 }, { start: 24, end: 50 }, { start: 50, end: 76 }][i]);
    }
    const merged = join(dir, 'merged');
    expect(readFileSync(join(merged, 'samples.csv'), 'utf8')).toBe(readFileSync(join(single, 'samples.csv'), 'utf8'));
    expect(readFileSync(join(merged, 'samples.arrow')).equals(readFileSync(join(single, 'samples.arrow')))).toBe(true);
    expect(readFileSync(join(merged, 'run.json'), 'utf8')).toBe(readFileSync(join(single, 'run.json'), 'utf8'));
    expect(readdirSync(join(merged, 'chunks'))).toEqual(readdirSync(join(single, 'chunks')));
    const a = JSON.parse(readFileSync(join(merged, 'summary.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8'));
    for (const key of ['specHash', 'spec', 'rng', 'range', 'counts', 'outputs', 'inputs', 'tail', 'sensitivity', 'worstPack', 'nonFiniteSamples', 'completed'] as const) {
      expect(a[key], key).toEqual(b[key]);
    }
    expect(a.tail).toHaveLength(1);
    expect(a.sensitivity[0].method).toBe('sobol');
    expect(a.sensitivity[0].evaluations).toBe(64);
    expect(JSON.stringify(a.sensitivity)).toBe(JSON.stringify(b.sensitivity)); // indices from the shards' outputs, bit for bit
    expect(a.mergedFrom.sensitivityBackend).toBeUndefined();
    expect(a.mergedFrom.shards.map((s: { shard: { index: number } }) => s.shard.index)).toEqual([0, 1, 2]);
    expect(existsSync(join(merged, 'report.html'))).toBe(true);
  }, 200_000);

  it('a killed shard is named in the merge error and can be rerun alone (sbatch --array=I), then the merge succeeds', async () => {
    requireCluster();
    // Shard 1 died before writing anything; shard 2 was killed after its first chunk (no last chunk, no summary).
    rmSync(join(shards, '1'), { recursive: true });
    rmSync(join(shards, '2', 'chunks', 'chunk-000037.json'));
    rmSync(join(shards, '2', 'summary.json'));
    const out = join(dir, 'merged-after-rerun');
    const refused = capture();
    const folders = ['0', '2'].map((i) => join(shards, i));
    expect(await main(['merge', ...folders, '--out', out, '--no-report', '--no-analysis'], refused.io)).toBe(2);
    expect(refused.text()).toContain('missing shard 1 of 3 (samples 24-49)');
    expect(refused.text()).toContain(`shard 2 of 3 (folder ${join(shards, '2')}) is incomplete: 1 of 13 chunks missing (samples 74-75)`);
    expect(existsSync(out)).toBe(false);

    // Resubmit just the failed tasks; shard 2 resumes from its completed chunk.
    sbatch(['--wait', '--array=1,2', '--output', join(dir, 'slurm-rerun-%A_%a.out'), join(EXAMPLES, 'slurm-array.sh')]);
    expect(JSON.parse(readFileSync(join(shards, '1', 'run.json'), 'utf8')).shard).toEqual({ index: 1, count: 3 });

    const ok = capture();
    expect(await main(['merge', ...['0', '1', '2'].map((i) => join(shards, i)), '--out', out, '--no-report', '--no-analysis', '--quiet'], ok.io), ok.text()).toBe(0);
    expect(readFileSync(join(out, 'samples.csv'), 'utf8')).toBe(readFileSync(join(single, 'samples.csv'), 'utf8'));
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).outputs).toEqual(JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8')).outputs);
    // The resumed shard's design rows give the same indices as the single run.
    const withAnalysis = join(dir, 'merged-after-rerun-analysed');
    expect(await main(['merge', ...['0', '1', '2'].map((i) => join(shards, i)), '--out', withAnalysis, '--no-report', '--quiet'], capture().io)).toBe(0);
    expect(JSON.parse(readFileSync(join(withAnalysis, 'summary.json'), 'utf8')).sensitivity).toEqual(JSON.parse(readFileSync(join(single, 'summary.json'), 'utf8')).sensitivity);
  });

  it('refuses duplicated and foreign shards with a list of what is wrong, exit 2, writing nothing', async () => {
    requireCluster();
    const folders = ['0', '1', '2'].map((i) => join(shards, i));
    const out = join(dir, 'refused');
    const merge = async (list: string[]) => {
      const c = capture();
      const code = await main(['merge', ...list, '--out', out, '--no-report'], c.io);
      expect(existsSync(out)).toBe(false);
      return { code, text: c.text() };
    };

    const dup = join(dir, 'copy-of-shard-1');
    cpSync(folders[1], dup, { recursive: true });
    const duplicated = await merge([...folders, dup]);
    expect(duplicated.code).toBe(2);
    expect(duplicated.text).toContain(`shard 1 of 3 is given twice (folders ${folders[1]}, ${dup})`);

    // The same shard of the same study file, but another seed: another study.
    const foreign = join(dir, 'foreign');
    const run = sh(process.execPath, [CLI, 'run', study, '--shard', '1/3', '--seed', '99', '--backend', 'reference', '--no-analysis', '--no-report', '--quiet', '--out', foreign]);
    expect(run.status, run.stderr).toBe(0);
    const alien = await merge([folders[0], foreign, folders[2]]);
    expect(alien.code).toBe(2);
    expect(alien.text).toMatch(/shard 1 of 3 \(folder .*foreign\) is from another study \(spec hash [0-9a-f]{12}… != [0-9a-f]{12}…\)/);
    expect(alien.text).toContain('missing shard 1 of 3 (samples 24-49)');

    // Another cellspread version.
    const old = join(dir, 'old-version');
    cpSync(folders[2], old, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    writeFileSync(join(old, 'run.json'), JSON.stringify({ ...manifest, version: '0.0.1' }));
    const versioned = await merge([folders[0], folders[1], old]);
    expect(versioned.code).toBe(2);
    expect(versioned.text).toContain(`shard 2 of 3 (folder ${old}) was written by cellspread 0.0.1`);

    // All problems at once, one line each.
    const all = await merge([folders[0], dup, folders[1], foreign]);
    expect(all.code).toBe(2);
    expect(all.text).toContain('is given twice');
    expect(all.text).toContain('is from another study');
    expect(all.text).toContain('missing shard 2 of 3 (samples 50-75)');
  });
});
