import { parseArgs } from 'node:util';
import { CellspreadInputError } from '../errors.ts';
import { writeReport } from '../report/index.ts';
import type { CliIo } from './main.ts';

export const REPORT_USAGE = `Usage: cellspread report <results-folder> [options]
Re-render the self-contained HTML report (no network needed to open it) from a results folder:
summary.json plus samples.arrow (or samples.csv).

  --out FILE           write the report here instead of <results-folder>/report.html`;

/** `cellspread report results/<study>/ [--out file.html]`: prints the path written; exit 2 for a bad folder. */
export async function runReportCommand(argv: string[], io: CliIo): Promise<number> {
  let values: { out?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    }));
  } catch (e) {
    io.stderr(`cellspread report: ${(e as Error).message}\n\n${REPORT_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(REPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr(
      `cellspread report: ${positionals.length === 0 ? 'give the results folder' : `expected one results folder, got ${positionals.length}`}\n\n${REPORT_USAGE}`,
    );
    return 2;
  }
  if (values.out !== undefined && values.out.trim() === '') {
    io.stderr('cellspread report: --out must be a file path');
    return 2;
  }
  try {
    const path = await writeReport(positionals[0], values.out);
    io.stdout(path);
    return 0;
  } catch (e) {
    if (e instanceof CellspreadInputError) {
      io.stderr(`cellspread report: ${e.message}`);
      return 2;
    }
    throw e;
  }
}
