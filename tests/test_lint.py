"""The linter: ruff (configured in pyproject.toml: pycodestyle and pyflakes, the library at 100
columns) finds nothing in the library, the tests, the tools, the benchmarks, the experiments and
the examples.
Skipped where ruff is not installed (it is in the dev extra)."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ["minigan", "tests", "tools", "benchmarks", "experiments", "examples"]


def ruff_command():
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    if shutil.which("ruff"):
        return [shutil.which("ruff")]
    pytest.skip("ruff is not installed (pip install -e '.[dev]')")


def test_ruff_finds_nothing():
    folders = [name for name in CHECKED if (ROOT / name).is_dir()]
    out = subprocess.run([*ruff_command(), "check", "--no-cache", "--output-format", "concise", *folders],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "All checks passed" in out.stdout


def test_the_library_is_held_to_100_columns():
    long_lines = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "minigan").rglob("*.py"))
                  for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if len(line) > 100]
    assert long_lines == []
