/**
 * An old commit's sources, ready to run, for benchmarks that compare it with this tree in one run on one machine:
 * `git archive` of the commit into a temp folder (no worktree is registered, nothing in this repository changes),
 * with this tree's node_modules linked in when the lockfiles agree (else `npm ci` there), and built (buildTree).
 * Kept between runs under the OS temp folder, one folder per commit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));

/** The folder holding `commit` (any git revision) built and ready; returns its path. */
export function checkoutCommit(commit: string, log: (line: string) => void = (l) => console.error(l)): string {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${commit}^{commit}`], { cwd: here, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `cellspread-${sha.slice(0, 12)}`);
  if (existsSync(join(dir, '.ready'))) return dir;
  log(`preparing ${commit} (${sha.slice(0, 12)}) in ${dir}`);
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const archive = execFileSync('git', ['archive', '--format=tar', sha], { cwd: here, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', staging], { input: archive });
  const sameLock = existsSync(join(staging, 'package-lock.json')) && readFileSync(join(staging, 'package-lock.json'), 'utf8') === readFileSync(join(here, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(join(here, 'node_modules'), join(staging, 'node_modules'), 'dir');
  else execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: staging, stdio: 'inherit' });
  buildTree(staging);
  execFileSync('touch', [join(staging, '.ready')]);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/**
 * Builds what running a tree needs: `npm run build` where the package has one (since issue 16 the CLI runs dist/),
 * else the WASM module alone (`npm run build:wasm`, the first landing's only build step).
 */
export function buildTree(root: string): void {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  execFileSync('npm', ['run', '--silent', scripts.build ? 'build' : 'build:wasm'], { cwd: root, stdio: 'inherit' });
}
