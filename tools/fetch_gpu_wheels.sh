#!/usr/bin/env bash
# Download the pure-Python wheels the GPU check needs when the GPU machine's Python lacks pytest or
# hypothesis (that machine has no network). They go into .whl/ at the repository root (git-ignored),
# which the device tool carries with `carry: [".whl"]`; tools/gpu_check.py unpacks only those missing.
#
#   bash tools/fetch_gpu_wheels.sh            # needs network and pip, here (not on the GPU machine)
#   WHEEL_DIR=/some/dir PYTHON_VERSION=3.12 bash tools/fetch_gpu_wheels.sh
#
# Versions: the newest the index has within minigan's dev bounds (pyproject.toml); pytest needs
# pygments too. Every wheel must be py3-none-any (checked below), so one set serves any CPython 3.10+
# on any platform. About 2 MB in all. The GPU image already had pytest and hypothesis when last read
# (/work/.library/device/KINDS.md): these wheels are the fallback.
set -eu
cd "$(dirname "$0")/.."
DIR=${WHEEL_DIR:-.whl}
PY=${PYTHON:-python3}
PACKAGES=(
  "pytest>=7" pluggy iniconfig packaging pygments
  "hypothesis>=6.80" attrs sortedcontainers
)
mkdir -p "$DIR"
rm -f "$DIR"/*.whl  # one version of each: two would both be unpacked
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version "${PYTHON_VERSION:-3.12}" \
  --implementation py --abi none --platform any -d "$DIR" "${PACKAGES[@]}"
status=0
for wheel in "$DIR"/*.whl; do
  case "$wheel" in
    *-py3-none-any.whl|*-py2.py3-none-any.whl) ;;
    *) echo "not a pure-Python wheel: $wheel" >&2; status=1 ;;
  esac
done
ls -l "$DIR"
exit $status
