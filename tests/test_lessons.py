"""The lessons: every notebook agrees with its jupytext source, and every lesson runs from top to
bottom in fast mode (MINIGAN_FAST=1) without an error (each claim in a lesson is an assert)."""

import importlib.util
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
