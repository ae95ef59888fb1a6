#!/usr/bin/env bash
# Set up everything (venv, package, local Slurm where possible) and run the full test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
bash scripts/setup_slurm.sh || true
bash scripts/setup_tshark.sh || true
bash scripts/setup_chromium.sh || true
# pytest exits 5 when it collected no test; set -e turns that into a failure.
pytest tests "$@"
