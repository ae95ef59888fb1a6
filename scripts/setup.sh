#!/usr/bin/env bash
# Create the project's virtual environment in .venv and install astrasim-py (builds the C++ fabric).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# Build requirements go into the venv first so that the build does not download the
# 300 MB ns3 wheel a second time into an isolated build environment.
pip install -q "scikit-build-core>=0.10" "ns3==3.44.post0" "Cython>=3.0" cmake ninja
pip install -q --no-build-isolation ".[test]"
