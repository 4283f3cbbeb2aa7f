"""A layer's forward + backward with minigan's fast paths on, with them off (the reference code,
mg.fast_paths(False)), and in PyTorch: one process, one thread for every library, CPU time
(time.process_time), the three calls of a round in rotated order, medians over the rounds and of
the per-round ratios. The A/B behind a fast path's speed note (benchmarks/NOTES.md).

    python benchmarks/ab_fast_paths.py "nn.MaxPool2d(3, 2, 1)" "nn.MaxPool2d(2)"
    python benchmarks/ab_fast_paths.py --shape 64,64,28,28 --rounds 12 "nn.GroupNorm(8, 64)"

Each LAYER is a Python expression in `nn` (minigan.nn or torch.nn, the same expression for both).
Prints one line per layer; writes nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("layers", nargs="+", metavar="LAYER")
    parser.add_argument("--shape", default="64,64,28,28", help="the float32 input's shape")
    parser.add_argument("--rounds", type=int, default=12, help="timed rounds (one more to warm up)")
    args = parser.parse_args(argv)
    import torch
    from threadpoolctl import threadpool_limits

    import minigan as mg

    threadpool_limits(1, user_api="blas")
    torch.set_num_threads(1)
    shape = tuple(int(n) for n in args.shape.split(","))
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    inputs = {"minigan": mg.tensor(x, requires_grad=True), "torch": torch.tensor(x, requires_grad=True)}
    print(f"load average {os.getloadavg()[0]:.1f}, input {shape} float32, CPU time, 1 thread")
    for expression in args.layers:
        layer = {"minigan": eval(expression, {"nn": mg.nn}), "torch": eval(expression, {"nn": torch.nn})}

        def step(library, fast=True):
            t = inputs[library]
            with mg.fast_paths(fast):
                layer[library](t).sum().backward()
            t.grad = None

        runs = {"fast": lambda: step("minigan"), "reference": lambda: step("minigan", False),
                "torch": lambda: step("torch")}
        times = {name: [] for name in runs}
        order = list(runs)
        for round_ in range(args.rounds + 1):
            for name in order:
                start = time.process_time()
                runs[name]()
                if round_:
                    times[name].append(time.process_time() - start)
            order = order[1:] + order[:1]
        ms = {name: statistics.median(t) * 1e3 for name, t in times.items()}

        def ratio(a, b):
            return statistics.median(p / q for p, q in zip(times[a], times[b]))

        print(f"{expression}: fast {ms['fast']:.1f} ms, reference {ms['reference']:.1f} ms, "
              f"PyTorch {ms['torch']:.1f} ms; fast/reference {ratio('fast', 'reference'):.2f}, "
              f"fast/PyTorch {ratio('fast', 'torch'):.2f}, reference/PyTorch "
              f"{ratio('reference', 'torch'):.2f} ({args.rounds} rounds)")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
