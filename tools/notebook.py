"""Build, execute and check the lesson notebooks.

The lessons are written as plain-text jupytext "percent" files, lessons/src/NN_name.py (`# %%` starts
a code cell, `# %% [markdown]` a markdown cell). The notebooks lessons/NN_name.ipynb are built from
them and committed with the outputs of a full run, so that they read well on a code-hosting site.

    python tools/notebook.py build [NAMES...]          # source -> notebook, no outputs
    python tools/notebook.py execute --all             # build + full run of every lesson (commit these)
    python tools/notebook.py execute 01 04 --fast      # MINIGAN_FAST=1: smaller runs, as the tests do
    python tools/notebook.py execute --all --fast --no-write   # time the fast runs, keep the notebooks
    python tools/notebook.py check                     # every notebook's cells equal its source's
    python tools/notebook.py sync                      # copy edited markdown into the executed notebooks

NAMES select lessons by prefix ("01", "04_minimax"). Each lesson runs in a fresh kernel whose working
folder is a temporary directory (nothing is written into the repository), with one BLAS thread.
Cell ids are derived from the lesson and the cell's position, so a rebuild gives the same ids.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "lessons" / "src"
NOTEBOOKS = ROOT / "lessons"


def sources(names=()) -> list[Path]:
    """The percent-format lesson sources, optionally those whose name starts with one of `names`."""
    found = []
    for src in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        if "# %%" not in src.read_text(encoding="utf-8"):
            continue  # not (yet) a percent-format lesson
        if not names or any(src.stem.startswith(n) for n in names):
            found.append(src)
    return found


def notebook_path(src: Path) -> Path:
    return NOTEBOOKS / f"{src.stem}.ipynb"


def cells_of(src: Path) -> list[tuple[str, str]]:
    """(cell_type, source) of each cell of a lesson source, as jupytext reads it."""
    import jupytext

    nb = jupytext.read(src, fmt="py:percent")
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def build_notebook(src: Path):
    """The notebook of a source: jupytext's cells, stable ids, a python3 kernel, no outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for index, (kind, text) in enumerate(cells_of(src)):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        cell.id = f"{src.stem[:2]}-{index:03d}"
        nb.cells.append(cell)
    return nb


