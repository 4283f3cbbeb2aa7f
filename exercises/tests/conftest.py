"""Grading machinery for the exercises: which files are tested, the `student` fixture, the points.

Whose code is tested (the first that is given):
  1. pytest exercises/tests --student PATH     a folder of exNN_*.py files, or one such file
  2. MINIGAN_EXERCISES=PATH pytest exercises/tests
  3. exercises/solutions (minigan's reference), or exercises/stubs where there are no solutions
     (a student's handout).
With one file, only that exercise's tests run; the others are skipped. A folder that lacks an
exercise's file fails that exercise's tests.

Where this file lives: beside the tests in the repository (exercises/tests/conftest.py); at the root
of a handout (tools/handout.py puts it there, above tests/), because pytest reads the bare PATH of
`pytest --student PATH` as a test path before it knows the option, and loads only the conftests on
that path's way up to the root: a root conftest is on the way of every PATH inside the handout.

`--grade-json FILE` also writes the outcome of every test and the points to FILE (used by
exercises/grade_class.py and tests/test_exercises.py). The points table is printed at the end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import minigan as mg

HERE = Path(__file__).resolve().parent
TESTS = HERE if (HERE / "exercise_catalog.py").is_file() else HERE / "tests"  # repository / handout root
if str(TESTS) not in sys.path:  # the tests import exercise_catalog and exercise_oracles from there,
    sys.path.insert(0, str(TESTS))  # also under --import-mode=importlib

from exercise_catalog import BY_MARKER, BY_MODULE, EXERCISES  # noqa: E402
ENV_VAR = "MINIGAN_EXERCISES"


def pytest_addoption(parser):
    group = parser.getgroup("minigan exercises")
    group.addoption("--student", metavar="PATH", default=None,
                    help=f"grade this folder of exNN_*.py files (or one such file) instead of the "
                         f"reference solutions; also settable with {ENV_VAR}=PATH")
    group.addoption("--grade-json", metavar="FILE", default=None,
                    help="also write every test's outcome and the points per exercise to FILE")


def _default_submission() -> Path:
    solutions = TESTS.parent / "solutions"
    return solutions if solutions.is_dir() else TESTS.parent / "stubs"


def _submission(config) -> Path:
    given = config.getoption("--student") or os.environ.get(ENV_VAR)
    if not given:
        return _default_submission()
    path = Path(given).expanduser().resolve()
    source = "--student" if config.getoption("--student") else ENV_VAR
    if not path.exists():
        raise pytest.UsageError(f"{source}: {given} does not exist (expected a folder of exNN_*.py "
                                f"files, or one such file)")
    if path.is_file() and path.stem not in BY_MODULE:
        names = ", ".join(e.module + ".py" for e in EXERCISES)
        raise pytest.UsageError(f"{source}: {path.name} is not an exercise file (expected one of {names})")
    return path


def pytest_configure(config):
    for e in EXERCISES:  # also listed in pyproject.toml; here for a handout run from anywhere
        config.addinivalue_line("markers", f"{e.marker}: exercise {e.number}, {e.title}")
    config._minigan_grades = _Grades(_submission(config), config.getoption("--grade-json"))
    config.pluginmanager.register(config._minigan_grades, "minigan-exercise-grades")


# ----------------------------------------------------------------------------- loading a submission

_loaded: dict = {}


def _load(path: Path):
    """Import the file at `path` as its own module (cached): each student file stands alone."""
    key = str(path)
    if key not in _loaded:
        spec = importlib.util.spec_from_file_location(f"submission_{path.stem}_{len(_loaded)}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded[key] = module
    return _loaded[key]


def _exercise_of(item):
    for mark in item.iter_markers():
        if mark.name in BY_MARKER:
            return BY_MARKER[mark.name]
    return None


@pytest.fixture
def student(request):
    """The submitted module of the exercise this test is marked with."""
    exercise = _exercise_of(request.node)
    if exercise is None:
        pytest.fail(f"{request.node.nodeid} has no exercise marker (one of {', '.join(BY_MARKER)})")
    submission = request.config._minigan_grades.submission
    if submission.is_file():
        if submission.stem != exercise.module:
            pytest.skip(f"not part of the submission {submission.name}")
        return _load(submission)
    path = submission / f"{exercise.module}.py"
    if not path.is_file():
        pytest.fail(f"exercise {exercise.number}: {submission} has no {exercise.module}.py")
    return _load(path)


@pytest.fixture(autouse=True)
def _float64_numpy_seed0():
    """Every test starts on NumPy, float64 by default (gradient checks need it), seed 0."""
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float64)
    mg.manual_seed(0)
    yield
    mg.set_backend("numpy")
    mg.set_default_dtype(np.float32)


# ----------------------------------------------------------------------------- grading


class _Grades:
    """Collects each test's outcome and prints the points per exercise at the end of the run."""

    def __init__(self, submission: Path, json_path):
        self.submission = submission
        self.json_path = json_path
        self.exercise_of = {}  # nodeid -> Exercise
        self.outcomes = {}     # nodeid -> "passed" | "failed" | "skipped"
        self.messages = {}     # nodeid -> the last line of the failure

    def pytest_collection_modifyitems(self, items):
        for item in items:
            exercise = _exercise_of(item)
            if exercise is not None:
                self.exercise_of[item.nodeid] = exercise

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.exercise_of:
            return
        previous = self.outcomes.get(report.nodeid)
        if report.failed:
            self.outcomes[report.nodeid] = "failed"
            if report.nodeid not in self.messages:
                crash = getattr(report.longrepr, "reprcrash", None)  # "ValueError: ..." of the failure
                lines = [line for line in report.longreprtext.splitlines() if line.strip()] or [""]
                self.messages[report.nodeid] = (crash.message if crash is not None else lines[-1])[:300]
        elif report.skipped and previous is None:
            self.outcomes[report.nodeid] = "skipped"
        elif report.when == "call" and report.passed and previous is None:
            self.outcomes[report.nodeid] = "passed"

    def table(self) -> dict:
        result = {"submission": str(self.submission), "exercises": {}, "total": 0.0, "max_total": 0}
        for e in EXERCISES:
            ids = [nodeid for nodeid, ex in self.exercise_of.items() if ex is e and nodeid in self.outcomes]
            if not ids:
                continue
            outcomes = {nodeid: self.outcomes[nodeid] for nodeid in ids}
            graded = [o for o in outcomes.values() if o != "skipped"]
            if not graded:
                continue
            passed = graded.count("passed")
            points = round(e.points * passed / len(graded), 2)
            result["exercises"][e.marker] = {
                "number": e.number, "module": e.module, "tests": len(graded), "passed": passed,
                "points": points, "max_points": e.points, "outcomes": outcomes,
                "messages": {k: v for k, v in self.messages.items() if k in outcomes},
            }
            result["total"] = round(result["total"] + points, 2)
            result["max_total"] += e.points
        return result

    def pytest_terminal_summary(self, terminalreporter):
        table = self.table()
        if self.json_path:
            Path(self.json_path).write_text(json.dumps(table, indent=1), encoding="utf-8")
        if not table["exercises"]:
            return
        write = terminalreporter.write_line
        terminalreporter.section("minigan exercises: points")
        write(f"submission: {table['submission']}")
        write(f"{'#':>3}  {'exercise':<22}{'passed':>10}{'points':>14}")
        for marker, row in table["exercises"].items():
            write(f"{row['number']:>3}  {marker:<22}{row['passed']:>5} / {row['tests']:<3}"
                  f"{row['points']:>8g} / {row['max_points']:<3}")
        write(f"     {'total':<32}{table['total']:>8g} / {table['max_total']}")
