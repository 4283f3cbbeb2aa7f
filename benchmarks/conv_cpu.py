"""Time minigan's convolutions against PyTorch on the CPU: the 28x28 DCGAN layers, batch 64.

For each layer in dcgan_shapes.CONV_LAYERS_28: forward, then backward with the input and weight
gradients (no bias), in float32. minigan and PyTorch run in the same process with the same number of
threads: PyTorch gets torch.set_num_threads(n) with n the number of threads NumPy's BLAS uses.
The two are timed alternately (one minigan step, one PyTorch step, ...) so that both see the same
machine load; each number is the median over the repeats, after warm-up.

    PYTHONPATH=. python benchmarks/conv_cpu.py [--repeats 25] [--warmup 5] [--no-write]

Writes benchmarks/results/conv_cpu.json and conv_cpu.md (with the machine it ran on).
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import glob
import json
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import minigan as mg  # noqa: E402
from dcgan_shapes import BATCH, CONV_LAYERS_28  # noqa: E402
from minigan import functional as F  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _openblas_function(action: str):
    """openblas_{get,set}_num_threads of the OpenBLAS that NumPy wheels bundle, or None."""
    libs = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(libs, "*openblas*")):
        lib = ctypes.CDLL(path)
        for name in (f"scipy_openblas_{action}_num_threads64_", f"openblas_{action}_num_threads64_",
                     f"openblas_{action}_num_threads"):
            if hasattr(lib, name):
                return getattr(lib, name)
    return None


def numpy_blas_threads() -> int | None:
    """How many threads NumPy's BLAS uses (None when it cannot be asked)."""
    get = _openblas_function("get")
    return int(get()) if get is not None else None


def set_threads(torch, n: int) -> None:
    """The same thread count for NumPy's BLAS and for PyTorch."""
    set_blas = _openblas_function("set")
    if set_blas is None:
        raise RuntimeError("cannot set NumPy's BLAS threads (not the bundled OpenBLAS); run without --threads")
    set_blas(int(n))
    torch.set_num_threads(int(n))
    assert numpy_blas_threads() == n and torch.get_num_threads() == n


def machine() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    return {
        "cpu": model,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas": f"{blas.get('name', '?')} {blas.get('version', '')}".strip(),
        "load_average_at_start": list(os.getloadavg()),
    }


def make_layer(torch, kind, cin, cout, k, s, p, hw, rng):
    """Both libraries' step functions for one layer: each returns (forward seconds, backward seconds)."""
    x = rng.standard_normal((BATCH, cin, hw, hw)).astype(np.float32)
    w_shape = (cout, cin, k, k) if kind == "conv2d" else (cin, cout, k, k)
    w = (rng.standard_normal(w_shape) * 0.02).astype(np.float32)  # DCGAN's N(0, 0.02) init
    ours_f, theirs_f = getattr(F, kind), getattr(torch.nn.functional, kind)
    x_mg, w_mg = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    x_t, w_t = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    out_shape = ours_f(x_mg, w_mg, stride=s, padding=p).shape
    g = rng.standard_normal(out_shape).astype(np.float32)
    g_mg, g_t = mg.tensor(g), torch.tensor(g)

    def ours():
        x_mg.grad = w_mg.grad = None
        t0 = time.perf_counter()
        y = ours_f(x_mg, w_mg, stride=s, padding=p)
        t1 = time.perf_counter()
        y.backward(g_mg)
        return t1 - t0, time.perf_counter() - t1

    def theirs():
        x_t.grad = w_t.grad = None
        t0 = time.perf_counter()
        y = theirs_f(x_t, w_t, stride=s, padding=p)
        t1 = time.perf_counter()
        y.backward(g_t)
        return t1 - t0, time.perf_counter() - t1

    def max_gradient_error():
        """max |minigan - PyTorch| / max |PyTorch| over both gradients (after a step of each)."""
        pairs = ((x_mg.grad.numpy(), x_t.grad.numpy()), (w_mg.grad.numpy(), w_t.grad.numpy()))
        return max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in pairs)

    return ours, theirs, max_gradient_error, tuple(out_shape)


