#!/usr/bin/env bash
# Slurm batch example for astrasim-py sweeps. Two ways to use it:
#
# 1) From a login node: `bash scripts/slurm_example.sh [SPEC] [OUT]` submits the sweep as Slurm job
#    arrays (submitit); each array task runs a shard of points on one persistent worker. The command
#    waits, appends rows to OUT/results.csv as points finish and prints a summary. Rerun to resume.
#
# 2) As one batch job: `sbatch scripts/slurm_example.sh [SPEC] [OUT]` runs the whole sweep inside a
#    single allocation with one local worker per allocated CPU.
#
# OUT must be on a filesystem every node sees (the tasks write OUT/points/*.json there).
#SBATCH --job-name=astrasim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=astrasim-sweep-%j.out
set -euo pipefail

# sbatch runs a copy of this script from its spool folder: submit from the checkout (SLURM_SUBMIT_DIR)
# or say where it is with ASTRASIM_REPO=/path/to/astrasim-py.
if [[ -n ${ASTRASIM_REPO:-} ]]; then
    repo=$ASTRASIM_REPO
elif [[ -n ${SLURM_JOB_ID:-} ]]; then
    repo=$SLURM_SUBMIT_DIR
else
    repo=$(cd "$(dirname "$0")/.." && pwd)
fi
spec=${1:-$repo/scripts/sweep_inputs/analytical_example.yaml}
out=${2:-$repo/runs/$(basename "$spec" .yaml)}
python=${PYTHON:-$repo/.venv/bin/python}
[[ -x $python ]] || python=python3
export PYTHONPATH=$repo${PYTHONPATH:+:$PYTHONPATH}

if [[ -n ${SLURM_JOB_ID:-} ]]; then
    # Inside an allocation: run locally on the CPUs Slurm gave this job.
    exec "$python" -m astrasim_py sweep "$spec" --out "$out" --executor local \
        --workers "${SLURM_CPUS_PER_TASK:-1}" --no-progress
fi

# On a login node: job arrays. Partition, time, memory and parallelism come from the spec's
# `slurm:` section; flags given here override it (e.g. PARTITION=gpu bash scripts/slurm_example.sh).
flags=()
[[ -n ${PARTITION:-} ]] && flags+=(--partition "$PARTITION")
[[ -n ${TIME_MIN:-} ]] && flags+=(--time-min "$TIME_MIN")
[[ -n ${MEM_GB:-} ]] && flags+=(--mem-gb "$MEM_GB")
[[ -n ${ARRAY_PARALLELISM:-} ]] && flags+=(--array-parallelism "$ARRAY_PARALLELISM")
exec "$python" -m astrasim_py sweep "$spec" --out "$out" --executor slurm "${flags[@]}"
