"""What the Karras-family experiments share: training for a budget of CPU time, scoring a
generator, and one run per process (so that two can run side by side) collected in a JSON-lines
file that the report step reads.

    python experiments/progressive_growing.py --variant progressive --seed 0   # one run, appended
    python experiments/progressive_growing.py --report                         # the tables

CPU time (time.process_time of the training process, OPENBLAS_NUM_THREADS=1) is what the runs are
given in equal amounts: wall time on a shared machine says more about the neighbours than about
the model.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                    # minigan
sys.path.insert(0, str(ROOT / "benchmarks"))     # common: results/, the machine

import numpy as np  # noqa: E402

from common import RESULTS, machine_info  # noqa: E402


def train_for(trainer, cpu_seconds: float, max_steps: int | None = None) -> dict:
    """train_step() until the process has spent `cpu_seconds` of CPU time in them (or max_steps):
    returns the steps, CPU seconds and wall seconds the training took."""
    cpu, wall, steps = 0.0, 0.0, 0
    while cpu < cpu_seconds and (max_steps is None or steps < max_steps):
        c, w = time.process_time(), time.perf_counter()
        trainer.train_step()
        cpu += time.process_time() - c
        wall += time.perf_counter() - w
        steps += 1
    return {"steps": steps, "cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1)}


def score(G, evaluator, reference, n: int, seed: int) -> dict:
    """FD, precision, recall and classifier score of n samples of G (noise from `seed`)."""
    from minigan.gan.run_metrics import image_metrics
    from minigan.gan.sampling import sample

    m = image_metrics(evaluator, reference, sample(G, n, seed=seed))
    return {"fd": round(m["fd"], 2), "precision": round(m["precision"], 4), "recall": round(m["recall"], 4),
            "classifier_score": round(m["classifier_score"], 3)}


def runs_file(name: str) -> Path:
    return RESULTS / f"{name}_runs.jsonl"


def append_run(name: str, row: dict) -> None:
    """One finished run, with the command and the machine, appended to results/<name>_runs.jsonl."""
    row = {**row, "command": "OPENBLAS_NUM_THREADS=" + os.environ.get("OPENBLAS_NUM_THREADS", "(unset)") + " python "
           + shlex.join(sys.argv), "machine": machine_info()}
    RESULTS.mkdir(exist_ok=True)
    with open(runs_file(name), "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps({k: v for k, v in row.items() if k != "machine"}), flush=True)


def read_runs(name: str) -> list[dict]:
    path = runs_file(name)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def mean_std(values) -> str:
    values = np.asarray(values, dtype=np.float64)
    return f"{values.mean():.3g} ± {values.std(ddof=1):.2g}" if len(values) > 1 else f"{values.mean():.3g}"


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] as uint8 (what the pictures are kept as)."""
    return ((np.clip(images, -1, 1) + 1) * 127.5).round().astype(np.uint8)


def variant_table(rows: list[dict], variants, first=lambda mine: []) -> tuple[dict, list[str]]:
    """The runs of each variant summarised: ({variant: mean fd, precision, recall, steps}, the
    table's rows "| variant | <first(runs)> | seeds | FD | precision | recall | steps | CPU s |
    wall s | FD per seed |"), mean ± standard deviation over the seeds."""
    summary, lines = {}, []
    for variant in variants:
        mine = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["seed"])
        if not mine:
            continue

        def col(key, mine=mine):
            return [r[key] for r in mine]
        summary[variant] = {key: float(np.mean(col(key))) for key in ("fd", "precision", "recall", "steps")}
        cells = [variant, *first(mine), str(len(mine)), mean_std(col("fd")), mean_std(col("precision")),
                 mean_std(col("recall")), mean_std(col("steps")), f"{np.mean(col('cpu_seconds')):.0f}",
                 f"{np.mean(col('wall_seconds')):.0f}", ", ".join("%.1f" % v for v in col("fd"))]
        lines.append("| " + " | ".join(cells) + " |")
    return summary, lines
