import type { CliIo } from '../../src/cli/main.ts';

/** A CliIo that records what the CLI prints, for tests. */
export function captureIo(): { io: CliIo; out: string[]; err: string[]; text: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, out, err, text: () => [...out, ...err].join('\n') };
}
