#!/usr/bin/env bash
# minigan's GPU check in one command (see tools/gpu_check.py for the stages and the output files):
#   bash tools/gpu_check.sh OUT_DIR            # on a machine with a CUDA GPU, CuPy and (ideally) PyTorch
#   bash tools/gpu_check.sh --dry-run OUT_DIR  # on a CPU: every stage's command checked, GPU work skipped
# PYTHON picks the interpreter (default: python3; it needs CuPy, pytest and hypothesis, and PyTorch with
# CUDA for the comparisons).
set -u
cd "$(dirname "$0")/.." || exit 2
exec "${PYTHON:-python3}" tools/gpu_check.py "$@"
