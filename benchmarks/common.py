"""What every benchmark shares: a timer and the record of the machine a result was measured on."""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict:
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info


def median_seconds(fn, repeats: int = 7, warmup: int = 2, number: int = 1) -> float:
    """Median wall time of `number` calls of fn(), over `repeats` runs, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def write_results(name: str, payload: dict, markdown: str) -> None:
    """benchmarks/results/<name>.json (numbers + machine) and <name>.md (the table)."""
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine_info(), **payload}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    machine = payload["machine"]
    header = (f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores), "
              f"Python {machine['python']}, NumPy {machine['numpy']}"
              + (f", PyTorch {machine['torch']} ({machine['torch_threads']} threads)" if "torch" in machine else "")
              + ".\n\n")
    (RESULTS / f"{name}.md").write_text(header + markdown)
    print(header + markdown)
