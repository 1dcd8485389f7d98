import { CellspreadInputError } from '../errors.ts';
import type { Shard } from '../study/shard.ts';

export { shardRange, type Shard } from '../study/shard.ts';

/**
 * --shard I/N, or --shard-from-env with SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX (count from --shard-count or
 * SLURM_ARRAY_TASK_COUNT). With the count from SLURM_ARRAY_TASK_COUNT the shard is the task's place in the array
 * (ID - SLURM_ARRAY_TASK_MIN, so --array=1-8 works); with an explicit --shard-count the task ID *is* the shard index,
 * so one failed task can be resubmitted alone (`sbatch --array=5 ...`) and still run shard 5.
 */
export function shardFromArgs(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Shard | undefined {
  if (typeof values.shard === 'string') {
    const m = /^(\d+)\/(\d+)$/.exec(values.shard);
    if (!m) throw new CellspreadInputError('--shard', 'must be I/N with 0 <= I < N', values.shard);
    return checked({ index: Number(m[1]), count: Number(m[2]) }, '--shard');
  }
  if (values['shard-from-env']) {
    const raw = env.SLURM_ARRAY_TASK_ID ?? env.JOB_COMPLETION_INDEX;
    if (raw === undefined) throw new CellspreadInputError('--shard-from-env', 'needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment', 'neither set');
    const countRaw = (values['shard-count'] as string | undefined) ?? env.SLURM_ARRAY_TASK_COUNT;
    if (countRaw === undefined) throw new CellspreadInputError('--shard-count', 'is needed with --shard-from-env when SLURM_ARRAY_TASK_COUNT is not set', 'missing');
    const fromArray = values['shard-count'] === undefined && env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_MIN !== undefined;
    const offset = fromArray ? Number(env.SLURM_ARRAY_TASK_MIN) : 0;
    return checked({ index: Number(raw) - offset, count: Number(countRaw) }, '--shard-from-env');
  }
  return undefined;
}

function checked(s: Shard, field: string): Shard {
  if (!(Number.isInteger(s.index) && Number.isInteger(s.count) && s.count >= 1 && s.index >= 0 && s.index < s.count)) {
    throw new CellspreadInputError(field, 'must give 0 <= I < N', `${s.index}/${s.count}`);
  }
  return s;
}
