"""Grade a whole class: one folder per student, each holding that student's exNN_*.py files.

    python exercises/grade_class.py CLASS_DIR [--csv points.csv] [-m "ex_sigmoid or ex_linear"]

Runs the exercise tests once per student folder (a pytest subprocess each, so one student's code
cannot disturb another's run) and prints a table: one row per student, the points per exercise
and the total. --csv also writes the table; -m grades only the exercises a marker expression selects.
Exit status 0, or 2 with `error: ...` when CLASS_DIR is missing or holds no student folder.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def grade_one(folder: Path, marker_expression: str | None, scratch: Path) -> dict:
    report = scratch / f"{folder.name}.json"
    command = [sys.executable, "-m", "pytest", str(HERE / "tests"), "-q", "-p", "no:cacheprovider",
               "--student", str(folder), "--grade-json", str(report)]
    if marker_expression:
        command += ["-m", marker_expression]
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    env.pop("MINIGAN_EXERCISES", None)
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if not report.exists():
        return {"exercises": {}, "total": 0.0, "max_total": 0}
    return json.loads(report.read_text(encoding="utf-8"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python exercises/grade_class.py", description=__doc__.splitlines()[0])
    parser.add_argument("class_dir", type=Path, help="a folder with one subfolder per student")
    parser.add_argument("--csv", type=Path, default=None, help="also write the table to this CSV file")
    parser.add_argument("-m", dest="markers", default=None, help="grade only these exercises (a pytest -m expression)")
    args = parser.parse_args(argv)
    if not args.class_dir.is_dir():
        print(f"error: {args.class_dir} is not a folder (expected one subfolder per student)", file=sys.stderr)
        return 2
    students = sorted(p for p in args.class_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not students:
        print(f"error: {args.class_dir} holds no student folder (expected CLASS_DIR/<student>/exNN_*.py)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        results = {s.name: grade_one(s.resolve(), args.markers, Path(scratch)) for s in students}
    markers = sorted({m for r in results.values() for m in r["exercises"]},
                     key=lambda m: min(r["exercises"][m]["number"] for r in results.values() if m in r["exercises"]))
    header = ["student"] + markers + ["total", "max"]
    rows = []
    for name, r in results.items():
        rows.append([name] + [f"{r['exercises'][m]['points']:g}" if m in r["exercises"] else "-" for m in markers]
                    + [f"{r['total']:g}", f"{r['max_total']:g}"])
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    for row in [header] + rows:
        cells = [str(cell).rjust(w) if i else str(cell).ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        print("  ".join(cells))
    if args.csv:
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header] + rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
