"""Write a lesson notebook from a list of cells: ("md", text) or ("code", source).

Used by the lesson sources in lessons/src/*.py:  python tools/notebook.py  rebuilds every lesson.
Keeping lessons as plain Python lists makes them easy to review and diff; the .ipynb files are the
product students open.
"""

import importlib.util
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def build(cells, path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells:
        source = source.strip("\n")
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def main(names=None):
    for src in sorted((ROOT / "lessons" / "src").glob("*.py")):
        if names and src.stem not in names:
            continue
        spec = importlib.util.spec_from_file_location(src.stem, src)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        target = ROOT / "lessons" / f"{src.stem}.ipynb"
        build(module.CELLS, target)
        print("wrote", target.relative_to(ROOT))


if __name__ == "__main__":
    main(sys.argv[1:])
