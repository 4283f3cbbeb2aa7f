"""A/B of one training step in one process: the code of a lever as it is now against the same code
from an older tree (e.g. `git archive <commit>`), swapped in and out in alternating blocks.

    git archive 5f6a456 | tar -x -C /tmp/base
    python benchmarks/ab_step.py /tmp/base leaky_relu dcgan mlp   # base tree, lever, models
    python benchmarks/ab_step.py /tmp/base linear mlp

CPU time, BLAS at one thread; prints the medians and the median per-block speed-up (before / after).
Levers: leaky_relu (LeakyReLU.forward/backward of ops/elementwise.py), piecewise_slope
(PiecewiseSlope.forward: relu's and leaky_relu's backward product), linear (ops/linear.linear).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import minigan as mg  # noqa: E402
import minigan.functional as F  # noqa: E402
from minigan import gan  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402
from minigan.ops import elementwise, linear  # noqa: E402


def load_old(base: str, relative: str):
    spec = importlib.util.spec_from_file_location("old_" + Path(relative).stem, Path(base) / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def swaps(base: str, lever: str):
    """(use the old code, use the new code) for one lever."""
    if lever == "leaky_relu":
        old = load_old(base, "minigan/ops/elementwise.py").LeakyReLU.__dict__
        new = dict(elementwise.LeakyReLU.__dict__)
        def use(d):
            return lambda: [setattr(elementwise.LeakyReLU, k, d[k]) for k in ("forward", "backward")]
        return use(old), use(new)
    if lever == "piecewise_slope":
        old = load_old(base, "minigan/ops/elementwise.py").PiecewiseSlope.__dict__["forward"]
        new = elementwise.PiecewiseSlope.__dict__["forward"]
        def use(fn):
            return lambda: setattr(elementwise.PiecewiseSlope, "forward", fn)
        return use(old), use(new)
    if lever == "linear":
        old, new = load_old(base, "minigan/ops/linear.py").linear, linear.linear
        def use(fn):
            return lambda: (setattr(linear, "linear", fn), setattr(F, "linear", fn))
        return use(old), use(new)
    raise SystemExit(f"error: unknown lever {lever!r} (expected leaky_relu, piecewise_slope or linear)")


def ab(model: str, before, after, blocks: int = 9) -> str:
    number = 5 if model == "dcgan" else 50
    config = default_config(model, "sample" if model == "dcgan" else "ring")
    run = build(config)
    rng = np.random.default_rng(0)
    if model == "dcgan":
        real = mg.tensor(rng.uniform(-1, 1, (config.batch_size, 1, 28, 28)).astype(np.float32))
    else:
        real = mg.tensor(run.dataset.points[:config.batch_size])
    z = mg.tensor(rng.standard_normal((config.batch_size, config.latent_dim)).astype(np.float32))
    loss = gan.LOSSES[config.loss]

    def step():
        gan.d_step(run.G, run.D, run.opt_d, real, z, loss)
        gan.g_step(run.G, run.D, run.opt_g, z, loss)

    times = {"before": [], "after": []}
    for block in range(blocks):
        for name in (("before", "after") if block % 2 == 0 else ("after", "before")):
            (before if name == "before" else after)()
            step()
            start = time.process_time()
            for _ in range(number):
                step()
            times[name].append((time.process_time() - start) / number * 1e3)
    after()
    ratio = statistics.median(b / a for b, a in zip(times["before"], times["after"]))
    return (f"{model}: before {statistics.median(times['before']):.2f} ms, after "
            f"{statistics.median(times['after']):.2f} ms, speed-up {ratio:.3f}x "
            f"({blocks} alternating blocks of {number} steps, CPU time, 1 thread)")


def main():
    base, lever, models = sys.argv[1], sys.argv[2], sys.argv[3:] or ["dcgan", "mlp"]
    mg.set_num_threads(1)
    before, after = swaps(base, lever)
    for model in models:
        print(f"{lever} {ab(model, before, after)}", flush=True)


if __name__ == "__main__":
    main()
