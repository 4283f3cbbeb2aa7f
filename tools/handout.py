"""Build the student handout of the exercises into an empty folder (no solutions in it).

    python tools/handout.py OUT

OUT gets: README.md (the students' instructions), HINTS.md, pytest.ini (markers, testpaths),
conftest.py (the grading machinery, at the root so that `pytest --student PATH` finds it for every
PATH inside OUT), stubs/ (the files students edit), tests/ (the graded tests). Students run
`pytest -m ex_sigmoid` inside OUT (minigan must be importable: pip install the course repo).
Refuses an OUT that exists and is not empty: `error: ...`, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
TEST_SUPPORT = ("exercise_catalog.py", "exercise_oracles.py")  # into OUT/tests; conftest.py into OUT


def _catalog():
    spec = importlib.util.spec_from_file_location("exercise_catalog", EXERCISES / "tests" / "exercise_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXERCISES


def pytest_ini(exercises) -> str:
    lines = ["[pytest]", "testpaths = tests", "addopts = -ra --strict-markers", "markers ="]
    lines += [f"    {e.marker}: exercise {e.number}, {e.title}" for e in exercises]
    return "\n".join(lines) + "\n"


def build(out: Path) -> list[Path]:
    """Copy the handout into `out` (which must be missing or empty); returns the files written."""
    exercises = _catalog()
    (out / "stubs").mkdir(parents=True, exist_ok=True)
    (out / "tests").mkdir(exist_ok=True)
    copies = [(EXERCISES / "STUDENT.md", out / "README.md"), (EXERCISES / "HINTS.md", out / "HINTS.md")]
    copies += [(EXERCISES / "tests" / name, out / "tests" / name) for name in TEST_SUPPORT]
    copies.append((EXERCISES / "tests" / "conftest.py", out / "conftest.py"))
    for e in exercises:
        copies.append((EXERCISES / "stubs" / f"{e.module}.py", out / "stubs" / f"{e.module}.py"))
        copies.append((EXERCISES / "tests" / f"test_{e.module}.py", out / "tests" / f"test_{e.module}.py"))
    for source, target in copies:
        shutil.copyfile(source, target)
    (out / "pytest.ini").write_text(pytest_ini(exercises), encoding="utf-8")
    return [target for _, target in copies] + [out / "pytest.ini"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/handout.py", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to create (missing or empty)")
    args = parser.parse_args(argv)
    out = args.out
    if out.exists() and not out.is_dir():
        print(f"error: {out} exists and is not a folder; give a new or empty folder", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()):
        print(f"error: {out} is not empty; give a new or empty folder (nothing was written)", file=sys.stderr)
        return 2
    files = build(out)
    print(f"wrote the handout ({len(files)} files) to {out}; students start with {out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
