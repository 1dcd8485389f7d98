import { CellspreadError, EXIT_CODE } from '../errors.ts';
import { fileSystemFault } from '../io/faults.ts';
import { CELL_USAGE, runCellCommand } from './cell.ts';
import { MERGE_USAGE, runMergeCommand } from './merge.ts';
import { REPORT_USAGE, runReportCommand } from './report.ts';
import { RUN_USAGE, runRunCommand } from './run.ts';
import { SAMPLE_USAGE, runSampleCommand } from './sample.ts';
import { VERSION } from '../version.ts';
import { WEB_USAGE, runWebCommand } from './web.ts';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const consoleIo: CliIo = {
  stdout: (t) => process.stdout.write(`${t}\n`),
  stderr: (t) => process.stderr.write(`${t}\n`),
};

type Command = (argv: string[], io: CliIo) => number | Promise<number>;

/** Subcommands by name: a registry, so later commands plug in without touching the dispatch. */
export const COMMANDS: Record<string, { run: Command; summary: string; usage: string }> = {
  run: { run: runRunCommand, summary: 'run a study (default: the built-in 12s2p study) and write a results folder', usage: RUN_USAGE },
  sample: { run: runSampleCommand, summary: 'write the sampled cell parameters of a study as CSV', usage: SAMPLE_USAGE },
  report: { run: runReportCommand, summary: 're-render report.html from a results folder', usage: REPORT_USAGE },
  merge: { run: runMergeCommand, summary: 'merge the results folders of a sharded run (--shard I/N) into one results folder', usage: MERGE_USAGE },
  cell: { run: runCellCommand, summary: 'simulate one cell through a constant-current discharge', usage: CELL_USAGE },
  web: { run: runWebCommand, summary: 'serve the browser page (run studies in a browser) on 127.0.0.1', usage: WEB_USAGE },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: cellspread <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `cellspread <command> --help` for the options of a command, `cellspread --version` for the version.',
  ].join('\n');
}

/** Run the CLI; returns the process exit code (EXIT_CODE: 0 ok, 1 internal error, 2 bad input, 3 file system, 130 Ctrl-C). */
export async function main(argv: string[], io: CliIo = consoleIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`cellspread: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CellspreadError) {
      io.stderr(`cellspread ${name}: ${err.message}`);
      return err.exitCode;
    }
    // A file-system fault no command turned into a message of its own (it still names the file and what to do).
    const fault = fileSystemFault(err, String((err as { path?: unknown }).path ?? 'a file'), 'use');
    if (fault) {
      io.stderr(`cellspread ${name}: ${fault.message}`);
      return fault.exitCode;
    }
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`cellspread ${name}: ${(err as Error).message}\n\n${command.usage}`);
      return EXIT_CODE.input;
    }
    io.stderr(`cellspread ${name}: internal error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}
