#!/usr/bin/env bash
#SBATCH --job-name=cellspread-merge
#SBATCH --cpus-per-task=2
#SBATCH --output=slurm-merge-%j.out
#
# Merge the shard folders into one results folder (what a single run would have written). submit-slurm.sh queues it
# after the array job (--dependency=afterok). The merge refuses missing, duplicated or foreign shards and names them.
# It simulates nothing but the worst pack (the shards simulate the sensitivity design rows too), so it needs little.
# Settings: OUT (shard folders), MERGED (results folder), CELLSPREAD (command), MERGE_FLAGS (e.g. "--no-report").
set -euo pipefail

OUT="${OUT:-results/shards}"
MERGED="${MERGED:-results/merged}"
read -r -a CELLSPREAD_CMD <<< "${CELLSPREAD:-npx cellspread}"
read -r -a FLAGS <<< "${MERGE_FLAGS:-}"

shopt -s nullglob
shards=("$OUT"/[0-9]*/)
exec "${CELLSPREAD_CMD[@]}" merge "${shards[@]}" --out "$MERGED" --quiet "${FLAGS[@]}"
