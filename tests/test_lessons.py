"""The lessons: every notebook agrees with its jupytext source, and every lesson runs from top to
bottom in fast mode (MINIGAN_FAST=1) without an error (each claim in a lesson is an assert)."""

import importlib.util
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("jupytext")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("lesson_notebook_tool", ROOT / "tools" / "notebook.py")
notebook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook)

SOURCES = notebook.sources()


def test_there_are_lessons():
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_notebook_agrees_with_its_source(src):
    assert notebook.disagreements(src) == []


def test_the_check_catches_an_edited_source(tmp_path, monkeypatch):
    src = SOURCES[0]
    edited = tmp_path / src.name
    edited.write_text(src.read_text(encoding="utf-8").replace("# %% [markdown]", "# %% [markdown]\n# An extra line.", 1),
                      encoding="utf-8")
    monkeypatch.setattr(notebook, "notebook_path", lambda s: ROOT / "lessons" / f"{s.stem}.ipynb")
    problems = notebook.disagreements(edited)
    assert problems and "cell 0" in problems[0]


def test_cell_ids_are_stable():
    first, second = notebook.build_notebook(SOURCES[0]), notebook.build_notebook(SOURCES[0])
    assert [c.id for c in first.cells] == [c.id for c in second.cells]
    assert first.cells[0].id == f"{SOURCES[0].stem[:2]}-000"


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_lesson_runs_in_fast_mode(src):
    nb = notebook.build_notebook(src)
    notebook.execute_notebook(nb, fast=True, timeout=600)  # raises CellExecutionError on a failed cell
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []


def test_sync_refuses_changed_code(tmp_path, monkeypatch):
    src = SOURCES[0]
    edited = tmp_path / src.name
    edited.write_text(src.read_text(encoding="utf-8").replace("# %%\n", "# %%\nx_added = 1\n", 1), encoding="utf-8")
    monkeypatch.setattr(notebook, "notebook_path", lambda s: ROOT / "lessons" / f"{s.stem}.ipynb")
    with pytest.raises(ValueError, match="code cell .* changed"):
        notebook.sync_markdown(edited)


# ----------------------------------------------------------------------------- what `[lessons]` installs

# The distribution that provides each third-party module the course imports (extend it with a new import).
DISTRIBUTION_OF = {"numpy": "numpy", "tqdm": "tqdm", "matplotlib": "matplotlib", "PIL": "pillow",
                   "threadpoolctl": "threadpoolctl", "scipy": "scipy", "pytest": "pytest",
                   "jupytext": "jupytext", "nbformat": "nbformat", "nbclient": "nbclient"}
LOCAL_MODULES = {"minigan", "exercise_catalog", "exercise_oracles", "conftest"}


def _requirement_names(requirements, extras):
    """The distribution names of `requirements`, with minigan[extra] expanded through `extras`."""
    import re

    names = set()
    for requirement in requirements:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        if name == "minigan":
            inner = re.search(r"\[(.*)\]", requirement).group(1)
            for extra in inner.split(","):
                names |= _requirement_names(extras[extra.strip()], extras)
        else:
            names.add(name)
    return names


def _imports_at_top_level(path):
    """Top-level modules imported by the statements at a file's top level (not inside if/try/def)."""
    import ast

    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_lessons_extra_installs_what_the_lessons_and_their_exercises_import():
    """pip install -e ".[lessons]" must be enough to run every lesson and the pytest command it ends with."""
    import sys
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    installed = _requirement_names(project["dependencies"], {}) | _requirement_names(
        project["optional-dependencies"]["lessons"], project["optional-dependencies"])
    assert {"pytest", "scipy", "threadpoolctl", "matplotlib", "jupyterlab"} <= installed
    files = sorted((ROOT / "lessons" / "src").glob("[0-9][0-9]_*.py")) + sorted((ROOT / "exercises").glob("*/*.py"))
    missing = {}
    for path in files:
        for module in _imports_at_top_level(path) - set(sys.stdlib_module_names) - LOCAL_MODULES:
            assert module in DISTRIBUTION_OF, f"{path.name} imports {module}: add it to DISTRIBUTION_OF"
            if DISTRIBUTION_OF[module] not in installed:
                missing.setdefault(DISTRIBUTION_OF[module], []).append(path.name)
    assert missing == {}, f"imported by the course but not installed by [lessons]: {missing}"


# ----------------------------------------------------------------------------- committed outputs

# An absolute path of the machine that ran a lesson (a warning's file name, a temporary folder ...).
MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:work|home|root|tmp|Users|private|var/folders|mnt|opt)/|[A-Za-z]:\\\\(?:Users|Windows)\\\\")


