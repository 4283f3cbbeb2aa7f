"""Timing on a CUDA GPU for the benchmarks/cuda_*.py scripts: events, warm-up, medians, graphs.

- Device events around the timed region (work is asynchronous); a warm-up call first (compilation,
  cuBLAS handles); each sample runs the function `inner` times, with `inner` chosen so a sample lasts
  at least `min_sample_ms`; the median of `samples` samples is reported, with min and max.
- `enqueue_ms`: the host's time to issue one call. When it is close to the device time the
  measurement is launch-bound (Python and driver overhead, not the kernel).
- `graph=True`: the `inner` calls are captured once into a CUDA graph and the graph is replayed,
  which removes the launch gaps between kernels (used for kernel-only timings; falls back to plain
  calls when capture fails, and says so).
"""

from __future__ import annotations

import json
import platform
import re
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path


def gpu_missing(script: str) -> str | None:
    """None when CuPy sees a CUDA device; otherwise the message the script prints before leaving."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except Exception as err:  # noqa: BLE001 - any failure means: no usable GPU
        return f"{script} needs CuPy and a CUDA GPU: {err}"
    return None


def gpu_info() -> dict:
    """Name, compute capability, SMs, memory, driver/runtime and library versions of device 0."""
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    info = {
        "gpu": name,
        "compute_capability": f"{props['major']}.{props['minor']}",
        "multiprocessors": props["multiProcessorCount"],
        "memory_gib": round(props["totalGlobalMem"] / 2**30, 1),
        "l2_bytes": props.get("l2CacheSize"),
        "driver_version": cupy.cuda.runtime.driverGetVersion(),
        "runtime_version": cupy.cuda.runtime.runtimeGetVersion(),
        "cupy": cupy.__version__,
        "host": platform.node(),
        "python": platform.python_version(),
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["cudnn"] = torch.backends.cudnn.version() if torch.cuda.is_available() else None
    except ImportError:
        pass
    return info


def slug(name: str) -> str:
    """'NVIDIA H100 80GB HBM3' -> 'nvidia-h100-80gb-hbm3' (for file names)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _events(kind):
    if kind == "torch":
        import torch

        return lambda: torch.cuda.Event(enable_timing=True), lambda s, e: s.elapsed_time(e), torch.cuda.synchronize
    import cupy

    return (cupy.cuda.Event, lambda s, e: cupy.cuda.get_elapsed_time(s, e),
            cupy.cuda.runtime.deviceSynchronize)


def _capture(fn, inner):
    """A CUDA graph of `inner` calls of fn on a fresh stream, or None when capture fails."""
    import cupy

    stream = cupy.cuda.Stream(non_blocking=True)
    try:
        with stream:
            stream.begin_capture()
            try:
                for _ in range(inner):
                    fn()
            finally:
                graph = stream.end_capture()
        graph.launch(stream)
        stream.synchronize()
        return graph, stream
    except Exception:
        return None


def time_gpu(fn, *, kind="cupy", samples=7, min_sample_ms=20.0, max_inner=2000, warmup=2,
             graph=False) -> dict:
    """Median milliseconds per call of fn() on the GPU (see the module docstring)."""
    new_event, elapsed, sync = _events(kind)
    for _ in range(warmup):
        fn()
    sync()
    # calibrate `inner` from one timed call
    start, end = new_event(), new_event()
    start.record()
    fn()
    end.record()
    end.synchronize()
    one = max(elapsed(start, end), 1e-3)
    inner = int(min(max_inner, max(1, min_sample_ms / one)))

    captured = _capture(fn, inner) if graph and kind == "cupy" else None
    per_call, enqueue = [], []
    for _ in range(samples):
        sync()
        start, end = new_event(), new_event()
        if captured is not None:
            g, stream = captured
            start.record(stream)
            t0 = time.perf_counter()
            g.launch(stream)
            t1 = time.perf_counter()
            end.record(stream)
        else:
            start.record()
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            t1 = time.perf_counter()
            end.record()
        end.synchronize()
        per_call.append(elapsed(start, end) / inner)
        enqueue.append((t1 - t0) * 1e3 / inner)
    median = statistics.median(per_call)
    return {
        "ms": median, "min_ms": min(per_call), "max_ms": max(per_call), "inner": inner,
        "samples": samples, "enqueue_ms": statistics.median(enqueue),
        "launch_bound": captured is None and statistics.median(enqueue) >= 0.8 * median,
        "graph": captured is not None,
    }


def write_results(stem: Path, meta: dict, rows: list, markdown: str) -> None:
    """stem.json (machine + every row) and stem.md (the machine + a table), written atomically."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps({"machine": meta, "rows": rows}, indent=1)),
                         (".md", markdown)):
        tmp = stem.with_suffix(suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(stem.with_suffix(suffix))


def machine_lines(meta: dict) -> list:
    return [f"- {k}: {v}" for k, v in meta.items()]
