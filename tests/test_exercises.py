"""The exercises are real: the reference passes every exercise test, each untouched stub fails
every test of its exercise, and plausible wrong answers are caught. Also the handout command.

Each check runs pytest on exercises/tests in a subprocess (as an instructor would) and reads the
per-test outcomes that exercises/tests/conftest.py writes with --grade-json.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
EXERCISES = ROOT / "exercises"
WRONG = Path(__file__).resolve().parent / "exercise_wrong_answers"


def _catalog():
    spec = importlib.util.spec_from_file_location("exercise_catalog", EXERCISES / "tests" / "exercise_catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CATALOG = _catalog()


def _env(**extra):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    env.pop("MINIGAN_EXERCISES", None)
    env.update(extra)
    return env


def run_exercise_tests(tmp_path, *args, cwd=ROOT, tests=EXERCISES / "tests", env=None):
    """pytest on the exercise tests in a subprocess -> (process, the --grade-json table)."""
    report = tmp_path / f"grades_{len(list(tmp_path.glob('grades_*')))}.json"
    where = [str(tests)] if tests is not None else []  # None: no test path, as a student types it
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *where, "-q", "-p", "no:cacheprovider",
         "--grade-json", str(report), *args],
        cwd=cwd, env=env or _env(), capture_output=True, text=True, timeout=300,
    )
    table = json.loads(report.read_text()) if report.exists() else None
    return proc, table


def test_the_catalog_numbers_modules_and_markers():
    assert len(CATALOG.EXERCISES) >= 12
    numbers = [e.number for e in CATALOG.EXERCISES]
    # ids never change and are handed out in blocks per chapter: increasing from 1, gaps allowed
    assert numbers[0] == 1 and numbers == sorted(set(numbers))
    pyproject = (ROOT / "pyproject.toml").read_text()
    for e in CATALOG.EXERCISES:
        assert e.module.startswith(f"ex{e.number:02d}_")
        for folder in ("stubs", "solutions"):
            assert (EXERCISES / folder / f"{e.module}.py").is_file()
        assert (EXERCISES / "tests" / f"test_{e.module}.py").is_file()
        assert f'"{e.marker}: ' in pyproject, f"{e.marker} is not registered in pyproject.toml"
        stub = (EXERCISES / "stubs" / f"{e.module}.py").read_text()
        assert f'NotImplementedError("Exercise {e.number}: ' in stub
        assert f"pytest -m {e.marker}" in stub


def test_reference_passes_every_exercise_test(tmp_path):
    # A SavedConstantWarning (lesson 2's save rule broken) is an error here: no solution may trigger one.
    proc, table = run_exercise_tests(tmp_path, "-W", "error::minigan.autograd.SavedConstantWarning")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert set(table["exercises"]) == {e.marker for e in CATALOG.EXERCISES}
    for marker, row in table["exercises"].items():
        assert row["tests"] >= 3, marker
        assert set(row["outcomes"].values()) == {"passed"}, marker
    assert table["total"] == table["max_total"] == sum(e.points for e in CATALOG.EXERCISES)
    assert "minigan exercises: points" in proc.stdout
    assert f"{table['max_total']:g} / {table['max_total']}" in proc.stdout


def test_every_untouched_stub_fails_every_test_of_its_exercise(tmp_path):
    proc, table = run_exercise_tests(tmp_path, "--student", str(EXERCISES / "stubs"))
    assert proc.returncode == 1
    assert set(table["exercises"]) == {e.marker for e in CATALOG.EXERCISES}
    for e in CATALOG.EXERCISES:
        row = table["exercises"][e.marker]
        assert row["passed"] == 0 and row["points"] == 0, e.marker
        for nodeid, outcome in row["outcomes"].items():
            assert outcome == "failed", nodeid
            assert f"NotImplementedError: Exercise {e.number}: " in row["messages"][nodeid], nodeid
    assert table["total"] == 0


def _wrong_answer_rounds():
    """Round k holds the k-th wrong answer of each exercise (file exNN_name__variant.py)."""
    variants = defaultdict(list)
    for path in sorted(WRONG.glob("ex*__*.py")):
        variants[path.name.split("__")[0]].append(path)
    depth = max(len(v) for v in variants.values())
    return variants, [{m: v[k] for m, v in variants.items() if k < len(v)} for k in range(depth)]


def test_every_exercise_has_a_wrong_answer():
    variants, _ = _wrong_answer_rounds()
    assert set(variants) == {e.module for e in CATALOG.EXERCISES}


def _constant(path, name, default=None):
    """A constant a wrong answer declares at its top level (CAUGHT_BY, ONLY_CAUGHT_BY, MESSAGE)."""
    import ast

    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == [name]:
            return ast.literal_eval(node.value)
    if default is None:
        raise AssertionError(f"{path.name} has no {name}")
    return default


def _caught_by(path):
    """The CAUGHT_BY of a wrong answer: one test name, or a tuple of names (all must fail)."""
    value = _constant(path, "CAUGHT_BY")
    return (value,) if isinstance(value, str) else tuple(value)


def test_wrong_answers_are_caught(tmp_path):
    """Each wrong answer fails the tests its CAUGHT_BY names (a backward computed on raw arrays:
    test_gradgradcheck; a wrong backward written with Tensor ops, which gradgradcheck alone would pass
    against itself: the gradient-value test, test_gradcheck and test_gradgradcheck, so it earns
    nothing from the second-order test)."""
    _, rounds = _wrong_answer_rounds()
    for k, files in enumerate(rounds):
        folder = tmp_path / f"round{k}"
        folder.mkdir()
        for module, path in files.items():
            shutil.copy(path, folder / f"{module}.py")
        proc, table = run_exercise_tests(tmp_path, "--student", str(folder))
        rows = {row["module"]: row for row in table["exercises"].values()}
        for module, path in files.items():
            row = rows[module]
            assert row["passed"] < row["tests"], f"{path.name} passed every test of {module}"
            failed = {nodeid.split("::")[1].split("[")[0] for nodeid, outcome in row["outcomes"].items()
                      if outcome == "failed"}
            for caught_by in _caught_by(path):
                assert caught_by in failed, f"{path.name}: {caught_by} did not fail (failed: {sorted(failed)})"
            if _constant(path, "ONLY_CAUGHT_BY", False):   # no other test may fail and point elsewhere
                assert failed == set(_caught_by(path)), f"{path.name}: misdirected by {sorted(failed)}"
            message = _constant(path, "MESSAGE", "")           # the failure names the mistake
            texts = [text for nodeid, text in row["messages"].items() if _caught_by(path)[0] in nodeid]
            assert message in "".join(texts), f"{path.name}: {message!r} not in {texts}"


def test_handout_has_no_solutions_and_grades_a_single_file(tmp_path):
    out = tmp_path / "handout"
    made = subprocess.run([sys.executable, str(ROOT / "tools" / "handout.py"), str(out)],
                          capture_output=True, text=True, timeout=60, env=_env())
    assert made.returncode == 0, made.stderr
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert not any("solution" in f for f in files), files
    for e in CATALOG.EXERCISES:
        assert (out / "stubs" / f"{e.module}.py").read_text() == (EXERCISES / "stubs" / f"{e.module}.py").read_text()
        assert f"tests/test_{e.module}.py" in files
    assert {"README.md", "HINTS.md", "pytest.ini", "conftest.py", "tests/exercise_catalog.py"} <= files
    solution_text = (EXERCISES / "solutions" / "ex01_sigmoid.py").read_text()
    assert all(solution_text not in p.read_text() for p in out.rglob("*.py"))

    # Inside the handout: MINIGAN_EXERCISES names one file; only its exercise is graded.
    one = EXERCISES / "solutions" / "ex01_sigmoid.py"
    proc, table = run_exercise_tests(tmp_path, cwd=out, tests=out / "tests", env=_env(MINIGAN_EXERCISES=str(one)))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert list(table["exercises"]) == ["ex_sigmoid"]
    assert table["total"] == table["max_total"] == CATALOG.BY_MARKER["ex_sigmoid"].points
    assert "skipped" in proc.stdout

    again = subprocess.run([sys.executable, str(ROOT / "tools" / "handout.py"), str(out)],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert again.returncode == 2
    assert again.stderr.startswith("error: ") and "not empty" in again.stderr and "Traceback" not in again.stderr


def _graded(table):
    return {marker: (row["passed"], row["tests"]) for marker, row in table["exercises"].items()}


def test_student_path_with_and_without_equals_sign_in_the_repository(tmp_path):
    """pytest exercises/tests --student PATH and --student=PATH grade the same, for a PATH anywhere."""
    outside = tmp_path / "alice"
    outside.mkdir()
    shutil.copy(EXERCISES / "solutions" / "ex01_sigmoid.py", outside / "ex01_sigmoid.py")
    for target in (outside / "ex01_sigmoid.py", EXERCISES / "stubs" / "ex01_sigmoid.py"):
        tables = []
        for args in (["--student", str(target)], [f"--student={target}"]):
            proc, table = run_exercise_tests(tmp_path, *args)
            assert table is not None, proc.stdout[-2000:] + proc.stderr[-2000:]
            tables.append(_graded(table))
        assert tables[0] == tables[1] and list(tables[0]) == ["ex_sigmoid"], tables
    assert tables[0]["ex_sigmoid"][0] == 0          # the stub: nothing passes ...
    proc, table = run_exercise_tests(tmp_path, "--student", str(outside / "ex01_sigmoid.py"))
    assert proc.returncode == 0 and table["total"] == table["max_total"]   # ... the solution: everything


def test_student_path_with_and_without_equals_sign_in_the_handout(tmp_path):
    """Inside a handout, pytest --student PATH works like --student=PATH for a PATH inside it (the grading
    conftest sits at the handout's root); for a PATH outside it, the = form and naming tests/ work."""
    out = tmp_path / "handout"
    made = subprocess.run([sys.executable, str(ROOT / "tools" / "handout.py"), str(out)],
                          capture_output=True, text=True, timeout=60, env=_env())
    assert made.returncode == 0, made.stderr
    (out / "mine").mkdir()
    shutil.copy(EXERCISES / "solutions" / "ex01_sigmoid.py", out / "mine" / "ex01_sigmoid.py")
    outside = tmp_path / "alice"
    outside.mkdir()
    shutil.copy(EXERCISES / "solutions" / "ex01_sigmoid.py", outside / "ex01_sigmoid.py")
    forms = [["--student", "mine/ex01_sigmoid.py"], ["--student=mine/ex01_sigmoid.py"],
             ["-m", "ex_sigmoid", "--student", "mine"], [f"--student={outside}"], ["tests", "--student", str(outside)]]
    points = CATALOG.BY_MARKER["ex_sigmoid"].points
    for args in forms:
        proc, table = run_exercise_tests(tmp_path, *args, cwd=out, tests=None)
        assert table is not None, f"{args}: {proc.stderr[-1500:]}"
        assert table["exercises"]["ex_sigmoid"]["points"] == points, (args, _graded(table))
        assert table["exercises"]["ex_sigmoid"]["passed"] == table["exercises"]["ex_sigmoid"]["tests"], args


def test_a_missing_student_path_is_a_usage_error(tmp_path):
    proc, _ = run_exercise_tests(tmp_path, "--student", str(tmp_path / "nowhere"))
    assert proc.returncode == 4
    assert "--student" in proc.stderr and "does not exist" in proc.stderr


def test_grade_class_gives_one_row_per_student(tmp_path):
    klass = tmp_path / "class"
    for student, source in (("alice", EXERCISES / "solutions"), ("bob", EXERCISES / "stubs")):
        (klass / student).mkdir(parents=True)
        shutil.copy(source / "ex01_sigmoid.py", klass / student / "ex01_sigmoid.py")
    table = tmp_path / "points.csv"
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade_class.py"), str(klass), "-m", "ex_sigmoid",
                           "--csv", str(table)], capture_output=True, text=True, timeout=300, env=_env())
    assert proc.returncode == 0, proc.stderr
    points = CATALOG.BY_MARKER["ex_sigmoid"].points
    assert table.read_text().splitlines() == ["student,ex_sigmoid,total,max", f"alice,{points},{points},{points}",
                                              f"bob,0,0,{points}"]
    assert proc.stdout.splitlines()[1].split() == ["alice", str(points), str(points), str(points)]

    empty = subprocess.run([sys.executable, str(EXERCISES / "grade_class.py"), str(tmp_path / "none")],
                           capture_output=True, text=True, timeout=60, env=_env())
    assert empty.returncode == 2 and empty.stderr.startswith("error: ") and "Traceback" not in empty.stderr
