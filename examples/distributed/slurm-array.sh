#!/usr/bin/env bash
#SBATCH --job-name=cellspread-shard
#SBATCH --array=0-7
#SBATCH --cpus-per-task=16
#SBATCH --output=slurm-shard-%A_%a.out
#
# One Monte Carlo shard per Slurm array task: task I runs shard I of SHARDS and writes results/shards/I.
# Within the task cellspread uses every CPU it is given (wasm/webgpu backend workers); across tasks, shards.
#
#   ./submit-slurm.sh                 all shards, then the merge job once they all succeeded
#   sbatch slurm-array.sh             the shards alone
#   sbatch --array=5 slurm-array.sh   rerun shard 5 only (a killed shard resumes from its completed chunks)
#
# Settings (environment, exported to the job by sbatch): STUDY, SHARDS (= number of array tasks, numbered from 0),
# OUT (shard folders), CELLSPREAD (command), RUN_FLAGS (extra `cellspread run` flags, e.g. "--backend wasm").
set -euo pipefail

STUDY="${STUDY:-study.yaml}"
SHARDS="${SHARDS:-8}"
OUT="${OUT:-results/shards}"
read -r -a CELLSPREAD_CMD <<< "${CELLSPREAD:-npx cellspread}"
read -r -a FLAGS <<< "${RUN_FLAGS:-}"

# --shard-count makes SLURM_ARRAY_TASK_ID the shard index itself, so `sbatch --array=5` reruns shard 5 of SHARDS.
folder="$OUT/$SLURM_ARRAY_TASK_ID"
resume=()
if [ -f "$folder/run.json" ]; then resume=(--resume); fi   # a rerun continues where the killed task stopped
mkdir -p "$OUT"
exec "${CELLSPREAD_CMD[@]}" run "$STUDY" --shard-from-env --shard-count "$SHARDS" --out "$folder" --quiet "${resume[@]}" "${FLAGS[@]}"