def _output_texts(nb):
    """(cell index, text) of every textual output of a notebook (streams, text/*, errors, widget state)."""
    import json

    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if "text" in output:
                yield index, output["text"] if isinstance(output["text"], str) else "".join(output["text"])
            for kind, data in output.get("data", {}).items():
                if kind.startswith("text/") or kind.endswith("json"):
                    yield index, data if isinstance(data, str) else json.dumps(data)
            if output.get("output_type") == "error":
                yield index, output.get("evalue", "") + "\n".join(output.get("traceback", []))
    yield -1, json.dumps(nb.metadata.get("widgets", {}))


def test_the_path_check_catches_a_local_path():
    assert MACHINE_PATH.search("/work/main/minigan/autograd.py:144: SavedConstantWarning")
    assert MACHINE_PATH.search("written to /tmp/minigan-lesson-abc/x.png")
    assert MACHINE_PATH.search(r"C:\\Users\\ada\\minigan")
    assert not MACHINE_PATH.search("lessons/src/02_gradient_checking.py, 1/8 modes, http://example.org/a/b")


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_committed_outputs_carry_no_machine_paths(src):
    nb = nbformat.read(notebook.notebook_path(src), as_version=4)
    found = [(index, MACHINE_PATH.search(text).group(0), text[:200]) for index, text in _output_texts(nb)
             if MACHINE_PATH.search(text)]
    assert found == [], f"{src.stem}: outputs with a local path (cell, match, text): {found}"


def test_every_lesson_starts_with_the_same_setup_cell():
    """The README promises one setup cell in every lesson: its code up to mg.manual_seed(0) is identical
    (comments may differ: lesson 1 points at its own explanation of the one BLAS thread)."""
    setups = {}
    for src in SOURCES:
        first_code = next(text for kind, text in notebook.cells_of(src) if kind == "code")
        assert "mg.manual_seed(0)" in first_code, f"{src.stem}: the first code cell is not the setup cell"
        code = [line.split("  #")[0].rstrip() for line in first_code.split("mg.manual_seed(0)")[0].splitlines()]
        setups.setdefault("\n".join(line for line in code if line and not line.startswith("#")), []).append(src.stem)
    assert len(setups) == 1, f"different setup cells: {list(setups.values())}"
    assert 'pip install -e ".[lessons]"' in next(iter(setups)) and "threadpool_limits(1)" in next(iter(setups))


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_committed_progress_bars_show_their_final_state(src):
    """A progress bar saved at 98% (a bar closed without its last refresh) would misreport the run."""
    nb = nbformat.read(notebook.notebook_path(src), as_version=4)
    unfinished = [text for _, text in _output_texts(nb)
                  if (m := re.search(r"\| *(\d+)/(\d+) \[", text)) and m.group(1) != m.group(2)]
    assert unfinished == [], f"{src.stem}: {unfinished}"


def test_every_lesson_is_in_the_readme_course_table_with_its_full_run_time():
    """README's course table lists every lesson with the seconds of its full run (at most 5 minutes)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): float(m.group(2)) for m in
            re.finditer(r"^\| \d+ \| `(\d\d_\w+)` \|.*\| (\d+(?:\.\d+)?) \|$", readme, re.M)}
    assert {src.stem for src in SOURCES} <= set(rows), sorted({src.stem for src in SOURCES} - set(rows))
    assert all(0 < seconds <= 300 for seconds in rows.values()), rows


# An object's default repr (a memory address, or the generator mg.manual_seed returns when a setup
# cell ends with it) says nothing to a student: the cell should print what it means or end with ";".
OBJECT_REPR = re.compile(r"<minigan\.[\w.]+[ >]| object at 0x[0-9a-f]+")


def test_the_repr_check_catches_an_object_repr():
    assert OBJECT_REPR.search("<minigan.default_generator seed=0>")
    assert OBJECT_REPR.search("<minigan.nn.modules.Linear object at 0x7f3a2b1c>")
    assert not OBJECT_REPR.search("tensor(-0.4621, dtype=torch.float64, grad_fn=<TanhBackward0>)")


@pytest.mark.parametrize("src", SOURCES, ids=[s.stem for s in SOURCES])
def test_committed_outputs_show_no_object_reprs(src):
    nb = nbformat.read(notebook.notebook_path(src), as_version=4)
    found = [(index, OBJECT_REPR.search(text).group(0)) for index, text in _output_texts(nb) if OBJECT_REPR.search(text)]
    assert found == [], f"{src.stem}: outputs with an object's repr (cell, match): {found}"
