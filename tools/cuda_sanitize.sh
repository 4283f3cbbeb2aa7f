#!/usr/bin/env bash
# Run every minigan.cuda kernel instance under NVIDIA compute-sanitizer (needs a CUDA GPU):
#   memcheck   out-of-bounds and misaligned global/shared accesses
#   racecheck  shared-memory hazards (a missing or misplaced __syncthreads)
#   initcheck  reads of device memory nothing wrote (e.g. C read although beta == 0)
#   synccheck  barriers not reached by every thread of a block
#
#   bash tools/cuda_sanitize.sh                 # from the repository root
#   COMPUTE_SANITIZER=/path/to/compute-sanitizer PYTHON=python3 bash tools/cuda_sanitize.sh
#   SANITIZER_TOOLS="memcheck racecheck" bash tools/cuda_sanitize.sh   # some of the tools only
#
# compute-sanitizer ships with the CUDA toolkit (/usr/local/cuda/bin) and in the pip wheel
# nvidia-cuda-sanitizer-api (its compute-sanitizer binary). Kernels are compiled with -lineinfo so
# reports name lines of the .cu files. Exit status: 0 when every tool run reports no error, 1 when
# one does, 2 when compute-sanitizer is not found (tools/gpu_check.py reads 2 as "skipped").
set -u
cd "$(dirname "$0")/.."
SANITIZER=${COMPUTE_SANITIZER:-$(command -v compute-sanitizer || true)}
if [ -z "$SANITIZER" ]; then
  for candidate in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer; do
    [ -x "$candidate" ] && SANITIZER=$candidate && break
  done
fi
if [ -z "$SANITIZER" ]; then
  echo "compute-sanitizer not found: set COMPUTE_SANITIZER or install the CUDA toolkit" >&2
  exit 2
fi
PY=${PYTHON:-python}
export PYTHONPATH=.${PYTHONPATH:+:$PYTHONPATH} MINIGAN_CUDA_LINEINFO=1 CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-/tmp/minigan-sanitize-cupy-cache}
status=0
for tool in ${SANITIZER_TOOLS:-memcheck racecheck initcheck synccheck}; do
  echo "=== compute-sanitizer --tool $tool"
  if ! "$SANITIZER" --tool "$tool" --error-exitcode 1 "$PY" tools/cuda_sanitize_run.py; then
    echo "=== $tool: FAILED"
    status=1
  fi
done
exit $status