def run(repeats: int, warmup: int, threads: int) -> dict:
    import torch

    if threads:
        set_threads(torch, threads)
    else:
        threads = numpy_blas_threads() or os.cpu_count()
        torch.set_num_threads(threads)
    info = machine()
    info.update(torch=torch.__version__, threads=threads,
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    rng = np.random.default_rng(0)
    rows = []
    for name, kind, cin, cout, k, s, p, hw in CONV_LAYERS_28:
        ours, theirs, max_gradient_error, out_shape = make_layer(torch, kind, cin, cout, k, s, p, hw, rng)
        for _ in range(warmup):
            ours(), theirs()
        error = max_gradient_error()
        if error > 1e-4:
            raise RuntimeError(f"{name}: minigan's gradients differ from PyTorch's (relative error {error:.2e})")
        times = {"minigan": [], "torch": []}
        for _ in range(repeats):  # alternate, so that both see the same machine load
            times["minigan"].append(ours())
            times["torch"].append(theirs())
        row = {"layer": name, "kind": kind, "input": [BATCH, cin, hw, hw], "output": list(out_shape),
               "kernel": k, "stride": s, "padding": p, "max_relative_gradient_error": error}
        for lib, samples in times.items():
            samples = np.array(samples) * 1e3
            total = samples.sum(axis=1)
            row[lib] = {"forward_ms": float(np.median(samples[:, 0])),
                        "backward_ms": float(np.median(samples[:, 1])),
                        "total_ms": float(np.median(total)),
                        "total_ms_quartiles": [float(np.percentile(total, 25)), float(np.percentile(total, 75))]}
        row["ratio"] = row["minigan"]["total_ms"] / row["torch"]["total_ms"]
        rows.append(row)
    info["load_average_at_end"] = list(os.getloadavg())
    return {"benchmark": "conv_cpu", "dtype": "float32", "batch": BATCH, "repeats": repeats,
            "warmup": warmup, "machine": info, "layers": rows,
            "target": "minigan total within 1.5x of PyTorch CPU"}


def table(result: dict) -> str:
    lines = [
        "| layer | op | input -> output | minigan fwd / bwd / total (ms) | PyTorch fwd / bwd / total (ms) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["layers"]:
        m, t = r["minigan"], r["torch"]
        lines.append(
            f"| {r['layer']} | {r['kind']} k{r['kernel']} s{r['stride']} p{r['padding']} | "
            f"{tuple(r['input'])} -> {tuple(r['output'])} | "
            f"{m['forward_ms']:.2f} / {m['backward_ms']:.2f} / **{m['total_ms']:.2f}** | "
            f"{t['forward_ms']:.2f} / {t['backward_ms']:.2f} / **{t['total_ms']:.2f}** | {r['ratio']:.2f}x |"
        )
    return "\n".join(lines)


def markdown(result: dict, notes: str) -> str:
    m = result["machine"]
    return (
        "# Convolutions on the CPU: minigan (NumPy) vs PyTorch\n\n"
        f"Measured {m['date']} by `benchmarks/conv_cpu.py`: the 28x28 DCGAN layers, batch "
        f"{result['batch']}, float32, forward + backward (input and weight gradients, no bias), median "
        f"of {result['repeats']} alternating repeats after {result['warmup']} warm-up steps.\n\n"
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['usable_cores']} usable), "
        f"{m['platform']}; Python {m['python']}, NumPy {m['numpy']} ({m['numpy_blas']}), "
        f"PyTorch {m['torch']}. Threads: {m['threads']} for both (NumPy's BLAS; torch.set_num_threads). "
        f"Load average at start {m['load_average_at_start'][0]:.2f}, at end "
        f"{m['load_average_at_end'][0]:.2f}.\n\n"
        f"{table(result)}\n\n{notes}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for both libraries (default: as many as NumPy's BLAS uses)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--notes", default=os.path.join(RESULTS, "conv_cpu_notes.md"),
                        help="markdown appended to conv_cpu.md (the analysis)")
    args = parser.parse_args()
    result = run(args.repeats, args.warmup, args.threads)
    print(f"threads: {result['machine']['threads']}, load average {result['machine']['load_average_at_start']}"
          f" -> {result['machine']['load_average_at_end']}")
    print(table(result))
    if not args.no_write:
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "conv_cpu.json"), "w") as f:
            json.dump(result, f, indent=2)
        notes = open(args.notes).read() if os.path.exists(args.notes) else ""
        with open(os.path.join(RESULTS, "conv_cpu.md"), "w") as f:
            f.write(markdown(result, notes))
        print(f"wrote {RESULTS}/conv_cpu.json and conv_cpu.md")


if __name__ == "__main__":
    main()
