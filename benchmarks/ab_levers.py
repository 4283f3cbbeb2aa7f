"""A/B measurements of the speed levers in benchmarks/NOTES.md: each lever against the code it
replaced, in one process, alternating blocks, medians of the per-block ratios.

    python benchmarks/ab_levers.py   # one line per lever; 1 thread (BLAS and minigan's own), CPU time
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan as mg  # noqa: E402
from minigan.ops import conv, norm  # noqa: E402


def ab(before, after, blocks: int = 7, number: int = 10) -> tuple:
    """(median ms before, median ms after, median per-block speed-up before / after)."""
    times = {"before": [], "after": []}
    for block in range(blocks):
        order = (("before", before), ("after", after)) if block % 2 == 0 else (("after", after), ("before", before))
        for name, fn in order:
            fn()
            start = time.process_time()  # CPU time: one thread, steadier than wall time on a loaded machine
            for _ in range(number):
                fn()
            times[name].append((time.process_time() - start) / number * 1e3)
    ratios = [b / a for b, a in zip(times["before"], times["after"])]
    return statistics.median(times["before"]), statistics.median(times["after"]), statistics.median(ratios)


def columns_then_col2im(x, weight, stride, padding, dilation, output_size):
    """conv_transpose2d's product before speed (e): weight^T @ x as columns, then col2im."""
    n, c_in = x.shape[:2]
    x_rows = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).reshape(c_in, -1)
    cols = conv.matmul_arrays(weight.reshape(c_in, -1).T, x_rows)
    return conv.col2im(cols, (n, weight.shape[1]) + output_size, weight.shape[2:], stride, padding, dilation)


def batch_norm_step(x, w, b, stats, plain: bool):
    def step():
        if not plain:  # the Tensor-op backward, as it ran for every backward before
            norm.is_grad_enabled = lambda: True
        try:
            y = norm.batch_norm(x, *stats, w, b, training=True)
            (y * y).sum().backward()
        finally:
            norm.is_grad_enabled = mg.is_grad_enabled
    return step


def main():
    mg.set_num_threads(1)
    rng = np.random.default_rng(0)
    lines = []
    for name, xs, ws, out in (("conv_transpose2d 64->32, 7->14 (G.convT1)", (64, 64, 7, 7), (64, 32, 4, 4), (14, 14)),
                              ("conv_transpose2d 32->1, 14->28 (G.convT2)", (64, 32, 14, 14), (32, 1, 4, 4), (28, 28))):
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        args = (x, w, (2, 2), (1, 1), (1, 1), out)
        before, after, speedup = ab(lambda: columns_then_col2im(*args), lambda: conv._transposed_product_by_phase(*args))
        lines.append(f"(e) by phase, {name}: {before:.2f} -> {after:.2f} ms, {speedup:.2f}x")
    x = mg.tensor(rng.standard_normal((64, 64, 7, 7)).astype(np.float32), requires_grad=True)
    w, b = mg.ones(64, requires_grad=True), mg.zeros(64, requires_grad=True)
    stats = (np.zeros(64, np.float32), np.ones(64, np.float32))
    before, after, speedup = ab(batch_norm_step(x, w, b, stats, False), batch_norm_step(x, w, b, stats, True))
    lines.append(f"BatchNorm (64, 64, 7, 7) forward + backward, plain backward: {before:.2f} -> {after:.2f} ms, "
                 f"{speedup:.2f}x")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
