"""The MLP-GAN step at two threads under each OPENBLAS_THREAD_TIMEOUT, minigan against PyTorch (the
A/B behind the value minigan/__init__.py sets; minigan/backend.py, "CPU threads").

    python benchmarks/blas_timeout.py                          # 18 and 22, three rounds
    python benchmarks/blas_timeout.py --timeouts 18 20 22 24 --rounds 2

OpenBLAS reads the variable when it loads, so each value runs in a process of its own, the values
alternating. In each process minigan's step and PyTorch's twin (benchmarks/run.py's mlp case)
alternate in 5 blocks of 200 steps; the line gives the medians and their ratio. The MLP's matrix
products take tens of microseconds with Python between them: whether BLAS's second thread is
still spinning when the next one starts decides whether two threads gain anything.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import minigan as mg
import numpy as np
import torch
import run as R
import torch_twins as twins
from minigan.gan.recipes import build, default_config
config = default_config("mlp", "ring")
run = build(config)
real = run.dataset.points[:config.batch_size]
hidden = (config.width, config.width)
tG, tD = twins.mlp_generator(config.latent_dim, 2, hidden), twins.mlp_discriminator(2, hidden)
z = np.random.default_rng(0).standard_normal((config.batch_size, config.latent_dim)).astype(np.float32)
twins.copy_weights(run.G, tG)
twins.copy_weights(run.D, tD)
steps = {"minigan": R.minigan_step(run, config, mg.tensor(real), mg.tensor(z)),
         "torch": R.torch_step(torch, tG, tD, config, real, z)}
R.set_threads(torch, 2)
times = {name: [] for name in steps}
for _ in range(5):
    for name, step in steps.items():
        for _ in range(20):
            step()
        start = time.perf_counter()
        for _ in range(200):
            step()
        times[name].append((time.perf_counter() - start) / 200 * 1e3)
mine, theirs = float(np.median(times["minigan"])), float(np.median(times["torch"]))
print(f"minigan {mine:.3f} ms, PyTorch {theirs:.3f} ms, ratio {mine / theirs:.3f}")
"""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeouts", type=int, nargs="+", default=[18, 22])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    print("load average before:", os.getloadavg())
    for _ in range(args.rounds):
        for timeout in args.timeouts:
            env = dict(os.environ, OPENBLAS_THREAD_TIMEOUT=str(timeout))
            out = subprocess.run([sys.executable, "-c", CHILD, here], env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
            print(f"OPENBLAS_THREAD_TIMEOUT={timeout}: {out}")
    print("load average after:", os.getloadavg())


if __name__ == "__main__":
    main()
