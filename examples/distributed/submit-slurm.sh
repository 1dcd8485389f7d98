#!/usr/bin/env bash
# Queue the shards as one array job and the merge as a job that starts once every shard succeeded.
# Pass sbatch options for both through SBATCH_* environment variables (e.g. SBATCH_PARTITION=compute).
set -euo pipefail
# Run it from the folder that holds the study and results/ (the jobs start there); STUDY, SHARDS, OUT, MERGED,
# CELLSPREAD, RUN_FLAGS and MERGE_FLAGS pass through to the jobs (sbatch exports the environment).
here="$(dirname "$0")"
array=$(sbatch --parsable "$here/slurm-array.sh")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/slurm-merge.sh")
echo "shards: job $array (array), merge: job $merge (after all shards succeed)"
