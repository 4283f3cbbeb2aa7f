"""Time minigan's convolutions against PyTorch on the CPU: the 28x28 DCGAN layers, batch 64.

For each layer in dcgan_shapes.CONV_LAYERS_28: forward, then backward with the input and weight
gradients (no bias), in float32. minigan and PyTorch run in the same process with the same number of
threads n: by default the number NumPy's BLAS uses (PyTorch gets torch.set_num_threads(n)); --threads
2,1 measures several. The two libraries are timed in blocks taken in turn (minigan, PyTorch,
minigan, ...) so that both see the same machine load; each number is the median over the repeats.

    PYTHONPATH=. python benchmarks/conv_cpu.py [--threads 2,1] [--repeats 30] [--no-write]

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


def time_block(step, count: int, warmup: int) -> list:
    """`count` timings of `step` after `warmup` untimed ones, then a pause.

    The pause matters with more than one thread: OpenBLAS's and PyTorch's idle worker threads spin
    for a while after each call, and would steal the cores from the other library's next block.
    """
    for _ in range(warmup):
        step()
    samples = [step() for _ in range(count)]
    time.sleep(0.3)
    return samples


def minigan_breakdown(step, count: int = 10) -> dict:
    """Milliseconds per step spent in im2col, col2im and the matrix products (the rest is Python,
    transposes and allocation), measured by wrapping the three functions for `count` steps."""
    import minigan.ops.conv as conv

    spent = {"im2col": 0.0, "col2im": 0.0, "matmul_arrays": 0.0}
    originals = {name: getattr(conv, name) for name in spent}

    def timed(name):
        def call(*args, **kwargs):
            t0 = time.perf_counter()
            out = originals[name](*args, **kwargs)
            spent[name] += time.perf_counter() - t0
            return out
        return call

    try:
        for name in spent:
            setattr(conv, name, timed(name))
        step()
        spent.update({name: 0.0 for name in spent})
        t0 = time.perf_counter()
        for _ in range(count):
            step()
        total = time.perf_counter() - t0
    finally:
        for name, f in originals.items():
            setattr(conv, name, f)
    result = {name: 1e3 * t / count for name, t in spent.items()}
    result["rest"] = 1e3 * total / count - sum(result.values())
    return result


def run(torch, threads: int, repeats: int, rounds: int, warmup: int) -> dict:
    """Every layer at one thread count: {"threads": n, "layers": [...]}."""
    set_threads(torch, threads)
    rng = np.random.default_rng(0)
    rows = []
    for name, kind, cin, cout, k, s, p, hw in CONV_LAYERS_28:
        ours, theirs, max_gradient_error, out_shape = make_layer(torch, kind, cin, cout, k, s, p, hw, rng)
        ours(), theirs()
        error = max_gradient_error()
        if error > 1e-4:
            raise RuntimeError(f"{name}: minigan's gradients differ from PyTorch's (relative error {error:.2e})")
        times = {"minigan": [], "torch": []}
        for _ in range(rounds):  # blocks in turn, so that both see the same machine load
            times["minigan"] += time_block(ours, repeats // rounds, warmup)
            times["torch"] += time_block(theirs, repeats // rounds, warmup)
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
        row["minigan"]["breakdown_ms"] = minigan_breakdown(ours)
        rows.append(row)
    return {"threads": threads, "layers": rows}


def table(run_result: dict) -> str:
    lines = [
        "| layer | op | input -> output | minigan fwd / bwd / total (ms) | PyTorch fwd / bwd / total (ms) "
        "| ratio | minigan: matmul / im2col / col2im / rest (ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in run_result["layers"]:
        m, t = r["minigan"], r["torch"]
        lines.append(
            f"| {r['layer']} | {r['kind']} k{r['kernel']} s{r['stride']} p{r['padding']} | "
            f"{tuple(r['input'])} -> {tuple(r['output'])} | "
            f"{m['forward_ms']:.2f} / {m['backward_ms']:.2f} / **{m['total_ms']:.2f}** | "
            f"{t['forward_ms']:.2f} / {t['backward_ms']:.2f} / **{t['total_ms']:.2f}** | {r['ratio']:.2f}x | "
            + " / ".join(f"{m['breakdown_ms'][k]:.1f}" for k in ("matmul_arrays", "im2col", "col2im", "rest"))
            + " |"
        )
    return "\n".join(lines)


def markdown(result: dict, notes: str) -> str:
    m = result["machine"]
    tables = "\n\n".join(
        f"### {r['threads']} thread{'s' if r['threads'] > 1 else ''}"
        f"{' (what NumPy uses by default)' if r['threads'] == m['numpy_default_threads'] else ''}\n\n{table(r)}"
        for r in result["runs"])
    return (
        "# Convolutions on the CPU: minigan (NumPy) vs PyTorch\n\n"
        f"Measured {m['date']} by `benchmarks/conv_cpu.py`: the 28x28 DCGAN layers, batch "
        f"{result['batch']}, float32, forward + backward (input and weight gradients, no bias), median "
        f"of {result['repeats']} steps per library, timed in {result['rounds']} blocks taken in turn "
        f"(each after {result['warmup']} warm-up steps).\n\n"
        f"Machine: {m['cpu']}, {m['logical_cores']} logical cores ({m['usable_cores']} usable), "
        f"{m['platform']}; Python {m['python']}, NumPy {m['numpy']} ({m['numpy_blas']}), "
        f"PyTorch {m['torch']}. Both libraries run with the same thread count (NumPy's BLAS via "
        f"openblas_set_num_threads, PyTorch via torch.set_num_threads). Load average at start "
        f"{m['load_average_at_start'][0]:.2f}, at end {m['load_average_at_end'][0]:.2f}.\n\n"
        f"{tables}\n\n{notes}"
    )


def write_markdown(result: dict, notes_path: str) -> None:
    notes = ""
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            notes = f.read()
    with open(os.path.join(RESULTS, "conv_cpu.md"), "w") as f:
        f.write(markdown(result, notes))
    print(f"wrote {RESULTS}/conv_cpu.json and conv_cpu.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30, help="timed steps per library and layer")
    parser.add_argument("--rounds", type=int, default=5, help="blocks the repeats are split into")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before each block")
    parser.add_argument("--threads", default="",
                        help="comma-separated thread counts for both libraries, e.g. 2,1 "
                             "(default: as many as NumPy's BLAS uses)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--notes", default=os.path.join(RESULTS, "conv_cpu_notes.md"),
                        help="markdown appended to conv_cpu.md (the analysis)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: rewrite conv_cpu.md from conv_cpu.json and the notes")
    args = parser.parse_args()
    if args.render:
        with open(os.path.join(RESULTS, "conv_cpu.json")) as f:
            write_markdown(json.load(f), args.notes)
        return

    import torch

    default_threads = numpy_blas_threads()
    if default_threads is None:
        raise RuntimeError("cannot ask NumPy's BLAS for its thread count (not the bundled OpenBLAS)")
    thread_counts = [int(n) for n in args.threads.split(",") if n] or [default_threads]
    info = machine()
    info.update(torch=torch.__version__, numpy_default_threads=default_threads,
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))
    runs = []
    for n in thread_counts:
        runs.append(run(torch, n, args.repeats, args.rounds, args.warmup))
        print(f"threads: {n}\n{table(runs[-1])}")
    info["load_average_at_end"] = list(os.getloadavg())
    print(f"load average {info['load_average_at_start']} -> {info['load_average_at_end']}")
    result = {"benchmark": "conv_cpu", "dtype": "float32", "batch": BATCH, "repeats": args.repeats,
              "rounds": args.rounds, "warmup": args.warmup, "machine": info, "runs": runs,
              "target": "minigan total within 1.5x of PyTorch CPU"}
    if not args.no_write:
        os.makedirs(RESULTS, exist_ok=True)
        with open(os.path.join(RESULTS, "conv_cpu.json"), "w") as f:
            json.dump(result, f, indent=2)
        write_markdown(result, args.notes)


if __name__ == "__main__":
    main()