def kernel_env(fast: bool) -> dict:
    """The environment a lesson kernel gets: this checkout importable, fast mode on or off, no GUI."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    if fast:
        env["MINIGAN_FAST"] = "1"
    else:
        env.pop("MINIGAN_FAST", None)
    return env


def _children_cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def execute_notebook(nb, fast: bool, timeout: int = 900, allow_errors: bool = False) -> tuple[float, float]:
    """Run `nb` in place in a fresh kernel (cwd: a temporary folder).

    Returns (wall seconds, CPU seconds of the kernel process). With one BLAS thread the CPU time is
    what the wall time would be on an idle machine; on a busy one the wall time is larger.
    """
    import nbclient

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env(fast))  # the kernel inherits this process's environment
    try:
        with tempfile.TemporaryDirectory(prefix="minigan-lesson-") as cwd:
            client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                             resources={"metadata": {"path": cwd}})
            began, cpu_began = time.perf_counter(), _children_cpu_seconds()
            client.execute()  # starts the kernel, runs every cell, shuts the kernel down and reaps it
            seconds, cpu = time.perf_counter() - began, _children_cpu_seconds() - cpu_began
        freeze_progress_bars(nb)
        return seconds, cpu
    finally:
        os.environ.clear()
        os.environ.update(saved)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def freeze_progress_bars(nb) -> None:
    """Give every tqdm widget in the outputs a text/plain copy of its *final* state.

    A live progress bar in Jupyter is a widget; a saved notebook keeps the widget's state but its
    text/plain fallback (what a code-hosting site shows) is the bar as first drawn, at 0%. This
    rebuilds the text from the saved state: "desc: 100%|##########| 400/400 [00:05<00:00, ...]".
    """
    import html

    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            box = state.get(view["model_id"]) if view else None
            if not box or "children" not in box.get("state", {}):
                continue
            parts = []
            for child in box["state"]["children"]:
                model = state.get(child.replace("IPY_MODEL_", ""), {})
                values = model.get("state", {})
                if model.get("model_name") == "FloatProgressModel" and values.get("max"):
                    filled = int(10 * values.get("value", 0) / values["max"])
                    parts.append("|" + "#" * filled + " " * (10 - filled) + "|")
                else:
                    parts.append(html.unescape(str(values.get("value", ""))).replace("\u2007", " "))
            output["data"]["text/plain"] = "".join(parts)


def disagreements(src: Path) -> list[str]:
    """How the committed notebook of `src` differs from it (empty when they agree)."""
    import nbformat

    path = notebook_path(src)
    if not path.exists():
        return [f"{path.relative_to(ROOT)} is missing: run python tools/notebook.py build {src.stem[:2]}"]
    committed = nbformat.read(path, as_version=4)
    expected = build_notebook(src)
    problems = []
    if len(committed.cells) != len(expected.cells):
        problems.append(f"{path.name}: {len(committed.cells)} cells, its source has {len(expected.cells)}")
    for i, (got, want) in enumerate(zip(committed.cells, expected.cells)):
        if (got.cell_type, got.source, got.get("id")) != (want.cell_type, want.source, want.id):
            problems.append(f"{path.name}: cell {i} ({want.id}) differs from {src.name}")
    return problems


def sync_markdown(src: Path) -> bool:
    """Copy the source's markdown cells into the committed (executed) notebook, keeping its outputs.

    Only for edits of prose: the cells must match in number, kind and code. Returns True when the
    notebook changed; raises ValueError (naming the cell) when code differs: execute it instead.
    """
    import nbformat

    path = notebook_path(src)
    committed, expected = nbformat.read(path, as_version=4), build_notebook(src)
    if [c.cell_type for c in committed.cells] != [c.cell_type for c in expected.cells]:
        raise ValueError(f"{path.name}: the cells changed; run python tools/notebook.py execute {src.stem[:2]}")
    changed = False
    for i, (got, want) in enumerate(zip(committed.cells, expected.cells)):
        if got.cell_type == "code" and got.source != want.source:
            raise ValueError(f"{path.name}: code cell {i} changed; run python tools/notebook.py execute {src.stem[:2]}")
        if got.cell_type == "markdown" and (got.source != want.source or got.get("id") != want.id):
            got.source, got.id, changed = want.source, want.id, True
    if changed:
        nbformat.write(committed, path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/notebook.py", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["build", "execute", "check", "sync"])
    parser.add_argument("names", nargs="*", help="lesson prefixes (default: all)")
    parser.add_argument("--all", action="store_true", help="every lesson (the default when no names are given)")
    parser.add_argument("--fast", action="store_true", help="MINIGAN_FAST=1 (what the tests run)")
    parser.add_argument("--no-write", action="store_true", help="execute only (to time or test), keep the notebooks")
    parser.add_argument("--allow-errors", action="store_true", help="keep going after a failing cell (debugging)")
    args = parser.parse_args(argv)
    selected = sources(() if args.all else args.names)
    if not selected:
        print("error: no lesson source matches", " ".join(args.names), file=sys.stderr)
        return 2
    if args.command == "check":
        problems = [p for src in selected for p in disagreements(src)]
        print("\n".join(problems) if problems else f"{len(selected)} notebooks agree with their sources")
        return 1 if problems else 0

    if args.command == "sync":
        for src in selected:
            if sync_markdown(src):
                print("updated the markdown of", notebook_path(src).relative_to(ROOT))
        return 0

    import nbformat

    for src in selected:
        nb = build_notebook(src)
        if args.command == "execute":
            seconds, cpu = execute_notebook(nb, fast=args.fast, allow_errors=args.allow_errors)
            print(f"{src.stem}: {'fast' if args.fast else 'full'} run {seconds:.0f} s wall, "
                  f"{cpu:.0f} s CPU (kernel)", flush=True)
        if not args.no_write:
            nbformat.write(nb, notebook_path(src))
            print("wrote", notebook_path(src).relative_to(ROOT), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
