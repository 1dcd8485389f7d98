import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic.ts';
import { sampleCsv } from '../variation/index.ts';
import { bindNegativeNumbers, numberFlag } from './args.ts';
import type { CliIo } from './main.ts';
import { applyOverrides, loadStudy } from './run.ts';

export const SAMPLE_USAGE = `Usage: cellspread sample [study.yaml] [options]
Write the sampled per-cell parameters of a study as CSV, for inspection (one row per cell of every sampled pack:
indices, the kernel parameters, the varied physical quantities).

  --out FILE        CSV file (default: standard output)
  --samples N       how many packs (default: run.samples, at most 1000 unless given)
  --start I         first sample index (default 0): sample i is the same as in a study run
  --seed S          overrides run.seed`;

export function runSampleCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args: bindNegativeNumbers(argv),
    options: { out: { type: 'string' }, samples: { type: 'string' }, start: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout(SAMPLE_USAGE);
    return 0;
  }
  const spec = applyOverrides(loadStudy(positionals[0]), { seed: values.seed });
  const start = numberFlag(values, 'start', { min: 0, integer: true }) ?? 0;
  const count = numberFlag(values, 'samples', { min: 1, integer: true }) ?? Math.min(spec.run.samples, 1000);
  const csv = sampleCsv(spec, start, count, true);
  if (values.out) {
    writeFileAtomic(values.out, csv);
    io.stderr(`wrote ${count} packs x ${spec.pack.series * spec.pack.parallel} cells to ${values.out}`);
  } else io.stdout(csv.trimEnd());
  return 0;
}
